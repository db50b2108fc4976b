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
from .types import write_checks
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


class CommentColumn:
    """A column's comment (``None`` drops it), changed in place."""

    def __init__(self, name: Name, comment: Optional[str]) -> None:
        self.name = name
        self.comment = comment


class AddConstraint:
    """``ADD CONSTRAINT``: ``constraint`` is a ``UniqueConstraint``,
    ``CheckConstraint``, ``ForeignKeyConstraint`` or ``PrimaryKeyConstraint``
    that names its columns (it may be attached to another ``Table``, as
    Core's and Alembic's are: only the names are read)."""

    def __init__(self, constraint: Any) -> None:
        self.constraint = constraint


class DropConstraint:
    def __init__(self, name: Name, if_exists: bool = False) -> None:
        self.name = name
        self.if_exists = if_exists


Action = Union[AddColumn, DropColumn, RenameColumn, RenameTable, AlterColumn, CommentColumn, AddConstraint, DropConstraint]


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


def _write_conversion(td: TableData, column: Column[Any]) -> Optional[Callable[[Any], Any]]:
    """What a write to ``column`` does to a value (checks and conversions)."""
    check = write_checks(td.name, [column]).get(0)
    return check[2] if check is not None else None


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
        convert = _write_conversion(td, new)
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
        convert = _write_conversion(td, copy)
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


def _comment_column(action: CommentColumn, td: TableData, key: Key, rt: Runtime) -> Tuple[TableData, Key]:
    # a comment changes no layout: set in place, as COMMENT ON COLUMN does
    column = _column(td, action.name)
    assert column is not None
    old = column.comment
    column.comment = action.comment
    rt.txn.log_ddl(lambda: setattr(column, "comment", old))
    return td, key


# -- constraints ----------------------------------------------------------------------


def _unnamed(cons: Any) -> bool:
    from .ddl import _unnamed as unnamed

    return unnamed(cons)


def _column_names(cons: Any) -> List[str]:
    """The names of the columns ``cons`` covers, attached to a table or not."""
    if isinstance(cons, ForeignKeyConstraint):
        if cons.columns:
            return [c.name for c in cons.columns]
        return [str(k) for k in cons.column_keys]
    if cons.columns:
        return [c.name for c in cons.columns]
    return [c if isinstance(c, str) else c.name for c in cons._pending_colargs]


def _resolve(td: TableData, names: List[str]) -> List[str]:
    out = []
    for n in names:
        column = _column(td, (n, n != n.lower()))
        assert column is not None
        out.append(column.name)
    return out


def _constraints_of(td: TableData) -> List[Any]:
    """The named constraints of a table, column-level CHECKs included."""
    table = td.table
    found = [c for c in table.constraints if not (isinstance(c, PrimaryKeyConstraint) and not c.columns)]
    found += [c for col in table.columns for c in col.constraints if isinstance(c, CheckConstraint)]
    return [c for c in found if not _unnamed(c)]


def _find_constraint(td: TableData, name: Name) -> Optional[Any]:
    text, quoted = name
    candidates = _constraints_of(td)
    hits = [c for c in candidates if str(c.name) == text]
    if not hits and not quoted:
        hits = [c for c in candidates if str(c.name).lower() == text.lower()]
    return hits[0] if hits else None


def _add_constraint(action: AddConstraint, td: TableData, key: Key, rt: Runtime) -> Tuple[TableData, Key]:
    cons = action.constraint
    name = None if _unnamed(cons) else str(cons.name)
    if name is not None and _find_constraint(td, (name, True)) is not None:
        raise OperationalError("constraint %s already exists on table %s" % (name, td.name))
    columns = [_copy_column(c) for c in td.columns]
    extra: Any
    if isinstance(cons, PrimaryKeyConstraint):
        if td.table.primary_key.columns:
            raise OperationalError("table %s already has a primary key" % td.name)
        names = _resolve(td, _column_names(cons))
        for copy in columns:
            if copy.name in names:
                copy.nullable = False  # rows with NULL fail below
        extra = PrimaryKeyConstraint(*names, name=name)
    elif isinstance(cons, UniqueConstraint):
        extra = UniqueConstraint(*_resolve(td, _column_names(cons)), name=name)
    elif isinstance(cons, ForeignKeyConstraint):
        names = _resolve(td, _column_names(cons))
        targets = []
        for element in cons.elements:
            ref_schema, ref_table, ref_column = element._column_tokens
            ref_key: Key = (rt.schema(ref_schema), ref_table)
            ref = td if ref_key == key else rt.store.tables.get(ref_key)
            if ref is None or ref_key in views_of(rt.store):
                raise OperationalError("foreign key %s: no such table: %s" % (name or "", _qualified(ref_key)))
            ref_name = _column(ref, (ref_column, ref_column != ref_column.lower()))
            assert ref_name is not None
            targets.append(_colspec((ref_schema, ref_table), ref_name.name))
        extra = _foreign_key_like(cons, names, targets, name)
    elif isinstance(cons, CheckConstraint):
        extra = cons
    else:
        raise OperationalError("ADD CONSTRAINT of %s is not supported" % type(cons).__name__)
    new_td, new_key = _rebuild(rt, td, key, columns, {c.name: c.name for c in td.columns}, None, extra=extra)
    if isinstance(extra, (CheckConstraint, ForeignKeyConstraint)):
        from .constraints import validate_table

        validate_table(rt, new_td)  # the rows already there must satisfy it
    return new_td, new_key


