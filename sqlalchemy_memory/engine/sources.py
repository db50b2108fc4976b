"""Where a single table's rows come from, and which index answers what.

SELECT, UPDATE and DELETE share this.  At plan time ``access_path`` sorts
the table's WHERE conjuncts into *probes*: what one index can answer
(equalities on its leading columns, then a range, IN list, IS NULL or LIKE
prefix on the next one).  At execution a :class:`TableAccess` counts each
probe's entries in its index (a few ``bisect`` calls) and reads the smallest,
filtering with the conjuncts that probe does not answer; with nothing to
probe, or when the index cannot be used (this connection sees uncommitted
rows of another's, or the values do not compare) it scans.  A source yields
the rows that match *all* its conjuncts, lazily where a LIMIT may stop it.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy.sql import operators as ops
from sqlalchemy.sql import visitors

from . import nulls
from .errors import NotSupportedError
from .expr import Fn, Scope, compile_expr
from .indexes import BOTTOM, NAN, TOP, OrderedIndex, Position
from .runtime import Runtime, TableRef

Row = Tuple[Any, ...]
Rows = Iterable[Row]
Spans = List[Tuple[Position, Position]]
# ORDER BY as a source can serve it: (column positions, descending, nulls first)
Order = Tuple[Tuple[int, ...], bool, bool]


class Source:
    """A plan step reading one table (or none)."""

    ref: Any = None

    def rows(self, rt: Runtime, params: Any) -> Rows:
        return list(self.iter_rows(rt, params))

    def iter_rows(self, rt: Runtime, params: Any) -> Iterator[Row]:
        """The matching rows, lazily (a LIMIT stops reading)."""
        return iter(self.rows(rt, params))

    def items(self, rt: Runtime, params: Any) -> Iterable[Tuple[Any, Row]]:
        """``(key, row)`` pairs, for UPDATE and DELETE."""
        raise NotImplementedError

    def ordered_rows(self, rt: Runtime, params: Any, order: Order, k: int, skip: int = 0) -> Optional[Tuple[Iterator[Row], int]]:
        """``(rows, skipped)``: the matching rows in ``order``, lazily, when an
        index can give them more cheaply than sorting for the first ``k``,
        with ``skipped`` of the first ``skip`` (an OFFSET) already passed
        over in the index; else None."""
        return None

    def explain(self) -> List[str]:
        raise NotImplementedError


class NoTable(Source):
    """``SELECT`` without FROM: one empty row."""

    def rows(self, rt: Runtime, params: Any) -> Rows:
        return ((),)

    def explain(self) -> List[str]:
        return ["ONE ROW"]


def _filtered(pairs: Iterable[Tuple[Any, Row]], where: Optional[Fn], params: Any) -> Iterator[Tuple[Any, Row]]:
    if where is None:
        return iter(pairs)
    return ((k, r) for k, r in pairs if where(r, params))


class KeyLookup(Source):
    """Primary-key equality: one dict lookup, no scan."""

    def __init__(self, ref: TableRef, key: Fn, rest: Optional[Fn], label: str) -> None:
        self.ref = ref
        self.key = key
        self.rest = rest
        self.label = label

    def rows(self, rt: Runtime, params: Any) -> Rows:
        key = self.key((), params)
        if key is None:
            return ()
        view = rt.view(self.ref)
        try:
            row = view.get(key)
        except TypeError:  # unhashable bind value: compare by scanning
            found = [r for k, r in view.items() if k == key]
        else:
            if row is None:
                return ()
            found = [row]
        rest = self.rest
        if rest is None:
            return found
        return [r for r in found if rest(r, params)]

    def items(self, rt: Runtime, params: Any) -> Iterable[Tuple[Any, Row]]:
        key = self.key((), params)
        row = None if key is None else rt.view(self.ref).get(key)
        return () if row is None else list(_filtered(((key, row),), self.rest, params))

    def explain(self) -> List[str]:
        return ["PRIMARY KEY LOOKUP %s (%s)" % (self.ref.name, self.label)] + _filter_line(self.rest, "")


class Probe:
    """The conjuncts one index answers: equalities on its leading columns
    (``eq``), then at most one of a range (``lo``/``hi``), an IN list
    (``values``), IS NULL (``null``) or a LIKE prefix (``like``) on the next.
    ``rest`` filters what the probe reads; ``exact`` says whether the probe's
    own conjuncts need no second check."""

    def __init__(self, positions: Tuple[int, ...], primary: bool, name: str) -> None:
        self.positions = positions  # the index's columns
        self.primary = primary  # the primary key's own ordered index
        self.name = name  # the index's, for explain
        self.eq: List[Fn] = []
        self.lo: Optional[Fn] = None
        self.lo_incl = True
        self.hi: Optional[Fn] = None
        self.hi_incl = True
        self.values: Optional[Fn] = None
        self.null = False
        self.like: Optional[Fn] = None
        self.simple = False  # ``column = value`` on a one-column index
        self.used: List[Any] = []  # the conjuncts answered
        self.rest: Optional[Fn] = None
        self.labels: List[str] = []
        self._found: Tuple[Any, int, Optional[OrderedIndex]] = (None, -1, None)  # (table, index_version, index)

    @property
    def depth(self) -> int:
        """How many leading index columns the probe constrains."""
        ranged = self.lo is not None or self.hi is not None or self.values is not None or self.null or self.like is not None
        return len(self.eq) + (1 if ranged else 0)

    def index(self, td: Any) -> Optional[OrderedIndex]:
        """The index, ready to read (None: it cannot order its values);
        looked up once per change of the table's indexes."""
        found = self._found
        if found[0] is td and found[1] == td.index_version:
            index = found[2]
        else:
            index = td.key_index() if self.primary else td.index_on(self.positions)
            self._found = (td, td.index_version, index)
        if index is None or not index.settled():
            return None
        return index

    def measure(self, index: OrderedIndex, params: Any) -> Optional[Tuple[Spans, int]]:
        """``(spans, how many entries they hold)``, or None when the index
        cannot compare the bound values."""
        if self.simple:  # the commonest probe: column = value, one column
            value = self.eq[0]((), params)
            if value is None:
                return [], 0
            try:
                span = index.equal_span(value)
            except (TypeError, ArithmeticError):
                return None
            return [span], index.estimate(*span)
        if self.null:
            return [], len(index.nulls)
        spans = self.spans(index, params)
        if spans is None:
            return None
        return spans, sum([index.estimate(a, b) for a, b in spans])

    def spans(self, index: OrderedIndex, params: Any) -> Optional[Spans]:
        """Position ranges of the matching entries, in index order; None
        when the index cannot compare the bound values."""
        prefix = [f((), params) for f in self.eq]
        if None in prefix:
            return []
        try:
            if self.values is not None:
                return self._in_spans(index, prefix, params)
            if self.like is not None:
                pattern = self.like((), params)
                if not isinstance(pattern, str):
                    return [] if pattern is None else None
                lo, hi = _like_range(pattern)
                return [self._span(index, prefix, lo, True, hi, False)]
            lo = hi = None
            if self.lo is not None:
                lo = self.lo((), params)
                if lo is None:
                    return []
            if self.hi is not None:
                hi = self.hi((), params)
                if hi is None:
                    return []
            return [self._span(index, prefix, lo, self.lo_incl, hi, self.hi_incl)]
        except (TypeError, ArithmeticError):
            return None

    def _in_spans(self, index: OrderedIndex, prefix: List[Any], params: Any) -> Spans:
        assert self.values is not None
        values = [v for v in dict.fromkeys(self.values((), params)) if v is not None]
        values.sort()
        return [self._span(index, prefix, v, True, v, True) for v in values]

    def _span(self, index: OrderedIndex, prefix: List[Any], lo: Any, lo_incl: bool, hi: Any, hi_incl: bool) -> Tuple[Position, Position]:
        """Positions from the first entry past the lower bound to the first
        past the upper one; a missing bound is the end of the prefix."""
        n = len(index.positions)
        if n == 1:
            if prefix:
                lo = hi = prefix[0]
                lo_incl = hi_incl = True
            first = index.start() if lo is None else index.position(lo, not lo_incl)
            stop = index.end() if hi is None else index.position(hi, hi_incl)
            return first, stop
        if len(prefix) == n:
            whole = tuple(prefix)
            return index.position(whole, False), index.position(whole, True)
        depth = len(prefix)
        if lo is None:
            low: Tuple[Any, ...] = (*prefix, BOTTOM)
        else:
            low = (*prefix, lo, BOTTOM if lo_incl else TOP) if depth + 1 < n else (*prefix, lo)
        if hi is None:
            # a NaN, then a NULL, in the ranged column sorts last: stop before them
            high: Tuple[Any, ...] = (*prefix, TOP if lo is None else NAN)
        else:
            high = (*prefix, hi, TOP if hi_incl else BOTTOM) if depth + 1 < n else (*prefix, hi)
        # a full-width bound compares equal to entries: say which side of them
        first = index.position(low, depth + 1 == n and lo is not None and not lo_incl)
        stop = index.position(high, depth + 1 == n and hi is not None and hi_incl)
        return first, stop

    def explain(self) -> str:
        kind = "PRIMARY KEY" if self.primary else "INDEX %s" % self.name
        return "%s (%s)%s" % (kind, " AND ".join(self.labels), ", then FILTER" if self.rest is not None else "")


