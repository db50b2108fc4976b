"""A small PEP 249 module over the in-memory store.

SQLAlchemy talks to it like to any DBAPI driver, with one difference: the
dialect's ``do_execute*`` hooks hand the cursor the *compiled statement* (via
the execution context) instead of a SQL string, so nothing is parsed.  Plain
SQL strings reach :meth:`Cursor.execute` only from ``exec_driver_sql()``,
``text()`` and ``DDL()``; ``sqltext/`` parses them into the same plans.
"""

from __future__ import annotations

import datetime
import time
from itertools import islice
from typing import Any, Callable, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy.sql import sqltypes

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
    "Date",
    "Time",
    "Timestamp",
    "DateFromTicks",
    "TimeFromTicks",
    "TimestampFromTicks",
    "STRING",
    "BINARY",
    "NUMBER",
    "DATETIME",
    "ROWID",
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
Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime


def DateFromTicks(ticks: float) -> datetime.date:  # noqa: N802 - PEP 249 names
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> datetime.time:  # noqa: N802
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> datetime.datetime:  # noqa: N802
    return Timestamp(*time.localtime(ticks)[:6])


class DBAPITypeObject:
    """A PEP 249 type object: equal to each type code of its group, so
    ``cursor.description[i][1] == NUMBER`` tells a column's kind."""

    def __init__(self, name: str, *codes: str) -> None:
        self.name = name
        self.codes: FrozenSet[str] = frozenset(codes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return other is self
        return other in self.codes

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.name, self.codes))

    def __repr__(self) -> str:
        return "<memory DBAPI type %s>" % self.name


# type codes, as ``cursor.description`` reports them, by group
STRING = DBAPITypeObject("STRING", "VARCHAR", "TEXT", "ENUM")
BINARY = DBAPITypeObject("BINARY", "BYTEA")
NUMBER = DBAPITypeObject("NUMBER", "INTEGER", "NUMERIC", "FLOAT", "BOOLEAN")
DATETIME = DBAPITypeObject("DATETIME", "TIMESTAMP", "DATE", "TIME", "INTERVAL")
ROWID = DBAPITypeObject("ROWID", "ROWID")  # no column reports it: rows are keyed by primary key

# SQLAlchemy type -> type code; the first class a type is an instance of wins
# (Enum before String, Float and Boolean before what they derive from).
_TYPE_CODES: Tuple[Tuple[type, str], ...] = (
    (sqltypes.Enum, "ENUM"),
    (sqltypes.Text, "TEXT"),
    (sqltypes.String, "VARCHAR"),
    (sqltypes.Boolean, "BOOLEAN"),
    (sqltypes.Integer, "INTEGER"),
    (sqltypes.Float, "FLOAT"),
    (sqltypes.Numeric, "NUMERIC"),
    (sqltypes.LargeBinary, "BYTEA"),
    (sqltypes.DateTime, "TIMESTAMP"),
    (sqltypes.Date, "DATE"),
    (sqltypes.Time, "TIME"),
    (sqltypes.Interval, "INTERVAL"),
    (sqltypes.JSON, "JSON"),
    (sqltypes.Uuid, "UUID"),
    (sqltypes.ARRAY, "ARRAY"),
)


def type_code(type_: Any) -> Optional[str]:
    """The type code of a result column of SQLAlchemy type ``type_``; None
    when the type is unknown (``NullType``), as SQLite reports it."""
    while isinstance(type_, sqltypes.TypeDecorator) and not isinstance(type_, sqltypes.Emulated):
        type_ = type_.impl_instance  # a user's wrapper; not Interval, stored natively
    for cls, code in _TYPE_CODES:
        if isinstance(type_, cls):
            return code
    return None


Description = Tuple[Tuple[str, Any, None, None, None, None, None], ...]
_DESCRIPTION_ATTRIBUTE = "_memory_description"


