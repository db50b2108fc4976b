"""How a column stores values: the conversions a database applies on write.

A DBAPI hands a database Python values and the database stores them in the
column's type: a ``datetime`` written to a DATE column becomes a date, a
float written to NUMERIC(8, 4) becomes an exact decimal.  Only columns whose
type converts get a function, so other columns cost nothing per row.

On write (INSERT, UPDATE, INSERT .. SELECT, computed columns) a column also
checks its values as PostgreSQL does: lengths of VARCHAR(n), integer ranges,
enum labels, and the Python type of the value.  A value of another type is
coerced where PostgreSQL (through its DBAPI) would accept it, else the write
fails with ``DataError`` naming ``table.column``.  ``row_conversion``
builds one function per table whose fast path is one inline test per column,
so values already of the column's type cost next to nothing.
"""

from __future__ import annotations

import datetime
import decimal
import operator
import re
import uuid
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from sqlalchemy import types as sqltypes
from sqlalchemy.sql.sqltypes import _AbstractInterval
from sqlalchemy.types import TypeDecorator

from .errors import DataError
from .functions import to_datetime

Convert = Callable[[Any], Any]
RowConvert = Callable[[List[Any]], None]


def storage_type(type_: Any) -> Any:
    """The type the database sees: TypeDecorators have run their binds.
    ``Interval`` is a TypeDecorator over DateTime only for databases without
    an interval type; this one stores ``timedelta`` (dialect ``colspecs``)."""
    while isinstance(type_, TypeDecorator) and not isinstance(type_, sqltypes.Interval):
        type_ = type_.impl_instance
    return type_


def converter(type_: Any) -> Optional[Convert]:
    """The conversion a value of ``type_`` undergoes, bound in a statement
    or written to a column, if any (no checks: see ``write_checks``)."""
    type_ = storage_type(type_)
    if isinstance(type_, sqltypes.Date) and not isinstance(type_, sqltypes.DateTime):
        return _to_date
    if isinstance(type_, sqltypes.Numeric) and not isinstance(type_, sqltypes.Float):
        return _decimal_converter(type_.scale)
    if isinstance(type_, sqltypes.Uuid) and type_.native_uuid:  # else stored as 32 hex digits
        return _to_uuid
    return None


def _to_date(value: Any) -> Any:
    return value.date() if isinstance(value, datetime.datetime) else value


def _to_uuid(value: Any) -> Any:
    # a UUID column holds uuid.UUID whatever ``as_uuid`` says (its result
    # processor makes strings): a string compares after conversion, as in PG
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError as err:
            raise DataError("invalid input syntax for type uuid: %r" % (value,)) from err
    return value


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


# -- checks on write ------------------------------------------------------------


class Invalid(ValueError):
    """A value a column cannot hold; the column's name is added to the message."""


class Rule(NamedTuple):
    """How a column of one type takes a value: ``fast`` is a Python test of
    ``v`` (constants as ``K``) true when ``v`` is stored as it is; otherwise
    ``convert(v)`` returns the value to store or raises ``Invalid``."""

    fast: Optional[str]
    const: Any
    convert: Convert


Check = Tuple[Optional[str], Any, Convert]  # (fast test, its constant, convert)


def write_checks(table: str, columns: Sequence[Any]) -> Dict[int, Check]:
    """Per column position whose values are checked or converted on write:
    its ``Rule``'s fast test and constant, and its conversion raising
    ``DataError`` that names ``table.column``."""
    checks: Dict[int, Check] = {}
    for p, column in enumerate(columns):
        rule = write_rule(column.type)
        if rule is not None:
            checks[p] = (rule.fast, rule.const, _naming(rule.convert, "%s.%s" % (table, column.name)))
    return checks


