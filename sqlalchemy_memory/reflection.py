"""Reflection (``Inspector`` support) for the memory dialect.

The store keeps its own copy of every table (``TableData.table``) and of
every view's layout (``engine/views.py``), so reflection reads SQLAlchemy
schema objects instead of a system catalog.  Results are what SQLAlchemy's
``Inspector`` expects from a real database: names, not Python keys; SQL text
for CHECK constraints, server defaults and index expressions; constraints
sorted by name, as catalogs list them.

Every method is wrapped in ``reflection.cache`` so an ``Inspector`` keeps
answering from its cache until ``clear_cache()``, like other dialects.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import exc
from sqlalchemy.engine import reflection
from sqlalchemy.schema import CheckConstraint, Table, UniqueConstraint
from sqlalchemy.sql import operators
from sqlalchemy.sql.base import _NoneName
from sqlalchemy.sql.sqltypes import Emulated
from sqlalchemy.types import SchemaType, TypeDecorator

from .engine.store import TableData
from .engine.views import ViewData, is_temporary, views_of

_SORT_OPS = {
    operators.asc_op: "asc",
    operators.desc_op: "desc",
    operators.nulls_first_op: "nulls_first",
    operators.nulls_last_op: "nulls_last",
}


def _name(obj: Any) -> Optional[str]:
    name = obj.name
    if name is None or isinstance(name, _NoneName):
        return None
    return str(name)


def _by_name(items: Iterable[Any]) -> List[Any]:
    """Unnamed first, then by name: the order catalogs list constraints."""
    return sorted(items, key=lambda i: (_name(i) is not None, _name(i) or ""))


class MemoryReflection:
    """Mixin for ``MemoryDialect``: every ``Inspector`` hook."""

    store: Any

    # -- finding tables and views --------------------------------------------
    # A connection's temporary tables and views (``Transaction.temp_tables``,
    # ``temp_views``) are its own: they come first, and only for it.
    def _txn(self, connection: Any) -> Any:
        dbapi_connection = getattr(getattr(connection, "connection", None), "dbapi_connection", None)
        return getattr(dbapi_connection, "txn", None)

    def _views(self, connection: Any = None) -> Dict[Tuple[Optional[str], str], ViewData]:
        """The shared views, and ``connection``'s temporary ones."""
        views = views_of(self.store)
        temp = getattr(self._txn(connection), "temp_views", None)
        return {**views, **temp} if temp else views

    def _temp_tables(self, connection: Any) -> Dict[Tuple[Optional[str], str], Any]:
        """``connection``'s own temporary tables (no other connection's)."""
        return dict(getattr(self._txn(connection), "temp_tables", None) or {})

    def _tables(self, connection: Any) -> Dict[Tuple[Optional[str], str], Any]:
        """The tables ``connection`` may see: its temporary tables over the
        shared ones."""
        tables = self._shared_tables(connection)
        tables.update(self._temp_tables(connection))
        return tables

    def _shared_tables(self, connection: Any) -> Dict[Tuple[Optional[str], str], Any]:
        """The shared tables ``connection`` may see: another connection's
        uncommitted CREATE or DROP TABLE is not visible (READ COMMITTED)."""
        store = self.store
        txn = self._txn(connection)
        with store.latch:
            tables = dict(store.tables)
            writer = store.writer
            replaced = getattr(writer, "replaced_tables", None)
            if txn is not None and writer is not None and writer is not txn and replaced:
                for key, old in replaced.items():
                    if isinstance(old, TableData):
                        tables[key] = old
                    else:  # MISSING: created by the writer, not committed
                        tables.pop(key, None)
        return tables

    def _relation(self, connection: Any, table_name: str, schema: Optional[str]) -> Tuple[Table, Optional[ViewData]]:
        """The ``Table`` describing a table or view, and the view if it is one."""
        key = (schema, table_name)
        temp = self._temp_tables(connection).get(key)
        if temp is not None:  # a temporary table hides a view of its name
            return temp.table, None
        view = self._views(connection).get(key)
        if view is not None:
            return view.table, view
        td = self._shared_tables(connection).get(key)
        if td is None:
            raise exc.NoSuchTableError(table_name if schema is None else "%s.%s" % (schema, table_name))
        return td.table, None

    def _table(self, connection: Any, table_name: str, schema: Optional[str]) -> Table:
        return self._relation(connection, table_name, schema)[0]

    def _table_names(self, connection: Any, schema: Optional[str], temporary: bool) -> List[str]:
        if temporary:
            return sorted(name for s, name in self._temp_tables(connection) if s == schema)
        views = self._views()
        return sorted(
            name
            for (s, name), td in self._shared_tables(connection).items()
            if s == schema and (s, name) not in views and not is_temporary(td.table)
        )

    def _view_names(self, connection: Any, schema: Optional[str], temporary: bool, materialized: bool) -> List[str]:
        return sorted(
            name
            for (s, name), v in list(self._views(connection).items())
            if s == schema and v.temporary == temporary and v.materialized == materialized
        )

    # -- existence ------------------------------------------------------------
    @reflection.cache
    def has_table(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        self._ensure_has_table_connection(connection)  # type: ignore[attr-defined]
        key = (schema, table_name)
        return key in self._tables(connection) or key in self._views(connection)

    @reflection.cache
    def has_sequence(self, connection: Any, sequence_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        return (schema, sequence_name) in self.store.sequences

    @reflection.cache
    def has_index(self, connection: Any, table_name: str, index_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        try:
            table = self._table(connection, table_name, schema)
        except exc.NoSuchTableError:
            return False
        return any(i.name == index_name for i in table.indexes)

    @reflection.cache
    def has_schema(self, connection: Any, schema_name: str, **kw: Any) -> bool:
        return schema_name in self.store.schemas

    # -- names ----------------------------------------------------------------
    @reflection.cache
    def get_schema_names(self, connection: Any, **kw: Any) -> List[str]:
        return sorted(self.store.schemas)

    @reflection.cache
    def get_table_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return self._table_names(connection, schema, temporary=False)

    @reflection.cache
    def get_temp_table_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return self._table_names(connection, schema, temporary=True)

    @reflection.cache
    def get_view_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return self._view_names(connection, schema, temporary=False, materialized=False)

    @reflection.cache
    def get_temp_view_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return self._view_names(connection, schema, temporary=True, materialized=False)

    @reflection.cache
    def get_materialized_view_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return self._view_names(connection, schema, temporary=False, materialized=True)

    @reflection.cache
    def get_sequence_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return sorted(name for s, name in list(self.store.sequences) if s == schema)

    @reflection.cache
    def get_view_definition(self, connection: Any, view_name: str, schema: Optional[str] = None, **kw: Any) -> str:
        view = self._views(connection).get((schema, view_name))
        if view is None:
            raise exc.NoSuchTableError(view_name if schema is None else "%s.%s" % (schema, view_name))
        if view.definition is None:
            view.definition = str(view.select.compile(dialect=self, compile_kwargs={"literal_binds": True}))
        return view.definition

    # -- columns -----------------------------------------------------------------
    @reflection.cache
    def get_columns(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Any]:
        table, view = self._relation(connection, table_name, schema)
        auto = table.autoincrement_column if view is None else None
        columns: List[Any] = []
        for c in table.columns:
            entry: Dict[str, Any] = {
                "name": c.name,
                "type": _reflected_type(c.type),
                "nullable": c.nullable,
                "default": self._default_sql(c),
                "autoincrement": c is auto,
                "comment": c.comment,
            }
            computed = c.computed
            if computed is not None:
                # unless told otherwise a computed column is virtual, as in SQLite
                entry["computed"] = {"sqltext": self._sql(computed.sqltext), "persisted": bool(computed.persisted)}
            identity = c.identity
            if identity is not None:
                entry["identity"] = _identity(identity, c.type)
                entry["autoincrement"] = True
            columns.append(entry)
        return columns

    def _sql(self, clause: Any) -> str:
        """SQL text of a schema expression, column names unqualified."""
        if isinstance(clause, str):
            return clause
        text = getattr(clause, "text", None)
        if isinstance(text, str):
            return text
        compiled = clause.compile(dialect=self, compile_kwargs={"literal_binds": True, "include_table": False})
        return str(compiled)

    def _default_sql(self, column: Any) -> Optional[str]:
        default = column.server_default
        if default is None or not hasattr(default, "arg"):
            return None
        arg = default.arg
        if isinstance(arg, str):
            return "'%s'" % arg.replace("'", "''")
        return self._sql(arg)

    # -- constraints ---------------------------------------------------------------
    @reflection.cache
    def get_pk_constraint(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> Dict[str, Any]:
        table, view = self._relation(connection, table_name, schema)
        pk = table.primary_key
        if view is not None or not pk.columns:
            return {"constrained_columns": [], "name": None, "comment": None}
        return {
            "constrained_columns": [c.name for c in pk.columns],
            "name": _name(pk),
            "comment": pk.comment,
        }

    @reflection.cache
    def get_foreign_keys(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table, view = self._relation(connection, table_name, schema)
        if view is not None:
            return []
        out = []
        for fk in _by_name(table.foreign_key_constraints):
            elements = fk.elements
            if not elements:
                continue
            ref_schema, ref_table, ref_columns = _referred(self.store, elements)
            # as PostgreSQL reports them: INITIALLY DEFERRED implies
            # DEFERRABLE, and IMMEDIATE is the default, not reported
            initially = (fk.initially or "").upper() or None
            deferrable = True if initially == "DEFERRED" else fk.deferrable
            options = {
                k: v
                for k, v in (
                    ("onupdate", fk.onupdate),
                    ("ondelete", fk.ondelete),
                    ("deferrable", deferrable),
                    ("initially", None if initially == "IMMEDIATE" else initially),
                    ("match", fk.match),
                )
                if v is not None and not (isinstance(v, str) and v.upper() == "NO ACTION")
            }
            out.append(
                {
                    "name": _name(fk),
                    "constrained_columns": [e.parent.name for e in elements],
                    "referred_schema": ref_schema,
                    "referred_table": ref_table,
                    "referred_columns": ref_columns,
                    "options": options,
                    "comment": fk.comment,
                }
            )
        return out

    @reflection.cache
    def get_indexes(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        return [self._index(i) for i in _by_name(table.indexes)]

    def _index(self, index: Any) -> Dict[str, Any]:
        names: List[Optional[str]] = []
        expressions: List[str] = []
        sorting: Dict[str, Tuple[str, ...]] = {}
        for expr in index.expressions:
            ops: List[str] = []
            while getattr(expr, "modifier", None) in _SORT_OPS:
                ops.insert(0, _SORT_OPS[expr.modifier])
                expr = expr.element
            name = expr.name if expr.__visit_name__ == "column" else None
            names.append(name)
            text = name if name is not None else self._sql(expr)
            expressions.append(text)
            if ops:
                sorting[text] = tuple(ops)
        entry: Dict[str, Any] = {
            "name": _name(index),
            "column_names": names,
            "unique": bool(index.unique),
            "dialect_options": {},
        }
        if None in names:
            entry["expressions"] = expressions
        if sorting:
            entry["column_sorting"] = sorting
        return entry

    @reflection.cache
    def get_unique_constraints(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        return [
            {"name": _name(c), "column_names": [col.name for col in c.columns], "comment": c.comment}
            for c in _by_name(table.constraints)
            if isinstance(c, UniqueConstraint)
        ]

    @reflection.cache
    def get_check_constraints(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        checks = [c for c in table.constraints if isinstance(c, CheckConstraint)]
        checks += [c for col in table.columns for c in col.constraints if isinstance(c, CheckConstraint)]
        return [{"name": _name(c), "sqltext": self._sql(c.sqltext), "comment": c.comment} for c in _by_name(checks)]

    # -- table properties -------------------------------------------------------
    @reflection.cache
    def get_table_comment(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> Dict[str, Any]:
        table, view = self._relation(connection, table_name, schema)
        return {"text": table.comment if view is None else None}

    @reflection.cache
    def get_table_options(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> Dict[str, Any]:
        # the dialect defines no table options; the call still checks the
        # table exists, as SQLAlchemy expects
        self._relation(connection, table_name, schema)
        return {}


def _referred(store: Any, elements: List[Any]) -> Tuple[Optional[str], str, List[str]]:
    """Schema, table and column *names* a foreign key points at.

    ``target_tokens`` name a target given as a ``Column`` by its Python key,
    so each token is looked up in the referred table as the store has it
    now (by key, then by name); a table that does not exist keeps the token.
    """
    schema, table_name, _ = elements[0]._column_tokens
    td = store.tables.get((schema, table_name))
    columns = td.table.c if td is not None else None
    names = []
    for e in elements:
        token = e._column_tokens[2] or e.parent.name
        column = None
        if columns is not None:
            column = columns.get(token) if not e.link_to_name else None
            if column is None:
                column = next((c for c in columns if c.name == token), None)
        names.append(column.name if column is not None else token)
    return schema, table_name, names


def _reflected_type(type_: Any) -> Any:
    """The database-level type; a fresh copy where types bind to a table.
    SQLAlchemy's own emulated types (``Interval``) are stored natively, so
    they are not unwrapped like a user's ``TypeDecorator``."""
    while isinstance(type_, TypeDecorator) and not isinstance(type_, Emulated):
        type_ = type_.impl_instance
    if isinstance(type_, SchemaType):
        type_ = type_.copy()
    return type_


def _identity(identity: Any, type_: Any = None) -> Dict[str, Any]:
    """The effective options, defaults included, as PostgreSQL reports
    them: without Oracle's ``on_null`` and ``order``, which SQLAlchemy 2.1
    deprecates as ``Identity()`` arguments (reflection passes the dict to
    ``Identity(**options)``)."""
    from .engine.store import SequenceData

    counter = SequenceData(identity, type_)
    out: Dict[str, Any] = {
        "always": bool(identity.always),
        "start": counter.start,
        "increment": counter.increment,
        "minvalue": counter.minvalue,
        "maxvalue": counter.maxvalue,
        "cycle": bool(identity.cycle),
        "cache": identity.cache if identity.cache is not None else 1,
    }
    for key in ("nominvalue", "nomaxvalue"):
        value = getattr(identity, key, None)
        if value is not None:
            out[key] = value
    return out