def typed_description(compiled: Any, description: Optional[Description]) -> Optional[Description]:
    """``description`` (names only, from the plan) with each column's type
    code, from the compiled statement's result columns; kept on the compiled
    object beside the plan the description came from."""
    if description is None:
        return None
    cached = compiled.__dict__.get(_DESCRIPTION_ATTRIBUTE)
    if cached is not None and cached[0] is description:
        return cached[1]  # type: ignore[no-any-return]
    columns = compiled._result_columns
    if len(columns) == len(description):
        typed = tuple((d[0], type_code(rc[3])) + tuple(d[2:]) for d, rc in zip(description, columns))
    else:
        typed = description
    compiled.__dict__[_DESCRIPTION_ATTRIBUTE] = (description, typed)
    return typed  # type: ignore[return-value]


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

    def run_select(self, compiled: Any, parameters: Any, schema_map: Any = None) -> List[Tuple[Any, ...]]:
        """The rows of a compiled SELECT run in this connection's transaction,
        without a cursor or SQLAlchemy's execution machinery: the read-only
        hook ``MemorySession.get()`` uses for a primary-key load
        (``sqlalchemy_memory/fastpath.py``).  ``parameters`` are processed and
        named as the dialect's ``do_execute`` would receive them."""
        from .engine import planner  # the engine imports the dialect's types
        from .engine.runtime import Runtime

        if self.closed:
            raise InterfaceError("connection is closed")
        store = self.store
        rt = Runtime(store, self.txn, schema_map)
        with store.latch:
            if planner.plan_for(compiled, rt).writes:
                raise ProgrammingError("run_select runs queries only")
            return planner.run_compiled(compiled, rt, [parameters])[1]

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
        # rows still to read from the tables (a streamed query), after _rows
        self._stream: Optional[Iterator[Tuple[Any, ...]]] = None
        self._stream_error: Optional[BaseException] = None

    # -- results, filled by the engine ------------------------------------
    def _set_result(
        self,
        description: Optional[Description],
        rows: List[Tuple[Any, ...]],
        rowcount: int,
        lastrowid: Optional[int] = None,
    ) -> None:
        self.description = description
        if self._stream is not None:
            self._end_stream()
        if rows.__class__ is not list:  # an iterator: read as fetched
            self._stream = iter(rows)
            self.connection.store.streams.add(self)
            rows = []
        self._rows = rows
        self._pos = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def _set_compiled_result(self, compiled: Any, outcome: Tuple[Optional[Description], List[Tuple[Any, ...]], int, Optional[int]]) -> None:
        """A compiled statement's result, the description typed from it."""
        description, rows, rowcount, lastrowid = outcome
        self._set_result(typed_description(compiled, description), rows, rowcount, lastrowid)

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
        if self._stream is not None or self._stream_error is not None:
            got = self._read(1)
            return got[0] if got else None
        return None

    def fetchmany(self, size: Optional[int] = None) -> Sequence[Tuple[Any, ...]]:
        pos = self._pos
        n = self.arraysize if size is None else size
        rows = self._rows[pos : pos + n]
        self._pos = pos + len(rows)
        if len(rows) < n and (self._stream is not None or self._stream_error is not None):
            rows += self._read(n - len(rows))
        return rows

    def fetchall(self) -> Sequence[Tuple[Any, ...]]:
        pos = self._pos
        rows = self._rows[pos:] if pos else self._rows
        self._pos = len(self._rows)
        if self._stream is not None or self._stream_error is not None:
            rows = rows + self._read(None)
        return rows

    # -- streamed queries -----------------------------------------------------
    def _read(self, n: Optional[int]) -> List[Tuple[Any, ...]]:
        """Up to ``n`` (None: all) more rows of a streamed query, read
        under the store's latch; an error raised reading them is the
        DBAPI's, as it would have been at execute()."""
        error = self._stream_error
        if error is not None:
            self._stream_error = None
            raise error
        stream = self._stream
        assert stream is not None
        with self.connection.store.latch:
            try:
                rows = list(stream) if n is None else list(islice(stream, n))
            except (TypeError, ValueError, ArithmeticError) as err:
                self._end_stream()
                raise DataError("%s: %s" % (type(err).__name__, err)) from err
            except (LookupError, AttributeError, AssertionError) as err:
                self._end_stream()
                raise InternalError("the memory dialect failed reading a result: %s: %s" % (type(err).__name__, err)) from err
            if n is None or len(rows) < n:
                self._end_stream()
        return rows

    def _drain(self) -> None:
        """Read the rest now (the store is about to change); an error is
        kept for the next fetch."""
        stream = self._stream
        if stream is None:
            return
        self._end_stream()
        try:
            rest = list(stream)
        except Exception as err:
            self._stream_error = err
            rest = []
        self._rows = self._rows[self._pos :] + rest
        self._pos = 0

    def _end_stream(self) -> None:
        self._stream = None
        self.connection.store.streams.discard(self)

    def close(self) -> None:
        if self._stream is not None:
            with self.connection.store.latch:  # drain_streams walks the set
                self._end_stream()
        self._stream_error = None
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