def check_lines(p: int, var: str, check: Check, namespace: Dict[str, Any], indent: str = "    ") -> List[str]:
    """Python lines applying ``check`` to the variable ``var`` in place
    (the functions and constants it uses go into ``namespace``)."""
    fast, const, fn = check
    namespace.update(_NAMES)
    namespace["f%d" % p] = fn
    namespace["k%d" % p] = const
    if fast is None:
        test = "%s is not None" % var
    else:
        # an int constant is written in: a literal is cheaper than a global
        constant = repr(const) if type(const) is int else "k%d" % p
        test = "not (%s) and %s is not None" % (re.sub(r"\bv\b", var, re.sub(r"\bK\b", constant, fast)), var)
    return ["%sif %s:" % (indent, test), "%s    %s = f%d(%s)" % (indent, var, p, var)]


def row_conversion(checks: Dict[int, Check], only: Optional[Any] = None) -> Optional[RowConvert]:
    """One function applying ``checks`` (``write_checks``; those at positions
    in ``only``, if given) to a row's value list in place; None if none apply."""
    chosen = {p: c for p, c in checks.items() if only is None or p in only}
    if not chosen:
        return None
    lines = ["def convert(values):"]
    namespace: Dict[str, Any] = {}
    for p, check in chosen.items():
        lines.append("    v = values[%d]" % p)
        lines.extend(check_lines(p, "v", check, namespace))
        lines.append("    values[%d] = v" % p)
    exec("\n".join(lines), namespace)  # one inline test per column: see module doc
    return namespace["convert"]  # type: ignore[no-any-return]


_NAMES = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "bytes": bytes,
    "date": datetime.date,
    "datetime": datetime.datetime,
    "time": datetime.time,
    "timedelta": datetime.timedelta,
    "UUID": uuid.UUID,
}


def _naming(convert: Convert, where: str) -> Convert:
    def checked(v: Any) -> Any:
        try:
            return convert(v)
        except Invalid as err:
            raise DataError("%s: %s" % (err, where)) from None

    return checked


def write_rule(type_: Any) -> Optional[Rule]:
    """The ``Rule`` of a column of ``type_``, or None when it takes any value."""
    type_ = storage_type(type_)
    if isinstance(type_, sqltypes.Enum):
        if not type_.enums:
            return None
        return Rule("v.__class__ is str and v in K", frozenset(type_.enums), _enum_check(type_))
    if isinstance(type_, sqltypes.String):
        length = None if isinstance(type_, sqltypes.Text) else type_.length
        if length is None:  # TEXT, VARCHAR: no check
            return None
        return Rule("v.__class__ is str and len(v) <= K", length, _string_check(length, _type_name(type_)))
    if isinstance(type_, sqltypes.Integer):
        bits = 15 if isinstance(type_, sqltypes.SmallInteger) else 63 if isinstance(type_, sqltypes.BigInteger) else 31
        return Rule("v.__class__ is int and -K <= v < K", 1 << bits, _integer_check(1 << bits, _type_name(type_)))
    if isinstance(type_, sqltypes.Float):
        return Rule("v.__class__ is float", None, _to_float)
    if isinstance(type_, sqltypes.Numeric):
        return Rule(None, None, _numeric_check(type_))
    if isinstance(type_, sqltypes.Boolean):
        return Rule("v.__class__ is bool", None, _to_bool)
    if isinstance(type_, sqltypes.DateTime):
        if type_.timezone:
            return Rule("v.__class__ is datetime and v.tzinfo is not None", None, _to_aware)
        return Rule("v.__class__ is datetime and v.tzinfo is None", None, _to_naive)
    if isinstance(type_, sqltypes.Date):
        return Rule("v.__class__ is date", None, _to_date_strict)
    if isinstance(type_, sqltypes.Time):
        return Rule("v.__class__ is time", None, _to_time)
    if isinstance(type_, _AbstractInterval):  # Interval, postgresql.INTERVAL
        return Rule("v.__class__ is timedelta", None, _to_timedelta)
    if isinstance(type_, sqltypes.LargeBinary):
        return Rule("v.__class__ is bytes", None, _to_bytes)
    if isinstance(type_, sqltypes.Uuid):
        if not type_.native_uuid:  # CHAR(32) of hex digits, made by its bind processor
            return None
        return Rule("v.__class__ is UUID", None, _to_uuid_strict)
    if isinstance(type_, sqltypes.ARRAY):
        return Rule(None, None, _array_check(type_))
    return None


