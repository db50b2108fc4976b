"""Errors: constraint violations, statement atomicity, unsupported constructs.

Constraint failures surface as ``sqlalchemy.exc.IntegrityError`` and a failed
statement changes nothing, while the transaction it ran in stays usable.
Constructs the engine cannot evaluate raise ``sqlalchemy.exc.NotSupportedError``
naming the construct, never a wrong answer.
"""

import warnings
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    exc,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.testing import fixtures

from _support import engine_with_table, snapshot, unchanged


def _setup():
    return engine_with_table(
        "t",
        Column("id", Integer, primary_key=True),
        Column("email", String(50), unique=True),
        Column("name", String(50), nullable=False),
        Column("a", Integer),
        Column("b", Integer),
        UniqueConstraint("a", "b", name="uq_ab"),
        rows=[
            {"id": 1, "email": "one@x", "name": "one", "a": 1, "b": 1},
            {"id": 2, "email": "two@x", "name": "two", "a": 1, "b": 2},
        ],
    )


class IntegrityTest(fixtures.TestBase):
    def test_duplicate_primary_key(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError) as info:
                conn.execute(insert(t).values(id=1, name="dup"))
            assert isinstance(info.value.orig, engine.dialect.dbapi.IntegrityError)

    def test_unique_constraint(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError, match="email"):
                conn.execute(insert(t).values(id=3, email="one@x", name="x"))

    def test_composite_unique_constraint(self):
        engine, t = _setup()
        with engine.begin() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(t).values(id=3, name="x", a=1, b=2))
        with engine.begin() as conn:
            # a different combination, and NULLs, never collide
            conn.execute(insert(t).values(id=3, name="x", a=2, b=2))
            conn.execute(insert(t).values(id=4, name="y", a=1, b=None))
            conn.execute(insert(t).values(id=5, name="z", a=1, b=None))
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 4, 5]

    def test_unique_allows_several_nulls(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=3, name="x", email=None))
            conn.execute(insert(t).values(id=4, name="y", email=None))
        assert len(snapshot(engine, t)) == 4

    def test_not_null(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError, match="NOT NULL"):
                conn.execute(insert(t).values(id=3, email="three@x"))
            with pytest.raises(exc.IntegrityError, match="NOT NULL"):
                conn.execute(insert(t).values(id=3, name=None))

    def test_update_to_null_violates_not_null(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(update(t).where(t.c.id == 2).values(name=None))

    def test_update_to_duplicate_unique(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(update(t).where(t.c.id == 2).values(email="one@x"))

    def test_update_to_duplicate_primary_key(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(update(t).where(t.c.id == 2).values(id=1))

    def test_update_swapping_unique_values_in_one_statement(self):
        # A multi-row UPDATE that ends in a consistent state but whose rows
        # would collide one at a time.  SQLite (checks per row) rejects it;
        # the standard checks at statement end.  Either way the table must
        # not be left half-updated.
        engine, t = _setup()
        before = snapshot(engine, t)
        with engine.connect() as conn:
            try:
                conn.execute(update(t).values(a=t.c.a, b=3 - t.c.b))
            except exc.IntegrityError:
                conn.rollback()
                assert snapshot(engine, t) == before
            else:
                conn.commit()
                rows = {(r.id, r.a, r.b) for r in snapshot(engine, t)}
                assert rows == {(1, 1, 2), (2, 1, 1)}

    def test_unique_value_reusable_after_delete(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(delete(t).where(t.c.id == 1))
            conn.execute(insert(t).values(id=1, email="one@x", name="again"))
        assert [r.name for r in snapshot(engine, t)] == ["again", "two"]

    def test_unique_value_reusable_after_update(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == 1).values(email="moved@x"))
            conn.execute(insert(t).values(id=3, email="one@x", name="three"))
        assert [r.email for r in snapshot(engine, t)] == ["moved@x", "two@x", "one@x"]


class AtomicityTest(fixtures.TestBase):
    def test_executemany_failing_row_leaves_none(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(
                    insert(t),
                    [
                        {"id": 10, "name": "a"},
                        {"id": 11, "name": "b"},
                        {"id": 1, "name": "dup"},  # violates the primary key
                        {"id": 12, "name": "c"},
                    ],
                )
            # inside the still-open transaction: nothing from the statement
            assert conn.execute(select(func.count()).select_from(t)).scalar() == 2
            conn.commit()

    def test_executemany_duplicate_within_batch(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(
                    insert(t),
                    [{"id": 10, "name": "a"}, {"id": 11, "name": "b"}, {"id": 10, "name": "c"}],
                )
            conn.commit()

    def test_multi_values_insert_atomic(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(
                    insert(t).values(
                        [
                            {"id": 10, "name": "a", "email": "a@x"},
                            {"id": 11, "name": "b", "email": "two@x"},
                        ]
                    )
                )
            conn.commit()

    def test_multi_row_update_atomic(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=3, name="three", email="three@x"))
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                # every row gets the same email: the second row collides
                conn.execute(update(t).values(email="same@x", name="changed"))
            conn.commit()

    def test_update_executemany_atomic(self):
        engine, t = _setup()
        with unchanged(engine, t):
            stmt = update(t).where(t.c.id == bindparam("i")).values(email=bindparam("e"))
            with engine.connect() as conn:
                with pytest.raises(exc.IntegrityError):
                    conn.execute(stmt, [{"i": 1, "e": "new@x"}, {"i": 2, "e": "new@x"}])
                conn.commit()

    def test_failed_statement_keeps_earlier_work_of_transaction(self):
        engine, t = _setup()
        with engine.connect() as conn:
            conn.execute(insert(t).values(id=3, name="three"))
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(t), [{"id": 4, "name": "four"}, {"id": 3, "name": "dup"}])
            conn.execute(insert(t).values(id=5, name="five"))
            conn.commit()
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 5]

    def test_returning_statement_failing_returns_nothing_and_leaves_nothing(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(
                    insert(t).returning(t.c.id),
                    [{"id": 7, "name": "a"}, {"id": 2, "name": "dup"}],
                )
            conn.commit()


class OperationalErrorTest(fixtures.TestBase):
    def test_no_such_table(self):
        engine = create_engine("memory://")
        t = Table("missing", MetaData(), Column("id", Integer, primary_key=True))
        with engine.connect() as conn:
            with pytest.raises(exc.OperationalError, match="no such table"):
                conn.execute(select(t))
            with pytest.raises(exc.OperationalError, match="no such table"):
                conn.execute(insert(t).values(id=1))

    def test_table_dropped_then_used(self):
        engine, t = _setup()
        t.drop(engine)
        with engine.connect() as conn:
            with pytest.raises(exc.OperationalError, match="no such table"):
                conn.execute(select(t))

    def test_connection_usable_after_error(self):
        engine, t = _setup()
        with engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(t).values(id=1, name="dup"))
            assert conn.execute(select(func.count()).select_from(t)).scalar() == 2


def _distinct_on(conn: Any, t: Any) -> Any:
    """Run ``SELECT DISTINCT ON (a) a``, spelt the legacy way: SQLAlchemy
    warns at construction (2.1 deprecates it) and at compilation (every
    non-PostgreSQL dialect, SQLite's too); its 2.1 replacement,
    ``postgresql.distinct_on``, fails to compile before reaching the engine."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Passing expression to ``distinct``", exc.SADeprecationWarning)
        warnings.filterwarnings("ignore", "DISTINCT ON is currently supported only", exc.SADeprecationWarning)
        return conn.execute(select(t.c.a).distinct(t.c.a))


class NotSupportedTest(fixtures.TestBase):
    def test_distinct_on(self):
        engine, t = _setup()
        with engine.connect() as conn:
            with pytest.raises(exc.NotSupportedError, match="DISTINCT ON"):
                _distinct_on(conn, t)

    def test_unknown_function(self):
        engine, t = _setup()
        with engine.connect() as conn:
            with pytest.raises(exc.NotSupportedError, match="no_such_function_xyz"):
                conn.execute(select(func.no_such_function_xyz(t.c.id)))

    def test_not_supported_leaves_transaction_usable(self):
        engine, t = _setup()
        with engine.connect() as conn:
            conn.execute(insert(t).values(id=3, name="three"))
            with pytest.raises(exc.NotSupportedError):
                _distinct_on(conn, t)
            conn.commit()
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3]

    def test_not_supported_is_dbapi_error(self):
        engine, t = _setup()
        with engine.connect() as conn:
            with pytest.raises(exc.DBAPIError) as info:
                _distinct_on(conn, t)
        assert isinstance(info.value, exc.NotSupportedError)
        assert isinstance(info.value.orig, engine.dialect.dbapi.NotSupportedError)


class ForeignKeyDeclaredTest(fixtures.TestBase):
    def test_tables_with_foreign_keys_create_and_drop(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        parent = Table("parent", metadata, Column("id", Integer, primary_key=True))
        child = Table(
            "child",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("parent_id", ForeignKey("parent.id")),
        )
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(parent).values(id=1))
            conn.execute(insert(child).values(id=1, parent_id=1))
            assert conn.execute(select(child.c.parent_id)).scalar() == 1
        metadata.drop_all(engine)
        with engine.connect() as conn:
            assert not engine.dialect.has_table(conn, "child")
            assert not engine.dialect.has_table(conn, "parent")
