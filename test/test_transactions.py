"""Transactions: commit, exact rollback, isolation between connections, the
write lock, savepoints, AUTOCOMMIT, threads and named stores.
"""

import threading
import time
import uuid

import pytest
from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    exc,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.testing import fixtures

from _support import engine_with_table, rows_by_id, snapshot, two_connections, unchanged


def _columns():
    return (
        Column("id", Integer, primary_key=True),
        Column("name", String(50)),
        Column("email", String(50), unique=True),
    )


def _table(metadata, name="t"):
    return Table(name, metadata, *_columns())


def _setup(url="memory://", **kw):
    return engine_with_table(
        "t",
        *_columns(),
        rows=[
            {"id": 1, "name": "one", "email": "1@x"},
            {"id": 2, "name": "two", "email": "2@x"},
            {"id": 3, "name": "three", "email": "3@x"},
        ],
        url=url,
        **kw,
    )


def _run_threads(work, n_threads):
    """Runs ``work(k)`` for k in range(n_threads), each in its own thread,
    and waits for them all (60 seconds each at the most)."""
    threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)


def _unique_name(prefix):
    return "%s_%s" % (prefix, uuid.uuid4().hex[:12])


class CommitRollbackTest(fixtures.TestBase):
    def test_commit_is_visible_to_new_connections(self):
        engine, t = _setup()
        with engine.connect() as conn:
            conn.execute(insert(t).values(id=4, name="four"))
            conn.commit()
        with engine.connect() as conn:
            assert [r.id for r in rows_by_id(conn, t)] == [1, 2, 3, 4]

    def test_close_without_commit_rolls_back(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            conn.execute(insert(t).values(id=4, name="four"))

    def test_rollback_restores_exactly(self):
        engine, t = _setup()
        before = snapshot(engine, t)
        with engine.connect() as conn:
            conn.execute(insert(t).values(id=4, name="four", email="4@x"))
            conn.execute(update(t).where(t.c.id == 1).values(name="uno", email="4b@x"))
            conn.execute(update(t).where(t.c.id == 2).values(id=20))
            conn.execute(delete(t).where(t.c.id == 3))
            conn.execute(insert(t).values(id=3, name="new three", email="1@x"))
            assert [r.id for r in rows_by_id(conn, t)] == [1, 3, 4, 20]
            conn.rollback()
            assert rows_by_id(conn, t) == before
        assert snapshot(engine, t) == before

    def test_rollback_restores_unique_indexes(self):
        engine, t = _setup()
        with engine.connect() as conn:
            conn.execute(update(t).where(t.c.id == 1).values(email="moved@x"))
            conn.execute(delete(t).where(t.c.id == 2))
            conn.rollback()
        with engine.begin() as conn:
            # the restored rows still own their unique values ...
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(t).values(id=10, email="1@x"))
        with engine.begin() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(t).values(id=10, email="2@x"))
        with engine.begin() as conn:
            # ... and the value the rollback undid is free again
            conn.execute(insert(t).values(id=10, email="moved@x"))
            assert conn.scalar(select(t.c.id).where(t.c.email == "1@x")) == 1
            assert conn.scalar(select(t.c.id).where(t.c.email == "2@x")) == 2

    def test_rollback_restores_autoincrement_rows(self):
        engine, t = _setup()
        with engine.connect() as conn:
            conn.execute(insert(t), [{"name": "a"}, {"name": "b"}])
            conn.rollback()
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3]

    def test_engine_begin_rolls_back_on_exception(self):
        engine, t = _setup()
        with unchanged(engine, t):
            with pytest.raises(ZeroDivisionError):
                with engine.begin() as conn:
                    conn.execute(delete(t))
                    1 / 0

    def test_rollback_create_table(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        t = _table(metadata, "created")
        with engine.connect() as conn:
            metadata.create_all(conn)
            conn.execute(insert(t).values(id=1))
            assert inspect(conn).has_table("created")
            conn.rollback()
        with engine.connect() as conn:
            assert not inspect(conn).has_table("created")
            with pytest.raises(exc.OperationalError):
                conn.execute(select(t))
        # and it can be created again
        metadata.create_all(engine)
        assert snapshot(engine, t) == []

    def test_rollback_drop_table(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            t.drop(conn)
            assert not inspect(conn).has_table("t")
            conn.rollback()
            with engine.connect() as conn:
                assert inspect(conn).has_table("t")
        # the unique constraint came back too
        with engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(t).values(id=9, email="1@x"))

    def test_rollback_create_index(self):
        engine, t = _setup()
        idx = Index("ix_t_name", t.c.name)
        with engine.connect() as conn:
            idx.create(conn)
            assert [i["name"] for i in inspect(conn).get_indexes("t")] == ["ix_t_name"]
            conn.rollback()
        with engine.connect() as conn:
            assert inspect(conn).get_indexes("t") == []
        idx.create(engine)
        with engine.connect() as conn:
            assert conn.scalar(select(t.c.id).where(t.c.name == "two")) == 2

    def test_commit_ddl(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        t = _table(metadata, "kept")
        with engine.connect() as conn:
            metadata.create_all(conn)
            conn.commit()
        with engine.connect() as conn:
            assert inspect(conn).has_table("kept")


class IsolationTest(fixtures.TestBase):
    def test_uncommitted_writes_invisible_to_other_connection(self):
        engine, t = _setup()
        before = snapshot(engine, t)
        with two_connections(engine) as (writer, reader):
            writer.execute(insert(t).values(id=4, name="four", email="4@x"))
            writer.execute(update(t).where(t.c.id == 1).values(name="uno"))
            writer.execute(delete(t).where(t.c.id == 2))
            # the writer sees its own changes
            assert [(r.id, r.name) for r in rows_by_id(writer, t)] == [(1, "uno"), (3, "three"), (4, "four")]
            # the reader sees the committed data, through every access path
            assert rows_by_id(reader, t) == before
            assert reader.execute(select(t.c.name).where(t.c.id == 1)).scalar() == "one"
            assert reader.execute(select(t.c.name).where(t.c.id == 2)).scalar() == "two"
            assert reader.execute(select(t.c.id).where(t.c.id == 4)).all() == []
            assert reader.execute(select(t.c.id).where(t.c.email == "2@x")).all() == [(2,)]
            assert reader.execute(select(t.c.id).where(t.c.email == "4@x")).all() == []
            assert reader.scalar(select(func.count()).select_from(t)) == 3
            writer.commit()
            assert [(r.id, r.name) for r in rows_by_id(reader, t)] == [(1, "uno"), (3, "three"), (4, "four")]
            assert reader.execute(select(t.c.id).where(t.c.email == "4@x")).all() == [(4,)]

    def test_primary_key_change_invisible_to_reader(self):
        engine, t = _setup()
        with two_connections(engine) as (writer, reader):
            writer.execute(update(t).where(t.c.id == 1).values(id=100))
            assert reader.execute(select(t.c.name).where(t.c.id == 1)).scalar() == "one"
            assert reader.execute(select(t.c.name).where(t.c.id == 100)).all() == []
            writer.rollback()
            assert reader.execute(select(t.c.name).where(t.c.id == 1)).scalar() == "one"

    def test_rolled_back_writes_never_visible(self):
        engine, t = _setup()
        before = snapshot(engine, t)
        with two_connections(engine) as (writer, reader):
            writer.execute(delete(t))
            assert rows_by_id(reader, t) == before
            writer.rollback()
            assert rows_by_id(reader, t) == before

    def test_second_writer_gets_database_is_locked(self):
        engine, t = _setup(connect_args={"timeout": 0.2})
        with two_connections(engine) as (first, second):
            first.execute(insert(t).values(id=4, name="four"))
            start = time.monotonic()
            with pytest.raises(exc.OperationalError, match="database is locked"):
                second.execute(insert(t).values(id=5, name="five"))
            elapsed = time.monotonic() - start
            assert 0.15 <= elapsed < 3.0
            second.rollback()
            # reading does not need the lock
            assert [r.id for r in rows_by_id(second, t)] == [1, 2, 3]
            first.commit()
            # once the first writer committed, the second may write
            second.execute(insert(t).values(id=5, name="five"))
            second.commit()
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 4, 5]

    def test_timeout_in_url_query(self):
        engine, t = _setup("memory://?timeout=0.1")
        with two_connections(engine) as (first, second):
            first.execute(delete(t).where(t.c.id == 1))
            with pytest.raises(exc.OperationalError, match="database is locked"):
                second.execute(delete(t).where(t.c.id == 2))

    def test_waiting_writer_proceeds_when_lock_released(self):
        engine, t = _setup(connect_args={"timeout": 5})
        first = engine.connect()
        first.execute(insert(t).values(id=4, name="four"))
        done = threading.Event()
        errors = []

        def second_writer():
            try:
                with engine.begin() as conn:
                    conn.execute(insert(t).values(id=5, name="five"))
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)
            finally:
                done.set()

        thread = threading.Thread(target=second_writer)
        thread.start()
        try:
            time.sleep(0.1)
            assert not done.is_set()  # blocked on the write lock
            first.commit()
            assert done.wait(5)
        finally:
            thread.join(5)
            first.close()
        assert errors == []
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 4, 5]

    def test_rollback_releases_write_lock(self):
        engine, t = _setup(connect_args={"timeout": 0.2})
        with two_connections(engine) as (first, second):
            first.execute(update(t).values(name="x"))
            first.rollback()
            second.execute(update(t).values(name="y"))
            second.commit()
        assert {r.name for r in snapshot(engine, t)} == {"y"}

    def test_failed_first_write_statement_still_holds_or_releases_consistently(self):
        engine, t = _setup(connect_args={"timeout": 0.2})
        with two_connections(engine) as (first, second):
            with pytest.raises(exc.IntegrityError):
                first.execute(insert(t).values(id=1, name="dup"))
            first.rollback()
            # after rollback the lock is free whatever the failed statement did
            second.execute(insert(t).values(id=4))
            second.commit()


