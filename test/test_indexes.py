"""Ordered indexes: ``OrderedIndex`` against a sorted-list model, SQL
results against ``sqlite://``, the access paths ``explain()`` reports, and
the fallbacks (another connection's writes, NaN, LIMIT without ORDER BY)."""

from __future__ import annotations

import math
import random
import warnings
from typing import Any, Dict, List, Tuple

import pytest
from sqlalchemy import (
    Boolean, Column, Float, Index, Integer, MetaData, String, Table, create_engine, exists, func, insert, nulls_first,
    nulls_last, select, text,
)
from sqlalchemy.testing import fixtures

from sqlalchemy_memory import explain
from sqlalchemy_memory.engine import indexes
from sqlalchemy_memory.engine.indexes import NULL, OrderedIndex


@pytest.fixture(autouse=True)
def _warnings_are_errors() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _sort_key(v: Any) -> Any:
    return v


class _Model:
    """The sorted (value, key) entries an index should hold."""

    def __init__(self, index: OrderedIndex) -> None:
        self.index = index
        self.rows: Dict[Any, Tuple[Any, ...]] = {}

    def entries(self) -> List[Tuple[Any, Any]]:
        out = []
        for k, row in self.rows.items():
            v = self.index.value_of(row)
            if self.index.single:
                if v is None or (isinstance(v, float) and v != v):
                    continue
            else:
                v = tuple(NULL if x is None else x for x in v)
            out.append((v, k))
        return sorted(out)


def _gen(kind: str, r: random.Random) -> Tuple[Any, ...]:
    if kind == "int":
        return (r.choice([None, r.randrange(20)]) if r.random() < 0.1 else r.randrange(20),)
    if kind == "float":
        x = r.random()
        return (None if x < 0.05 else float("nan") if x < 0.1 else round(r.uniform(-5, 5), 1),)
    if kind == "str":
        return (None if r.random() < 0.1 else "s%d" % r.randrange(15),)
    return (None if r.random() < 0.1 else r.randrange(5), None if r.random() < 0.1 else "c%d" % r.randrange(4))


