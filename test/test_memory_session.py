"""MemorySession's fast paths (sqlalchemy_memory/fastpath.py): they answer
what a plain Session answers, and every statement they cannot prove
equivalent takes the plain path (one test per fallback).
"""

import asyncio
import warnings
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import ForeignKey, String, create_engine, event, insert, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import (
    Mapped,
    Session,
    aliased,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
    sessionmaker,
)
from sqlalchemy.testing import fixtures

from _support import declarative_base

from sqlalchemy_memory import AsyncMemorySession, MemorySession, dbapi, fastpath


def _models() -> Dict[str, Any]:
    Base = declarative_base()

    class Owner(Base):
        __tablename__ = "owners"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(30))
        pets: Mapped[List["Pet"]] = relationship(back_populates="owner", order_by="Pet.id")

    class Pet(Base):
        __tablename__ = "pets"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(30))
        owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("owners.id"))
        notes: Mapped[Optional[str]] = mapped_column(String(100), deferred=True)
        owner: Mapped[Optional[Owner]] = relationship(back_populates="pets")

    class Eager(Base):
        __tablename__ = "eager"
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("owners.id"))
        owner: Mapped[Optional[Owner]] = relationship(lazy="joined")

    return {"Base": Base, "Owner": Owner, "Pet": Pet, "Eager": Eager}


def _setup(url: str = "memory://") -> Any:
    m = _models()
    engine = create_engine(url)
    m["Base"].metadata.create_all(engine)
    with Session(engine) as s:
        s.execute(insert(m["Owner"]), [{"id": i, "name": "o%d" % i} for i in range(1, 4)])
        s.execute(
            insert(m["Pet"]),
            [{"id": i, "name": "p%d" % i, "owner_id": 1 + i % 3, "notes": "n%d" % i} for i in range(1, 10)],
        )
        s.execute(insert(m["Eager"]), [{"id": 1, "owner_id": 1}])
        s.commit()
    m["engine"] = engine
    return m


class _Counter:
    """Counts fast-path uses: merged results, and direct get() loads."""

    def __init__(self, monkeypatch: Any) -> None:
        self.merged = 0
        self.gets = 0
        attach = fastpath._Split.attach
        run_select = dbapi.Connection.run_select

        def counting_attach(split: Any, result: Any) -> None:
            self.merged += 1
            attach(split, result)

        def counting_run_select(conn: Any, *args: Any) -> Any:
            self.gets += 1
            return run_select(conn, *args)

        monkeypatch.setattr(fastpath._Split, "attach", counting_attach)
        monkeypatch.setattr(dbapi.Connection, "run_select", counting_run_select)


@pytest.fixture
def counter(monkeypatch: Any) -> _Counter:
    return _Counter(monkeypatch)


