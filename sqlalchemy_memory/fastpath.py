"""Fast paths for :class:`~sqlalchemy_memory.MemorySession`: the same
results as a plain ``Session``, without SQLAlchemy's per-row ORM work for
objects the session already holds.

Entity selects
--------------
A plain ``Session`` turns every row of ``select(Item)`` into an object
through ``loading._instance()``: a ``Row``, an identity key, a look-up, and
for an object already in the identity map a check of its unloaded
attributes.  That work is most of the cost of an ORM read.  Here the
statement runs exactly as in a plain session (``orm_pre_session_exec``,
autoflush, the session's connection, ``Connection.execute``, engine events,
``orm_setup_cursor_result``), and then, when it is eligible, the rows are
split before SQLAlchemy sees them:

* a row whose identity is in the identity map, for an object that is not
  expired and has every loaded-by-default column in its ``__dict__`` (a
  "clean hit"), is answered with that object.  For such an object the plain
  path's partial load changes nothing (see ``_populate_partial``);
* every other row (new objects, expired ones, NULL identities of outer
  joins, rows where any entity is not a clean hit) is left in the DBAPI
  cursor, and SQLAlchemy's own loading builds it: load events, deferred and
  lazy attributes, polymorphic identities, all as usual.

The two are merged back in row order inside the real ``Result`` that
``loading.instances()`` made, so its type, keys, ``scalars()``,
``unique()``, ``mappings()``, ``partitions()``, the legacy ``Query``
attributes and the lazy fetch timing are the plain session's.

Eligibility is decided once per compiled statement (cached on it): only
mapper entities, no eager loaders, no ``polymorphic_load="selectin"``, no
``always_refresh``, primary keys without result processing, memory://
cursors.  Each execution also checks what can change between executions:
no ``do_orm_execute`` listeners, no loader options, no ``with_for_update``,
no execution options besides the ORM's defaults, no ``refresh`` listeners.
Anything else takes the plain path unchanged.

``session.get()``
-----------------
``_get_impl`` already answers identity-map hits.  A miss on an eligible
mapper runs the primary-key plan straight against the session's DBAPI
connection (:meth:`sqlalchemy_memory.dbapi.Connection.run_select`) and
builds the object with the row processor SQLAlchemy made for the first miss
of that mapper in this session (kept per identity map).  It needs what skips
no observable step: no engine or connection event listeners, no SQL echo.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import select, util
from sqlalchemy.engine.result import ChunkedIteratorResult
from sqlalchemy.orm import context as orm_context
from sqlalchemy.orm import loading, strategies
from sqlalchemy.sql import util as sql_util
from sqlalchemy.sql.base import CompileState
from sqlalchemy.sql.selectable import Select, SelectState

from . import dbapi as memory_dbapi
from .dialect import translate_map


def _name(module: Any, name: str) -> Any:
    """A SQLAlchemy class by its 2.1 (underscored) or 2.0 name."""
    found = getattr(module, "_" + name, None)
    return found if found is not None else getattr(module, name)


_ORMSelectCompileState = _name(orm_context, "ORMSelectCompileState")
_ORMCompileState = _name(orm_context, "ORMCompileState")
_MapperEntity = orm_context._MapperEntity
QueryContext = orm_context.QueryContext
_DEFAULT_LOAD_OPTIONS = QueryContext.default_load_options
_DEFAULT_COMPILE_OPTIONS = (SelectState.default_select_compile_options, _ORMCompileState.default_compile_options)
_load_on_pk_identity = getattr(loading, "_load_on_pk_identity", None) or loading.load_on_pk_identity

# relationship strategies that do nothing to an object already loaded
_QUIET_RELATIONSHIP_LOADERS = tuple(
    cls
    for cls in (
        _name(strategies, "LazyLoader"),
        getattr(__import__("sqlalchemy.orm.dynamic", fromlist=["x"]), "_DynaLoader", None)
        or __import__("sqlalchemy.orm.dynamic", fromlist=["x"]).DynaLoader,
        getattr(__import__("sqlalchemy.orm.writeonly", fromlist=["x"]), "_WriteOnlyLoader", None)
        or __import__("sqlalchemy.orm.writeonly", fromlist=["x"]).WriteOnlyLoader,
    )
)
_LAZY_LOADER = _QUIET_RELATIONSHIP_LOADERS[0]
_COLUMN_LOADERS = (
    _name(strategies, "ColumnLoader"),
    _name(strategies, "DeferredColumnLoader"),
    _name(strategies, "ExpressionColumnLoader"),
)

# execution options a plain select carries (AsyncSession adds prebuffer_rows)
_ALLOWED_OPTIONS = frozenset(("_sa_orm_load_options", "prebuffer_rows"))
_PLAN_ATTRIBUTE = "_memory_fastpath"
_LEGACY_QUERY_OPTIONS = frozenset(("_use_legacy_query_style", "_for_statement"))
_LEGACY_LOAD_OPTIONS = frozenset(("_legacy_uniquing",))
# Executable's context options: ``_compile_state_funcs`` (2.1), ``_with_context_options`` (2.0)
_CONTEXT_OPTIONS = "_compile_state_funcs" if hasattr(Select, "_compile_state_funcs") else "_with_context_options"
_MISS = object()
# rows looked at before deciding that a result is mostly misses
_SAMPLE = 16


class _Entity:
    """Where one mapper entity's identity is in a raw row."""

    __slots__ = ("identity_class", "indexes")

    def __init__(self, identity_class: type, indexes: Tuple[int, ...]) -> None:
        self.identity_class = identity_class
        self.indexes = indexes