def _like_range(pattern: str) -> Tuple[Optional[str], Optional[str]]:
    """The string range holding every match of a LIKE pattern: its literal
    prefix up to the first wildcard (the LIKE itself is still checked)."""
    cut = len(pattern)
    for wildcard in ("%", "_"):
        at = pattern.find(wildcard)
        if at != -1:
            cut = min(cut, at)
    prefix = pattern[:cut]
    if not prefix:
        return None, None
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


class TableAccess(Source):
    """A table read through the cheapest of its probes, else scanned."""

    def __init__(self, ref: TableRef, probes: List[Probe], where: Optional[Fn], labels: List[str]) -> None:
        self.ref = ref
        self.probes = probes
        self.where = where  # every conjunct, for the scan
        self.labels = labels

    # -- choosing -------------------------------------------------------------
    def _choose(self, rt: Runtime, params: Any) -> Tuple[Any, Optional[Tuple[Probe, OrderedIndex, Spans, int]]]:
        """``(view, (probe, index, spans, entries) or None to scan)``: the
        probe reading the fewest entries, if fewer than most of the table,
        while this connection sees the rows the indexes hold."""
        td = rt.table(self.ref)
        view = rt.txn.view(td)
        best = None
        if view is td.rows:
            most = len(view) * 0.8
            for probe in self.probes:
                index = probe.index(td)
                if index is None:
                    continue
                measured = probe.measure(index, params)
                if measured is not None and measured[1] <= most and (best is None or measured[1] < best[3]):
                    best = (probe, index, measured[0], measured[1])
        if rt.trace is not None:
            rt.trace.append("%s: %s" % (self.ref.name, "SCAN, %d rows" % len(view) if best is None else "%s, %d entries" % (best[0].explain(), _exact(best))))
        return view, best

    def _probe_keys(self, chosen: Tuple[Probe, OrderedIndex, Spans, int], reverse: bool = False) -> Iterable[Any]:
        probe, index, spans, _ = chosen
        if probe.null:
            return list(index.nulls)
        if len(spans) == 1:
            return index.keys(*spans[0], reverse=reverse)
        if reverse:
            spans = spans[::-1]
        return chain.from_iterable(index.keys(a, b, reverse) for a, b in spans)

    # -- reading --------------------------------------------------------------
    def iter_items(self, rt: Runtime, params: Any) -> Iterator[Tuple[Any, Row]]:
        view, chosen = self._choose(rt, params)
        if chosen is None:
            return _filtered(view.items(), self.where, params)
        get = view.__getitem__
        pairs = ((k, get(k)) for k in self._probe_keys(chosen))
        return _filtered(pairs, chosen[0].rest, params)

    def rows(self, rt: Runtime, params: Any) -> Rows:
        view, chosen = self._choose(rt, params)
        if chosen is None:
            where = self.where
            if where is None:
                return view.values()
            return [r for r in view.values() if where(r, params)]
        found = list(map(view.__getitem__, self._probe_keys(chosen)))
        rest = chosen[0].rest
        if rest is None:
            return found
        return [r for r in found if rest(r, params)]

    def iter_rows(self, rt: Runtime, params: Any) -> Iterator[Row]:
        view, chosen = self._choose(rt, params)
        if chosen is None:
            where = self.where
            if where is None:
                return iter(view.values())
            return (r for r in view.values() if where(r, params))
        rows = map(view.__getitem__, self._probe_keys(chosen))
        rest = chosen[0].rest
        if rest is None:
            return rows
        return (r for r in rows if rest(r, params))

    def items(self, rt: Runtime, params: Any) -> Iterable[Tuple[Any, Row]]:
        return list(self.iter_items(rt, params))

    def count_rows(self, rt: Runtime, params: Any) -> Optional[Tuple[int, Optional[Row]]]:
        """``(how many rows match, the first of them)`` when that needs no
        reading of rows (a probe that answers every conjunct, or no WHERE);
        else None."""
        view, chosen = self._choose(rt, params)
        if chosen is None:
            if self.where is not None:
                return None
            return len(view), next(iter(view.values()), None)
        probe, index, spans, _ = chosen
        if probe.rest is not None:
            return None
        n = _exact(chosen)
        if rt.trace is not None:
            rt.trace.append("%s: counted in %s, no rows read" % (self.ref.name, index.name))
        first = next(iter(self._probe_keys(chosen)), None) if n else None
        return n, None if first is None else view[first]

    def ordered_rows(self, rt: Runtime, params: Any, order: Order, k: int, skip: int = 0) -> Optional[Tuple[Iterator[Row], int]]:
        positions, descending, nulls_first = order
        td = rt.table(self.ref)
        view, chosen = self._choose(rt, params)
        if view is not td.rows:
            return None
        get = view.__getitem__
        if chosen is not None:
            probe, index, spans, count = chosen
            if _probe_order(probe, index, td)[: len(positions)] == positions:
                if rt.trace is not None:
                    rt.trace.append("%s: rows in ORDER BY order from that probe, reading up to the LIMIT" % self.ref.name)
                skipped = 0
                if probe.rest is None and skip and not probe.null:
                    spans, skipped = _skip_spans(index, spans, skip, descending)
                    chosen = (probe, index, spans, count - skipped)
                keys = self._probe_keys(chosen, reverse=descending)
                return (r for _, r in _filtered(((key, get(key)) for key in keys), probe.rest, params)), skipped
            if count * count <= k * max(len(view), 1):
                return None  # few rows: fetch them and sort
        index = td.ordered_index(positions)
        if index is None or not index.settled():
            return None
        if index.nans or index.nullish:
            return None  # NaNs, or NULLs inside composite values: sort instead
        if rt.trace is not None:
            rt.trace.append("%s: rows in ORDER BY order from %s, filtered, reading up to the LIMIT" % (self.ref.name, index.name))
        where = self.where
        nulls_list: List[Any] = list(index.nulls) if index.nulls else []
        span = (index.start(), index.end())
        skipped = 0
        if where is None and skip:  # an OFFSET: pass over entries, not rows
            if nulls_first and nulls_list:
                skipped = min(skip, len(nulls_list))
                nulls_list = nulls_list[skipped:]
            if skipped < skip and not (nulls_first and nulls_list):
                left, more = _skip_spans(index, [span], skip - skipped, descending)
                span = left[0] if left else (index.end(), index.end())
                skipped += more
        walk: Iterable[Any] = index.keys(*span, reverse=descending)
        if nulls_list:
            walk = chain(nulls_list, walk) if nulls_first else chain(walk, nulls_list)
        rows = map(get, walk)
        if where is None:
            return rows, skipped
        return (r for r in rows if where(r, params)), skipped

    def explain(self) -> List[str]:
        if not self.probes:
            return ["SCAN %s" % self.ref.name] + _filter_line(self.where, "", self.labels)
        lines = ["TABLE %s: the probe with the fewest entries, else SCAN" % self.ref.name]
        lines += ["  PROBE " + probe.explain() for probe in self.probes]
        return lines + _filter_line(self.where, " (on a scan)", self.labels)


