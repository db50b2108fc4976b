"""How a column stores values: the conversions a database applies on write.

A DBAPI hands a database Python values and the database stores them in the
column's type: a ``datetime`` written to a DATE column becomes a date, a
float written to NUMERIC(8, 4) becomes an exact decimal.  Only columns whose
type converts get a function, so other columns cost nothing per row.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any, Callable, Optional

from sqlalchemy import types as sqltypes
from sqlalchemy.types import TypeDecorator

Convert = Callable[[Any], Any]


def storage_type(type_: Any) -> Any:
    """The type the database sees: TypeDecorators have run their binds."""
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


def converter(type_: Any) -> Optional[Convert]:
    """The conversion a column of ``type_`` applies on write, if any."""
    type_ = storage_type(type_)
    if isinstance(type_, sqltypes.Date) and not isinstance(type_, sqltypes.DateTime):
        return _to_date
    if isinstance(type_, sqltypes.Numeric) and not isinstance(type_, sqltypes.Float):
        return _decimal_converter(type_.scale)
    return None


def _to_date(value: Any) -> Any:
    return value.date() if isinstance(value, datetime.datetime) else value


def _decimal_converter(scale: Optional[int]) -> Convert:
    exponent = decimal.Decimal(1).scaleb(-scale) if scale is not None else None

    def to_decimal(value: Any) -> Any:
        if isinstance(value, float):
            value = decimal.Decimal(repr(value))
        elif type(value) is int:
            value = decimal.Decimal(value)
        if exponent is not None and isinstance(value, decimal.Decimal) and value.is_finite():
            value = value.quantize(exponent, context=_WIDE)
        return value

    return to_decimal


_WIDE = decimal.Context(prec=100)