class _Plan:
    """What a compiled entity select needs to answer clean hits."""

    __slots__ = ("entities", "single", "managers", "keysets")

    def __init__(self, entities: List[_Entity], single: bool, mappers: Sequence[Any]) -> None:
        self.entities = entities
        self.single = single
        self.managers = tuple(m.class_manager for m in mappers)
        # per class: the attributes a row would fill; all present = clean
        # (keyed by id: ClassManager hashes in Python)
        self.keysets: Dict[Any, FrozenSet[str]] = {id(m.class_manager): _loaded_keys(m) for m in mappers}


def _loaded_keys(mapper: Any) -> FrozenSet[str]:
    return frozenset(p.key for p in mapper.column_attrs if not p.deferred)


def _mapper_quiet(mapper: Any) -> bool:
    """Whether a row for an object already loaded leaves it untouched in
    every mapper of its hierarchy (no eager loaders, no refresh-always)."""
    cached = mapper.__dict__.get(_PLAN_ATTRIBUTE)
    if cached is not None and cached[0] == len(mapper._props):
        return bool(cached[1])
    quiet = True
    for m in mapper.base_mapper.self_and_descendants:
        if m.always_refresh or m.polymorphic_load == "selectin":
            quiet = False
            break
        for prop in m.iterate_properties:
            strategy = getattr(prop, "strategy", None)
            if strategy is None:
                continue  # synonyms, composites: no loading of their own
            if getattr(prop, "_is_relationship", False):
                ok = isinstance(strategy, _QUIET_RELATIONSHIP_LOADERS) and (
                    type(strategy) is not _LAZY_LOADER or strategy.is_class_level
                )
            else:
                ok = type(strategy) in _COLUMN_LOADERS and getattr(strategy, "is_class_level", True)
            if not ok:
                quiet = False
                break
        if not quiet:
            break
    mapper.__dict__[_PLAN_ATTRIBUTE] = (len(mapper._props), quiet)
    return quiet


def _plan(cursor_result: Any) -> Optional[_Plan]:
    """The plan for the compiled statement behind ``cursor_result``; None
    when it is not eligible.  Cached on the compiled statement."""
    compiled = cursor_result.context.compiled
    entry = compiled.__dict__.get(_PLAN_ATTRIBUTE, _MISS)
    if entry is not _MISS:
        return entry  # type: ignore[no-any-return]
    plan = None
    try:
        plan = _build_plan(compiled, cursor_result._metadata)
    except Exception:  # noqa: BLE001 - anything unexpected: the plain path
        plan = None
    compiled.__dict__[_PLAN_ATTRIBUTE] = plan
    return plan


