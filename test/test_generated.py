"""Generated values: ``Computed()`` and ``Identity()`` columns.

Computed columns are compared with SQLite (``sqlite://``), which agrees on
the values; identity columns follow PostgreSQL's GENERATED ... AS IDENTITY.
"""

import decimal

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Computed,
    Identity,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    exc,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.testing import fixtures

from _support import declarative_base, engine_with_table, snapshot

URLS = ("memory://", "sqlite://")


def _square(metadata, persisted=None):
    return Table(
        "square",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("side", Integer),
        Column("area", Integer, Computed("side * side", persisted=persisted)),
        Column("label", String(40), Computed("'side ' || side", persisted=persisted)),
    )


class ComputedTest(fixtures.TestBase):
    @pytest.mark.parametrize("persisted", [None, True, False])
    def test_insert_update_like_sqlite(self, persisted):
        results = []
        for url in URLS:
            metadata = MetaData()
            t = _square(metadata, persisted)
            engine = create_engine(url)
            metadata.create_all(engine)
            with engine.begin() as conn:
                conn.execute(insert(t), [{"id": 1, "side": 3}, {"id": 2, "side": None}, {"id": 3, "side": 10}])
                conn.execute(insert(t).values(id=4, side=func.abs(-5)))
                conn.execute(update(t).where(t.c.id == 3).values(side=t.c.side + 1))
                conn.execute(update(t).where(t.c.id == 2).values(side=7))
            results.append(snapshot(engine, t))
        assert results[0] == results[1]
        assert results[0] == [(1, 3, 9, "side 3"), (2, 7, 49, "side 7"), (3, 11, 121, "side 11"), (4, 5, 25, "side 5")]

    def test_core_expression(self):
        metadata = MetaData()
        t = Table(
            "t",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("a", Integer),
            Column("b", Integer),
        )
        t.append_column(Column("total", Integer, Computed(t.c.a + t.c.b * 2)))
        engine = create_engine("memory://")
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "a": 1, "b": 2}])
            conn.execute(update(t).values(b=10))
        assert snapshot(engine, t) == [(1, 1, 10, 21)]

    def test_computed_over_converted_values(self):
        engine, t = engine_with_table(
            "t",
            Column("id", Integer, primary_key=True),
            Column("price", Numeric(10, 2)),
            Column("doubled", Numeric(10, 2), Computed("price * 2")),
            rows=[{"id": 1, "price": 1.5}],
        )
        assert snapshot(engine, t) == [(1, decimal.Decimal("1.50"), decimal.Decimal("3.00"))]

    def test_returning(self):
        engine = create_engine("memory://")
        t = _square(MetaData())
        t.metadata.create_all(engine)
        with engine.begin() as conn:
            got = conn.execute(insert(t).returning(t.c.area, t.c.label), {"id": 1, "side": 4}).all()
            assert got == [(16, "side 4")]
            got = conn.execute(update(t).values(side=5).returning(t.c.id, t.c.area)).all()
            assert got == [(1, 25)]

    def test_where_and_index_on_computed(self):
        engine, t = engine_with_table(
            "t",
            Column("id", Integer, primary_key=True),
            Column("side", Integer),
            Column("area", Integer, Computed("side * side"), index=True, unique=True),
            rows=[{"id": i, "side": i} for i in range(1, 6)],
        )
        with engine.begin() as conn:
            assert conn.execute(select(t.c.id).where(t.c.area == 16)).scalar() == 4
            conn.execute(update(t).where(t.c.id == 4).values(side=10))
            assert conn.execute(select(t.c.id).where(t.c.area == 16)).scalar() is None
            assert conn.execute(select(t.c.id).where(t.c.area == 100)).scalar() == 4
            with pytest.raises(exc.IntegrityError):
                conn.execute(update(t).where(t.c.id == 5).values(side=-10))

    def test_explicit_value_rejected(self):
        engine = create_engine("memory://")
        t = _square(MetaData())
        t.metadata.create_all(engine)
        with engine.connect() as conn:
            with pytest.raises(exc.ProgrammingError, match='non-DEFAULT value into column "area"'):
                conn.execute(insert(t), {"id": 1, "side": 2, "area": 4})
            conn.execute(insert(t), {"id": 1, "side": 2})
            with pytest.raises(exc.ProgrammingError, match='"area" can only be updated to DEFAULT'):
                conn.execute(update(t).values(area=5))
            with pytest.raises(exc.ProgrammingError, match="non-DEFAULT"):
                conn.execute(insert(t).from_select(["id", "side", "area"], select(t.c.id + 10, t.c.side, t.c.area)))
            conn.execute(insert(t).from_select(["id", "side"], select(t.c.id + 10, t.c.side)))
            assert conn.execute(select(t.c.area).where(t.c.id == 11)).scalar() == 4

    def test_orm_fetches_computed(self):
        Base = declarative_base()

        class Square(Base):
            __tablename__ = "square"
            id: Mapped[int] = mapped_column(primary_key=True)
            side: Mapped[int]
            area: Mapped[int] = mapped_column(Computed("side * side"))

        for url in URLS:
            engine = create_engine(url)
            Base.metadata.create_all(engine)
            with Session(engine) as session:
                sq = Square(id=1, side=3)
                session.add(sq)
                session.flush()
                assert sq.area == 9
                sq.side = 4
                session.flush()
                assert sq.area == 16
                session.commit()
                assert session.get(Square, 1).area == 16

    def test_reflects(self):
        engine = create_engine("memory://")
        _square(MetaData(), persisted=True).metadata.create_all(engine)
        cols = {c["name"]: c for c in inspect(engine).get_columns("square")}
        assert cols["area"]["computed"]["persisted"] is True


