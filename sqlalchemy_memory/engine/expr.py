"""Turn SQLAlchemy expression trees into Python closures, once per statement.

``compile_expr(element, scope)`` returns ``fn(row, params)``: the tree is
walked here, at plan time, never per row.  ``row`` is the tuple a plan step
produces and ``params`` the execution's bind values.  NULL handling comes
from ``nulls.py``; anything not understood raises ``NotSupportedError``
naming the construct, never a silent wrong answer.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import operator as op
import re
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from sqlalchemy.dialects.postgresql.operators import CONTAINED_BY as PG_CONTAINED_BY, CONTAINS as PG_CONTAINS, OVERLAP as PG_OVERLAP
from sqlalchemy.dialects.postgresql.json import ASTEXT as PG_ASTEXT, JSONPATH_ASTEXT as PG_JSONPATH_ASTEXT
from sqlalchemy import types as sqltypes
from sqlalchemy.sql import operators as ops, visitors
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
from sqlalchemy.sql.sqltypes import _AbstractInterval

from . import custom, nulls
from .functions import _MISSING as _JSON_MISSING, build_function, extract_function, json_document, json_scalar_text, json_step, json_walk, to_date, to_datetime, to_time, modulo as _modulo, promoting as _promoting, text as _text
from .types import converter, storage_type
from .errors import DataError, NotSupportedError, OperationalError, ProgrammingError
from .scope import RUNTIME_KEY, PlanContext, Scope, _describe, runtime_of  # noqa: F401 - re-exported

Fn = Callable[[Any, Any], Any]


def unsupported(element: Any, what: str = "") -> NotSupportedError:
    return NotSupportedError(
        "the memory dialect cannot evaluate %s%s: %s"
        % (type(element).__name__, " (%s)" % what if what else "", _short(element))
    )


def _short(element: Any) -> str:
    try:
        text = str(element)
    except Exception:  # noqa: BLE001 - only for the message
        text = repr(element)
    return text if len(text) < 200 else text[:200] + "..."


# -- entry point ---------------------------------------------------------------


def compile_expr(element: Any, scope: Scope) -> Fn:
    if not isinstance(element, ClauseElement):
        value = element
        return lambda row, params: value
    agg = scope.aggregates.get(id(element))
    if agg is not None:
        return _item(agg)
    if scope.by_id and element.__visit_name__ == "label":
        found = scope.by_id.get(id(element))  # a compound select's output column
        if found is not None:
            return _item(found)
    if runs_as_sql(element, scope):
        return compile_expr(custom.translated(element, scope), scope)
    visit = _VISITORS.get(element.__visit_name__)
    if visit is None:
        raise unsupported(element)
    return visit(element, scope)


def runs_as_sql(element: Any, scope: Scope) -> bool:
    """Whether ``element`` is evaluated as the SQL the dialect compiles it
    to (``custom.py``): a class with a user ``@compiles`` rendering, or a
    construct from outside SQLAlchemy with no visitor here."""
    if custom.is_custom(element, scope):
        return True
    return element.__visit_name__ not in _VISITORS and custom.foreign_construct(element)


def _item(i: int) -> Fn:
    def item(row: Any, params: Any) -> Any:
        return row[i]

    item.position = i  # type: ignore[attr-defined]  # lets sorts use itemgetter
    return item


def _const(value: Any) -> Fn:
    return lambda row, params: value


def _visit_textclause(el: Any, scope: Scope) -> Fn:
    """A ``text()`` fragment inside a Core statement: parsed as SQL, its
    ``:name`` binds read from the execution's parameters."""
    from ..sqltext import text_fragment  # the SQL-text path imports the engine

    return compile_expr(text_fragment(el, scope), scope)


def _visit_column(el: Any, scope: Scope) -> Fn:
    if getattr(el, "table", None) is None and el.name in scope.labels:
        return compile_expr(scope.labels[el.name], scope)
    pos = scope.find(el)
    if pos is not None:
        return _item(pos)
    if getattr(el, "is_literal", False):
        try:
            value = literal_token(el.name, el.type)
        except NotSupportedError:  # SQL, not a single literal: parse it
            from ..sqltext import expression  # the SQL-text path imports the engine

            return compile_expr(expression(el.name, scope, el.type), scope)
        return lambda row, params: value
    if getattr(el, "table", None) is None:  # column("x"): SQL resolves the name in the FROM
        pos = scope.named(el.name)
        if pos is not None:
            return _item(pos)
    outer = scope.outer(el)
    if outer is not None:
        key, i = outer
        return lambda row, params: params[key][i]
    return _item(scope.position(el))  # raises, naming the column


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def literal_token(text: str, type_: Any) -> Any:
    """The value of ``literal_column("...")`` when its text is one SQL literal
    token (number, quoted string, NULL, TRUE/FALSE); anything else is SQL the
    engine cannot run."""
    token = text.strip()
    upper = token.upper()
    if upper == "NULL":
        return None
    if upper in ("TRUE", "FALSE"):
        return upper == "TRUE"
    if len(token) >= 2 and token[0] == token[-1] == "'":
        return token[1:-1].replace("''", "'")
    if _NUMBER.match(token):
        if isinstance(type_, sqltypes.Float):
            return float(token)
        if isinstance(type_, sqltypes.Numeric) or not token.lstrip("+-").isdigit():
            value = decimal.Decimal(token)
            return float(value) if isinstance(type_, sqltypes.Numeric) and not type_.asdecimal else value
        return int(token)
    raise NotSupportedError("the memory dialect cannot evaluate SQL text: literal_column(%r)" % text)


