"""Window functions: ``fn(...) OVER (PARTITION BY ... ORDER BY ... frame)``.

The SELECT pipeline runs a window step after WHERE / GROUP BY / HAVING and
before ORDER BY and the projection.  Each distinct ``Over`` element gets a
slot appended to the row (registered in ``scope.aggregates`` like an
aggregate, so ``compile_expr`` reads it as a column); the step computes all
slots once per execution.

Over elements with the same PARTITION BY and ORDER BY share one sort: the
rows' indices are sorted once by the ORDER BY terms (NULLs placed as the
engine's ORDER BY places them), then split into partitions, which keeps each
partition sorted.  Peer groups (rows with equal ORDER BY values) follow in
one pass.  Frames are ``[lo, hi)`` index ranges per row, found with
arithmetic (ROWS, GROUPS) or binary search (RANGE with offsets); aggregates
over frames use a running accumulation when every frame starts at the
partition's first row, and a segment tree otherwise: O(n log n) overall,
with each argument expression evaluated once per row.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from sqlalchemy.sql import operators as ops

from .errors import DataError, NotSupportedError
from .types import converter
from .expr import Fn, Scope, compile_expr, unsupported
from .functions import add

Row = Tuple[Any, ...]
Bound = Tuple[str, Optional[Fn]]  # ("unbounded" | "current" | "preceding" | "following", offset)

_RANKING = {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead"}
_VALUE = {"first_value", "last_value", "nth_value"}
_FRAME_AGGREGATES = {"count", "sum", "min", "max", "avg"}
_EXCLUDE = {"NO OTHERS": None, "CURRENT ROW": "current", "GROUP": "group", "TIES": "ties"}


# -- finding and planning ---------------------------------------------------------


def find_windows(elements: Sequence[Any]) -> List[Any]:
    """The distinct ``Over`` elements of ``elements`` (not entering nested
    selects), in order of first appearance."""
    from .select import walk_expression

    found: List[Any] = []
    seen = set()
    for element in elements:
        for el in walk_expression(element):
            if el.__visit_name__ == "over" and id(el) not in seen:
                seen.add(id(el))
                found.append(el)
    return found


class Frame:
    """A frame clause: ``mode`` is "rows", "range" or "groups"."""

    def __init__(self, mode: str, start: Bound, end: Bound, exclude: Optional[str]) -> None:
        self.mode = mode
        self.start = start
        self.end = end
        self.exclude = exclude

    def describe(self) -> str:
        def side(b: Bound, unbounded: str) -> str:
            return unbounded if b[0] == "unbounded" else "CURRENT ROW" if b[0] == "current" else "n " + b[0].upper()

        text = "%s BETWEEN %s AND %s" % (
            self.mode.upper(), side(self.start, "UNBOUNDED PRECEDING"), side(self.end, "UNBOUNDED FOLLOWING"))
        return text + (" EXCLUDE %s" % self.exclude.upper() if self.exclude else "")


def _frame(over: Any, scope: Scope) -> Optional[Frame]:
    mode = spec = None
    for name in ("rows", "range_", "groups"):
        value = getattr(over, name, None)
        if value is not None:
            mode, spec = name.rstrip("_"), value
            break
    exclude = getattr(over, "exclude", None)
    if spec is None:
        return None
    excluded = None
    if exclude is not None:
        key = " ".join(str(exclude).upper().split())
        if key not in _EXCLUDE:
            raise unsupported(over, "EXCLUDE %s" % exclude)
        excluded = _EXCLUDE[key]
    if isinstance(spec, tuple):  # SQLAlchemy 2.0: (lower, upper), ints or RANGE_* markers
        return Frame(mode, _bound_20(spec[0]), _bound_20(spec[1]), excluded)
    return Frame(mode, _bound_21(spec.lower_type, spec.lower_bind, scope),
                 _bound_21(spec.upper_type, spec.upper_bind, scope), excluded)


def _bound_20(value: Any) -> Bound:
    if isinstance(value, int) and not isinstance(value, bool):
        if value == 0:
            return ("current", None)
        offset = abs(value)
        return ("preceding" if value < 0 else "following", lambda row, params: offset)
    text = str(value).upper()
    if "UNBOUNDED" in text:
        return ("unbounded", None)
    if "CURRENT" in text:
        return ("current", None)
    raise NotSupportedError("window frame bound %r" % (value,))


def _bound_21(kind: Any, bind: Any, scope: Scope) -> Bound:
    name = kind.name.lower()
    if name in ("unbounded", "current"):
        return (name, None)
    if name not in ("preceding", "following"):
        raise NotSupportedError("window frame bound %s" % kind.name)
    return (name, compile_expr(bind, scope))


class WindowFunction:
    """One ``fn(args) OVER (...)``; ``compute`` fills its values for one
    sorted partition."""

    def __init__(self, name: str, args: List[Fn], frame: Optional[Frame], star: bool, type_: Any = None) -> None:
        self.name = name
        # results stored as a column of the window's type would hold them
        # (percent_rank() and cume_dist() are NUMERIC)
        self.convert = converter(type_) if type_ is not None else None
        self.args = args
        self.frame = frame
        self.star = star  # count(*)

    def describe(self) -> str:
        return "%s()%s" % (self.name, " " + self.frame.describe() if self.frame else "")


class WindowSpec:
    """PARTITION BY / ORDER BY shared by one or more window functions."""

    def __init__(self, over: Any, partition: List[Fn], order: List[Tuple[Fn, bool, bool]]) -> None:
        self.over = over
        self.partition = partition
        self.order = order
        self.functions: List[Tuple[int, WindowFunction]] = []  # (slot, function)

    def same(self, over: Any) -> bool:
        return _same_clause(self.over.partition_by, over.partition_by) and _same_clause(self.over.order_by, over.order_by)


def _clauses(clause: Any) -> List[Any]:
    return [] if clause is None else list(clause.clauses)


def _same_clause(a: Any, b: Any) -> bool:
    a_empty = a is None or not len(a)
    b_empty = b is None or not len(b)
    if a_empty or b_empty:
        return a_empty and b_empty
    return bool(a.compare(b))


class WindowStep:
    """Appends one slot per window function to every row."""

    def __init__(self, specs: List[WindowSpec], count: int) -> None:
        self.specs = specs
        self.count = count

    def apply(self, rows: List[Row], params: Any) -> List[Row]:
        n = len(rows)
        if not n:
            return rows
        columns: List[List[Any]] = [[None] * n for _ in range(self.count)]
        for spec in self.specs:
            _run_spec(spec, rows, params, columns)
        return [r + extra for r, extra in zip(rows, zip(*columns))]

    def explain(self) -> List[str]:
        lines = []
        for spec in self.specs:
            lines.append("WINDOW partition by %d key(s), order by %d key(s): %s" % (
                len(spec.partition), len(spec.order), ", ".join(f.describe() for _, f in spec.functions)))
        return lines


def plan_windows(overs: List[Any], scope: Scope, base: int) -> WindowStep:
    """Plan the window step; registers each ``Over``'s slot (``base`` + i) in
    ``scope.aggregates``.  Arguments are compiled before any slot is
    registered, so a window function cannot read another's value."""
    from .select import order_term

    specs: List[WindowSpec] = []
    planned: List[Tuple[int, Any, WindowFunction]] = []
    for i, over in enumerate(overs):
        fn = _function(over, scope)
        for spec in specs:
            if spec.same(over):
                break
        else:
            partition = [compile_expr(p, scope) for p in _clauses(over.partition_by)]
            order = [order_term(o, scope) for o in _clauses(over.order_by)]
            spec = WindowSpec(over, partition, order)
            specs.append(spec)
        spec.functions.append((i, fn))
        planned.append((i, over, fn))
    for i, over, _ in planned:
        scope.aggregates[id(over)] = base + i
    return WindowStep(specs, len(overs))


