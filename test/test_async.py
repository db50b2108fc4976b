"""asyncio: ``create_async_engine("memory+asyncio://")``, ``AsyncConnection``
(execute, stream, transactions) and ``AsyncMemorySession``.

Each test runs its own event loop with ``asyncio.run`` inside a plain test
method, which SQLAlchemy's pytest plugin collects like any other.
"""

import asyncio
import time
from typing import Optional

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    exc,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.testing import fixtures

from _support import declarative_base

from sqlalchemy_memory import AsyncMemorySession, MemorySession


def _table():
    metadata = MetaData()
    t = Table(
        "t",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50)),
        Column("x", Integer),
    )
    return metadata, t


async def _setup(**kw):
    engine = create_async_engine("memory+asyncio://", **kw)
    metadata, t = _table()
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            insert(t),
            [{"id": i, "name": "n%d" % i, "x": i * 10} for i in range(1, 6)],
        )
    return engine, t


def _run(coro):
    return asyncio.run(coro)


class AsyncCoreTest(fixtures.TestBase):
    def test_execute_select(self):
        async def go():
            engine, t = await _setup()
            try:
                async with engine.connect() as conn:
                    result = await conn.execute(select(t.c.id, t.c.x).where(t.c.x > 20).order_by(t.c.id))
                    assert result.all() == [(3, 30), (4, 40), (5, 50)]
                    assert await conn.scalar(select(func.count()).select_from(t)) == 5
                    scalars = await conn.scalars(select(t.c.name).where(t.c.id == 2))
                    assert scalars.all() == ["n2"]
            finally:
                await engine.dispose()

        _run(go())

    def test_dml_and_rowcount(self):
        async def go():
            engine, t = await _setup()
            try:
                async with engine.begin() as conn:
                    r = await conn.execute(update(t).where(t.c.id <= 2).values(name="low"))
                    assert r.rowcount == 2
                    r = await conn.execute(delete(t).where(t.c.id == 5))
                    assert r.rowcount == 1
                    r = await conn.execute(insert(t).values(name="auto"))
                    assert tuple(r.inserted_primary_key) == (6,)
                    r = await conn.execute(insert(t).values(id=7, name="ret").returning(t.c.id, t.c.name))
                    assert tuple(r.one()) == (7, "ret")
                async with engine.connect() as conn:
                    rows = (await conn.execute(select(t.c.id, t.c.name).order_by(t.c.id))).all()
                assert rows == [(1, "low"), (2, "low"), (3, "n3"), (4, "n4"), (6, "auto"), (7, "ret")]
            finally:
                await engine.dispose()

        _run(go())

    def test_stream(self):
        async def go():
            engine, t = await _setup()
            try:
                async with engine.connect() as conn:
                    result = await conn.stream(select(t.c.id).order_by(t.c.id.desc()))
                    ids = [row.id async for row in result]
                    assert ids == [5, 4, 3, 2, 1]
                    result = await conn.stream(select(t).order_by(t.c.id))
                    partitions = [list(p) async for p in result.partitions(2)]
                    assert [[r.id for r in p] for p in partitions] == [[1, 2], [3, 4], [5]]
                    scalars = await conn.stream_scalars(select(t.c.x).where(t.c.x >= 40).order_by(t.c.x))
                    assert [x async for x in scalars] == [40, 50]
            finally:
                await engine.dispose()

        _run(go())

    def test_rollback(self):
        async def go():
            engine, t = await _setup()
            try:
                async with engine.connect() as conn:
                    await conn.execute(delete(t))
                    assert await conn.scalar(select(func.count()).select_from(t)) == 0
                    await conn.rollback()
                    assert await conn.scalar(select(func.count()).select_from(t)) == 5
            finally:
                await engine.dispose()

        _run(go())

    def test_savepoint(self):
        async def go():
            engine, t = await _setup()
            try:
                async with engine.connect() as conn:
                    await conn.execute(insert(t).values(id=10))
                    nested = await conn.begin_nested()
                    await conn.execute(insert(t).values(id=11))
                    await nested.rollback()
                    await conn.commit()
                async with engine.connect() as conn:
                    ids = (await conn.scalars(select(t.c.id).order_by(t.c.id))).all()
                assert ids == [1, 2, 3, 4, 5, 10]
            finally:
                await engine.dispose()

        _run(go())

    def test_integrity_error(self):
        async def go():
            engine, t = await _setup()
            try:
                async with engine.connect() as conn:
                    with pytest.raises(exc.IntegrityError):
                        await conn.execute(insert(t), [{"id": 20}, {"id": 1}])
                    assert await conn.scalar(select(func.count()).select_from(t)) == 5
            finally:
                await engine.dispose()

        _run(go())

    def test_uncommitted_invisible_to_other_connection(self):
        async def go():
            engine, t = await _setup()
            try:
                async with engine.connect() as writer, engine.connect() as reader:
                    await writer.execute(update(t).values(name="changed"))
                    names = set((await reader.scalars(select(t.c.name))).all())
                    assert "changed" not in names
                    await writer.commit()
                    names = set((await reader.scalars(select(t.c.name))).all())
                    assert names == {"changed"}
            finally:
                await engine.dispose()

        _run(go())

    def test_create_all_through_sync_engine(self):
        engine = create_async_engine("memory+asyncio://")
        metadata, t = _table()
        # outside any event loop
        metadata.create_all(engine.sync_engine)

        async def go():
            try:
                async with engine.begin() as conn:
                    await conn.execute(insert(t).values(id=1, name="a"))
                async with engine.connect() as conn:
                    assert (await conn.execute(select(t.c.name))).scalar_one() == "a"
            finally:
                await engine.dispose()

        _run(go())


