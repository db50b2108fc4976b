"""SELECT: from a compiled statement to a pipeline of plan steps.

The pipeline is ``source -> filter -> group -> having -> sort -> project ->
distinct -> offset/limit``, each step a small object holding closures built
once by ``expr.compile_expr``; ``explain()`` prints it.  Steps are generators
where they can be, so ``LIMIT`` without ``ORDER BY`` stops the scan early.
"""

from __future__ import annotations

import decimal
import itertools
from operator import itemgetter
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy.sql import operators as ops
from sqlalchemy.sql import visitors

from . import nulls
from .errors import DataError, NotSupportedError
from .expr import Fn, Scope, compile_expr, unsupported
from .runtime import Runtime, TableRef, table_ref

Row = Tuple[Any, ...]
Rows = Iterable[Row]

# -- sources -------------------------------------------------------------------


class Source:
    def rows(self, rt: Runtime, params: Any) -> Rows:
        return [row for _, row in self.items(rt, params)]

    def items(self, rt: Runtime, params: Any) -> Iterable[Tuple[Any, Row]]:
        """``(key, row)`` pairs, for UPDATE and DELETE."""
        raise NotImplementedError

    def explain(self) -> str:
        raise NotImplementedError


class NoTable(Source):
    """``SELECT`` without FROM: one empty row."""

    def rows(self, rt: Runtime, params: Any) -> Rows:
        return ((),)

    def explain(self) -> str:
        return "ONE ROW"


class Scan(Source):
    def __init__(self, ref: TableRef) -> None:
        self.ref = ref

    def rows(self, rt: Runtime, params: Any) -> Rows:
        return rt.view(self.ref).values()

    def items(self, rt: Runtime, params: Any) -> Iterable[Tuple[Any, Row]]:
        return list(rt.view(self.ref).items())

    def explain(self) -> str:
        return "SCAN %s" % self.ref.name


class KeyLookup(Source):
    """Primary-key equality: one dict lookup, no scan."""

    def __init__(self, ref: TableRef, key: Fn) -> None:
        self.ref = ref
        self.key = key

    def rows(self, rt: Runtime, params: Any) -> Rows:
        key = self.key((), params)
        if key is None:
            return ()
        try:
            row = rt.view(self.ref).get(key)
        except TypeError:  # unhashable bind value: compare by scanning
            return [r for k, r in rt.view(self.ref).items() if k == key]
        return () if row is None else (row,)

    def items(self, rt: Runtime, params: Any) -> Iterable[Tuple[Any, Row]]:
        key = self.key((), params)
        row = None if key is None else rt.view(self.ref).get(key)
        return () if row is None else ((key, row),)

    def explain(self) -> str:
        return "PRIMARY KEY LOOKUP %s" % self.ref.name


class IndexLookup(Source):
    """Equality on an indexed column; falls back to a scan for readers that
    must see committed rows while another connection writes."""

    def __init__(self, ref: TableRef, positions: Tuple[int, ...], key: Fn, name: str) -> None:
        self.ref = ref
        self.positions = positions
        self.key = key
        self.name = name

    def rows(self, rt: Runtime, params: Any) -> Rows:
        value = self.key((), params)
        if value is None:
            return ()
        td = rt.table(self.ref)
        view = rt.txn.view(td)
        if view is not td.rows:
            return view.values()  # the filter step re-checks the predicate
        index = td.index_on(self.positions)
        if index is None:
            return view.values()
        return [view[k] for k in index.lookup(value)]

    def items(self, rt: Runtime, params: Any) -> Iterable[Tuple[Any, Row]]:
        value = self.key((), params)
        if value is None:
            return ()
        td = rt.table(self.ref)
        view = rt.txn.view(td)
        index = td.index_on(self.positions)
        if view is not td.rows or index is None:
            return list(view.items())
        return [(k, view[k]) for k in index.lookup(value)]

    def explain(self) -> str:
        return "INDEX LOOKUP %s USING %s" % (self.ref.name, self.name)


# -- the plan ------------------------------------------------------------------


