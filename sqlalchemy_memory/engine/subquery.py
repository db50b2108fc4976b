"""Subqueries inside expressions: scalar subqueries, EXISTS, IN (SELECT ...).

The inner plan is built once.  An uncorrelated subquery runs once per
execution: its result is kept in ``params`` under a private key (plans hold
no values).  A correlated one runs per outer row: the outer row is stored in
``params[scope.row_key]``, where the inner plan's outer column references
read it.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional

from . import nulls
from .errors import DataError
from .expr import Fn, Scope, runtime_of

Row = Any


def _inner(element: Any, scope: Scope) -> Any:
    from .select import plan_query

    return plan_query(element, scope, False)


def _runner(element: Any, scope: Scope, finish: Optional[Callable[[List[Row]], Any]], what: str) -> Fn:
    """``fn(row, params)`` giving ``finish(inner rows)`` (``finish`` None:
    whether there is a row, read up to the first), cached per execution
    when the subquery does not read the outer row."""
    plan = _inner(element, scope)
    if finish is None and hasattr(plan, "any_row"):
        run: Callable[[Any, Any], Any] = plan.any_row
    else:
        done = finish or bool

        def run(rt: Any, params: Any) -> Any:
            return done(plan.select(rt, params))

    target = scope
    while target.owner is not None:
        target = target.owner
    target.subplans.append(("%s subquery, %s" % (what, "per outer row" if plan.correlated else "once per execution"), plan))
    if plan.correlated:
        row_key = scope.row_key

        def correlated(row: Row, params: Any) -> Any:
            if row_key is not None:
                params[row_key] = row
            return run(runtime_of(params), params)

        return correlated
    key = scope.ctx.private_key(what)

    def uncorrelated(row: Row, params: Any) -> Any:
        try:
            return params[key]
        except KeyError:
            value = params[key] = run(runtime_of(params), params)
            return value

    return uncorrelated


def scalar_subquery(element: Any, scope: Scope) -> Fn:
    def first_value(rows: List[Row]) -> Any:
        if not rows:
            return None
        if len(rows) > 1:
            raise DataError("more than one row returned by a subquery used as an expression")
        return rows[0][0]

    return _runner(element, scope, first_value, "scalar")


def exists(element: Any, scope: Scope) -> Fn:
    return _runner(element, scope, None, "exists")


def in_subquery(left: Fn, element: Any, scope: Scope, negate: bool) -> Fn:
    """``left IN (SELECT ...)``: a hash probe over the subquery's values,
    with SQL's NULL rule (NOT IN over a set holding NULL is never TRUE)."""

    def probe(rows: List[Row]) -> nulls.InProbe:
        if rows and len(rows[0]) > 1:
            return nulls.InProbe(rows)
        return nulls.InProbe([r[0] for r in rows])

    values = _runner(element, scope, probe, "in")

    def in_(row: Row, params: Any) -> Optional[bool]:
        found = values(row, params).test(left(row, params))
        if found is None:
            return None
        return found != negate

    return in_
