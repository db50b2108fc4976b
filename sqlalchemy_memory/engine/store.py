"""The store: a catalog of tables, each a dict of row tuples keyed by primary key.

A :class:`Store` belongs to one engine (or, for ``memory:///name``, to every
engine naming it in the process).  Table layouts are taken from the
``Table`` object carried by DDL and copied into the store's own ``MetaData``,
so the catalog is independent of the user's objects and serves reflection.

Rows are tuples in table-column order: immutable, so an undo log can keep the
old tuple by reference and readers never see a half-written row.  Every
mutation goes through :class:`TableData` methods that keep the indexes
(``indexes.py``) in step; the transaction layer (``txn.py``) decides when they are called.
"""

from __future__ import annotations

import threading
import weakref
from operator import itemgetter
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from sqlalchemy import CheckConstraint, Column, MetaData, Sequence, Table

from .errors import DataError, IntegrityError, OperationalError
from .indexes import OrderedIndex
from .types import row_conversion, write_checks

Row = Tuple[Any, ...]
TableKey = Tuple[Optional[str], str]
MISSING: Any = object()  # marks "no row under this key" in undo and shadow maps


class TableData:
    """One table's rows, layout and indexes."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.name = table.name
        self.schema = table.schema
        self.columns: List[Column[Any]] = list(table.columns)
        # A new tuple object per layout: plans compare it by identity.
        self.names: Tuple[str, ...] = tuple(c.name for c in self.columns)
        self.position: Dict[str, int] = {n: i for i, n in enumerate(self.names)}
        self.pk_positions = tuple(
            self.position[c.name] for c in table.primary_key.columns
        )
        if not self.pk_positions:
            self.key_of: Optional[Callable[[Row], Any]] = None  # rowid keyed
        elif len(self.pk_positions) == 1:
            self.key_of = itemgetter(self.pk_positions[0])
        else:
            self.key_of = itemgetter(*self.pk_positions)
        self.notnull_positions = tuple(
            i for i, c in enumerate(self.columns) if not c.nullable
        )
        # the columns whose type checks or converts values on write (inlined
        # into INSERT row builders), ``conversions`` as (position, function)
        # pairs, and ``convert`` applying them all to a row in place
        self.write_checks = write_checks(self.name, self.columns)
        self.conversions = tuple((p, check[2]) for p, check in self.write_checks.items())
        self._converts: Dict[Any, Any] = {}
        self.convert = self.convert_for(None)
        auto = table.autoincrement_column
        self.autoinc_position = (
            self.position[auto.name] if auto is not None else None
        )
        self.next_id = 1
        self.rows: Dict[Any, Row] = {}
        self.indexes: List[OrderedIndex] = []
        self.unique_indexes: List[OrderedIndex] = []
        self._key_index: Optional[OrderedIndex] = None  # the primary key's, made on first use
        self.index_version = 0  # bumped whenever ``indexes`` changes
        self._build_indexes()
        # computed / identity columns (generated.py); None keeps plain tables'
        # DML loops free of any per-row step
        self.generated: Any = None
        if any(c.computed is not None or c.identity is not None for c in self.columns):
            from .generated import Generated

            self.generated = Generated(self)
        # CHECK and FOREIGN KEY constraints (constraints.py); None for
        # tables with neither
        self.rules: Any = None
        if table.foreign_key_constraints or any(
            isinstance(c, CheckConstraint)
            for owner in (table, *table.columns)
            for c in owner.constraints
        ):
            from .constraints import Rules

            self.rules = Rules(self)

    def _build_indexes(self) -> None:
        table = self.table
        for cons in table.constraints:
            cols = getattr(cons, "columns", None)
            if cons.__visit_name__ == "unique_constraint" and cols:
                self.add_index(
                    str(cons.name or "uq_%s_%s" % (self.name, "_".join(c.name for c in cols))),
                    [c.name for c in cols],
                    unique=True,
                    kind="unique constraint",
                )
        for idx in sorted(table.indexes, key=lambda i: (len(i.expressions), str(i.name))):  # narrowest first: it wins ties
            names = [getattr(c, "name", None) for c in idx.expressions]
            if all(isinstance(n, str) and n in self.position for n in names):
                self.add_index(
                    str(idx.name),
                    names,  # type: ignore[arg-type]
                    unique=bool(idx.unique),
                    kind="unique index" if idx.unique else "index",
                )
        # a foreign key's columns get an index, so a parent's DELETE or
        # UPDATE finds the referencing rows without a scan
        for fk in table.foreign_key_constraints:
            names = [c.name for c in fk.columns]
            positions = tuple(self.position[n] for n in names)
            if names and self.index_on(positions) is None:
                self.add_index("%s (foreign key)" % fk.name, names, unique=False, kind="foreign key")

    def add_index(
        self, name: str, column_names: List[str], unique: bool, kind: str
    ) -> OrderedIndex:
        positions = tuple(self.position[n] for n in column_names)
        may_nan = any(_may_nan(self.columns[p].type) for p in positions)
        index = OrderedIndex(name, positions, unique, kind, may_nan)
        for key, row in self.rows.items():
            if unique:
                self.check_unique_in(index, row, None)
            index.add(key, row)
        self.restore_index(index)
        return index

    def restore_index(self, index: OrderedIndex) -> None:
        self.indexes.append(index)
        self._indexes_changed()

    def drop_index(self, name: str) -> None:
        self.indexes = [i for i in self.indexes if i.name != name]
        if self._key_index is not None and self._key_index not in self.indexes:
            self._key_index = None
        self._indexes_changed()

    def _indexes_changed(self) -> None:
        self.unique_indexes = [i for i in self.indexes if i.unique]
        self.index_version += 1

    def index_on(self, positions: Tuple[int, ...]) -> Optional[OrderedIndex]:
        """The best index whose columns are exactly ``positions``."""
        best = None
        for index in self.indexes:
            if index.positions == positions and (best is None or index.unique):
                best = index
        return best

    def key_index(self) -> Optional[OrderedIndex]:
        """An ordered index over the primary key, for its ranges and ORDER
        BY: built from the rows the first time a plan asks for it (a table
        nobody reads in key order pays nothing for it), then kept in step
        like any other index."""
        if self._key_index is None:
            if self.key_of is None:
                return None
            names = [self.names[p] for p in self.pk_positions]
            self._key_index = self.add_index("%s (primary key)" % self.name, names, unique=False, kind="primary key")
        return self._key_index

    def ordered_index(self, positions: Tuple[int, ...]) -> Optional[OrderedIndex]:
        """An index whose entries come in the order of the columns at
        ``positions``: its columns start with them, or are them followed by
        the primary key (entries are ordered by value, then key); the
        primary key's own, built on demand, when nothing else is."""
        n = len(positions)
        for index in self.indexes:
            if index.ordered and (index.positions[:n] == positions or index.positions + self.pk_positions == positions):
                return index
        if positions == self.pk_positions:
            return self.key_index()
        return None

    @property
    def qualified_name(self) -> str:
        return "%s.%s" % (self.schema, self.name) if self.schema else self.name

    # -- integrity --------------------------------------------------------
    def check_unique_in(self, index: OrderedIndex, row: Row, own_key: Any) -> None:
        v = index.value_of(row)
        if index.has_null(v):
            return
        assert index.entries is not None
        hit = index.entries.get(v, MISSING)
        if hit is not MISSING and hit != own_key:
            cols = ", ".join(
                "%s.%s" % (self.name, self.names[p]) for p in index.positions
            )
            raise IntegrityError(
                "UNIQUE constraint failed: %s (%s %s)" % (cols, index.kind, index.name)
            )

    def check_row(self, row: Row, own_key: Any) -> None:
        """NOT NULL and UNIQUE checks for a row about to be stored."""
        self.check_columns(row, own_key, self.notnull_positions, self.unique_indexes)

    def check_columns(self, row: Row, own_key: Any, notnull: Any, unique: Any) -> None:
        """The checks of ``check_row`` limited to some columns and indexes:
        an UPDATE checks only what its SET clause touches."""
        for p in notnull:
            if row[p] is None:
                raise IntegrityError(
                    "NOT NULL constraint failed: %s.%s" % (self.name, self.names[p])
                )
        for index in unique:
            self.check_unique_in(index, row, own_key)

    def convert_for(self, positions: Any) -> Any:
        """A row conversion limited to ``positions`` (an UPDATE's SET
        columns; None for all), or None when none of them converts."""
        try:
            return self._converts[positions]
        except KeyError:
            convert = self._converts[positions] = row_conversion(self.write_checks, positions)
            return convert

    def touched_by(self, assigned: Any) -> Tuple[List[int], List[OrderedIndex], List[OrderedIndex], bool]:
        """What writing the columns at ``assigned`` positions needs checked
        and re-indexed: NOT NULL positions, unique indexes, all indexes, and
        whether the primary key may move."""
        return (
            [p for p in self.notnull_positions if p in assigned],
            [ix for ix in self.indexes if ix.unique and not assigned.isdisjoint(ix.positions)],
            [ix for ix in self.indexes if not assigned.isdisjoint(ix.positions)],
            self.key_of is not None and not assigned.isdisjoint(self.pk_positions),
        )

    def new_key(self, row: Row) -> Any:
        if self.key_of is None:
            key = self.next_id
            self.next_id += 1
            return key
        return self.key_of(row)

    # -- raw mutations: callers log undo first ---------------------------------
    def link(self, key: Any, row: Row) -> None:
        self.rows[key] = row
        for index in self.indexes:
            index.add(key, row)

    def unlink(self, key: Any) -> Row:
        row = self.rows.pop(key)
        for index in self.indexes:
            index.remove(key, row)
        return row

    def restore(self, key: Any, old: Row) -> None:
        """Put back ``old`` (or nothing, for MISSING) under ``key``."""
        if key in self.rows:
            self.unlink(key)
        if old is not MISSING:
            self.link(key, old)