class AsyncLockTest(fixtures.TestBase):
    def test_second_writer_times_out(self):
        async def go():
            engine, t = await _setup(connect_args={"timeout": 0.2})
            try:
                async with engine.connect() as first, engine.connect() as second:
                    await first.execute(insert(t).values(id=10))
                    start = time.monotonic()
                    with pytest.raises(exc.OperationalError, match="database is locked"):
                        await second.execute(insert(t).values(id=11))
                    assert time.monotonic() - start >= 0.15
            finally:
                await engine.dispose()

        _run(go())

    def test_waiting_writer_does_not_block_event_loop(self):
        async def go():
            engine, t = await _setup(connect_args={"timeout": 5})
            try:
                first = await engine.connect()
                second = await engine.connect()
                try:
                    await first.execute(insert(t).values(id=10))
                    ticks = []

                    async def ticker():
                        for _ in range(5):
                            ticks.append(time.monotonic())
                            await asyncio.sleep(0.01)

                    async def release_later():
                        await asyncio.sleep(0.1)
                        await first.commit()

                    async def second_write():
                        await second.execute(insert(t).values(id=11))
                        await second.commit()

                    await asyncio.wait_for(
                        asyncio.gather(ticker(), release_later(), second_write()), 5
                    )
                    # the loop kept running while the second writer waited
                    assert len(ticks) == 5
                finally:
                    await first.close()
                    await second.close()
                async with engine.connect() as conn:
                    ids = (await conn.scalars(select(t.c.id).order_by(t.c.id))).all()
                assert ids == [1, 2, 3, 4, 5, 10, 11]
            finally:
                await engine.dispose()

        _run(go())

    def test_concurrent_tasks_each_committing(self):
        async def go():
            engine, t = await _setup(connect_args={"timeout": 10}, pool_size=10)
            try:

                async def work(k):
                    for i in range(10):
                        async with engine.begin() as conn:
                            await conn.execute(insert(t).values(id=100 * (k + 1) + i))
                            await asyncio.sleep(0)

                await asyncio.gather(*(work(k) for k in range(8)))
                async with engine.connect() as conn:
                    assert await conn.scalar(select(func.count()).select_from(t)) == 5 + 80
            finally:
                await engine.dispose()

        _run(go())


class _Models:
    def __init__(self):
        Base = declarative_base()

        class Item(Base):
            __tablename__ = "items"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(50))
            qty: Mapped[Optional[int]]

        self.Base, self.Item = Base, Item


class AsyncSessionTest(fixtures.TestBase):
    def test_session_class(self):
        assert issubclass(AsyncMemorySession, AsyncSession)
        engine = create_async_engine("memory+asyncio://")

        async def go():
            try:
                async with AsyncMemorySession(engine) as session:
                    assert isinstance(session.sync_session, MemorySession)
            finally:
                await engine.dispose()

        _run(go())

    def test_orm_round_trip(self):
        models = _Models()
        Item = models.Item
        engine = create_async_engine("memory+asyncio://")
        Session = async_sessionmaker(engine, class_=AsyncMemorySession, expire_on_commit=False)

        async def go():
            try:
                async with engine.begin() as conn:
                    await conn.run_sync(models.Base.metadata.create_all)
                async with Session() as session:
                    item = Item(name="foo", qty=1)
                    session.add_all([item, Item(name="bar", qty=None)])
                    await session.commit()
                    assert item.id == 1
                    items = (await session.scalars(select(Item).order_by(Item.id))).all()
                    assert items[0] is item
                    assert [i.name for i in items] == ["foo", "bar"]
                    assert await session.get(Item, 1) is item

                    item.qty = 5
                    await session.commit()
                    await session.delete(items[1])
                    await session.commit()
                async with Session() as session:
                    rows = (await session.execute(select(Item.id, Item.name, Item.qty))).all()
                    assert [tuple(r) for r in rows] == [(1, "foo", 5)]
                    await session.execute(update(Item).values(qty=Item.qty + 1))
                    await session.rollback()
                    assert (await session.get(Item, 1)).qty == 5
                    stream = await session.stream_scalars(select(Item.name))
                    assert [n async for n in stream] == ["foo"]
            finally:
                await engine.dispose()

        _run(go())

    def test_sessionmaker_with_sync_session_class(self):
        # the README's form: sessionmaker(class_=AsyncMemorySession, sync_session_class=MemorySession)
        from sqlalchemy.orm import sessionmaker

        models = _Models()
        Item = models.Item
        engine = create_async_engine("memory+asyncio://")
        models.Base.metadata.create_all(engine.sync_engine)
        Session = sessionmaker(
            engine,
            class_=AsyncMemorySession,
            sync_session_class=MemorySession,
            expire_on_commit=False,
        )

        async def go():
            try:
                async with Session() as session:
                    session.add(Item(id=1, name="x"))
                    await session.commit()
                    assert (await session.scalars(select(Item.name))).all() == ["x"]
            finally:
                await engine.dispose()

        _run(go())