def _build_plan(compiled: Any, metadata: Any) -> Optional[_Plan]:
    cs = compiled.compile_state
    if type(cs) is not _ORMSelectCompileState:
        return None
    if (
        cs.compile_options._is_star
        or cs.compile_options._only_load_props
        or cs.compile_options._for_refresh_state
        or cs.multi_row_eager_loaders
        or cs.compound_eager_adapter is not None
        or cs.eager_joins
        or cs.create_eager_joins
    ):
        return None
    entities: List[_Entity] = []
    mappers: List[Any] = []
    processors = metadata._processors
    for ent in cs._entities:
        if type(ent) is not _MapperEntity:
            return None
        mapper = ent.mapper
        if not _mapper_quiet(mapper):
            return None
        adapter = ent._get_entity_clauses(cs)
        pk_cols = list(mapper.primary_key)
        if adapter:
            pk_cols = [adapter.columns[c] for c in pk_cols]
        indexes = tuple(metadata._index_for_key(c, True) for c in pk_cols)
        if any(processors[i] is not None for i in indexes):
            return None  # identity values would differ from the raw ones
        entities.append(_Entity(mapper._identity_class, indexes))
        for m in mapper.base_mapper.self_and_descendants:
            if m not in mappers:
                mappers.append(m)
    single = len(cs._entities) == 1 and cs._entities[0].supports_single_entity
    return _Plan(entities, single, mappers)


def _default_compile_options(options: Any) -> bool:
    """Default compile options, or a legacy ``Query``'s (which only changes
    column labels)."""
    for default in _DEFAULT_COMPILE_OPTIONS:
        if options is default:
            return True
    default = _ORMCompileState.default_compile_options
    return type(options) is default and _LEGACY_QUERY_OPTIONS.issuperset(options.__dict__) and not options._for_statement


def _statement_eligible(session: Any, statement: Any, execution_options: Mapping[str, Any]) -> bool:
    """Checks on the statement and this execution, before anything runs."""
    if statement.__class__ is not Select or session.dispatch.do_orm_execute:
        return False
    if statement._propagate_attrs.get("compile_state_plugin") != "orm":
        return False
    if statement._with_options or statement._for_update_arg is not None:
        return False
    if getattr(statement, _CONTEXT_OPTIONS, None):
        return False  # with_loader_criteria() and other context options
    if statement._execution_options or getattr(session, "execution_options", None):
        return False
    if not _default_compile_options(statement._compile_options):
        return False
    if execution_options:
        if not _ALLOWED_OPTIONS.issuperset(execution_options):
            return False
        load_options = execution_options.get("_sa_orm_load_options", _DEFAULT_LOAD_OPTIONS)
        if load_options is not _DEFAULT_LOAD_OPTIONS and not (
            # a legacy Query's: uniquing is the Result's own (SQLAlchemy builds it)
            type(load_options) is _DEFAULT_LOAD_OPTIONS
            and _LEGACY_LOAD_OPTIONS.issuperset(load_options.__dict__)
        ):
            return False
    return True


def execute(session: Any, statement: Any, params: Any, execution_options: Mapping[str, Any]) -> Optional[Any]:
    """``Session._execute_internal`` for an eligible entity select; None
    (nothing run) when the statement must take the plain path, or when
    the identity map is empty and no row can be a hit."""
    if not session.identity_map._dict or not _statement_eligible(session, statement, execution_options):
        return None
    compile_state_cls = CompileState._get_plugin_class_for_plugin(statement, "orm")
    bind_arguments: Dict[str, Any] = {}
    options = util.coerce_to_immutabledict(execution_options)
    prepared = compile_state_cls.orm_pre_session_exec(session, statement, params, options, bind_arguments, False)
    statement, options = prepared[0], prepared[1]
    if len(prepared) > 2:
        params = prepared[2]  # SQLAlchemy 2.1 returns the parameters too
    bind = session.get_bind(**bind_arguments)
    conn = session._connection_for_bind(bind)
    cursor_result = conn.execute(statement, params or {}, execution_options=options)
    plan = _usable_plan(cursor_result)
    split: Optional[_Split] = None
    if plan is not None and 2 * len(session.identity_map._dict) >= len(cursor_result.cursor._rows):
        # (with fewer objects held than half the rows, most rows are misses)
        split = _Split(plan, session, cursor_result.cursor)
        if options.get("prebuffer_rows"):
            split.resolve()  # SQLAlchemy loads everything now: split first
    result = compile_state_cls.orm_setup_cursor_result(
        session, statement, params or {}, options, bind_arguments, cursor_result
    )
    if split is None or split.plain:
        return result
    if result.__class__ is not ChunkedIteratorResult or result._yield_per:
        split.restore()
        return result
    split.attach(result)
    return result