def _exact(chosen: Tuple[Probe, OrderedIndex, Spans, int]) -> int:
    """How many entries a chosen probe reads (``_choose`` estimates)."""
    probe, index, spans, _ = chosen
    return len(index.nulls) if probe.null else sum(index.count(a, b) for a, b in spans)


def _skip_spans(index: OrderedIndex, spans: Spans, n: int, reverse: bool) -> Tuple[Spans, int]:
    """``spans`` (read in index order, or reversed) without their first
    ``n`` entries, and how many were dropped: an OFFSET passed over by
    counting, without reading the rows."""
    kept = list(spans)
    dropped = 0
    while kept and dropped < n:
        at = -1 if reverse else 0
        first, stop = kept[at]
        size = index.count(first, stop)
        if size <= n - dropped:
            dropped += size
            del kept[at]
            continue
        kept[at] = index.advance(first, stop, n - dropped, reverse)
        dropped = n
    return kept, dropped


def _probe_order(probe: Probe, index: OrderedIndex, td: Any) -> Tuple[int, ...]:
    """The column order a probe reads rows in: the index's columns after
    its equalities, then the primary key's (entries are ordered by value,
    then key; an IN list's runs come in value order)."""
    if probe.null or index.nullish:
        return ()  # NULLs inside composite values sort last, not as ORDER BY wants
    depth = len(probe.eq)
    if probe.primary:  # the values are the keys
        return index.positions[depth:]
    return index.positions[depth:] + tuple(td.pk_positions)


