"""Transactions: one writer at a time, an undo log, and committed-row shadows.

Like SQLite, a store lets one transaction write at a time; another writer
waits up to ``timeout`` seconds and then gets ``OperationalError: database is
locked``.  The writer changes rows in place and logs what it overwrote, which
gives exact rollback, savepoints and per-statement atomicity.  Other
connections keep reading committed data (READ COMMITTED) without locking: for
a table the writer has touched, their view is rebuilt from the undo log, whose
first entry for a key holds the committed row.  The writer pays nothing for
this on its hot path.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .errors import IntegrityError, OperationalError
from .store import MISSING, Row, Store, TableData

# An undo entry restores ``old`` under ``key`` in ``table``; an INSERT logs
# ``(table, [keys], INSERTED)`` once per statement; DDL logs
# ``(None, undo_function, None)``.
UndoEntry = Tuple[Optional[TableData], Any, Any]
INSERTED: Any = object()


class Transaction:
    """The transaction state of one DBAPI connection."""

    def __init__(
        self,
        store: Store,
        timeout: float = 5.0,
        wait: Optional[Callable[[float], None]] = None,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.wait = wait  # async connections poll instead of blocking
        self.autocommit = False
        self.serializable = False  # take the write lock at the first statement
        self.undo: List[UndoEntry] = []
        self.dirty: Set[TableData] = set()  # tables with rows in the undo log
        # committed catalog entries of tables this transaction created or
        # dropped (MISSING: none), which other connections keep seeing
        self.replaced_tables: Dict[Any, Any] = {}
        self.savepoints: List[Tuple[str, int]] = []
        self.foreign_keys = True  # ``memory://?foreign_keys=off`` turns them off
        # DEFERRABLE INITIALLY DEFERRED foreign keys to check at commit
        self.deferred: Dict[Any, None] = {}
        # this connection's TEMPORARY tables: private to it, shadowing shared
        # tables of the same name, gone when the connection closes.  Empty
        # for most connections, so a lookup pays one truth test for them.
        self.temp_tables: Dict[Any, TableData] = {}
        self.temp_views: Dict[Any, Any] = {}  # ViewData, likewise private
        self.temp_index_owners: Dict[Any, TableData] = {}  # their indexes

    # -- reading ------------------------------------------------------------
    def view(self, td: TableData) -> Dict[Any, Row]:
        """The rows this connection may see: its own writes, or committed."""
        writer = self.store.writer
        if writer is None or writer is self or td not in writer.dirty:
            return td.rows
        return writer.committed_rows(td)

    def committed_rows(self, td: TableData) -> Dict[Any, Row]:
        """``td`` as it was before this transaction wrote to it."""
        snapshot = dict(td.rows)
        for table, key, old in reversed(self.undo):  # oldest entry applied last
            if table is td:
                if old is INSERTED:
                    for k in key:
                        snapshot.pop(k, None)
                elif old is MISSING:
                    snapshot.pop(key, None)
                else:
                    snapshot[key] = old
        return snapshot

    # -- writing ------------------------------------------------------------
    def begin_write(self) -> None:
        """Become the store's writer; call with ``store.latch`` held."""
        store = self.store
        if store.writer is self:
            return
        if store.writer is not None:
            self._wait_for_writer()
        store.writer = self

    def _wait_for_writer(self) -> None:
        store = self.store
        deadline = time.monotonic() + self.timeout
        store.waiters += 1
        try:
            while store.writer is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OperationalError("database is locked")
                if self.wait is None:
                    store.writer_changed.wait(remaining)
                else:
                    store.latch.release()
                    try:
                        self.wait(min(remaining, 0.001))
                    finally:
                        store.latch.acquire()
        finally:
            store.waiters -= 1

    def writing(self, td: TableData) -> None:
        """Announce writes to ``td``; call once per statement, not per row."""
        self.dirty.add(td)

    def inserting(self, td: TableData) -> List[Any]:
        """A list for the keys one INSERT statement adds: a single undo entry
        for the whole statement instead of one per row."""
        keys: List[Any] = []
        self.undo.append((td, keys, INSERTED))
        return keys

    def put(self, td: TableData, key: Any, row: Row) -> None:
        """Store ``row`` under ``key``, logging what was there."""
        old = td.rows.get(key, MISSING)
        self.undo.append((td, key, old))
        if old is not MISSING:
            td.unlink(key)
        td.link(key, row)

    def replace(self, td: TableData, key: Any, old: Row, new: Row, indexes: Any) -> None:
        """Overwrite row ``old`` under ``key``; ``indexes`` are the ones
        whose columns may have changed."""
        self.undo.append((td, key, old))
        td.rows[key] = new
        for index in indexes:
            index.remove(key, old)
            index.add(key, new)

    def rewrite(self, td: TableData, key: Any, old: Row, new: Row, touched: Any) -> None:
        """Store ``new`` for row ``old`` (an UPDATE), checked and indexed as
        ``touched`` (``TableData.touched_by``) says; a changed primary key
        moves the row."""
        notnull, unique, indexes, moves_key = touched
        new_key = td.key_of(new) if moves_key else key  # type: ignore[misc]
        if new_key != key:
            if new_key in td.rows:
                raise IntegrityError("UNIQUE constraint failed: %s (primary key)" % td.name)
            self.remove(td, key)
            td.check_row(new, new_key)
            self.put(td, new_key, new)
        else:
            td.check_columns(new, key, notnull, unique)
            self.replace(td, key, old, new, indexes)

    def remove(self, td: TableData, key: Any) -> Row:
        old = td.rows[key]
        self.undo.append((td, key, old))
        td.unlink(key)
        return old

    def set_table(self, key: Any, td: Optional[TableData]) -> None:
        """Create (``td``) or drop (``None``) a catalog entry, transactionally."""
        store = self.store
        tables = store.tables
        old = tables.get(key, MISSING)
        self.replaced_tables.setdefault(key, old)
        if td is None:
            tables.pop(key, None)
        else:
            tables[key] = td
        store.catalog_version += 1

        def undo() -> None:
            if old is MISSING:
                tables.pop(key, None)
            else:
                tables[key] = old
            store.catalog_version += 1

        self.log_ddl(undo)

    def visible_table(self, key: Any) -> Optional[TableData]:
        """The table under ``key`` as this connection may see it."""
        if self.temp_tables:
            temp = self.temp_tables.get(key)
            if temp is not None:
                return temp
        td = self.store.tables.get(key)
        writer = self.store.writer
        if writer is not None and writer is not self and key in writer.replaced_tables:
            old = writer.replaced_tables[key]
            return None if old is MISSING else old
        return td

    def set_temp_table(self, key: Any, td: Optional[TableData]) -> None:
        """Create (``td``) or drop (``None``) one of this connection's
        temporary tables, transactionally; no other connection sees them."""
        temp = self.temp_tables
        old = temp.get(key, MISSING)
        if td is None:
            temp.pop(key, None)
        else:
            temp[key] = td

        def undo() -> None:
            if old is MISSING:
                temp.pop(key, None)
            else:
                temp[key] = old

        self.log_ddl(undo)

    def drop_temporary(self) -> None:
        """Forget this connection's temporary tables and views (it is
        closing); call after the rollback."""
        self.temp_tables.clear()
        self.temp_views.clear()
        self.temp_index_owners.clear()

    def log_ddl(self, undo: Callable[[], None]) -> None:
        self.undo.append((None, undo, None))

    def atomically(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one statement: on error, undo what it did; in autocommit
        mode, commit it.  Call with ``store.latch`` held."""
        mark = len(self.undo)
        try:
            result = fn(*args)
            if self.autocommit and self.deferred:
                self.check_deferred()
        except BaseException:
            self.undo_to(mark)
            if self.autocommit:
                self.end()
            raise
        if self.autocommit:
            self.end()
        return result

    def defer(self, constraint: Any) -> None:
        """Check ``constraint`` (a deferred foreign key) at commit."""
        self.deferred[constraint] = None

    def check_deferred(self) -> None:
        for constraint in self.deferred:
            constraint.validate(self)

    # -- ending -------------------------------------------------------------
    def commit(self) -> None:
        with self.store.latch:
            if self.deferred:
                try:
                    self.check_deferred()
                except BaseException:
                    self.undo_to(0)  # a failed COMMIT rolls back, as in PostgreSQL
                    self.end()
                    raise
            self.end()

    def rollback(self) -> None:
        if not self.undo and not self.savepoints and self.store.writer is not self:
            return  # nothing to undo: the pool's reset on every check-in
        with self.store.latch:
            self.undo_to(0)
            self.end()

    def undo_to(self, mark: int) -> None:
        undo = self.undo
        if len(undo) > mark and self.store.streams:
            self.store.drain_streams()
        while len(undo) > mark:
            td, key, old = undo.pop()
            if td is None:
                key()
            elif old is INSERTED:
                for k in reversed(key):
                    td.restore(k, MISSING)
            else:
                td.restore(key, old)

    def end(self) -> None:
        # cleared in place: a commit per statement allocates nothing
        if self.undo:
            self.undo.clear()
        if self.savepoints:
            self.savepoints.clear()
        if self.dirty:
            self.dirty.clear()
        if self.replaced_tables:
            self.replaced_tables.clear()
        if self.deferred:
            self.deferred.clear()
        store = self.store
        if store.writer is self:
            store.writer = None
            if store.waiters:
                store.writer_changed.notify_all()

    # -- savepoints -----------------------------------------------------------
    def savepoint(self, name: str) -> None:
        with self.store.latch:
            self.savepoints.append((name, len(self.undo)))

    def _find(self, name: str) -> int:
        for i in range(len(self.savepoints) - 1, -1, -1):
            if self.savepoints[i][0] == name:
                return i
        raise OperationalError("no such savepoint: %s" % name)

    def rollback_to(self, name: str) -> None:
        with self.store.latch:
            i = self._find(name)
            self.undo_to(self.savepoints[i][1])
            del self.savepoints[i + 1 :]

    def release(self, name: str) -> None:
        with self.store.latch:
            del self.savepoints[self._find(name) :]