def _usable_plan(cursor_result: Any) -> Optional[_Plan]:
    dbapi_cursor = cursor_result.cursor
    if dbapi_cursor.__class__ is not memory_dbapi.Cursor or dbapi_cursor._pos:
        return None
    if cursor_result.context._is_server_side:
        return None
    plan = _plan(cursor_result)
    if plan is None:
        return None
    for manager in plan.managers:
        if manager.dispatch.refresh:
            return None  # the plain path fires it for hits with unloaded attributes
    return plan


class _Split:
    """The rows of one execution, split into clean hits (answered here) and
    the rest (left in the DBAPI cursor for SQLAlchemy's loading)."""

    __slots__ = ("plan", "session", "cursor", "raw", "out", "plain")

    def __init__(self, plan: _Plan, session: Any, cursor: Any) -> None:
        self.plan = plan
        self.session = session
        self.cursor = cursor
        self.raw: List[Tuple[Any, ...]] = cursor._rows
        self.out: Optional[List[Any]] = None
        self.plain = False

    def restore(self) -> None:
        if self.out is not None:
            self.cursor._rows = self.raw
            self.cursor._pos = 0

    def resolve(self) -> None:
        """Split the rows; or, when the first rows are mostly misses (a
        session that does not hold what it reads), leave them all to
        SQLAlchemy (``self.plain``): looking them up would only add work."""
        if self.out is not None or self.plain:
            return
        plan = self.plan
        identities = self.session.identity_map._dict
        keysets = plan.keysets
        out: List[Any] = []
        misses: List[Tuple[Any, ...]] = []
        append, miss = out.append, misses.append
        if plan.single and len(plan.entities[0].indexes) == 1 and len(plan.managers) == 1:
            # the hot loop: one class, one primary key column
            identity_class = plan.entities[0].identity_class
            index = plan.entities[0].indexes[0]
            manager = plan.managers[0]
            keys = keysets[id(manager)]
            get = identities.get

            def scan(rows: Iterable[Tuple[Any, ...]]) -> None:
                for row in rows:
                    state = get((identity_class, (row[index],), None))
                    if state is not None and not state.expired and state.manager is manager:
                        obj = state.obj()
                        if obj is not None and obj.__dict__.keys() >= keys:
                            append(obj)
                            continue
                    append(_MISS)
                    miss(row)

        else:
            entities = plan.entities

            def scan(rows: Iterable[Tuple[Any, ...]]) -> None:
                for row in rows:
                    objs = []
                    for ent in entities:
                        state = identities.get((ent.identity_class, tuple([row[i] for i in ent.indexes]), None))
                        if state is None or state.expired:
                            break
                        obj = state.obj()
                        if obj is None:
                            break
                        keys = keysets.get(id(state.manager))
                        if keys is None or not obj.__dict__.keys() >= keys:
                            break
                        objs.append(obj)
                    else:
                        append(objs[0] if plan.single else tuple(objs))
                        continue
                    append(_MISS)
                    miss(row)

        rows = iter(self.raw)
        scan(itertools.islice(rows, _SAMPLE))
        if 2 * len(misses) > len(out):
            self.plain = True
            return
        scan(rows)
        self.out = out
        self.cursor._rows = misses
        self.cursor._pos = 0

    def attach(self, result: Any) -> None:
        """Make ``result`` (SQLAlchemy's own) yield the merged rows."""
        loaded_chunks: Callable[[Optional[int]], Iterator[List[Any]]] = result.chunks

        def chunks(size: Optional[int]) -> Iterator[List[Any]]:
            self.resolve()
            if self.plain:
                yield from loaded_chunks(size)
                return
            out = self.out
            assert out is not None
            loaded = [row for chunk in loaded_chunks(None) for row in chunk]
            if loaded:
                it = iter(loaded)
                out = [next(it) if row is _MISS else row for row in out]
            if size:
                for start in range(0, len(out), size):
                    yield out[start : start + size]
            else:
                yield out

        result.chunks = chunks
        result.iterator = itertools.chain.from_iterable(chunks(None))


