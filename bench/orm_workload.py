"""ORM workload: memory:// with a plain Session and with MemorySession, versus
in-memory SQLite, same process, same run.

Steps (each timed separately, gc.collect() before each, checks run outside
the timed blocks; see bench/README.md):

  insert    ROWS Item objects built and session.add_all()-ed, one commit
  select    OPS selects in one session, alternating
              select(Item).where(Item.id == i)
              select(Item).where(Item.category == c).order_by(Item.id).limit(20)
            via session.execute(stmt).scalars().all()
  filtered  one session holds its working set (select(Item) .all(), not
            timed), then OPS filtered selects (category IN 5 of 20, price range, qty
            range, a conjunction; ~25% of the rows each) .scalars().all()
  cold      the same OPS filtered selects in a fresh session, results
            dropped after each (every object is built anew: the seed's
            benchmark shape)
  limit     the same OPS filtered selects with .limit(5), fresh session
  get       GETS x session.get(Item, id) on a fresh session (distinct ids)
  update    OPS x (session.get(Item, id); obj.price = new; session.commit())
  delete    OPS x (session.delete(session.get(Item, id)); session.commit())

Columns: ``memory`` (sqlalchemy.orm.Session on memory://), ``memsession``
(sqlalchemy_memory.MemorySession on memory://), ``sqlite`` (Session on
sqlite://); ratios are each memory column over sqlite, in the same run.

Run:  python bench/orm_workload.py [--backends memory,memsession,sqlite]
      [--rows 20000] [--ops 500] [--gets 5000] [--repeat 3] [--steps a,b]
      [--markdown|--json]
"""

from __future__ import annotations

import json
import platform
import random
from typing import Any, Dict, List, Optional, Tuple

import _common
from _common import Params, Timer, check, expected_table_state, log, table_state

import sqlalchemy
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

STEPS = ["insert", "select", "filtered", "cold", "limit", "get", "update", "delete"]
COLUMNS = ("memory", "memsession", "sqlite")


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(50))
    category: Mapped[str] = mapped_column(String(20), index=True)
    price: Mapped[int] = mapped_column(Integer, index=True)  # indexed, as in the seed benchmark
    qty: Mapped[int] = mapped_column(Integer)


def session_class(column: str) -> type:
    if column == "memsession":
        from sqlalchemy_memory import MemorySession

        return MemorySession
    return Session


def filters(params: Params) -> List[Any]:
    """OPS filter criteria, each matching about a quarter of the rows."""
    rng = random.Random(params.seed + 1)
    out: List[Any] = []
    for i in range(params.ops):
        kind = i % 4
        if kind == 0:
            out.append(Item.category.in_(rng.sample(_common.CATEGORIES, 5)))
        elif kind == 1:
            low = rng.randint(1, 750)
            out.append(Item.price.between(low, low + 250))
        elif kind == 2:
            low = rng.randint(0, 75)
            out.append(Item.qty.between(low, low + 24))
        else:
            cats = rng.sample(_common.CATEGORIES, 10)
            out.append(Item.category.in_(cats) & (Item.price <= rng.randint(400, 600)))
    return out


def get_ids(params: Params, gets: int) -> List[int]:
    return random.Random(params.seed + 2).sample(range(1, params.rows + 1), min(gets, params.rows))


def current_state(Sess: Any) -> tuple:
    with Sess() as s:
        return table_state(s.execute(select(Item.id, Item.price)).all())


def run_filtered(session: Any, criteria: List[Any], limit: Optional[int] = None, hold: bool = True) -> Tuple[int, int]:
    n_rows = id_sum = 0
    objs: List[Any] = []
    for crit in criteria:
        stmt = select(Item).where(crit)
        if limit:
            stmt = stmt.order_by(Item.id).limit(limit)
        objs = session.execute(stmt).scalars().all()
        n_rows += len(objs)
        for o in objs:
            id_sum += o.id
        if not hold:
            objs = []
    return n_rows, id_sum


