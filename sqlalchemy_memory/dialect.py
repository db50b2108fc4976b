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

Constraints
-----------

PRIMARY KEY, UNIQUE, NOT NULL, CHECK and FOREIGN KEY constraints are enforced
as PostgreSQL enforces them, foreign keys included (on by default, unlike
SQLite): ON DELETE / ON UPDATE ``CASCADE``, ``SET NULL``, ``SET DEFAULT``,
``RESTRICT`` and ``NO ACTION`` act at the end of each statement, and a
foreign key declared ``deferrable=True, initially="DEFERRED"`` is checked at
commit.  ``create_engine("memory://?foreign_keys=off")`` turns foreign key
checks off for code written against SQLite's default.

Isolation levels: ``READ COMMITTED`` (the default), ``SERIALIZABLE`` (the
transaction takes the write lock at its first statement, so it runs alone,
like SQLite's ``BEGIN EXCLUSIVE``) and ``AUTOCOMMIT``.

SQL text
--------

SQL that you write yourself (``text()``, ``exec_driver_sql()``, ``DDL()``,
``literal_column()``) is parsed with sqlglot, translated into the same Core
constructs and run by the same planner.  The flavour accepted is ANSI plus
SQLite's common forms; a syntax error raises ``ProgrammingError`` with its
position, a construct not supported raises ``NotSupportedError`` quoting it.
"""

from __future__ import annotations

import datetime
from types import ModuleType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import exc, types as sqltypes
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.engine import default
from sqlalchemy.sql import compiler
from sqlalchemy.sql.sqltypes import _AbstractInterval
from sqlalchemy.sql.type_api import NativeForEmulated

from . import dbapi as memory_dbapi
from .engine import planner
from .engine.runtime import Runtime
from .engine.store import Store, named_store
from .reflection import MemoryReflection

_LITERALS_KEY = "\x00literal_execute"

# The name SQLAlchemy gives the store's default schema (the one tables without
# ``schema=`` live in, ``None`` inside the engine): as in PostgreSQL.
DEFAULT_SCHEMA = "public"


def translate_map(options: Mapping[str, Any]) -> Optional[Mapping[Optional[str], Optional[str]]]:
    """The execution's ``schema_translate_map`` as the engine reads it: a
    schema translated to the default schema's name (or to None) is the
    default schema, ``None``."""
    schema_map = options.get("schema_translate_map")
    if schema_map and DEFAULT_SCHEMA in schema_map.values():
        return {k: (None if v == DEFAULT_SCHEMA else v) for k, v in schema_map.items()}
    return schema_map


class MemoryCompiler(compiler.SQLCompiler):
    """SQLAlchemy's compiler, keeping what the engine needs that exists only
    while compiling.  The SQL it renders is for logging and events."""

    def visit_sequence(self, seq: Any, **kw: Any) -> str:
        return "nextval('%s')" % self.preparer.format_sequence(seq)

    def visit_regexp_match_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._generate_generic_binary(binary, " ~ ", **kw)

    def visit_not_regexp_match_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._generate_generic_binary(binary, " !~ ", **kw)

    def visit_regexp_replace_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return "REGEXP_REPLACE(%s, %s)" % (self.process(binary.left, **kw), self.process(binary.right, **kw))

    def visit_getitem_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        # ARRAY element / slice, PostgreSQL's spelling (1-based)
        return "%s[%s]" % (self.process(binary.left, **kw), self.process(binary.right, **kw))

    def visit_slice(self, element: Any, **kw: Any) -> str:
        return "%s:%s" % (self.process(element.start, **kw), self.process(element.stop, **kw))

    def visit_json_getitem_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._json_access(binary, "->", "->>", kw)

    def visit_json_path_getitem_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._json_access(binary, "#>", "#>>", kw)

    def _json_access(self, binary: Any, as_json: str, as_text: str, kw: Dict[str, Any]) -> str:
        # PostgreSQL's spelling, for logging: the engine evaluates the tree
        right = binary.right
        if kw.get("literal_binds") and getattr(right, "__visit_name__", None) == "bindparam":
            # a path literal, ``doc #> '{a,1}'``, which SQL text runs too
            value = right.effective_value
            steps = value if isinstance(value, (list, tuple)) else [value]
            quoted = ['"%s"' % str(v).replace("\\", "\\\\").replace('"', '\\"') for v in steps]
            index = "'{%s}'" % ",".join(quoted).replace("'", "''")
            as_json, as_text = "#>", "#>>"
        else:
            index = self.process(right, **kw)
        left = self.process(binary.left, **kw)
        if isinstance(binary.type, sqltypes.JSON):
            return "%s %s %s" % (left, as_json, index)
        type_ = self.dialect.type_compiler_instance.process(binary.type)
        return "CAST(%s %s %s AS %s)" % (left, as_text, index, type_)

    def update_from_clause(self, update_stmt: Any, from_table: Any, extra_froms: Any, from_hints: Any, **kw: Any) -> str:
        kw["asfrom"] = True
        return "FROM " + ", ".join(t._compiler_dispatch(self, fromhints=from_hints, **kw) for t in extra_froms)

    def delete_extra_from_clause(self, delete_stmt: Any, from_table: Any, extra_froms: Any, from_hints: Any, **kw: Any) -> str:
        kw["asfrom"] = True
        return "USING " + ", ".join(t._compiler_dispatch(self, fromhints=from_hints, **kw) for t in extra_froms)

    def visit_select(self, select_stmt: Any, **kw: Any) -> Any:
        pending = self.__dict__.setdefault("_memory_pending", [])
        pending.append(select_stmt)
        try:
            return super().visit_select(select_stmt, **kw)
        finally:
            pending.pop()

    def _setup_select_stack(self, select: Any, compile_state: Any, entry: Any, asfrom: Any, lateral: Any, compound_index: Any) -> Any:
        # ORM criteria on nested selects (e.g. single-inheritance
        # discriminators in a subquery) exist only in this compile state:
        # record it for the planner (engine/select.py, _recorded_state).
        froms = super()._setup_select_stack(select, compile_state, entry, asfrom, lateral, compound_index)
        pending = self.__dict__.get("_memory_pending")
        if pending:
            states = self.__dict__.setdefault("_memory_select_states", {})
            states[id(pending[-1])] = (pending[-1], compile_state, froms)
        return froms

    def _process_parameters_for_postcompile(self, parameters: Any, _populate_self: bool = False) -> Any:
        # literal_execute values are rendered into the SQL and removed from
        # the parameters; keep them for the engine beside the expansions
        # (the execution context's ``_expanded_parameters``).
        literal = {
            name: parameters[name]
            for name in (self.bind_names.get(b) for b in self.literal_execute_params)
            if name is not None and name in parameters
        }
        state = super()._process_parameters_for_postcompile(parameters, _populate_self=_populate_self)
        if literal:
            state.parameter_expansion[_LITERALS_KEY] = literal
        return state


class MemoryDDLCompiler(compiler.DDLCompiler):
    pass


class MemoryTypeCompiler(compiler.GenericTypeCompiler):
    """Type names for DDL logging; the store keeps Python values, not SQL types.
    PostgreSQL's own types are named too, so models written for PostgreSQL
    (JSONB, ARRAY, BYTEA, INET...) create their tables here."""

    def visit_JSON(self, type_: Any, **kw: Any) -> str:
        return "JSON"

    def visit_JSONB(self, type_: Any, **kw: Any) -> str:
        return "JSONB"

    def visit_INTERVAL(self, type_: Any, **kw: Any) -> str:
        return "INTERVAL"

    def visit_ARRAY(self, type_: Any, **kw: Any) -> str:
        return self.process(type_.item_type, **kw) + "[]" * (type_.dimensions or 1)

    def visit_BYTEA(self, type_: Any, **kw: Any) -> str:
        return "BYTEA"

    def visit_ENUM(self, type_: Any, **kw: Any) -> str:
        return self.visit_enum(type_, **kw)

    def _plain_name(self, type_: Any, **kw: Any) -> str:
        return str(type_.__visit_name__)

    # PostgreSQL types stored as the Python values their DBAPI gives
    visit_INET = visit_CIDR = visit_MACADDR = visit_MACADDR8 = visit_CITEXT = visit_MONEY = _plain_name
    visit_TSVECTOR = visit_OID = visit_REGCLASS = visit_BIT = _plain_name


class MemoryInterval(NativeForEmulated, _AbstractInterval):
    """INTERVAL kept as ``timedelta``: SQLAlchemy's generic ``Interval`` would
    store ``epoch + delta`` as a DATETIME, and date arithmetic would be wrong."""

    __visit_name__ = "INTERVAL"
    native = True

    def __init__(self, second_precision: Optional[int] = None, day_precision: Optional[int] = None) -> None:
        self.second_precision = second_precision
        self.day_precision = day_precision

    @classmethod
    def adapt_emulated_to_native(cls, interval: Any, **kw: Any) -> "MemoryInterval":  # type: ignore[override]
        return cls(interval.second_precision, interval.day_precision)

    @property
    def _type_affinity(self) -> Any:
        return sqltypes.Interval

    def as_generic(self, allow_nulltype: bool = False) -> Any:
        return sqltypes.Interval(native=True, second_precision=self.second_precision, day_precision=self.day_precision)

    @property
    def python_type(self) -> Any:
        return datetime.timedelta

    def literal_processor(self, dialect: Any) -> Any:
        return lambda value: "INTERVAL '%r seconds'" % value.total_seconds()


class MemoryExecutionContext(default.DefaultExecutionContext):
    def create_server_side_cursor(self) -> Any:
        # rows are already in memory; a "server side" cursor is a plain one
        # that SQLAlchemy fetches from in batches (``stream_results``).
        return self._dbapi_connection.cursor()

    def get_lastrowid(self) -> Any:
        return self.cursor.lastrowid

    def fire_sequence(self, seq: Any, type_: Any) -> Any:
        dialect: MemoryDialect = self.dialect  # type: ignore[assignment]
        schema_map = translate_map(self.execution_options) or {}
        data = dialect.store.sequences.get((schema_map.get(seq.schema, seq.schema), seq.name))
        if data is None:
            raise exc.OperationalError(None, None, memory_dbapi.OperationalError("no such sequence: %s" % seq.name))
        return data.next_value()

    def _exec_default_clause_element(self, column: Any, default: Any, type_: Any) -> Any:
        # SQLAlchemy would SELECT the expression as SQL text; evaluate it.
        from .engine.expr import Scope, compile_expr

        dialect: MemoryDialect = self.dialect  # type: ignore[assignment]
        return compile_expr(default.arg, Scope(None, store=dialect.store))((), {})


class MemoryDialect(MemoryReflection, default.DefaultDialect):
    name = "memory"
    driver = "memory"
    supports_statement_cache = True
    default_paramstyle = "named"

    statement_compiler = MemoryCompiler
    ddl_compiler = MemoryDDLCompiler
    type_compiler_cls = MemoryTypeCompiler
    # timedelta for INTERVAL; ARRAY with PostgreSQL's item processing and
    # list results (the store keeps tuples: engine/types.py)
    colspecs = {sqltypes.Interval: MemoryInterval, sqltypes.ARRAY: PG_ARRAY}
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
    supports_alter = True  # use_alter foreign keys: ALTER TABLE ADD CONSTRAINT
    supports_identity_columns = True
    supports_server_side_cursors = True
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
    update_returning_multifrom = True
    delete_returning_multifrom = True
    use_insertmanyvalues = False
    postfetch_lastrowid = True
    favor_returning_over_lastrowid = False

    _isolation_levels = ("READ COMMITTED", "SERIALIZABLE", "AUTOCOMMIT")

    def __init__(self, json_serializer: Any = None, json_deserializer: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._json_serializer = json_serializer
        self._json_deserializer = json_deserializer
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
        if "foreign_keys" in url.query:
            opts["foreign_keys"] = _flag(url, "foreign_keys")
        return [], opts

    def _get_default_schema_name(self, connection: Any) -> str:
        # SQLAlchemy renders it where a schema_translate_map sends a schema
        # to None; with no name it cannot (CompileError)
        return DEFAULT_SCHEMA

    def get_isolation_level_values(self, dbapi_conn: Any) -> Sequence[str]:
        return list(self._isolation_levels)

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        txn = dbapi_connection.txn
        if txn.autocommit:
            return "AUTOCOMMIT"
        return "SERIALIZABLE" if txn.serializable else "READ COMMITTED"

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        txn = dbapi_connection.txn
        txn.autocommit = level == "AUTOCOMMIT"
        txn.serializable = level == "SERIALIZABLE"

    def detect_autocommit_setting(self, dbapi_conn: Any) -> bool:
        return bool(dbapi_conn.txn.autocommit)

    def _check_unicode_returns(self, connection: Any) -> bool:
        return True

    def do_ping(self, dbapi_connection: Any) -> bool:
        return not dbapi_connection.closed

    # -- transactions -----------------------------------------------------------
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
        elif parameters.__class__ is list:  # the one insertmanyvalues batch below
            self._execute_compiled(cursor, context, parameters)
        else:
            self._execute_compiled(cursor, context, [parameters])

    def _deliver_insertmanyvalues_batches(
        self, connection: Any, cursor: Any, statement: str, parameters: Any, generic_setinputsizes: Any, context: Any
    ) -> Any:
        """When a user turns ``use_insertmanyvalues`` on, SQLAlchemy batches
        as usual, but each batch runs as the executemany it stands for: its
        parameter sets as given (the engine reads the compiled INSERT, not the
        rewritten VALUES list or its renamed parameters)."""
        batches = super()._deliver_insertmanyvalues_batches(connection, cursor, statement, parameters, generic_setinputsizes, context)
        for batch in batches:
            yield batch if batch.is_downgraded else batch._replace(replaced_parameters=list(batch.batch))

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
        txn = cursor.connection.txn
        if "_memory_plan" not in compiled.__dict__ and self._execute_unplanned(cursor, context, params_list):
            return
        store = txn.store
        rt = Runtime(store, txn, translate_map(context.execution_options))
        if context._expanded_parameters:
            params_list = [_unexpand(compiled, context, params_list[0])]
        with store.latch:
            try:  # not a context manager: this is the hot path
                outcome = planner.run_compiled(compiled, rt, params_list, stream=True)
            except (LookupError, AttributeError, AssertionError) as err:
                raise _engine_fault(compiled, err) from err
            cursor._set_compiled_result(compiled, outcome)

    def _execute_unplanned(self, cursor: Any, context: Any, params_list: Sequence[Any]) -> bool:
        """SQL text and DDL, which have no cached plan; True when done."""
        compiled = context.compiled
        kind = getattr(compiled.statement, "__visit_name__", None)
        if kind == "textual_select" or (context.isddl and kind == "ddl") or getattr(compiled, "isplaintext", False):
            # SQL the user wrote: the SQL-text path parses it (sqltext/)
            if len(params_list) > 1:
                cursor.executemany(context.statement, params_list)
            else:
                cursor.execute(context.statement, params_list[0])
            return True
        if context.isddl:
            txn = cursor.connection.txn
            rt = Runtime(txn.store, txn, translate_map(context.execution_options))
            with txn.store.latch:
                try:
                    planner.run_ddl(compiled.statement, rt)
                except (LookupError, AttributeError, AssertionError) as err:
                    raise _engine_fault(compiled, err) from err
            cursor._set_result(None, [], -1)
            return True
        return False


def _engine_fault(compiled: Any, err: BaseException) -> Exception:
    """A Python error the engine did not mean to raise (a bug: IndexError,
    KeyError, AttributeError, a failed assertion) as the DBAPI's
    InternalError naming the statement, so SQLAlchemy wraps it as
    ``sqlalchemy.exc.InternalError`` like any database error."""
    statement = compiled.statement
    what = type(statement).__name__ if statement is not None else "statement"
    return memory_dbapi.InternalError("the memory dialect failed on this %s: %s: %s" % (what, type(err).__name__, err))


def _flag(url: Any, name: str) -> bool:
    """A yes/no URL query option (``on``/``off``, ``true``/``false``, ``1``/``0``)."""
    value = str(url.query[name]).strip().lower()
    if value in ("on", "true", "1", "yes"):
        return True
    if value in ("off", "false", "0", "no"):
        return False
    raise exc.ArgumentError("memory:// option %s must be on or off, not %r" % (name, url.query[name]))


def _unexpand(compiled: Any, context: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    """Gather expanding-IN values (SQLAlchemy split them into ``name_1``,
    ``name_2``...) back into one list per parameter, and restore
    ``literal_execute`` values."""
    params = dict(params)
    expanded = dict(context._expanded_parameters)
    literal = expanded.pop(_LITERALS_KEY, None)
    escaped = compiled.escaped_bind_names
    for name, keys in expanded.items():
        values = [params[k] for k in keys]
        bind = compiled.binds.get(name)
        if bind is not None and bind.type._is_tuple_type:
            width = len(bind.type.types)
            values = [tuple(values[i : i + width]) for i in range(0, len(values), width)]
        params[escaped.get(name, name) if escaped else name] = values
    if literal:
        # SQLAlchemy rendered these into the SQL through the type's literal
        # processing; the engine stores what the bind processor would send.
        for name, value in literal.items():
            bind = compiled.binds.get(name)
            process = None if bind is None else bind.type._cached_bind_processor(compiled.dialect)
            if process is not None:
                # an expanding IN's list is processed per item; an ARRAY's whole
                expanding = bind is not None and bind.expanding and isinstance(value, (list, tuple))
                value = [process(v) for v in value] if expanding else process(value)
            params.setdefault(escaped.get(name, name) if escaped else name, value)
    return params


dialect = MemoryDialect

try:  # Alembic finds MemoryImpl by the dialect's name once it is imported
    from . import alembic_impl  # noqa: E402,F401
except ImportError:  # Alembic is optional
    pass
