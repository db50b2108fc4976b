"""SQL text for the memory dialect: ``text()``, ``exec_driver_sql()``,
``literal_column()``, ``DDL()``.

SQL is parsed with sqlglot (cached per string) and *translated* into
SQLAlchemy Core constructs built on the store's own tables; those are compiled
with the memory dialect and run by the same planner and evaluator as Core
statements, so SQL text supports exactly what Core supports, with the same
semantics.  Entry points:

- :func:`execute` runs a statement on a DBAPI cursor (``dbapi.Cursor``);
- :func:`expression` turns a SQL fragment into a ``ColumnElement`` for the
  evaluator (``literal_column("x + 1")``, tableless ``column("x")``);
- :func:`text_fragment` does so for a ``text()`` fragment, whose ``:name``
  binds are its own bind parameters;
- :func:`textual_query` turns the SQL of ``text().columns()`` (a
  ``TextualSelect``) into the Core query the planner runs in its place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlglot import exp

from .exprs import ExprBuilder, Params
from .names import Catalog, names_for_scope
from .parse import Prepared, parse_expression, prepare_text, unsupported
from .run import execute
from .statements import StatementBuilder

__all__ = ["execute", "expression", "text_fragment", "textual_query"]


def expression(sql: str, scope: Any, type_: Any = None) -> ColumnElement[Any]:
    """The SQLAlchemy element for the SQL expression fragment ``sql``.

    ``scope`` is the evaluator's ``engine.expr.Scope``: names in ``sql``
    resolve to columns of ``scope.sources`` (each a FROM clause; joins are
    searched table by table, ``t.x`` by table or alias name), then to
    ``scope.labels``, then through ``scope.parent`` (correlation); subqueries
    look tables up in ``scope.store``.  The
    result contains only columns of those FROM clauses, bind parameters that
    carry their own values (literals), functions and operators, so
    ``compile_expr(result, scope)`` evaluates it.  ``type_`` (e.g. the
    ``literal_column``'s type) decides how a bare literal is read: ``5.52``
    is a ``Decimal`` by default and a ``float`` for ``Float``.

    Raises ``ProgrammingError`` for a syntax error, ``NotSupportedError`` for
    a construct with no Core equivalent (including ``:name`` placeholders,
    whose values the statement's parameters do not carry), and
    ``OperationalError`` for an unknown column.
    """
    return _build_expression(parse_expression(sql), Params(allow_binds=False, unique_literals=True), scope, type_)


def text_fragment(clause: Any, scope: Any) -> ColumnElement[Any]:
    """The SQLAlchemy element for a ``text()`` fragment inside a Core
    statement (``where(text("age > :x"))``), resolved in ``scope`` as
    :func:`expression` resolves names.  Its ``:name`` placeholders become
    the clause's own ``BindParameter`` objects, which the enclosing compiled
    statement names, so their values come from the execution's parameters."""
    prepared = prepare_text(clause.text, False)
    return _build_expression(prepared.tree, _text_params(clause, prepared), scope, None)


def textual_query(element: Any, store: Any, txn: Any = None) -> Any:
    """The Core ``Select`` (or compound select) the SQL of ``element``, a
    ``TextualSelect`` (``text("SELECT ...").columns(...)``), means, built on
    the tables ``txn`` may see.  Its placeholders are the text clause's
    bind parameters, as in :func:`text_fragment`."""
    clause = element.element
    prepared = prepare_text(clause.text, True)
    if not isinstance(prepared.tree, (exp.Select, exp.Union, exp.Except, exp.Intersect, exp.Subquery)):
        raise unsupported(prepared.tree, "statement in text().columns()")
    return StatementBuilder(Catalog(store, txn), _text_params(clause, prepared)).query(prepared.tree)


def _text_params(clause: Any, prepared: Prepared) -> Params:
    return Params(prepared.renamed, unique_literals=True, binds=clause._bindparams)


def _build_expression(tree: Any, params: Params, scope: Any, type_: Any) -> ColumnElement[Any]:
    store = getattr(scope, "store", None)
    subquery = StatementBuilder(Catalog(store), params).subquery if store is not None else None
    builder = ExprBuilder(params, subquery=subquery)
    names = names_for_scope(scope)
    hint = None if type_ is None or type_._isnull else type_
    return builder(tree, names, hint)