def _drop_constraint(action: DropConstraint, td: TableData, key: Key, rt: Runtime) -> Tuple[TableData, Key]:
    cons = _find_constraint(td, action.name)
    if cons is None:
        if action.if_exists:
            return td, key
        raise OperationalError("no such constraint: %s on table %s" % (action.name[0], td.name))
    columns = [_copy_column(c) for c in td.columns]
    if isinstance(cons, (PrimaryKeyConstraint, UniqueConstraint)):
        covered = {c.name for c in cons.columns}
        fks = [(td, fk) for fk in td.table.foreign_key_constraints if fk.elements and _target_key(fk.elements[0]) == key]
        fks += [(other, fk) for _, other, fk in _referencing(rt, key)]
        for other, fk in fks:
            if {e._column_tokens[2] for e in fk.elements} == covered:
                raise OperationalError(
                    "cannot drop constraint %s on table %s: foreign key constraint %s of table %s needs it"
                    % (cons.name, td.name, fk.name, other.name)
                )
        if isinstance(cons, PrimaryKeyConstraint):
            for copy in columns:
                if copy.name in covered:
                    copy.primary_key = False  # the columns stay NOT NULL, as in PostgreSQL
    for copy in columns:  # a column-level CHECK
        for check in [c for c in copy.constraints if isinstance(c, CheckConstraint) and c.name == cons.name]:
            copy.constraints.discard(check)
    return _rebuild(rt, td, key, columns, {c.name: c.name for c in td.columns}, None, dropped=cons)


_APPLY: Dict[type, Callable[[Any, TableData, Key, Runtime], Tuple[TableData, Key]]] = {
    AddColumn: _add_column,
    DropColumn: _drop_column,
    RenameColumn: _rename_column,
    RenameTable: _rename_table,
    AlterColumn: _alter_column,
    CommentColumn: _comment_column,
    AddConstraint: _add_constraint,
    DropConstraint: _drop_constraint,
}


# -- Core's and Alembic's DDL elements ----------------------------------------------


def _exact(name: str) -> Name:
    return (str(name), True)


def add_constraint(element: Any, rt: Runtime) -> None:
    """Core's ``AddConstraint`` (what Alembic's ``create_unique_constraint``,
    ``create_foreign_key``, ``create_check_constraint`` and
    ``create_primary_key`` emit)."""
    cons = element.element
    table = cons.table
    alter_table(AlterTable(table.name, table.schema, [AddConstraint(cons)]), rt)


def drop_constraint(element: Any, rt: Runtime) -> None:
    cons = element.element
    if _unnamed(cons):
        raise OperationalError("DROP CONSTRAINT needs the constraint's name")
    table = cons.table
    action = DropConstraint(_exact(cons.name), if_exists=bool(getattr(element, "if_exists", False)))
    alter_table(AlterTable(table.name, table.schema, [action]), rt)


def alembic_element(element: Any, rt: Runtime) -> None:
    """Alembic's own ALTER elements (``alembic.ddl.base``), which the memory
    implementation (``alembic_impl.py``) runs like any DDL."""
    kind = next((k.__name__ for k in type(element).__mro__ if k.__module__ == "alembic.ddl.base"), None)
    builder = _ALEMBIC.get(kind or "")
    if builder is None:
        from .errors import NotSupportedError

        raise NotSupportedError("DDL %s is not supported by the memory dialect yet" % type(element).__name__)
    alter_table(AlterTable(str(element.table_name), element.schema, [builder(element)]), rt)


def _alembic_column(element: Any) -> Column[Any]:
    column = element.column
    copy = _copy_column(column)  # unique, index and foreign keys come as their own DDL
    copy.primary_key = bool(getattr(element, "inline_primary_key", False)) and column.primary_key
    if getattr(element, "inline_references", False):
        from sqlalchemy import ForeignKey

        for fk in column.foreign_keys:
            ForeignKey(fk._get_colspec(), name=fk.name, ondelete=fk.ondelete, onupdate=fk.onupdate)._set_parent(copy)
    return copy


