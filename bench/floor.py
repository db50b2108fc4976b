"""SQLAlchemy's own floor: the same workload through a DBAPI that does no work.

The workload runs once on SQLite through a recording DBAPI (a wrapper over
``sqlite3`` that keeps every statement's description, rows, rowcount and
lastrowid).  The ``floor://`` dialect is SQLAlchemy's own pysqlite dialect
whose DBAPI cursor does nothing but hand back those recorded results, looked
up by (SQL, parameters): what is left is SQLAlchemy's cost (compiling
caches, parameter processing, result rows, ORM loading) with no database at
all.  Then memory://, sqlite:// and floor:// run the workload in turn, best
of ``--repeat``, order alternating, and the report gives memory / floor and
sqlite / floor.  Results are compared across the three.

Workloads (statements and random filters from ``bench/shapes.py``):

  orm filtered select-all  the issue's random ==/!=, IN/NOT IN, </>/<= filters,
                           ``session.scalars(select(Item).where(...)).all()``
  core mix                 the read shapes of shapes.py through Core: pk get,
                           first(), IN / Boolean LIMIT 5, ORDER BY LIMIT 10,
                           ranges, MIN/MAX, COUNT, filtered select-all (.all(), LIMIT 5)

What the floor means: the fastest any backend could be under SQLAlchemy with
these results (SQLite's own values: its result processors, e.g. DateTime
strings parsed into datetimes, are part of the floor).

Run:  python bench/floor.py [--rows 20000] [--ops 200] [--filter-ops 100] [--repeat 5]
      [--markdown|--json] [--csv PREFIX]
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import platform
import random
import sqlite3
import types
from typing import Any, Dict, List, Optional, Sequence, Tuple

import _common
from _common import check, log

import sqlalchemy
from sqlalchemy import create_engine
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Engine

import shapes

Key = Tuple[str, tuple]
Result = Tuple[Any, List[tuple], int, Any]  # description, rows, rowcount, lastrowid

CSV_HELP = "also write PATH_total.csv and PATH_steps.csv (the docs' tables)"

RECORDING: Dict[Key, List[Result]] = collections.defaultdict(list)


def _key(sql: str, params: Any) -> Key:
    if params is None:
        return sql, ()
    if isinstance(params, dict):
        return sql, tuple(sorted(params.items()))
    return sql, tuple(params)


# --------------------------------------------------------------------------
# recording DBAPI: sqlite3, every result fetched and kept
# --------------------------------------------------------------------------
class _RecCursor:
    """A sqlite3 cursor whose results are fetched eagerly and recorded."""

    def __init__(self, real: sqlite3.Cursor) -> None:
        self._real = real
        self._rows: List[tuple] = []
        self._pos = 0
        self.description = None
        self.rowcount = -1
        self.lastrowid = None
        self.arraysize = 1

    def execute(self, sql: str, params: Any = ()) -> "_RecCursor":
        self._real.execute(sql, params)
        self.description = self._real.description
        self._rows = self._real.fetchall() if self.description else []
        self._pos = 0
        self.rowcount = self._real.rowcount
        self.lastrowid = self._real.lastrowid
        RECORDING[_key(sql, params)].append(
            (self.description, self._rows, self.rowcount, self.lastrowid))
        return self

    def executemany(self, sql: str, seq: Any) -> "_RecCursor":
        self._real.executemany(sql, seq)
        self.description, self._rows, self._pos = None, [], 0
        self.rowcount, self.lastrowid = self._real.rowcount, self._real.lastrowid
        return self

    def fetchone(self) -> Optional[tuple]:
        if self._pos < len(self._rows):
            self._pos += 1
            return self._rows[self._pos - 1]
        return None

    def fetchmany(self, size: Optional[int] = None) -> List[tuple]:
        n = size or self.arraysize
        out = self._rows[self._pos:self._pos + n]
        self._pos += len(out)
        return out

    def fetchall(self) -> List[tuple]:
        out = self._rows[self._pos:] if self._pos else self._rows
        self._pos = len(self._rows)
        return out

    def close(self) -> None:
        self._real.close()


class _RecConnection:
    def __init__(self, real: sqlite3.Connection) -> None:
        self._real = real

    def cursor(self) -> _RecCursor:
        return _RecCursor(self._real.cursor())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


# --------------------------------------------------------------------------
# floor DBAPI: replays the recording, does nothing else
# --------------------------------------------------------------------------
class _FloorCursor:
    """Hands back the recorded result of (sql, params); no other work."""

    description = None
    rowcount = -1
    lastrowid = None
    arraysize = 1

    def __init__(self, conn: "_FloorConnection") -> None:
        self._conn = conn
        self._rows: List[tuple] = []
        self._pos = 0

    def execute(self, sql: str, params: Any = ()) -> "_FloorCursor":
        key = _key(sql, params)
        seen = self._conn.seen
        i = seen[key]
        seen[key] = i + 1
        got = RECORDING.get(key)
        if got:
            self.description, self._rows, self.rowcount, self.lastrowid = got[i % len(got)]
        else:  # set-up statements (PRAGMA, BEGIN ...): nothing to return
            self.description, self._rows, self.rowcount, self.lastrowid = None, [], -1, None
        self._pos = 0
        return self

    def executemany(self, sql: str, seq: Any) -> "_FloorCursor":
        self.description, self._rows, self.rowcount = None, [], -1
        return self

    fetchone = _RecCursor.fetchone
    fetchmany = _RecCursor.fetchmany
    fetchall = _RecCursor.fetchall

    def close(self) -> None:
        pass


class _FloorConnection:
    def __init__(self) -> None:
        self.seen: Dict[Key, int] = collections.defaultdict(int)
        self.isolation_level = None
        self.in_transaction = False

    def cursor(self) -> _FloorCursor:
        return _FloorCursor(self)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass

    def create_function(self, *a: Any, **kw: Any) -> None:
        pass


_FLOOR_CONNECTIONS: List[_FloorConnection] = []


def _module(connect: Any) -> types.ModuleType:
    """A copy of the sqlite3 module (constants, exceptions) with ``connect``."""
    mod = types.ModuleType("floor_dbapi")
    mod.__dict__.update({k: v for k, v in vars(sqlite3).items() if not k.startswith("__")})
    mod.connect = connect
    return mod


def _rec_connect(*a: Any, **kw: Any) -> _RecConnection:
    return _RecConnection(sqlite3.connect(*a, **kw))


def _floor_connect(*a: Any, **kw: Any) -> _FloorConnection:
    conn = _FloorConnection()
    _FLOOR_CONNECTIONS.append(conn)
    return conn


def _dialect(name: str, connect: Any, doc: str) -> type:
    """The pysqlite dialect over a DBAPI whose ``connect`` is ``connect``."""

    def import_dbapi(cls: type) -> types.ModuleType:
        return _module(connect)

    return type(name, (SQLiteDialect_pysqlite,), {
        "__doc__": doc, "name": "sqlite", "supports_statement_cache": True,
        "import_dbapi": classmethod(import_dbapi)})


RecordingDialect = _dialect("RecordingDialect", _rec_connect,
                            "pysqlite over a recording sqlite3 (URL ``floorrec://``).")
FloorDialect = _dialect("FloorDialect", _floor_connect,
                        "pysqlite over a DBAPI that replays the recording (URL ``floor://``).")


registry.register("floorrec", __name__, "RecordingDialect")
registry.register("floor", __name__, "FloorDialect")


def reset_replay() -> None:
    """Each replayed run starts from the first recorded result of every key."""
    for conn in _FLOOR_CONNECTIONS:
        conn.seen.clear()


# --------------------------------------------------------------------------
# workloads
# --------------------------------------------------------------------------
def _shape(name: str) -> shapes.Shape:
    return next(s for s in shapes.SHAPES if s.name == name)


WORKLOADS: Dict[str, List[Tuple[str, str]]] = {
    "orm filtered select-all": [("orm", "filtered select-all .all()")],
    "core mix": [("core", name) for name in (
        "pk get", "first() category ==", "category IN limit 5", "active == True limit 5",
        "order_by price limit 10", "price between (~50 rows)", "ts range order_by ts (~50 rows)",
        "min/max price", "count(*) ts range (10%)", "category == order_by price limit 10",
        "filtered select-all .all()", "filtered select-all limit 5")],
}


def plan(args: argparse.Namespace) -> Dict[str, List[Tuple[str, shapes.Shape, List[Any]]]]:
    """Each workload's steps with their (fixed) parameters."""
    out = {}
    for wname, steps in WORKLOADS.items():
        out[wname] = []
        for api, sname in steps:
            shape = _shape(sname)
            rng = random.Random("%s-floor-%s-%s" % (args.seed, api, sname))
            ops = args.ops if "filtered" not in sname else args.filter_ops
            out[wname].append((api, shape, shape.params(rng, args.rows, ops)))
    return out


