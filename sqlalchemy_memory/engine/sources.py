"""Where a single table's rows come from: a scan, a primary-key lookup or an
index lookup, chosen from ``column = value`` conjuncts (SELECT, UPDATE and
DELETE share this)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy.sql import operators as ops

from . import nulls
from .errors import NotSupportedError
from .expr import Fn, Scope, compile_expr
from .runtime import Runtime, TableRef

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

    def keys_for(self, rt: Runtime, params: Any) -> Optional[Tuple[Any, Iterable[Any], bool]]:
        """``(view, primary keys, keys ascending?)`` of the rows, for
        ORDER BY pk LIMIT k."""
        view = rt.view(self.ref)
        return view, view.keys(), False

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
    """Equality on an indexed column.  The index holds committed rows only,
    so a transaction with uncommitted writes to the table scans its own
    view instead, filtering with ``recheck`` (the equality conjuncts)."""

    def __init__(self, ref: TableRef, positions: Tuple[int, ...], key: Fn, name: str, recheck: Fn) -> None:
        self.ref = ref
        self.positions = positions
        self.key = key
        self.name = name
        self.recheck = recheck

    def rows(self, rt: Runtime, params: Any) -> Rows:
        view, keys = self._matches(rt, params)
        return list(map(view.__getitem__, keys))

    def items(self, rt: Runtime, params: Any) -> Iterable[Tuple[Any, Row]]:
        view, keys = self._matches(rt, params)
        return [(k, view[k]) for k in keys]

    def _matches(self, rt: Runtime, params: Any) -> Tuple[Any, Iterable[Any]]:
        """``(view, primary keys of the matching rows)``."""
        value = self.key((), params)
        view, index = self._view_index(rt)
        if value is None:
            return view, ()
        if index is None:
            recheck = self.recheck
            return view, [k for k, r in view.items() if (v := recheck(r, params)) is not None and v]
        return view, index.lookup(value)

    def keys_for(self, rt: Runtime, params: Any) -> Optional[Tuple[Any, Iterable[Any], bool]]:
        """``(view, primary keys, keys ascending?)`` of the matching rows, or
        None when the index cannot answer (the caller then filters rows)."""
        value = self.key((), params)
        view, index = self._view_index(rt)
        if value is None:
            return view, (), True
        if index is None:
            return None
        ordered = index.ordered_keys(value)
        if ordered is None:
            return view, index.lookup(value), False
        return view, ordered, True

    def _view_index(self, rt: Runtime) -> Tuple[Any, Any]:
        """``(view, index)``, no index while the view holds uncommitted writes."""
        td = rt.table(self.ref)
        view = rt.txn.view(td)
        return view, (td.index_on(self.positions) if view is td.rows else None)

    def explain(self) -> str:
        return "INDEX LOOKUP %s USING %s" % (self.ref.name, self.name)


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
        if col.__visit_name__ != "column":
            continue
        if other.__visit_name__ not in ("bindparam", "literal", "null") and not (
            other.__visit_name__ == "column" and scope.is_outer(other)  # correlated: fixed per outer row
        ):
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
            used_c = [equalities[p][1] for p in index.positions]
            used = {id(c) for c in used_c}
            recheck = nulls.sql_and([compile_expr(c, scope) for c in used_c])
            rest = [c for c in conjuncts if id(c) not in used]
            return IndexLookup(ref, index.positions, key, index.name, recheck), rest
    return Scan(ref), conjuncts


def _tuple_or_none(fns: List[Fn], params: Any) -> Optional[Tuple[Any, ...]]:
    values = tuple([f((), params) for f in fns])
    return None if None in values else values


