"""DDL: apply SQLAlchemy's DDL elements to the store, never by parsing SQL.

Each change is logged in the transaction's undo log, so DDL is transactional
(as in SQLite and PostgreSQL): rolling back a ``CREATE TABLE`` removes it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

from sqlalchemy import Index

from .errors import NotSupportedError, OperationalError, ProgrammingError
from .runtime import Runtime
from .store import SequenceData, Store, TableData


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


def create_table(element: Any, rt: Runtime) -> None:
    table = element.element
    store = rt.store
    schema = rt.schema(table.schema)
    key = (schema, table.name)
    if key in store.tables:
        if getattr(element, "if_not_exists", False):
            return
        raise OperationalError("table %s already exists" % _qualified(schema, table.name))
    _check_schema(store, schema)
    copy = store.copy_table(table, schema)
    for index in list(copy.indexes):  # CREATE INDEX comes as its own DDL
        copy.indexes.discard(index)
    td = TableData(copy)
    store.tables[key] = td

    def undo() -> None:
        store.tables.pop(key, None)
        store.metadata.remove(copy)

    rt.txn.log_ddl(undo)


def drop_table(element: Any, rt: Runtime) -> None:
    table = element.element
    store = rt.store
    schema = rt.schema(table.schema)
    key = (schema, table.name)
    td = store.tables.get(key)
    if td is None:
        if getattr(element, "if_exists", False):
            return
        raise OperationalError("no such table: %s" % _qualified(schema, table.name))
    del store.tables[key]
    owned = {k: v for k, v in store.index_owners.items() if v is td}
    for k in owned:
        del store.index_owners[k]

    def undo() -> None:
        store.tables[key] = td
        store.index_owners.update(owned)

    rt.txn.log_ddl(undo)


def create_index(element: Any, rt: Runtime) -> None:
    index = element.element
    store = rt.store
    table = index.table
    schema = rt.schema(table.schema)
    td = store.table(schema, table.name)
    key = (schema, index.name)
    if key in store.index_owners:
        if getattr(element, "if_not_exists", False):
            return
        raise OperationalError("index %s already exists" % index.name)
    names = [getattr(e, "name", None) for e in index.expressions]
    plain = all(isinstance(n, str) and n in td.position for n in names)
    if plain:
        td.add_index(str(index.name), names, unique=bool(index.unique), kind="unique index" if index.unique else "index")
        copy = Index(index.name, *[td.table.c[n] for n in names], unique=bool(index.unique))
    elif index.unique:
        raise NotSupportedError(
            "unique expression index %s on %s is not supported by the memory dialect yet"
            % (index.name, td.name)
        )
    else:
        # an expression index only speeds up queries: record it for
        # reflection; queries scan instead
        copy = Index(index.name, *[_copy_expression(e, td.table) for e in index.expressions])
    store.index_owners[key] = td

    def undo() -> None:
        td.drop_index(str(index.name))
        td.table.indexes.discard(copy)
        store.index_owners.pop(key, None)

    rt.txn.log_ddl(undo)


def drop_index(element: Any, rt: Runtime) -> None:
    index = element.element
    store = rt.store
    schema = rt.schema(index.table.schema if index.table is not None else None)
    key = (schema, index.name)
    td = store.index_owners.get(key)
    if td is None:
        if getattr(element, "if_exists", False):
            return
        raise OperationalError("no such index: %s" % index.name)
    hash_index = next(i for i in td.indexes if i.name == index.name)
    copies = [i for i in td.table.indexes if i.name == index.name]
    td.drop_index(str(index.name))
    for c in copies:
        td.table.indexes.discard(c)
    del store.index_owners[key]

    def undo() -> None:
        td.indexes.append(hash_index)
        for c in copies:
            td.table.indexes.add(c)
        store.index_owners[key] = td

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
    return rt.store.table(rt.schema(table.schema), table.name).table


def _store_column(element: Any, rt: Runtime) -> Any:
    column = element.element
    return rt.store.table(rt.schema(column.table.schema), column.table.name).table.c[column.name]


def _textual_ddl(element: Any, rt: Runtime) -> None:
    raise NotSupportedError(
        "textual DDL is not supported by the memory dialect yet: %r" % (str(element.statement)[:200],)
    )


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
}


def _copy_expression(expression: Any, table: Any) -> Any:
    """``expression`` with its columns replaced by the store table's own."""
    from sqlalchemy.sql import visitors

    def replace(element: Any) -> Any:
        if getattr(element, "table", None) is not None and element.__visit_name__ == "column":
            return table.c.get(element.name)
        return None

    return visitors.replacement_traverse(expression, {}, replace)