def _visit_bindparam(el: Any, scope: Scope) -> Fn:
    """A bound value, converted as a column of its type would store it (a
    float bound as NUMERIC compares as a decimal, a datetime bound as DATE
    as a date), as the database would on receiving it."""
    name = scope.bind_name(el)
    convert = None if getattr(el, "expanding", False) else converter(el.type)
    if name is None:
        value = el.effective_value
        if convert is not None and value is not None:
            value = convert(value)
        return lambda row, params: value
    if convert is not None:
        return lambda row, params: None if (v := params[name]) is None else convert(v)
    return lambda row, params: params[name]


def _visit_grouping(el: Any, scope: Scope) -> Fn:
    inner = el.element
    if getattr(inner, "_is_select_base", False) or getattr(inner, "__visit_name__", "") in _SELECTS:
        from .subquery import scalar_subquery

        return scalar_subquery(inner, scope)
    return compile_expr(inner, scope)


_SELECTS = frozenset(("select", "compound_select", "select_statement_grouping"))


def _visit_label(el: Any, scope: Scope) -> Fn:
    return compile_expr(el.element, scope)


def _visit_label_reference(el: Any, scope: Scope) -> Fn:
    return compile_expr(el.element, scope)


def _visit_textual_label_reference(el: Any, scope: Scope) -> Fn:
    """``order_by("name")`` / ``group_by("name")``: a label of the select
    list, else a column of its FROM clauses, as SQLAlchemy's compiler
    resolves it (``_label_resolve_dict``: by key, the last FROM winning)."""
    name = el.element
    target = scope.labels.get(name)
    if target is None:
        target = _from_column_named(name, scope)
    if target is not None:
        return compile_expr(target, scope)
    pos = scope.named(name)  # a FROM entry that lists no columns: table("t")
    if pos is None:
        raise unsupported(el, "ORDER BY / GROUP BY name not in the select list")
    return _item(pos)


def _from_column_named(name: str, scope: Scope) -> Any:
    columns = [c for from_, _ in scope.sources for part in _from_parts(from_) for c in getattr(part, "c", ())]
    for attr in ("key", "_tq_label", "name"):
        hits = [c for c in columns if getattr(c, attr, None) == name]
        if hits:
            return hits[-1]
    return None


def _from_parts(from_: Any) -> List[Any]:
    """A join's tables (its own ``.c`` keys are ``table_column``)."""
    if getattr(from_, "__visit_name__", None) == "join":
        return _from_parts(from_.left) + _from_parts(from_.right)
    return [from_]


def _visit_override_binds(el: Any, scope: Scope) -> Fn:
    """A cached criteria element with new bind values (``_OverrideBinds``,
    ORM loader options): SQLAlchemy's compiler renders ``.element`` and
    swaps the values into the statement's binds by key, so the execution's
    params carry them; without a compiled statement the values are taken
    from ``translate`` here."""
    if scope.compiled is not None:
        return compile_expr(el.element, scope)
    translate = el.translate

    def replace(element: Any, **kw: Any) -> Any:
        if getattr(element, "__visit_name__", None) == "bindparam" and element.key in translate:
            return element._with_value(translate[element.key], maintain_key=True, required=False)
        return None

    wrapped: ColumnElement[Any] = el.element
    return compile_expr(visitors.replacement_traverse(wrapped, {}, replace), scope)


def _visit_lambda_element(el: Any, scope: Scope) -> Fn:
    """A lambda inside a statement: the element it resolved to, whose
    bind parameters the compiled statement holds."""
    return compile_expr(el._resolved, scope)


def _visit_null(el: Any, scope: Scope) -> Fn:
    return _const(None)


def _visit_true(el: Any, scope: Scope) -> Fn:
    return _const(True)


def _visit_false(el: Any, scope: Scope) -> Fn:
    return _const(False)


def _visit_type_coerce(el: Any, scope: Scope) -> Fn:
    return compile_expr(el.typed_expression, scope)


def _visit_tuple(el: Any, scope: Scope) -> Fn:
    parts = [compile_expr(c, scope) for c in el.clauses]
    return lambda row, params: tuple([f(row, params) for f in parts])


def _visit_clauselist(el: Any, scope: Scope) -> Fn:
    if el.operator is ops.and_:
        return nulls.sql_and([compile_expr(c, scope) for c in el.clauses])
    if el.operator is ops.or_:
        return nulls.sql_or([compile_expr(c, scope) for c in el.clauses])
    if el.operator is ops.comma_op and len(el.clauses) == 1:
        return compile_expr(el.clauses[0], scope)
    parts = [compile_expr(c, scope) for c in el.clauses]
    arith = _ARITHMETIC.get(el.operator)
    if arith is not None:  # ``a + b + c`` flattened by SQLAlchemy
        fn = parts[0]
        for part in parts[1:]:
            fn = nulls.strict(arith, fn, part)
        return fn
    return lambda row, params: tuple([f(row, params) for f in parts])


