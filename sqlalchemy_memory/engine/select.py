"""SELECT: from a compiled statement to a pipeline of plan steps.

The pipeline is ``source -> filter -> group -> having -> window -> sort ->
project -> distinct -> offset/limit``, each step a small object holding closures built
once by ``expr.compile_expr``; ``explain()`` prints it.  The source is a tree
of FROM nodes (``joins.py``).  Nested selects (subqueries, CTEs, compound
members) are planned by the same code with a nested ``Scope``.
"""

from __future__ import annotations

import decimal
import heapq
import itertools
import math
import re
from operator import itemgetter
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import text
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql import operators as ops
from sqlalchemy.sql.selectable import SelectState, _from_objects

from . import custom, nulls
from .errors import DataError, NotSupportedError
from .expr import RUNTIME_KEY, Fn, PlanContext, Scope, compile_expr, runs_as_sql, unsupported
from .functions import total
from .froms import plan_froms
from .joins import Node, SourceNode
from .runtime import Runtime
from .sources import Order, TableAccess, _conjuncts
from .window import WindowStep, find_windows, plan_windows

Row = Tuple[Any, ...]
Rows = Iterable[Row]
OrderTerm = Tuple[Fn, bool, bool]  # (key, descending, nulls_first)

_SELECT_LIKE = frozenset(("select", "compound_select", "select_statement_grouping"))


# -- the plan ------------------------------------------------------------------


class Aggregate:
    """One aggregate function over a group's rows."""

    def __init__(self, name: str, arg: Optional[Fn], distinct: bool, extra: Sequence[Fn] = (), where: Optional[Fn] = None) -> None:
        self.name = name
        self.arg = arg
        self.distinct = distinct
        self.extra = extra
        self.where = where  # FILTER (WHERE ...): the rows the aggregate sees

    def compute(self, rows: List[Row], params: Any) -> Any:
        where = self.where
        if where is not None:
            rows = [r for r in rows if (v := where(r, params)) is not None and v]
        if self.arg is None:  # count(*)
            return len(rows)
        arg = self.arg
        values = [v for v in (arg(r, params) for r in rows) if v is not None]
        if self.distinct:
            values = list(dict.fromkeys(values))
        name = self.name
        if name == "count":
            return len(values)
        if not values:
            return None
        if name == "sum":
            return total(values)
        if name == "min":
            return min(values)
        if name == "max":
            return max(values)
        if name == "avg":
            return total(values) / len(values)
        if name in ("group_concat", "string_agg", "aggregate_strings"):
            sep = self.extra[0]((), params) if self.extra else ","
            return sep.join(str(v) for v in values)
        raise NotSupportedError("aggregate %s()" % name)


_AGGREGATES = {"count", "sum", "min", "max", "avg", "group_concat", "string_agg", "aggregate_strings"}


class Limits:
    """LIMIT / OFFSET / FETCH FIRST [PERCENT] [WITH TIES], as closures."""

    def __init__(self, limit: Optional[Fn], offset: Optional[Fn], percent: bool, ties: bool) -> None:
        self.limit = limit
        self.offset = offset
        self.percent = percent
        self.ties = ties

    def top_k(self, params: Any) -> Optional[int]:
        """How many leading rows the result needs, when that is known before
        sorting (plain LIMIT)."""
        if self.percent or self.ties or self.limit is None:
            return None
        stop = _count(self.limit, params, "LIMIT")
        if stop is None:
            return None
        return (_count(self.offset, params, "OFFSET") or 0) + stop

    def apply(self, rows: Iterable[Row], params: Any, order_key: Optional[Callable[[Row], Any]], skipped: int = 0) -> Iterable[Row]:
        """The rows OFFSET and LIMIT keep; ``skipped`` of the OFFSET's rows
        are already gone (passed over in an index)."""
        start = (_count(self.offset, params, "OFFSET") or 0) - skipped
        if self.limit is None:
            return itertools.islice(rows, start, None) if start else rows
        if self.percent:
            rows = list(rows)
            pct = self.limit((), params)
            if pct is None:
                return rows[start:]
            stop: Optional[int] = math.ceil(len(rows) * float(pct) / 100)
        else:
            stop = _count(self.limit, params, "LIMIT")
        if stop is None:
            return itertools.islice(rows, start, None)
        if self.ties and order_key is not None:
            rows = list(rows)
            end = start + stop
            if stop > 0 and end < len(rows):
                last = order_key(rows[end - 1])
                while end < len(rows) and order_key(rows[end]) == last:
                    end += 1
            return rows[start:end]
        return itertools.islice(rows, start, start + stop)


