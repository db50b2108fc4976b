"""Scalar SQL functions: a registry of builders, one per function name.

A builder receives the argument closures (already compiled by ``expr.py``)
and returns ``fn(row, params)``; the arity is checked when the statement is
planned.  NULL arguments give NULL except where SQL says otherwise (COALESCE,
CONCAT, GREATEST/LEAST), and the choice between databases is noted on each
function: SQLite's where it and PostgreSQL agree or where SQLite is the only
one to define the function, PostgreSQL's otherwise.  Bad input raises
``DataError``, as PostgreSQL does, where SQLite would return NULL.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import operator
import random
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import nulls
from .errors import DataError, NotSupportedError, ProgrammingError

Fn = Callable[[Any, Any], Any]
Build = Callable[[List[Fn]], Fn]

#: name -> (fewest arguments, most arguments or None, builder)
SCALAR_FUNCTIONS: Dict[str, Tuple[int, Optional[int], Build]] = {}


def register(*names: str, args: Tuple[int, Optional[int]] = (1, 1)) -> Callable[[Build], Build]:
    def add(build: Build) -> Build:
        for name in names:
            SCALAR_FUNCTIONS[name] = (args[0], args[1], build)
        return build

    return add


def build_function(name: str, args: List[Fn]) -> Optional[Fn]:
    """The closure for ``name(args)``, or None when the name is unknown."""
    entry = SCALAR_FUNCTIONS.get(name)
    if entry is None:
        return None
    fewest, most, build = entry
    if len(args) < fewest or (most is not None and len(args) > most):
        raise ProgrammingError("wrong number of arguments to function %s()" % name)
    return build(args)


def strict_call(fn: Callable[..., Any], args: List[Fn]) -> Fn:
    """``fn(*values)``, NULL when any argument is NULL."""
    if len(args) == 1:
        return nulls.strict_unary(fn, args[0])
    if len(args) == 2:
        return nulls.strict(fn, args[0], args[1])
    parts = tuple(args)

    def evaluate(row: Any, params: Any) -> Any:
        values = []
        for f in parts:
            v = f(row, params)
            if v is None:
                return None
            values.append(v)
        return fn(*values)

    return evaluate


def _strict(fn: Callable[..., Any]) -> Build:
    return lambda args: strict_call(fn, args)


# -- text ------------------------------------------------------------------------------


def text(v: Any) -> str:
    """A value as SQL text (booleans as 1/0, as SQLite shows them)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


def _text_or_bytes(v: Any) -> Any:
    return v if isinstance(v, (str, bytes)) else text(v)


def _int_arg(v: Any, what: str) -> int:
    try:
        return int(v)
    except (TypeError, ValueError, ArithmeticError) as err:
        raise DataError("%s must be an integer, not %r" % (what, v)) from err


register("lower")(_strict(lambda v: text(v).lower()))
register("upper")(_strict(lambda v: text(v).upper()))
register("length", "char_length", "character_length")(_strict(lambda v: len(_text_or_bytes(v))))
register("octet_length")(_strict(lambda v: len(v) if isinstance(v, bytes) else len(text(v).encode("utf-8"))))


def substr(value: Any, start: Any, length: Any = None) -> Any:
    """SQLite's substr(): 1-based; a negative start counts from the end, a
    zero start is the position before the first character (so it eats one
    of ``length``), a negative length takes the characters before start."""
    s = _text_or_bytes(value)
    size = len(s)
    p1 = _int_arg(start, "substr() start")
    negative = False
    if length is None:
        p2 = 1 << 62  # "to the end", as SQLite's length limit
    else:
        p2 = _int_arg(length, "substr() length")
        if p2 < 0:
            p2, negative = -p2, True
    if p1 < 0:
        p1 += size
        if p1 < 0:
            p2 = max(p2 + p1, 0)
            p1 = 0
    elif p1 > 0:
        p1 -= 1
    elif p2 > 0:
        p2 -= 1
    if negative:
        p1 -= p2
        if p1 < 0:
            p2 += p1
            p1 = 0
    return s[p1 : p1 + max(p2, 0)]


register("substr", "substring", args=(2, 3))(_strict(substr))


def _trimmer(kind: str) -> Build:
    def build(args: List[Fn]) -> Fn:
        def trim(v: Any, chars: str = " ") -> str:
            s = text(v)
            chars = text(chars)
            if kind == "l":
                return s.lstrip(chars)
            if kind == "r":
                return s.rstrip(chars)
            return s.strip(chars)

        return strict_call(trim, args)

    return build


