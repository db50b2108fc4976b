"""Memory per row: RSS growth for a 5-column table and for each kind of index.

Each case runs in a fresh subprocess: create the engine and the table (and
at most one index), read the process's RSS, insert ``--rows`` rows in
batches of 1000 generated on the fly (so the input costs nothing
lasting), run one read through every index (an ordered index may merge its
pending writes only when read), ``gc.collect()`` and ``malloc_trim(0)``, and
read RSS again.  Bytes per row = growth / rows; an index's own cost = its
case minus the table alone.

Table ``m(id INTEGER PK, code INTEGER, category VARCHAR(10) [11 values],
price FLOAT, name VARCHAR(30))``; index kinds: non-unique on ``category``,
unique on ``code``, on the float ``price``, composite ``(category, price)``.

Run:  python bench/memory.py [--rows 100000] [--backends memory,sqlite]
      [--src DIR] [--markdown|--json] [--csv FILE]

``--src DIR`` imports ``sqlalchemy_memory`` from DIR (e.g. an exported older
commit: ``git archive HEAD~5 sqlalchemy_memory | tar -x -C /tmp/old``) to
compare against an earlier engine.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tracemalloc
from typing import Any, Dict, List, Optional, Sequence

CASES = ("table", "index category (non-unique, 11 values)", "unique index code (int)",
         "index price (float)", "composite index (category, price)")
MODES = ("rss", "exact")
CATEGORIES = tuple("c%02d" % i for i in range(11))
BATCH = 1000
CSV_HELP = "also write the table there as CSV (the docs' table)"


def _rss() -> int:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    import psutil

    return psutil.Process().memory_info().rss


def _sqlite_bytes(conn: Any) -> int:
    """Bytes of SQLite's pages (the in-memory database's size)."""
    pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    size = conn.exec_driver_sql("PRAGMA page_size").scalar()
    return pages * size


def measure(backend: str, case: str, rows: int, seed: int, src: Optional[str],
            mode: str) -> Dict[str, Any]:
    """Run one case in this process; growth in bytes: of RSS (``mode``
    "rss"), or exactly (``mode`` "exact": tracemalloc for memory://, the
    database's pages for sqlite://)."""
    import _common  # puts the repository on sys.path

    if src:
        sys.path.insert(0, os.path.abspath(src))
    import sqlalchemy_memory
    from sqlalchemy import (Column, Float, Index, Integer, MetaData, String, Table, func,
                            insert, select)

    md = MetaData()
    t = Table("m", md,
              Column("id", Integer, primary_key=True, autoincrement=False),
              Column("code", Integer, nullable=False),
              Column("category", String(10), nullable=False),
              Column("price", Float, nullable=False),
              Column("name", String(30), nullable=False))
    reads: List[Any] = [select(t).where(t.c.id == 1)]
    if case.startswith("index category"):
        Index("ix_cat", t.c.category)
        reads += [select(t.c.id).where(t.c.category == "c01").limit(1),
                  select(t.c.id).order_by(t.c.category).limit(1)]
    elif case.startswith("unique"):
        Index("ux_code", t.c.code, unique=True)
        reads += [select(t.c.id).where(t.c.code == 5),
                  select(t.c.id).order_by(t.c.code).limit(1)]
    elif case.startswith("index price"):
        Index("ix_price", t.c.price)
        reads += [select(t.c.id).where(t.c.price > 999.0).limit(1),
                  select(t.c.id).order_by(t.c.price).limit(1)]
    elif case.startswith("composite"):
        Index("ix_cat_price", t.c.category, t.c.price)
        reads += [select(t.c.id).where(t.c.category == "c01", t.c.price > 500.0).limit(1),
                  select(t.c.id).order_by(t.c.category, t.c.price).limit(1)]
    engine = _common.make_engine(backend, "%s://" % backend)
    md.create_all(engine)
    rng = random.Random("%s-memory" % seed)
    codes = list(range(rows))
    rng.shuffle(codes)
    conn = engine.connect()
    conn.execute(select(func.count()).select_from(t)).scalar()
    conn.rollback()
    gc.collect()
    exact = mode == "exact"
    if exact and backend == "memory":
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    elif exact:
        before = _sqlite_bytes(conn)
        conn.rollback()
    else:
        before = _rss()
    for start in range(0, rows, BATCH):
        conn.execute(insert(t), [
            {"id": k + 1, "code": codes[k] * 7 + 1_000_000,
             "category": CATEGORIES[rng.randrange(11)], "price": rng.random() * 1000.0,
             "name": "name-%09d" % k}
            for k in range(start, min(rows, start + BATCH))])
    conn.commit()
    for r in reads:
        conn.execute(r).all()
    conn.rollback()
    del codes
    gc.collect()
    if exact and backend == "memory":
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    elif exact:
        after = _sqlite_bytes(conn)
        conn.rollback()
    else:
        after = _rss()
    n = conn.execute(select(func.count()).select_from(t)).scalar()
    conn.close()
    assert n == rows, n
    return {"backend": backend, "case": case, "rows": rows, "growth": after - before,
            "engine": os.path.dirname(os.path.abspath(sqlalchemy_memory.__file__))}


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--backends", default="memory,sqlite")
    p.add_argument("--repeat", type=int, default=2,
                   help="subprocesses per case, the smallest growth is kept (default 2)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--src", help="import sqlalchemy_memory from this directory")
    p.add_argument("--case", help=argparse.SUPPRESS)  # internal: "backend|case"
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _common

    _common.add_output_args(p, CSV_HELP)
    args = p.parse_args(argv)

    if args.case:
        backend, case, mode = args.case.split("|", 2)
        print(json.dumps(measure(backend, case, args.rows, args.seed, args.src, mode)))
        return {}
    return _common.run_or_load(args, run_cases, report)


def run_cases(args: argparse.Namespace) -> Dict[str, Any]:
    """Every case on every backend, each in its own subprocess; the result dict."""
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    growth: Dict[str, Dict[str, Dict[str, int]]] = {m: {b: {} for b in backends} for m in MODES}
    engine_dir = ""
    for case in CASES:
        for b in backends:
            for mode in MODES:
                best = None
                for _ in range(args.repeat if mode == "rss" else 1):
                    cmd = [sys.executable, os.path.abspath(__file__), "--rows", str(args.rows),
                           "--seed", str(args.seed), "--case", "%s|%s|%s" % (b, case, mode)]
                    if args.src:
                        cmd += ["--src", args.src]
                    res = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                                                    text=True).stdout)
                    engine_dir = res["engine"]
                    best = res["growth"] if best is None else min(best, res["growth"])
                assert best is not None
                growth[mode][b][case] = best
                print("%-6s %-8s %-40s %8.1f MiB  %6.0f bytes/row" % (
                    mode, b, case, best / 2**20, best / args.rows), file=sys.stderr, flush=True)
    per_row = {m: {b: {c: g / args.rows for c, g in d.items()} for b, d in gm.items()}
               for m, gm in growth.items()}
    index_only = {m: {b: {c: pr[b][c] - pr[b]["table"] for c in CASES[1:]} for b in backends}
                  for m, pr in per_row.items()}
    return {"benchmark": "memory", "rows": args.rows, "repeat": args.repeat,
            "engine": engine_dir, "backends": backends,
            "versions": {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
            "growth_bytes": growth, "bytes_per_row": per_row,
            "index_bytes_per_row": index_only}


def report(result: Dict[str, Any], csv_path: Optional[str]) -> None:
    """A markdown table of bytes per row, optionally written as CSV too."""
    import _common

    per_row, index_only = result["bytes_per_row"], result["index_bytes_per_row"]
    backends = result.get("backends") or list(per_row["rss"])
    print("**memory**: growth for %d rows; python %s, sqlite %s; sqlalchemy_memory from %s\n"
          % (result["rows"], result["versions"]["python"], result["versions"]["sqlite"],
             result["engine"]))
    head = ["bytes per row"] + ["%s RSS" % b for b in backends] + \
        ["%s exact" % b for b in backends]
    rows = []
    for case in CASES:
        cells = [case if case == "table" else "+ " + case]
        for mode in MODES:
            cells += ["%.0f" % (per_row[mode][b][case] if case == "table" else
                                index_only[mode][b][case]) for b in backends]
        rows.append(cells)
    _common.table(head, rows, csv_path)
    print("\nRSS: growth of the process's resident set (smallest of %d subprocesses, "
          "%d rows); exact: tracemalloc for memory://, SQLite's pages for sqlite://. "
          "Index rows are the index's own cost (its case minus the table alone)."
          % (result["repeat"], result["rows"]))


if __name__ == "__main__":
    main()