class QueryPlan:
    """SELECT and compound SELECT plans run alike; subclasses define ``select``."""

    returns_rows = True
    private = False
    result_names: Optional[List[str]] = None  # column names, when the compiled statement's differ

    def run(self, rt: Runtime, params_list: Sequence[Any]) -> Tuple[List[Row], int, None]:
        params = params_list[0]
        if self.private:
            params = dict(params)
            params[RUNTIME_KEY] = rt
        rows = self.select(rt, params)
        return rows, len(rows), None

    def select(self, rt: Runtime, params: Any) -> List[Row]:
        raise NotImplementedError

    def any_row(self, rt: Runtime, params: Any) -> bool:
        """Whether ``select`` would return a row (EXISTS)."""
        return bool(self.select(rt, params))


class SelectPlan(QueryPlan):
    """A SELECT's steps; ``run`` returns the result rows."""

    def __init__(self) -> None:
        self.source: Optional[Node] = None  # None: one empty row (no FROM)
        self.where: Optional[Fn] = None
        self.group_by: Optional[List[Fn]] = None
        self.aggregates: List[Aggregate] = []
        self.source_width = 0
        self.having: Optional[Fn] = None
        self.window: Optional[WindowStep] = None  # appends one slot per window function
        self.order_by: List[OrderTerm] = []
        # result rows come from ``getter`` (plain columns), ``exprs`` or, when
        # both are None, are the source rows themselves
        self.getter: Optional[Callable[[Row], Row]] = None
        self.exprs: Optional[List[Fn]] = None
        self.project_note = ""
        self.distinct = False
        self.limits: Optional[Limits] = None
        self.width = 0
        self.layouts: List[Tuple[Any, Tuple[str, ...]]] = []
        self.private = False  # uses private params keys: copy params per execution
        self.correlated = False  # reads a row of an enclosing query
        # shortcuts for a single table, decided at plan time: a plain LIMIT
        # read lazily (``lazy``: the source's row iterator), ORDER BY ... LIMIT
        # from an index (``index_order``), min / max from index ends
        self.lazy: Optional[Callable[[Runtime, Any], Iterable[Row]]] = None
        self.index_order: Optional[Tuple[TableAccess, Order]] = None
        self.minmax: Optional[List[Tuple[int, bool]]] = None  # (column position, max?)
        self.counting = False  # only count(*), over one table: counted in its index
        self.streams = False  # rows can be read lazily, as a cursor fetches them
        self.subplans: List[Tuple[str, Any]] = []  # expression subqueries, for explain

    def select(self, rt: Runtime, params: Any) -> List[Row]:
        limits = self.limits
        if self.lazy is not None:
            return self._finish(self._lazy_rows(rt, params), params)
        if self.index_order is not None:
            assert limits is not None
            k = limits.top_k(params)
            if k is not None:
                skip = _count(limits.offset, params, "OFFSET") or 0
                ordered = self.index_order[0].ordered_rows(rt, params, self.index_order[1], k, skip)
                if ordered is not None:
                    return self._finish(ordered[0], params, ordered[1])
        if self.minmax is not None:
            found = self._minmax(rt)
            if found is not None:
                return self._finish(found, params)
        if self.counting:
            assert isinstance(self.source, SourceNode) and isinstance(self.source.source, TableAccess)
            counted = self.source.source.count_rows(rt, params)
            if counted is not None:
                n, first = counted
                row = (first or (None,) * self.source_width) + (n,) * len(self.aggregates)
                return self._finish([row], params)
        rows: Rows = ((),) if self.source is None else self.source.rows(rt, params)
        where = self.where
        if where is not None:
            rows = [r for r in rows if where(r, params)]
        if self.group_by is not None:
            rows = self._group(rows, params)
        if self.window is not None:
            rows = self.window.apply(rows if isinstance(rows, list) else list(rows), params)
        if self.order_by:
            k = limits.top_k(params) if limits is not None and not self.distinct else None
            rows = order_rows(rows if isinstance(rows, list) else list(rows), self.order_by, params, k)
        if limits is not None and limits.ties:
            return self._with_ties(rows, params)
        return self._finish(rows, params)

    def any_row(self, rt: Runtime, params: Any) -> bool:
        """EXISTS stops at the first matching row of a single table."""
        node = self.source
        if (
            isinstance(node, SourceNode)
            and self.group_by is None
            and self.window is None
            and self.limits is None
        ):
            rows = node.source.iter_rows(rt, params)
            where = self.where
            if where is not None:
                rows = (r for r in rows if where(r, params))
            return next(iter(rows), None) is not None
        return bool(self.select(rt, params))

    def stream_rows(self, rt: Runtime, params: Any) -> Iterator[Row]:
        """The result rows, lazily (``streams``): a cursor's ``first()``
        reads one row of a table, not all that match."""
        assert isinstance(self.source, SourceNode)
        rows = self.source.source.iter_rows(rt, params)
        where = self.where
        if where is not None:
            rows = (r for r in rows if where(r, params))
        getter = self.getter
        return iter(rows) if getter is None else map(getter, rows)

    def _lazy_rows(self, rt: Runtime, params: Any) -> Iterator[Row]:
        """Rows for a plain LIMIT: read lazily, so reading stops at the
        LIMIT (``_finish`` slices)."""
        assert self.lazy is not None
        rows = self.lazy(rt, params)
        where = self.where
        if where is None:
            return iter(rows)
        return (r for r in rows if where(r, params))

    def _minmax(self, rt: Runtime) -> Optional[List[Row]]:
        """``SELECT min(col), max(col)`` over a whole table, from the ends of
        the columns' indexes; None when an index cannot say."""
        assert self.minmax is not None and isinstance(self.source, SourceNode)
        ref = self.source.source.ref
        td = rt.table(ref)
        view = rt.txn.view(td)
        if view is not td.rows:
            return None
        values = []
        for position, largest in self.minmax:
            index = td.ordered_index((position,))
            if index is None or not index.settled() or index.nans or index.nullish:
                return None  # NaN and composite NULLs sort apart: the ends cannot say
            values.append(index.first_value(largest))
        if rt.trace is not None:
            rt.trace.append("%s: min/max from the ends of its indexes" % ref.name)
        first = next(iter(view.values()), None) or (None,) * self.source_width
        return [first + tuple(values)]

    def _finish(self, rows: Rows, params: Any, skipped: int = 0) -> List[Row]:
        """Project, DISTINCT, OFFSET / LIMIT (``skipped``: rows of the
        OFFSET an index already passed over)."""
        limits = self.limits
        out: Iterable[Row] = rows
        if self.getter is not None:
            out = map(self.getter, rows)
        elif self.exprs is not None:
            fns = self.exprs
            out = [tuple([f(r, params) for f in fns]) for r in rows]
        if self.distinct:
            out = _distinct(out)
        if limits is not None:
            out = limits.apply(out, params, None, skipped)
        return out if isinstance(out, list) else list(out)

    def _with_ties(self, rows: Rows, params: Any) -> List[Row]:
        """FETCH ... WITH TIES compares ORDER BY keys of source rows, so pair
        each projected row with its source row."""
        assert self.limits is not None
        src = list(rows)
        keys = [f for f, _, _ in self.order_by]
        projected = self._project(src, params)
        pairs = list(zip(projected, src))
        if self.distinct:
            first: Dict[Row, Tuple[Row, Row]] = {}
            for p in pairs:
                first.setdefault(p[0], p)
            pairs = list(first.values())
        kept = self.limits.apply(pairs, params, lambda p: tuple([f(p[1], params) for f in keys]))
        return [p[0] for p in kept]

    def _project(self, rows: List[Row], params: Any) -> List[Row]:
        if self.getter is not None:
            return list(map(self.getter, rows))
        if self.exprs is not None:
            fns = self.exprs
            return [tuple([f(r, params) for f in fns]) for r in rows]
        return rows

    def _group(self, rows: Rows, params: Any) -> List[Row]:
        keys = self.group_by or []
        groups: Dict[Any, List[Row]] = {}
        if keys:
            for r in rows:
                k = tuple([f(r, params) for f in keys])
                bucket = groups.get(k)
                if bucket is None:
                    groups[k] = [r]
                else:
                    bucket.append(r)
        else:
            groups[()] = list(rows)
        empty = (None,) * self.source_width
        result = []
        for members in groups.values():
            first = members[0] if members else empty
            result.append(first + tuple([a.compute(members, params) for a in self.aggregates]))
        having = self.having
        if having is not None:
            result = [r for r in result if nulls.truth(having(r, params))]
        return result

    def explain(self) -> List[str]:
        lines = ["ONE ROW"] if self.source is None else self.source.explain()
        if self.lazy is not None:
            lines.append("READ LAZILY: STOP AT LIMIT")
        if self.index_order is not None:
            lines.append("ROWS IN ORDER FROM AN INDEX WHEN ONE HOLDS THE ORDER, UP TO LIMIT")
        if self.minmax is not None:
            lines.append("MIN/MAX FROM INDEX ENDS")
        if self.counting:
            lines.append("COUNT FROM THE INDEX WHEN ITS PROBE ANSWERS THE WHOLE WHERE")
        if self.where is not None:
            lines.append("FILTER")
        if self.group_by is not None:
            lines.append("GROUP BY %d key(s), %d aggregate(s)" % (len(self.group_by), len(self.aggregates)))
        if self.having is not None:
            lines.append("HAVING")
        if self.window is not None:
            lines += self.window.explain()
        if self.order_by:
            top = self.limits is not None and self.limits.limit is not None and not self.distinct
            lines.append("%s BY %d key(s)" % ("TOP-K SORT" if top else "SORT", len(self.order_by)))
        if self.project_note:
            lines.append("PROJECT %s" % self.project_note)
        if self.distinct:
            lines.append("DISTINCT")
        if self.limits is not None:
            lines.append("LIMIT/OFFSET")
        for label, sub in self.subplans:
            lines.append("%s:" % label.upper())
            lines += ["  " + line for line in sub.explain()]
        return lines


