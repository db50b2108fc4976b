"""Constructs the engine knows only by the SQL they compile to (user
``@compiles`` classes, in expressions and in defaults), SQLAlchemy's
``_OverrideBinds`` and nested ``LambdaElement`` wrappers, and a standalone
``distinct(col)`` as the first select column; checked against SQLite where
both can run the statement."""

from __future__ import annotations

import itertools
from typing import Any, Iterator

import contextlib

import pytest
import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, create_engine, desc, distinct, exc, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement, _OverrideBinds
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.testing import fixtures

from _support import SideBySide, populated_engines

metadata = MetaData()
t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("g", String(5)), Column("x", Integer))
ROWS = [{"id": i, "g": "ab"[i % 2], "x": i if i % 3 else None} for i in range(10)]


class unlabeled_max(ColumnElement[int]):
    """Renders a bare aggregate over a column named in the SQL text."""

    inherit_cache = True
    type = Integer()


@compiles(unlabeled_max)
def _unlabeled_max(element: Any, compiler: Any, **kw: Any) -> str:
    return "max(id)"


class larger(GenericFunction[int]):
    """``larger(a, b)``: the greater value, rendered as a CASE."""

    _register = False
    inherit_cache = True
    type = Integer()


@compiles(larger)
def _larger(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return "CASE WHEN %s > %s THEN %s ELSE %s END" % (a, b, a, b)


class doubled(GenericFunction[int]):
    """Named like a built-in function, rendered otherwise on these dialects."""

    name = "abs"
    _register = False
    inherit_cache = True
    type = Integer()


@compiles(doubled, "memory")
@compiles(doubled, "sqlite")
def _doubled(element: Any, compiler: Any, **kw: Any) -> str:
    return "(%s) * 2" % compiler.process(element.clauses, **kw)


class pg_abs(GenericFunction[int]):
    """A rendering for another dialect only: ``abs()`` everywhere else."""

    name = "abs"
    _register = False
    inherit_cache = True
    type = Integer()


@compiles(pg_abs, "postgresql")
def _pg_abs(element: Any, compiler: Any, **kw: Any) -> str:
    return "not sql at all"


class gibberish(ColumnElement[int]):
    inherit_cache = True
    type = Integer()


@compiles(gibberish)
def _gibberish(element: Any, compiler: Any, **kw: Any) -> str:
    return "frobnicate(1) ~~ 3 ???"


class CustomConstructTest(SideBySide, fixtures.TestBase):
    @classmethod
    def setup_test_class(cls) -> None:
        cls.memory, cls.sqlite = populated_engines(metadata, [(t, ROWS)])


    def test_compiled_aggregate(self) -> None:
        assert self.both(select(unlabeled_max()).select_from(t)) == [(9,)]
        stmt = select(t.c.g, unlabeled_max()).group_by(t.c.g).order_by(t.c.g)
        assert self.both(stmt) == [("a", 8), ("b", 9)]

    def test_compiled_function_keeps_binds_as_parameters(self) -> None:
        stmt = select(t.c.id, larger(t.c.x, bindparam("p", type_=Integer))).where(t.c.id < 6).order_by(t.c.id)
        assert self.both(stmt, p=4) == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4), (5, 5)]
        assert self.both(stmt, p=2) == [(0, 2), (1, 2), (2, 2), (3, 2), (4, 4), (5, 5)]
        assert self.both(select(t.c.id).where(larger(t.c.id, 7) == t.c.id).order_by(t.c.id)) == [(7,), (8,), (9,)]

    def test_dialect_specific_rendering(self) -> None:
        stmt = select(t.c.id, doubled(t.c.id - 5), pg_abs(t.c.id - 5)).where(t.c.id < 3).order_by(t.c.id)
        assert self.both(stmt) == [(0, -10, 5), (1, -8, 4), (2, -6, 3)]

    def test_sql_the_engine_cannot_run(self) -> None:
        with self.memory.connect() as conn:
            with pytest.raises(exc.NotSupportedError, match=r"gibberish, which compiles to 'frobnicate"):
                conn.execute(select(gibberish()).select_from(t))


def _counter_default(counter: Iterator[int]) -> Any:
    class bump(ColumnElement[int]):
        """A new number per statement, cached on the statement like
        SQLAlchemy's ServerVersioningTest does."""

        inherit_cache = True
        type = Integer()

    @compiles(bump)
    def _bump(element: Any, compiler: Any, **kw: Any) -> str:
        stmt = compiler.statement
        if not hasattr(stmt, "_counter"):
            stmt._counter = str(next(counter))
        return stmt._counter

    return bump