# trim(s [, characters]): SQLite's form, and PostgreSQL's btrim()
register("trim", "btrim", args=(1, 2))(_trimmer("b"))
register("ltrim", args=(1, 2))(_trimmer("l"))
register("rtrim", args=(1, 2))(_trimmer("r"))


def _replace(s: Any, old: Any, new: Any) -> str:
    s, old = text(s), text(old)
    return s if old == "" else s.replace(old, text(new))


register("replace", args=(3, 3))(_strict(_replace))


def _find(hay: Any, needle: Any) -> int:
    """1-based position of ``needle`` in ``hay``, 0 when absent."""
    if isinstance(hay, bytes) and isinstance(needle, bytes):
        return hay.find(needle) + 1
    return text(hay).find(text(needle)) + 1


register("instr", "strpos", args=(2, 2))(_strict(_find))  # (string, substring)
# position(substring, string): the argument order of POSITION(sub IN string)
register("position", args=(2, 2))(_strict(lambda needle, hay: _find(hay, needle)))


def _concat(args: List[Fn]) -> Fn:
    """concat(): NULL arguments are skipped and the result is never NULL, as
    in PostgreSQL and SQLite (MySQL gives NULL instead)."""
    parts = tuple(args)

    def concat(row: Any, params: Any) -> Any:
        return "".join([text(v) for f in parts if (v := f(row, params)) is not None])

    return concat


def _concat_ws(args: List[Fn]) -> Fn:
    """concat_ws(separator, ...): NULL when the separator is NULL; NULL
    arguments are skipped."""
    sep_fn, parts = args[0], tuple(args[1:])

    def concat_ws(row: Any, params: Any) -> Any:
        sep = sep_fn(row, params)
        if sep is None:
            return None
        return text(sep).join([text(v) for f in parts if (v := f(row, params)) is not None])

    return concat_ws


register("concat", args=(1, None))(_concat)
register("concat_ws", args=(2, None))(_concat_ws)


# -- NULL handling -------------------------------------------------------------------------


@register("coalesce", args=(1, None))
def _coalesce(args: List[Fn]) -> Fn:
    parts = tuple(args)

    def coalesce(row: Any, params: Any) -> Any:
        for f in parts:
            v = f(row, params)
            if v is not None:
                return v
        return None

    return coalesce


@register("nullif", args=(2, 2))
def _nullif(args: List[Fn]) -> Fn:
    a, b = args

    def nullif(row: Any, params: Any) -> Any:
        x = a(row, params)
        return None if x is not None and x == b(row, params) else x

    return nullif


def _extreme(pick: Callable[..., Any]) -> Build:
    """greatest() / least(): NULL arguments are ignored and the result is
    NULL only when all are, as in PostgreSQL (MySQL and Oracle give NULL when
    any argument is NULL)."""

    def build(args: List[Fn]) -> Fn:
        parts = tuple(args)

        def extreme(row: Any, params: Any) -> Any:
            values = [v for f in parts if (v := f(row, params)) is not None]
            if not values:
                return None
            try:
                return pick(values)
            except TypeError as err:
                raise DataError("%s() of values that do not compare: %r" % (pick.__name__, values)) from err

        return extreme

    return build


register("greatest", args=(1, None))(_extreme(max))
register("least", args=(1, None))(_extreme(min))


# -- numbers ------------------------------------------------------------------------------

_PRECISE = decimal.Context(prec=40)


def _number(v: Any, fname: str) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float, decimal.Decimal)):
        return v
    raise DataError("function %s() needs a number, not %r" % (fname, v))


def _numeric(fname: str, op: Callable[[Any], Any]) -> Build:
    return _strict(lambda v: op(_number(v, fname)))


def _numeric2(fname: str, op: Callable[[Any, Any], Any]) -> Build:
    return _strict(lambda a, b: op(_number(a, fname), _number(b, fname)))


register("abs")(_numeric("abs", abs))


def _round(v: Any, places: Any = 0) -> Any:
    """Half away from zero (SQLite, PostgreSQL's NUMERIC).  Integers stay
    integers and floats floats; negative ``places`` round to tens, hundreds...
    as PostgreSQL does (SQLite ignores them)."""
    v = _number(v, "round")
    n = _int_arg(places, "round() places")
    if isinstance(v, int):
        if n >= 0:
            return v
        return int(decimal.Decimal(v).quantize(decimal.Decimal(1).scaleb(-n), decimal.ROUND_HALF_UP))
    if isinstance(v, float):
        if not math.isfinite(v):
            return v
        d = decimal.Decimal(repr(v))
    else:
        if not v.is_finite():
            return v
        d = v
    context = decimal.Context(prec=max(28, d.adjusted() + n + 2), rounding=decimal.ROUND_HALF_UP)
    rounded = d.quantize(decimal.Decimal(1).scaleb(-n), context=context)
    return float(rounded) if isinstance(v, float) else rounded