class ValuesPlan:
    """``VALUES (...), (...)`` as a derived table.  SQLAlchemy never caches
    a statement holding one, so its data is read from the tree."""

    returns_rows = True
    correlated = False

    def __init__(self, values: Any, scope: Scope) -> None:
        self.width = len(values.columns)
        self.rows_fns: List[List[Fn]] = [
            [compile_expr(v, scope) for v in row] for chunk in values._data for row in chunk
        ]

    def select(self, rt: Runtime, params: Any) -> List[Row]:
        return [tuple([f((), params) for f in fns]) for fns in self.rows_fns]

    def explain(self) -> List[str]:
        return ["VALUES %d row(s)" % len(self.rows_fns)]


def _count(fn: Optional[Fn], params: Any, what: str) -> Optional[int]:
    if fn is None:
        return None
    value = fn((), params)
    if value is None:
        return None
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        if what == "LIMIT" and isinstance(value, int) and value < 0:
            return None  # SQLite's "LIMIT -1": no limit
        raise DataError("%s must be a non-negative integer, not %r" % (what, value))
    return value


def _distinct(rows: Iterable[Row]) -> Iterator[Row]:
    seen: set = set()
    unhashable: List[Row] = []
    for r in rows:
        try:
            if r in seen:
                continue
            seen.add(r)
        except TypeError:
            if r in unhashable:
                continue
            unhashable.append(r)
        yield r