def _function(over: Any, scope: Scope) -> WindowFunction:
    el = over.element
    visit = el.__visit_name__
    if visit in ("funcfilter", "within_group"):
        raise unsupported(el, "aggregate FILTER / WITHIN GROUP in a window")
    name = getattr(el, "name", None)
    if name is None or not hasattr(el, "clauses"):
        raise unsupported(over, "OVER applied to %s" % visit)
    name = name.lower()
    if name not in _RANKING and name not in _VALUE and name not in _FRAME_AGGREGATES:
        raise unsupported(over, "window function %s()" % name)
    args = list(el.clauses)
    frame = _frame(over, scope)
    if name == "count" and (not args or _is_star(args[0])):
        return WindowFunction("count", [], frame, True, over.type)
    if args and args[0].__visit_name__ == "unary" and getattr(args[0], "operator", None) is ops.distinct_op:
        raise unsupported(over, "DISTINCT in a window aggregate")
    arity = {"row_number": (0, 0), "rank": (0, 0), "dense_rank": (0, 0), "percent_rank": (0, 0),
             "cume_dist": (0, 0), "ntile": (1, 1), "lag": (1, 3), "lead": (1, 3), "first_value": (1, 1),
             "last_value": (1, 1), "nth_value": (2, 2)}.get(name, (1, 1))
    if not arity[0] <= len(args) <= arity[1]:
        raise NotSupportedError("wrong number of arguments to window function %s()" % name)
    return WindowFunction(name, [compile_expr(a, scope) for a in args], frame, False, over.type)