def _filter_line(where: Optional[Fn], note: str, labels: Sequence[str] = ()) -> List[str]:
    if where is None:
        return []
    return ["  FILTER%s%s" % (note, (" " + " AND ".join(labels)) if labels else "")]


# -- planning ----------------------------------------------------------------------


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


_FIXED = frozenset(("bindparam", "literal", "null", "true", "false"))
_FLIPPED = {ops.lt: ops.gt, ops.gt: ops.lt, ops.le: ops.ge, ops.ge: ops.le, ops.eq: ops.eq}
_RANGES = (ops.lt, ops.le, ops.gt, ops.ge)


def _strip(el: Any) -> Any:
    while el.__visit_name__ == "grouping":
        el = el.element
    return el


def _fixed(el: Any, scope: Scope) -> bool:
    """A value fixed for the whole execution: a bind, literal, or a column
    of an enclosing query's row (correlated)."""
    el = _strip(el)
    if el.__visit_name__ in _FIXED:
        return not getattr(el, "expanding", False)
    return el.__visit_name__ == "column" and scope.is_outer(el)


def _column_position(el: Any, scope: Scope) -> Optional[int]:
    el = _strip(el)
    if el.__visit_name__ != "column":
        return None
    try:
        return scope.position(el)
    except NotSupportedError:
        return None