class Aggregate:
    """One aggregate function over a group's rows."""

    def __init__(self, name: str, arg: Optional[Fn], distinct: bool, extra: Sequence[Fn] = ()) -> None:
        self.name = name
        self.arg = arg
        self.distinct = distinct
        self.extra = extra

    def compute(self, rows: List[Row], params: Any) -> Any:
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
            return sum(values[1:], values[0])
        if name == "min":
            return min(values)
        if name == "max":
            return max(values)
        if name == "avg":
            total = sum(values[1:], values[0])
            if isinstance(total, decimal.Decimal):
                return total / len(values)
            return total / len(values)
        if name in ("group_concat", "string_agg", "aggregate_strings"):
            sep = self.extra[0]((), params) if self.extra else ","
            return sep.join(str(v) for v in values)
        raise NotSupportedError("aggregate %s()" % name)


_AGGREGATES = {"count", "sum", "min", "max", "avg", "group_concat", "string_agg", "aggregate_strings"}


class SelectPlan:
    """A SELECT's steps; ``run`` returns the result rows."""

    returns_rows = True

    def __init__(self) -> None:
        self.source: Source = NoTable()
        self.where: Optional[Fn] = None
        self.group_by: Optional[List[Fn]] = None
        self.aggregates: List[Aggregate] = []
        self.source_width = 0
        self.having: Optional[Fn] = None
        self.order_by: List[Tuple[Fn, bool, bool]] = []  # (key, descending, nulls_first)
        # result rows come from ``getter`` (plain columns), ``exprs`` or, when
        # both are None, are the source rows themselves
        self.getter: Optional[Callable[[Row], Row]] = None
        self.exprs: Optional[List[Fn]] = None
        self.project_note = ""
        self.distinct = False
        self.limit: Optional[Fn] = None
        self.offset: Optional[Fn] = None
        self.layouts: List[Tuple[TableRef, Tuple[str, ...]]] = []

    def run(self, rt: Runtime, params_list: Sequence[Any]) -> Tuple[List[Row], int, None]:
        rows = self.select(rt, params_list[0])
        return rows, len(rows), None

    def select(self, rt: Runtime, params: Any) -> List[Row]:
        rows: Rows = self.source.rows(rt, params)
        where = self.where
        if where is not None:
            rows = [r for r in rows if (v := where(r, params)) is not None and v]
        if self.group_by is not None:
            rows = self._group(rows, params)
        if self.order_by:
            rows = sort_rows(list(rows), self.order_by, params)
        out: Iterable[Row] = rows
        if self.getter is not None:
            out = map(self.getter, rows)
        elif self.exprs is not None:
            fns = self.exprs
            out = [tuple([f(r, params) for f in fns]) for r in rows]
        if self.distinct:
            out = _distinct(out)
        if self.limit is not None or self.offset is not None:
            start = _count(self.offset, params, "OFFSET")
            stop = _count(self.limit, params, "LIMIT")
            out = itertools.islice(out, start, None if stop is None else (start or 0) + stop)
        return out if isinstance(out, list) else list(out)

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
        lines = [self.source.explain()]
        if self.where is not None:
            lines.append("FILTER")
        if self.group_by is not None:
            lines.append("GROUP BY %d key(s), %d aggregate(s)" % (len(self.group_by), len(self.aggregates)))
        if self.having is not None:
            lines.append("HAVING")
        if self.order_by:
            lines.append("SORT BY %d key(s)" % len(self.order_by))
        if self.project_note:
            lines.append("PROJECT %s" % self.project_note)
        if self.distinct:
            lines.append("DISTINCT")
        if self.limit is not None or self.offset is not None:
            lines.append("LIMIT/OFFSET")
        return lines


def _count(fn: Optional[Fn], params: Any, what: str) -> Optional[int]:
    if fn is None:
        return None
    value = fn((), params)
    if value is None:
        return None
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