def _type_name(type_: Any) -> str:
    try:
        return str(type_.compile())
    except Exception:  # a type the default compiler cannot render
        return type(type_).__name__.upper()


def _enum_check(type_: Any) -> Convert:
    allowed = frozenset(type_.enums)
    name = type_.name or "enum"

    def check(v: Any) -> Any:
        if isinstance(v, str) and v in allowed:
            return str(v)
        raise Invalid("invalid input value %r for enum %s" % (v, name))

    return check


def _string_check(length: int, name: str) -> Convert:
    def check(v: Any) -> Any:
        # A value of another type is kept as it is: the engine does not run a
        # TypeDecorator's bind_expression / column_expression (SQL CASTs that
        # SQLAlchemy's CastTypeDecoratorTest round-trips an int through).
        if isinstance(v, str) and len(v) > length:
            raise Invalid("value too long for type %s" % name)
        return v

    return check


def _integer_check(bound: int, name: str) -> Convert:
    def check(v: Any) -> Any:
        if isinstance(v, bool):  # psycopg sends a bool; PG has no bool -> integer assignment
            raise Invalid("boolean %r given for type %s" % (v, name))
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise Invalid("integer out of range for %s" % name)
            v = round(v)  # PostgreSQL rounds float8 to the nearest (even) integer
        elif isinstance(v, decimal.Decimal):
            if not v.is_finite():
                raise Invalid("integer out of range for %s" % name)
            v = int(v.to_integral_value(decimal.ROUND_HALF_UP))  # as numeric -> integer
        elif isinstance(v, str):
            try:
                v = int(v.strip())
            except ValueError:
                raise Invalid("invalid input syntax %r for type %s" % (v, name)) from None
        else:
            try:
                v = operator.index(v)  # int subclasses, numpy integers
            except TypeError:
                raise Invalid("%s given for type %s" % (_short(v), name)) from None
        if not -bound <= v < bound:
            raise Invalid("integer out of range for %s" % name)
        return v

    return check


def _to_float(v: Any) -> Any:
    if isinstance(v, bool):
        raise Invalid("boolean %r given for type FLOAT" % (v,))
    try:
        if isinstance(v, str):
            return float(v.strip())
        if isinstance(v, (int, float, decimal.Decimal)):
            return float(v)
    except (ValueError, OverflowError):
        raise Invalid("%s given for type FLOAT" % _short(v)) from None
    raise Invalid("%s given for type FLOAT" % _short(v))


def _numeric_check(type_: Any) -> Convert:
    convert = _decimal_converter(type_.scale)
    precision, scale = type_.precision, type_.scale
    digits = precision - scale if precision is not None and scale is not None else None

    def check(v: Any) -> Any:
        if isinstance(v, bool):
            raise Invalid("boolean %r given for type NUMERIC" % (v,))
        if isinstance(v, str):
            try:
                v = decimal.Decimal(v.strip())
            except decimal.InvalidOperation:
                raise Invalid("invalid input syntax %r for type NUMERIC" % (v,)) from None
        elif not isinstance(v, (int, float, decimal.Decimal)):
            raise Invalid("%s given for type NUMERIC" % _short(v))
        v = convert(v)
        if digits is not None and isinstance(v, decimal.Decimal) and v.is_finite() and v and v.adjusted() >= digits:
            raise Invalid("numeric field overflow for NUMERIC(%d, %d)" % (precision, scale))
        return v

    return check