def _sort_key(key: Fn, descending: bool, nulls_first: bool, params: Any) -> Callable[[Row], Tuple[Any, ...]]:
    null_flag = nulls_first == descending  # flag value that puts NULLs where wanted
    null_key = (null_flag, 0)
    flag = not null_flag
    if getattr(key, "may_nan", False):
        nan_key = (flag, 1, 0)  # NaN after every number, as PostgreSQL sorts it

        def nan_sort_key(row: Row) -> Tuple[Any, ...]:
            v = key(row, params)
            return null_key if v is None else nan_key if v != v else (flag, 0, v)

        return nan_sort_key

    def sort_key(row: Row) -> Tuple[Any, ...]:
        v = key(row, params)
        return null_key if v is None else (flag, v)

    return sort_key


def _by_column(rows: List[Row], term: OrderTerm, k: Optional[int]) -> Optional[List[Row]]:
    """One plain-column key: NULLs set aside, the rest ordered by a C-level
    ``itemgetter`` (no Python key function per row)."""
    key, descending, nulls_first = term
    pos = getattr(key, "position", None)
    if pos is None:
        return None
    present = [r for r in rows if r[pos] is not None]
    missing = [r for r in rows if r[pos] is None] if len(present) != len(rows) else []
    nans: List[Row] = []
    if getattr(key, "may_nan", False):  # NaN compares with nothing: sorted after every number
        nans = [r for r in present if r[pos] != r[pos]]
        if nans:
            present = [r for r in present if r[pos] == r[pos]]
    getter = itemgetter(pos)
    try:
        if k is not None and not (nulls_first and len(missing) >= k):
            pick = heapq.nlargest if descending else heapq.nsmallest
            present = pick(k, present, key=getter)
        else:
            present.sort(key=getter, reverse=descending)
    except TypeError as err:
        raise DataError("cannot compare values in ORDER BY: %s" % err) from err
    if nans:
        present = nans + present if descending else present + nans
    out = missing + present if nulls_first else present + missing
    return out if k is None else out[:k]