def _is_star(el: Any) -> bool:
    return el.__visit_name__ == "column" and getattr(el, "is_literal", False) and el.name == "*"


# -- running ----------------------------------------------------------------------


def _run_spec(spec: WindowSpec, rows: List[Row], params: Any, columns: List[List[Any]]) -> None:
    n = len(rows)
    order = spec.order
    okeys: Optional[List[Tuple[Any, ...]]] = None
    if order:
        fns = [f for f, _, _ in order]
        okeys = [tuple([f(r, params) for f in fns]) for r in rows]
        indices = _sorted_indices(okeys, order)
    else:
        indices = list(range(n))
    if spec.partition:
        pfns = spec.partition
        partitions: Dict[Any, List[int]] = {}
        if len(pfns) == 1:
            f0 = pfns[0]
            keys: List[Any] = [f0(r, params) for r in rows]
        else:
            keys = [tuple([f(r, params) for f in pfns]) for r in rows]
        try:
            for i in indices:
                key = keys[i]
                bucket = partitions.get(key)
                if bucket is None:
                    partitions[key] = [i]
                else:
                    bucket.append(i)
        except TypeError as err:
            raise DataError("cannot partition by an unhashable value: %s" % err) from err
        parts: Any = partitions.values()
    else:
        parts = [indices]
    for part in parts:
        p = _Partition(part, rows, okeys, order, params)
        for slot, fn in spec.functions:
            values = _compute(fn, p)
            convert = fn.convert
            if convert is not None:
                values = [None if v is None else convert(v) for v in values]
            column = columns[slot]
            for i, v in zip(part, values):
                column[i] = v