class answer(ColumnElement[int]):
    inherit_cache = True
    type = Integer()


@compiles(answer)
def _answer(element: Any, compiler: Any, **kw: Any) -> str:
    return "40 + 2"


class CustomDefaultTest(fixtures.TestBase):
    def test_default_onupdate_and_server_default(self) -> None:
        bump = _counter_default(itertools.count(10))
        meta = MetaData()
        v = Table(
            "v",
            meta,
            Column("id", Integer, primary_key=True),
            Column("n", Integer, default=bump(), onupdate=bump()),
            Column("a", Integer, server_default=answer()),
            Column("s", String(10)),
        )
        engine = create_engine("memory://")
        meta.create_all(engine)
        with engine.begin() as conn:
            insert = v.insert().return_defaults()
            result = conn.execute(insert, {"id": 1, "s": "x"})
            assert result.returned_defaults is not None and result.returned_defaults.n == 10
            conn.execute(v.update().where(v.c.id == 1).values(s="y"))
            assert conn.execute(select(v)).all() == [(1, 11, 42, "y")]

    def test_override_binds_in_a_server_default(self) -> None:
        """No compiled statement carries the new values here: the
        construct's ``translate`` replaces them."""
        value = bindparam("d", 5, type_=Integer)
        meta = MetaData()
        w = Table(
            "w",
            meta,
            Column("id", Integer, primary_key=True),
            Column("a", Integer, server_default=_OverrideBinds(value + 1, [bindparam("d", 7)], [value])),
        )
        engine = create_engine("memory://")
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(w.insert(), {"id": 1})
            assert conn.execute(select(w.c.a)).scalar() == 8


class WrapperTest(SideBySide, fixtures.TestBase):
    @classmethod
    def setup_test_class(cls) -> None:
        cls.memory, cls.sqlite = populated_engines(metadata, [(t, ROWS)])


    def test_override_binds(self) -> None:
        criteria = t.c.x > bindparam("q", 3)
        for value, ids in ((6, [7, 8]), (4, [5, 7, 8])):  # the second run reuses the cached compile
            wrapped = _OverrideBinds(criteria, [bindparam("q", value)], [criteria.right])
            assert [r[0] for r in self.both(select(t.c.id).where(wrapped).order_by(t.c.id))] == ids

    def test_lambda_inside_a_statement(self) -> None:
        for low in (3, 6):
            stmt = select(t.c.id).where(lambda: t.c.x > low).order_by(t.c.id)
            assert [r[0] for r in self.both(stmt)] == [i for i in range(10) if i % 3 and i > low]
        for names in (["a"], ["b", "c"]):
            stmt = select(t.c.id).where(lambda: t.c.g.in_(names)).order_by(t.c.id)
            assert [r[0] for r in self.both(stmt)] == [i for i in range(10) if "ab"[i % 2] in names]


def _unary_distinct_warning() -> Any:
    """SQLAlchemy 2.1 warns about a Core distinct(col) outside an aggregate; 2.0 does not."""
    if sqlalchemy.__version__.startswith("2.0"):
        return contextlib.nullcontext()
    return pytest.warns(exc.SAWarning, match="Column-expression-level unary distinct")


class StandaloneDistinctTest(SideBySide, fixtures.TestBase):
    @classmethod
    def setup_test_class(cls) -> None:
        cls.memory, cls.sqlite = populated_engines(metadata, [(t, ROWS)])


    def test_first_column(self) -> None:
        # SQLAlchemy warns about a Core distinct(col) outside an aggregate (not the ORM's)
        with _unary_distinct_warning():
            assert self.both(select(distinct(t.c.g)).order_by(t.c.g)) == [("a",), ("b",)]
            got = self.both(select(distinct(t.c.g), t.c.x).where(t.c.x < 3).order_by(t.c.g, t.c.x))
            assert got == [("a", 2), ("b", 1)]
            assert self.both(select(distinct(t.c.g).label("gg")).order_by(desc("gg"))) == [("b",), ("a",)]

    def test_in_a_subquery(self) -> None:
        with _unary_distinct_warning():
            subq = select(distinct(t.c.g)).subquery()
            stmt = select(subq).order_by(subq.c[0])
            assert self.both(stmt) == [("a",), ("b",)]

    def test_elsewhere_is_refused(self) -> None:
        with self.memory.connect() as conn:
            with _unary_distinct_warning():
                with pytest.raises(exc.NotSupportedError, match="DISTINCT inside an expression"):
                    conn.execute(select(t.c.id, distinct(t.c.g)))