def sort_rows(rows: List[Row], order_by: List[OrderTerm], params: Any) -> List[Row]:
    """Stable multi-key sort; NULLs placed per key (default: NULLs smallest)."""
    if len(order_by) == 1:
        done = _by_column(rows, order_by[0], None)
        if done is not None:
            return done
    try:
        if all(d == order_by[0][1] for _, d, _ in order_by):
            keys = [_sort_key(k, d, n, params) for k, d, n in order_by]
            if len(keys) == 1:
                rows.sort(key=keys[0], reverse=order_by[0][1])
            else:
                rows.sort(key=lambda r: tuple([k(r) for k in keys]), reverse=order_by[0][1])
            return rows
        for key, descending, nulls_first in reversed(order_by):
            rows.sort(key=_sort_key(key, descending, nulls_first, params), reverse=descending)
    except TypeError as err:
        raise DataError("cannot compare values in ORDER BY: %s" % err) from err
    return rows


def order_rows(rows: List[Row], order_by: List[OrderTerm], params: Any, k: Optional[int]) -> List[Row]:
    """``rows`` sorted; only the first ``k`` when ``k`` (the LIMIT) is known."""
    if k is not None and k < len(rows):
        return top_rows(rows, order_by, params, k)
    return sort_rows(rows, order_by, params)


def top_rows(rows: List[Row], order_by: List[OrderTerm], params: Any, k: int) -> List[Row]:
    """The first ``k`` rows of ``sort_rows`` without sorting them all
    (heapq keeps ties in input order, like the stable sort)."""
    if len(order_by) == 1:
        done = _by_column(rows, order_by[0], k)
        if done is not None:
            return done
    descending = order_by[0][1]
    if any(d != descending for _, d, _ in order_by):
        return sort_rows(rows, order_by, params)[:k]
    keys = [_sort_key(f, d, n, params) for f, d, n in order_by]
    key: Callable[[Row], Any] = keys[0] if len(keys) == 1 else (lambda r: tuple([f(r) for f in keys]))
    pick = heapq.nlargest if descending else heapq.nsmallest
    try:
        return pick(k, rows, key=key)
    except TypeError as err:
        raise DataError("cannot compare values in ORDER BY: %s" % err) from err


# -- planning ------------------------------------------------------------------


def plan_select(compiled: Any, rt: Runtime) -> Any:
    """Plan a top-level SELECT or compound SELECT."""
    ctx = PlanContext(compiled, rt.store, rt)
    state = compiled.compile_state
    stmt = state.statement if state is not None else compiled.statement
    plan = plan_query(stmt, None, False, ctx, state)
    plan.layouts = ctx.layouts
    plan.private = ctx._keys > 0
    if stmt.__visit_name__ == "textual_select":  # the cursor reports the names its SQL gives
        plan.result_names = [c.name for c in textual_query(stmt, ctx)._all_selected_columns]
    return plan


def textual_query(element: Any, ctx: PlanContext) -> Any:
    """The Core query the SQL of a ``TextualSelect`` means (translated by
    ``sqltext``), once per plan: ``text("SELECT ...").columns(...)`` runs as
    that query, as a statement, a subquery or a CTE alike."""
    found = ctx.textual.get(id(element))
    if found is None or found[0] is not element:
        from ..sqltext import textual_query as translate  # the SQL-text path imports the engine

        txn = ctx.rt.txn if ctx.rt is not None else None
        found = ctx.textual[id(element)] = (element, translate(element, ctx.store, txn))
    return found[1]


def plan_query(element: Any, enclosing: Optional[Scope], asfrom: bool, ctx: Optional[PlanContext] = None, state: Any = None) -> Any:
    """A plan (``select(rt, params) -> rows``, ``width``) for any selectable:
    a select, compound select, subquery, CTE, or a grouping of one.
    ``enclosing`` is the scope the selectable appears in; ``asfrom`` tells
    whether it is a FROM entry (which cannot see the enclosing row)."""
    if ctx is None:
        assert enclosing is not None
        ctx = enclosing.ctx
    while True:
        name = element.__visit_name__
        if name in ("subquery", "alias", "select_statement_grouping") or (name == "cte" and not element.recursive):
            element = element.element
        elif name == "grouping" and element.element.__visit_name__ in _SELECT_LIKE:
            element = element.element
        else:
            break
    if name == "select":
        return _plan_select(element, enclosing, asfrom, ctx, state)
    if name == "textual_select":
        return plan_query(textual_query(element, ctx), enclosing, asfrom, ctx)
    if name == "values":
        return ValuesPlan(element, Scope(ctx.compiled, store=ctx.store, ctx=ctx))
    if name in ("compound_select", "cte"):
        from .compound import plan_compound, plan_recursive_cte

        if name == "cte":
            return plan_recursive_cte(element, enclosing, asfrom, ctx)
        return plan_compound(element, enclosing, asfrom, ctx, state)
    raise unsupported(element, "%s as a subquery" % name)


