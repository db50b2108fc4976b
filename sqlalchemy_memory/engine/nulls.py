"""SQL's three-valued logic, in one place.

``None`` is SQL NULL (UNKNOWN for booleans).  Every comparison, boolean
connective and NULL-propagating operator used by the evaluator is built here,
so the truth tables live in a single module.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

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


def filter_and(operands: Sequence[Fn]) -> Fn:
    """AND where only TRUE keeps a row (WHERE, ON): NULL and FALSE both
    drop it, so the first falsy conjunct decides and no NULL is tracked."""
    if len(operands) == 1:
        return operands[0]
    if len(operands) == 2:
        first, second = operands
        return lambda row, params: first(row, params) and second(row, params)
    ops = tuple(operands)

    def evaluate(row: Row, params: Params) -> Any:
        for op in ops:
            if not op(row, params):
                return False
        return True

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


def sql_is(left: Fn, right: Fn, negate: bool) -> Fn:
    """IS [NOT] / IS [NOT] DISTINCT FROM: two NULLs are the same, and the
    answer is never NULL."""

    def evaluate(row: Row, params: Params) -> bool:
        a = left(row, params)
        b = right(row, params)
        if a is None or b is None:
            same = a is None and b is None
        else:
            same = bool(a == b)
        return same != negate

    return evaluate


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


class InProbe:
    """``value IN (values)`` for a fixed list: a hash probe, with the list's
    NULLs and unhashable values kept aside for SQL's NULL rule."""

    __slots__ = ("hashed", "rest", "has_null", "empty")

    def __init__(self, values: Iterable[Any]) -> None:
        hashed = set()
        rest: List[Any] = []
        has_null = False
        empty = True
        for v in values:
            empty = False
            if v is None:
                has_null = True
                continue
            if isinstance(v, tuple) and None in v:
                rest.append(v)  # compared element by element
                continue
            try:
                hashed.add(v)
            except TypeError:
                rest.append(v)
        self.hashed = hashed
        self.rest = rest
        self.has_null = has_null
        self.empty = empty

    def test(self, value: Any) -> Optional[bool]:
        if self.empty:
            return False
        if value is None:
            return None
        try:
            if value in self.hashed:
                return True
        except TypeError:
            if any(value == v for v in self.hashed):
                return True
        unknown = self.has_null
        for v in self.rest:
            if isinstance(v, tuple) and isinstance(value, tuple):
                r = tuple_eq(value, v)
                if r:
                    return True
                if r is None:
                    unknown = True
            elif v == value:
                return True
        if isinstance(value, tuple) and None in value and (self.hashed or self.rest):
            for v in self.hashed:
                if tuple_eq(value, v) is None:
                    return None
        return None if unknown else False


def tuple_eq(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> Optional[bool]:
    """Row-value equality: FALSE if any pair differs, NULL if any is NULL."""
    unknown = False
    for x, y in zip(a, b):
        if x is None or y is None:
            unknown = True
        elif x != y:
            return False
    return None if unknown else True


def truth(value: Any) -> bool:
    """WHERE / HAVING keep a row only when the condition is TRUE."""
    return value is not None and bool(value)