def _sorted_indices(okeys: List[Tuple[Any, ...]], order: List[Tuple[Fn, bool, bool]]) -> List[int]:
    """Indices sorted by the ORDER BY values; NULLs placed per term (by
    default the smallest value), like ``select.sort_rows``."""
    indices = list(range(len(okeys)))
    try:
        if len(order) == 1:  # one term: NULLs aside, the rest by value
            _, descending, nulls_first = order[0]
            missing = [i for i in indices if okeys[i][0] is None]
            present = [i for i in indices if okeys[i][0] is not None] if missing else indices
            present.sort(key=lambda i: okeys[i][0], reverse=descending)
            return missing + present if nulls_first else present + missing
        for t in range(len(order) - 1, -1, -1):
            _, descending, nulls_first = order[t]
            null_key = (nulls_first == descending, 0)
            flag = not null_key[0]
            indices.sort(key=lambda i: null_key if (v := okeys[i][t]) is None else (flag, v), reverse=descending)
    except TypeError as err:
        raise DataError("cannot compare values in a window's ORDER BY: %s" % err) from err
    return indices


class _Partition:
    """One sorted partition: its rows, ORDER BY values and peer groups."""

    def __init__(self, part: List[int], rows: List[Row], okeys: Optional[List[Tuple[Any, ...]]],
                 order: List[Tuple[Fn, bool, bool]], params: Any) -> None:
        self.rows = [rows[i] for i in part]
        self.params = params
        self.order = order
        m = len(part)
        self.size = m
        self.keys = [okeys[i] for i in part] if okeys is not None else None
        # peer groups: group[j] is row j's group, starts[g] / ends[g] its bounds
        group = [0] * m
        starts = [0]
        ends: List[int] = []
        keys = self.keys
        if keys is not None:
            g = 0
            for j in range(1, m):
                if keys[j] != keys[j - 1] and not _same_key(keys[j], keys[j - 1]):
                    ends.append(j)
                    starts.append(j)
                    g += 1
                group[j] = g
        ends.append(m)
        self.group = group
        self.starts = starts
        self.ends = ends

    def values(self, fn: Fn) -> List[Any]:
        params = self.params
        return [fn(r, params) for r in self.rows]