def _recorded_state(stmt: Any, compiled: Any) -> Optional[Tuple[Any, List[Any]]]:
    """``(compile state, rendered FROM list)`` of a nested select, when the
    dialect's compiler recorded them in ``compiled._memory_select_states``
    (``id(select) -> (select, state, froms)``): ORM statements become Core
    ones (with criteria such as single-inheritance discriminators) only
    while compiling."""
    states = getattr(compiled, "_memory_select_states", None)
    if states:
        found = states.get(id(stmt))
        if found is not None and found[0] is stmt:
            return found[1], found[2]
    return None


def _plan_select(stmt: Any, enclosing: Optional[Scope], asfrom: bool, ctx: PlanContext, state: Any) -> SelectPlan:
    if getattr(stmt, "_distinct_on", None):
        raise NotSupportedError("SELECT DISTINCT ON (...) is not supported by the memory dialect")
    parent = (enclosing.parent if asfrom else enclosing) if enclosing is not None else None
    scope = Scope(ctx.compiled, store=ctx.store, parent=parent, ctx=ctx)
    if asfrom and enclosing is not None:
        scope.owner = enclosing  # reading an outer row makes the enclosing select correlated too
    recorded = _recorded_state(stmt, ctx.compiled) if state is None else None
    if state is not None and enclosing is None:
        froms = list(getattr(state, "froms", None) or stmt.get_final_froms())
        enclosing_froms: Any = frozenset()
    elif recorded is not None:
        state, froms = recorded
        stmt = state.statement
        enclosing_froms = enclosing.correlate_froms if enclosing is not None else frozenset()
    else:
        if state is None:
            state = SelectState(stmt, ctx.compiled)
        if enclosing is None:
            explicit: Any = ()
            implicit: Any = ()
            enclosing_froms = frozenset()
        else:
            enclosing_froms = enclosing.correlate_froms
            if asfrom:
                explicit, implicit = enclosing.correlate_froms - enclosing.asfrom_froms, ()
            else:
                explicit, implicit = enclosing.correlate_froms, enclosing.asfrom_froms
        froms = state._get_display_froms(explicit_correlate_froms=explicit, implicit_correlate_froms=implicit)
    scope.asfrom_froms = frozenset(_from_objects(*froms))
    scope.correlate_froms = scope.asfrom_froms | enclosing_froms

    plan = SelectPlan()
    columns = [c for _, _, _, c, _ in stmt._generate_columns_plus_names(True)]
    distinct_column = _standalone_distinct(columns)
    for c in columns:
        if c.__visit_name__ == "label":
            scope.labels[c.name] = c.element

    conjuncts = _conjuncts(stmt._where_criteria)
    plan.source, conjuncts, plan.source_width = plan_froms(froms, scope, conjuncts, ctx.rt, plan_query)
    if conjuncts:
        plan.where = nulls.filter_and([compile_expr(c, scope) for c in conjuncts])

    aggregates = _find_aggregates([*columns, *stmt._having_criteria, *stmt._order_by_clauses], scope)
    if aggregates or stmt._group_by_clauses:
        plan.group_by = [compile_expr(g, scope) for g in stmt._group_by_clauses]
        for i, agg in enumerate(aggregates):
            plan.aggregates.append(_aggregate(agg, scope))
            scope.aggregates[id(agg)] = plan.source_width + i
        if stmt._having_criteria:
            plan.having = nulls.sql_and([compile_expr(h, scope) for h in stmt._having_criteria])
    overs = find_windows([*columns, *stmt._order_by_clauses])
    if overs:
        plan.window = plan_windows(overs, scope, plan.source_width + len(plan.aggregates))

    plan.order_by = [order_term(o, scope) for o in stmt._order_by_clauses]
    _plan_projection(plan, columns, scope)
    plan.width = plan.source_width if plan.project_note == "*" else len(columns)
    plan.distinct = bool(stmt._distinct) or distinct_column
    plan.limits = plan_limits(stmt, scope)
    if plan.limits is not None and plan.limits.ties and not plan.order_by:
        plan.limits.ties = False  # WITH TIES without ORDER BY: every row ties; SQL says plain FETCH
    plan.correlated = scope.correlated
    plan.subplans = scope.subplans
    _plan_shortcuts(plan, stmt, scope)
    return plan


def _standalone_distinct(columns: List[Any]) -> bool:
    """``select(distinct(x), y)`` renders ``SELECT DISTINCT x, y``, a
    DISTINCT select: the first column's unary DISTINCT is replaced by its
    operand (in place; a label keeps its name) and True returned."""
    if not columns:
        return False
    first = columns[0]
    inner = first.element if first.__visit_name__ == "label" else first
    if inner.__visit_name__ != "unary" or inner.operator is not ops.distinct_op:
        return False
    operand = inner.element
    columns[0] = operand.label(first.name) if first.__visit_name__ == "label" else operand
    return True