class IsolationEdgeTest(fixtures.TestBase):
    def test_reader_sees_committed_row_through_several_writer_changes(self):
        engine, t = _setup()
        before = snapshot(engine, t)
        with two_connections(engine) as (writer, reader):
            writer.execute(update(t).where(t.c.id == 1).values(name="a"))
            writer.execute(update(t).where(t.c.id == 1).values(name="b"))
            writer.execute(insert(t).values(id=4, name="new"))
            writer.execute(delete(t).where(t.c.id == 4))
            writer.execute(delete(t).where(t.c.id == 2))
            writer.execute(insert(t).values(id=2, name="reborn", email="2@x"))
            assert rows_by_id(reader, t) == before
            assert reader.scalar(select(t.c.name).where(t.c.id == 2)) == "two"
            assert reader.scalar(select(t.c.name).where(t.c.email == "2@x")) == "two"
            writer.commit()
            assert [(r.id, r.name) for r in rows_by_id(reader, t)] == [(1, "b"), (2, "reborn"), (3, "three")]

    def test_reader_unaffected_by_writer_savepoint_rollback(self):
        engine, t = _setup()
        before = snapshot(engine, t)
        with two_connections(engine) as (writer, reader):
            writer.execute(update(t).where(t.c.id == 1).values(name="outer"))
            sp = writer.begin_nested()
            writer.execute(update(t).where(t.c.id == 1).values(name="inner"))
            writer.execute(delete(t).where(t.c.id == 3))
            sp.rollback()
            assert rows_by_id(reader, t) == before
            assert [(r.id, r.name) for r in rows_by_id(writer, t)] == [(1, "outer"), (2, "two"), (3, "three")]
            writer.commit()
            assert [(r.id, r.name) for r in rows_by_id(reader, t)] == [(1, "outer"), (2, "two"), (3, "three")]

    def test_open_read_transaction_does_not_block_writer(self):
        engine, t = _setup(connect_args={"timeout": 0.2})
        reader = engine.connect()
        try:
            assert len(rows_by_id(reader, t)) == 3  # reader's transaction stays open
            with engine.begin() as conn:
                conn.execute(insert(t).values(id=4))
            # READ COMMITTED: the open reader sees the new commit
            assert len(rows_by_id(reader, t)) == 4
        finally:
            reader.close()

    def test_savepoint_rollback_keeps_the_write_lock(self):
        engine, t = _setup(connect_args={"timeout": 0.1})
        with two_connections(engine) as (first, second):
            sp = first.begin_nested()
            first.execute(insert(t).values(id=4))
            sp.rollback()
            first.execute(insert(t).values(id=5))
            with pytest.raises(exc.OperationalError, match="database is locked"):
                second.execute(insert(t).values(id=6))

    def test_uncommitted_drop_table_invisible_to_reader(self):
        engine, t = _setup()
        before = snapshot(engine, t)
        with two_connections(engine) as (writer, reader):
            t.drop(writer)
            # the DROP is not committed: the reader keeps the committed table
            assert inspect(reader).has_table("t")
            assert rows_by_id(reader, t) == before
            writer.rollback()
            assert rows_by_id(reader, t) == before

    def test_uncommitted_create_table_invisible_to_reader(self):
        engine, t = _setup()
        metadata = MetaData()
        other = _table(metadata, "other")
        with two_connections(engine) as (writer, reader):
            other.create(writer)
            writer.execute(insert(other).values(id=1))
            assert not inspect(reader).has_table("other")
            with pytest.raises(exc.OperationalError, match="no such table"):
                reader.execute(select(other))
            writer.commit()
            assert inspect(reader).has_table("other")
            assert len(rows_by_id(reader, other)) == 1


