"""ALTER TABLE: rebuild a table with a new layout, transactionally.

SQLAlchemy Core has no ALTER constructs, so the SQL-text path
(``sqltext/schema.py``) builds the private elements below and runs them
through ``ddl.execute_ddl`` like any DDL element.

A layout never changes in place: each action builds a new store ``Table``
(in ``store.metadata``) and a new :class:`TableData` holding the rows
rewritten, then swaps it into the catalog with ``Transaction.set_table``.
So other connections keep the committed table until commit, a rollback
puts the old one back, and cached plans, which compare ``TableData.names``
by identity, are rebuilt for the new layout.  Indexes, constraints and the
foreign keys of other tables pointing at a renamed table or column follow.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

from sqlalchemy import (
    CheckConstraint,
    Column,
    DefaultClause,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.sql import visitors

from .errors import DataError, IntegrityError, OperationalError
from .runtime import Runtime
from .store import Row, TableData
from .types import converter
from .views import views_of

Key = Tuple[Optional[str], str]
Name = Tuple[str, bool]  # (text, quoted): an unquoted name also matches ignoring case
UNSET: Any = object()


# -- the elements ------------------------------------------------------------------


class AddColumn:
    def __init__(self, column: Column[Any], if_not_exists: bool = False) -> None:
        self.column = column
        self.if_not_exists = if_not_exists


class DropColumn:
    def __init__(self, name: Name, if_exists: bool = False) -> None:
        self.name = name
        self.if_exists = if_exists


class RenameColumn:
    def __init__(self, name: Name, new_name: str) -> None:
        self.name = name
        self.new_name = new_name


class RenameTable:
    def __init__(self, new_name: str) -> None:
        self.new_name = new_name


class AlterColumn:
    """``ALTER COLUMN``: ``nullable`` (SET/DROP NOT NULL), ``server_default``
    (``None`` for DROP DEFAULT; a ``DefaultClause`` argument for SET
    DEFAULT) and ``type_``; what is UNSET stays as it is."""

    def __init__(self, name: Name, nullable: Any = UNSET, server_default: Any = UNSET, type_: Any = UNSET) -> None:
        self.name = name
        self.nullable = nullable
        self.server_default = server_default
        self.type_ = type_


Action = Union[AddColumn, DropColumn, RenameColumn, RenameTable, AlterColumn]


class AlterTable:
    """``ALTER TABLE name action, ...``: the actions apply in order, and the
    statement is atomic (``planner.run_ddl``)."""

    __visit_name__ = "memory_alter_table"

    def __init__(self, name: str, schema: Optional[str], actions: Sequence[Action], if_exists: bool = False) -> None:
        self.name = name
        self.schema = schema
        self.actions = list(actions)
        self.if_exists = if_exists


# -- execution ----------------------------------------------------------------------


def alter_table(element: AlterTable, rt: Runtime) -> None:
    store = rt.store
    key: Key = (rt.schema(element.schema), element.name)
    if key in views_of(store):
        raise OperationalError("%s is a view: ALTER TABLE needs a table" % _qualified(key))
    td = store.tables.get(key)
    if td is None:
        if element.if_exists:
            return
        raise OperationalError("no such table: %s" % _qualified(key))
    for action in element.actions:
        td, key = _APPLY[type(action)](action, td, key, rt)


def _qualified(key: Key) -> str:
    return "%s.%s" % key if key[0] else key[1]


def _column(td: TableData, name: Name, missing_ok: bool = False) -> Optional[Column[Any]]:
    """The column ``name`` designates (exactly, else ignoring case if unquoted)."""
    text, quoted = name
    columns = td.columns
    hits = [c for c in columns if c.name == text]
    if not hits and not quoted:
        hits = [c for c in columns if c.name.lower() == text.lower()]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise OperationalError("ambiguous column name: %s" % text)
    if missing_ok:
        return None
    raise OperationalError("no such column: %s.%s" % (td.name, text))


def _check_new_name(td: TableData, name: str) -> None:
    if any(c.name == name for c in td.columns):
        raise OperationalError("duplicate column name: %s (table %s)" % (name, td.name))


def _add_column(action: AddColumn, td: TableData, key: Key, rt: Runtime) -> Tuple[TableData, Key]:
    new = action.column
    if any(c.name == new.name for c in td.columns):
        if action.if_not_exists:
            return td, key
        raise OperationalError("duplicate column name: %s (table %s)" % (new.name, td.name))
    if new.primary_key:
        raise OperationalError("cannot add a PRIMARY KEY column: %s.%s" % (td.name, new.name))
    from .dml import server_default

    value: Any = None
    fn = server_default(new)
    if fn is not None:
        value = fn(None, {})
        convert = converter(new.type)
        if value is not None and convert is not None:
            value = convert(value)
    if value is None and not new.nullable and td.rows:
        raise IntegrityError(
            "NOT NULL constraint failed: %s.%s (cannot add a NOT NULL column without a default to a table with rows)"
            % (td.name, new.name)
        )
    columns = [_copy_column(c) for c in td.columns] + [new]

    def rewrite(row: Row) -> Row:
        return row + (value,)

    return _rebuild(rt, td, key, columns, {c.name: c.name for c in td.columns}, rewrite)


def _drop_column(action: DropColumn, td: TableData, key: Key, rt: Runtime) -> Tuple[TableData, Key]:
    column = _column(td, action.name, missing_ok=action.if_exists)
    if column is None:
        return td, key
    name = column.name
    where = "%s.%s" % (td.name, name)
    if column.primary_key:
        raise OperationalError("cannot drop PRIMARY KEY column: %s" % where)
    if len(td.columns) == 1:
        raise OperationalError("cannot drop column %s: it is the only column of the table" % where)
    for cons in td.table.constraints:
        if isinstance(cons, UniqueConstraint) and name in [c.name for c in cons.columns]:
            raise OperationalError("cannot drop UNIQUE column: %s (unique constraint %s)" % (where, cons.name))
        if isinstance(cons, ForeignKeyConstraint) and name in [c.name for c in cons.columns]:
            raise OperationalError("cannot drop column %s: used by foreign key constraint %s" % (where, cons.name))
    for index in td.table.indexes:
        if name in _index_column_names(index):
            raise OperationalError("cannot drop column %s: used by index %s" % (where, index.name))
    for other_key, other, fk in _referencing(rt, key):
        if any(e._column_tokens[2] == name for e in fk.elements):
            raise OperationalError(
                "cannot drop column %s: foreign key constraint %s of table %s references it"
                % (where, fk.name, other.name)
            )
    position = td.position[name]
    columns = [_copy_column(c) for c in td.columns if c is not column]
    keep = [i for i in range(len(td.columns)) if i != position]

    def rewrite(row: Row) -> Row:
        return tuple([row[i] for i in keep])

    return _rebuild(rt, td, key, columns, {c.name: c.name for c in td.columns if c is not column}, rewrite)


def _rename_column(action: RenameColumn, td: TableData, key: Key, rt: Runtime) -> Tuple[TableData, Key]:
    column = _column(td, action.name)
    assert column is not None
    old, new = column.name, action.new_name
    if new == old:
        return td, key
    _check_new_name(td, new)
    columns = []
    for c in td.columns:
        copy = _copy_column(c)
        if c is column:
            copy.name = copy.key = new
        columns.append(copy)
    renames = {c.name: (new if c is column else c.name) for c in td.columns}
    new_td, new_key = _rebuild(rt, td, key, columns, renames, None)
    _retarget(rt, key, new_key, {old: new})
    return new_td, new_key


def _rename_table(action: RenameTable, td: TableData, key: Key, rt: Runtime) -> Tuple[TableData, Key]:
    new_key: Key = (key[0], action.new_name)
    if new_key == key:
        return td, key
    if new_key in rt.store.tables or new_key in views_of(rt.store):
        raise OperationalError("there is already another table or view named %s" % _qualified(new_key))
    columns = [_copy_column(c) for c in td.columns]
    new_td, _ = _rebuild(rt, td, key, columns, {c.name: c.name for c in td.columns}, None, new_key=new_key)
    _retarget(rt, key, new_key, {})
    return new_td, new_key


def _alter_column(action: AlterColumn, td: TableData, key: Key, rt: Runtime) -> Tuple[TableData, Key]:
    column = _column(td, action.name)
    assert column is not None
    where = "%s.%s" % (td.name, column.name)
    position = td.position[column.name]
    copy = _copy_column(column)
    if action.nullable is not UNSET:
        if action.nullable and column.primary_key:
            raise OperationalError("cannot drop NOT NULL: column %s is in a primary key" % where)
        copy.nullable = bool(action.nullable)
    if action.server_default is not UNSET:
        copy.server_default = None
        if action.server_default is not None:
            DefaultClause(action.server_default)._set_parent(copy)
    convert: Optional[Callable[[Any], Any]] = None
    if action.type_ is not UNSET:
        copy.type = action.type_
        convert = converter(action.type_)
    columns = [copy if c is column else _copy_column(c) for c in td.columns]

    def rewrite(row: Row) -> Row:
        value = row[position]
        if value is None or convert is None:
            return row
        try:
            value = convert(value)
        except (TypeError, ValueError, ArithmeticError) as err:
            raise DataError("cannot convert %r in %s to %s: %s" % (row[position], where, action.type_, err)) from err
        return row[:position] + (value,) + row[position + 1 :]

    return _rebuild(rt, td, key, columns, {c.name: c.name for c in td.columns}, rewrite if convert is not None else None)


_APPLY: Dict[type, Callable[[Any, TableData, Key, Runtime], Tuple[TableData, Key]]] = {
    AddColumn: _add_column,
    DropColumn: _drop_column,
    RenameColumn: _rename_column,
    RenameTable: _rename_table,
    AlterColumn: _alter_column,
}


# -- rebuilding a table ---------------------------------------------------------------


def _copy_column(column: Column[Any]) -> Column[Any]:
    """An unattached copy; UNIQUE and INDEX flags are left to the constraints
    and indexes copied with their names."""
    copy = column._copy()
    copy.unique = None
    copy.index = None
    return copy


def _index_column_names(index: Index) -> Set[str]:
    names: Set[str] = set()
    for expression in index.expressions:
        for element in visitors.iterate(expression):
            if element.__visit_name__ == "column" and getattr(element, "table", None) is not None:
                names.add(element.name)
    return names


def _referencing(rt: Runtime, key: Key) -> List[Tuple[Key, TableData, ForeignKeyConstraint]]:
    """Foreign keys of *other* tables that point at table ``key``."""
    out = []
    for other_key, other in list(rt.store.tables.items()):
        if other_key == key or other_key in views_of(rt.store):
            continue
        for fk in other.table.foreign_key_constraints:
            if fk.elements and _target_key(fk.elements[0]) == key:
                out.append((other_key, other, fk))
    return out


def _target_key(element: Any) -> Key:
    schema, table, _ = element._column_tokens
    return (schema, table)


def _colspec(key: Key, column: str) -> str:
    return ".".join([p for p in (key[0], key[1]) if p] + [column])


def _retarget(rt: Runtime, old_key: Key, new_key: Key, renames: Dict[str, str]) -> None:
    """Rebuild the tables whose foreign keys point at a renamed table or
    column, with the references rewritten (their rows do not change)."""
    for other_key, other, _ in _referencing(rt, old_key):
        td = rt.store.tables[other_key]
        columns = [_copy_column(c) for c in td.columns]
        _rebuild(rt, td, other_key, columns, {c.name: c.name for c in td.columns}, None, retarget=(old_key, new_key, renames))


def _rebuild(
    rt: Runtime,
    td: TableData,
    key: Key,
    columns: List[Column[Any]],
    renames: Dict[str, str],
    rewrite: Optional[Callable[[Row], Row]],
    new_key: Optional[Key] = None,
    retarget: Optional[Tuple[Key, Key, Dict[str, str]]] = None,
) -> Tuple[TableData, Key]:
    """Swap in a copy of ``td`` with ``columns`` (unattached), its rows passed
    through ``rewrite``; ``renames`` maps each kept old column name to its
    new one (constraints and indexes follow it)."""
    store = rt.store
    txn = rt.txn
    old_table = td.table
    target_key = new_key or key
    self_ref = (key, target_key, {old: new for old, new in renames.items() if old != new})

    def mapped(names: List[str]) -> List[str]:
        return [renames[n] for n in names]

    items: List[Any] = []
    pk = old_table.primary_key
    if pk.columns:
        items.append(PrimaryKeyConstraint(*mapped([c.name for c in pk.columns]), name=pk.name))
    checks = []
    for cons in sorted(old_table.constraints, key=lambda c: getattr(c, "_creation_order", 0)):
        if isinstance(cons, UniqueConstraint):
            items.append(UniqueConstraint(*mapped([c.name for c in cons.columns]), name=cons.name))
        elif isinstance(cons, ForeignKeyConstraint):
            targets = []
            for element in cons.elements:
                ref_schema, ref_table, ref_column = element._column_tokens
                ref_key: Key = (ref_schema, ref_table)
                ref_column = ref_column or element.parent.name
                for old_k, new_k, col_renames in (self_ref, retarget) if retarget else (self_ref,):
                    if ref_key == old_k:
                        ref_key, ref_column = new_k, col_renames.get(ref_column, ref_column)
                        break
                targets.append(_colspec(ref_key, ref_column))
            items.append(
                ForeignKeyConstraint(
                    mapped([c.name for c in cons.columns]),
                    targets,
                    name=cons.name,
                    onupdate=cons.onupdate,
                    ondelete=cons.ondelete,
                    deferrable=cons.deferrable,
                    initially=cons.initially,
                    match=cons.match,
                    comment=getattr(cons, "comment", None),
                )
            )
        elif isinstance(cons, CheckConstraint) and not cons._type_bound:
            checks.append(cons)

    # the catalog's Table: the old one leaves store.metadata until rollback
    metadata = store.metadata
    for stale in {metadata.tables.get(_metadata_key(k)) for k in (key, target_key)}:
        if stale is not None:
            _detach(txn, metadata, stale)
    table = Table(
        target_key[1],
        metadata,
        *columns,
        *items,
        schema=target_key[0],
        comment=old_table.comment,
        info=dict(old_table.info),
        prefixes=list(old_table._prefixes),
    )
    txn.log_ddl(lambda: metadata.remove(table) if metadata.tables.get(_metadata_key(target_key)) is table else None)
    for cons in checks:
        try:
            table.append_constraint(cons._copy(target_table=table))
        except Exception:  # noqa: BLE001 - a check naming a renamed column: keep its text
            table.append_constraint(CheckConstraint(str(cons.sqltext), name=cons.name))
    from .ddl import _name_constraints

    _name_constraints(table)  # an added column's UNIQUE / REFERENCES

    new_td = TableData(table)
    new_td.next_id = td.next_id
    _keep_identity_counters(td, new_td)
    key_of = new_td.key_of
    for k, row in td.rows.items():
        new_row = rewrite(row) if rewrite is not None else row
        new_k = k if key_of is None else key_of(new_row)
        new_td.check_row(new_row, None)
        if new_k in new_td.rows:
            raise IntegrityError("UNIQUE constraint failed: %s (primary key)" % new_td.name)
        new_td.link(new_k, new_row)

    # indexes made by CREATE INDEX, re-pointed at the new columns
    owners = store.index_owners
    for index in sorted(old_table.indexes, key=lambda i: str(i.name)):
        by_name = {c.name: table.c[renames[c.name]] for c in old_table.columns if c.name in renames}

        def replace(element: Any) -> Any:
            if element.__visit_name__ == "column" and getattr(element, "table", None) is old_table:
                return by_name[element.name]
            return None

        expressions = [visitors.replacement_traverse(e, {}, replace) for e in index.expressions]
        copy = Index(index.name, *expressions, unique=bool(index.unique), _table=table)
        from .ddl import _sorted_column

        plain = [_sorted_column(e) for e in copy.expressions]
        if all(c is not None for c in plain):
            new_td.add_index(
                str(index.name),
                [c.name for c in plain],
                unique=bool(index.unique),
                kind="unique index" if index.unique else "index",
            )
    moved = {k: v for k, v in owners.items() if v is td}
    for k in moved:
        owners[k] = new_td

    def restore_owners() -> None:
        for k in moved:
            if owners.get(k) is new_td:
                owners[k] = td

    txn.log_ddl(restore_owners)

    if target_key != key:
        txn.set_table(key, None)
    txn.set_table(target_key, new_td)
    return new_td, target_key


def _metadata_key(key: Key) -> str:
    return "%s.%s" % key if key[0] else key[1]


def _detach(txn: Any, metadata: Any, table: Table) -> None:
    """Take ``table`` out of the store's ``MetaData`` until rollback."""
    metadata.remove(table)

    def undo() -> None:
        if _metadata_key((table.schema, table.name)) not in metadata.tables:
            metadata._add_table(table.name, table.schema, table)

    txn.log_ddl(undo)


def _keep_identity_counters(old: TableData, new: TableData) -> None:
    """Identity columns keep counting across a rebuild (matched by name)."""
    if old.generated is None or new.generated is None:
        return
    counters = {old.names[i]: data for i, data in old.generated.identities}
    new.generated.identities = [
        (i, counters.get(new.names[i], data)) for i, data in new.generated.identities
    ]
