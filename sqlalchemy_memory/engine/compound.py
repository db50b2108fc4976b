"""UNION / INTERSECT / EXCEPT [ALL], and recursive CTEs.

Each member is a nested plan producing output tuples; the set operation
works on those tuples (NULLs compare equal, as SQL's set operations want).
ORDER BY / LIMIT on the compound refer to its output columns, resolved by
position from the members' selected columns.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .errors import NotSupportedError
from .expr import PlanContext, Scope
from .joins import Node
from .runtime import Runtime
from .select import QueryPlan, _distinct, order_rows, order_term, plan_limits, plan_query

Row = Tuple[Any, ...]

_MAX_RECURSION = 1_000_000


def _dedupe(rows: Iterable[Row]) -> List[Row]:
    return list(_distinct(rows))


def combine(keyword: str, results: List[List[Row]]) -> List[Row]:
    """Apply one set operation to the members' rows, left to right."""
    if keyword == "UNION ALL":
        out: List[Row] = []
        for r in results:
            out.extend(r)
        return out
    if keyword == "UNION":
        return _dedupe(row for r in results for row in r)
    first = results[0]
    try:
        if keyword == "INTERSECT":
            keep = set(first)
            for other in results[1:]:
                keep &= set(other)
            return _dedupe(r for r in first if r in keep)
        if keyword == "EXCEPT":
            drop = set()
            for other in results[1:]:
                drop.update(other)
            return _dedupe(r for r in first if r not in drop)
        if keyword == "INTERSECT ALL":
            counts = Counter(first)
            for other in results[1:]:
                counts &= Counter(other)
            return _take(first, counts)
        if keyword == "EXCEPT ALL":
            counts = Counter(first)
            for other in results[1:]:
                counts.subtract(Counter(other))
            return _take(first, counts)
    except TypeError as err:
        raise NotSupportedError("%s over unhashable values: %s" % (keyword, err)) from err
    raise NotSupportedError("compound select %s" % keyword)


def _take(rows: List[Row], counts: Counter) -> List[Row]:
    out = []
    for r in rows:
        if counts[r] > 0:
            counts[r] -= 1
            out.append(r)
    return out


class CompoundPlan(QueryPlan):
    def __init__(self, keyword: str, parts: List[Any]) -> None:
        self.keyword = keyword
        self.parts = parts
        self.width = parts[0].width
        self.order_by: List[Any] = []
        self.limits: Any = None
        self.layouts: List[Tuple[Any, Tuple[str, ...]]] = []
        self.private = False
        self.correlated = any(p.correlated for p in parts)

    def select(self, rt: Runtime, params: Any) -> List[Row]:
        rows = combine(self.keyword, [p.select(rt, params) for p in self.parts])
        limits = self.limits
        if self.order_by:
            rows = order_rows(rows, self.order_by, params, limits.top_k(params) if limits is not None else None)
        if limits is not None:
            keys = [f for f, _, _ in self.order_by]
            rows = list(limits.apply(rows, params, (lambda r: tuple([f(r, params) for f in keys])) if keys else None))
        return rows

    def explain(self) -> List[str]:
        lines = [self.keyword]
        for p in self.parts:
            lines += ["  " + line for line in p.explain()]
        if self.order_by:
            lines.append("SORT BY %d key(s)" % len(self.order_by))
        if self.limits is not None:
            lines.append("LIMIT/OFFSET")
        return lines


def _keyword(stmt: Any) -> str:
    keyword = stmt.keyword
    return str(getattr(keyword, "value", keyword)).upper()


def _output_scope(stmt: Any, enclosing: Optional[Scope], asfrom: bool, ctx: PlanContext) -> Scope:
    """A scope over the compound's output rows: columns resolve by position
    through any member's selected columns, or by name."""
    parent = (enclosing.parent if asfrom else enclosing) if enclosing is not None else None
    scope = Scope(ctx.compiled, store=ctx.store, parent=parent, ctx=ctx)
    members: List[Any] = [stmt]
    while members:
        m = members.pop()
        while m.__visit_name__ in ("select_statement_grouping", "grouping"):
            m = m.element
        try:
            cols = list(m.selected_columns)
        except AttributeError:
            continue
        for i, c in enumerate(cols):
            # the selected column objects themselves (labels too), never
            # what a label wraps: one expression may feed several outputs
            scope.by_id.setdefault(id(c), i)
        if m.__visit_name__ == "compound_select":
            members.extend(m.selects)
    names: Dict[str, int] = {}
    for i, (key, c) in enumerate(stmt.selected_columns.items()):
        names.setdefault(key, i)
        names.setdefault(getattr(c, "name", key), i)
        scope.labels.setdefault(key, c)
    scope.by_name = names
    return scope