# A term: (column position, kind, value elements, conjunct); kinds "eq",
# "lt"/"le"/"gt"/"ge", "between", "in", "null", "like"
Term = Tuple[int, str, Tuple[Any, ...], Any]
_KIND = {ops.eq: "eq", ops.lt: "lt", ops.le: "le", ops.gt: "gt", ops.ge: "ge"}


def _term(c: Any, scope: Scope) -> Optional[Term]:
    """What an index could do with conjunct ``c``, or None."""
    name = c.__visit_name__
    if name == "binary":
        operator = c.operator
        if operator in _FLIPPED:
            for col, other, op in ((c.left, c.right, operator), (c.right, c.left, _FLIPPED[operator])):
                pos = _column_position(col, scope)
                if pos is not None and _fixed(other, scope):
                    return pos, _KIND[op], (other,), c
            return None
        if operator is ops.between_op and not c.modifiers.get("symmetric"):
            pos = _column_position(c.left, scope)
            lower, upper = c.right.clauses
            if pos is not None and _fixed(lower, scope) and _fixed(upper, scope):
                return pos, "between", (lower, upper), c
            return None
        if operator is ops.in_op:
            right = _strip(c.right)
            pos = _column_position(c.left, scope)
            if pos is None:
                return None
            if right.__visit_name__ == "bindparam" and right.expanding:
                return pos, "in", (c,), c
            if right.__visit_name__ in ("clauselist", "tuple") and all(_fixed(x, scope) for x in right.clauses):
                return pos, "in", (c,), c  # IN ('a', 'b') as SQL text writes it
            return None
        if operator is ops.is_ and _strip(c.right).__visit_name__ == "null":
            pos = _column_position(c.left, scope)
            if pos is not None:
                return pos, "null", (), c
            return None
        if operator is ops.like_op and not c.modifiers.get("escape"):
            pos = _column_position(c.left, scope)
            if pos is not None and _fixed(c.right, scope):
                return pos, "like", (c.right,), c
    return None


