"""Core queries read lazily: ``first()`` and ``fetchmany()`` read only the
rows they return, and a result begun keeps the rows it began with while
writes, rollbacks and DDL change the tables under it (the cursor reads the
rest of its rows before any of them)."""

from typing import Any, Tuple

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, exc, insert, select, text
from sqlalchemy.testing import fixtures

N = 5000


def _engine() -> Tuple[Any, Table]:
    md = MetaData()
    t = Table("s", md, Column("id", Integer, primary_key=True), Column("v", Integer), Column("name", String(10)))
    e = create_engine("memory://")
    md.create_all(e)
    with e.begin() as c:
        c.execute(insert(t), [{"id": i, "v": i % 10, "name": "n%d" % i} for i in range(N)])
    return e, t


def _cursor(result: Any) -> Any:
    return result.cursor


class StreamTest(fixtures.TestBase):
    def test_first_reads_one_row(self) -> None:
        e, t = _engine()
        with e.connect() as c:
            result = c.execute(select(t).where(t.c.v == 3))
            cursor = _cursor(result)
            assert cursor._stream is not None and cursor._rows == []  # nothing read yet
            assert result.fetchone() == (3, 3, "n3")
            assert cursor._stream is not None  # the other matches are not read
            assert result.first() == (13, 3, "n13")

    def test_fetchmany_then_rest(self) -> None:
        e, t = _engine()
        with e.connect() as c:
            result = c.execute(select(t.c.id).where(t.c.v == 1))
            head = result.fetchmany(3)
            rest = result.fetchall()
        assert [r.id for r in head] == [1, 11, 21]
        assert [r.id for r in head + rest] == list(range(1, N, 10))

    def test_own_write_does_not_show_in_a_result_begun(self) -> None:
        e, t = _engine()
        with e.begin() as c:
            result = c.execute(select(t.c.id, t.c.name))
            head = result.fetchmany(2)
            c.execute(t.delete().where(t.c.id >= 100))
            c.execute(t.update().values(name="changed"))
            rest = result.fetchall()
            assert len(head) + len(rest) == N
            assert {r.name for r in rest} == {"n%d" % i for i in range(2, N)}
            assert c.execute(select(t.c.id)).scalars().all() == list(range(100))

    def test_other_connection_commit_does_not_show(self) -> None:
        e, t = _engine()
        with e.connect() as reader:
            result = reader.execute(select(t.c.id))
            assert result.fetchone() == (0,)
            with e.begin() as writer:
                writer.execute(t.delete())
                writer.execute(insert(t).values(id=N + 1, v=0, name="new"))
            assert [r.id for r in result.fetchall()] == list(range(1, N))
            reader.rollback()
            assert reader.execute(select(t.c.id)).scalars().all() == [N + 1]

    def test_rollback_does_not_change_a_result_begun(self) -> None:
        e, t = _engine()
        with e.connect() as c:
            c.execute(insert(t).values(id=-1, v=0, name="mine"))
            result = c.execute(select(t.c.id).where(t.c.v == 0))
            assert result.fetchone() == (0,)
            c.rollback()  # undoes the insert under the open result
            rest = [r.id for r in result.fetchall()]
        assert rest == list(range(10, N, 10)) + [-1]

    def test_savepoint_rollback_mid_result(self) -> None:
        e, t = _engine()
        with e.begin() as c:
            sp = c.begin_nested()
            c.execute(t.delete().where(t.c.id < 10))
            result = c.execute(select(t.c.id))
            assert result.fetchone() == (10,)
            sp.rollback()
            assert len(result.fetchall()) == N - 11

    def test_ddl_mid_result(self) -> None:
        e, t = _engine()
        with e.connect() as c:
            result = c.execute(select(t.c.id).where(t.c.v == 9))
            assert result.fetchone() == (9,)
            c.execute(text("DROP TABLE s"))
            assert len(result.fetchall()) == N // 10 - 1

    def test_error_while_reading_is_wrapped(self) -> None:
        md = MetaData()
        t = Table("w", md, Column("id", Integer, primary_key=True), Column("d", Integer))
        e = create_engine("memory://")
        md.create_all(e)
        with e.begin() as c:
            c.execute(insert(t), [{"id": i, "d": 1 if i < 3 else 0} for i in range(10)])
        with e.connect() as c:
            result = c.execute(select(t.c.id).where((t.c.id / t.c.d) > 0))
            assert result.fetchone() == (1,)  # 0 / 1 is not > 0; 1 / 1 is
            with pytest.raises(exc.DataError, match="division by zero"):
                result.fetchall()
            assert c.execute(select(t.c.id).where(t.c.id == 2)).scalar() == 2

    def test_closed_result_leaves_no_stream(self) -> None:
        e, t = _engine()
        store = None
        with e.connect() as c:
            result = c.execute(select(t.c.id))
            store = _cursor(result).connection.store
            assert len(store.streams) == 1
            result.first()  # closes the cursor
            assert len(store.streams) == 0
            result = c.execute(select(t.c.id))
            result.close()
            assert len(store.streams) == 0
        assert store is not None