class IdentityTest(fixtures.TestBase):
    def _engine(self, *columns):
        return engine_with_table("t", *columns, Column("d", String(10)))

    def test_start_increment_pk(self):
        engine, t = self._engine(Column("id", Integer, Identity(start=42, increment=10), primary_key=True))
        with engine.begin() as conn:
            result = conn.execute(insert(t), {"d": "a"})
            assert result.inserted_primary_key == (42,)
            conn.execute(insert(t), [{"d": "b"}, {"d": "c"}])
            got = conn.execute(insert(t).returning(t.c.id), {"d": "e"}).scalar()
            assert got == 72
        assert snapshot(engine, t) == [(42, "a"), (52, "b"), (62, "c"), (72, "e")]

    def test_descending_by_default_accepts_explicit(self):
        engine, t = self._engine(
            Column("id", Integer, Identity(increment=-5, start=0, minvalue=-1000, maxvalue=0), primary_key=True)
        )
        with engine.begin() as conn:
            conn.execute(insert(t), [{"d": "a"}, {"d": "b"}])
            conn.execute(insert(t), [{"id": 42, "d": "c"}])
            conn.execute(insert(t), [{"d": "e"}])
        assert snapshot(engine, t) == [(-10, "e"), (-5, "b"), (0, "a"), (42, "c")]

    def test_always_rejects_explicit(self):
        engine, t = self._engine(Column("id", Integer, Identity(always=True), primary_key=True))
        with engine.connect() as conn:
            with pytest.raises(exc.ProgrammingError, match="GENERATED ALWAYS"):
                conn.execute(insert(t), {"id": 5, "d": "x"})
            conn.execute(insert(t), {"d": "x"})
            with pytest.raises(exc.ProgrammingError, match="can only be updated to DEFAULT"):
                conn.execute(update(t).values(id=7))
            assert conn.execute(select(t)).all() == [(1, "x")]

    def test_non_pk_identity(self):
        engine, t = self._engine(
            Column("pk", Integer, primary_key=True),
            Column("n", BigInteger, Identity(start=100, increment=2)),
        )
        with engine.begin() as conn:
            conn.execute(insert(t), [{"pk": 1, "d": "a"}, {"pk": 2, "d": "b"}])
            conn.execute(insert(t), {"pk": 3, "n": 7, "d": "c"})
            conn.execute(insert(t), {"pk": 4, "d": "e"})
            assert conn.execute(select(t.c.n).order_by(t.c.pk)).scalars().all() == [100, 102, 7, 104]

    def test_maxvalue_and_cycle(self):
        engine, t = self._engine(
            Column("pk", Integer, primary_key=True),
            Column("n", Integer, Identity(start=2, increment=3, minvalue=-2, maxvalue=8, cycle=True)),
        )
        with engine.begin() as conn:
            conn.execute(insert(t), [{"pk": i, "d": "x"} for i in range(5)])
            assert conn.execute(select(t.c.n).order_by(t.c.pk)).scalars().all() == [2, 5, 8, -2, 1]
        engine, t = self._engine(
            Column("pk", Integer, primary_key=True),
            Column("n", Integer, Identity(start=1, maxvalue=2)),
        )
        with engine.connect() as conn:
            conn.execute(insert(t), [{"pk": 1, "d": "x"}, {"pk": 2, "d": "x"}])
            with pytest.raises(exc.DataError, match="maximum value"):
                conn.execute(insert(t), {"pk": 3, "d": "x"})

    def test_not_rolled_back(self):
        engine, t = self._engine(Column("id", Integer, Identity(start=5), primary_key=True))
        with engine.connect() as conn:
            conn.execute(insert(t), {"d": "a"})
            conn.rollback()
            conn.execute(insert(t), {"d": "b"})
            conn.commit()
        assert snapshot(engine, t) == [(6, "b")]

    def test_orm(self):
        Base = declarative_base()

        class Thing(Base):
            __tablename__ = "thing"
            id: Mapped[int] = mapped_column(Identity(start=1000, increment=5, always=True), primary_key=True)
            name: Mapped[str]

        engine = create_engine("memory://")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            things = [Thing(name="a"), Thing(name="b")]
            session.add_all(things)
            session.commit()
            assert [t.id for t in things] == [1000, 1005]

    def test_identity_keeps_counting_after_alter_table(self) -> None:
        engine = create_engine("memory://")
        metadata = MetaData()
        t = Table("t", metadata, Column("id", Integer, Identity(start=10), primary_key=True), Column("x", Integer))
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(t.insert(), [{"x": 1}, {"x": 2}])
            conn.exec_driver_sql("ALTER TABLE t ADD COLUMN y INTEGER")
            conn.exec_driver_sql("INSERT INTO t (x) VALUES (3)")
            assert conn.exec_driver_sql("SELECT id, x FROM t ORDER BY id").all() == [(10, 1), (11, 2), (12, 3)]