def _in_values(c: Any, scope: Scope) -> Fn:
    """The list of ``col IN (...)``: an expanding bind, or fixed elements."""
    right = _strip(c.right)
    if right.__visit_name__ != "bindparam":
        fns = [compile_expr(x, scope) for x in right.clauses]
        return lambda row, params: [f(row, params) for f in fns]
    name = scope.bind_name(right)
    if name is None:
        values = list(right.effective_value or ())
        return lambda row, params: values
    return lambda row, params: params[name]


def _label(c: Any, scope: Scope) -> str:
    """A conjunct as SQL for explain, its binds named as the compiled
    statement names them (rendered alone, two binds would both be ``:x_1``)."""

    def named(el: Any) -> Any:
        if el.__visit_name__ == "bindparam":
            name = scope.bind_name(el)
            if name is not None and name != el.key:
                return _renamed(el, name)
        return None

    try:
        text = str(visitors.replacement_traverse(c, {}, named))
    except Exception:  # a construct the default compiler cannot render
        return type(c).__name__
    return _POSTCOMPILE.sub(r":\1", text)


def _renamed(bind: Any, name: str) -> Any:
    renamed = bind._clone()
    renamed.key = name
    return renamed


_POSTCOMPILE = re.compile(r"__\[POSTCOMPILE_(\w+)\]")


def _probe(positions: Tuple[int, ...], primary: bool, name: str, terms: Dict[int, List[Term]], scope: Scope) -> Optional[Probe]:
    """The most an index on ``positions`` answers from ``terms`` (one
    column's terms each): leading equalities, then one range-like term."""
    probe = Probe(positions, primary, name)
    for pos in positions:
        here = terms.get(pos, [])
        eq = next((t for t in here if t[1] == "eq"), None)
        if eq is not None:
            probe.eq.append(compile_expr(eq[2][0], scope))
            probe.used.append(eq[3])
            continue
        _range_part(probe, here, scope)
        break
    if not probe.used:
        return None
    return probe


