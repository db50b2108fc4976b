"""Scalar functions, CAST, EXTRACT, ANY/ALL and row-value comparisons.

Where SQLite has the same semantics the expression runs on ``memory://`` and
on SQLite with the same data and the results must match (numbers compared by
value, not by Python type: SQLite returns floats where the dialect keeps
integers or decimals).  The rest is checked against expected values, with
the choice between databases noted.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any, List, Tuple

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    all_,
    any_,
    cast,
    create_engine,
    exc,
    extract,
    func,
    literal,
    null,
    select,
    tuple_,
)
from sqlalchemy.testing import fixtures

from _support import populated_engines

metadata = MetaData()
vals = Table(
    "vals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("s", String(40)),
    Column("t", String(10)),
    Column("i", Integer),
    Column("j", Integer),
    Column("f", Float),
    Column("n", Numeric(10, 3)),
    Column("d", DateTime),
    Column("dt", Date),
)
ROWS = [
    (1, "  Hello World  ", "o", 7, 3, 2.5, "2.675", datetime.datetime(2024, 2, 29, 13, 5, 7), datetime.date(2024, 2, 29)),
    (2, "abcabc", "bc", -7, 2, -2.5, "-0.125", datetime.datetime(1999, 12, 31, 23, 59, 59), datetime.date(1999, 12, 31)),
    (3, "xxyxx", "x", 0, -3, 0.125, "10.5", datetime.datetime(2000, 1, 2, 0, 0, 0), datetime.date(2000, 1, 2)),
    (4, None, None, None, None, None, None, None, None),
    (5, "", "", 5, 4, 9.75, "0.5", datetime.datetime(1970, 1, 1, 0, 0, 1), datetime.date(1970, 1, 1)),
]
COLUMNS = ("id", "s", "t", "i", "j", "f", "n", "d", "dt")
c = vals.c


def _norm(v: Any) -> Any:
    """Numbers by value (SQLite returns floats), everything else as is."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float, decimal.Decimal)):
        return round(float(v), 6)
    return v


class Engines:
    def __init__(self) -> None:
        rows = [dict(zip(COLUMNS, r[:6] + (None if r[6] is None else decimal.Decimal(r[6]),) + r[7:])) for r in ROWS]
        self.memory, self.sqlite = populated_engines(metadata, [(vals, rows)])

    def rows(self, engine: Any, expr: Any) -> List[Tuple[Any, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(c.id, expr).order_by(c.id))]

    def memory_values(self, expr: Any) -> List[Any]:
        return [r[1] for r in self.rows(self.memory, expr)]

    def scalar(self, expr: Any) -> Any:
        with self.memory.connect() as conn:
            return conn.execute(select(expr)).scalar()

    def check(self, *exprs: Any) -> None:
        for expr in exprs:
            mine = [tuple(_norm(v) for v in r) for r in self.rows(self.memory, expr)]
            theirs = [tuple(_norm(v) for v in r) for r in self.rows(self.sqlite, expr)]
            assert mine == theirs, "%s: memory %r, sqlite %r" % (expr, mine, theirs)