register("round", args=(1, 2))(_strict(_round))


def _integral(rounding: str, py: Callable[[float], int]) -> Callable[[Any], Any]:
    def apply(v: Any) -> Any:
        if isinstance(v, int):
            return v
        if isinstance(v, float):
            return float(py(v)) if math.isfinite(v) else v
        return v.to_integral_value(rounding) if v.is_finite() else v

    return apply


register("ceil", "ceiling")(_numeric("ceil", _integral(decimal.ROUND_CEILING, math.ceil)))
register("floor")(_numeric("floor", _integral(decimal.ROUND_FLOOR, math.floor)))
register("trunc")(_numeric("trunc", _integral(decimal.ROUND_DOWN, math.trunc)))


def _sign(v: Any) -> Any:
    s = (v > 0) - (v < 0)
    return type(v)(s) if not isinstance(v, int) else s


register("sign")(_numeric("sign", _sign))


def modulo(a: Any, b: Any) -> Any:
    """``%`` / mod(): the sign follows the dividend; zero divisor is an error."""
    if b == 0:
        raise DataError("division by zero")
    r = abs(a) % abs(b)
    return r if a >= 0 else -r


def promoting(operator: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``operator`` with SQL's numeric promotion: NUMERIC mixed with a
    floating-point value computes in floating point (Python refuses
    ``Decimal + float``)."""

    def apply(a: Any, b: Any) -> Any:
        try:
            return operator(a, b)
        except TypeError:
            if isinstance(a, decimal.Decimal) and isinstance(b, float):
                return operator(float(a), b)
            if isinstance(a, float) and isinstance(b, decimal.Decimal):
                return operator(a, float(b))
            raise

    return apply


add = promoting(operator.add)


def total(values: List[Any]) -> Any:
    """SUM of non-NULL values, with the same promotion as ``+``."""
    result = values[0]
    for v in values[1:]:
        result = add(result, v)
    return result


register("mod", args=(2, 2))(_numeric2("mod", promoting(modulo)))


def _power(a: Any, b: Any) -> Any:
    """power(): floating point, or NUMERIC when an argument is NUMERIC."""
    if a == 0 and b < 0:
        raise DataError("zero raised to a negative power is undefined")
    if a < 0 and b != int(b):
        raise DataError("a negative number raised to a non-integer power yields a complex result")
    try:
        if isinstance(a, decimal.Decimal) or isinstance(b, decimal.Decimal):
            return _PRECISE.power(decimal.Decimal(a), decimal.Decimal(b))
        return float(a) ** float(b)
    except (OverflowError, decimal.Overflow) as err:
        raise DataError("value out of range: power(%r, %r)" % (a, b)) from err


register("power", "pow", args=(2, 2))(_numeric2("power", _power))


def _float_or_decimal(fname: str, py: Callable[[float], float], dec: Callable[[decimal.Decimal], decimal.Decimal], domain: Callable[[Any], bool], message: str) -> Build:
    def apply(v: Any) -> Any:
        v = _number(v, fname)
        if not domain(v):
            raise DataError("%s: %r" % (message, v))
        try:
            if isinstance(v, decimal.Decimal):
                return dec(v)
            return py(float(v))
        except (OverflowError, decimal.Overflow) as err:
            raise DataError("value out of range: %s(%r)" % (fname, v)) from err

    return _strict(apply)


register("sqrt")(_float_or_decimal("sqrt", math.sqrt, _PRECISE.sqrt, lambda v: v >= 0, "cannot take square root of a negative number"))
register("exp")(_float_or_decimal("exp", math.exp, _PRECISE.exp, lambda v: True, ""))
register("ln")(_float_or_decimal("ln", math.log, _PRECISE.ln, lambda v: v > 0, "cannot take logarithm of zero or a negative number"))
register("log10")(_float_or_decimal("log10", math.log10, _PRECISE.log10, lambda v: v > 0, "cannot take logarithm of zero or a negative number"))
register("log2")(_float_or_decimal("log2", math.log2, lambda d: _PRECISE.divide(_PRECISE.ln(d), _PRECISE.ln(decimal.Decimal(2))), lambda v: v > 0, "cannot take logarithm of zero or a negative number"))


def _log(*args: Any) -> Any:
    """log(x) is the base-10 logarithm, log(b, x) the base-b one (SQLite and
    PostgreSQL agree)."""
    values = [_number(v, "log") for v in args]
    if any(v <= 0 for v in values):
        raise DataError("cannot take logarithm of zero or a negative number: log%r" % (tuple(values),))
    if len(values) == 1:
        x = values[0]
        return _PRECISE.log10(x) if isinstance(x, decimal.Decimal) else math.log10(x)
    base, x = values
    if base == 1:
        raise DataError("division by zero: log(1, x)")
    if isinstance(base, decimal.Decimal) or isinstance(x, decimal.Decimal):
        return _PRECISE.divide(_PRECISE.ln(decimal.Decimal(x)), _PRECISE.ln(decimal.Decimal(base)))
    return math.log(x) / math.log(base)


register("log", args=(1, 2))(_strict(_log))
register("random", args=(0, 0))(lambda args: lambda row, params: random.random())


# -- date and time ------------------------------------------------------------------------


def _now(row: Any, params: Any) -> datetime.datetime:
    return datetime.datetime.now()


register("now", "current_timestamp", "localtimestamp", args=(0, 0))(lambda args: _now)
register("current_date", args=(0, 0))(lambda args: lambda row, params: datetime.date.today())
register("current_time", "localtime", args=(0, 0))(lambda args: lambda row, params: datetime.datetime.now().time())


def to_datetime(v: Any) -> datetime.datetime:
    if isinstance(v, datetime.datetime):
        return v
    if isinstance(v, datetime.date):
        return datetime.datetime(v.year, v.month, v.day)
    if isinstance(v, str):
        try:
            return datetime.datetime.fromisoformat(v.strip())
        except ValueError as err:
            raise DataError("invalid input for a timestamp: %r" % (v,)) from err
    raise DataError("not a date or timestamp: %r" % (v,))


def to_date(v: Any) -> datetime.date:
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    return to_datetime(v).date()


def to_time(v: Any) -> datetime.time:
    if isinstance(v, datetime.time):
        return v
    if isinstance(v, datetime.datetime):
        return v.time()
    if isinstance(v, str):
        try:
            return datetime.time.fromisoformat(v.strip())
        except ValueError:
            pass
    return to_datetime(v).time()


# date(x) / time(x) / datetime(x) convert to the Python type (SQLite's
# modifier arguments and its text results are not supported)
register("date")(_strict(to_date))
register("time")(_strict(to_time))
register("datetime")(_strict(to_datetime))


_EPOCH = datetime.datetime(1970, 1, 1)


def _seconds(whole: int, micro: int) -> Any:
    """Whole seconds as an int, fractional ones as an exact NUMERIC."""
    return whole if not micro else decimal.Decimal(whole) + decimal.Decimal(micro).scaleb(-6)


def _epoch(v: Any) -> Any:
    if isinstance(v, datetime.time):
        return _seconds(v.hour * 3600 + v.minute * 60 + v.second, v.microsecond)
    dt = to_datetime(v)
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    delta = dt - _EPOCH
    return _seconds(delta.days * 86400 + delta.seconds, delta.microseconds)


_DATE_FIELDS: Dict[str, Callable[[datetime.datetime], Any]] = {
    "year": lambda d: d.year,
    "quarter": lambda d: (d.month - 1) // 3 + 1,
    "month": lambda d: d.month,
    "week": lambda d: d.isocalendar()[1],  # ISO 8601 week, as PostgreSQL
    "isoyear": lambda d: d.isocalendar()[0],
    "day": lambda d: d.day,
    "dow": lambda d: d.isoweekday() % 7,  # 0 = Sunday
    "isodow": lambda d: d.isoweekday(),  # 7 = Sunday
    "doy": lambda d: d.timetuple().tm_yday,
}
_TIME_FIELDS: Dict[str, Callable[[Any], Any]] = {
    "hour": lambda t: t.hour,
    "minute": lambda t: t.minute,
    "second": lambda t: _seconds(t.second, t.microsecond),
    "microseconds": lambda t: t.second * 1000000 + t.microsecond,
    "milliseconds": lambda t: _seconds(t.second, t.microsecond) * 1000,
}
EXTRACT_FIELDS = frozenset(_DATE_FIELDS) | frozenset(_TIME_FIELDS) | {"epoch"}


def extract_function(field: str) -> Callable[[Any], Any]:
    """``EXTRACT(field FROM value)`` for one value (not NULL).  Fields as in
    PostgreSQL: ``dow`` counts from Sunday = 0, ``week`` is the ISO week,
    ``second`` keeps its fraction (a NUMERIC when there is one), ``epoch``
    counts seconds from 1970-01-01 (naive values taken as UTC)."""
    field = field.lower()
    if field == "epoch":
        return _epoch
    date_field = _DATE_FIELDS.get(field)
    if date_field is not None:

        def extract_date(v: Any) -> Any:
            if isinstance(v, datetime.time):
                raise DataError("EXTRACT(%s) of a time of day: %r" % (field, v))
            return date_field(to_datetime(v))

        return extract_date
    time_field = _TIME_FIELDS.get(field)
    if time_field is None:
        raise NotSupportedError("the memory dialect cannot evaluate EXTRACT(%s FROM ...)" % field)

    def extract_time(v: Any) -> Any:
        return time_field(v if isinstance(v, datetime.time) else to_datetime(v))

    return extract_time


# -- JSON element and path access -------------------------------------------------------
#
# A JSON column stores the document as the JSON text its bind processor made
# (``json.dumps`` or the engine's ``json_serializer``).  ``doc["a"]``,
# ``doc[0]`` and ``doc[("a", 1)]`` parse it and walk the path, as
# PostgreSQL's ``->`` / ``#>`` do: a missing key or index, or a step into a
# value that is not an object / array, is SQL NULL; a negative array index
# counts from the end.  A JSON-typed element is returned as JSON text (the
# JSON result processor turns it back into Python), JSON ``null`` included;
# ``as_string()`` and the other typed accessors return the element's value
# (JSON ``null`` and missing elements both being SQL NULL).

_MISSING = object()


def json_document(v: Any, exact: bool = False) -> Any:
    """The Python value of the JSON text ``v`` (a value already parsed, as
    from a JSON element, passes through).  ``exact``: numbers with a point
    become ``Decimal`` (for ``as_numeric()``)."""
    if isinstance(v, (bytes, bytearray)):
        v = bytes(v).decode("utf-8")
    if not isinstance(v, str):
        return v
    try:
        return json.loads(v, parse_float=decimal.Decimal) if exact else json.loads(v)
    except ValueError as err:
        raise DataError("invalid JSON text: %r" % (v[:60],)) from err


def json_step(value: Any, key: Any) -> Any:
    """``value -> key``: ``_MISSING`` when there is no such element."""
    if isinstance(key, bool):
        return _MISSING
    if isinstance(value, dict):
        if isinstance(key, int):
            return _MISSING  # PostgreSQL: an integer subscript of an object is NULL
        return value.get(str(key), _MISSING)
    if isinstance(value, list):
        if isinstance(key, str):
            try:
                key = int(key)  # a text subscript of an array: '1' is index 1 (PostgreSQL #>)
            except ValueError:
                return _MISSING
        if not isinstance(key, int) or not -len(value) <= key < len(value):
            return _MISSING
        return value[key]
    return _MISSING


def json_walk(doc: Any, path: Any) -> Any:
    for key in path:
        doc = json_step(doc, key)
        if doc is _MISSING:
            return _MISSING
    return doc


def json_scalar_text(v: Any) -> str:
    """An element as text (``as_string()``, PostgreSQL's ``->>``): strings
    as they are, other values as JSON text."""
    if isinstance(v, str):
        return v
    if isinstance(v, decimal.Decimal):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def _text_path(v: Any) -> Any:
    """A PostgreSQL text-array path literal, ``'{a,"key two",1}'``, as a
    list of keys (a list or tuple passes through)."""
    if isinstance(v, (list, tuple)):
        return v
    s = text(v).strip()
    if not (s.startswith("{") and s.endswith("}")):
        raise DataError("malformed JSON path %r: expected '{key,...}'" % (s,))
    keys: List[str] = []
    i, n = 1, len(s) - 1
    while i < n:
        if s[i] == '"':
            i += 1
            out = []
            while i < n and s[i] != '"':
                if s[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(s[i])
                i += 1
            i += 1
            keys.append("".join(out))
            while i < n and s[i] != ",":
                i += 1
        else:
            j = s.find(",", i)
            j = n if j < 0 else j
            keys.append(s[i:j].strip())
            i = j
        i += 1  # the comma
    return keys


def _json_path_function(scalar: bool) -> Build:
    """``doc #> '{a,1}'`` (``jsonb_extract``): the element as JSON text;
    ``doc #>> '{a,1}'`` (``jsonb_extract_scalar``): as text, JSON null
    being NULL.  As in PostgreSQL; how SQL text spells JSON paths."""

    def evaluate(doc: Any, path: Any) -> Any:
        v = json_walk(json_document(doc), _text_path(path))
        if v is _MISSING or (scalar and v is None):
            return None
        return json_scalar_text(v) if scalar else json.dumps(v)

    return lambda args: strict_call(evaluate, args)


register("jsonb_extract", args=(2, 2))(_json_path_function(False))
register("jsonb_extract_scalar", args=(2, 2))(_json_path_function(True))