def _range_part(probe: Probe, terms: List[Term], scope: Scope) -> None:
    """Put the first range-like terms of one column into ``probe``: lower
    and upper bounds (from <, <=, >, >=, BETWEEN), or IN, IS NULL, LIKE."""
    for pos, kind, values, c in terms:
        if kind == "in":
            probe.values = _in_values(c, scope)
        elif kind == "null":
            if len(probe.positions) == 1 and not probe.eq:
                probe.null = True
            else:
                continue
        elif kind == "like":
            probe.like = compile_expr(values[0], scope)
        else:
            continue
        probe.used.append(c)
        return
    for pos, kind, values, c in terms:
        if kind == "between" and probe.lo is None and probe.hi is None:
            probe.lo, probe.hi = compile_expr(values[0], scope), compile_expr(values[1], scope)
            probe.lo_incl = probe.hi_incl = True
        elif kind in ("gt", "ge") and probe.lo is None:
            probe.lo, probe.lo_incl = compile_expr(values[0], scope), kind == "ge"
        elif kind in ("lt", "le") and probe.hi is None:
            probe.hi, probe.hi_incl = compile_expr(values[0], scope), kind == "le"
        else:
            continue
        probe.used.append(c)


def access_path(ref: TableRef, td: Any, conjuncts: List[Any], scope: Scope, rt: Runtime) -> Tuple[Source, List[Any]]:
    """The source for one table and the conjuncts it leaves to its caller
    (none: every conjunct it is given is checked by the source)."""
    fns = {id(c): compile_expr(c, scope) for c in conjuncts}
    labels = {id(c): _label(c, scope) for c in conjuncts}

    def rest_of(used: List[Any]) -> Optional[Fn]:
        ids = {id(c) for c in used}
        left = [fns[id(c)] for c in conjuncts if id(c) not in ids]
        return nulls.filter_and(left) if left else None

    terms: Dict[int, List[Term]] = {}
    for c in conjuncts:
        term = _term(c, scope)
        if term is not None:
            terms.setdefault(term[0], []).append(term)
    pk = td.pk_positions
    if pk and all(any(t[1] == "eq" for t in terms.get(p, ())) for p in pk):
        chosen = [next(t for t in terms[p] if t[1] == "eq") for p in pk]
        key_fns = [compile_expr(t[2][0], scope) for t in chosen]
        key = key_fns[0] if len(key_fns) == 1 else (lambda row, params: _tuple_or_none(key_fns, params))
        used = [t[3] for t in chosen]
        return KeyLookup(ref, key, rest_of(used), " AND ".join(labels[id(c)] for c in used)), []
    probes: List[Probe] = []
    candidates = [(index.positions, False, index.name) for index in td.indexes if index.kind != "primary key"]
    if pk:
        candidates.append((pk, True, "primary key"))
    candidates.sort(key=lambda c: len(c[0]))  # on equal estimates the narrowest index wins
    seen = set()
    for positions, primary, name in candidates:
        if positions in seen or positions[0] not in terms:
            continue
        seen.add(positions)
        probe = _probe(positions, primary, name, terms, scope)
        if probe is None:
            continue
        # a LIKE prefix only narrows the range (the last term used): the
        # LIKE is checked again
        probe.rest = rest_of(probe.used[:-1] if probe.like is not None else probe.used)
        probe.simple = len(positions) == 1 and probe.depth == 1 and len(probe.eq) == 1
        probe.labels = [labels[id(c)] for c in probe.used]
        probes.append(probe)
    where = nulls.filter_and(list(fns.values())) if fns else None
    return TableAccess(ref, probes, where, [labels[id(c)] for c in conjuncts]), []


_access_path = access_path  # the name the FROM planner and DML import


def _tuple_or_none(fns: List[Fn], params: Any) -> Optional[Tuple[Any, ...]]:
    values = tuple([f((), params) for f in fns])
    return None if None in values else values

