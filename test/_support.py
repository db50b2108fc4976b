"""Setup shared by the test modules.

The name has no ``test_`` prefix, so pytest does not collect it.  Test modules
import it as ``from _support import ...``: with pytest's default ("prepend")
import mode the folder of each test module (``test/``, which has no
``__init__.py``) is put on ``sys.path`` before the module is imported, in the
main process and in every pytest-xdist worker alike.
"""

import contextlib

from sqlalchemy import MetaData, Table, create_engine, insert, select
from sqlalchemy.orm import DeclarativeBase


def engine_with_table(name, *columns, rows=None, url="memory://", **engine_kw):
    """A fresh engine (``create_engine(url, **engine_kw)``) holding one new
    table ``name`` with ``columns`` (columns, constraints, indexes), and
    ``rows`` (a list of dicts) inserted in one committed transaction.

    Returns ``(engine, table)``.
    """
    engine = create_engine(url, **engine_kw)
    table = Table(name, MetaData(), *columns)
    table.metadata.create_all(engine)
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
    return engine, table


def populated_engines(metadata, data, urls=("memory://", "sqlite://"), **engine_kw):
    """One fresh engine per URL, each with all of ``metadata``'s tables and
    the same rows: ``data`` is a list of ``(table, rows as dicts)``."""
    engines = []
    for url in urls:
        engine = create_engine(url, **engine_kw)
        metadata.create_all(engine)
        with engine.begin() as conn:
            for table, rows in data:
                conn.execute(table.insert(), rows)
        engines.append(engine)
    return engines


def rows_by_id(conn, table):
    """All rows of ``table`` on ``conn``, ordered by its ``id`` column."""
    return conn.execute(select(table).order_by(table.c.id)).all()


def snapshot(engine, table):
    """All rows of ``table`` ordered by ``id``, read on a new connection."""
    with engine.connect() as conn:
        return rows_by_id(conn, table)


@contextlib.contextmanager
def two_connections(engine):
    """Two connections of ``engine`` (say a writer and a reader), both closed
    when the block ends, whether or not it raised."""
    first = engine.connect()
    second = engine.connect()
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def declarative_base():
    """A new ``DeclarativeBase`` subclass with its own registry and metadata:
    mapped classes are built afresh per test because SQLAlchemy's test plugin
    clears all mappers after every test class."""

    class Base(DeclarativeBase):
        pass

    return Base


@contextlib.contextmanager
def unchanged(engine, table):
    """Asserts that ``table`` holds the same rows (by ``snapshot``) when the
    block ends as when it began; an exception from the block propagates."""
    before = snapshot(engine, table)
    yield
    assert snapshot(engine, table) == before


class SideBySide:
    """Mixin for test classes that run each statement on memory:// and on
    sqlite:// holding the same rows (``cls.memory`` / ``cls.sqlite``, set up
    with :func:`populated_engines`) and insist on the same answer."""

    memory = sqlite = None

    def both(self, stmt, **params):
        """The rows of ``stmt`` as tuples, which both engines must agree on."""
        results = []
        for engine in (self.memory, self.sqlite):
            with engine.connect() as conn:
                results.append([tuple(r) for r in conn.execute(stmt, params)])
        assert results[0] == results[1], stmt
        return results[0]
