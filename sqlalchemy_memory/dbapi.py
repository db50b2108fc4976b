"""A small PEP 249 module over the in-memory store.

SQLAlchemy talks to it like to any DBAPI driver, with one difference: the
dialect's ``do_execute*`` hooks hand the cursor the *compiled statement* (via
the execution context) instead of a SQL string, so nothing is parsed.  Plain
SQL strings reach :meth:`Cursor.execute` only from ``exec_driver_sql()``,
``text()`` and ``DDL()``; ``sqltext/`` parses them into the same plans.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

from .engine.errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from .engine.store import Store
from .engine.txn import Transaction

__all__ = [
    "apilevel",
    "threadsafety",
    "paramstyle",
    "Binary",
    "connect",
    "Connection",
    "Cursor",
    "Error",
    "Warning",
    "InterfaceError",
    "DatabaseError",
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
]

apilevel = "2.0"
threadsafety = 2  # connections may be shared between threads, not cursors
paramstyle = "named"
Binary = bytes

Description = Tuple[Tuple[str, Any, None, None, None, None, None], ...]


class Connection:
    """One client connection: a transaction over a shared :class:`Store`."""

    def __init__(
        self,
        store: Store,
        timeout: float = 5.0,
        wait: Optional[Callable[[float], None]] = None,
        foreign_keys: bool = True,
    ) -> None:
        self.store = store
        self.txn = Transaction(store, timeout=timeout, wait=wait)
        self.txn.foreign_keys = foreign_keys
        self.autocommit = False
        self.closed = False

    def cursor(self) -> "Cursor":
        if self.closed:
            raise InterfaceError("connection is closed")
        return Cursor(self)

    def commit(self) -> None:
        self.txn.commit()

    def rollback(self) -> None:
        self.txn.rollback()

    def close(self) -> None:
        """Roll back, and drop the connection's temporary tables (as SQLite
        and PostgreSQL do when a session ends)."""
        if not self.closed:
            self.txn.rollback()
            self.txn.drop_temporary()
            self.closed = True


class Cursor:
    """Holds one statement's result: ``description``, rows and counts."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: Optional[Description] = None
        self.rowcount = -1
        self.lastrowid: Optional[int] = None
        self._rows: List[Tuple[Any, ...]] = []
        self._pos = 0

    # -- results, filled by the engine ------------------------------------
    def _set_result(
        self,
        description: Optional[Description],
        rows: List[Tuple[Any, ...]],
        rowcount: int,
        lastrowid: Optional[int] = None,
    ) -> None:
        self.description = description
        self._rows = rows
        self._pos = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    # -- PEP 249 ------------------------------------------------------------
    def execute(self, operation: str, parameters: Any = None) -> "Cursor":
        from . import sqltext  # imports the dialect, which imports this module

        sqltext.execute(self, operation, [parameters])
        return self

    def executemany(
        self, operation: str, seq_of_parameters: Iterable[Any]
    ) -> "Cursor":
        from . import sqltext

        sqltext.execute(self, operation, list(seq_of_parameters))
        return self

    def fetchone(self) -> Optional[Tuple[Any, ...]]:
        pos = self._pos
        if pos < len(self._rows):
            self._pos = pos + 1
            return self._rows[pos]
        return None

    def fetchmany(self, size: Optional[int] = None) -> Sequence[Tuple[Any, ...]]:
        pos = self._pos
        end = pos + (self.arraysize if size is None else size)
        rows = self._rows[pos:end]
        self._pos = pos + len(rows)
        return rows

    def fetchall(self) -> Sequence[Tuple[Any, ...]]:
        pos = self._pos
        rows = self._rows[pos:] if pos else self._rows
        self._pos = len(self._rows)
        return rows

    def close(self) -> None:
        self._rows = []
        self._pos = 0

    async def _async_soft_close(self) -> None:
        """Called by SQLAlchemy's asyncio results; nothing is pending."""

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass


def connect(
    store: Store,
    timeout: float = 5.0,
    wait: Optional[Callable[[float], None]] = None,
    foreign_keys: bool = True,
) -> Connection:
    return Connection(store, timeout=timeout, wait=wait, foreign_keys=foreign_keys)
