"""Custom constructs: elements the engine knows only by the SQL they compile to.

A class given its own rendering with ``sqlalchemy.ext.compiler.compiles``
(``@compiles(MyThing)``), or a construct from outside SQLAlchemy that the
engine has no visitor for, means whatever SQL the dialect's compiler renders
for it.  Such an element is rendered with the dialect's compiler (the
enclosing statement is ``compiler.statement``, as when the statement itself
was compiled), its columns and bound parameters rendered as placeholders that
stand for the original elements, and the text is translated into Core
constructs by the SQL-text path (``sqltext/``), which the evaluator then runs
like any other expression.  Translations are kept per scope, so the planner
(aggregate search) and the evaluator see the same elements.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Dict, Tuple, Type

from sqlalchemy import type_coerce
from sqlalchemy.sql import compiler as sa_compiler
from sqlalchemy.sql.annotation import Annotated
from sqlalchemy.sql.elements import ColumnElement

from .errors import NotSupportedError, ProgrammingError
from .scope import Scope

if TYPE_CHECKING:
    from ..sqltext.exprs import Params

_PLACEHOLDER = "_memfrag%d"


def _origin(cls: Type[Any]) -> Type[Any]:
    """The class an ``Annotated...`` class stands for."""
    if issubclass(cls, Annotated):
        for klass in cls.__mro__:
            if not issubclass(klass, Annotated):
                return klass
    return cls


def user_compiled(element: Any, dialect_name: str = "memory") -> bool:
    """Whether ``element`` renders through a user ``@compiles`` function
    for ``dialect_name`` (not through SQLAlchemy's own visitor, which
    ``compiles`` keeps as the default when given only other dialects)."""
    dispatcher = getattr(type(element), "_compiler_dispatcher", None)
    specs = getattr(dispatcher, "specs", None)
    if not specs:
        return False
    fn = specs.get(dialect_name) or specs.get("default")
    return fn is not None and getattr(fn, "__name__", "") != "_wrap_existing_dispatch"


def foreign_construct(element: Any) -> bool:
    """An element of a class defined outside SQLAlchemy (and the engine)."""
    module = getattr(_origin(type(element)), "__module__", "") or ""
    return not (module == "sqlalchemy" or module.startswith(("sqlalchemy.", "sqlalchemy_memory.")))


def is_custom(element: Any, scope: Scope) -> bool:
    """Whether the evaluator should run ``element`` as the SQL it renders."""
    return user_compiled(element, _dialect(scope).name)


def translated(element: Any, scope: Scope) -> ColumnElement[Any]:
    """The Core element the SQL of ``element`` translates to, once per scope."""
    memo = scope.translated
    found = memo.get(id(element))
    if found is not None and found[0] is element:
        return found[1]
    result = _translate(element, scope)
    memo[id(element)] = (element, result)
    return result


def _translate(element: Any, scope: Scope) -> ColumnElement[Any]:
    from ..sqltext.exprs import ExprBuilder
    from ..sqltext.names import Catalog, names_for_scope
    from ..sqltext.parse import parse_expression
    from ..sqltext.statements import StatementBuilder

    sql, stand_ins = render(element, scope)
    what = "%s, which compiles to %r" % (type(element).__name__, sql)
    params = _stand_ins_class()(stand_ins)  # type: ignore[call-arg]
    store = scope.store
    subquery = StatementBuilder(Catalog(store), params).subquery if store is not None else None
    builder = ExprBuilder(params, subquery=subquery)
    type_ = getattr(element, "type", None)
    hint = None if type_ is None or type_._isnull else type_
    try:
        result = builder(parse_expression(sql), names_for_scope(scope), hint)
    except (NotSupportedError, ProgrammingError) as err:
        raise NotSupportedError("the memory dialect cannot evaluate %s: %s" % (what, err)) from None
    if not isinstance(result, ColumnElement):
        raise NotSupportedError("the memory dialect cannot evaluate %s" % what)
    if hint is not None and result.type._isnull:
        result = type_coerce(result, hint)
    return result


@functools.lru_cache(maxsize=1)
def _stand_ins_class() -> Type["Params"]:
    from ..sqltext.exprs import Params  # the SQL-text path imports the engine

    class StandIns(Params):
        """``Params`` for a rendered fragment: its placeholders are the
        original columns and bound parameters, not values to supply."""

        def __init__(self, stand_ins: Dict[str, Any]) -> None:
            super().__init__(allow_binds=False, unique_literals=True)
            self.stand_ins = stand_ins

        def bind(self, node: Any) -> Any:
            found = self.stand_ins.get(node.name)
            if found is None:
                return super().bind(node)  # raises: not a placeholder of ours
            return found

    return StandIns


def render(element: Any, scope: Scope) -> Tuple[str, Dict[str, Any]]:
    """``element``'s SQL from the dialect's compiler, with placeholders for
    its columns and bound parameters: ``(sql, placeholder -> element)``."""
    dialect = _dialect(scope)
    compiler_cls = _fragment_compiler(dialect.statement_compiler)
    fragment: Any = compiler_cls(dialect, None)
    fragment.stand_ins = {}
    statement = getattr(scope.compiled, "statement", None)
    if statement is not None:
        fragment.statement = statement  # what a @compiles function sees as compiler.statement
    try:
        sql = fragment.process(element)
    except Exception as err:  # noqa: BLE001 - a user's compile function may raise anything
        raise NotSupportedError(
            "the memory dialect cannot evaluate %s: it does not compile (%s: %s)"
            % (type(element).__name__, type(err).__name__, err)
        ) from err
    if not isinstance(sql, str):
        raise NotSupportedError("the memory dialect cannot evaluate %s: it compiles to %r" % (type(element).__name__, sql))
    return sql, fragment.stand_ins


class _FragmentMixin:
    """Renders columns and bound parameters as ``:_memfragN`` placeholders."""

    stand_ins: Dict[str, Any]

    def _stand_in(self, element: Any) -> str:
        stand_ins = self.stand_ins
        for name, known in stand_ins.items():
            if known is element:
                return ":" + name
        name = _PLACEHOLDER % (len(stand_ins) + 1)
        stand_ins[name] = element
        return ":" + name

    def visit_bindparam(self, bindparam: Any, **kw: Any) -> str:
        text = self._stand_in(bindparam)
        return "(%s)" % text if getattr(bindparam, "expanding", False) else text

    def visit_column(self, column: Any, **kw: Any) -> str:
        if getattr(column, "is_literal", False):
            return super().visit_column(column, **kw)  # type: ignore[misc]
        return self._stand_in(column)


@functools.lru_cache(maxsize=None)
def _fragment_compiler(base: Type[sa_compiler.SQLCompiler]) -> Type[sa_compiler.SQLCompiler]:
    return type("Fragment" + base.__name__, (_FragmentMixin, base), {})


def _dialect(scope: Scope) -> Any:
    compiled = scope.compiled
    dialect = getattr(compiled, "dialect", None)
    if dialect is not None:
        return dialect
    return _default_dialect()


@functools.lru_cache(maxsize=1)
def _default_dialect() -> Any:
    from ..dialect import MemoryDialect

    return MemoryDialect()

