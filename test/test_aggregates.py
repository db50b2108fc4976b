"""Aggregate ``FILTER (WHERE ...)``: ``func.count(x).filter(cond)``...,
checked against SQLite, which has the same semantics."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, distinct, exc, func, select
from sqlalchemy.testing import fixtures

from _support import SideBySide, populated_engines

metadata = MetaData()
t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("g", String(5)), Column("x", Integer))
ROWS = [{"id": i, "g": "ab"[i % 2], "x": i if i % 3 else None} for i in range(10)]


class AggregateFilterTest(SideBySide, fixtures.TestBase):
    @classmethod
    def setup_test_class(cls) -> None:
        cls.memory, cls.sqlite = populated_engines(metadata, [(t, ROWS)])


    def test_whole_table(self) -> None:
        got = self.both(select(func.count().filter(t.c.x > 3), func.count(t.c.id).filter(t.c.g == "a"), func.sum(t.c.x).filter(t.c.x < 5)))
        assert got == [(4, 5, 7)]

    def test_grouped_with_having_and_order(self) -> None:
        filtered = func.count(t.c.x).filter(t.c.x > 3)
        stmt = (
            select(t.c.g, filtered, func.sum(t.c.x).filter(t.c.x < 5), func.count(distinct(t.c.x)).filter(t.c.x > 1))
            .group_by(t.c.g)
            .having(filtered > 1)
            .order_by(filtered.desc(), t.c.g)
        )
        assert self.both(stmt) == [("a", 2, 6, 3), ("b", 2, 1, 2)]

    def test_filter_matching_nothing_and_null_condition(self) -> None:
        stmt = select(func.max(t.c.x).filter(t.c.id > 100), func.count().filter(t.c.x > 100), func.count().filter(t.c.x != 4))
        assert self.both(stmt) == [(None, 0, 5)]  # NULL conditions drop the row

    def test_several_conditions_and_unfiltered_alongside(self) -> None:
        stmt = select(func.avg(t.c.x).filter(t.c.g == "b", t.c.x > 1), func.count(t.c.x), func.min(t.c.x).filter(t.c.g == "a"))
        got = self.both(stmt)
        assert got[0][1:] == (6, 2)

    def test_filter_in_subquery(self) -> None:
        sub = select(t.c.g, func.count().filter(t.c.x.is_not(None)).label("n")).group_by(t.c.g).subquery()
        assert self.both(select(sub.c.g, sub.c.n).order_by(sub.c.g)) == [("a", 3), ("b", 3)]

    def test_filter_on_scalar_function_is_refused(self) -> None:
        with self.memory.connect() as conn:
            with pytest.raises(exc.NotSupportedError):
                conn.execute(select(func.lower(t.c.g).filter(t.c.x > 1))).all()