_TRUE_WORDS = frozenset(("t", "true", "y", "yes", "on", "1"))
_FALSE_WORDS = frozenset(("f", "false", "n", "no", "off", "0"))


def _to_bool(v: Any) -> Any:
    if isinstance(v, str):  # PostgreSQL's boolean input words
        word = v.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    elif v is True or v is False:
        return v
    # an int is rejected, as PostgreSQL does (no integer -> boolean assignment)
    raise Invalid("%s given for type BOOLEAN" % _short(v))


_UTC = datetime.timezone.utc


def _parse_datetime(v: Any) -> Any:
    try:
        return to_datetime(v)  # the same reading as CAST(... AS TIMESTAMP)
    except DataError as err:
        raise Invalid(str(err)) from None


def _to_naive(v: Any) -> Any:
    """TIMESTAMP WITHOUT TIME ZONE: an aware value is converted to UTC (the
    session time zone) and its offset dropped, as PostgreSQL does."""
    v = _parse_datetime(v)
    if v.tzinfo is not None and v.utcoffset() is not None:
        v = v.astimezone(_UTC).replace(tzinfo=None)
    return v


def _to_aware(v: Any) -> Any:
    """TIMESTAMP WITH TIME ZONE: an aware value keeps its offset; a naive one
    is taken as UTC (PostgreSQL's reading with the session time zone UTC)."""
    v = _parse_datetime(v)
    if v.tzinfo is None or v.utcoffset() is None:
        v = v.replace(tzinfo=_UTC)
    return v


def _to_date_strict(v: Any) -> Any:
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None and v.utcoffset() is not None:
            v = v.astimezone(_UTC)
        return v.date()
    if isinstance(v, datetime.date):
        return v
    if isinstance(v, str):
        try:
            return datetime.date.fromisoformat(v.strip())
        except ValueError:
            pass
        try:
            return datetime.datetime.fromisoformat(v.strip()).date()
        except ValueError:
            raise Invalid("invalid input syntax %r for type DATE" % (v,)) from None
    raise Invalid("%s given for type DATE" % _short(v))


def _to_time(v: Any) -> Any:
    if isinstance(v, datetime.datetime):
        return v.timetz()
    if isinstance(v, datetime.time):
        return v
    if isinstance(v, str):
        try:
            return datetime.time.fromisoformat(v.strip())
        except ValueError:
            raise Invalid("invalid input syntax %r for type TIME" % (v,)) from None
    raise Invalid("%s given for type TIME" % _short(v))


def _to_timedelta(v: Any) -> Any:
    if isinstance(v, datetime.timedelta):
        return v
    raise Invalid("%s given for type INTERVAL" % _short(v))


def _to_bytes(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    raise Invalid("%s given for type BYTEA" % _short(v))


def _to_uuid_strict(v: Any) -> Any:
    if isinstance(v, uuid.UUID):
        return v
    if isinstance(v, str):
        try:
            return uuid.UUID(v)
        except ValueError:
            raise Invalid("invalid input syntax %r for type UUID" % (v,)) from None
    raise Invalid("%s given for type UUID" % _short(v))


def _array_check(type_: Any) -> Convert:
    """ARRAY: stored as a tuple (immutable, so the stored row cannot change
    under the caller's list) of the item type's values; read back as a list
    by the dialect's ARRAY result processor."""
    item = write_rule(type_.item_type)
    item_convert = item.convert if item is not None else None

    def convert_items(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return tuple(convert_items(x) for x in v)
        if v is None or item_convert is None:
            return v
        return item_convert(v)

    def check(v: Any) -> Any:
        if not isinstance(v, (list, tuple)):
            raise Invalid("%s given for an ARRAY (a list is expected)" % _short(v))
        return convert_items(v)

    return check


def _short(v: Any) -> str:
    text = repr(v)
    return "%s %s" % (type(v).__name__, text if len(text) <= 60 else text[:57] + "...")