def run_workload(engine: Engine, steps: List[Tuple[str, shapes.Shape, List[Any]]]
                 ) -> Tuple[List[float], Any]:
    """Seconds per step, and the steps' result signatures."""
    times, sigs = [], []
    for api, shape, params in steps:
        reset_replay()
        t, sig = shapes.run_step(api, engine, shape, params)
        times.append(t)
        sigs.append(sig)
    return times, sigs


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--ops", type=int, default=200, help="ops per Core step (default 200)")
    p.add_argument("--filter-ops", type=int, default=100,
                   help="random filters per filtered select-all step (default 100)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--seed", type=int, default=1234)
    _common.add_output_args(p, CSV_HELP)
    args = p.parse_args(argv)
    return _common.run_or_load(args, measure, report)


def measure(args: argparse.Namespace) -> Dict[str, Any]:
    """Record, then run memory://, sqlite:// and floor:// in turn; the result dict."""
    rows = shapes.make_rows(args.seed, args.rows)
    work = plan(args)
    engines = {"memory": _common.make_engine("memory", "memory://"),
               "sqlite": create_engine("sqlite://"),
               "floor": create_engine("floor://")}
    rec = create_engine("floorrec://")
    log("building tables ...")
    for name in ("memory", "sqlite"):
        shapes.build(engines[name], rows)
    shapes.build(rec, rows)
    del rows
    log("recording on sqlite ...")
    RECORDING.clear()
    for steps in work.values():
        run_workload(rec, steps)
    rec.dispose()
    # floor:// needs the table to exist for nothing: the ORM and Core never
    # ask, so no DDL; connect once so the dialect initialises.
    engines["floor"].connect().close()

    backends = ["memory", "sqlite", "floor"]
    best = {w: {b: [float("inf")] * len(work[w]) for b in backends} for w in work}
    ref: Dict[str, Any] = {}
    for r in range(args.repeat):
        order = backends if r % 2 == 0 else list(reversed(backends))
        for wname, steps in work.items():
            for b in order:
                gc.collect()
                t, sig = run_workload(engines[b], steps)
                best[wname][b] = [min(x, y) for x, y in zip(best[wname][b], t)]
                ref.setdefault(wname, (b, sig))
                check(sig == ref[wname][1], "%s: %s disagrees with %s" % (wname, b, ref[wname][0]))
        log("run %d/%d done" % (r + 1, args.repeat))
    for name in ("memory", "sqlite"):
        shapes.metadata.drop_all(engines[name])
    for e in engines.values():
        e.dispose()

    # a workload's time is the sum of its steps' best times; ops per step from the plan
    steps_ms = {w: {"%s %s" % (api, shape.name): {b: best[w][b][i] * 1000.0 / len(params)
                                                   for b in backends}
                    for i, (api, shape, params) in enumerate(work[w])} for w in work}
    total = {w: {b: sum(best[w][b]) for b in backends} for w in work}
    result = {
        "benchmark": "floor", "rows": args.rows, "ops": args.ops, "filter_ops": args.filter_ops,
        "repeat": args.repeat, "seed": args.seed, "engine": shapes.engine_revision(),
        "versions": {"python": platform.python_version(), "sqlalchemy": sqlalchemy.__version__,
                     "sqlite": sqlite3.sqlite_version},
        "best_ms": {w: {b: v * 1000.0 for b, v in d.items()} for w, d in total.items()},
        "ratio": {w: _ratios(d) for w, d in total.items()},
        "steps_ms_per_op": steps_ms,
        "steps_ratio": {w: {s: _ratios(d) for s, d in sd.items()} for w, sd in steps_ms.items()},
    }
    return result