class SavepointTest(fixtures.TestBase):
    def test_rollback_to_savepoint(self):
        engine, t = _setup()
        with engine.connect() as conn:
            conn.execute(insert(t).values(id=4, name="four"))
            nested = conn.begin_nested()
            conn.execute(insert(t).values(id=5, name="five"))
            conn.execute(update(t).where(t.c.id == 1).values(name="uno"))
            conn.execute(delete(t).where(t.c.id == 4))
            nested.rollback()
            assert [(r.id, r.name) for r in rows_by_id(conn, t)] == [
                (1, "one"), (2, "two"), (3, "three"), (4, "four"),
            ]
            conn.commit()
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 4]

    def test_release_savepoint(self):
        engine, t = _setup()
        with engine.connect() as conn:
            with conn.begin_nested():
                conn.execute(insert(t).values(id=4, name="four"))
            conn.commit()
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 4]

    def test_released_savepoint_undone_by_outer_rollback(self):
        engine, t = _setup()
        with unchanged(engine, t), engine.connect() as conn:
            with conn.begin_nested():
                conn.execute(delete(t).where(t.c.id == 2))
            conn.rollback()

    def test_savepoint_context_manager_rolls_back_on_error(self):
        engine, t = _setup()
        with engine.connect() as conn:
            conn.execute(insert(t).values(id=4, name="four"))
            with pytest.raises(exc.IntegrityError):
                with conn.begin_nested():
                    conn.execute(insert(t).values(id=5, name="five"))
                    conn.execute(insert(t).values(id=1, name="dup"))
            conn.commit()
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 4]

    def test_nested_savepoints(self):
        engine, t = _setup()
        with engine.connect() as conn:
            sp1 = conn.begin_nested()
            conn.execute(insert(t).values(id=4))
            sp2 = conn.begin_nested()
            conn.execute(insert(t).values(id=5))
            sp3 = conn.begin_nested()
            conn.execute(insert(t).values(id=6))
            sp3.rollback()
            sp2.commit()  # release
            assert [r.id for r in rows_by_id(conn, t)] == [1, 2, 3, 4, 5]
            sp1.rollback()
            assert [r.id for r in rows_by_id(conn, t)] == [1, 2, 3]
            conn.execute(insert(t).values(id=7))
            conn.commit()
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 7]

    def test_savepoint_rollback_restores_ddl(self):
        engine, t = _setup()
        metadata = MetaData()
        other = _table(metadata, "other")
        with engine.connect() as conn:
            sp = conn.begin_nested()
            other.create(conn)
            t.drop(conn)
            sp.rollback()
            assert inspect(conn).has_table("t")
            assert not inspect(conn).has_table("other")
            assert len(rows_by_id(conn, t)) == 3
            conn.commit()

    def test_savepoint_changes_invisible_to_other_connection(self):
        engine, t = _setup()
        before = snapshot(engine, t)
        with engine.connect() as conn:
            with conn.begin_nested():
                conn.execute(delete(t).where(t.c.id == 1))
            assert snapshot(engine, t) == before
            conn.commit()
        assert [r.id for r in snapshot(engine, t)] == [2, 3]