def _alembic_default(default: Any) -> Any:
    if default is None or isinstance(default, DefaultClause):
        return None if default is None else default.arg
    from sqlalchemy.schema import FetchedValue

    if isinstance(default, FetchedValue):
        from .errors import NotSupportedError

        raise NotSupportedError("server default %r is not supported by the memory dialect" % (default,))
    return default


_ALEMBIC: Dict[str, Callable[[Any], Action]] = {
    "RenameTable": lambda e: RenameTable(str(e.new_table_name)),
    "AddColumn": lambda e: AddColumn(_alembic_column(e), if_not_exists=bool(getattr(e, "if_not_exists", False))),
    "DropColumn": lambda e: DropColumn(_exact(e.column.name), if_exists=bool(getattr(e, "if_exists", False))),
    "ColumnNullable": lambda e: AlterColumn(_exact(e.column_name), nullable=bool(e.nullable)),
    "ColumnType": lambda e: AlterColumn(_exact(e.column_name), type_=e.type_),
    "ColumnDefault": lambda e: AlterColumn(_exact(e.column_name), server_default=_alembic_default(e.default)),
    "ColumnName": lambda e: RenameColumn(_exact(e.column_name), str(e.newname)),
    "ColumnComment": lambda e: CommentColumn(_exact(e.column_name), e.comment),
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
    extra: Any = None,
    dropped: Any = None,
) -> Tuple[TableData, Key]:
    """Swap in a copy of ``td`` with ``columns`` (unattached), its rows passed
    through ``rewrite``; ``renames`` maps each kept old column name to its
    new one (constraints and indexes follow it).  ``extra`` is a constraint
    to add (by column names; a CHECK is bound to the new columns),
    ``dropped`` one of the old table's to leave out."""
    store = rt.store
    txn = rt.txn
    old_table = td.table
    target_key = new_key or key
    self_ref = (key, target_key, {old: new for old, new in renames.items() if old != new})

    def mapped(names: List[str]) -> List[str]:
        return [renames[n] for n in names]

    items: List[Any] = []
    pk = old_table.primary_key
    if pk.columns and pk is not dropped:
        items.append(PrimaryKeyConstraint(*mapped([c.name for c in pk.columns]), name=pk.name))
    checks = []
    for cons in sorted(old_table.constraints, key=lambda c: getattr(c, "_creation_order", 0)):
        if cons is dropped:
            continue
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
            items.append(_foreign_key_like(cons, mapped([c.name for c in cons.columns]), targets, cons.name))
        elif isinstance(cons, CheckConstraint) and not cons._type_bound:
            checks.append(cons)
    if extra is not None and not isinstance(extra, CheckConstraint):
        items.append(extra)

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
    if isinstance(extra, CheckConstraint):
        table.append_constraint(_bound_check(extra, table))
    from .ddl import _name_constraints

    _name_constraints(table)  # an added column's UNIQUE / REFERENCES

    new_td = TableData(table)
    new_td.next_id = td.next_id
    _keep_identity_counters(td, new_td)
    key_of = new_td.key_of
    for k, row in td.rows.items():
        new_row = rewrite(row) if rewrite is not None else row
        if key_of is not None:
            new_k = key_of(new_row)
        else:  # rowid keyed: a dropped primary key's values are no rowids
            new_k = k if td.key_of is None else new_td.new_key(new_row)
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


def _bound_check(cons: CheckConstraint, table: Table) -> CheckConstraint:
    """A copy of ``cons`` whose column references are ``table``'s columns."""

    def replace(element: Any) -> Any:
        if element.__visit_name__ == "column" and getattr(element, "table", None) is not None:
            column = table.c.get(element.name)
            if column is None:
                raise OperationalError("no such column: %s.%s (CHECK constraint)" % (table.name, element.name))
            return column
        return None

    sqltext = visitors.replacement_traverse(cons.sqltext, {}, replace)
    return CheckConstraint(sqltext, name=None if _unnamed(cons) else cons.name, comment=getattr(cons, "comment", None))


def _foreign_key_like(cons: ForeignKeyConstraint, columns: List[str], targets: List[str], name: Any) -> ForeignKeyConstraint:
    """A new foreign key over ``columns`` / ``targets`` with ``cons``'s options."""
    return ForeignKeyConstraint(
        columns,
        targets,
        name=name,
        onupdate=cons.onupdate,
        ondelete=cons.ondelete,
        deferrable=cons.deferrable,
        initially=cons.initially,
        match=cons.match,
        comment=getattr(cons, "comment", None),
    )


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
