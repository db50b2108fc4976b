"""DDL: apply SQLAlchemy's DDL elements to the store, never by parsing SQL.

Each change is logged in the transaction's undo log, so DDL is transactional
(as in SQLite and PostgreSQL): rolling back a ``CREATE TABLE`` removes it.
Views keep their ``Select`` (``views.py``); ``CREATE TABLE AS`` and
materialized views run it through the planner once.  Textual ``DDL("...")``
is turned into these same elements by the SQL-text path (``sqltext/``).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, MetaData, PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.sql import operators
from sqlalchemy.sql.base import _NoneName

from . import constraints
from .errors import IntegrityError, NotSupportedError, OperationalError
from .runtime import Runtime
from .store import Row, SequenceData, Store, TableData
from .views import ViewData, is_temporary, views_of


def execute_ddl(element: Any, rt: Runtime) -> None:
    handler = _HANDLERS.get(element.__visit_name__)
    if handler is None:
        raise NotSupportedError(
            "DDL %s is not supported by the memory dialect yet" % type(element).__name__
        )
    handler(element, rt)


def _qualified(schema: Optional[str], name: str) -> str:
    return "%s.%s" % (schema, name) if schema else name


def _check_schema(store: Store, schema: Optional[str]) -> None:
    if schema is not None and schema not in store.schemas:
        raise OperationalError("unknown database schema: %s" % schema)


def _exists(store: Store, key: Tuple[Optional[str], str]) -> bool:
    """Tables and views share one namespace, as in SQL databases."""
    return key in store.tables or key in views_of(store)


def _new_table_key(table: Table, rt: Runtime, if_not_exists: bool) -> Optional[Tuple[Optional[str], str]]:
    """The key a new table takes; None when it exists and IF NOT EXISTS
    makes that a no-op."""
    schema = rt.schema(table.schema)
    key = (schema, table.name)
    if _exists(rt.store, key):
        if if_not_exists:
            return None
        raise OperationalError("table %s already exists" % _qualified(schema, table.name))
    _check_schema(rt.store, schema)
    return key


def create_table(element: Any, rt: Runtime) -> None:
    table = element.element
    if is_temporary(table):
        key = _new_temp_table_key(table, rt, getattr(element, "if_not_exists", False))
        if key is None:
            return
        copy = _copy_temp_table(table, key[0])
    else:
        key = _new_table_key(table, rt, getattr(element, "if_not_exists", False))
        if key is None:
            return
        copy = rt.store.copy_table(table, key[0])
    for index in list(copy.indexes):  # CREATE INDEX comes as its own DDL
        copy.indexes.discard(index)
    include = getattr(element, "include_foreign_key_constraints", None)
    if include is not None:  # the others come later as ALTER TABLE ADD CONSTRAINT
        wanted = {_fk_signature(fk) for fk in include}
        for fk in list(copy.foreign_key_constraints):
            if _fk_signature(fk) not in wanted:
                _remove_foreign_key(copy, fk)
    _name_constraints(copy)
    _add_table(rt, key, copy)


def _fk_signature(fk: ForeignKeyConstraint) -> Tuple[Any, ...]:
    """A foreign key by its columns and what they refer to (a table's copy
    has copies of its constraints, not the same objects)."""
    return tuple((e.parent.name, e._column_tokens[1:]) for e in fk.elements)


def _remove_foreign_key(table: Table, fk: ForeignKeyConstraint) -> None:
    table.constraints.discard(fk)
    for element in fk.elements:
        element.parent.foreign_keys.discard(element)
        table.foreign_keys.discard(element)


def _add_table(rt: Runtime, key: Tuple[Optional[str], str], copy: Table) -> TableData:
    store = rt.store
    td = TableData(copy)
    if is_temporary(copy):
        rt.txn.set_temp_table(key, td)
        return td
    rt.txn.log_ddl(lambda: store.metadata.remove(copy))
    _set_table(rt, key, td)
    return td


def _new_temp_table_key(table: Table, rt: Runtime, if_not_exists: bool) -> Optional[Tuple[Optional[str], str]]:
    """The key a new temporary table takes in its connection's own catalog,
    where it may shadow a shared table or view of the same name."""
    schema = rt.schema(table.schema)
    key = (schema, table.name)
    if key in rt.txn.temp_tables or key in rt.txn.temp_views:
        if if_not_exists:
            return None
        raise OperationalError("table %s already exists" % _qualified(schema, table.name))
    _check_schema(rt.store, schema)
    return key


def _copy_temp_table(table: Table, schema: Optional[str]) -> Table:
    """A temporary table's catalog ``Table``, in a ``MetaData`` of its own:
    ``store.metadata`` holds one table per name, and another connection may
    have a table of the same name."""
    copy = table.to_metadata(MetaData(), schema=schema)
    copy._prefixes = ["TEMPORARY"]  # to_metadata drops the prefixes
    return copy


def _set_table(rt: Runtime, key: Tuple[Optional[str], str], td: Optional[TableData]) -> None:
    """Create or drop a catalog entry; the transaction keeps it from other
    connections until commit (``Transaction.set_table``)."""
    set_table = getattr(rt.txn, "set_table", None)
    if set_table is not None:
        set_table(key, td)
        return
    tables = rt.store.tables
    old = tables.pop(key, None)
    if td is not None:
        tables[key] = td

    def undo() -> None:
        tables.pop(key, None)
        if old is not None:
            tables[key] = old

    rt.txn.log_ddl(undo)


def _name_constraints(table: Table) -> None:
    """Name unnamed constraints as PostgreSQL does (``t_pkey``,
    ``t_col_key``, ``t_col_fkey``, ``t_check``): reflection and error
    messages then have a name for every constraint."""
    taken = {str(c.name) for c in table.constraints if not _unnamed(c)}
    taken.update(str(c.name) for col in table.columns for c in col.constraints if not _unnamed(c))

    def fresh(base: str) -> str:
        name, n = base, 0
        while name in taken:
            n += 1
            name = "%s%d" % (base, n)
        taken.add(name)
        return name

    column_checks = [c for col in table.columns for c in col.constraints]
    for cons in sorted([*table.constraints, *column_checks], key=lambda c: getattr(c, "_creation_order", 0)):
        if not _unnamed(cons):
            continue
        cols = "_".join(c.name for c in getattr(cons, "columns", ()))
        if isinstance(cons, PrimaryKeyConstraint):
            if cons.columns:
                cons.name = fresh("%s_pkey" % table.name)
        elif isinstance(cons, UniqueConstraint):
            cons.name = fresh("%s_%s_key" % (table.name, cols))
        elif isinstance(cons, ForeignKeyConstraint):
            cons.name = fresh("%s_%s_fkey" % (table.name, cols))
        elif isinstance(cons, CheckConstraint):
            cons.name = fresh("%s_check" % table.name)


def _unnamed(cons: Any) -> bool:
    return cons.name is None or isinstance(cons.name, _NoneName)


def drop_table(element: Any, rt: Runtime) -> None:
    table = element.element
    store = rt.store
    schema = rt.schema(table.schema)
    key = (schema, table.name)
    temp = rt.txn.temp_tables.get(key) if rt.txn.temp_tables else None
    if temp is not None:  # it shadows any shared table of that name
        _remove_table(rt, key, temp)
        return
    td = store.tables.get(key)
    if td is None:
        if getattr(element, "if_exists", False):
            return
        raise OperationalError("no such table: %s" % _qualified(schema, table.name))
    if key in views_of(store):
        raise OperationalError("%s is a view: use DROP VIEW" % _qualified(schema, table.name))
    constraints.check_drop(rt, td)
    _remove_table(rt, key, td)


def _remove_table(rt: Runtime, key: Tuple[Optional[str], str], td: TableData) -> None:
    temporary = rt.txn.temp_tables.get(key) is td
    owners = rt.txn.temp_index_owners if temporary else rt.store.index_owners
    owned = {k: v for k, v in owners.items() if v is td}
    for k in owned:
        del owners[k]
    rt.txn.log_ddl(lambda: owners.update(owned))
    if temporary:
        rt.txn.set_temp_table(key, None)
        return
    _set_table(rt, key, None)


_SORT_OPS = (operators.asc_op, operators.desc_op, operators.nulls_first_op, operators.nulls_last_op)


def _sorted_column(expression: Any) -> Any:
    """The column under ``col.desc()`` and the like (``None`` when there is
    none): ordering does not matter to a hash index."""
    while getattr(expression, "modifier", None) in _SORT_OPS:
        expression = expression.element
    return expression if expression.__visit_name__ == "column" else None


def create_index(element: Any, rt: Runtime) -> None:
    index = element.element
    store = rt.store
    table = index.table
    schema = rt.schema(table.schema)
    td = rt.catalog_table(schema, table.name)
    key = (schema, index.name)
    # a temporary table's indexes are named apart, as in PostgreSQL's pg_temp
    temporary = rt.txn.temp_tables.get((schema, table.name)) is td
    owners = rt.txn.temp_index_owners if temporary else store.index_owners
    if key in owners:
        if getattr(element, "if_not_exists", False):
            return
        raise OperationalError("index %s already exists" % index.name)
    columns = [_sorted_column(e) for e in index.expressions]
    names = [c.name if c is not None else None for c in columns]
    plain = all(isinstance(n, str) and n in td.position for n in names)
    if plain:
        td.add_index(str(index.name), names, unique=bool(index.unique), kind="unique index" if index.unique else "index")  # type: ignore[arg-type]
    elif index.unique:
        raise NotSupportedError(
            "unique expression index %s on %s is not supported by the memory dialect yet"
            % (index.name, td.name)
        )
    # an expression index only speeds up queries: it is recorded for
    # reflection, and queries scan instead
    copy = Index(
        index.name,
        *[_copy_expression(e, td.table) for e in index.expressions],
        unique=bool(index.unique),
        _table=td.table,
    )
    owners[key] = td

    def undo() -> None:
        td.drop_index(str(index.name))
        td.table.indexes.discard(copy)
        owners.pop(key, None)

    rt.txn.log_ddl(undo)


def drop_index(element: Any, rt: Runtime) -> None:
    index = element.element
    store = rt.store
    schema = rt.schema(index.table.schema if index.table is not None else None)
    key = (schema, index.name)
    owners = rt.txn.temp_index_owners if key in rt.txn.temp_index_owners else store.index_owners
    td = owners.get(key)
    if td is None:
        if getattr(element, "if_exists", False):
            return
        raise OperationalError("no such index: %s" % index.name)
    hash_index = next(i for i in td.indexes if i.name == index.name)
    copies = [i for i in td.table.indexes if i.name == index.name]
    td.drop_index(str(index.name))
    for c in copies:
        td.table.indexes.discard(c)
    del owners[key]

    def undo() -> None:
        td.restore_index(hash_index)
        for c in copies:
            td.table.indexes.add(c)
        owners[key] = td

    rt.txn.log_ddl(undo)


def create_sequence(element: Any, rt: Runtime) -> None:
    seq = element.element
    store = rt.store
    key = (rt.schema(seq.schema), seq.name)
    if key in store.sequences:
        if getattr(element, "if_not_exists", False):
            return
        raise OperationalError("sequence %s already exists" % seq.name)
    store.sequences[key] = SequenceData(seq)
    rt.txn.log_ddl(lambda: store.sequences.pop(key, None))


def drop_sequence(element: Any, rt: Runtime) -> None:
    seq = element.element
    store = rt.store
    key = (rt.schema(seq.schema), seq.name)
    data = store.sequences.pop(key, None)
    if data is None:
        if getattr(element, "if_exists", False):
            return
        raise OperationalError("no such sequence: %s" % seq.name)
    rt.txn.log_ddl(lambda: store.sequences.__setitem__(key, data))


def create_schema(element: Any, rt: Runtime) -> None:
    name = element.element
    store = rt.store
    if name in store.schemas:
        if getattr(element, "if_not_exists", False):
            return
        raise OperationalError("schema %s already exists" % name)
    store.schemas.add(name)
    rt.txn.log_ddl(lambda: store.schemas.discard(name))


def drop_schema(element: Any, rt: Runtime) -> None:
    name = element.element
    store = rt.store
    if name not in store.schemas:
        if getattr(element, "if_exists", False):
            return
        raise OperationalError("no such schema: %s" % name)
    if any(s == name for s, _ in store.tables) and not getattr(element, "cascade", False):
        raise OperationalError("schema %s is not empty" % name)
    store.schemas.discard(name)
    rt.txn.log_ddl(lambda: store.schemas.add(name))


def _set_comment(attribute_owner: Callable[[Any, Runtime], Any], value: Callable[[Any], Optional[str]]) -> Callable[[Any, Runtime], None]:
    def handler(element: Any, rt: Runtime) -> None:
        target = attribute_owner(element, rt)
        old = target.comment
        target.comment = value(element)
        rt.txn.log_ddl(lambda: setattr(target, "comment", old))

    return handler


def _store_table(element: Any, rt: Runtime) -> Any:
    table = element.element
    return rt.catalog_table(rt.schema(table.schema), table.name).table


def _store_column(element: Any, rt: Runtime) -> Any:
    column = element.element
    return rt.catalog_table(rt.schema(column.table.schema), column.table.name).table.c[column.name]


def _textual_ddl(element: Any, rt: Runtime) -> None:
    # the dialect sends DDL("...") to the SQL-text path (sqltext/), which
    # turns it into DDL elements; reaching here means it was bypassed
    raise NotSupportedError("textual DDL is run by the SQL-text path: %r" % (str(element.statement)[:200],))


# -- views and CREATE TABLE AS ---------------------------------------------------


def run_select(select: Any, rt: Runtime) -> List[Row]:
    """Rows of a SQLAlchemy ``Select`` (bind values taken from the statement),
    run through the query planner like any statement."""
    from . import planner

    compiled = select.compile(dialect=_dialect())
    plan = planner.plan_for(compiled, rt)
    rows, _, _ = plan.run(rt, [compiled.construct_params()])
    return [tuple(r) for r in rows]


_DIALECT: List[Any] = []


def _dialect() -> Any:
    """A memory dialect to compile stored selects with (the module cannot
    import the dialect at load time: the dialect imports this module)."""
    if not _DIALECT:
        from ..dialect import MemoryDialect

        _DIALECT.append(MemoryDialect())
    return _DIALECT[0]


def fill_table(td: TableData, rows: List[Row], rt: Runtime) -> None:
    """Insert ``rows`` (already in column order) into a new table."""
    txn = rt.txn
    txn.writing(td)
    inserted = txn.inserting(td).append  # one undo entry for all the rows
    for row in rows:
        td.check_row(row, None)
        key = td.new_key(row)
        if key in td.rows:
            raise IntegrityError("UNIQUE constraint failed: %s (primary key)" % td.name)
        td.link(key, row)
        inserted(key)


def create_table_as(element: Any, rt: Runtime) -> None:
    table = element.table
    if element.temporary:
        key = _new_temp_table_key(table, rt, element.if_not_exists)
    else:
        key = _new_table_key(table, rt, element.if_not_exists)
    if key is None:
        return
    rows = run_select(element.selectable, rt)
    if element.temporary:
        copy = _copy_temp_table(table, key[0])
    else:
        copy = rt.store.copy_table(table, key[0])
    fill_table(_add_table(rt, key, copy), rows, rt)


def create_view(element: Any, rt: Runtime) -> None:
    table = element.table
    add_view(
        rt,
        table,
        rt.schema(table.schema),
        element.selectable,
        None,
        temporary=element.temporary,
        materialized=getattr(element, "materialized", False),
        or_replace=getattr(element, "or_replace", False),
        if_not_exists=bool(getattr(element, "if_not_exists", False)),
    )


def add_view(
    rt: Runtime,
    table: Table,
    schema: Optional[str],
    select: Any,
    definition: Optional[str],
    temporary: bool = False,
    materialized: bool = False,
    or_replace: bool = False,
    if_not_exists: bool = False,
) -> None:
    """Create a view named like ``table`` with ``table``'s columns; a
    temporary one only for this connection (``Transaction.temp_views``)."""
    store = rt.store
    private = temporary and not materialized
    views = rt.txn.temp_views if private else views_of(store)
    key = (schema, table.name)
    if (key in views or key in rt.txn.temp_tables) if private else _exists(store, key):
        if if_not_exists:
            return
        old = views.get(key)
        if not (or_replace and old is not None and not old.materialized):
            raise OperationalError("table %s already exists" % _qualified(schema, table.name))
        drop_view_key(rt, key)
    _check_schema(store, schema)
    rows = run_select(select, rt) if materialized else None
    copy = _copy_temp_table(table, schema) if private else store.copy_table(table, schema)
    view = ViewData(copy, select, definition, temporary=temporary, materialized=materialized)
    if rows is not None:
        fill_table(_add_table(rt, key, copy), rows, rt)
    views[key] = view
    rt.txn.log_ddl(lambda: views.pop(key, None))


def drop_view(element: Any, rt: Runtime) -> None:
    table = element.element
    schema = rt.schema(table.schema)
    key = (schema, table.name)
    if key not in rt.txn.temp_views and key not in views_of(rt.store):
        if element.if_exists:
            return
        raise OperationalError("no such view: %s" % _qualified(schema, table.name))
    drop_view_key(rt, key)


def drop_view_key(rt: Runtime, key: Tuple[Optional[str], str]) -> None:
    views = rt.txn.temp_views if key in rt.txn.temp_views else views_of(rt.store)
    view = views.pop(key)
    rt.txn.log_ddl(lambda: views.__setitem__(key, view))
    if view.materialized:
        _remove_table(rt, key, rt.store.tables[key])


_HANDLERS: Dict[str, Callable[[Any, Runtime], None]] = {
    "create_table": create_table,
    "drop_table": drop_table,
    "create_index": create_index,
    "drop_index": drop_index,
    "create_sequence": create_sequence,
    "drop_sequence": drop_sequence,
    "create_schema": create_schema,
    "drop_schema": drop_schema,
    "set_table_comment": _set_comment(_store_table, lambda e: e.element.comment),
    "drop_table_comment": _set_comment(_store_table, lambda e: None),
    "set_column_comment": _set_comment(_store_column, lambda e: e.element.comment),
    "drop_column_comment": _set_comment(_store_column, lambda e: None),
    "ddl": _textual_ddl,
    "create_table_as": create_table_as,
    "create_view": create_view,
    "drop_view": drop_view,
    "memory_alter_table": lambda element, rt: _alter().alter_table(element, rt),
    "add_constraint": lambda element, rt: _alter().add_constraint(element, rt),
    "drop_constraint": lambda element, rt: _alter().drop_constraint(element, rt),
    # Alembic's ALTER elements (alembic.ddl.base) have no visit name of their own
    "clause": lambda element, rt: _alter().alembic_element(element, rt),
}


def _alter() -> Any:
    from . import alter  # alter imports this module

    return alter


def _copy_expression(expression: Any, table: Any) -> Any:
    """``expression`` with its columns replaced by the store table's own."""
    from sqlalchemy.sql import visitors

    def replace(element: Any) -> Any:
        if getattr(element, "table", None) is not None and element.__visit_name__ == "column":
            return table.c.get(element.name)
        return None

    return visitors.replacement_traverse(expression, {}, replace)
