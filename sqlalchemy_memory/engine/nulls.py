"""SQL's three-valued logic, in one place.

``None`` is SQL NULL (UNKNOWN for booleans).  Every comparison, boolean
connective and NULL-propagating operator used by the evaluator is built here,
so the truth tables live in a single module.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

Row = Any
Params = Any
Fn = Callable[[Row, Params], Any]


def strict(op: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    """``op`` applied when both operands are non-NULL; NULL otherwise."""

    def evaluate(row: Row, params: Params) -> Any:
        a = left(row, params)
        if a is None:
            return None
        b = right(row, params)
        if b is None:
            return None
        return op(a, b)

    return evaluate


def strict_unary(op: Callable[[Any], Any], operand: Fn) -> Fn:
    def evaluate(row: Row, params: Params) -> Any:
        a = operand(row, params)
        return None if a is None else op(a)

    return evaluate


def sql_not(operand: Fn) -> Fn:
    """NOT: TRUE <-> FALSE, NULL stays NULL."""

    def evaluate(row: Row, params: Params) -> Optional[bool]:
        a = operand(row, params)
        return None if a is None else not a

    return evaluate


def sql_and(operands: Sequence[Fn]) -> Fn:
    """AND: FALSE wins over NULL, NULL over TRUE."""
    if len(operands) == 1:
        return operands[0]
    ops = tuple(operands)

    def evaluate(row: Row, params: Params) -> Optional[bool]:
        unknown = False
        for op in ops:
            v = op(row, params)
            if v is None:
                unknown = True
            elif not v:
                return False
        return None if unknown else True

    return evaluate


def sql_or(operands: Sequence[Fn]) -> Fn:
    """OR: TRUE wins over NULL, NULL over FALSE."""
    if len(operands) == 1:
        return operands[0]
    ops = tuple(operands)

    def evaluate(row: Row, params: Params) -> Optional[bool]:
        unknown = False
        for op in ops:
            v = op(row, params)
            if v is None:
                unknown = True
            elif v:
                return True
        return None if unknown else False

    return evaluate


def is_distinct_from(a: Any, b: Any) -> bool:
    """NULL-safe inequality: two NULLs are not distinct."""
    if a is None or b is None:
        return (a is None) != (b is None)
    return bool(a != b)


def in_values(value: Any, values: List[Any]) -> Optional[bool]:
    """``value IN (values)``: NULL when not found and a NULL was listed."""
    if value is None:
        return None if values else False
    found = False
    has_null = False
    for v in values:
        if v is None:
            has_null = True
        elif v == value:
            found = True
            break
    if found:
        return True
    return None if has_null else False


def truth(value: Any) -> bool:
    """WHERE / HAVING keep a row only when the condition is TRUE."""
    return value is not None and bool(value)