def _plan_shortcuts(plan: SelectPlan, stmt: Any, scope: Scope) -> None:
    """Single-table shortcuts: a plain LIMIT reads lazily; ORDER BY on
    index columns with a LIMIT walks the index; min / max of indexed
    columns over the whole table read the index ends."""
    node = plan.source
    if not isinstance(node, SourceNode) or plan.window is not None:
        return
    source = node.source
    plan.streams = (
        isinstance(source, TableAccess)
        and plan.group_by is None
        and not plan.order_by
        and plan.limits is None
        and not plan.distinct
        and plan.exprs is None
        and not plan.subplans
        and not plan.private
    )
    limits = plan.limits
    plain_limit = limits is not None and not limits.ties and not limits.percent
    if plan.group_by is None and not plan.order_by and plain_limit:
        plan.lazy = source.iter_rows
        return
    if not isinstance(source, TableAccess) or plan.where is not None:
        return
    if plan.group_by is None and plan.order_by and plain_limit and not plan.distinct:
        order = _index_order(plan.order_by)
        if order is not None:
            plan.index_order = (source, order)
        return
    if plan.group_by == [] and plan.having is None and not plan.order_by and plan.aggregates:
        if all(a.name == "count" and a.arg is None and a.where is None for a in plan.aggregates):
            plan.counting = True
            return
    if plan.group_by == [] and plan.having is None and source.where is None and not plan.order_by:
        wanted = []
        for agg in plan.aggregates:
            position = getattr(agg.arg, "position", None)
            if agg.name not in ("min", "max") or agg.distinct or agg.where is not None or position is None:
                return
            wanted.append((position, agg.name == "max"))
        if wanted:
            plan.minmax = wanted


def _index_order(order_by: List[OrderTerm]) -> Optional[Order]:
    """ORDER BY as an index can give it: plain columns, one direction,
    NULLs on one side."""
    positions = tuple(getattr(key, "position", None) for key, _, _ in order_by)
    if None in positions:
        return None
    directions = {(d, n) for _, d, n in order_by}
    if len(directions) != 1:
        return None
    descending, nulls_first = directions.pop()
    return positions, descending, nulls_first  # type: ignore[return-value]


def plan_limits(stmt: Any, scope: Scope) -> Optional[Limits]:
    limit = offset = None
    percent = ties = False
    if stmt._limit_clause is not None:
        limit = compile_expr(stmt._limit_clause, scope)
    elif getattr(stmt, "_fetch_clause", None) is not None:
        options = stmt._fetch_clause_options or {}
        percent = bool(options.get("percent"))
        ties = bool(options.get("with_ties"))
        limit = compile_expr(stmt._fetch_clause, scope)
    if stmt._offset_clause is not None:
        offset = compile_expr(stmt._offset_clause, scope)
    if limit is None and offset is None:
        return None
    return Limits(limit, offset, percent, ties)


def walk_expression(element: Any) -> Iterator[Any]:
    """``element`` and its sub-elements, not entering nested selects (their
    aggregates and columns belong to their own plan)."""
    stack = [element]
    while stack:
        el = stack.pop()
        yield el
        for child in el.get_children():
            if child.__visit_name__ in _SELECT_LIKE:
                continue
            stack.append(child)


def _find_aggregates(elements: Iterable[Any], scope: Scope) -> List[Any]:
    """Aggregate calls, not counting a window's own function (``sum(x) OVER
    ...`` is computed by the window step; aggregates in its arguments,
    PARTITION BY or ORDER BY are still the group's).  A custom construct
    (``custom.py``) is searched as the SQL it compiles to."""
    found: List[Any] = []
    seen = set()
    windowed = set()
    stack = list(elements)[::-1]
    while stack:
        el = stack.pop()
        name = el.__visit_name__
        if runs_as_sql(el, scope):
            stack.append(custom.translated(el, scope))
            continue
        if name == "over":
            windowed.add(id(el.element))
            if el.element.__visit_name__ == "funcfilter":
                windowed.add(id(el.element.func))  # the window step reports it
        elif name == "within_group":
            raise unsupported(el, "aggregate WITHIN GROUP")
        elif id(el) not in windowed and (
            (name == "funcfilter" and getattr(el.func, "name", None) in _AGGREGATES)
            or (getattr(el, "name", None) in _AGGREGATES and name != "column" and hasattr(el, "clauses"))
        ):
            if id(el) not in seen:
                seen.add(id(el))
                found.append(el)
            continue  # SQL allows no aggregate inside an aggregate
        elif name == "funcfilter" and id(el) not in windowed:
            raise unsupported(el, "FILTER on %s(), which is not an aggregate" % getattr(el.func, "name", "?"))
        stack.extend(c for c in reversed(list(el.get_children())) if c.__visit_name__ not in _SELECT_LIKE)
    return found


