"""Window functions (``OVER``) on ``memory://`` checked against SQLite.

Each statement runs on a ``memory://`` engine and on ``sqlite://`` holding
the same rows; results must be equal as lists (every statement ends with an
ORDER BY on a unique key).  Functions whose result depends on the order of
peers (row_number, ROWS frames, lag/lead, ntile, first/last/nth_value)
order their window by a unique key too.  Data hold NULLs and ties; floats
are dyadic fractions so sums are exact on both sides.
"""

from __future__ import annotations

import datetime
import decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import Column, Date, Float, Integer, MetaData, String, Table, func, select
from sqlalchemy.testing import fixtures

from _support import populated_engines

metadata = MetaData()
t = Table(
    "t",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("g", Integer),
    Column("x", Integer),
    Column("f", Float),
    Column("s", String(10)),
    Column("d", Date),
)
sales = Table(
    "sales",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("region", String(10)),
    Column("month", Integer),
    Column("amount", Integer),
)
empty = Table("empty", metadata, Column("id", Integer, primary_key=True), Column("x", Integer))


def _t_rows():
    rows = []
    for i in range(1, 26):
        rows.append(
            dict(
                id=i,
                g=None if i % 7 == 0 else i % 3,
                x=None if i % 5 == 0 else (i * 7) % 6,
                f=None if i % 6 == 0 else ((i * 5) % 9) / 4 - 1,
                s=None if i % 8 == 0 else "abcde"[i % 5],
                d=None if i % 9 == 0 else datetime.date(2024, 1, 1) + datetime.timedelta(days=(i * 3) % 11),
            )
        )
    return rows


def _sales_rows():
    rows = []
    n = 0
    for region in ("north", "south", "east", None):
        for month in range(1, 7):
            n += 1
            rows.append(dict(id=n, region=region, month=month, amount=None if n % 5 == 0 else (n * 37) % 50))
    return rows


_engines = {}


def _engines_pair():
    if not _engines:
        _engines["memory://"], _engines["sqlite://"] = populated_engines(
            metadata, [(t, _t_rows()), (sales, _sales_rows())]
        )
    return _engines["memory://"], _engines["sqlite://"]


def _rounded(value):
    # SQLite's dialect returns NUMERIC results (percent_rank, cume_dist) as
    # decimals quantized to 10 places; the memory dialect keeps the float's digits
    if isinstance(value, (float, decimal.Decimal)):
        return round(decimal.Decimal(repr(value) if isinstance(value, float) else value), 9)
    return value


def check(stmt, approx=False):
    mem, lite = _engines_pair()
    with mem.connect() as conn:
        got = [tuple(r) for r in conn.execute(stmt)]
    with lite.connect() as conn:
        want = [tuple(r) for r in conn.execute(stmt)]
    if approx:
        got = [tuple(map(_rounded, r)) for r in got]
        want = [tuple(map(_rounded, r)) for r in want]
    assert got == want, "\n%s\nmemory: %s\nsqlite: %s" % (stmt, got, want)
    return got


# unique window orders (results independent of the order of peers)
U = (t.c.x, t.c.id)
UD = (t.c.x.desc(), t.c.id)


def _q(*cols):
    return select(t.c.id, *cols).order_by(t.c.id)


