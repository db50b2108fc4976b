"""Query shapes at scale: memory:// versus in-memory SQLite, same process, same run.

The shapes users write (primary-key get, ``.first()``, LIMIT, ORDER BY ...
LIMIT, ranges, time ranges, pagination, MIN/MAX, COUNT, filtered select-all,
bulk insert, update and delete by primary key), through Core and the ORM, on
one table at several sizes (``--sizes``, default 2k / 20k / 100k / 500k rows).
Each size's table is built once per backend with one bulk insert; then every
shape runs ``--repeat`` times per backend, the backends interleaved (their
order alternating), and the best ms/op of each backend is reported with the
ratio memory / sqlite.  Every statement is built once with bind parameters;
its parameters come from ``random.Random`` seeded with (seed, size, shape,
repeat), so both backends get the same inputs, and the results of both are
compared (outside the timed blocks) so neither can do less work.

Run:  python bench/shapes.py [--sizes 2000,20000,100000,500000] [--api core,orm]
      [--repeat 3] [--shapes NAME,...] [--markdown|--json] [--chart out.svg]
      python bench/shapes.py --from-json shapes.json --chart docs/_static/shapes.svg \
          --csv-dir docs/_static      (redraw the docs' chart and tables from a saved run)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import random
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import _common
from _common import check, log

import sqlalchemy
from sqlalchemy import (Boolean, Column, DateTime, Float, Integer, MetaData, String, Table,
                        bindparam, delete, func, insert, select, update)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, registry

DEFAULT_SIZES = (2_000, 20_000, 100_000, 500_000)
CATEGORIES = tuple("c%02d" % i for i in range(11))  # 11 values
T0 = dt.datetime(2024, 1, 1)
TS_STEP = 60  # seconds of ts range per row on average
BULK_ROWS = 2_000  # rows per bulk-insert batch

metadata = MetaData()
item = Table(
    "item",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("active", Boolean, nullable=False, index=True),
    Column("category", String(10), nullable=False, index=True),
    Column("price", Float, nullable=False, index=True),
    Column("ts", DateTime, nullable=False, index=True),
    Column("name", String(30), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("weight", Float, nullable=False),
)


class Item:
    """ORM class mapped imperatively onto ``item``."""

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


registry().map_imperatively(Item, item)
c = item.c


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def make_row(rng: random.Random, id_: int, size: int) -> Dict[str, Any]:
    """One row of the table; ``ts`` spreads over ``size * TS_STEP`` seconds."""
    return {
        "id": id_,
        "active": rng.random() < 0.5,
        "category": CATEGORIES[rng.randrange(len(CATEGORIES))],
        "price": rng.random() * 1000.0,
        "ts": T0 + dt.timedelta(seconds=rng.randrange(size * TS_STEP)),
        "name": "item-%07d" % id_,
        "qty": rng.randrange(100),
        "weight": rng.random() * 100.0,
    }


def make_rows(seed: int, size: int) -> List[Dict[str, Any]]:
    rng = random.Random("%s-rows-%d" % (seed, size))
    return [make_row(rng, k, size) for k in range(1, size + 1)]


# --------------------------------------------------------------------------
# the filtered select-all mix (the 500 random filters)
# --------------------------------------------------------------------------
def _filter_spec(rng: random.Random) -> Tuple[tuple, Dict[str, Any]]:
    """A random filter: (structure key, bind values).  1-3 conditions from
    ==/!= on the Boolean, IN / NOT IN on the String, </>/<= on Floats."""
    cols = rng.sample(["active", "category", "price", "weight"], rng.randint(1, 3))
    key, values = [], {}
    for col in sorted(cols):
        if col == "active":
            op = rng.choice(["==", "!="])
            values["active"] = rng.random() < 0.5
        elif col == "category":
            op = rng.choice(["in", "notin"])
            values["cats"] = rng.sample(CATEGORIES, rng.randint(1, 6))
        else:
            op = rng.choice(["<", ">", "<="])
            values[col] = rng.random() * (1000.0 if col == "price" else 100.0)
        key.append((col, op))
    return tuple(key), values


def _filter_where(key: tuple) -> list:
    out = []
    for col, op in key:
        if col == "active":
            p = bindparam("active")
            out.append(c.active == p if op == "==" else c.active != p)
        elif col == "category":
            p = bindparam("cats", expanding=True)
            out.append(c.category.in_(p) if op == "in" else c.category.not_in(p))
        else:
            p = bindparam(col)
            col_ = c[col]
            out.append(col_ < p if op == "<" else col_ > p if op == ">" else col_ <= p)
    return out


# --------------------------------------------------------------------------
# shapes
# --------------------------------------------------------------------------
@dataclass
class Ctx:
    """What a shape's run function gets: a Connection (Core) or Session (ORM)."""

    api: str
    conn: Any
    cache: Dict[Any, Any] = field(default_factory=dict)