def _check(index: OrderedIndex, model: _Model, r: random.Random) -> None:
    assert index.settled()
    want = model.entries()
    got = list(zip(chain_vals(index), index.keys(index.start(), index.end())))
    assert got == want
    vals = [v for v, _ in want]
    keys = [k for _, k in want]
    n = len(want)
    assert index.count(index.start(), index.end()) == n
    flat = [(b, o) for b, blk in enumerate(index._keys) for o in range(len(blk))] + [index.end()]
    lead = vals if index.single else [v[0] for v in vals]  # first_value: the first column's
    assert index.first_value(False) == (lead[0] if vals else None)
    assert index.first_value(True) == (lead[-1] if vals else None)
    probes = set(vals[:: max(1, n // 10)]) | ({vals[0], vals[-1]} if vals else set())
    for v in probes:
        lo, hi = index.position(v, False), index.position(v, True)
        assert flat.index(lo) == next(i for i, x in enumerate(vals + [None]) if i == n or x >= v)
        assert flat.index(hi) == next(i for i, x in enumerate(vals + [None]) if i == n or x > v)
        assert index.equal_span(v) == (lo, hi)
        assert list(index.keys(lo, hi)) == [k for vv, k in want if vv == v]
    for _ in range(10):
        a, b = sorted(r.randrange(n + 1) for _ in range(2))
        pa, pb = flat[a], flat[b]
        assert index.count(pa, pb) == b - a
        est = index.estimate(pa, pb)
        if pb[0] - pa[0] < 3:
            assert est == b - a
        else:
            assert abs(est - (b - a)) <= 2 * 2 * indexes.BLOCK * (pb[0] - pa[0])
        assert list(index.keys(pa, pb)) == keys[a:b]
        assert list(index.keys(pa, pb, reverse=True)) == keys[a:b][::-1]
        m = r.randrange(b - a + 2)
        f, s = index.advance(pa, pb, m, False)
        assert list(index.keys(f, s)) == keys[min(a + m, b):b]
        f, s = index.advance(pa, pb, m, True)
        assert list(index.keys(f, s)) == keys[a:max(b - m, a)]


def chain_vals(index: OrderedIndex) -> List[Any]:
    return [v for blk in index._vals for v in blk]


class OrderedIndexModelTest(fixtures.TestBase):
    @pytest.mark.parametrize("block", [4, 1000])
    @pytest.mark.parametrize("kind", ["int", "float", "str", "composite"])
    @pytest.mark.parametrize("unique", [False, True])
    def test_random_writes(self, monkeypatch: Any, block: int, kind: str, unique: bool) -> None:
        monkeypatch.setattr(indexes, "BLOCK", block)
        r = random.Random(hash((block, kind, unique)) & 0xFFFF)
        positions = (0,) if kind != "composite" else (0, 1)
        index = OrderedIndex("ix", positions, unique=unique, kind="index", may_nan=kind == "float")
        model = _Model(index)
        next_key = 0
        for batch in range(30):
            bulk = batch % 5 == 0
            for _ in range(r.randrange(1, 60 if bulk else 8)):
                if model.rows and r.random() < 0.4:
                    k = r.choice(list(model.rows))
                    index.remove(k, model.rows.pop(k))
                    continue
                row = _gen(kind, r)
                if unique and any(model.rows[k] == row and None not in row for k in model.rows):
                    continue
                if unique and kind == "float" and row[0] != row[0]:
                    continue
                next_key += 1
                index.add(next_key, row)
                model.rows[next_key] = row
                if r.random() < 0.2:  # an undone INSERT
                    index.remove(next_key, model.rows.pop(next_key))
            _check(index, model, r)

    def test_unorderable(self) -> None:
        index = OrderedIndex("ix", (0,), unique=False, kind="index")
        index.add(1, (1,))
        index.add(2, ("a",))
        assert not index.settled()
        assert index.ordered is False
        index2 = OrderedIndex("ix", (0,), unique=False, kind="index")
        index2.add(1, ({"a": 1},))
        index2.add(2, ({"b": 1},))
        assert not index2.settled()

    def test_unorderable_sql(self) -> None:
        from sqlalchemy import JSON

        md = MetaData()
        t = Table("j", md, Column("id", Integer, primary_key=True), Column("v", JSON), Index("ix_v", "v"))
        e = create_engine("memory://")
        md.create_all(e)
        with e.begin() as c:
            c.execute(insert(t), [{"id": i, "v": [i] if i % 2 else {"a": i}} for i in range(1, 11)])
            got = c.execute(select(t.c.id).order_by(t.c.id).limit(3)).scalars().all()
            assert got == [1, 2, 3]
            assert c.execute(select(func.count()).select_from(t)).scalar() == 10


# -- SQL against sqlite -------------------------------------------------------

def _item_table() -> Tuple[MetaData, Table]:
    md = MetaData()
    t = Table(
        "item", md, Column("id", Integer, primary_key=True), Column("active", Boolean, index=True),
        Column("category", String(10), index=True), Column("price", Float, index=True),
        Column("ts", Integer, index=True), Column("name", String(20)),
        Index("ix_cat_ts", "category", "ts"),
    )
    return md, t


def _item_rows(n: int, seed: int = 1) -> List[Dict[str, Any]]:
    r = random.Random(seed)
    return [
        dict(id=i, active=r.random() < 0.5, category=None if r.random() < 0.05 else "C%d" % r.randrange(11),
             price=None if r.random() < 0.1 else round(r.random() * 100, 2), ts=r.randrange(n) * 10, name="n%d" % i)
        for i in range(1, n + 1)
    ]


def _queries(t: Table, r: random.Random) -> List[Any]:
    cats = ["C%d" % i for i in range(11)]
    out = []
    for _ in range(120):
        p = round(r.random() * 100, 1)
        c = r.choice(cats)
        ts = r.randrange(6000)
        preds = [
            t.c.category == c, t.c.category.in_(r.sample(cats, 3)), t.c.category.notin_(r.sample(cats, 3)),
            t.c.price < p, t.c.price >= p, t.c.price.between(p, p + 5), t.c.price.is_(None), t.c.category.is_(None),
            t.c.category.like("C1%"), t.c.active == (r.random() < 0.5), t.c.ts > ts, t.c.ts.between(ts, ts + 500),
            (t.c.category == c) & (t.c.ts >= ts), t.c.id < r.randrange(600),
        ]
        where = r.choice(preds)
        col = r.choice([t.c.price, t.c.ts, t.c.category, t.c.id])
        o = col.desc() if r.random() < 0.5 else col.asc()
        o = r.choice([nulls_first, nulls_last])(o)
        lim, off = r.randrange(1, 30), r.choice([0, 0, r.randrange(50), r.randrange(700), 10000])
        out += [
            select(t.c.id).where(where).order_by(t.c.id),
            select(t.c.id).order_by(o, t.c.id).limit(lim).offset(off),
            select(t.c.id).where(where).order_by(o, t.c.id).limit(lim).offset(off),
            select(func.count()).select_from(t).where(where),
            select(func.min(col), func.max(col)),
            select(func.min(t.c.price), func.max(t.c.ts)).where(where),
            select(exists().where(where)),
            select(t.c.id).where(t.c.id.in_(select(t.c.id).where(where))).order_by(t.c.id).limit(lim),
        ]
    sub = t.alias("s")
    out.append(select(t.c.id).where(exists().where(sub.c.category == t.c.category, sub.c.price > t.c.price)).order_by(t.c.id))
    # offset inside the NULLs
    out.append(select(t.c.id).order_by(nulls_first(t.c.price.asc()), t.c.id).limit(5).offset(40))
    out.append(select(t.c.id).order_by(nulls_last(t.c.price.desc()), t.c.id).limit(5).offset(560))
    return out


class SqlAgainstSqliteTest(fixtures.TestBase):
    @pytest.mark.parametrize("block", [4, 1000])
    def test_random_queries(self, monkeypatch: Any, block: int) -> None:
        monkeypatch.setattr(indexes, "BLOCK", block)
        md, t = _item_table()
        mem, lite = create_engine("memory://"), create_engine("sqlite://")
        rows = _item_rows(600)
        for e in (mem, lite):
            md.create_all(e)
            with e.begin() as c:
                c.execute(insert(t), rows[:300])
                for row in rows[300:]:
                    c.execute(insert(t), row)  # single writes: the pending-merge path
                c.execute(t.delete().where(t.c.id % 7 == 0))
        r = random.Random(block)
        with mem.connect() as m, lite.connect() as s:
            for q in _queries(t, r):
                assert m.execute(q).all() == s.execute(q).all(), str(q)


# -- explain ------------------------------------------------------------------

@pytest.fixture(scope="module")
def item_engine() -> Any:
    md, t = _item_table()
    e = create_engine("memory://")
    md.create_all(e)
    r = random.Random(1)
    with e.begin() as c:
        c.execute(insert(t), [dict(id=i, active=r.random() < 0.5, category="C%d" % r.randrange(11), price=r.random() * 100,
                                   ts=i * 10, name="n%d" % i) for i in range(1, 20001)])
    return e, t


def _after(plan: str) -> str:
    return plan.split("WITH THESE PARAMETERS:", 1)[1] if "WITH THESE PARAMETERS:" in plan else plan


SHAPES = {
    "pk": (lambda t: select(t).where(t.c.id == 5), "PRIMARY KEY LOOKUP"),
    "first": (lambda t: select(t).where(t.c.category == "C3").limit(1), "INDEX ix_item_category"),
    "in_limit": (lambda t: select(t).where(t.c.category.in_(["C1", "C2"])).limit(5), "INDEX ix_item_category"),
    "bool_limit": (lambda t: select(t).where(t.c.active == True).limit(5), "INDEX ix_item_active"),  # noqa: E712
    "order_limit": (lambda t: select(t).order_by(t.c.price).limit(10), "ORDER BY order from ix_item_price"),
    "order_desc": (lambda t: select(t).order_by(t.c.price.desc()).limit(10), "ORDER BY order from ix_item_price"),
    "range": (lambda t: select(t).where(t.c.price.between(10, 10.2)), "INDEX ix_item_price"),
    "ts_range": (lambda t: select(t).where(t.c.ts >= 1000, t.c.ts < 2000).order_by(t.c.ts), "INDEX ix_item_ts"),
    "page": (lambda t: select(t).order_by(t.c.ts).limit(20).offset(15000), "ORDER BY order from ix_item_ts"),
    "minmax": (lambda t: select(func.min(t.c.price), func.max(t.c.price)), "min/max from the ends"),
    "count_range": (lambda t: select(func.count()).select_from(t).where(t.c.price < 5), "counted in ix_item_price"),
    "cat_order": (lambda t: select(t).where(t.c.category == "C3").order_by(t.c.price).limit(10), "ix_item_price"),
    "exists": (lambda t: select(exists().where(t.c.category == "C3")), "INDEX ix_item_category"),
    "in_sub": (lambda t: select(t).where(t.c.id.in_(select(t.c.id).where(t.c.price < 1))).limit(3), "INDEX ix_item_price"),
}


class ExplainTest(fixtures.TestBase):
    @pytest.mark.parametrize("shape", sorted(SHAPES))
    def test_shape(self, item_engine: Any, shape: str) -> None:
        e, t = item_engine
        build, want = SHAPES[shape]
        stmt = build(t)
        plan = explain(e, stmt)
        assert want in (plan if shape == "pk" else _after(plan)), plan
        if shape in ("range", "ts_range", "count_range", "first", "bool_limit"):
            assert "SCAN, " not in _after(plan)
        sql = str(stmt.compile(e, compile_kwargs={"literal_binds": True}))
        with e.connect() as c:
            for lines in (
                c.execute(text("EXPLAIN " + sql)).all(),
                c.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all(),
            ):
                got = "\n".join(row[0] for row in lines)
                assert want in got, got
            assert list(c.execute(text("EXPLAIN " + sql)).keys()) == ["QUERY PLAN"]

    def test_scan_when_no_index(self, item_engine: Any) -> None:
        e, t = item_engine
        assert "SCAN, 20000 rows" in _after(explain(e, select(t).where(t.c.name == "n5")))


# -- fallbacks ----------------------------------------------------------------

class FallbackTest(fixtures.TestBase):
    def _engine(self) -> Tuple[Any, Table]:
        md, t = _item_table()
        e = create_engine("memory://")
        md.create_all(e)
        with e.begin() as c:
            c.execute(insert(t), _item_rows(200))
        return e, t

    def test_other_connections_writes(self) -> None:
        e, t = self._engine()
        q = select(t.c.id).where(t.c.price < 50).order_by(t.c.id)
        with e.connect() as c0:
            before = c0.execute(q).all()
        w, rd = e.connect(), e.connect()
        try:
            w.begin()
            w.execute(insert(t), [dict(id=1000 + i, price=1.0, category="C1", ts=5, active=True, name="x") for i in range(5)])
            w.execute(t.delete().where(t.c.id < 20))
            assert len(w.execute(q).all()) != len(before)  # its own writes are seen
            assert w.execute(select(func.count()).select_from(t).where(t.c.id >= 1000)).scalar() == 5
            rd.begin()
            assert rd.execute(q).all() == before
            assert rd.execute(select(t.c.id).order_by(t.c.price, t.c.id).limit(5)).all() == \
                [r for r in rd.execute(select(t.c.id).order_by(t.c.price, t.c.id)).all()][:5]
            plan = explain(rd, q)
            assert "SCAN" in _after(plan), plan
            w.rollback()
        finally:
            w.close()
            rd.close()

    def test_nan(self) -> None:
        md = MetaData()
        t = Table("f", md, Column("id", Integer, primary_key=True), Column("x", Float, index=True))
        e = create_engine("memory://")
        md.create_all(e)
        vals = [1.0, float("nan"), None, -2.0, 3.5, float("nan"), 0.0]
        with e.begin() as c:
            c.execute(insert(t), [{"id": i, "x": v} for i, v in enumerate(vals)])
            lt = c.execute(select(t.c.id).where(t.c.x < 2).order_by(t.c.id)).scalars().all()
            assert lt == [0, 3, 6]
            assert c.execute(select(t.c.id).where(t.c.x.between(-5, 5)).order_by(t.c.id)).scalars().all() == [0, 3, 4, 6]
            got = c.execute(select(t.c.id, t.c.x).order_by(t.c.x, t.c.id).limit(10)).all()
            assert len(got) == 7
            non_nan = [x for _, x in got if x is not None and x == x]
            assert non_nan == sorted(non_nan)
            mn, mx = c.execute(select(func.min(t.c.x), func.max(t.c.x))).one()
            assert (mn, mx) == (-2.0, 3.5) or math.isnan(mn) or math.isnan(mx)

    def test_limit_subset(self) -> None:
        e, t = self._engine()
        with e.connect() as c:
            for where in (t.c.price < 40, t.c.category.in_(["C1", "C2"]), t.c.active == True, t.c.ts > 500):  # noqa: E712
                full = {r.id: r for r in c.execute(select(t).where(where))}
                for k in (1, 3, 7, len(full) + 5):
                    got = c.execute(select(t).where(where).limit(k)).all()
                    assert len(got) == min(k, len(full))
                    assert len({r.id for r in got}) == len(got)
                    assert all(full[r.id] == r for r in got)