def _aggregate(el: Any, scope: Scope) -> Aggregate:
    where = None
    if el.__visit_name__ == "funcfilter":  # agg(x) FILTER (WHERE c)
        where = compile_expr(el.criterion, scope) if el.criterion is not None else None
        el = el.func
    args = list(el.clauses)
    name = el.name.lower()
    if name == "count" and (not args or is_star(args[0])):
        return Aggregate("count", None, False, where=where)
    first = args[0]
    distinct = False
    if first.__visit_name__ == "unary" and first.operator is ops.distinct_op:
        distinct = True
        first = first.element
    return Aggregate(name, compile_expr(first, scope), distinct, [compile_expr(a, scope) for a in args[1:]], where)


def is_star(el: Any) -> bool:
    """``*`` as a column: ``text("*")`` or ``literal_column("*")``."""
    if el.__visit_name__ == "textclause":  # select(text("*"))
        return el.text.strip() == "*" and not el._bindparams
    return el.__visit_name__ == "column" and getattr(el, "is_literal", False) and el.name == "*"


def order_term(el: Any, scope: Scope) -> OrderTerm:
    descending = False
    nulls_first: Optional[bool] = None
    while el.__visit_name__ in ("unary", "label_reference") and (
        el.__visit_name__ == "label_reference" or el.modifier in (ops.desc_op, ops.asc_op, ops.nulls_first_op, ops.nulls_last_op)
    ):
        if el.__visit_name__ == "unary":
            if el.modifier is ops.desc_op:
                descending = True
            elif el.modifier is ops.nulls_first_op:
                nulls_first = True
            elif el.modifier is ops.nulls_last_op:
                nulls_first = False
        el = el.element
    if el.__visit_name__ == "textclause" and not el._bindparams:
        # order_by(text("name DESC NULLS LAST")): the direction is SQL too
        m = _TEXT_DIRECTION.match(el.text)
        if m and (m.group(2) or m.group(3)):
            el = text(m.group(1))
            descending = descending or (m.group(2) or "").upper() == "DESC"
            if m.group(3):
                nulls_first = m.group(3).upper() == "FIRST"
    if nulls_first is None:
        nulls_first = not descending  # NULLs sort as the smallest value
    key = compile_expr(el, scope)
    if isinstance(getattr(el, "type", None), (sqltypes.Float, sqltypes.Numeric)):  # values may be NaN
        key.may_nan = True  # type: ignore[attr-defined]
    return key, descending, nulls_first


_TEXT_DIRECTION = re.compile(r"(?is)^\s*(.*?)(?:\s+(ASC|DESC))?(?:\s+NULLS\s+(FIRST|LAST))?\s*$")


def _plan_projection(plan: SelectPlan, columns: List[Any], scope: Scope) -> None:
    if any(is_star(c) for c in columns):
        if len(columns) > 1 or plan.group_by is not None:
            raise NotSupportedError("SELECT * mixed with other columns is not supported by the memory dialect")
        plan.project_note = "*"
        plan.result_names = _source_names(scope, plan.source_width)
        return  # the source rows
    positions: List[int] = []
    for c in columns:
        inner = c.element if c.__visit_name__ == "label" else c
        if inner.__visit_name__ != "column" or id(inner) in scope.aggregates or getattr(inner, "is_literal", False):
            break
        pos = scope.find(inner)
        if pos is None:
            break
        positions.append(pos)
    if len(positions) == len(columns):
        if plan.source is not None and plan.group_by is None and plan.window is None and positions == list(range(plan.source_width)):
            return  # rows are already the result rows
        if len(positions) == 1:
            p = positions[0]
            plan.getter = lambda row: (row[p],)
        else:
            plan.getter = itemgetter(*positions)
        plan.project_note = "columns %s" % positions
        return
    plan.exprs = [compile_expr(c, scope) for c in columns]
    plan.project_note = "%d expression(s)" % len(columns)


def _source_names(scope: Scope, width: int) -> List[str]:
    """The column names of the FROM rows, in row order: what ``*`` reports."""
    names: List[Optional[str]] = [None] * width
    for _, positions in scope.sources:  # tables and derived tables first, join aliases after
        for name, pos in positions.items():
            if pos < width and names[pos] is None:
                names[pos] = name
    return [name or "?column?" for name in names]