class AutocommitTest(fixtures.TestBase):
    def test_autocommit_statements_visible_at_once(self):
        engine, t = _setup(connect_args={"timeout": 0.2})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            assert conn.get_isolation_level() == "AUTOCOMMIT"
            conn.execute(insert(t).values(id=4, name="four"))
            # no commit: another connection already sees the row ...
            with engine.connect() as other:
                assert [r.id for r in rows_by_id(other, t)] == [1, 2, 3, 4]
                # ... and may write: no lock is held between statements
                other.execute(insert(t).values(id=5, name="five"))
                other.commit()
            conn.execute(delete(t).where(t.c.id == 1))
            conn.rollback()  # nothing to roll back
        assert [r.id for r in snapshot(engine, t)] == [2, 3, 4, 5]

    def test_autocommit_engine_wide(self):
        engine, t = _setup(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(delete(t).where(t.c.id == 3))
        assert [r.id for r in snapshot(engine, t)] == [1, 2]

    def test_autocommit_failed_statement_changes_nothing(self):
        engine, t = _setup()
        with unchanged(engine, t):
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                with pytest.raises(exc.IntegrityError):
                    conn.execute(insert(t), [{"id": 8}, {"id": 1}])
        # and the lock was released
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=8))

    def test_default_isolation_level(self):
        engine, t = _setup()
        with engine.connect() as conn:
            assert conn.get_isolation_level() == "READ COMMITTED"
        with pytest.raises(exc.ArgumentError):
            with engine.connect().execution_options(isolation_level="NOPE") as conn:
                conn.execute(select(t))