class WindowRankingTest(fixtures.TestBase):
    def test_row_number(self):
        check(_q(func.row_number().over(order_by=t.c.id)))
        check(_q(func.row_number().over(partition_by=t.c.g, order_by=U)))
        check(_q(func.row_number().over(partition_by=[t.c.g, t.c.s], order_by=UD)))

    @pytest.mark.parametrize("fn", ["rank", "dense_rank", "percent_rank", "cume_dist"])
    def test_rank_family(self, fn):
        f = getattr(func, fn)
        check(_q(f().over(order_by=t.c.x)), approx=True)
        check(_q(f().over(order_by=t.c.x.desc())), approx=True)
        check(_q(f().over(partition_by=t.c.g, order_by=t.c.x)), approx=True)
        check(_q(f().over(partition_by=t.c.g, order_by=[t.c.s, t.c.x.desc()])), approx=True)
        check(_q(f().over(order_by=t.c.x.nulls_last())), approx=True)
        check(_q(f().over(order_by=t.c.x.desc().nulls_first())), approx=True)
        check(_q(f().over()), approx=True)  # no ORDER BY: every row is a peer

    @pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 30])
    def test_ntile(self, n):
        check(_q(func.ntile(n).over(order_by=U)))
        check(_q(func.ntile(n).over(partition_by=t.c.g, order_by=UD)))

    def test_lag_lead(self):
        for fn in (func.lag, func.lead):
            check(_q(fn(t.c.x).over(order_by=t.c.id)))
            check(_q(fn(t.c.x, 2).over(partition_by=t.c.g, order_by=U)))
            check(_q(fn(t.c.s, 3, "zz").over(order_by=UD)))
            check(_q(fn(t.c.f, 1, t.c.x).over(partition_by=t.c.s, order_by=t.c.id)))
            check(_q(fn(t.c.x, 0).over(order_by=t.c.id)))

    def test_ranking_ignores_frame(self):
        check(_q(func.rank().over(order_by=t.c.x, rows=(-1, 1)), func.lag(t.c.x).over(order_by=U, rows=(0, 0))))


class WindowAggregateTest(fixtures.TestBase):
    @pytest.mark.parametrize("agg", ["count", "sum", "min", "max", "avg"])
    def test_default_frames(self, agg):
        f = getattr(func, agg)
        for col in (t.c.x, t.c.f):
            check(_q(f(col).over()))
            check(_q(f(col).over(partition_by=t.c.g)))
            check(_q(f(col).over(order_by=t.c.x)))  # RANGE .. CURRENT ROW with peers
            check(_q(f(col).over(partition_by=t.c.g, order_by=t.c.x.desc())))
            check(_q(f(col).over(partition_by=t.c.s, order_by=[t.c.g, t.c.x.nulls_last()])))
        check(_q(f(t.c.s).over(order_by=t.c.id))) if agg in ("count", "min", "max") else None

    def test_count_star(self):
        check(_q(func.count().over(), func.count().over(partition_by=t.c.g), func.count().over(order_by=t.c.x)))

    @pytest.mark.parametrize(
        "frame",
        [(None, None), (None, 0), (0, None), (-1, 1), (-2, 0), (0, 2), (-3, -1), (1, 3), (None, -1), (2, None),
         (0, 0), (3, 1), (-5, -6)],
    )
    @pytest.mark.parametrize("agg", ["count", "sum", "min", "max", "avg"])
    def test_rows_frames(self, agg, frame):
        f = getattr(func, agg)
        check(_q(f(t.c.x).over(order_by=U, rows=frame), f(t.c.f).over(partition_by=t.c.g, order_by=UD, rows=frame)))

    @pytest.mark.parametrize(
        "frame", [(None, None), (None, 0), (0, None), (0, 0), (-1, 1), (-2, 0), (0, 3), (-3, -1), (1, 2), (None, -2),
                  (1, None)]
    )
    @pytest.mark.parametrize("agg", ["count", "sum", "min", "max", "avg"])
    def test_range_frames(self, agg, frame):
        f = getattr(func, agg)
        check(
            _q(
                f(t.c.id).over(order_by=t.c.x, range_=frame),
                f(t.c.f).over(partition_by=t.c.g, order_by=t.c.x.desc(), range_=frame),
                f(t.c.x).over(order_by=t.c.x.nulls_last(), range_=frame),
                f(t.c.id).over(order_by=t.c.x.desc().nulls_first(), range_=frame),
            )
        )

    def test_range_current_row_multiple_keys(self):
        check(_q(func.count().over(order_by=[t.c.g, t.c.x], range_=(0, 0)),
                 func.sum(t.c.id).over(order_by=[t.c.g, t.c.x.desc()], range_=(None, 0))))

    def test_range_float_keys(self):
        check(_q(func.count().over(order_by=t.c.f, range_=(-1, 1)), func.sum(t.c.id).over(order_by=t.c.f.desc(), range_=(0, 2))))