class SequenceData:
    """A named sequence, or an identity column's counter; like a database's,
    it is not rolled back.

    ``seq`` is a ``Sequence`` or an ``Identity`` (both ``IdentityOptions``):
    start, increment, minvalue / maxvalue (defaults as in PostgreSQL: 1 and
    the type's maximum ascending, the type's minimum and -1 descending) and
    cycle are honoured.  ``type_`` is the column's (or the sequence's data)
    type, which bounds the default range.
    """

    def __init__(self, seq: Any, type_: Any = None) -> None:
        self.sequence = seq
        self.increment = seq.increment if seq.increment is not None else 1
        if type_ is None:
            type_ = getattr(seq, "data_type", None)
        low, high = _integer_range(type_)
        ascending = self.increment > 0
        minvalue = seq.minvalue
        if minvalue is None or getattr(seq, "nominvalue", None):
            minvalue = 1 if ascending else low
        maxvalue = seq.maxvalue
        if maxvalue is None or getattr(seq, "nomaxvalue", None):
            maxvalue = high if ascending else -1
        start = seq.start if seq.start is not None else (minvalue if ascending else maxvalue)
        # a start outside the default range widens it (PostgreSQL would
        # refuse the CREATE; earlier versions here accepted any start)
        self.minvalue = min(minvalue, start) if seq.minvalue is None else minvalue
        self.maxvalue = max(maxvalue, start) if seq.maxvalue is None else maxvalue
        self.cycle = bool(seq.cycle)
        self.current: Optional[int] = None
        self.start = start

    def next_value(self) -> int:
        if self.current is None:
            value = self.start
        else:
            value = self.current + self.increment
        if value > self.maxvalue or value < self.minvalue:
            if not self.cycle or self.current is None:
                raise DataError(
                    "nextval: reached %s value of sequence %s (%d)"
                    % ("maximum" if value > self.maxvalue else "minimum", getattr(self.sequence, "name", None) or "identity", self.maxvalue if value > self.maxvalue else self.minvalue)
                )
            value = self.minvalue if self.increment > 0 else self.maxvalue
        self.current = value
        return value