class FunctionsTest(fixtures.TestBase):
    dbs: Engines

    @classmethod
    def setup_test_class(cls) -> None:
        cls.dbs = Engines()

    # -- against SQLite ----------------------------------------------------------

    def test_substr_like_sqlite(self) -> None:
        starts_lengths = [(0,), (1,), (2,), (-2,), (-20,), (100,), (2, 3), (0, 2), (0, 1), (1, 0), (-3, 2), (2, -1),
                          (4, -3), (-20, 3), (0, -1), (3, 100)]
        self.dbs.check(*[func.substr(c.s, *args) for args in starts_lengths])
        self.dbs.check(func.substring(c.s, 2, 3), func.substr(c.s, c.i), func.substr(c.s, c.i, c.j), func.substr(c.s, c.j, c.i))
        self.dbs.check(func.substr(c.s, null()), func.substr(c.s, 2, null()))

    def test_sum_and_avg_promote_numeric_mixed_with_float(self) -> None:
        with create_engine("memory://").connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT sum(v), avg(v) FROM (SELECT 2.5 AS v UNION ALL SELECT CAST(1 AS FLOAT) AS v) AS s"
            ).one()
        assert tuple(row) == (3.5, 1.75)
        assert isinstance(row[0], float)

    def test_string_functions_like_sqlite(self) -> None:
        self.dbs.check(
            func.lower(c.s), func.upper(c.s), func.length(c.s), func.char_length(c.s),
            func.trim(c.s), func.ltrim(c.s), func.rtrim(c.s),
            func.trim(c.s, "x"), func.ltrim(c.s, " H"), func.rtrim(c.s, "cb"), func.trim(c.s, c.t),
            func.replace(c.s, c.t, "Z"), func.replace(c.s, "", "Q"), func.replace(c.s, "abc", c.t),
            func.instr(c.s, c.t), func.instr(c.s, "zz"), func.instr(c.s, ""),
            c.s + c.t, c.s.concat("!"),
        )

    def test_numeric_functions_like_sqlite(self) -> None:
        self.dbs.check(
            func.abs(c.i), func.abs(c.f), func.abs(c.n),
            func.round(c.f), func.round(c.f, 1), func.round(c.n, 2), func.round(c.n), func.round(c.i),
            func.round(literal(2.5)), func.round(literal(-2.5)), func.round(literal(0.125), 2),
            func.ceil(c.f), func.ceiling(c.f), func.ceil(c.n), func.trunc(c.f),  # floor: a Python UDF there
            func.sign(c.f), func.sign(c.i), func.sign(c.n),
            func.mod(c.i, c.j), func.mod(c.f, 2), func.power(c.j, 2), func.power(c.f, c.j), func.pow(2, c.j),
            func.sqrt(func.abs(c.f)), func.exp(c.j), func.ln(func.abs(c.f) + 1),
            func.log(func.abs(c.f) + 1), func.log(2, func.abs(c.f) + 1), func.log10(func.abs(c.i) + 1),
            func.log2(func.abs(c.i) + 1),
        )

    def test_extract_like_sqlite(self) -> None:
        fields = ["year", "month", "day", "hour", "minute", "second", "doy", "dow", "epoch"]
        self.dbs.check(*[extract(f, c.d) for f in fields])
        self.dbs.check(*[extract(f, c.dt) for f in ("year", "month", "day", "doy", "dow", "epoch")])

    def test_cast_like_sqlite(self) -> None:
        self.dbs.check(
            cast(c.i, String), cast(c.f, String), cast(c.f, Integer), cast(c.n, Integer), cast(c.i, Float),
            cast(c.i, Numeric(10, 2)), cast(c.f, Numeric(10, 1)), cast(c.i, Boolean),
            cast(literal("12"), Integer), cast(literal(" 12.7 "), Integer), cast(literal("1.5e1"), Float),
            cast(cast(c.i, String), Integer),
        )

    def test_row_value_comparisons_like_sqlite(self) -> None:
        exprs = []
        for right in [(0, 5), (7, 3), (-7, None), (5, 4), (None, 1)]:
            r = tuple_(*[literal(v) if v is not None else null() for v in right])
            left = tuple_(c.i, c.j)
            exprs += [left == r, left != r, left < r, left <= r, left > r, left >= r]
        exprs.append(tuple_(c.i, c.s) < tuple_(5, "b"))
        self.dbs.check(*exprs)

    def test_any_all_like_in(self) -> None:
        """``= ANY (subquery)`` is ``IN`` and ``<> ALL`` is ``NOT IN``,
        NULLs included (SQLite has no ANY / ALL)."""
        sub = select(c.j).scalar_subquery()
        sub_without_null = select(c.j).where(c.j.is_not(None)).scalar_subquery()
        for memory_expr, sqlite_expr in [
            (c.i == any_(sub), c.i.in_(select(c.j))),
            (c.i != all_(sub), c.i.not_in(select(c.j))),
            (c.i == any_(sub_without_null), c.i.in_(select(c.j).where(c.j.is_not(None)))),
            (c.i != all_(sub_without_null), c.i.not_in(select(c.j).where(c.j.is_not(None)))),
        ]:
            mine = self.dbs.rows(self.dbs.memory, memory_expr)
            theirs = [(i, None if v is None else bool(v)) for i, v in self.dbs.rows(self.dbs.sqlite, sqlite_expr)]
            assert mine == theirs, memory_expr

    # -- expected values -------------------------------------------------------------

    def test_any_all_comparisons(self) -> None:
        values = self.dbs.memory_values
        sub = select(c.j).where(c.j.is_not(None)).scalar_subquery()  # 3, 2, -3, 4
        assert values(c.i > all_(sub)) == [True, False, False, None, True]
        assert values(c.i < any_(sub)) == [False, True, True, None, False]
        with_null = select(c.j).scalar_subquery()
        assert values(c.i > all_(with_null)) == [None, False, False, None, None]
        assert values(c.i < any_(with_null)) == [None, True, True, None, None]
        empty = select(c.j).where(c.id > 100).scalar_subquery()
        assert values(c.i > all_(empty)) == [True] * 5
        assert values(c.i == any_(empty)) == [False] * 5
        assert values(c.i == any_(literal([0, 5]))) == [False, False, True, None, True]
        assert values(c.i > all_(literal([0, -7]))) == [True, False, False, None, True]
        assert self.dbs.scalar(literal(3) == any_(select(c.j).where(c.id == 1).scalar_subquery())) is True

    def test_concat(self) -> None:
        """concat() skips NULLs and is never NULL (PostgreSQL, SQLite 3.44)."""
        values = self.dbs.memory_values
        assert values(func.concat(c.s, "|", c.t)) == ["  Hello World  |o", "abcabc|bc", "xxyxx|x", "|", "|"]
        assert values(func.concat(c.s, null())) == ["  Hello World  ", "abcabc", "xxyxx", "", ""]
        assert values(func.concat(c.i, "-", c.f)) == ["7-2.5", "-7--2.5", "0-0.125", "-", "5-9.75"]
        assert values(func.concat_ws(",", c.i, c.t, c.j)) == ["7,o,3", "-7,bc,2", "0,x,-3", "", "5,,4"]
        assert self.dbs.scalar(func.concat_ws(null(), "a", "b")) is None

    def test_greatest_least_ignore_nulls(self) -> None:
        """As in PostgreSQL: NULL only when every argument is NULL."""
        values = self.dbs.memory_values
        assert values(func.greatest(c.i, c.j, 1)) == [7, 2, 1, 1, 5]
        assert values(func.least(c.i, c.j)) == [3, -7, -3, None, 4]
        assert values(func.greatest(c.f, c.n)) == [decimal.Decimal("2.675"), decimal.Decimal("-0.125"), decimal.Decimal("10.5"), None, 9.75]
        assert values(func.least(c.s, c.t)) == ["  Hello World  ", "abcabc", "x", None, ""]

    def test_round_half_away_from_zero(self) -> None:
        scalar = self.dbs.scalar
        assert scalar(func.round(literal(decimal.Decimal("2.5"), Numeric(10, 1)))) == decimal.Decimal("3")
        assert scalar(func.round(literal(decimal.Decimal("-2.5"), Numeric(10, 1)))) == decimal.Decimal("-3")
        assert scalar(func.round(literal(decimal.Decimal("1.005"), Numeric(10, 3)), 2)) == decimal.Decimal("1.01")
        assert scalar(func.round(literal(1.005), 2)) == 1.01  # by its decimal spelling, as SQLite
        assert scalar(func.round(literal(1250), -2)) == 1300  # PostgreSQL; SQLite ignores negative places
        assert scalar(func.round(literal(-1250), -2)) == -1300
        assert scalar(func.round(literal(decimal.Decimal("1234.5"), Numeric(10, 1)), -1)) == decimal.Decimal("1.23E+3")
        assert isinstance(scalar(func.round(literal(7))), int)

    def test_position_strpos_left_right_order(self) -> None:
        values = self.dbs.memory_values
        assert values(func.position(c.t, c.s)) == [7, 2, 1, None, 1]
        assert values(func.strpos(c.s, c.t)) == [7, 2, 1, None, 1]
        assert values(func.btrim(c.s, "x ")) == ["Hello World", "abcabc", "y", None, ""]

    def test_numeric_results_keep_types(self) -> None:
        scalar = self.dbs.scalar
        n = literal(decimal.Decimal("2.25"), Numeric(10, 2))
        assert scalar(func.sqrt(n)) == decimal.Decimal("1.5")
        assert scalar(func.ceil(n)) == decimal.Decimal(3)
        assert scalar(func.floor(literal(-2.5))) == -3.0
        assert scalar(func.power(n, 2)) == decimal.Decimal("5.0625")
        assert scalar(func.log(10, literal(decimal.Decimal(1000), Numeric(10, 0)))) == decimal.Decimal(3)
        assert scalar(func.mod(literal(-7.5), 2)) == -1.5
        assert scalar(func.sign(literal(decimal.Decimal("-0.1"), Numeric(10, 1)))) == decimal.Decimal(-1)
        for _ in range(5):
            assert 0 <= scalar(func.random()) < 1

    def test_math_errors(self) -> None:
        for expr in [func.sqrt(-1), func.ln(0), func.log(-1), func.log(1, 5), func.power(0, -1), func.power(-8, 0.5),
                     func.mod(5, 0), func.exp(100000), func.abs(literal("x")), func.round(literal("x"))]:
            with pytest.raises(exc.DataError):
                self.dbs.scalar(expr)

    def test_extract_fields(self) -> None:
        scalar = self.dbs.scalar
        when = literal(datetime.datetime(2021, 1, 3, 4, 5, 6, 500000), DateTime)
        assert scalar(extract("second", when)) == decimal.Decimal("6.5")
        assert scalar(extract("epoch", when)) == decimal.Decimal("1609646706.5")
        assert scalar(extract("week", when)) == 53  # ISO week: 2021-01-03 is in 2020's last week
        assert scalar(extract("isoyear", when)) == 2020
        assert scalar(extract("isodow", when)) == 7
        assert scalar(extract("dow", when)) == 0
        assert scalar(extract("quarter", when)) == 1
        assert scalar(extract("hour", literal(datetime.time(4, 5), Time))) == 4
        assert scalar(extract("epoch", literal(datetime.time(1, 0, 2), Time))) == 3602
        aware = datetime.datetime(1970, 1, 1, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
        assert scalar(extract("epoch", literal(aware, DateTime(timezone=True)))) == 0
        assert scalar(extract("year", null())) is None
        with pytest.raises(exc.DataError):
            scalar(extract("year", literal(datetime.time(4, 5), Time)))
        with pytest.raises(exc.NotSupportedError, match="timezone_hour"):
            scalar(extract("timezone_hour", when))

    def test_date_time_functions(self) -> None:
        values = self.dbs.memory_values
        assert values(func.date(c.d))[:2] == [datetime.date(2024, 2, 29), datetime.date(1999, 12, 31)]
        assert values(func.time(c.d))[:2] == [datetime.time(13, 5, 7), datetime.time(23, 59, 59)]
        assert values(func.datetime(c.dt))[0] == datetime.datetime(2024, 2, 29)
        assert self.dbs.scalar(func.date("2020-05-06 10:00")) == datetime.date(2020, 5, 6)
        assert isinstance(self.dbs.scalar(func.current_date()), datetime.date)
        assert isinstance(self.dbs.scalar(func.localtime()), datetime.time)

    def test_casts_between_types(self) -> None:
        scalar = self.dbs.scalar
        cases = [
            (cast(literal("2020-01-02 03:04:05"), DateTime), datetime.datetime(2020, 1, 2, 3, 4, 5)),
            (cast(literal("2020-01-02 03:04:05"), Date), datetime.date(2020, 1, 2)),
            (cast(literal("2020-01-02"), DateTime), datetime.datetime(2020, 1, 2)),
            (cast(literal("03:04:05"), Time), datetime.time(3, 4, 5)),
            (cast(literal(datetime.datetime(2020, 1, 2, 3, 4, 5)), Time), datetime.time(3, 4, 5)),
            (cast(literal(datetime.datetime(2020, 1, 2, 3, 4, 5)), Date), datetime.date(2020, 1, 2)),
            (cast(literal(datetime.date(2020, 1, 2)), DateTime), datetime.datetime(2020, 1, 2)),
            (cast(literal(datetime.date(2020, 1, 2)), String), "2020-01-02"),
            (cast(literal(datetime.datetime(2020, 1, 2, 3, 4, 5)), String), "2020-01-02 03:04:05"),
            (cast(literal(" 1.25 "), Numeric(10, 1)), decimal.Decimal("1.2")),
            (cast(literal(True), Integer), 1),
            (cast(literal(True), Numeric(5, 0)), decimal.Decimal(1)),
            (cast(literal(2.75), Numeric(5, 1)), decimal.Decimal("2.8")),
            (cast(literal("off"), String), "off"),
            (cast(cast(literal("yes"), String), Boolean), True),
            (cast(cast(literal("0"), String), Boolean), False),
            (cast(literal(0.0), Boolean), False),
            (cast(null(), Integer), None),
        ]
        for expr, expected in cases:
            assert scalar(expr) == expected, expr
        for bad in [cast(literal("abc"), Integer), cast(literal("1.5x"), Float), cast(literal("abc"), Numeric(5, 1)),
                    cast(literal("2020-13-45"), Date), cast(literal("nope"), DateTime), cast(literal("25:00"), Time),
                    cast(cast(literal("maybe"), String), Boolean), cast(literal(datetime.date(2020, 1, 1)), Integer),
                    cast(literal(datetime.date(2020, 1, 1)), Float), cast(literal(datetime.date(2020, 1, 1)), Boolean),
                    cast(literal(datetime.date(2020, 1, 1)), Numeric(5, 1)), cast(literal(float("inf")), Integer),
                    cast(literal(5), DateTime)]:
            with pytest.raises(exc.DataError):
                scalar(bad)

    def test_row_values_of_different_lengths(self) -> None:
        with pytest.raises(exc.ProgrammingError):
            self.dbs.scalar(tuple_(literal(1), literal(2)) == tuple_(literal(1), literal(2), literal(3)))

    def test_unknown_function_and_wrong_arity(self) -> None:
        with pytest.raises(exc.NotSupportedError, match="no_such_fn"):
            self.dbs.scalar(func.no_such_fn(1))
        for expr in [func.substr("abc"), func.replace("a", "b"), func.round(1, 2, 3), func.nullif(1), func.random(1)]:
            with pytest.raises(exc.ProgrammingError, match="wrong number of arguments"):
                self.dbs.scalar(expr)