# -- session.get() -----------------------------------------------------------

_GET_STATEMENTS: "weakref.WeakKeyDictionary[Any, Tuple[Any, str]]" = weakref.WeakKeyDictionary()
_GET_ATTRIBUTE = "_memory_get_loaders"

# connection-level events that a plain get() would fire
_CONNECTION_EVENTS = ("before_execute", "after_execute", "before_cursor_execute", "after_cursor_execute")


def get_eligible(
    session: Any,
    mapper: Any,
    options: Any,
    populate_existing: Any,
    with_for_update: Any,
    identity_token: Any,
    execution_options: Mapping[str, Any],
    bind_arguments: Any,
) -> bool:
    """Whether a ``get()`` miss may skip ``Session.execute``."""
    return not (
        options
        or populate_existing
        or with_for_update is not None
        or identity_token is not None
        or execution_options
        or bind_arguments
        or session.dispatch.do_orm_execute
        or getattr(session, "execution_options", None)
        or len(mapper.primary_key) != 1
        or not _mapper_quiet(mapper)
        or any(m.class_manager.dispatch.refresh for m in mapper.base_mapper.self_and_descendants)
    )


def _get_statement(mapper: Any) -> Tuple[Any, str]:
    """``select(mapper)`` with the primary-key criterion, as
    ``loading.load_on_pk_identity`` builds it; one per mapper, so its cache
    key is computed once."""
    entry = _GET_STATEMENTS.get(mapper)
    if entry is None:
        clause, params = mapper._get_clause
        q = select(mapper)
        q._where_criteria = (sql_util._deep_annotate(clause, {"_orm_adapt": True}),)
        q._compile_options = _ORMCompileState.default_compile_options
        entry = (q, params[mapper.primary_key[0]].key)
        _GET_STATEMENTS[mapper] = entry
    return entry


class _GetLoader:
    """One mapper's primary-key load in one session: the compiled statement,
    its parameters, and SQLAlchemy's row processor, made by the first miss."""

    __slots__ = ("compiled", "params", "key", "process", "instance", "rows", "identity_map", "schema_map")

    def __init__(self, cursor_result: Any, param: str, instance: Any, identity_map: Any, schema_map: Any) -> None:
        context = cursor_result.context
        compiled = context.compiled
        self.compiled = compiled
        self.params: Dict[str, Any] = dict(context.parameters[0])
        escaped = compiled.escaped_bind_names
        self.key: str = escaped.get(param, param) if escaped else param
        self.process: Optional[Callable[[Any], Any]] = compiled._bind_processors.get(param)
        self.instance = instance
        self.rows = _row_maker(cursor_result)
        self.identity_map = identity_map
        self.schema_map = schema_map


# dialect events a plain get() would fire around the DBAPI call
_DIALECT_EVENTS = ("do_execute", "do_execute_no_params", "do_executemany", "do_setinputsizes")


def _quiet(conn: Any) -> bool:
    """Whether running a statement on ``conn`` shows nothing but its rows:
    no event listeners, no SQL echo."""
    if conn._echo:
        return False
    dispatch = conn.dispatch
    for name in _CONNECTION_EVENTS:
        if getattr(dispatch, name):
            return False
    dispatch = conn.dialect.dispatch
    for name in _DIALECT_EVENTS:
        if getattr(dispatch, name):
            return False
    return True