class ThreadsTest(fixtures.TestBase):
    def test_concurrent_inserts_lose_no_rows(self):
        engine, t = _setup(connect_args={"timeout": 30}, pool_size=8, max_overflow=8)
        n_threads, per_thread = 8, 50
        errors = []
        barrier = threading.Barrier(n_threads)

        def work(k):
            try:
                barrier.wait()
                for i in range(per_thread):
                    with engine.begin() as conn:
                        conn.execute(insert(t).values(name="t%d-%d" % (k, i)))
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)

        _run_threads(work, n_threads)
        assert errors == []
        rows = snapshot(engine, t)
        assert len(rows) == 3 + n_threads * per_thread
        assert len({r.id for r in rows}) == len(rows)
        names = {r.name for r in rows}
        for k in range(n_threads):
            for i in range(per_thread):
                assert "t%d-%d" % (k, i) in names

    def test_concurrent_batches_with_several_statements(self):
        engine, t = _setup(connect_args={"timeout": 30}, pool_size=6, max_overflow=6)
        n_threads = 6
        errors = []

        def work(k):
            try:
                for i in range(20):
                    with engine.connect() as conn:
                        conn.execute(insert(t).values(id=1000 * (k + 1) + i, name="a"))
                        conn.execute(
                            update(t).where(t.c.id == 1000 * (k + 1) + i).values(name="b")
                        )
                        conn.commit()
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)

        _run_threads(work, n_threads)
        assert errors == []
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(t).where(t.c.name == "b")) == 120

    def test_readers_during_writes_see_consistent_counts(self):
        engine, t = _setup(connect_args={"timeout": 30})
        stop = threading.Event()
        seen = []
        errors = []

        def reader():
            try:
                while not stop.is_set():
                    with engine.connect() as conn:
                        seen.append(conn.scalar(select(func.count()).select_from(t)))
            except Exception as err:  # pragma: no cover
                errors.append(err)

        th = threading.Thread(target=reader)
        th.start()
        try:
            for i in range(50):
                with engine.begin() as conn:
                    # two rows per transaction: a reader never sees an odd count
                    conn.execute(insert(t), [{"id": 100 + 2 * i}, {"id": 101 + 2 * i}])
        finally:
            stop.set()
            th.join(10)
        assert errors == []
        assert seen and all(c % 2 == 1 for c in seen)  # 3 + 2k

    def test_concurrent_orm_sessions(self):
        from sqlalchemy.orm import Session

        engine, t = _setup(connect_args={"timeout": 30}, pool_size=6, max_overflow=6)
        errors = []

        def work(k):
            try:
                for i in range(25):
                    with Session(engine) as session:
                        session.execute(insert(t).values(name="s%d" % k))
                        session.commit()
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)

        _run_threads(work, 6)
        assert errors == []
        with engine.connect() as conn:
            counts = dict(
                conn.execute(select(t.c.name, func.count()).where(t.c.name.like("s%")).group_by(t.c.name)).all()
            )
        assert counts == {"s%d" % k: 25 for k in range(6)}