def workload(column: str, engine: Any, params: Params, timer: Timer, steps: List[str], gets: int) -> Dict[str, Any]:
    Sess = sessionmaker(engine, class_=session_class(column), expire_on_commit=False)
    Base.metadata.create_all(engine)
    try:
        check(current_state(Sess) == (0, 0, 0), "%s: table not empty at start" % column)
        sig: Dict[str, Any] = {}
        data = params.data
        criteria = filters(params)

        with timer.step("insert"):
            with Sess() as session:
                session.add_all([Item(name=n, category=c, price=p, qty=q) for n, c, p, q in data])
                session.commit()
        st = current_state(Sess)
        check(st == expected_table_state(params, "insert"),
              "%s: after insert table is %r, expected %r (ids must be 1..rows)"
              % (column, st, expected_table_state(params, "insert")))
        sig["insert"] = st

        if "select" in steps:
            n_rows = id_sum = 0
            with timer.step("select"):
                with Sess() as session:
                    for kind, arg in params.select_ops:
                        if kind == "pk":
                            stmt = select(Item).where(Item.id == arg)
                        else:
                            stmt = select(Item).where(Item.category == arg).order_by(Item.id).limit(20)
                        objs = session.execute(stmt).scalars().all()
                        n_rows += len(objs)
                        for o in objs:
                            id_sum += o.id
            check(n_rows >= sum(1 for k, _ in params.select_ops if k == "pk"), "%s: too few rows" % column)
            sig["select"] = (n_rows, id_sum)

        if "filtered" in steps:
            with Sess() as session:
                held = session.execute(select(Item)).scalars().all()  # the working set, untimed
                with timer.step("filtered"):
                    sig["filtered"] = (len(held),) + run_filtered(session, criteria)
                del held

        if "cold" in steps:
            with timer.step("cold"):
                with Sess() as session:
                    sig["cold"] = run_filtered(session, criteria, hold=False)

        if "limit" in steps:
            with timer.step("limit"):
                with Sess() as session:
                    sig["limit"] = run_filtered(session, criteria, limit=5, hold=False)

        if "get" in steps:
            ids = get_ids(params, gets)
            with timer.step("get"):
                with Sess() as session:
                    found = sum(1 for i in ids if session.get(Item, i) is not None)
            check(found == len(ids), "%s: get found %d of %d" % (column, found, len(ids)))
            sig["get"] = found

        if "update" in steps:
            with timer.step("update"):
                with Sess() as session:
                    for id_, price in zip(params.update_ids, params.update_prices):
                        obj = session.get(Item, id_)
                        if obj is None:
                            raise AssertionError("%s: update: no Item %d" % (column, id_))
                        obj.price = price
                        session.commit()
            st = current_state(Sess)
            check(st == expected_table_state(params, "update"),
                  "%s: after update table is %r, expected %r" % (column, st, expected_table_state(params, "update")))
            sig["update"] = st

        if "delete" in steps:
            after = "delete" if "update" in steps else None
            with timer.step("delete"):
                with Sess() as session:
                    for id_ in params.delete_ids:
                        obj = session.get(Item, id_)
                        if obj is None:
                            raise AssertionError("%s: delete: no Item %d" % (column, id_))
                        session.delete(obj)
                        session.commit()
            st = current_state(Sess)
            if after:
                check(st == expected_table_state(params, after),
                      "%s: after delete table is %r, expected %r" % (column, st, expected_table_state(params, after)))
            sig["delete"] = st
        return sig
    finally:
        # A memory:// database might outlive the engine; leave it empty.
        Base.metadata.drop_all(engine)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    parser = _common.build_parser(__doc__.split("\n\n")[0])
    parser.set_defaults(backends=",".join(COLUMNS))
    parser.add_argument("--gets", type=int, default=5000, help="session.get calls in the get step (default 5000)")
    parser.add_argument("--steps", default=",".join(STEPS[1:]),
                        help="steps after insert, comma separated (default all: %s)" % ",".join(STEPS[1:]))
    args = parser.parse_args(argv)
    columns = [c.strip() for c in args.backends.split(",") if c.strip()]
    if not columns or any(c not in COLUMNS for c in columns) or len(set(columns)) != len(columns):
        raise SystemExit("--backends: choose from %s" % ",".join(COLUMNS))
    steps = ["insert"] + [s for s in STEPS[1:] if s in args.steps.split(",")]
    urls = {"memory": args.memory_url, "memsession": args.memory_url, "sqlite": args.sqlite_url}
    params = Params(args.rows, args.ops, args.seed)

    raw: Dict[str, List[Dict[str, float]]] = {c: [] for c in columns}
    reference: Optional[Dict[str, Any]] = None
    reference_from = None
    for r in range(args.repeat):
        order = columns if r % 2 == 0 else list(reversed(columns))
        for column in order:
            log("orm_workload: run %d/%d on %s ..." % (r + 1, args.repeat, column))
            engine = _common.make_engine(column, urls[column])
            timer = Timer()
            try:
                signature = workload(column, engine, params, timer, steps, args.gets)
            finally:
                engine.dispose()
            if reference is None:
                reference, reference_from = signature, column
            check(signature == reference, "result mismatch: %s run %d saw %r but %s saw %r"
                  % (column, r + 1, signature, reference_from, reference))
            raw[column].append(timer.times)

    best = {c: {s: min(t[s] for t in raw[c]) for s in steps} for c in columns}
    for c in columns:
        best[c]["total"] = sum(best[c][s] for s in steps)
    ratios: Dict[str, Dict[str, Optional[float]]] = {}
    if "sqlite" in columns:
        for c in columns:
            if c != "sqlite":
                ratios[c] = {s: best[c][s] / best["sqlite"][s] if best["sqlite"][s] else None
                             for s in steps + ["total"]}
    result = {
        "benchmark": "orm_workload",
        "params": dict(params.as_dict(), repeat=args.repeat, gets=args.gets),
        "backends": columns,
        "urls": {c: urls[c] for c in columns},
        "versions": {"python": platform.python_version(), "sqlalchemy": sqlalchemy.__version__,
                     "sqlite": __import__("sqlite3").sqlite_version},
        "best_seconds": best,
        "all_seconds": raw,
        "ratio_over_sqlite": ratios,
        "signature": {k: repr(v) for k, v in (reference or {}).items()},
    }
    report(result, steps, args)
    return result


def report(result: Dict[str, Any], steps: List[str], args: Any) -> None:
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return
    p, v = result["params"], result["versions"]
    title = "orm_workload: rows=%d ops=%d gets=%d repeat=%d (best of), seed=%d" % (
        p["rows"], p["ops"], p["gets"], p["repeat"], p["seed"])
    subtitle = "python %s, SQLAlchemy %s, sqlite %s; memory = Session on memory://, memsession = " \
               "MemorySession on memory://, sqlite = Session on sqlite://" % (v["python"], v["sqlalchemy"], v["sqlite"])
    columns = result["backends"]
    ratios = result["ratio_over_sqlite"]
    header = ["step"] + ["%s (ms)" % c for c in columns] + ["%s/sqlite" % c for c in ratios]
    body = []
    for s in steps + ["total"]:
        row = [s] + ["%.1f" % (result["best_seconds"][c][s] * 1000.0) for c in columns]
        row += ["-" if ratios[c][s] is None else "%.2f" % ratios[c][s] for c in ratios]
        body.append(row)
    _common.print_report(title, subtitle, header, body, args.markdown, bool(ratios))

if __name__ == "__main__":
    main()