@dataclass
class Shape:
    """A named step: ``params(rng, size, ops)`` -> list of op parameters;
    ``core``/``orm`` run one op and return something ``sig`` summarises."""

    name: str
    bar: float  # the ratio the bar asks for
    params: Callable[[random.Random, int, int], List[Any]]
    core: Callable[[Ctx, Any], Any]
    orm: Callable[[Ctx, Any], Any]
    sig: Callable[[Any], Any]
    ops_scale: Callable[[int, int, str], int] = lambda ops, size, api: ops
    write: bool = False
    per: str = "op"


def _ids(rows) -> tuple:
    return tuple(r.id for r in rows)


def _count_sum(rows) -> tuple:
    return (len(rows), sum(r.id for r in rows))


def _first_cat(row) -> Any:
    return None if row is None else row.category


def _stmt(ctx: Ctx, key: Any, build: Callable[[], Any]) -> Any:
    s = ctx.cache.get(key)
    if s is None:
        s = ctx.cache[key] = build()
    return s


def _runner(key: Any, build: Callable[[], Any],
            call: Callable[[Any, Any, Any], Any]) -> Callable[[Ctx, Any], Any]:
    """An op running the statement ``build()`` (made once per step) as ``call(conn, stmt, p)``."""
    def run(ctx: Ctx, p: Any) -> Any:
        return call(ctx.conn, _stmt(ctx, key, build), p)
    return run


def _core_all(key: Any, build: Callable[[], Any]) -> Callable[[Ctx, Any], Any]:
    return _runner(key, build, lambda conn, stmt, p: conn.execute(stmt, p).all())


def _orm_all(key: Any, build: Callable[[], Any]) -> Callable[[Ctx, Any], Any]:
    return _runner(key, build, lambda conn, stmt, p: conn.scalars(stmt, p).all())


def _core_scalar(key: Any, build: Callable[[], Any]) -> Callable[[Ctx, Any], Any]:
    return _runner(key, build, lambda conn, stmt, p: conn.execute(stmt, p).scalar())


def _orm_scalar(key: Any, build: Callable[[], Any]) -> Callable[[Ctx, Any], Any]:
    return _runner(key, build, lambda conn, stmt, p: conn.scalar(stmt, p))


def _both_all(key, where_order: Callable[[Any], Any]) -> Tuple[Callable, Callable]:
    """Core ``select(item)...`` and ORM ``select(Item)...`` with the same clauses."""
    return (_core_all(("core",) + key, lambda: where_order(select(item))),
            _orm_all(("orm",) + key, lambda: where_order(select(Item))))


def _narrow(size: int, want: int = 50) -> float:
    return 1000.0 * want / size


def _p_pk(rng, size, ops):
    return [{"id": rng.randint(1, size)} for _ in range(ops)]


def _p_cat(rng, size, ops):
    return [{"cat": rng.choice(CATEGORIES)} for _ in range(ops)]


def _p_cats(rng, size, ops):
    return [{"cats": rng.sample(CATEGORIES, 2)} for _ in range(ops)]


def _p_none(rng, size, ops):
    return [{} for _ in range(ops)]


def _p_price_between(rng, size, ops):
    w = _narrow(size)
    out = []
    for _ in range(ops):
        a = rng.random() * (1000.0 - w)
        out.append({"lo": a, "hi": a + w})
    return out


