"""FROM nodes at execution: table sources, derived tables, filters, joins.

A node's rows are the concatenation of its leaves' rows, left to right.
Equi-joins run as hash joins (a dict built on the right side's rows, probed
per left row); anything else as a nested loop.  ``froms.py`` builds them.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from .expr import Fn
from .runtime import Runtime
from .sources import Source

Row = Tuple[Any, ...]
Rows = Iterable[Row]


# -- nodes ---------------------------------------------------------------------


class Node:
    width = 0

    def rows(self, rt: Runtime, params: Any) -> Rows:
        raise NotImplementedError

    def explain(self) -> List[str]:
        raise NotImplementedError


class SourceNode(Node):
    """A table leaf: a scan or lookup from ``sources.py``."""

    def __init__(self, source: Source, width: int) -> None:
        self.source = source
        self.width = width
        # the source's own methods, saving a call level per statement
        self.rows = source.rows  # type: ignore[method-assign]
        self.items = source.items  # type: ignore[method-assign]

    def explain(self) -> List[str]:
        return self.source.explain()


class DerivedNode(Node):
    """A subquery, CTE or compound select in FROM: a nested plan's output."""

    def __init__(self, plan: Any, name: str) -> None:
        self.plan = plan
        self.width = plan.width
        self.name = name

    def rows(self, rt: Runtime, params: Any) -> Rows:
        return self.plan.select(rt, params)

    def explain(self) -> List[str]:
        return ["SUBQUERY %s" % self.name] + ["  " + line for line in self.plan.explain()]


class FilterNode(Node):
    def __init__(self, child: Node, predicate: Fn) -> None:
        self.child = child
        self.predicate = predicate
        self.width = child.width

    def rows(self, rt: Runtime, params: Any) -> Rows:
        pred = self.predicate
        return [r for r in self.child.rows(rt, params) if (v := pred(r, params)) is not None and v]

    def explain(self) -> List[str]:
        return self.child.explain() + ["  FILTER"]


class JoinNode(Node):
    """INNER / LEFT / FULL join (a RIGHT join is a LEFT join SQLAlchemy
    already swapped).  With ``left_key``/``right_key`` it is a hash join and
    ``residual`` holds the rest of the ON clause; without, a nested loop
    checks ``residual`` (the whole ON clause) on every pair."""

    def __init__(
        self,
        left: Node,
        right: Node,
        kind: str,
        left_key: Optional[Fn],
        right_key: Optional[Fn],
        residual: Optional[Fn],
    ) -> None:
        self.left = left
        self.right = right
        self.kind = kind
        self.left_key = left_key
        self.right_key = right_key
        self.residual = residual
        self.width = left.width + right.width

    def rows(self, rt: Runtime, params: Any) -> Rows:
        right_rows = self.right.rows(rt, params)
        if not isinstance(right_rows, list):
            right_rows = list(right_rows)
        table = None
        if self.left_key is not None:
            try:
                table = self._build(right_rows, params)
            except TypeError:  # unhashable values: compare pairwise
                table = None
        return self._join(self.left.rows(rt, params), right_rows, table, params)

    def _build(self, right_rows: List[Row], params: Any) -> Dict[Any, List[int]]:
        key = self.right_key
        assert key is not None
        table: Dict[Any, List[int]] = {}
        for i, r in enumerate(right_rows):
            k = key(r, params)
            if k is None:
                continue
            bucket = table.get(k)
            if bucket is None:
                table[k] = [i]
            else:
                bucket.append(i)
        return table

    def _join(self, left_rows: Rows, right_rows: List[Row], table: Optional[Dict[Any, List[int]]], params: Any) -> Iterator[Row]:
        """A hash join when ``table`` (right row positions by key) is given,
        else a nested loop; one loop so outer-join padding is written once."""
        key = self.left_key
        on = self.residual
        if table is None:
            if key is not None:
                on = _and_keys(key, self.right_key, self.left.width, on)
            key = None
            every = range(len(right_rows))
        outer = self.kind != "inner"
        full = self.kind == "full"
        matched: Set[int] = set()
        pad_right = (None,) * self.right.width
        for l in left_rows:
            if key is None:
                candidates: Iterable[int] = every
            else:
                k = key(l, params)
                if k is None:
                    candidates = ()
                else:
                    try:
                        candidates = table.get(k) or ()  # type: ignore[union-attr]
                    except TypeError:
                        candidates = [i for i, r in enumerate(right_rows) if self._key_eq(k, r, params)]
            hit = False
            for i in candidates:
                row = l + right_rows[i]
                if on is None or ((v := on(row, params)) is not None and v):
                    hit = True
                    if full:
                        matched.add(i)
                    yield row
            if outer and not hit:
                yield l + pad_right
        if full:
            pad_left = (None,) * self.left.width
            for i, r in enumerate(right_rows):
                if i not in matched:
                    yield pad_left + r

    def _key_eq(self, k: Any, r: Row, params: Any) -> bool:
        assert self.right_key is not None
        return bool(k == self.right_key(r, params))

    def explain(self) -> List[str]:
        how = "HASH" if self.left_key is not None else "NESTED LOOP"
        label = {"inner": "JOIN", "left": "LEFT OUTER JOIN", "full": "FULL OUTER JOIN"}[self.kind]
        if self.left_key is None and self.residual is None and self.kind == "inner":
            label, how = "CROSS JOIN", "NESTED LOOP"
        lines = ["%s %s" % (how, label)]
        lines += ["  " + line for line in self.left.explain()]
        lines += ["  " + line for line in self.right.explain()]
        return lines


class LateralJoinNode(Node):
    """``left [LEFT] JOIN LATERAL (...) ON ...`` (or ``FROM left, LATERAL``):
    the right side runs once per left row, which it reads from
    ``params[row_key]``."""

    def __init__(self, left: Node, right: Node, kind: str, on: Optional[Fn], row_key: str) -> None:
        self.left = left
        self.right = right
        self.kind = kind
        self.on = on
        self.row_key = row_key
        self.width = left.width + right.width

    def rows(self, rt: Runtime, params: Any) -> Iterator[Row]:
        on = self.on
        key = self.row_key
        outer = self.kind == "left"
        pad = (None,) * self.right.width
        for l in list(self.left.rows(rt, params)):
            params[key] = l
            hit = False
            for r in list(self.right.rows(rt, params)):
                row = l + r
                if on is None or ((v := on(row, params)) is not None and v):
                    hit = True
                    yield row
            if outer and not hit:
                yield l + pad

    def explain(self) -> List[str]:
        lines = ["NESTED LOOP %sJOIN LATERAL (right side per left row)" % ("LEFT OUTER " if self.kind == "left" else "")]
        lines += ["  " + line for line in self.left.explain()]
        lines += ["  " + line for line in self.right.explain()]
        return lines


def _and_keys(left_key: Fn, right_key: Optional[Fn], offset: int, rest: Optional[Fn]) -> Fn:
    assert right_key is not None

    def on(row: Row, params: Any) -> Optional[bool]:
        a = left_key(row[:offset], params)
        b = right_key(row[offset:], params)
        if a is None or b is None:
            return None
        if a != b:
            return False
        return True if rest is None else rest(row, params)

    return on


def _tuple_key(fns: List[Fn]) -> Fn:
    def key(row: Row, params: Any) -> Optional[Tuple[Any, ...]]:
        values = tuple([f(row, params) for f in fns])
        return None if None in values else values

    return key