def _visit_unary(el: Any, scope: Scope) -> Fn:
    operator = el.operator
    modifier = el.modifier
    if operator is ops.inv or operator is ops.isfalse:
        return nulls.sql_not(compile_expr(el.element, scope))
    if operator is ops.istrue:
        inner = compile_expr(el.element, scope)
        return lambda row, params: (None if (v := inner(row, params)) is None else bool(v))
    if operator is ops.bitwise_not_op:
        return nulls.strict_unary(op.invert, compile_expr(el.element, scope))
    if operator is ops.neg:
        return nulls.strict_unary(op.neg, compile_expr(el.element, scope))
    if operator is ops.exists:
        from .subquery import exists

        return exists(el.element, scope)
    if operator is ops.distinct_op:
        raise unsupported(el, "DISTINCT inside an expression")
    if operator is None and modifier in (
        ops.desc_op,
        ops.asc_op,
        ops.nulls_first_op,
        ops.nulls_last_op,
    ):
        return compile_expr(el.element, scope)
    raise unsupported(el, str(operator or modifier))


# -- binary operators ----------------------------------------------------------------


def _operand(el: Any, scope: Scope) -> Tuple[str, Any]:
    """Classify an operand so hot comparisons can skip a call level."""
    el = _strip(el)
    if scope.aggregates.get(id(el)) is not None:
        return ("col", scope.aggregates[id(el)])
    name = el.__visit_name__
    if name == "column" and not (getattr(el, "table", None) is None and el.name in scope.labels):
        pos = scope.find(el)
        if pos is not None:
            return ("col", pos)
        return ("fn", compile_expr(el, scope))
    if name == "bindparam" and not getattr(el, "expanding", False) and converter(el.type) is None:
        bind = scope.bind_name(el)
        if bind is not None:
            return ("bind", bind)
    return ("fn", compile_expr(el, scope))


def _strip(el: Any) -> Any:
    """Unwrap groupings, labels and type_coerce (a scalar subquery's
    grouping stays: it is the subquery)."""
    while True:
        name = el.__visit_name__
        if name == "label":
            el = el.element
        elif name == "type_coerce":
            el = el.typed_expression
        elif name == "grouping" and el.element.__visit_name__ not in _SELECTS:
            el = el.element
        else:
            return el


def _comparison(compare: Callable[[Any, Any], Any], left: Any, right: Any, scope: Scope) -> Fn:
    lk, lv = _operand(left, scope)
    rk, rv = _operand(right, scope)
    if lk == "col" and rk == "bind":
        i, name = lv, rv

        def col_bind(row: Any, params: Any) -> Any:
            a = row[i]
            if a is None:
                return None
            b = params[name]
            if b is None:
                return None
            return compare(a, b)

        return col_bind
    if lk == "col" and rk == "col":
        i, j = lv, rv

        def col_col(row: Any, params: Any) -> Any:
            a = row[i]
            b = row[j]
            if a is None or b is None:
                return None
            return compare(a, b)

        return col_col
    return nulls.strict(_guard(compare), _as_fn(lk, lv), _as_fn(rk, rv))


def _as_fn(kind: str, value: Any) -> Fn:
    if kind == "col":
        return _item(value)
    if kind == "bind":
        return lambda row, params: params[value]
    return value