def plan_compound(stmt: Any, enclosing: Optional[Scope], asfrom: bool, ctx: PlanContext, state: Any = None) -> CompoundPlan:
    parts = [plan_query(s, enclosing, asfrom, ctx) for s in stmt.selects]
    plan = CompoundPlan(_keyword(stmt), parts)
    if stmt._order_by_clauses or stmt._limit_clause is not None or stmt._offset_clause is not None or getattr(stmt, "_fetch_clause", None) is not None:
        scope = _output_scope(stmt, enclosing, asfrom, ctx)
        plan.order_by = [order_term(o, scope) for o in stmt._order_by_clauses]
        plan.limits = plan_limits(stmt, scope)
        plan.correlated = plan.correlated or scope.correlated
    return plan


# -- recursive CTEs --------------------------------------------------------------


class WorkingTableNode(Node):
    """The recursive CTE's self-reference: the rows of the last iteration."""

    def __init__(self, key: str, width: int, name: str) -> None:
        self.key = key
        self.width = width
        self.name = name

    def rows(self, rt: Runtime, params: Any) -> List[Row]:
        return params[self.key]

    def explain(self) -> List[str]:
        return ["WORKING TABLE %s" % self.name]


class RecursivePlan:
    """WITH RECURSIVE: run the anchor, then the recursive members over the
    previous iteration's new rows until none appear."""

    returns_rows = True

    def __init__(self, keyword: str, anchor: Any, steps: List[Any], key: str) -> None:
        self.keyword = keyword
        self.anchor = anchor
        self.steps = steps
        self.key = key
        self.width = anchor.width
        self.correlated = anchor.correlated or any(s.correlated for s in steps)

    def select(self, rt: Runtime, params: Any) -> List[Row]:
        distinct = self.keyword == "UNION"
        rows = self.anchor.select(rt, params)
        if distinct:
            rows = _dedupe(rows)
        seen = set(rows) if distinct else None
        result = list(rows)
        working = rows
        saved = params.get(self.key)
        try:
            while working:
                params[self.key] = working
                new: List[Row] = []
                for step in self.steps:
                    new.extend(step.select(rt, params))
                if distinct:
                    assert seen is not None
                    fresh = []
                    for r in new:
                        if r not in seen:
                            seen.add(r)
                            fresh.append(r)
                    new = fresh
                result.extend(new)
                if len(result) > _MAX_RECURSION:
                    raise NotSupportedError("recursive CTE produced more than %d rows" % _MAX_RECURSION)
                working = new
        finally:
            params[self.key] = saved
        return result

    def explain(self) -> List[str]:
        lines = ["RECURSIVE %s" % self.keyword] + ["  " + line for line in self.anchor.explain()]
        for s in self.steps:
            lines += ["  " + line for line in s.explain()]
        return lines


def plan_recursive_cte(cte: Any, enclosing: Optional[Scope], asfrom: bool, ctx: PlanContext) -> Any:
    element = cte.element
    if element.__visit_name__ != "compound_select":
        return plan_query(element, enclosing, asfrom, ctx)
    keyword = _keyword(element)
    if keyword not in ("UNION", "UNION ALL"):
        raise NotSupportedError("recursive CTE with %s" % keyword)
    key = ctx.private_key("working")
    anchor = plan_query(element.selects[0], enclosing, asfrom, ctx)
    restated = cte
    names = []
    while restated is not None:
        ctx.working[id(restated)] = (key, anchor.width)
        names.append(id(restated))
        restated = getattr(restated, "_restates", None)
    try:
        steps = [plan_query(s, enclosing, asfrom, ctx) for s in element.selects[1:]]
    finally:
        for n in names:
            ctx.working.pop(n, None)
    return RecursivePlan(keyword, anchor, steps, key)