def _p_ts_range(rng, size, ops, want: int = 50):
    span = size * TS_STEP
    w = want * TS_STEP
    out = []
    for _ in range(ops):
        a = rng.randrange(span - w)
        out.append({"lo": T0 + dt.timedelta(seconds=a), "hi": T0 + dt.timedelta(seconds=a + w)})
    return out


def _p_count_range(rng, size, ops):
    return _p_ts_range(rng, size, ops, want=max(50, size // 10))


def _p_offset(rng, size, ops):
    return [{"off": rng.randint(size // 2, size - 20)} for _ in range(ops)]


def _p_minmax(rng, size, ops):
    return [{"max": i % 2 == 1} for i in range(ops)]


def _p_filter(rng, size, ops):
    return [_filter_spec(rng) for _ in range(ops)]


def _filter_ops(ops: int, size: int, api: str) -> int:
    """Filtered select-all loads ~1/4 of the table per op: keep rows loaded bounded."""
    return max(3, min(ops, 2_000_000 // size))


def _first_ops(ops: int, size: int, api: str) -> int:
    """The ORM's ``.first()`` loads every matching row (1/11 of the table)."""
    return ops if api == "core" else max(5, min(ops, 2_000_000 // size))


def _core_filter(limit: Optional[int]):
    def run(ctx: Ctx, p):
        key, values = p
        stmt = _stmt(ctx, ("fcore", key, limit), lambda: _fbuild(select(item), key, limit))
        return ctx.conn.execute(stmt, values).all()
    return run


def _orm_filter(limit: Optional[int]):
    def run(ctx: Ctx, p):
        key, values = p
        stmt = _stmt(ctx, ("form", key, limit), lambda: _fbuild(select(Item), key, limit))
        return ctx.conn.scalars(stmt, values).all()
    return run


def _fbuild(sel, key, limit):
    sel = sel.where(*_filter_where(key))
    return sel if limit is None else sel.limit(limit)


# first(): no LIMIT in the SQL, the result is closed after one row.
def _core_first(ctx: Ctx, p):
    stmt = _stmt(ctx, "core-first", lambda: select(item).where(c.category == bindparam("cat")))
    return ctx.conn.execute(stmt, p).first()


def _orm_first(ctx: Ctx, p):
    stmt = _stmt(ctx, "orm-first", lambda: select(Item).where(c.category == bindparam("cat")))
    return ctx.conn.scalars(stmt, p).first()


def _core_get(ctx: Ctx, p):
    stmt = _stmt(ctx, "core-get", lambda: select(item).where(c.id == bindparam("id")))
    return ctx.conn.execute(stmt, p).first()


def _orm_get(ctx: Ctx, p):
    return ctx.conn.get(Item, p["id"])


def _minmax_build(is_max: bool, orm: bool):
    fn = func.max if is_max else func.min
    return select(fn(Item.price if orm else c.price))


def _core_minmax(ctx: Ctx, p):
    stmt = _stmt(ctx, ("cmm", p["max"]), lambda: _minmax_build(p["max"], False))
    return ctx.conn.execute(stmt).scalar()


def _orm_minmax(ctx: Ctx, p):
    stmt = _stmt(ctx, ("omm", p["max"]), lambda: _minmax_build(p["max"], True))
    return ctx.conn.scalar(stmt)


def _count_build():
    return (select(func.count()).select_from(item)
            .where(c.ts >= bindparam("lo"), c.ts < bindparam("hi")))


# writes --------------------------------------------------------------------
def _p_bulk(rng, size, ops):
    # One batch; ids above any table's own, distinct per call (rng-drawn base).
    base = 10_000_000 + rng.randrange(1_000_000) * BULK_ROWS
    return [[make_row(rng, base + k, size) for k in range(BULK_ROWS)]]


# After the insert, one read through each index: memory:// merges index
# writes at an index's next read, SQLite during the INSERT; both pay here.
_FIRST_BY = [select(c.id).order_by(col, c.id).limit(1) for col in (c.active, c.category, c.price, c.ts)]


def _core_bulk(ctx: Ctx, rows):
    ctx.conn.execute(insert(item), rows)
    ctx.conn.commit()
    return len(rows), tuple(ctx.conn.execute(s).scalar() for s in _FIRST_BY)


def _orm_bulk(ctx: Ctx, rows):
    ctx.conn.add_all([Item(**r) for r in rows])
    ctx.conn.commit()
    return len(rows), tuple(ctx.conn.scalar(s) for s in _FIRST_BY)


def _p_update(rng, size, ops):
    return [{"pid": rng.randint(1, size), "p": rng.random() * 1000.0} for _ in range(ops)]


_UPD = update(item).where(c.id == bindparam("pid")).values(price=bindparam("p"))


def _core_update(ctx: Ctx, p):
    n = ctx.conn.execute(_UPD, p).rowcount
    ctx.conn.commit()
    return n


def _orm_update(ctx: Ctx, p):
    obj = ctx.conn.get(Item, p["pid"])
    if obj is not None:
        obj.price = p["p"]
    ctx.conn.commit()
    return obj is not None


_DEL = delete(item).where(c.id == bindparam("pid"))


def _core_delete(ctx: Ctx, p):
    n = ctx.conn.execute(_DEL, p).rowcount
    ctx.conn.commit()
    return n


def _orm_delete(ctx: Ctx, p):
    obj = ctx.conn.get(Item, p["pid"])
    if obj is not None:
        ctx.conn.delete(obj)
    ctx.conn.commit()
    return obj is not None


def _delete_params(seed: int, size: int) -> Iterator[int]:
    """Distinct ids to delete, shared by every repetition and API of a size."""
    pool = list(range(1, size + 1))
    random.Random("%s-delete-%d" % (seed, size)).shuffle(pool)
    return iter(pool)


SHAPES: List[Shape] = [
    Shape("pk get", 1.0, _p_pk, _core_get, _orm_get,
          lambda r: tuple(None if x is None else x.id for x in r)),
    Shape("first() category ==", 0.5, _p_cat, _core_first, _orm_first,
          lambda r: tuple(_first_cat(x) for x in r), ops_scale=_first_ops),
    Shape("category IN limit 5", 0.5, _p_cats,
          *_both_all(("in5",), lambda s: s.where(c.category.in_(bindparam("cats", expanding=True)))
                     .limit(5)),
          sig=lambda r: tuple(len(x) for x in r)),
    Shape("active == True limit 5", 0.5, _p_none,
          *_both_all(("act5",), lambda s: s.where(c.active == True).limit(5)),  # noqa: E712
          sig=lambda r: tuple(len(x) for x in r)),
    Shape("order_by price limit 10", 0.5, _p_none,
          *_both_all(("ob",), lambda s: s.order_by(c.price).limit(10)),
          sig=lambda r: tuple(_ids(x) for x in r)),
    Shape("order_by price desc limit 10", 0.5, _p_none,
          *_both_all(("obd",), lambda s: s.order_by(c.price.desc()).limit(10)),
          sig=lambda r: tuple(_ids(x) for x in r)),
    Shape("price between (~50 rows)", 0.5, _p_price_between,
          *_both_all(("btw",), lambda s: s.where(c.price.between(bindparam("lo"), bindparam("hi")))),
          sig=lambda r: tuple(sorted(_ids(x)) for x in r)),
    Shape("ts range order_by ts (~50 rows)", 0.5, _p_ts_range,
          *_both_all(("tsr",), lambda s: s.where(c.ts >= bindparam("lo"), c.ts < bindparam("hi"))
                     .order_by(c.ts, c.id)),
          sig=lambda r: tuple(_ids(x) for x in r)),
    Shape("order_by ts limit 20 offset deep", 0.5, _p_offset,
          *_both_all(("page",), lambda s: s.order_by(c.ts, c.id).limit(20)
                     .offset(bindparam("off"))),
          sig=lambda r: tuple(_ids(x) for x in r)),
    Shape("min/max price", 0.5, _p_minmax, _core_minmax, _orm_minmax, sig=tuple),
    Shape("count(*) ts range (10%)", 0.5, _p_count_range,
          _core_scalar("core-count", _count_build), _orm_scalar("orm-count", _count_build),
          sig=tuple),
    Shape("category == order_by price limit 10", 0.5, _p_cat,
          *_both_all(("catob",), lambda s: s.where(c.category == bindparam("cat"))
                     .order_by(c.price).limit(10)),
          sig=lambda r: tuple(_ids(x) for x in r)),
    Shape("filtered select-all .all()", 1.0, _p_filter, _core_filter(None), _orm_filter(None),
          sig=lambda r: tuple(_count_sum(x) for x in r), ops_scale=_filter_ops),
    Shape("filtered select-all limit 5", 0.5, _p_filter, _core_filter(5), _orm_filter(5),
          sig=lambda r: tuple(len(x) for x in r)),
    Shape("bulk insert (per row)", 1.0, _p_bulk, _core_bulk, _orm_bulk, sig=tuple,
          write=True, per="row"),
    Shape("update by pk", 1.0, _p_update, _core_update, _orm_update, sig=tuple, write=True),
    Shape("delete by pk", 1.0, lambda rng, size, ops: [], _core_delete, _orm_delete, sig=tuple,
          write=True),
]


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------
def _ops_for(shape: Shape, ops: int, size: int, api: str) -> int:
    return shape.ops_scale(ops, size, api)


def build(engine: Engine, rows: List[Dict[str, Any]]) -> float:
    """Create and fill the table with one bulk insert; seconds taken."""
    metadata.drop_all(engine)
    metadata.create_all(engine)
    gc.collect()
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(item), rows)
    return time.perf_counter() - t0


def _cleanup_bulk(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(item).where(c.id >= 10_000_000))


def run_step(api: str, engine: Engine, shape: Shape, params: List[Any]) -> Tuple[float, Any]:
    """Run one shape's ops on one backend; (seconds, result signature)."""
    if api == "core":
        conn = engine.connect()
    else:
        conn = Session(engine, expire_on_commit=False)
    ctx = Ctx(api, conn)
    fn = shape.core if api == "core" else shape.orm
    try:
        # Build the statements outside the timer (one warm-up op on a read;
        # writes get theirs from the plan cache on the first op).
        if not shape.write and params:
            fn(ctx, params[0])
            conn.rollback()
            if api == "orm":
                conn.expunge_all()
        gc.collect()
        t0 = time.perf_counter()
        out = [fn(ctx, p) for p in params]
        if not shape.write:
            conn.commit()
        elapsed = time.perf_counter() - t0
        sig = shape.sig(out)
    finally:
        conn.close()
    if shape.name.startswith("bulk insert"):
        _cleanup_bulk(engine)
    return elapsed, sig


def run_size(size: int, args: argparse.Namespace, shapes: List[Shape], backends: List[str],
             apis: List[str], urls: Dict[str, str]) -> Dict[str, Any]:
    rows = make_rows(args.seed, size)
    engines = {b: _common.make_engine(b, urls[b]) for b in backends}
    build_s = {}
    for b in backends:
        log("size %d: building %s ..." % (size, b))
        build_s[b] = build(engines[b], rows)
    del rows
    gc.collect()
    deletes = _delete_params(args.seed, size)
    # Fewer ops on big tables (about 1/sqrt(size) beyond 20k rows).
    ops = max(10, int(args.ops * min(1.0, (20_000 / size) ** 0.5)))
    out: Dict[str, Any] = {"build_seconds": build_s, "ops": ops, "steps": {}}
    try:
        for api in apis:
            for shape in shapes:
                n = _ops_for(shape, ops, size, api)
                best = {b: float("inf") for b in backends}
                units = 1
                for r in range(args.repeat):
                    if shape.name == "delete by pk":
                        params = [{"pid": next(deletes)} for _ in range(n)]
                    else:
                        rng = random.Random("%s-%d-%s-%s-%d" % (args.seed, size, api, shape.name, r))
                        params = shape.params(rng, size, n)
                    units = len(params) * (BULK_ROWS if shape.per == "row" else 1)
                    order = backends if r % 2 == 0 else list(reversed(backends))
                    ref = None
                    for b in order:
                        t, sig = run_step(api, engines[b], shape, params)
                        best[b] = min(best[b], t)
                        if ref is None:
                            ref = (b, sig)
                        check(sig == ref[1], "size %d %s %r: %s saw %r but %s saw %r" % (
                            size, api, shape.name, b, str(sig)[:300], ref[0], str(ref[1])[:300]))
                ms = {b: best[b] * 1000.0 / units for b in backends}
                entry = {"ms_per_op": ms, "ops": units, "per": shape.per, "bar": shape.bar}
                if "memory" in ms and "sqlite" in ms and ms["sqlite"]:
                    entry["ratio"] = ms["memory"] / ms["sqlite"]
                out["steps"]["%s|%s" % (api, shape.name)] = entry
                log("size %d %s %-36s %s%s" % (
                    size, api, shape.name,
                    "  ".join("%s %.4f ms" % (b, ms[b]) for b in backends),
                    "  ratio %.2f" % entry["ratio"] if "ratio" in entry else ""))
    finally:
        for e in engines.values():
            metadata.drop_all(e)
            e.dispose()
    return out


# --------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------
def _fmt_ms(v: float) -> str:
    return "%.4f" % v if v < 0.1 else "%.3f" % v if v < 10 else "%.1f" % v


def report_markdown(result: Dict[str, Any]) -> str:
    """One table per API: a row per shape, per size memory ms, sqlite ms, ratio."""
    sizes = [int(s) for s in result["sizes"]]
    lines = []
    v = result["versions"]
    lines.append("**shapes**: repeat=%d (best of), seed=%d; python %s, SQLAlchemy %s, sqlite %s; "
                 "engine %s" % (result["repeat"], result["seed"], v["python"], v["sqlalchemy"],
                                v["sqlite"], result.get("engine", "?")))
    lines.append("")
    for api in result["apis"]:
        lines.append("%s: ms/op memory / sqlite (ratio); **bold** ratio misses the bar"
                     % ("Core (`Connection`)" if api == "core" else "ORM (`Session`)"))
        lines.append("")
        head = ["shape"] + ["%s rows" % _size_label(s) for s in sizes] + [_growth_label(sizes)]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(sizes) + 1)) + "|")
        for name in result["shapes"]:
            cells = [name]
            for s in sizes:
                e = result["by_size"][str(s)]["steps"].get("%s|%s" % (api, name))
                if e is None:
                    cells.append("-")
                    continue
                ms = e["ms_per_op"]
                if "ratio" in e:
                    r = "%.2f" % e["ratio"]
                    if e["ratio"] > e["bar"]:
                        r = "**%s**" % r
                    cells.append("%s / %s (%s)" % (_fmt_ms(ms["memory"]), _fmt_ms(ms["sqlite"]), r))
                else:
                    cells.append(" / ".join(_fmt_ms(x) for x in ms.values()))
            cells.append(_growth(result, api, name, sizes))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def report_ratios(result: Dict[str, Any]) -> str:
    """The headline: memory / sqlite per shape and size, Core and ORM side by side."""
    sizes = [int(s) for s in result["sizes"]]
    apis = result["apis"]
    head = ["shape"] + ["%s %s" % (api if api == "orm" else "Core", _size_label(s)) for api in apis
                        for s in sizes]
    head = [h.replace("orm ", "ORM ") for h in head]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for name in result["shapes"]:
        cells = [name]
        for api in apis:
            for s in sizes:
                e = result["by_size"][str(s)]["steps"].get("%s|%s" % (api, name))
                if not e or "ratio" not in e:
                    cells.append("-")
                else:
                    r = "%.2f" % e["ratio"]
                    cells.append("**%s**" % r if e["ratio"] > e["bar"] else r)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_csv(result: Dict[str, Any], directory: str) -> List[str]:
    """``shapes_<api>.csv`` per API in ``directory`` (for the docs' csv-table):
    a row per shape, per size "memory / sqlite ms (ratio)"."""
    import csv
    import os

    os.makedirs(directory, exist_ok=True)
    sizes = [int(s) for s in result["sizes"]]
    paths = []
    for api in result["apis"]:
        path = os.path.join(directory, "shapes_%s.csv" % api)
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["shape", "bar"] + ["%s rows" % _size_label(s) for s in sizes]
                       + [_growth_label(sizes)])
            for name in result["shapes"]:
                row = [name, ""]
                for s in sizes:
                    e = result["by_size"][str(s)]["steps"].get("%s|%s" % (api, name))
                    if e is None or "ratio" not in e:
                        row.append("")
                        continue
                    row[1] = "%.1f" % e["bar"]
                    ms = e["ms_per_op"]
                    r = "%.2f" % e["ratio"]
                    if e["ratio"] > e["bar"]:
                        r = "**%s**" % r  # reStructuredText (and markdown) bold
                    row.append("%s / %s (%s)" % (_fmt_ms(ms["memory"]), _fmt_ms(ms["sqlite"]), r))
                w.writerow(row + [_growth(result, api, name, sizes)])
        paths.append(path)
    return paths


def _growth_label(sizes: List[int]) -> str:
    return "memory %s / %s" % (_size_label(max(sizes)), _size_label(min(sizes)))


def _growth(result: Dict[str, Any], api: str, name: str, sizes: List[int]) -> str:
    """memory://'s latency at the largest size over the smallest ("flat" is ~1)."""
    by = result["by_size"]
    a = by[str(max(sizes))]["steps"].get("%s|%s" % (api, name))
    b = by[str(min(sizes))]["steps"].get("%s|%s" % (api, name))
    if not a or not b or "memory" not in a["ms_per_op"]:
        return "-"
    return "%.1fx" % (a["ms_per_op"]["memory"] / b["ms_per_op"]["memory"])


def _size_label(n: int) -> str:
    return "%dk" % (n // 1000) if n % 1000 == 0 and n >= 1000 else str(n)


# --------------------------------------------------------------------------
# chart: a hand-written SVG, latency against size, log-log, a panel per shape
# --------------------------------------------------------------------------
COLORS = {"memory": "#1f77b4", "sqlite": "#d62728"}
DASH = {"core": "", "orm": "5,3"}


def chart_svg(result: Dict[str, Any], cols: int = 4) -> str:
    """Small multiples: one panel per shape, ms/op vs rows on log-log axes,
    a line per backend (colour) and API (solid Core, dashed ORM)."""
    import math

    sizes = [int(s) for s in result["sizes"]]
    names = result["shapes"]
    pw, ph, m = 230, 150, 38  # panel size, inner margin
    rows_n = (len(names) + cols - 1) // cols
    W, H = cols * pw + 10, rows_n * ph + 50
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" font-family="sans-serif" font-size="9">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>']
    lx = lambda n: math.log10(n)  # noqa: E731
    x0, x1 = lx(min(sizes)), lx(max(sizes))
    if x1 == x0:
        x1 = x0 + 1
    for i, name in enumerate(names):
        px, py = (i % cols) * pw + 5, (i // cols) * ph + 5
        series = []
        for api in result["apis"]:
            for b in result["backends"]:
                pts = []
                for s in sizes:
                    e = result["by_size"][str(s)]["steps"].get("%s|%s" % (api, name))
                    if e and e["ms_per_op"].get(b):
                        pts.append((s, e["ms_per_op"][b]))
                if pts:
                    series.append((api, b, pts))
        vals = [v for _, _, pts in series for _, v in pts]
        if not vals:
            continue
        y0 = math.floor(math.log10(min(vals)))
        y1 = math.ceil(math.log10(max(vals)))
        if y1 == y0:
            y1 += 1
        ax, ay, aw, ah = px + m, py + 18, pw - m - 10, ph - 18 - 22

        def X(n: float) -> float:
            return ax + (lx(n) - x0) / (x1 - x0) * aw

        def Y(v: float) -> float:
            return ay + ah - (math.log10(v) - y0) / (y1 - y0) * ah

        out.append('<text x="%.1f" y="%.1f" font-size="10" font-weight="bold">%s</text>'
                   % (px + 4, py + 11, _esc(name)))
        out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>'
                   % (ax, ay, aw, ah))
        for e in range(y0, y1 + 1):
            y = Y(10 ** e)
            out.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#eee"/>'
                       % (ax, ax + aw, y, y))
            out.append('<text x="%.1f" y="%.1f" text-anchor="end">%s</text>'
                       % (ax - 3, y + 3, _tick(10 ** e)))
        for s in sizes:
            out.append('<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>'
                       % (X(s), ay + ah + 10, _size_label(s)))
        for api, b, pts in series:
            d = " ".join("%.1f,%.1f" % (X(s), Y(v)) for s, v in pts)
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"%s/>'
                       % (d, COLORS.get(b, "#000"),
                          ' stroke-dasharray="%s"' % DASH[api] if DASH.get(api) else ""))
            for s, v in pts:
                out.append('<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>'
                           % (X(s), Y(v), COLORS.get(b, "#000")))
    # legend
    ly = H - 22
    x = 10
    out.append('<text x="%d" y="%d" font-size="10">ms/op (log) against table rows (log):</text>'
               % (x, ly + 4))
    x += 200
    for api in result["apis"]:
        for b in result["backends"]:
            out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                       % (x, x + 24, ly, ly, COLORS.get(b, "#000"),
                          ' stroke-dasharray="%s"' % DASH[api] if DASH.get(api) else ""))
            out.append('<text x="%d" y="%d" font-size="10">%s %s</text>'
                       % (x + 28, ly + 4, b + "://", api.upper() if api == "orm" else "Core"))
            x += 120
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _tick(v: float) -> str:
    return ("%g" % v) if v >= 0.001 else "%.0e" % v


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
def engine_revision() -> str:
    """The checkout's commit, "+dirty" when sqlalchemy_memory/ has uncommitted changes."""
    import subprocess

    root = _common._REPO_ROOT
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "sqlalchemy_memory"], cwd=root,
                               text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+dirty" if dirty else "")


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                   help="comma separated table sizes (default 2000,20000,100000,500000)")
    p.add_argument("--ops", type=int, default=200,
                   help="ops per read/write step at <= 20k rows (fewer above; default 200)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions, best of (default 3)")
    p.add_argument("--api", default="core,orm", help="core, orm or both (default)")
    p.add_argument("--shapes", default="", help="comma separated substrings of shape names")
    p.add_argument("--backends", default="memory,sqlite")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--memory-url", default=_common.DEFAULT_URLS["memory"])
    p.add_argument("--sqlite-url", default=_common.DEFAULT_URLS["sqlite"])
    p.add_argument("--chart", metavar="SVG", help="also write a latency-vs-size chart")
    p.add_argument("--csv-dir", metavar="DIR",
                   help="also write shapes_core.csv / shapes_orm.csv there (the docs' tables)")
    p.add_argument("--from-json", metavar="FILE",
                   help="do not run: report (and chart) a saved --json result")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--markdown", action="store_true")
    out.add_argument("--json", action="store_true")
    out.add_argument("--ratios", action="store_true",
                     help="print only the memory / sqlite ratios (README's headline table)")
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            result = json.load(f)
    else:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        apis = [a.strip() for a in args.api.split(",") if a.strip()]
        if not set(apis) <= {"core", "orm"}:
            raise SystemExit("--api: core and/or orm")
        backends = _common.parse_backends(args.backends)
        want = [w.strip() for w in args.shapes.split(",") if w.strip()]
        shapes = [s for s in SHAPES if not want or any(w in s.name for w in want)]
        urls = {"memory": args.memory_url, "sqlite": args.sqlite_url}
        result = {
            "benchmark": "shapes", "sizes": sizes, "apis": apis, "backends": backends,
            "repeat": args.repeat, "seed": args.seed, "urls": urls,
            "shapes": [s.name for s in shapes],
            "versions": {"python": platform.python_version(),
                         "sqlalchemy": sqlalchemy.__version__,
                         "sqlite": sqlite3.sqlite_version},
            "engine": engine_revision(),
            "by_size": {},
        }
        t0 = time.perf_counter()
        for size in sizes:
            result["by_size"][str(size)] = run_size(size, args, shapes, backends, apis, urls)
        result["wall_seconds"] = time.perf_counter() - t0
    if args.chart:
        with open(args.chart, "w") as f:
            f.write(chart_svg(result))
        log("wrote %s" % args.chart)
    if args.csv_dir:
        for path in write_csv(result, args.csv_dir):
            log("wrote %s" % path)
    if args.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    elif args.ratios:
        print(report_ratios(result))
    else:
        print(report_markdown(result))
    return result


if __name__ == "__main__":
    main()