def sort_rows(rows: List[Row], order_by: List[Tuple[Fn, bool, bool]], params: Any) -> List[Row]:
    """Stable multi-key sort; NULLs placed per key (default: NULLs smallest)."""
    for key, descending, nulls_first in reversed(order_by):
        null_flag = nulls_first == descending  # flag value that puts NULLs where wanted

        def sort_key(row: Row, key: Fn = key, null_flag: bool = null_flag) -> Tuple[bool, Any]:
            v = key(row, params)
            return (null_flag, 0) if v is None else (not null_flag, v)

        try:
            rows.sort(key=sort_key, reverse=descending)
        except TypeError as err:
            raise DataError("cannot compare values in ORDER BY: %s" % err) from err
    return rows


# -- planning ------------------------------------------------------------------


def plan_select(compiled: Any, rt: Runtime) -> SelectPlan:
    state = compiled.compile_state
    stmt = state.statement
    plan = SelectPlan()
    if getattr(stmt, "_distinct_on", None):
        raise NotSupportedError("SELECT DISTINCT ON (...) is not supported by the memory dialect")
    if getattr(stmt, "_setup_joins", None) or getattr(stmt, "_legacy_setup_joins", None):
        raise NotSupportedError("JOIN is not supported by the memory dialect yet")
    froms = list(getattr(state, "froms", None) or stmt.get_final_froms())
    scope = Scope(compiled, store=rt.store)
    if len(froms) > 1:
        raise NotSupportedError(
            "SELECT from several tables (%s) is not supported by the memory dialect yet"
            % ", ".join(str(getattr(f, "name", f)) for f in froms)
        )
    if froms:
        from_ = froms[0]
        if from_.__visit_name__ != "table":
            raise unsupported(from_, "FROM %s" % from_.__visit_name__)
        ref = table_ref(from_)
        td = rt.table(ref)
        plan.layouts.append((ref, td.names))
        scope.sources.append((from_, td.position))
        plan.source_width = len(td.names)
    columns = [c for _, _, _, c, _ in stmt._generate_columns_plus_names(True)]
    for c in columns:
        if c.__visit_name__ == "label":
            scope.labels[c.name] = c.element

    conjuncts = _conjuncts(stmt._where_criteria)
    if froms:
        plan.source, conjuncts = _access_path(ref, td, conjuncts, scope, rt)
    if conjuncts:
        plan.where = nulls.sql_and([compile_expr(c, scope) for c in conjuncts])

    aggregates = _find_aggregates([*columns, *stmt._having_criteria, *stmt._order_by_clauses])
    if aggregates or stmt._group_by_clauses:
        plan.group_by = [compile_expr(g, scope) for g in stmt._group_by_clauses]
        for i, agg in enumerate(aggregates):
            plan.aggregates.append(_aggregate(agg, scope))
            scope.aggregates[id(agg)] = plan.source_width + i
        if stmt._having_criteria:
            plan.having = nulls.sql_and([compile_expr(h, scope) for h in stmt._having_criteria])

    plan.order_by = [_order_term(o, scope) for o in stmt._order_by_clauses]
    _plan_projection(plan, columns, scope, td if froms else None)
    plan.distinct = bool(stmt._distinct)
    if stmt._limit_clause is not None:
        plan.limit = compile_expr(stmt._limit_clause, scope)
    elif getattr(stmt, "_fetch_clause", None) is not None:
        options = stmt._fetch_clause_options or {}
        if options.get("percent") or options.get("with_ties"):
            raise NotSupportedError("FETCH FIRST ... PERCENT / WITH TIES is not supported by the memory dialect")
        plan.limit = compile_expr(stmt._fetch_clause, scope)
    if stmt._offset_clause is not None:
        plan.offset = compile_expr(stmt._offset_clause, scope)
    return plan


def _conjuncts(criteria: Sequence[Any]) -> List[Any]:
    out: List[Any] = []
    for c in criteria:
        while c.__visit_name__ == "grouping":
            c = c.element
        if c.__visit_name__ in ("clauselist", "expression_clauselist") and c.operator is ops.and_:
            out.extend(_conjuncts(c.clauses))
        else:
            out.append(c)
    return out