def _guard(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return compare


def _division(a: Any, b: Any) -> Any:
    if b == 0:
        raise DataError("division by zero")
    if isinstance(a, int) and isinstance(b, int):
        q = abs(a) // abs(b)  # SQL integer division truncates toward zero
        return q if (a >= 0) == (b >= 0) else -q
    if isinstance(a, decimal.Decimal) or isinstance(b, decimal.Decimal):
        return decimal.Decimal(a) / decimal.Decimal(b)
    return a / b


_DIVISION = decimal.Context(prec=40)  # NUMERIC(38) operands divide without rounding away digits


def _wide_context(d: decimal.Decimal, scale: int) -> decimal.Context:
    """A context precise enough to quantize ``d`` to ``scale`` digits."""
    return decimal.Context(prec=max(28, d.adjusted() + scale + 2))


def _true_division(a: Any, b: Any) -> Any:
    """``/``: true division; integers divide exactly, as NUMERIC (the type
    SQLAlchemy gives ``Integer / Integer``)."""
    if b == 0:
        raise DataError("division by zero")
    if isinstance(a, float) or isinstance(b, float):
        return a / b
    return _DIVISION.divide(decimal.Decimal(a), decimal.Decimal(b))


def _floor_division(a: Any, b: Any) -> Any:
    """``//``: integers truncate (SQL integer division), others floor."""
    if b == 0:
        raise DataError("division by zero")
    if isinstance(a, int) and isinstance(b, int):
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    if isinstance(a, decimal.Decimal) or isinstance(b, decimal.Decimal):
        return (decimal.Decimal(a) / decimal.Decimal(b)).to_integral_value(decimal.ROUND_FLOOR)
    return float(a // b)


def _concat(a: Any, b: Any) -> Any:
    if isinstance(a, (bytes, bytearray)) and isinstance(b, (bytes, bytearray)):
        return a + b
    return _text(a) + _text(b)


@functools.lru_cache(maxsize=512)
def like_regex(pattern: str, escape: Optional[str], ignore_case: bool) -> "re.Pattern[str]":
    """Translate a LIKE pattern (``%``, ``_``, optional escape) to a regex."""
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if escape is not None and ch == escape and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
        i += 1
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(out) + r"\Z", flags)


def _like(el: Any, scope: Scope, ignore_case: bool, negate: bool) -> Fn:
    escape = el.modifiers.get("escape")
    left = compile_expr(el.left, scope)
    right = compile_expr(el.right, scope)

    def like(a: Any, b: Any) -> bool:
        return (like_regex(b, escape, ignore_case).match(_text(a)) is not None) != negate

    return nulls.strict(like, left, right)


def _affix(kind: str, negate: bool) -> Callable[[Any, Scope], Fn]:
    """startswith / endswith / contains: LIKE with ``%`` added around the
    operand, as SQLAlchemy renders them (``autoescape`` already escaped the
    bind value and set ``escape``)."""

    def build(el: Any, scope: Scope) -> Fn:
        escape = el.modifiers.get("escape")
        left = compile_expr(el.left, scope)
        right = compile_expr(el.right, scope)
        ignore_case = el.operator in _CASE_INSENSITIVE
        special = "%_" + (escape or "")
        start = kind == "start"
        end = kind == "end"

        def affix(a: Any, b: Any) -> bool:
            needle = _text(b)
            hay = _text(a)
            if any(ch in needle for ch in special):
                pattern = needle + "%" if start else ("%" + needle if end else "%" + needle + "%")
                return (like_regex(pattern, escape, ignore_case).match(hay) is not None) != negate
            if ignore_case:
                hay, needle = hay.lower(), needle.lower()
            if start:
                hit = hay.startswith(needle)
            elif end:
                hit = hay.endswith(needle)
            else:
                hit = needle in hay
            return hit != negate

        return nulls.strict(affix, left, right)

    return build


_CASE_INSENSITIVE = frozenset(
    (
        ops.istartswith_op,
        ops.iendswith_op,
        ops.icontains_op,
        ops.not_istartswith_op,
        ops.not_iendswith_op,
        ops.not_icontains_op,
    )
)


@functools.lru_cache(maxsize=256)
def _regex(pattern: str, flags: Optional[str]) -> "re.Pattern[str]":
    value = 0
    for f in flags or "":
        value |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(f, 0)
    try:
        return re.compile(pattern, value)
    except re.error as err:
        raise DataError("invalid regular expression %r: %s" % (pattern, err)) from err


def _regexp_match(el: Any, scope: Scope, negate: bool) -> Fn:
    """``~`` / REGEXP: a search anywhere in the string, as PostgreSQL does."""
    flags = el.modifiers.get("flags")
    left = compile_expr(el.left, scope)
    right = compile_expr(el.right, scope)

    def match(a: Any, b: Any) -> bool:
        return (_regex(_text(b), flags).search(_text(a)) is not None) != negate

    return nulls.strict(match, left, right)


def _regexp_replace(el: Any, scope: Scope) -> Fn:
    """regexp_replace: the first match only unless the flags hold ``g``."""
    flags = el.modifiers.get("flags") or ""
    count = 0 if "g" in flags else 1
    flags = flags.replace("g", "")
    left = compile_expr(el.left, scope)
    pattern_el, replacement_el = el.right.clauses
    pattern = compile_expr(pattern_el, scope)
    replacement = compile_expr(replacement_el, scope)

    def replace(row: Any, params: Any) -> Any:
        a = left(row, params)
        p = pattern(row, params)
        r = replacement(row, params)
        if a is None or p is None or r is None:
            return None
        template = re.sub(r"\\(?!\d)", r"\\\\", _text(r))  # only \1..\9 are special
        return _regex(_text(p), flags).sub(template, _text(a), count=count)

    return replace


def _in(el: Any, scope: Scope, negate: bool) -> Fn:
    left = compile_expr(el.left, scope)
    right_el = _strip(el.right)
    if right_el.__visit_name__ == "grouping":  # a subquery
        from .subquery import in_subquery

        return in_subquery(left, right_el.element, scope, negate)
    if right_el.__visit_name__ == "bindparam" and right_el.expanding:
        name = scope.bind_name(right_el)
        if name is None:
            values_const = list(right_el.effective_value or ())
            get_values: Fn = lambda row, params: values_const
        else:
            get_values = lambda row, params: params[name]
    elif right_el.__visit_name__ in ("grouping", "clauselist", "tuple"):
        items = [compile_expr(c, scope) for c in getattr(right_el, "clauses", [right_el])]
        get_values = lambda row, params: [f(row, params) for f in items]
    else:
        from .subquery import in_subquery

        return in_subquery(left, right_el, scope, negate)

    if right_el.__visit_name__ == "bindparam":
        return _in_set(left, get_values, scope.ctx.private_key("in"), negate)

    def in_(row: Any, params: Any) -> Optional[bool]:
        v = left(row, params)
        found = nulls.in_values(v, get_values(row, params))
        if found is None:
            return None
        return found != negate

    return in_


def _in_set(left: Fn, get_values: Fn, key: str, negate: bool) -> Fn:
    """IN over a bound list: a set built once per execution (kept in
    ``params[key]``), so each row costs one hash probe."""

    def in_(row: Any, params: Any) -> Optional[bool]:
        v = left(row, params)
        probe = params.get(key)
        if probe is None:
            probe = params[key] = nulls.InProbe(get_values(row, params))
        found = probe.test(v)
        if found is None:
            return None
        return found != negate

    return in_


def _between(el: Any, scope: Scope, negate: bool) -> Fn:
    value = compile_expr(el.left, scope)
    lower_el, upper_el = el.right.clauses
    lower = compile_expr(lower_el, scope)
    upper = compile_expr(upper_el, scope)
    symmetric = el.modifiers.get("symmetric", False)

    def between(row: Any, params: Any) -> Optional[bool]:
        v = value(row, params)
        lo = lower(row, params)
        hi = upper(row, params)
        if symmetric and lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        ge = None if v is None or lo is None else v >= lo
        le = None if v is None or hi is None else v <= hi
        if ge is False or le is False:
            result: Optional[bool] = False
        elif ge is None or le is None:
            result = None
        else:
            result = True
        if result is None:
            return None
        return result != negate

    return between


def _is(el: Any, scope: Scope, negate: bool) -> Fn:
    return nulls.sql_is(compile_expr(el.left, scope), compile_expr(el.right, scope), negate)


_COMPARISONS: Dict[Any, Callable[[Any, Any], Any]] = {
    ops.eq: op.eq,
    ops.ne: op.ne,
    ops.lt: op.lt,
    ops.le: op.le,
    ops.gt: op.gt,
    ops.ge: op.ge,
}

_ARITHMETIC: Dict[Any, Callable[[Any, Any], Any]] = {
    ops.add: _promoting(op.add),
    ops.sub: _promoting(op.sub),
    ops.mul: _promoting(op.mul),
    ops.truediv: _true_division,
    ops.floordiv: _floor_division,
    ops.mod: _promoting(_modulo),
    ops.concat_op: _concat,
    ops.bitwise_and_op: op.and_,
    ops.bitwise_or_op: op.or_,
    ops.bitwise_xor_op: op.xor,
    ops.bitwise_lshift_op: op.lshift,
    ops.bitwise_rshift_op: op.rshift,
}

_SPECIAL: Dict[Any, Callable[[Any, Scope], Fn]] = {
    ops.like_op: lambda el, s: _like(el, s, False, False),
    ops.not_like_op: lambda el, s: _like(el, s, False, True),
    ops.ilike_op: lambda el, s: _like(el, s, True, False),
    ops.not_ilike_op: lambda el, s: _like(el, s, True, True),
    ops.in_op: lambda el, s: _in(el, s, False),
    ops.not_in_op: lambda el, s: _in(el, s, True),
    ops.regexp_match_op: lambda el, s: _regexp_match(el, s, False),
    ops.not_regexp_match_op: lambda el, s: _regexp_match(el, s, True),
    ops.regexp_replace_op: _regexp_replace,
    ops.between_op: lambda el, s: _between(el, s, False),
    ops.not_between_op: lambda el, s: _between(el, s, True),
    ops.is_: lambda el, s: _is(el, s, False),
    ops.is_not_distinct_from: lambda el, s: _is(el, s, False),
    ops.is_not: lambda el, s: _is(el, s, True),
    ops.is_distinct_from: lambda el, s: _is(el, s, True),
    ops.startswith_op: _affix("start", False),
    ops.not_startswith_op: _affix("start", True),
    ops.istartswith_op: _affix("start", False),
    ops.not_istartswith_op: _affix("start", True),
    ops.endswith_op: _affix("end", False),
    ops.not_endswith_op: _affix("end", True),
    ops.iendswith_op: _affix("end", False),
    ops.not_iendswith_op: _affix("end", True),
    ops.contains_op: _affix("contains", False),
    ops.not_contains_op: _affix("contains", True),
    ops.icontains_op: _affix("contains", False),
    ops.not_icontains_op: _affix("contains", True),
}


_JSON_OPS = (ops.json_getitem_op, ops.json_path_getitem_op)


def _json_access(el: Any, scope: Scope) -> Fn:
    """``doc[key]`` / ``doc[(k1, k2)]``, possibly nested and typed with
    ``as_string()``...: the steps of a chain are walked on one parse of the
    stored JSON text (``functions.json_step``)."""
    steps = []
    node = el
    while True:
        steps.append((node.operator in _PATH_OPS, compile_expr(node.right, scope)))
        left = _strip(node.left)
        if left.__visit_name__ == "binary" and left.operator in _JSON_OPS and isinstance(storage_type(left.type), sqltypes.JSON):
            node = left
            continue
        break
    steps.reverse()
    doc = compile_expr(left, scope)
    path = tuple(steps)
    target = storage_type(el.type)
    exact = isinstance(target, sqltypes.Numeric) and not isinstance(target, sqltypes.Float)
    finish: Callable[[Any], Any]
    if isinstance(target, sqltypes.JSON):
        dialect = getattr(scope.ctx.compiled, "dialect", None) if scope.ctx is not None else None
        finish = getattr(dialect, "_json_serializer", None) or json.dumps
    elif isinstance(target, sqltypes.String):
        finish = json_scalar_text
    else:
        convert = cast_function(target)

        def finish(v: Any) -> Any:
            if v is None:
                return None
            try:
                return convert(v)
            except (ValueError, TypeError, ArithmeticError, DataError) as err:
                raise DataError("cannot convert JSON element %r to %s" % (v, el.type)) from err

    json_null_is_null = not isinstance(target, sqltypes.JSON)

    def json_access(row: Any, params: Any) -> Any:
        v = doc(row, params)
        if v is None:
            return None
        v = json_document(v, exact)
        for is_path, key in path:
            k = key(row, params)
            if k is None:
                return None
            v = json_walk(v, k) if is_path else json_step(v, k)
            if v is _JSON_MISSING:
                return None
        if v is None and json_null_is_null:
            return None
        return finish(v)

    return json_access


_SPECIAL[ops.json_getitem_op] = _SPECIAL[ops.json_path_getitem_op] = _json_access
# PostgreSQL's JSONB ``doc[key].astext`` (->>) and ``doc[path].astext`` (#>>):
# the element as text, like ``as_string()``
_SPECIAL[PG_ASTEXT] = _SPECIAL[PG_JSONPATH_ASTEXT] = _json_access
_PATH_OPS = (ops.json_path_getitem_op, PG_JSONPATH_ASTEXT)


def _array_item(el: Any, scope: Scope) -> Fn:
    """``arr[i]`` and ``arr[i:j]`` on an ARRAY, 1-based with inclusive
    slices as in PostgreSQL; out of range gives NULL (an empty slice)."""
    array = compile_expr(el.left, scope)
    right = el.right
    if right.__visit_name__ == "slice":
        start, stop = compile_expr(right.start, scope), compile_expr(right.stop, scope)

        def array_slice(row: Any, params: Any) -> Any:
            a, lo, hi = array(row, params), start(row, params), stop(row, params)
            if a is None or lo is None or hi is None:
                return None
            return a[max(lo, 1) - 1 : max(hi, 0)]

        return array_slice
    index = compile_expr(right, scope)

    def array_item(row: Any, params: Any) -> Any:
        a, i = array(row, params), index(row, params)
        if a is None or i is None or not 1 <= i <= len(a):
            return None
        return a[i - 1]

    return array_item


_SPECIAL[ops.getitem] = _array_item


def _contains(a: Any, b: Any) -> bool:
    # PostgreSQL's array containment: duplicates ignored, NULL never matches
    return all(x is not None and x in a for x in b)


_ARRAY_SETS: Dict[Any, Callable[[Any, Any], bool]] = {
    PG_CONTAINS: _contains,
    PG_CONTAINED_BY: lambda a, b: _contains(b, a),
    PG_OVERLAP: lambda a, b: any(x is not None and x in b for x in a),
}


def _array_set_op(el: Any, scope: Scope) -> Fn:
    """ARRAY ``contains`` (@>), ``contained_by`` (<@) and ``overlap`` (&&)."""
    if not isinstance(storage_type(el.left.type), sqltypes.ARRAY):
        raise unsupported(el, "operator %s on %s" % (el.operator.opstring, el.left.type))
    test = _ARRAY_SETS[el.operator]
    left, right = compile_expr(el.left, scope), compile_expr(el.right, scope)

    def array_set_op(row: Any, params: Any) -> Any:
        a, b = left(row, params), right(row, params)
        if a is None or b is None:
            return None
        return test(a, b)

    return array_set_op


for _op in _ARRAY_SETS:
    _SPECIAL[_op] = _array_set_op


def _visit_binary(el: Any, scope: Scope) -> Fn:
    operator = el.operator
    compare = _COMPARISONS.get(operator)
    if compare is not None:
        right = _strip(el.right)
        if right.__visit_name__ == "unary" and right.operator in _QUANTIFIERS:
            return _quantified(compare, el.left, right, scope)
        left = _strip(el.left)
        if left.__visit_name__ == "tuple" or right.__visit_name__ == "tuple":
            return _row_comparison(operator, left, right, scope)
        return _comparison(compare, el.left, el.right, scope)
    arith = _ARITHMETIC.get(operator)
    if arith is not None:
        fn = arith
        if operator is ops.truediv and _is_integer(el.type):
            fn = _division
        elif operator in (ops.add, ops.sub) and _date_and_interval(el):
            fn = _date_arithmetic(fn)
        return nulls.strict(fn, compile_expr(el.left, scope), compile_expr(el.right, scope))
    special = _SPECIAL.get(operator)
    if special is not None:
        return special(el, scope)
    if operator is ops.and_:
        return nulls.sql_and([compile_expr(el.left, scope), compile_expr(el.right, scope)])
    if operator is ops.or_:
        return nulls.sql_or([compile_expr(el.left, scope), compile_expr(el.right, scope)])
    name = getattr(operator, "opstring", None) or getattr(operator, "__name__", operator)
    raise unsupported(el, "operator %s" % name)


def _is_date(type_: Any) -> bool:
    type_ = storage_type(type_)
    return isinstance(type_, sqltypes.Date) and not isinstance(type_, sqltypes.DateTime)


def _date_and_interval(el: Any) -> bool:
    """DATE +/- INTERVAL, which PostgreSQL computes as a timestamp (Python's
    ``date + timedelta`` would drop the time part)."""
    left, right = el.left.type, el.right.type
    return (_is_date(left) and isinstance(right, _AbstractInterval)) or (
        isinstance(left, _AbstractInterval) and _is_date(right)
    )


def _date_arithmetic(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def to_timestamp(v: Any) -> Any:
        if isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
            return datetime.datetime(v.year, v.month, v.day)
        return v

    return lambda a, b: fn(to_timestamp(a), to_timestamp(b))


_QUANTIFIERS = frozenset((ops.any_op, ops.all_op))


def _quantified(compare: Callable[[Any, Any], Any], left_el: Any, quantifier: Any, scope: Scope) -> Fn:
    """``x op ANY (...)`` / ``x op ALL (...)`` over a subquery or a list
    value: ANY is TRUE when one comparison is TRUE, ALL is FALSE when one is
    FALSE; otherwise a NULL comparison makes the answer NULL.  Over no
    values ANY is FALSE and ALL TRUE."""
    is_any = quantifier.operator is ops.any_op
    left = compile_expr(left_el, scope)
    inner = _strip(quantifier.element)
    if inner.__visit_name__ == "grouping" and inner.element.__visit_name__ in _SELECTS:
        inner = inner.element
    if inner.__visit_name__ == "scalar_select":
        inner = inner.element
    if inner.__visit_name__ in _SELECTS:
        from .subquery import _runner

        values = _runner(inner, scope, lambda rows: [r[0] for r in rows], "any" if is_any else "all")
    else:
        get = compile_expr(inner, scope)

        def values(row: Any, params: Any) -> Any:
            found = get(row, params)
            if found is not None and not isinstance(found, (list, tuple, set, frozenset)):
                raise DataError("ANY / ALL needs a subquery or a list, not %r" % (found,))
            return found

    def quantified(row: Any, params: Any) -> Optional[bool]:
        found = values(row, params)
        if found is None:
            return None
        if not found:
            return not is_any
        v = left(row, params)
        if v is None:
            return None
        unknown = False
        for x in found:
            if x is None:
                unknown = True
            elif bool(compare(v, x)) == is_any:
                return is_any
        return None if unknown else not is_any

    return quantified


def _row_comparison(operator: Any, left_el: Any, right_el: Any, scope: Scope) -> Fn:
    """Row values ``(a, b) op (x, y)``: pairs compared left to right; ``=``
    is NULL when no pair differs but one is NULL, and ``<`` ... decide on
    the first pair that is not equal (NULL when that pair holds a NULL), as
    SQLite and PostgreSQL do."""
    sides = []
    for side in (left_el, right_el):
        if side.__visit_name__ != "tuple":
            raise unsupported(side, "row comparison with something other than a tuple_()")
        sides.append([compile_expr(c, scope) for c in side.clauses])
    lefts, rights = sides
    if len(lefts) != len(rights):
        raise ProgrammingError("row values of %d and %d elements compared" % (len(lefts), len(rights)))
    pairs = tuple(zip(lefts, rights))
    compare = _COMPARISONS[operator]
    if operator is ops.eq or operator is ops.ne:
        negate = operator is ops.ne

        def row_eq(row: Any, params: Any) -> Optional[bool]:
            unknown = False
            for a, b in pairs:
                x = a(row, params)
                y = b(row, params)
                if x is None or y is None:
                    unknown = True
                elif x != y:
                    return negate
            return None if unknown else not negate

        return row_eq
    or_equal = operator is ops.le or operator is ops.ge

    def row_order(row: Any, params: Any) -> Optional[bool]:
        for a, b in pairs:
            x = a(row, params)
            y = b(row, params)
            if x is None or y is None:
                return None
            if x != y:
                return compare(x, y)
        return or_equal

    return row_order


def _visit_extract(el: Any, scope: Scope) -> Fn:
    return nulls.strict_unary(extract_function(el.field), compile_expr(el.expr, scope))


def _is_integer(type_: Any) -> bool:
    return isinstance(type_, sqltypes.Integer)


# -- CASE, CAST, functions -----------------------------------------------------


def _visit_case(el: Any, scope: Scope) -> Fn:
    whens = [(compile_expr(c, scope), compile_expr(r, scope)) for c, r in el.whens]
    else_ = compile_expr(el.else_, scope) if el.else_ is not None else _const(None)
    if el.value is not None:
        value = compile_expr(el.value, scope)

        def simple_case(row: Any, params: Any) -> Any:
            v = value(row, params)
            if v is not None:
                for cond, result in whens:
                    c = cond(row, params)
                    if c is not None and v == c:
                        return result(row, params)
            return else_(row, params)

        return simple_case

    def searched_case(row: Any, params: Any) -> Any:
        for cond, result in whens:
            if nulls.truth(cond(row, params)):
                return result(row, params)
        return else_(row, params)

    return searched_case


def cast_function(type_: Any) -> Callable[[Any], Any]:
    """A Python conversion for ``CAST(x AS type_)`` (NULL stays NULL).
    Input the target type cannot hold raises ``ValueError`` / ``TypeError``
    / ``DataError`` (``_visit_cast`` reports all as ``DataError``), as in
    PostgreSQL; SQLite would convert it to 0 or keep it as it is."""
    type_ = storage_type(type_)
    if isinstance(type_, sqltypes.Boolean):
        return _to_bool
    if isinstance(type_, sqltypes.Integer):
        return _to_int
    if isinstance(type_, sqltypes.Float):
        return _to_float
    if isinstance(type_, sqltypes.Numeric):
        scale = type_.scale

        def to_decimal(v: Any) -> Any:
            if isinstance(v, bool):
                v = int(v)
            elif not isinstance(v, (int, float, decimal.Decimal, str)):
                raise DataError("invalid input for NUMERIC: %r" % (v,))
            try:
                d = decimal.Decimal(str(v).strip()) if not isinstance(v, decimal.Decimal) else v
            except decimal.InvalidOperation as err:
                raise DataError("invalid input for NUMERIC: %r" % (v,)) from err
            if scale is not None and d.is_finite():
                d = d.quantize(decimal.Decimal(1).scaleb(-scale), context=_wide_context(d, scale))
            return d if type_.asdecimal else float(d)

        return to_decimal
    if isinstance(type_, sqltypes.String):
        return _to_text
    if isinstance(type_, sqltypes.DateTime):
        return to_datetime
    if isinstance(type_, sqltypes.Date):
        return to_date
    if isinstance(type_, sqltypes.Time):
        return to_time
    if isinstance(type_, sqltypes.Uuid):
        return lambda v: v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))
    if isinstance(type_, sqltypes.LargeBinary):
        return lambda v: v if isinstance(v, bytes) else _to_text(v).encode()
    return lambda v: v