def _may_nan(type_: Any) -> bool:
    from sqlalchemy import types as sqltypes

    return isinstance(type_, (sqltypes.Float, sqltypes.Numeric))


def _integer_range(type_: Any) -> Tuple[int, int]:
    """The range of an integer type: SMALLINT, INTEGER, else BIGINT."""
    from sqlalchemy import types as sqltypes

    if isinstance(type_, sqltypes.SmallInteger):
        return -(2**15), 2**15 - 1
    if isinstance(type_, sqltypes.Integer) and not isinstance(type_, sqltypes.BigInteger):
        return -(2**31), 2**31 - 1
    return -(2**63), 2**63 - 1


class Store:
    """All tables, sequences and schemas of one in-memory database."""

    def __init__(self, name: Optional[str] = None) -> None:
        self.name = name
        self.metadata = MetaData()
        self.tables: Dict[TableKey, TableData] = {}
        self.sequences: Dict[TableKey, SequenceData] = {}
        self.schemas: Set[str] = set()
        self.index_owners: Dict[TableKey, TableData] = {}  # index names are per schema
        # bumped whenever ``tables`` changes; keys constraints.incoming's cache
        self.catalog_version = 0
        self.references: Any = None
        # ``latch`` guards each statement; ``writer`` is the one transaction
        # allowed to write until it commits or rolls back.
        self.latch = threading.RLock()
        self.writer_changed = threading.Condition(self.latch)
        self.writer: Any = None
        self.waiters = 0  # transactions waiting in begin_write
        # the Runtime of the statement holding ``latch`` (sequences read it)
        self.runtime: Any = None
        # cursors reading rows lazily from the live tables and indexes
        # (``dbapi.Cursor``): each reads the rest into a list before any
        # write, DDL or rollback changes what it walks
        self.streams: "weakref.WeakSet[Any]" = weakref.WeakSet()

    def drain_streams(self) -> None:
        """Read every lazy cursor's remaining rows now: what changes next
        must not show in a result already begun.  Hold ``latch``."""
        for cursor in list(self.streams):
            cursor._drain()

    def table(self, schema: Optional[str], name: str) -> TableData:
        td = self.tables.get((schema, name))
        if td is None:
            raise OperationalError(
                "no such table: %s" % ("%s.%s" % (schema, name) if schema else name)
            )
        return td

    def copy_table(self, table: Table, schema: Optional[str]) -> Table:
        """Copy a user's ``Table`` into the store's own catalog."""
        existing = self.metadata.tables.get(
            "%s.%s" % (schema, table.name) if schema else table.name
        )
        if existing is not None:
            self.metadata.remove(existing)
        copy = table.to_metadata(self.metadata, schema=schema)
        copy._prefixes = list(table._prefixes)  # to_metadata drops TEMPORARY
        return copy


_named_stores: "weakref.WeakValueDictionary[str, Store]" = weakref.WeakValueDictionary()
_named_lock = threading.Lock()


def named_store(name: Optional[str]) -> Store:
    """The process-wide store called ``name`` (a fresh one when ``None``).

    Named stores live while an engine holds them, as SQLite's shared-cache
    memory databases live while a connection is open.
    """
    if not name:
        return Store()
    with _named_lock:
        store = _named_stores.get(name)
        if store is None:
            store = _named_stores[name] = Store(name)
        return store
