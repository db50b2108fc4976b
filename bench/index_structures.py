"""Ordered index structures: our bisect blocks versus sortedcontainers.SortedList.

The engine's ``OrderedIndex`` (sqlalchemy_memory/engine/indexes.py: blocks
of parallel value / key lists searched with ``bisect``) against
``sortedcontainers.SortedList`` of ``(value, key)`` tuples, on the index
workload: a bulk load of N rows then the first read, single inserts each
followed by a read (what an OLTP write then query does), ~50-entry range
reads, deletes; plus the bytes per entry (tracemalloc).  Float values, int
keys, same random data for both; best of ``--repeat``.

Run:  python bench/index_structures.py [--sizes 100000,500000] [--ops 20000]
      [--repeat 3] [--markdown|--json] [--csv FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
import tracemalloc
from itertools import islice
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import _common  # (also puts the repository on sys.path)

from sortedcontainers import SortedList

from sqlalchemy_memory.engine.indexes import OrderedIndex

CSV_HELP = "also write the table there as CSV (the docs' table)"
WIDTH = 50  # entries per range read


class Blocks:
    """The engine's OrderedIndex behind the workload's five operations."""

    name = "bisect blocks (OrderedIndex)"

    def __init__(self) -> None:
        self.ix = OrderedIndex("ix", (0,), False, "index")

    def load(self, vals: List[float]) -> None:
        add = self.ix.add
        for k, v in enumerate(vals):
            add(k, (v,))
        self.ix.settled()

    def insert(self, k: int, v: float) -> None:
        self.ix.add(k, (v,))
        self.ix.settled()

    def delete(self, k: int, v: float) -> None:
        self.ix.remove(k, (v,))

    def range(self, lo: float, hi: float) -> List[Any]:
        ix = self.ix
        ix.settled()
        return list(ix.keys(ix.position(lo, False), ix.position(hi, True)))

    def first(self, lo: float, n: int) -> List[Any]:
        ix = self.ix
        ix.settled()
        return list(islice(ix.keys(ix.position(lo, False), ix.end()), n))


class Sorted:
    """sortedcontainers.SortedList of (value, key) tuples, fed the way the
    engine feeds its index: ``add(key, row)`` per row into a pending list,
    merged (``SortedList.update``) at the next read."""

    name = "sortedcontainers.SortedList"

    def __init__(self) -> None:
        self.sl = SortedList()
        self.pending: List[Tuple[float, int]] = []

    def add(self, k: int, row: Tuple[float]) -> None:
        self.pending.append((row[0], k))

    def settled(self) -> None:
        if self.pending:
            self.sl.update(self.pending)
            self.pending = []

    def load(self, vals: List[float]) -> None:
        add = self.add
        for k, v in enumerate(vals):
            add(k, (v,))
        self.settled()

    def insert(self, k: int, v: float) -> None:
        self.add(k, (v,))
        self.settled()

    def delete(self, k: int, v: float) -> None:
        self.settled()
        self.sl.remove((v, k))

    def range(self, lo: float, hi: float) -> List[Any]:
        self.settled()
        return [k for _, k in self.sl.irange((lo, -1), (hi, sys.maxsize))]

    def first(self, lo: float, n: int) -> List[Any]:
        self.settled()
        return [k for _, k in islice(self.sl.irange((lo, -1)), n)]


STRUCTS: Tuple[Callable[[], Any], ...] = (Blocks, Sorted)
STEPS = ("bulk load + first read", "insert + read (per op)", "range read ~50 (per op)",
         "first 10 from a value (per op)", "delete (per op)")


def run_once(cls: Callable[[], Any], size: int, ops: int, seed: int) -> Tuple[Dict[str, float], Any]:
    rng = random.Random("%s-ix-%d" % (seed, size))
    vals = [rng.random() for _ in range(size)]
    new = [rng.random() for _ in range(ops)]
    ranges = []
    for _ in range(ops):
        a = rng.random()
        ranges.append((a, a + WIDTH / size))
    dels = rng.sample(range(size), ops)
    s = cls()
    t: Dict[str, float] = {}
    gc.collect()
    t0 = time.perf_counter()
    s.load(vals)
    t[STEPS[0]] = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    for i, v in enumerate(new):
        s.insert(size + i, v)
    t[STEPS[1]] = (time.perf_counter() - t0) / ops
    gc.collect()
    t0 = time.perf_counter()
    got = [s.range(lo, hi) for lo, hi in ranges]
    t[STEPS[2]] = (time.perf_counter() - t0) / ops
    t0 = time.perf_counter()
    got2 = [s.first(lo, 10) for lo, _ in ranges]
    t[STEPS[3]] = (time.perf_counter() - t0) / ops
    gc.collect()
    t0 = time.perf_counter()
    for k in dels:
        s.delete(k, vals[k])
    t[STEPS[4]] = (time.perf_counter() - t0) / ops
    check = (sum(map(len, got)), sum(map(sum, got)), sum(map(sum, got2)), len(s.range(-1.0, 2.0)))
    return t, check


def bytes_per_entry(cls: Callable[[], Any], size: int, seed: int) -> float:
    """tracemalloc growth of a loaded structure, values and keys excluded."""
    rng = random.Random("%s-ix-%d" % (seed, size))
    vals = [rng.random() for _ in range(size)]
    keys = list(range(size))  # keep key ints alive outside the structure
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    s = cls()
    add = s.ix.add if cls is Blocks else s.add
    for k, v in zip(keys, vals):
        add(k, (v,))
    (s.ix.settled if cls is Blocks else s.settled)()
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del s
    return used / size


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100000,500000")
    p.add_argument("--ops", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=1234)
    _common.add_output_args(p, CSV_HELP)
    args = p.parse_args(argv)
    return _common.run_or_load(args, run_all, report)


def run_all(args: argparse.Namespace) -> Dict[str, Any]:
    """Both structures at every size, best of ``--repeat``; the result dict."""
    sizes = [int(x) for x in args.sizes.split(",")]
    result: Dict[str, Any] = {"benchmark": "index_structures", "ops": args.ops,
                              "repeat": args.repeat, "python": platform.python_version(),
                              "by_size": {}}
    for size in sizes:
        best = {c.name: {s: float("inf") for s in STEPS} for c in STRUCTS}
        ref = None
        for r in range(args.repeat):
            for cls in (STRUCTS if r % 2 == 0 else STRUCTS[::-1]):
                t, chk = run_once(cls, size, args.ops, args.seed)
                ref = ref or chk
                assert chk == ref, (cls.name, chk, ref)
                for s in STEPS:
                    best[cls.name][s] = min(best[cls.name][s], t[s])
        mem = {c.name: bytes_per_entry(c, size, args.seed) for c in STRUCTS}
        result["by_size"][str(size)] = {"best_seconds": best, "bytes_per_entry": mem}
        print("size %d done" % size, file=sys.stderr, flush=True)
    return result


def report(result: Dict[str, Any], csv_path: Optional[str]) -> None:
    """A markdown table, optionally written as CSV too."""
    a, b = (c.name for c in STRUCTS)
    print("**index structures**: ops=%d, repeat=%d (best of), python %s\n"
          % (result["ops"], result["repeat"], result["python"]))
    rows = []
    for size, d in result["by_size"].items():
        for s in STEPS:
            x, y = d["best_seconds"][a][s], d["best_seconds"][b][s]
            unit, f = ("ms", 1e3) if s.startswith("bulk") else ("us", 1e6)
            rows.append([size, s, "%.2f %s" % (x * f, unit), "%.2f %s" % (y * f, unit),
                         "%.2f" % (x / y)])
        m = d["bytes_per_entry"]
        rows.append([size, "bytes per entry", "%.1f" % m[a], "%.1f" % m[b], "%.2f" % (m[a] / m[b])])
    _common.table(["size", "step", a, b, "blocks / SortedList"], rows, csv_path)


if __name__ == "__main__":
    main()