class TestSelectFastPath(fixtures.TestBase):
    def test_hits_are_the_same_objects(self, counter):
        m = _setup()
        Pet = m["Pet"]
        with MemorySession(m["engine"]) as s:
            first = s.scalars(select(Pet).order_by(Pet.id)).all()
            again = s.scalars(select(Pet).where(Pet.id > 3).order_by(Pet.id)).all()
            assert [p.id for p in again] == list(range(4, 10))
            assert all(a is first[a.id - 1] for a in again)
        assert counter.merged == 1  # the first found an empty identity map: plain

    def test_result_api_matches_plain_session(self, counter):
        m = _setup()
        Pet, Owner = m["Pet"], m["Owner"]
        stmts = [
            select(Pet).order_by(Pet.id),
            select(Pet, Owner).join(Pet.owner).order_by(Pet.id),
            select(Pet).where(Pet.name == "nobody"),
            select(aliased(Pet)).order_by(Pet.id),
        ]
        for stmt in stmts:
            with Session(m["engine"]) as plain, MemorySession(m["engine"]) as fast:
                for s in (plain, fast):
                    s.scalars(select(Pet)).all()  # warm identity maps: hits
                a, b = plain.execute(stmt), fast.execute(stmt)
                assert type(a) is type(b)
                assert list(a.keys()) == list(b.keys())
                assert a._attributes == b._attributes
                ra, rb = a.all(), b.all()
                assert [tuple(_ident(x) for x in r) for r in ra] == [tuple(_ident(x) for x in r) for r in rb]
                # every result method: scalars, first, one_or_none, mappings, partitions, unique
                assert [_ident(x) for x in plain.scalars(stmt).all()] == [_ident(x) for x in fast.scalars(stmt).all()]
                fa, fb = plain.execute(stmt).first(), fast.execute(stmt).first()
                assert (fa is None) == (fb is None)
                ma = [dict((k, _ident(v)) for k, v in r.items()) for r in plain.execute(stmt).mappings()]
                mb = [dict((k, _ident(v)) for k, v in r.items()) for r in fast.execute(stmt).mappings()]
                assert ma == mb
                pa = [len(p) for p in plain.execute(stmt).partitions(2)]
                pb = [len(p) for p in fast.execute(stmt).partitions(2)]
                assert pa == pb
                assert len(plain.execute(stmt).unique().all()) == len(fast.execute(stmt).unique().all())
                assert plain.scalar(stmt) is not None or fast.scalar(stmt) is None
        assert counter.merged > 0

    def test_one_and_scalar(self, counter):
        m = _setup()
        Pet = m["Pet"]
        with MemorySession(m["engine"]) as s:
            p = s.scalars(select(Pet).where(Pet.id == 2)).one()
            assert s.scalars(select(Pet).where(Pet.id == 2)).one() is p
            assert s.scalar(select(Pet).where(Pet.id == 2)) is p
            assert s.query(Pet).filter(Pet.id == 2).one() is p
            assert _legacy_get(s.query(Pet), 2) is p
        assert counter.merged >= 3

    def test_misses_are_loaded_by_sqlalchemy(self, counter):
        m = _setup()
        Pet = m["Pet"]
        loads: List[int] = []
        event.listen(Pet, "load", lambda target, ctx: loads.append(target.id))
        with MemorySession(m["engine"]) as s:
            few = s.scalars(select(Pet).where(Pet.id <= 3)).all()
            everything = s.scalars(select(Pet).order_by(Pet.id)).all()
            assert everything[:3] == few
            assert loads == list(range(1, 10))  # each object loaded once, in row order
            assert "notes" not in everything[0].__dict__  # deferred stays deferred
            assert everything[0].notes == "n1"

    def test_mostly_misses_are_left_to_sqlalchemy(self, monkeypatch):
        # the first rows decide: a result of mostly new objects is loaded
        # wholly by SQLAlchemy, with its few hits answered as usual
        m = _setup()
        Pet = m["Pet"]
        with MemorySession(m["engine"]) as s, Session(m["engine"]) as plain:
            # enough objects held for a split (owners too), few of the rows
            kept = [s.get(Pet, i) for i in (7, 8, 9)] + s.scalars(select(m["Owner"])).all()
            kept_plain = [plain.get(Pet, i) for i in (7, 8, 9)]
            splits: List[Any] = []
            resolve = fastpath._Split.resolve

            def recording(split: Any) -> None:
                resolve(split)
                splits.append(split)

            monkeypatch.setattr(fastpath._Split, "resolve", recording)
            a = s.scalars(select(Pet).order_by(Pet.id)).all()
            b = plain.scalars(select(Pet).order_by(Pet.id)).all()
            assert [p.id for p in a] == [p.id for p in b] and a[6] is kept[0] and b[6] is kept_plain[0]
            assert splits and splits[0].plain

    def test_expired_objects_are_refreshed(self, counter):
        m = _setup()
        Pet = m["Pet"]
        engine = m["engine"]
        with MemorySession(engine) as s:
            p = s.get(Pet, 1)
            with engine.begin() as other:
                other.exec_driver_sql("UPDATE pets SET name = 'renamed' WHERE id = 1")
            assert s.scalars(select(Pet).where(Pet.id == 1)).one().name == "p1"  # a clean hit
            s.expire(p)
            assert s.scalars(select(Pet).where(Pet.id == 1)).one().name == "renamed"
            s.expire(p, ["name"])
            s.rollback()

    def test_autoflush_and_isolation(self, counter):
        m = _setup()
        Pet = m["Pet"]
        engine = m["engine"]
        with MemorySession(engine) as s:
            s.add(Pet(id=100, name="new"))
            assert [p.id for p in s.scalars(select(Pet).where(Pet.id >= 100))] == [100]  # own flushed row
            with Session(engine) as other:
                assert other.scalars(select(Pet).where(Pet.id >= 100)).all() == []
            s.rollback()
        with MemorySession(engine) as s, Session(engine) as writer:
            writer.add(Pet(id=200, name="uncommitted"))
            writer.flush()
            assert s.scalars(select(Pet).where(Pet.id >= 200)).all() == []  # another's uncommitted row
            writer.rollback()

    def test_async_execute_and_stream(self, counter):
        async def main() -> None:
            m = _models()
            engine = create_async_engine("memory+asyncio://")
            async with engine.begin() as conn:
                await conn.run_sync(m["Base"].metadata.create_all)
            Pet = m["Pet"]
            Session_ = sessionmaker(engine, class_=AsyncMemorySession, expire_on_commit=False)
            async with Session_() as s:
                s.add_all([Pet(id=i, name="p%d" % i) for i in range(1, 6)])
                await s.commit()
                first = (await s.scalars(select(Pet).order_by(Pet.id))).all()
                again = (await s.scalars(select(Pet).order_by(Pet.id))).all()
                assert again == first and again[0] is first[0]
                streamed = [p async for p in await s.stream_scalars(select(Pet).order_by(Pet.id))]
                assert streamed == first
            await engine.dispose()

        asyncio.run(main())
        assert counter.merged >= 1


