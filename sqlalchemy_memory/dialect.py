r"""
The ``memory`` dialect: SQLAlchemy with no database server.

Connecting
----------

::

    from sqlalchemy import create_engine
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_engine("memory://")                 # a new, private database
    shared = create_engine("memory:///app")             # the database named "app"
    aengine = create_async_engine("memory+asyncio://")  # asyncio, same engine

``memory://`` gives each engine its own empty database.  ``memory:///name``
gives every engine in the process that names ``name`` the same database, for
as long as one of them is alive (like SQLite's shared-cache memory databases).

How statements run
------------------

SQLAlchemy compiles each statement as usual (``echo=True`` still logs the
SQL), but the dialect hands the *compiled statement object* to the engine, not
its SQL string.  The engine turns it into a plan of Python closures once; the
plan is cached on the compiled statement, so SQLAlchemy's statement cache
skips both compiling and planning when the statement runs again.

Transactions
------------

Each connection has its own transaction.  One transaction at a time may
write; a second writer waits up to ``timeout`` seconds (default 5, set with
``create_engine("memory://", connect_args={"timeout": 1.0})``) and then gets
``OperationalError: database is locked``, as with SQLite.  Other connections
keep reading the last committed data while a write transaction is open
(READ COMMITTED).  Rollback, savepoints (``begin_nested()``) and statement
atomicity are exact: a statement that fails changes nothing.  DDL is
transactional too.  ``isolation_level="AUTOCOMMIT"`` commits each statement.

Supported isolation levels: ``READ COMMITTED`` (the default) and
``AUTOCOMMIT``.

SQL text
--------

``text()`` and ``exec_driver_sql()`` need a SQL parser, which is not built
yet: they raise ``sqlalchemy.exc.NotSupportedError``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import exc, types as sqltypes
from sqlalchemy.engine import default
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.sql import compiler
from sqlalchemy.types import TypeDecorator

from . import dbapi as memory_dbapi
from .engine import ddl, planner
from .engine.runtime import Runtime
from .engine.store import Store, named_store

_LITERALS_KEY = "\x00literal_execute"


class MemoryCompiler(compiler.SQLCompiler):
    """Keeps ``literal_execute`` bind values, which SQLAlchemy renders into
    the SQL string and removes from the parameters, for the engine."""

    def _process_parameters_for_postcompile(self, parameters: Any, _populate_self: bool = False) -> Any:
        literal = {
            name: parameters[name]
            for name in (self.bind_names.get(b) for b in self.literal_execute_params)
            if name is not None and name in parameters
        }
        state = super()._process_parameters_for_postcompile(parameters, _populate_self=_populate_self)
        if literal:
            parameters[_LITERALS_KEY] = literal
        return state


class MemoryDDLCompiler(compiler.DDLCompiler):
    pass


class MemoryTypeCompiler(compiler.GenericTypeCompiler):
    pass


class MemoryExecutionContext(default.DefaultExecutionContext):
    def get_lastrowid(self) -> Any:
        return self.cursor.lastrowid

    def fire_sequence(self, seq: Any, type_: Any) -> Any:
        dialect: MemoryDialect = self.dialect  # type: ignore[assignment]
        data = dialect.store.sequences.get((seq.schema, seq.name))
        if data is None:
            raise exc.OperationalError(None, None, memory_dbapi.OperationalError("no such sequence: %s" % seq.name))
        return data.next_value()

    def _exec_default_clause_element(self, column: Any, default: Any, type_: Any) -> Any:
        # SQLAlchemy would SELECT the expression as SQL text; evaluate it.
        from .engine.expr import Scope, compile_expr

        dialect: MemoryDialect = self.dialect  # type: ignore[assignment]
        return compile_expr(default.arg, Scope(None, store=dialect.store))((), {})


class MemoryDialect(default.DefaultDialect):
    name = "memory"
    driver = "memory"
    supports_statement_cache = True
    default_paramstyle = "named"

    statement_compiler = MemoryCompiler
    ddl_compiler = MemoryDDLCompiler
    type_compiler_cls = MemoryTypeCompiler
    execution_ctx_cls = MemoryExecutionContext

    supports_native_boolean = True
    supports_native_decimal = True
    supports_native_enum = False
    supports_native_uuid = True
    supports_sequences = True
    sequences_optional = True
    supports_schemas = True
    supports_comments = True
    inline_comments = True
    supports_alter = False
    supports_identity_columns = True
    supports_server_side_cursors = False
    supports_default_values = True
    supports_default_metavalue = False
    supports_empty_insert = True
    supports_multivalues_insert = True
    supports_simple_order_by_label = True
    tuple_in_values = True
    div_is_floordiv = False
    supports_sane_rowcount = True
    supports_sane_multi_rowcount = True

    insert_returning = True
    update_returning = True
    delete_returning = True
    insert_executemany_returning = True
    insert_executemany_returning_sort_by_parameter_order = True
    update_returning_multifrom = False
    delete_returning_multifrom = False
    use_insertmanyvalues = False
    postfetch_lastrowid = True
    favor_returning_over_lastrowid = False

    _isolation_levels = ("READ COMMITTED", "AUTOCOMMIT")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store: Store = Store()

    @classmethod
    def import_dbapi(cls) -> ModuleType:
        return memory_dbapi

    # -- connecting -----------------------------------------------------------
    def create_connect_args(self, url: Any) -> Tuple[List[Any], Dict[str, Any]]:
        self.store = named_store(url.database)
        opts: Dict[str, Any] = {"store": self.store}
        if "timeout" in url.query:
            opts["timeout"] = float(url.query["timeout"])
        return [], opts

    def get_isolation_level_values(self, dbapi_conn: Any) -> Sequence[str]:
        return list(self._isolation_levels)

    def get_default_isolation_level(self, dbapi_conn: Any) -> str:
        return "READ COMMITTED"

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        return "AUTOCOMMIT" if dbapi_connection.txn.autocommit else "READ COMMITTED"

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        dbapi_connection.txn.autocommit = level == "AUTOCOMMIT"

    def detect_autocommit_setting(self, dbapi_conn: Any) -> bool:
        return bool(dbapi_conn.txn.autocommit)

    def _check_unicode_returns(self, connection: Any) -> bool:
        return True

    def do_ping(self, dbapi_connection: Any) -> bool:
        return not dbapi_connection.closed

    # -- transactions -----------------------------------------------------------
    def do_begin(self, dbapi_connection: Any) -> None:
        pass

    def do_commit(self, dbapi_connection: Any) -> None:
        dbapi_connection.commit()

    def do_rollback(self, dbapi_connection: Any) -> None:
        dbapi_connection.rollback()

    def do_savepoint(self, connection: Any, name: str) -> None:
        connection.connection.dbapi_connection.txn.savepoint(name)

    def do_rollback_to_savepoint(self, connection: Any, name: str) -> None:
        connection.connection.dbapi_connection.txn.rollback_to(name)

    def do_release_savepoint(self, connection: Any, name: str) -> None:
        connection.connection.dbapi_connection.txn.release(name)

    # -- execution ------------------------------------------------------------
    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if context is None or context.compiled is None:
            cursor.execute(statement, parameters)
        else:
            self._execute_compiled(cursor, context, [parameters])

    def do_executemany(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if context is None or context.compiled is None:
            cursor.executemany(statement, parameters)
        else:
            self._execute_compiled(cursor, context, parameters)

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        if context is None or context.compiled is None:
            cursor.execute(statement)
        else:
            self._execute_compiled(cursor, context, [{}])

    def _execute_compiled(self, cursor: Any, context: Any, params_list: Sequence[Any]) -> None:
        compiled = context.compiled
        connection = cursor.connection
        txn = connection.txn
        store = txn.store
        rt = Runtime(store, txn, context.execution_options.get("schema_translate_map"))
        if context.isddl:
            with store.latch:
                txn.begin_write()
                with txn.statement():
                    ddl.execute_ddl(compiled.statement, rt)
            cursor._set_result(None, [], -1)
            return
        if compiled.isplaintext:
            cursor.execute(context.statement)
            return
        if context._expanded_parameters or _LITERALS_KEY in params_list[0]:
            params_list = [_unexpand(compiled, context, params_list[0])]
        with store.latch:
            plan = planner.plan_for(compiled, rt)
            if plan.writes:
                txn.begin_write()
            try:
                with txn.statement():
                    rows, rowcount, lastrowid = plan.run(rt, params_list)
            except (TypeError, ValueError, ArithmeticError) as err:
                raise memory_dbapi.DataError("%s: %s" % (type(err).__name__, err)) from err
        cursor._set_result(plan.description, rows, rowcount, lastrowid)

    # -- reflection -------------------------------------------------------------
    def _table(self, connection: Any, table_name: str, schema: Optional[str]) -> Any:
        td = self.store.tables.get((schema, table_name))
        if td is None:
            raise exc.NoSuchTableError(table_name if schema is None else "%s.%s" % (schema, table_name))
        return td.table

    def has_table(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        self._ensure_has_table_connection(connection)
        return (schema, table_name) in self.store.tables

    def has_sequence(self, connection: Any, sequence_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        return (schema, sequence_name) in self.store.sequences

    def has_index(self, connection: Any, table_name: str, index_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        table = self._table(connection, table_name, schema)
        return any(i.name == index_name for i in table.indexes)

    def has_schema(self, connection: Any, schema_name: str, **kw: Any) -> bool:
        return schema_name in self.store.schemas

    def get_schema_names(self, connection: Any, **kw: Any) -> List[str]:
        return sorted(self.store.schemas)

    def get_table_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return sorted(name for s, name in self.store.tables if s == schema)

    def get_temp_table_names(self, connection: Any, **kw: Any) -> List[str]:
        return []

    def get_view_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return []

    def get_sequence_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return sorted(name for s, name in self.store.sequences if s == schema)

    def get_columns(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[ReflectedColumn]:
        table = self._table(connection, table_name, schema)
        auto = table.autoincrement_column
        columns: List[ReflectedColumn] = []
        for c in table.columns:
            entry: Dict[str, Any] = {
                "name": c.name,
                "type": _reflected_type(c.type),
                "nullable": c.nullable,
                "default": self._default_sql(c),
                "autoincrement": c is auto,
                "comment": c.comment,
            }
            columns.append(entry)  # type: ignore[arg-type]
        return columns

    def _default_sql(self, column: Any) -> Optional[str]:
        default = column.server_default
        if default is None or not hasattr(default, "arg"):
            return None
        arg = default.arg
        if isinstance(arg, str):
            return "'%s'" % arg.replace("'", "''")
        if hasattr(arg, "text"):
            return str(arg.text)
        return str(arg.compile(dialect=self, compile_kwargs={"literal_binds": True}))

    def get_pk_constraint(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> Dict[str, Any]:
        table = self._table(connection, table_name, schema)
        pk = table.primary_key
        return {
            "constrained_columns": [c.name for c in pk.columns],
            "name": pk.name if pk.columns else None,
        }

    def get_foreign_keys(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        out = []
        for fk in table.foreign_key_constraints:
            elements = fk.elements
            if not elements:
                continue
            ref_schema, ref_table, _ = elements[0]._column_tokens
            out.append(
                {
                    "name": fk.name,
                    "constrained_columns": [e.parent.name for e in elements],
                    "referred_schema": ref_schema,
                    "referred_table": ref_table,
                    "referred_columns": [e._column_tokens[2] or e.parent.name for e in elements],
                    "options": {
                        k: v
                        for k, v in (
                            ("onupdate", fk.onupdate),
                            ("ondelete", fk.ondelete),
                            ("deferrable", fk.deferrable),
                            ("initially", fk.initially),
                        )
                        if v is not None
                    },
                }
            )
        return out

    def get_indexes(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        return [
            {
                "name": i.name,
                "column_names": [getattr(e, "name", None) for e in i.expressions],
                "unique": bool(i.unique),
                "dialect_options": {},
            }
            for i in sorted(table.indexes, key=lambda i: str(i.name))
        ]

    def get_unique_constraints(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        return [
            {"name": c.name, "column_names": [col.name for col in c.columns]}
            for c in table.constraints
            if c.__visit_name__ == "unique_constraint"
        ]

    def get_check_constraints(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        out = []
        for c in table.constraints:
            if c.__visit_name__ == "check_constraint":
                sqltext = c.sqltext
                text = sqltext.text if hasattr(sqltext, "text") else str(sqltext.compile(dialect=self, compile_kwargs={"literal_binds": True}))
                out.append({"name": c.name, "sqltext": text})
        return out

    def get_table_comment(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> Dict[str, Any]:
        return {"text": self._table(connection, table_name, schema).comment}


def _reflected_type(type_: Any) -> Any:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


def _unexpand(compiled: Any, context: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    """Gather expanding-IN values (SQLAlchemy split them into ``name_1``,
    ``name_2``...) back into one list per parameter, and restore
    ``literal_execute`` values."""
    params = dict(params)
    literal = params.pop(_LITERALS_KEY, None)
    for name, keys in context._expanded_parameters.items():
        values = [params[k] for k in keys]
        bind = compiled.binds.get(name)
        if bind is not None and bind.type._is_tuple_type:
            width = len(bind.type.types)
            values = [tuple(values[i : i + width]) for i in range(0, len(values), width)]
        params[name] = values
    if literal:
        for name, value in literal.items():
            params.setdefault(name, value)
    return params


dialect = MemoryDialect