class WindowValueTest(fixtures.TestBase):
    @pytest.mark.parametrize("frame", [None, (None, None), (-1, 1), (0, None), (-2, -1), (2, 3)])
    def test_first_last_nth(self, frame):
        kw = {} if frame is None else {"rows": frame}
        check(
            _q(
                func.first_value(t.c.x).over(order_by=U, **kw),
                func.last_value(t.c.s).over(partition_by=t.c.g, order_by=U, **kw),
                func.nth_value(t.c.f, 2).over(order_by=UD, **kw),
                func.nth_value(t.c.x, 1).over(partition_by=t.c.g, order_by=t.c.id, **kw),
            )
        )

    def test_value_default_range_frame(self):
        # default frame with ORDER BY ends at the last peer
        check(_q(func.last_value(t.c.id).over(order_by=t.c.x), func.first_value(t.c.id).over(order_by=[t.c.x.desc(), t.c.id])))

    def test_value_range_frames(self):
        check(_q(func.first_value(t.c.id).over(order_by=[t.c.x], range_=(-1, 1)) * 0,
                 func.max(t.c.id).over(order_by=t.c.x, range_=(-1, 1))))


class WindowQueryTest(fixtures.TestBase):
    def test_over_grouped_rows(self):
        total = func.sum(sales.c.amount)
        stmt = (
            select(sales.c.region, total, func.rank().over(order_by=total.desc()),
                   func.sum(total).over(order_by=sales.c.region), func.count().over())
            .group_by(sales.c.region)
            .order_by(sales.c.region)
        )
        check(stmt)
        stmt = (
            select(sales.c.region, sales.c.month, func.max(sales.c.amount),
                   func.avg(func.max(sales.c.amount)).over(partition_by=sales.c.region),
                   func.row_number().over(partition_by=sales.c.region, order_by=func.max(sales.c.amount).desc()))
            .group_by(sales.c.region, sales.c.month)
            .having(func.count() > 0)
            .order_by(sales.c.region, sales.c.month)
        )
        check(stmt)

    def test_running_totals(self):
        check(
            select(sales.c.id, func.sum(sales.c.amount).over(partition_by=sales.c.region, order_by=sales.c.month),
                   func.avg(sales.c.amount).over(partition_by=sales.c.region, order_by=sales.c.month, rows=(-2, 0)))
            .order_by(sales.c.id)
        )

    def test_where_runs_first(self):
        check(_q(func.row_number().over(order_by=t.c.id), func.sum(t.c.x).over()).where(t.c.x > 1))

    def test_order_by_window(self):
        rn = func.row_number().over(order_by=UD).label("rn")
        check(select(t.c.id, rn).order_by(rn))
        check(select(t.c.id).order_by(func.rank().over(order_by=t.c.s).desc(), t.c.id))
        check(select(t.c.id, rn).order_by(rn.desc()).limit(5).offset(2))

    def test_top_n_per_group(self):
        rn = func.row_number().over(partition_by=t.c.g, order_by=UD).label("rn")
        sub = select(t.c.id, t.c.g, rn).subquery()
        check(select(sub.c.id, sub.c.g).where(sub.c.rn <= 2).order_by(sub.c.id))

    def test_expressions_of_windows(self):
        check(_q(func.sum(t.c.x).over() - t.c.x, func.coalesce(func.lag(t.c.x).over(order_by=t.c.id), -1) + 1))

    def test_distinct(self):
        check(select(t.c.g, func.count().over(partition_by=t.c.g)).distinct().order_by(t.c.g))

    def test_same_window_twice(self):
        w = dict(partition_by=t.c.g, order_by=U)
        check(_q(func.row_number().over(**w), func.rank().over(**w), func.sum(t.c.x).over(**w), func.row_number().over(**w)))

    def test_empty_table(self):
        check(select(empty.c.id, func.row_number().over(order_by=empty.c.id)).order_by(empty.c.id))
        check(select(func.count().over(), func.count()).select_from(empty))

    def test_no_from(self):
        check(select(func.row_number().over(), func.sum(sa.literal(3)).over()))

    def test_cached_plan_new_frame_values(self):
        for frame in ((-1, 1), (-3, 2), (None, 0), (-1, 1)):
            check(_q(func.sum(t.c.x).over(order_by=U, rows=frame), func.count().over(order_by=t.c.x, range_=frame)))

    def test_date_range(self):
        if not hasattr(sa.sql.elements, "FrameClause"):
            pytest.skip("FrameClause needs SQLAlchemy 2.1")
        from sqlalchemy.sql.elements import FrameClause, FrameClauseType

        frame = FrameClause(datetime.timedelta(days=3), None, FrameClauseType.PRECEDING, FrameClauseType.CURRENT)
        mem, _ = _engines_pair()
        stmt = _q(func.count().over(order_by=t.c.d, range_=frame), t.c.d)
        with mem.connect() as conn:
            got = conn.execute(stmt).all()
        data = {r["id"]: r["d"] for r in _t_rows()}
        for row in got:
            d = data[row[0]]
            if d is None:
                want = sum(1 for v in data.values() if v is None)
            else:
                want = sum(1 for v in data.values() if v is not None and d - datetime.timedelta(days=3) <= v <= d)
            assert row[1] == want, row

    def test_groups_and_exclude(self):
        if not hasattr(sa.sql.elements, "FrameClause"):
            pytest.skip("GROUPS / EXCLUDE need SQLAlchemy 2.1")
        for frame in ((-1, 1), (None, 0), (0, 2), (-2, -1), (1, None)):
            check(_q(func.count().over(order_by=t.c.x, groups=frame), func.sum(t.c.id).over(order_by=t.c.x.desc(), groups=frame)))
            for exclude in ("CURRENT ROW", "GROUP", "TIES", "NO OTHERS"):
                check(_q(func.count().over(order_by=t.c.x, rows=frame, exclude=exclude),
                         func.sum(t.c.id).over(order_by=t.c.x, range_=frame, exclude=exclude),
                         func.max(t.c.id).over(order_by=t.c.x, groups=frame, exclude=exclude),
                         func.first_value(t.c.id).over(order_by=t.c.x, groups=frame, exclude=exclude),
                         func.nth_value(t.c.id, 2).over(order_by=U, rows=frame, exclude=exclude)))

    def test_orm(self):
        from sqlalchemy.orm import Session

        mem, _ = _engines_pair()
        with Session(mem) as session:
            rows = session.execute(select(t.c.id, func.rank().over(order_by=t.c.x)).order_by(t.c.id)).all()
        assert len(rows) == 25

    def test_not_supported(self):
        mem, _ = _engines_pair()
        for stmt in (
            select(func.group_concat(t.c.s).over()),
            select(func.count(t.c.x.distinct()).over()),
            select(func.count().filter(t.c.x > 1).over()),
        ):
            with mem.connect() as conn, pytest.raises(sa.exc.NotSupportedError):
                conn.execute(stmt)

    def test_bad_arguments(self):
        mem, _ = _engines_pair()
        for stmt in (
            select(func.ntile(0).over(order_by=t.c.id)),
            select(func.count().over(order_by=[t.c.x, t.c.id], range_=(-1, 1))),
            select(func.sum(t.c.x).over(order_by=t.c.s, range_=(-1, 1))),
        ):
            with mem.connect() as conn, pytest.raises(sa.exc.DataError):
                conn.execute(stmt)