def _legacy_get(query: Any, ident: Any) -> Any:
    """``Query.get()``, which SQLAlchemy 2.0 warns about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return query.get(ident)


def _ident(x: Any) -> Any:
    return ("obj", type(x).__name__, x.id) if hasattr(x, "_sa_instance_state") else x


class TestFallbacks(fixtures.TestBase):
    """Each statement the fast path does not take, and that it still answers."""

    def _check_plain(self, counter: _Counter, run: Any) -> None:
        m = _setup()
        with MemorySession(m["engine"]) as s:
            s.scalars(select(m["Pet"])).all()
            s.scalars(select(m["Owner"])).all()
            before = counter.merged
            out = run(s, m)
            assert counter.merged == before, "took the fast path"
            assert out

    def test_populate_existing(self, counter):
        self._check_plain(counter, lambda s, m: s.scalars(select(m["Pet"]).execution_options(populate_existing=True)).all())

    def test_with_for_update(self, counter):
        self._check_plain(counter, lambda s, m: s.scalars(select(m["Pet"]).with_for_update()).all())

    def test_loader_options(self, counter):
        self._check_plain(counter, lambda s, m: s.scalars(select(m["Owner"]).options(selectinload(m["Owner"].pets))).all())
        self._check_plain(counter, lambda s, m: s.scalars(select(m["Pet"]).options(joinedload(m["Pet"].owner))).unique().all())

    def test_execution_options(self, counter):
        self._check_plain(counter, lambda s, m: s.scalars(select(m["Pet"]), execution_options={"yield_per": 2}).all())
        self._check_plain(counter, lambda s, m: s.scalars(select(m["Pet"]), execution_options={"autoflush": False}).all())

    def test_do_orm_execute_listener(self, counter):
        def run(s: Any, m: Any) -> Any:
            seen: List[Any] = []
            event.listen(s, "do_orm_execute", seen.append)
            return s.scalars(select(m["Pet"])).all() and seen

        self._check_plain(counter, run)

    def test_column_select(self, counter):
        self._check_plain(counter, lambda s, m: s.execute(select(m["Pet"].id, m["Pet"].name)).all())
        self._check_plain(counter, lambda s, m: s.execute(select(m["Pet"], m["Pet"].name)).all())

    def test_mapper_with_eager_relationship(self, counter):
        self._check_plain(counter, lambda s, m: s.scalars(select(m["Eager"])).unique().all())

    def test_refresh_listener(self, counter):
        def run(s: Any, m: Any) -> Any:
            event.listen(m["Pet"], "refresh", lambda *a: None)
            return s.scalars(select(m["Pet"])).all()

        self._check_plain(counter, run)

    def test_stream_results(self, counter):
        self._check_plain(counter, lambda s, m: list(s.scalars(select(m["Pet"]).execution_options(stream_results=True))))

    def test_sqlite_engine(self, counter):
        m = _setup("sqlite://")
        with MemorySession(m["engine"]) as s:
            a = s.scalars(select(m["Pet"])).all()
            assert s.scalars(select(m["Pet"])).all() == a
        assert counter.merged == 0


class TestGetFastPath(fixtures.TestBase):
    def test_get_miss_and_hit(self, counter):
        m = _setup()
        Pet = m["Pet"]
        loads: List[int] = []
        event.listen(Pet, "load", lambda target, ctx: loads.append(target.id))
        with MemorySession(m["engine"]) as s:
            a, b, c = s.get(Pet, 1), s.get(Pet, 2), s.get(Pet, 3)
            assert (a.name, b.name, c.name) == ("p1", "p2", "p3")
            assert s.get(Pet, 2) is b
            assert s.get(Pet, 99) is None
            assert loads == [1, 2, 3]
            assert b.owner.id == 3  # lazy loader as usual
            assert "notes" not in b.__dict__ and b.notes == "n2"
            assert _legacy_get(s.query(Pet), 4).name == "p4"
        assert counter.gets >= 3  # the first miss builds the loader through SQLAlchemy

    def test_get_sees_own_flushes_only(self, counter):
        m = _setup()
        Pet = m["Pet"]
        engine = m["engine"]
        with MemorySession(engine) as s, Session(engine) as writer:
            s.get(Pet, 1)
            writer.add(Pet(id=300, name="theirs"))
            writer.flush()
            assert s.get(Pet, 300) is None
            writer.rollback()  # one writer at a time
            s.add(Pet(id=301, name="mine"))
            s.flush()
            s.expunge_all()
            assert s.get(Pet, 301).name == "mine"
            s.rollback()

    def test_get_fallbacks(self, counter):
        m = _setup()
        Pet = m["Pet"]
        with MemorySession(m["engine"]) as s:
            s.get(Pet, 1)  # builds the loader
            s.get(Pet, 2)
            base = counter.gets
            assert s.get(Pet, 3, options=[selectinload(Pet.owner)]).owner.id == 1
            assert s.get(Pet, 4, populate_existing=True).id == 4
            assert s.get(Pet, 5, with_for_update=True).id == 5
            assert s.get(Pet, 6, execution_options={"autoflush": False}).id == 6
            event.listen(m["engine"], "before_cursor_execute", lambda *a: None)
            assert s.get(Pet, 7).id == 7
            assert counter.gets == base
        engine = create_engine("memory://", echo=True)
        m["Base"].metadata.create_all(engine)
        with MemorySession(engine) as s:
            s.add(Pet(id=1, name="x"))
            s.commit()
            s.expunge_all()
            base = counter.gets
            assert s.get(Pet, 1).name == "x"
            s.expunge_all()
            assert s.get(Pet, 1).name == "x"
            assert counter.gets == base  # echo: every statement is logged, as in a plain session