class NamedStoreTest(fixtures.TestBase):
    def test_named_engines_share_data(self):
        name = _unique_name("shared_x")
        e1 = create_engine("memory:///%s" % name)
        e2 = create_engine("memory:///%s" % name)
        metadata = MetaData()
        t = _table(metadata)
        metadata.create_all(e1)
        with e1.begin() as conn:
            conn.execute(insert(t).values(id=1, name="from e1"))
        with e2.connect() as conn:
            assert inspect(conn).has_table("t")
            assert rows_by_id(conn, t) == [(1, "from e1", None)]
        with e2.begin() as conn:
            conn.execute(insert(t).values(id=2, name="from e2"))
        assert [r.name for r in snapshot(e1, t)] == ["from e1", "from e2"]

    def test_named_engines_share_the_write_lock(self):
        name = _unique_name("shared_lock")
        e1 = create_engine("memory:///%s" % name)
        e2 = create_engine("memory:///%s" % name, connect_args={"timeout": 0.1})
        metadata = MetaData()
        t = _table(metadata)
        metadata.create_all(e1)
        c1 = e1.connect()
        c2 = e2.connect()
        try:
            c1.execute(insert(t).values(id=1))
            # uncommitted in e1: invisible through e2, and e2 cannot write
            assert rows_by_id(c2, t) == []
            with pytest.raises(exc.OperationalError, match="database is locked"):
                c2.execute(insert(t).values(id=2))
        finally:
            c1.close()
            c2.close()

    def test_different_names_are_separate(self):
        e1 = create_engine("memory:///%s" % _unique_name("a"))
        e2 = create_engine("memory:///%s" % _unique_name("b"))
        metadata = MetaData()
        _table(metadata)
        metadata.create_all(e1)
        with e2.connect() as conn:
            assert not inspect(conn).has_table("t")

    def test_anonymous_engines_are_private(self):
        e1 = create_engine("memory://")
        e2 = create_engine("memory://")
        metadata = MetaData()
        t = _table(metadata)
        metadata.create_all(e1)
        with e1.begin() as conn:
            conn.execute(insert(t).values(id=1))
        with e2.connect() as conn:
            assert not inspect(conn).has_table("t")
            with pytest.raises(exc.OperationalError, match="no such table"):
                conn.execute(select(t))
        metadata.create_all(e2)
        assert snapshot(e2, t) == []
        assert len(snapshot(e1, t)) == 1

    def test_connections_of_one_anonymous_engine_share_data(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        t = _table(metadata)
        metadata.create_all(engine)
        with two_connections(engine) as (c1, c2):
            c1.execute(insert(t).values(id=1))
            c1.commit()
            assert len(rows_by_id(c2, t)) == 1

    def test_dispose_keeps_anonymous_database(self):
        engine, t = _setup()
        engine.dispose()
        assert len(snapshot(engine, t)) == 3

    def test_named_store_freed_with_its_last_engine(self):
        import gc

        name = _unique_name("freed")
        e1 = create_engine("memory:///%s" % name)
        metadata = MetaData()
        _table(metadata)
        metadata.create_all(e1)
        e1.dispose()
        del e1
        gc.collect()
        e2 = create_engine("memory:///%s" % name)
        with e2.connect() as conn:
            assert not inspect(conn).has_table("t")

    def test_named_store_kept_while_an_engine_lives(self):
        import gc

        name = _unique_name("kept")
        e1 = create_engine("memory:///%s" % name)
        metadata = MetaData()
        _table(metadata)
        metadata.create_all(e1)
        e2 = create_engine("memory:///%s" % name)
        del e1
        gc.collect()
        e3 = create_engine("memory:///%s" % name)
        with e3.connect() as conn:
            assert inspect(conn).has_table("t")
        e2.dispose()
