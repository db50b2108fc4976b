"""sqlglot expression trees to SQLAlchemy ``ColumnElement`` objects.

Building SQLAlchemy constructs (rather than evaluating the sqlglot tree
directly) lets SQL text share the one evaluator in ``engine/``: whatever it
supports for Core statements, it supports for text.  Literals become bind
parameters with fixed names (``_lit_N``) so the compiled statement carries
their values; a literal compared with or stored into a typed column is
converted to that column's Python type first (``d = '2024-01-02'`` on a Date
column compares dates, as databases do).
"""

from __future__ import annotations

import decimal
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Set

import sqlalchemy as sa
from sqlalchemy import types as sqltypes
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlglot import exp

from ..engine.errors import ProgrammingError
from .names import Names
from .parse import unsupported
from .types import to_type

_INT = re.compile(r"[+-]?\d+\Z")


class Params:
    """Bind parameters met while translating one statement."""

    def __init__(
        self,
        renamed: Optional[Dict[str, Any]] = None,
        allow_binds: bool = True,
        unique_literals: bool = False,
        binds: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.renamed = renamed or {}  # placeholder in the rewritten SQL -> user's name / position
        self.allow_binds = allow_binds
        # SQL of a ``text()`` inside a Core statement: its placeholders are
        # the clause's own bind parameters (by name), whose values the
        # statement's parameters carry
        self.binds = binds
        # literals of an element that outlives its statement (a view's
        # select, a fragment planned inside a Core statement) get anonymous
        # names: a named ``_lit_1`` would read the enclosing statement's
        self.unique_literals = unique_literals
        self.names: Set[str] = set()  # bind names the statement needs values for
        self.literals = 0

    def bind(self, node: exp.Placeholder) -> Any:
        name = node.name
        if not name or not self.allow_binds:
            raise unsupported(node, "placeholder here")
        original = self.renamed.get(name, name)
        if self.binds is not None:
            bind = self.binds.get(original)
            if bind is None:
                raise ProgrammingError("text() has no bound parameter named %r" % (original,))
            return bind
        if isinstance(original, int):
            original = "_pos_%d" % original
        self.names.add(original)
        return sa.bindparam(original, required=False)

    def literal(self, value: Any, type_: Any = None) -> Any:
        self.literals += 1
        return sa.bindparam("_lit_%d" % self.literals, value, type_=type_, unique=self.unique_literals)


def literal_value(node: exp.Literal, type_: Any = None) -> Any:
    """The Python value of a SQL literal, converted for ``type_`` if given."""
    text = node.this
    if node.is_string:
        value: Any = text
    elif _INT.match(text):
        value = int(text)
    elif "e" in text.lower():
        value = float(text)
    else:
        value = decimal.Decimal(text)
    if not _takes_hint(value, type_):
        return value
    return _convert(value, type_)


def _takes_hint(value: Any, type_: Any) -> bool:
    """Whether a literal is read as the type of what it meets: not when
    that type is unknown, nor a number written with a point or exponent
    meeting an integer (``n = 2.5`` compares with 2.5, ``n * 1.5`` and
    ``n / 2.0`` do not truncate)."""
    if type_ is None or isinstance(type_, (sqltypes.NullType, DynamicDivision)):
        return False
    impl = getattr(type_, "impl_instance", type_)
    if isinstance(impl, sqltypes.Integer):
        return not isinstance(value, (float, decimal.Decimal))  # 2.0 is not an integer either: n / 2.0
    return True


def _convert(value: Any, type_: Any) -> Any:
    from ..engine.expr import cast_function

    impl = getattr(type_, "impl_instance", type_)
    if isinstance(impl, (sqltypes.String, sqltypes.JSON, sqltypes.Enum)):
        return value
    if isinstance(impl, sqltypes.Boolean) and isinstance(value, str):
        return value  # 't'/'f' spellings differ; leave to the comparison
    try:
        return cast_function(impl)(value)
    except Exception:  # noqa: BLE001 - keep the value as written
        return value


_COMPARE: Dict[Any, Callable[[Any, Any], Any]] = {
    exp.EQ: operators.eq,
    exp.NEQ: operators.ne,
    exp.GT: operators.gt,
    exp.GTE: operators.ge,
    exp.LT: operators.lt,
    exp.LTE: operators.le,
    exp.NullSafeEQ: lambda a, b: a.is_not_distinct_from(b),
    exp.NullSafeNEQ: lambda a, b: a.is_distinct_from(b),
}

_ARITH: Dict[Any, Callable[[Any, Any], Any]] = {
    exp.Add: operators.add,
    exp.Sub: operators.sub,
    exp.Mul: operators.mul,
    exp.Mod: operators.mod,
    exp.DPipe: lambda a, b: a.concat(b),
    exp.BitwiseAnd: lambda a, b: a.bitwise_and(b),
    exp.BitwiseOr: lambda a, b: a.bitwise_or(b),
    exp.BitwiseXor: lambda a, b: a.bitwise_xor(b),
}

# sqlglot parses some functions into classes whose SQL name differs from the
# usual one; map those, others go by ``sql_name()``.
_FUNCTION_NAMES = {"CHAR_LENGTH": "length", "CURRENT_TIMESTAMP": "current_timestamp"}


class ExprBuilder:
    """Translates expressions of one statement; ``subquery`` builds nested
    SELECTs (set by the statement translator)."""

    def __init__(self, params: Params, subquery: Optional[Callable[[exp.Expression, Names], Any]] = None) -> None:
        self.params = params
        self.subquery = subquery

    def __call__(self, node: exp.Expression, names: Names, type_hint: Any = None) -> Any:
        return self.build(node, names, type_hint)

    def build(self, node: exp.Expression, names: Names, type_hint: Any = None) -> Any:
        kind = type(node)
        if kind is exp.Column:
            if isinstance(node.this, exp.Star):
                raise unsupported(node, "table.* outside a select list")
            return names.column(node)
        if kind is exp.Literal:
            return self.params.literal(literal_value(node, type_hint), _literal_type(node, type_hint))
        if kind is exp.Placeholder:
            return self.params.bind(node)
        if kind is exp.Null:
            return sa.null()
        if kind is exp.Boolean:
            return sa.true() if node.this else sa.false()
        if kind is exp.Paren:
            return self.build(node.this, names, type_hint).self_group()
        if kind in _COMPARE:
            left, right = self.pair(node, names)
            return _COMPARE[kind](left, right)
        if kind in _ARITH:
            left, right = self.pair(node, names, type_hint)
            return _ARITH[kind](left, right)
        if kind is exp.Div:
            left, right = self.pair(node, names, type_hint)
            a, b = _integer_valued(left), _integer_valued(right)
            if a and b:
                return operators.floordiv(left, right)  # SQL: integer / integer truncates
            if a is False or b is False:
                return operators.truediv(left, right)
            # an operand of unknown type (NULLIF, CASE mixing integers and
            # floats...): divide as SQLite does, value by value -- the
            # engine truncates when both values are integers
            return BinaryExpression(left, right, operators.truediv, type_=DynamicDivision())
        if kind is exp.IntDiv:
            left, right = self.pair(node, names)
            return operators.floordiv(left, right)
        if kind is exp.And:
            return sa.and_(self.build(node.this, names), self.build(node.expression, names))
        if kind is exp.Or:
            return sa.or_(self.build(node.this, names), self.build(node.expression, names))
        if kind is exp.Not:
            return sa.not_(self.build(node.this, names))
        if kind is exp.Neg:
            return -self.build(node.this, names, type_hint)
        if kind is exp.Is:
            return self.is_(node, names)
        if kind in (exp.Like, exp.ILike):
            return self.like(node, names, None)
        if kind is exp.Escape:
            escape = node.expression
            if not isinstance(escape, exp.Literal) or not isinstance(node.this, (exp.Like, exp.ILike)):
                raise unsupported(node, "ESCAPE")
            return self.like(node.this, names, escape.this)
        if kind is exp.In:
            return self.in_(node, names)
        if kind is exp.Between:
            value = self.build(node.this, names)
            low = self.build(node.args["low"], names, value.type)
            high = self.build(node.args["high"], names, value.type)
            return value.between(low, high)
        if kind in (exp.Cast, exp.TryCast):
            return sa.cast(self.build(node.this, names), to_type(node.args["to"]))
        if kind is exp.Case:
            return self.case(node, names)
        if kind is exp.Tuple:
            return sa.tuple_(*[self.build(e, names) for e in node.expressions])
        if kind is exp.Exists:
            return sa.exists(self.select(node.this, names))
        if kind is exp.Subquery or kind is exp.Select:
            return self.select(node, names).scalar_subquery()
        if kind is exp.Distinct:
            if len(node.expressions) != 1:
                raise unsupported(node, "DISTINCT")
            return sa.distinct(self.build(node.expressions[0], names))
        if isinstance(node, exp.Func):
            return self.function(node, names)
        raise unsupported(node)

    # -- pieces ---------------------------------------------------------------
    def pair(self, node: exp.Expression, names: Names, type_hint: Any = None) -> Any:
        """Both operands; a literal takes the type of the other side (and
        two constants the type the whole is read as, if given)."""
        a, b = node.this, node.expression
        if isinstance(a, exp.Literal) and not isinstance(b, exp.Literal):
            right = self.build(b, names)
            return self.build(a, names, right.type), right
        if type_hint is not None and _constant(a) and _constant(b):
            # ``4 + 14.5`` read as FLOAT: the decimal literal is a float
            left = self.build(a, names, type_hint if _decimal_literal(a) else None)
            return left, self.build(b, names, type_hint if _decimal_literal(b) else left.type)
        left = self.build(a, names)
        return left, self.build(b, names, left.type)

    def alike(self, nodes: Any, names: Names) -> List[Any]:
        """Values that make one value (CASE results, COALESCE arguments):
        constants among them take the type of the first other one, so
        ``coalesce(f, 1.5)`` reads 1.5 as a float for a FLOAT ``f``; integers
        stay integers, as each value keeps its type in SQLite
        (``nullif(9007199254740993, f)``; in constant arithmetic: see
        ``pair``)."""
        built: Dict[int, Any] = {}
        hint = None
        for i, n in enumerate(nodes):
            if not _constant(n):
                built[i] = self.build(n, names)
                if hint is None and not isinstance(built[i].type, (sqltypes.NullType, DynamicDivision)):
                    hint = built[i].type
        return [
            built[i] if i in built else self.build(n, names, None if _integer_literal(n) else hint)
            for i, n in enumerate(nodes)
        ]

    def select(self, node: exp.Expression, names: Names) -> Any:
        if self.subquery is None:
            raise unsupported(node, "subquery")
        return self.subquery(node, names)

    def is_(self, node: exp.Is, names: Names) -> Any:
        left = self.build(node.this, names)
        right = node.expression
        if isinstance(right, exp.Null):
            return left.is_(None)
        if isinstance(right, exp.Boolean):
            return left.is_(sa.true() if right.this else sa.false())
        # ``a IS b`` with any other operand: SQLite's null-safe equality
        # (``a IS NOT b`` arrives as NOT (a IS b))
        return left.is_not_distinct_from(self.build(right, names, left.type))

    def like(self, node: exp.Expression, names: Names, escape: Optional[str]) -> Any:
        left = self.build(node.this, names)
        pattern = self.build(node.expression, names)
        negate = bool(node.args.get("negate"))
        if isinstance(node, exp.ILike):
            return left.not_ilike(pattern, escape=escape) if negate else left.ilike(pattern, escape=escape)
        return left.not_like(pattern, escape=escape) if negate else left.like(pattern, escape=escape)

    def in_(self, node: exp.In, names: Names) -> Any:
        left = self.build(node.this, names)
        query = node.args.get("query")
        if query is not None:
            target = query.this if isinstance(query, exp.Subquery) else query
            return left.in_(self.select(target, names))
        if node.args.get("unnest") or node.args.get("field"):
            raise unsupported(node, "IN")
        expressions = node.expressions
        if len(expressions) == 1 and isinstance(expressions[0], exp.Values):
            expressions = expressions[0].expressions  # x IN (VALUES (1), (2))
        items = [self.build(e, names, left.type) for e in expressions]
        return left.in_(items)

    def case(self, node: exp.Case, names: Names) -> Any:
        operand = node.this
        ifs = node.args.get("ifs") or []
        default = node.args.get("default")
        results = self.alike([w.args["true"] for w in ifs] + ([default] if default is not None else []), names)
        whens = [(self.build(w.this, names), r) for w, r in zip(ifs, results)]
        else_ = results[-1] if default is not None else None
        if operand is not None:
            return sa.case(*whens, value=self.build(operand, names), else_=else_)
        return sa.case(*whens, else_=else_)

    def function(self, node: exp.Func, names: Names) -> Any:
        if isinstance(node, exp.Count):
            arg = node.this
            if arg is None or isinstance(arg, exp.Star):
                return sa.func.count()
            return sa.func.count(self.build(arg, names))
        if isinstance(node, (exp.Anonymous, exp.Coalesce, exp.Nullif)):  # IFNULL and NVL are COALESCE
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name().lower()
            values = list(node.expressions) if isinstance(node, exp.Anonymous) else [node.this] + list(
                node.args.get("expressions") or ([node.expression] if node.args.get("expression") is not None else []))
            args = self.alike(values, names) if name.lower() in _ARGUMENT_TYPED else [self.build(a, names) for a in values]
        else:
            name = _FUNCTION_NAMES.get(node.sql_name(), node.sql_name().lower())
            args = []
            for key in node.arg_types:
                value = node.args.get(key)
                if isinstance(value, list):
                    args.extend(self.build(v, names) for v in value)
                elif isinstance(value, exp.Expression):
                    args.append(self.build(value, names))
                elif value not in (None, False):
                    raise unsupported(node, "function %s with option %s" % (name, key))
        return getattr(sa.func, name)(*args)


def _decimal_literal(node: exp.Expression) -> bool:
    """``1.5``, ``-2.0``, ``(1e3)``: a number written with a point or exponent."""
    while isinstance(node, (exp.Paren, exp.Neg)):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string and not _INT.match(node.this)


def _integer_literal(node: exp.Expression) -> bool:
    """``3``, ``-3``, ``(3)``: an integer written as such."""
    while isinstance(node, (exp.Paren, exp.Neg)):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string and bool(_INT.match(node.this))


def _constant(node: exp.Expression) -> bool:
    """Whether ``node`` holds no column, placeholder or subquery."""
    return not any(isinstance(n, (exp.Column, exp.Placeholder, exp.Select)) for n in node.walk())


class DynamicDivision(sqltypes.Integer):
    """The type of ``a / b`` when the operands' types are not known: the
    engine divides an ``Integer``-typed ``/`` value by value (integers
    truncate, other numbers do not).  Not a real integer type otherwise: a
    literal compared with it is left as written."""

    cache_ok = True


# functions whose value is an integer, and those whose value has the type
# of their (non-NULL) arguments
_INTEGER_FUNCTIONS = {"length", "char_length", "character_length", "count", "instr", "octet_length"}
_ARGUMENT_TYPED = {"abs", "coalesce", "ifnull", "nullif", "min", "max", "sum", "total"}


def _integer_valued(element: Any) -> Optional[bool]:
    """Whether ``element``'s values are integers: True, False (other
    numbers or values), or None when that depends on the values (unknown
    types, CASE / COALESCE mixing integers with floats)."""
    visit = getattr(element, "__visit_name__", None)
    if visit in ("grouping", "label", "unary") and isinstance(element.element, ColumnElement):
        return _integer_valued(element.element)  # not a scalar subquery's SELECT
    if visit == "null":
        return True  # NULL divides as anything
    if isinstance(element, FunctionElement):
        name = (getattr(element, "name", "") or "").lower()
        if name in _INTEGER_FUNCTIONS:
            return True
        if name in _ARGUMENT_TYPED:
            args = list(element.clauses)
            return _combined([_integer_valued(a) for a in (args[:1] if name == "nullif" else args)])
        return None
    if visit == "case":
        return _combined([_integer_valued(r) for _, r in element.whens] + (
            [_integer_valued(element.else_)] if element.else_ is not None else []))
    if visit == "binary" and element.operator in (operators.add, operators.sub, operators.mul):
        parts = [_integer_valued(element.left), _integer_valued(element.right)]
        return False if False in parts else _combined(parts)
    type_ = element.type
    if isinstance(type_, DynamicDivision) or isinstance(type_, sqltypes.NullType):
        return None
    return isinstance(type_, sqltypes.Integer)


def _combined(parts: Any) -> Optional[bool]:
    if all(p is True for p in parts):
        return True
    if all(p is False for p in parts):
        return False
    return None


def _literal_type(node: exp.Literal, hint: Any) -> Any:
    """The bind's type: the column's own storage type (a TypeDecorator's
    ``impl``: a SQL literal is already a database value)."""
    if hint is not None and not node.is_string and not _INT.match(node.this):
        if not _takes_hint(literal_value(node), hint):
            hint = None
    if hint is not None and not isinstance(hint, (sqltypes.NullType, DynamicDivision)):
        return getattr(hint, "impl_instance", hint)
    if node.is_string:
        return sqltypes.String()
    if _INT.match(node.this):
        return sqltypes.Integer()
    if "e" in node.this.lower():
        return sqltypes.Float()
    return sqltypes.Numeric()