_TRUE_WORDS = frozenset(("1", "true", "t", "yes", "y", "on"))
_FALSE_WORDS = frozenset(("0", "false", "f", "no", "n", "off"))


def _to_bool(v: Any) -> bool:
    if isinstance(v, str):
        word = v.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise DataError("invalid input for BOOLEAN: %r" % (v,))
    if isinstance(v, (bool, int, float, decimal.Decimal)):
        return bool(v)
    raise DataError("invalid input for BOOLEAN: %r" % (v,))


def _to_float(v: Any) -> float:
    if isinstance(v, (str, bool, int, float, decimal.Decimal)):
        return float(v)
    raise DataError("invalid input for FLOAT: %r" % (v,))


def _to_int(v: Any) -> int:
    if isinstance(v, str):
        try:
            return int(decimal.Decimal(v.strip()))
        except decimal.InvalidOperation as err:
            raise DataError("invalid input for INTEGER: %r" % (v,)) from err
    if isinstance(v, (bool, int, float, decimal.Decimal)):
        return int(v)  # truncated toward zero, as SQLite does
    raise DataError("invalid input for INTEGER: %r" % (v,))


def _to_text(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, datetime.datetime):
        return v.isoformat(sep=" ")
    return _text(v)


def _visit_cast(el: Any, scope: Scope) -> Fn:
    inner = compile_expr(el.clause, scope)
    convert = cast_function(el.type)

    def cast(row: Any, params: Any) -> Any:
        v = inner(row, params)
        if v is None:
            return None
        try:
            return convert(v)
        except (ValueError, TypeError, ArithmeticError) as err:
            raise DataError("cannot CAST %r to %s" % (v, el.type)) from err

    return cast