def _same_key(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> bool:
    return all(x is y or (x is not None and y is not None and x == y) for x, y in zip(a, b))


def _compute(fn: WindowFunction, p: _Partition) -> List[Any]:
    name = fn.name
    m = p.size
    group, starts, ends = p.group, p.starts, p.ends
    if name == "row_number":
        return list(range(1, m + 1))
    if name == "rank":
        return [starts[g] + 1 for g in group]
    if name == "dense_rank":
        return [g + 1 for g in group]
    if name == "percent_rank":
        return [(starts[g] / (m - 1)) if m > 1 else 0.0 for g in group]
    if name == "cume_dist":
        return [ends[g] / m for g in group]
    if name == "ntile":
        return _ntile(fn, p)
    if name in ("lag", "lead"):
        return _lag_lead(fn, p, -1 if name == "lag" else 1)
    bounds = _frame_bounds(fn.frame, p)
    if name in _VALUE:
        return _value_function(fn, p, bounds)
    return _frame_aggregate(fn, p, bounds)


def _ntile(fn: WindowFunction, p: _Partition) -> List[Any]:
    m = p.size
    k = fn.args[0](p.rows[0], p.params) if m else None
    if k is None:
        return [None] * m
    if isinstance(k, decimal.Decimal) and k == k.to_integral_value():
        k = int(k)
    if not isinstance(k, int) or isinstance(k, bool) or k <= 0:
        raise DataError("argument of ntile must be a positive integer, not %r" % (k,))
    size, extra = divmod(m, k)
    big = extra * (size + 1)
    return [j // (size + 1) + 1 if j < big else (j - big) // size + extra + 1 for j in range(m)]


def _lag_lead(fn: WindowFunction, p: _Partition, sign: int) -> List[Any]:
    m = p.size
    values = p.values(fn.args[0])
    params = p.params
    offsets = p.values(fn.args[1]) if len(fn.args) > 1 else None
    default = fn.args[2] if len(fn.args) > 2 else None
    out: List[Any] = []
    for j in range(m):
        k = 1
        if offsets is not None:
            k = offsets[j]
            if k is None:
                out.append(None)
                continue
            k = _offset(k, "lag/lead offset", allow_negative=True)
        t = j + sign * k
        if 0 <= t < m:
            out.append(values[t])
        else:
            out.append(default(p.rows[j], params) if default is not None else None)
    return out


def _offset(value: Any, what: str, allow_negative: bool = False) -> int:
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or (value < 0 and not allow_negative):
        raise DataError("%s must be a non-negative integer, not %r" % (what, value))
    return value


# -- frames -----------------------------------------------------------------------


Bounds = Tuple[List[int], List[int], Optional[str]]  # lo, hi (exclusive), exclude


def _frame_bounds(frame: Optional[Frame], p: _Partition) -> Bounds:
    m = p.size
    group, starts, ends = p.group, p.starts, p.ends
    if frame is None:
        if p.keys is None:  # no ORDER BY: the whole partition
            return [0] * m, [m] * m, None
        return [0] * m, [ends[g] for g in group], None  # RANGE UNBOUNDED PRECEDING .. CURRENT ROW
    if frame.mode == "range":
        lo, hi = _range_bounds(frame, p)
    else:
        lo = _side_bounds(frame, frame.start, p, True)
        hi = _side_bounds(frame, frame.end, p, False)
    return lo, hi, frame.exclude


def _side_bounds(frame: Frame, bound: Bound, p: _Partition, is_start: bool) -> List[int]:
    """ROWS and GROUPS bounds: ``lo`` (start) or ``hi`` (end, exclusive)."""
    m = p.size
    kind, fn = bound
    if kind == "unbounded":
        return [0 if is_start else m] * m
    group, starts, ends = p.group, p.starts, p.ends
    rows_mode = frame.mode == "rows"
    if kind == "current":
        if rows_mode:
            return list(range(m)) if is_start else list(range(1, m + 1))
        return [starts[g] for g in group] if is_start else [ends[g] for g in group]
    assert fn is not None
    k = fn((), p.params)
    if k is None:
        raise DataError("window frame offset must not be NULL")
    k = _offset(k, "window frame offset")
    step = -k if kind == "preceding" else k
    if rows_mode:
        if is_start:
            return [min(max(j + step, 0), m) for j in range(m)]
        return [min(max(j + step + 1, 0), m) for j in range(m)]
    last = len(starts) - 1
    out = []
    for g in group:
        t = g + step
        if is_start:
            out.append(0 if t < 0 else m if t > last else starts[t])
        else:
            out.append(0 if t < 0 else m if t > last else ends[t])
    return out


def _range_bounds(frame: Frame, p: _Partition) -> Tuple[List[int], List[int]]:
    m = p.size
    group, starts, ends = p.group, p.starts, p.ends
    offsets = [b for b in (frame.start, frame.end) if b[0] in ("preceding", "following")]
    if offsets and (p.keys is None or len(p.order) != 1):
        raise DataError("RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY term")
    lo: List[int] = []
    hi: List[int] = []
    for bound, is_start, out in ((frame.start, True, lo), (frame.end, False, hi)):
        kind, fn = bound
        if kind == "unbounded":
            out.extend([0 if is_start else m] * m)
        elif kind == "current":
            out.extend([starts[g] for g in group] if is_start else [ends[g] for g in group])
        else:
            assert fn is not None and p.keys is not None
            k = fn((), p.params)
            if k is None:
                raise DataError("window frame offset must not be NULL")
            out.extend(_range_offsets(p, kind, k, is_start))
    return lo, hi


def _range_offsets(p: _Partition, kind: str, k: Any, is_start: bool) -> List[int]:
    """RANGE ``k PRECEDING`` / ``k FOLLOWING`` by binary search over the
    partition's non-NULL ORDER BY values; a NULL current value bounds the
    frame at its peers (the NULL group), as SQL specifies."""
    assert p.keys is not None
    m = p.size
    _, descending, _ = p.order[0]
    values = [key[0] for key in p.keys]
    seg_lo = 0
    while seg_lo < m and values[seg_lo] is None:
        seg_lo += 1
    seg_hi = m
    while seg_hi > seg_lo and values[seg_hi - 1] is None:
        seg_hi -= 1
    try:
        negative = k < 0
    except TypeError:
        negative = False
    if negative:
        raise DataError("RANGE frame offset must be a non-negative value, not %r" % (k,))
    # "before(a, b)": a sorts before b in this ORDER BY
    forward = (kind == "following") != descending  # the bound value is larger than the current one
    out = []
    group, starts, ends = p.group, p.starts, p.ends
    prev_v: Any = _MISSING
    prev = 0
    for j in range(m):
        v = values[j]
        if v is None:
            g = group[j]
            out.append(starts[g] if is_start else ends[g])
            continue
        if v is prev_v or (prev_v is not _MISSING and v == prev_v):
            out.append(prev)
            continue
        try:
            t = _shift(v, k, forward)
            if is_start:  # first index whose value does not sort before t
                if descending:
                    idx = _first(values, seg_lo, seg_hi, lambda x: not x > t)
                else:
                    idx = _first(values, seg_lo, seg_hi, lambda x: not x < t)
            else:  # first index whose value sorts after t
                if descending:
                    idx = _first(values, seg_lo, seg_hi, lambda x: x < t)
                else:
                    idx = _first(values, seg_lo, seg_hi, lambda x: x > t)
        except TypeError as err:
            raise DataError("cannot apply RANGE offset %r to %r: %s" % (k, v, err)) from err
        out.append(idx)
        prev_v, prev = v, idx
    return out


_MISSING = object()
_EPOCH = datetime.datetime(1970, 1, 1)


def _shift(v: Any, k: Any, forward: bool) -> Any:
    if isinstance(k, datetime.datetime):  # an Interval bound: stored as epoch + delta
        k = k - _EPOCH
    if isinstance(v, decimal.Decimal) and isinstance(k, float):
        k = decimal.Decimal(repr(k))
    elif isinstance(v, float) and isinstance(k, decimal.Decimal):
        k = float(k)
    return v + k if forward else v - k


def _first(values: List[Any], lo: int, hi: int, pred: Callable[[Any], bool]) -> int:
    """The first index in ``[lo, hi)`` where the monotone ``pred`` holds, else ``hi``."""
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(values[mid]):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _ranges(j: int, lo: int, hi: int, exclude: Optional[str], p: _Partition) -> List[Tuple[int, int]]:
    """The frame of row ``j`` as disjoint increasing index ranges."""
    if hi <= lo:
        return []
    if exclude is None:
        return [(lo, hi)]
    if exclude == "current":
        cuts = [(j, j + 1)]
    else:
        g = p.group[j]
        s, e = p.starts[g], p.ends[g]
        cuts = [(s, e)] if exclude == "group" else [(s, j), (j + 1, e)]
    out = []
    start = lo
    for a, b in cuts:
        if a >= b:
            continue
        if a > start:
            out.append((start, min(a, hi)))
        start = max(start, b)
    if start < hi:
        out.append((start, hi))
    return [(a, b) for a, b in out if a < b]


def _value_function(fn: WindowFunction, p: _Partition, bounds: Bounds) -> List[Any]:
    m = p.size
    values = p.values(fn.args[0])
    lo, hi, exclude = bounds
    name = fn.name
    if name == "nth_value":
        ns = p.values(fn.args[1])
    out: List[Any] = []
    for j in range(m):
        ranges = _ranges(j, lo[j], hi[j], exclude, p)
        if name == "first_value":
            out.append(values[ranges[0][0]] if ranges else None)
        elif name == "last_value":
            out.append(values[ranges[-1][1] - 1] if ranges else None)
        else:
            nth = ns[j]
            if nth is None:
                out.append(None)
                continue
            nth = _offset(nth, "nth_value position")
            if nth < 1:
                raise DataError("second argument to nth_value must be a positive integer")
            found = None
            left = nth - 1
            for a, b in ranges:
                if left < b - a:
                    found = values[a + left]
                    break
                left -= b - a
            out.append(found)
    return out


def _frame_aggregate(fn: WindowFunction, p: _Partition, bounds: Bounds) -> List[Any]:
    m = p.size
    name = fn.name
    lo, hi, exclude = bounds
    if fn.star:
        return [sum(b - a for a, b in _ranges(j, lo[j], hi[j], exclude, p)) for j in range(m)]
    values = p.values(fn.args[0])
    if name == "count":
        counts = [0]
        for v in values:
            counts.append(counts[-1] + (v is not None))
        return [sum(counts[b] - counts[a] for a, b in _ranges(j, lo[j], hi[j], exclude, p)) for j in range(m)]
    combine = _COMBINE[name]
    try:
        if exclude is None and all(x == 0 for x in lo):
            totals = _running(values, hi, combine, name)
        else:
            tree = _SegmentTree(values, combine)
            totals = []
            for j in range(m):
                acc: Any = None
                for a, b in _ranges(j, lo[j], hi[j], exclude, p):
                    acc = _merge(acc, tree.query(a, b), combine)
                totals.append(acc)
        if name != "avg":
            return totals
        counts = [0]
        for v in values:
            counts.append(counts[-1] + (v is not None))
        out = []
        for j in range(m):
            total = totals[j]
            if total is None:
                out.append(None)
                continue
            c = sum(counts[b] - counts[a] for a, b in _ranges(j, lo[j], hi[j], exclude, p))
            out.append(total / c)
        return out
    except TypeError as err:
        raise DataError("cannot compute %s() over these values: %s" % (name, err)) from err


def _sum(a: Any, b: Any) -> Any:
    return add(a, b)


def _min(a: Any, b: Any) -> Any:
    return b if b < a else a


def _max(a: Any, b: Any) -> Any:
    return b if b > a else a


_COMBINE: Dict[str, Callable[[Any, Any], Any]] = {"sum": _sum, "avg": _sum, "min": _min, "max": _max}


def _merge(a: Any, b: Any, combine: Callable[[Any, Any], Any]) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return combine(a, b)


def _running(values: List[Any], hi: List[int], combine: Callable[[Any, Any], Any], name: str) -> List[Any]:
    """Frames that all start at the partition's first row, ``hi`` non-decreasing
    or not: accumulate in order, once (the sequential sum SQL engines do)."""
    m = len(values)
    prefix: List[Any] = [None] * (m + 1)
    acc: Any = None
    for i, v in enumerate(values):
        if v is not None:
            acc = v if acc is None else combine(acc, v)
        prefix[i + 1] = acc
    return [prefix[h] for h in hi]


class _SegmentTree:
    """Range combine over ``values`` (NULLs skipped) in O(log n) per query."""

    def __init__(self, values: List[Any], combine: Callable[[Any, Any], Any]) -> None:
        size = 1
        while size < len(values):
            size *= 2
        self.size = size
        self.combine = combine
        tree: List[Any] = [None] * (2 * size)
        tree[size:size + len(values)] = values
        for i in range(size - 1, 0, -1):
            tree[i] = _merge(tree[2 * i], tree[2 * i + 1], combine)
        self.tree = tree

    def query(self, lo: int, hi: int) -> Any:
        """Combine of ``values[lo:hi]`` in index order (left part, right part)."""
        tree = self.tree
        combine = self.combine
        left: Any = None
        right: Any = None
        lo += self.size
        hi += self.size
        while lo < hi:
            if lo & 1:
                left = _merge(left, tree[lo], combine)
                lo += 1
            if hi & 1:
                hi -= 1
                right = _merge(tree[hi], right, combine)
            lo //= 2
            hi //= 2
        return _merge(left, right, combine)