def load_on_pk_identity(
    session: Any,
    statement: Any,
    primary_key_identity: Any,
    *,
    load_options: Any = None,
    identity_token: Any = None,
    execution_options: Any = None,
    bind_arguments: Any = None,
) -> Any:
    """``loading.load_on_pk_identity`` for an eligible ``get()`` miss."""
    mapper = statement._propagate_attrs["plugin_subject"].mapper
    q, param = _get_statement(mapper)
    value = primary_key_identity[0]
    if (mapper._identity_class, (value,), None) in session.identity_map._dict:
        # a row for an identity already held (an object being collected):
        # SQLAlchemy's own load decides what happens to it
        return _load_on_pk_identity(
            session,
            statement,
            primary_key_identity,
            load_options=load_options,
            identity_token=identity_token,
            execution_options=execution_options or {},
            bind_arguments=bind_arguments or {},
        )
    session._autoflush()  # as the plain load's orm_pre_session_exec does
    conn = session._connection_for_bind(session.get_bind(mapper=mapper, clause=q))
    loaders: Dict[Any, _GetLoader] = session.__dict__.setdefault(_GET_ATTRIBUTE, {})
    loader = loaders.get(mapper)
    quiet = _quiet(conn)
    if (
        quiet
        and loader is not None
        and loader.identity_map is session.identity_map
        and loader.schema_map == conn._execution_options.get("schema_translate_map")
    ):
        dbapi_conn = conn.connection.dbapi_connection
        if dbapi_conn.__class__ is memory_dbapi.Connection:
            params = dict(loader.params)
            params[loader.key] = value if loader.process is None else loader.process(value)
            raw = dbapi_conn.run_select(loader.compiled, params, translate_map(conn._execution_options))
            if not raw:
                return None
            return loader.instance(loader.rows(raw)[0])
    # the first miss (or a connection that is not quiet): SQLAlchemy's way,
    # keeping the row processor it made
    compile_state_cls = CompileState._get_plugin_class_for_plugin(q, "orm")
    load_options = load_options or _DEFAULT_LOAD_OPTIONS
    options = util.immutabledict({"_sa_orm_load_options": load_options})
    bind_args: Dict[str, Any] = {}
    prepared = compile_state_cls.orm_pre_session_exec(session, q, {param: value}, options, bind_args, True)
    options = prepared[1]
    cursor_result = conn.execute(q, {param: value}, execution_options=options)
    dbapi_cursor = cursor_result.cursor
    if not quiet or dbapi_cursor.__class__ is not memory_dbapi.Cursor or _plan(cursor_result) is None:
        result = compile_state_cls.orm_setup_cursor_result(session, q, {param: value}, options, bind_args, cursor_result)
        return _one(result)
    querycontext = QueryContext(
        cursor_result.context.compiled.compile_state,
        q,
        q,
        {param: value},
        session,
        load_options,
        options,
        bind_args,
    )
    querycontext.runid = loading._new_runid()
    querycontext.post_load_paths = {}
    querycontext.partials = {}
    instance = querycontext.compile_state._entities[0].row_processor(querycontext, cursor_result)[0]
    loader = _GetLoader(
        cursor_result, param, instance, session.identity_map, conn._execution_options.get("schema_translate_map")
    )
    raw = list(dbapi_cursor.fetchall())
    cursor_result._soft_close()
    loaders[mapper] = loader
    return loader.instance(loader.rows(raw)[0]) if raw else None


def _row_maker(cursor_result: Any) -> Callable[[Sequence[Tuple[Any, ...]]], Sequence[Any]]:
    """Raw DBAPI rows to what ORM row processors take: processed tuples on
    SQLAlchemy 2.1, ``Row`` objects on 2.0."""
    getter = cursor_result._row_getter
    if isinstance(getter, tuple):
        interim = getter[2]
        return interim  # type: ignore[no-any-return]
    make_row = getter
    return lambda raw: [make_row(r) for r in raw]


def _one(result: Any) -> Any:
    from sqlalchemy.orm import exc as orm_exc

    try:
        return result.unique().scalars().one()
    except orm_exc.NoResultFound:
        return None


def plain_load_on_pk_identity() -> Any:
    """SQLAlchemy's own primary-key loader (the name differs in 2.0 and 2.1)."""
    return _load_on_pk_identity