def _visit_function(el: Any, scope: Scope) -> Fn:
    name = el.name.lower()
    if name == "next_value" and hasattr(el, "sequence"):
        return _visit_next_value(el, scope)
    args = [compile_expr(a, scope) for a in el.clauses]
    fn = build_function(name, args)
    if fn is None:
        raise unsupported(el, "function %s()" % el.name)
    return fn


def _visit_next_value(el: Any, scope: Scope) -> Fn:
    sequence = el.sequence
    store = scope.store

    def next_value(row: Any, params: Any) -> Any:
        # the executing statement's runtime resolves schema_translate_map
        key = (store.runtime.schema(sequence.schema), sequence.name)
        data = store.sequences.get(key)
        if data is None:
            raise OperationalError("no such sequence: %s" % sequence.name)
        return data.next_value()

    return next_value


_VISITORS: Dict[str, Callable[[Any, Scope], Fn]] = {
    "column": _visit_column,
    "bindparam": _visit_bindparam,
    "grouping": _visit_grouping,
    "label": _visit_label,
    "label_reference": _visit_label_reference,
    "textual_label_reference": _visit_textual_label_reference,
    "null": _visit_null,
    "true": _visit_true,
    "false": _visit_false,
    "type_coerce": _visit_type_coerce,
    "textclause": _visit_textclause,
    "tuple": _visit_tuple,
    "clauselist": _visit_clauselist,
    "expression_clauselist": _visit_clauselist,
    "unary": _visit_unary,
    "binary": _visit_binary,
    "case": _visit_case,
    "cast": _visit_cast,
    "function": _visit_function,
    "next_value": _visit_next_value,
    "override_binds": _visit_override_binds,
    "lambda_element": _visit_lambda_element,
    "extract": _visit_extract,
}

# generic functions render with their own visit names
for _name in ("coalesce", "nullif", "lower", "upper", "now", "current_timestamp",
              "current_date", "current_time", "localtimestamp", "char_length", "random"):
    _VISITORS.setdefault(_name, _visit_function)