def report(result: Dict[str, Any], csv_prefix: Optional[str]) -> None:
    """Markdown tables (workload totals, then per step), optionally as CSV too."""
    v = result["versions"]
    print("**floor**: rows=%d ops=%d filter-ops=%d repeat=%d (best of), seed=%d; "
          "python %s, SQLAlchemy %s, sqlite %s; engine %s\n" % (
              result["rows"], result["ops"], result["filter_ops"], result["repeat"],
              result["seed"], v["python"], v["sqlalchemy"], v["sqlite"], result["engine"]))
    rows = []
    for w, d in result["best_ms"].items():
        rr = result["ratio"][w]
        rows.append([w, "%.1f" % d["memory"], "%.1f" % d["sqlite"], "%.1f" % d["floor"],
                     "%.2f" % rr["memory/floor"], "%.2f" % rr["sqlite/floor"],
                     "%.2f" % rr["memory/sqlite"]])
    ratios = ["memory / floor", "sqlite / floor", "memory / sqlite"]
    _common.table(["workload (total)", "memory ms", "sqlite ms", "floor ms"] + ratios, rows,
                  csv_prefix and csv_prefix + "_total.csv")
    print("\nPer step (ms/op):\n")
    rows = []
    for w, sd in result["steps_ms_per_op"].items():
        for step, d in sd.items():
            rr = result["steps_ratio"][w][step]
            rows.append([step, "%.4f" % d["memory"], "%.4f" % d["sqlite"], "%.4f" % d["floor"],
                         "%.2f" % rr["memory/floor"], "%.2f" % rr["sqlite/floor"],
                         "%.2f" % rr["memory/sqlite"]])
    _common.table(["step", "memory", "sqlite", "floor"] + ratios, rows,
                  csv_prefix and csv_prefix + "_steps.csv")


def _ratios(d: Dict[str, float]) -> Dict[str, float]:
    return {"memory/floor": d["memory"] / d["floor"], "sqlite/floor": d["sqlite"] / d["floor"],
            "memory/sqlite": d["memory"] / d["sqlite"]}


if __name__ == "__main__":
    main()