def _equality(c: Any, td: Any, scope: Scope) -> Optional[Tuple[int, Any]]:
    """``(position, value element)`` when ``c`` is ``column = value``."""
    if c.__visit_name__ != "binary" or c.operator is not ops.eq:
        return None
    for col, other in ((c.left, c.right), (c.right, c.left)):
        if col.__visit_name__ != "column" or other.__visit_name__ not in ("bindparam", "literal", "null"):
            continue
        if getattr(other, "expanding", False):
            continue
        try:
            pos = scope.position(col)
        except NotSupportedError:
            continue
        return pos, other
    return None


def _access_path(ref: TableRef, td: Any, conjuncts: List[Any], scope: Scope, rt: Runtime) -> Tuple[Source, List[Any]]:
    """Pick a primary-key or index lookup from ``col = value`` conjuncts."""
    equalities: Dict[int, Tuple[Any, Any]] = {}
    for c in conjuncts:
        found = _equality(c, td, scope)
        if found is not None and found[0] not in equalities:
            equalities[found[0]] = (found[1], c)
    pk = td.pk_positions
    if pk and all(p in equalities for p in pk):
        fns = [compile_expr(equalities[p][0], scope) for p in pk]
        used = {id(equalities[p][1]) for p in pk}
        rest = [c for c in conjuncts if id(c) not in used]
        if len(fns) == 1:
            return KeyLookup(ref, fns[0]), rest
        return KeyLookup(ref, lambda row, params: _tuple_or_none(fns, params)), rest
    for index in td.indexes:
        if all(p in equalities for p in index.positions):
            fns = [compile_expr(equalities[p][0], scope) for p in index.positions]
            key = fns[0] if len(fns) == 1 else (lambda row, params, fns=fns: _tuple_or_none(fns, params))
            # keep the predicate: the fallback scan needs it
            return IndexLookup(ref, index.positions, key, index.name), conjuncts
    return Scan(ref), conjuncts


def _tuple_or_none(fns: List[Fn], params: Any) -> Optional[Tuple[Any, ...]]:
    values = tuple([f((), params) for f in fns])
    return None if None in values else values


def _find_aggregates(elements: Iterable[Any]) -> List[Any]:
    found: List[Any] = []
    seen = set()
    for element in elements:
        for el in visitors.iterate(element):
            if el.__visit_name__ in ("over", "funcfilter", "within_group"):
                raise unsupported(el, "window functions and aggregate FILTER")
            if getattr(el, "name", None) in _AGGREGATES and el.__visit_name__ != "column" and hasattr(el, "clauses"):
                if id(el) not in seen:
                    seen.add(id(el))
                    found.append(el)
    return found


def _aggregate(el: Any, scope: Scope) -> Aggregate:
    args = list(el.clauses)
    name = el.name.lower()
    if name == "count" and (not args or _is_star(args[0])):
        return Aggregate("count", None, False)
    first = args[0]
    distinct = False
    if first.__visit_name__ == "unary" and first.operator is ops.distinct_op:
        distinct = True
        first = first.element
    return Aggregate(name, compile_expr(first, scope), distinct, [compile_expr(a, scope) for a in args[1:]])


def _is_star(el: Any) -> bool:
    return el.__visit_name__ == "column" and getattr(el, "is_literal", False) and el.name == "*"


def _order_term(el: Any, scope: Scope) -> Tuple[Fn, bool, bool]:
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
    if nulls_first is None:
        nulls_first = not descending  # NULLs sort as the smallest value
    return compile_expr(el, scope), descending, nulls_first


def _plan_projection(plan: SelectPlan, columns: List[Any], scope: Scope, td: Any) -> None:
    positions: List[int] = []
    for c in columns:
        inner = c.element if c.__visit_name__ == "label" else c
        if inner.__visit_name__ != "column" or id(inner) in scope.aggregates or getattr(inner, "is_literal", False):
            break
        try:
            positions.append(scope.position(inner))
        except NotSupportedError:
            break
    if len(positions) == len(columns):
        if td is not None and plan.group_by is None and positions == list(range(len(td.names))):
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
