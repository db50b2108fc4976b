"""LATERAL subqueries in FROM, correlated to the FROM entries before them
(SQLite has no LATERAL: expected values, as PostgreSQL gives them)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, func, select, true
from sqlalchemy.testing import fixtures

from _support import populated_engines

metadata = MetaData()
a = Table("a", metadata, Column("id", Integer, primary_key=True), Column("name", String(5)))
b = Table("b", metadata, Column("id", Integer, primary_key=True), Column("a_id", Integer), Column("v", Integer))


class LateralTest(fixtures.TestBase):
    @classmethod
    def setup_test_class(cls) -> None:
        (cls.engine,) = populated_engines(
            metadata,
            [(a, [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}, {"id": 3, "name": "z"}]),
             (b, [{"id": i, "a_id": 1 + i % 2, "v": i} for i in range(1, 8)])],
            urls=("memory://",),
        )

    def rows(self, stmt, **params):
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(stmt, params)]

    def test_top_n_per_row(self) -> None:
        top = select(b.c.v).where(b.c.a_id == a.c.id).order_by(b.c.v.desc()).limit(2).lateral("top")
        stmt = select(a.c.name, top.c.v).select_from(a).join(top, true()).order_by(a.c.name, top.c.v)
        assert self.rows(stmt) == [("x", 4), ("x", 6), ("y", 5), ("y", 7)]
        outer = select(a.c.name, top.c.v).select_from(a).outerjoin(top, true()).order_by(a.c.name, top.c.v)
        assert self.rows(outer) == [("x", 4), ("x", 6), ("y", 5), ("y", 7), ("z", None)]
        on = select(a.c.name, top.c.v).select_from(a).join(top, top.c.v > 4).order_by(a.c.name, top.c.v)
        assert self.rows(on) == [("x", 6), ("y", 5), ("y", 7)]

    def test_comma_lateral_with_aggregates_and_where(self) -> None:
        agg = select(func.count().label("n"), func.sum(b.c.v).label("s")).where(b.c.a_id == a.c.id).lateral()
        stmt = select(a.c.name, agg.c.n, agg.c.s).where(agg.c.n > 0).order_by(a.c.name)
        assert self.rows(stmt) == [("x", 3, 12), ("y", 4, 16)]
        assert self.rows(stmt.where(a.c.id == bindparam("x")), x=2) == [("y", 4, 16)]

    def test_uncorrelated_lateral(self) -> None:
        sub = select(func.max(b.c.v).label("m")).lateral()
        assert self.rows(select(a.c.id, sub.c.m).select_from(a).join(sub, true()).order_by(a.c.id)) == [(1, 7), (2, 7), (3, 7)]
