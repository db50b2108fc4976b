"""Shared timing, CLI and reporting code for the bench/*_workload.py scripts.

A workload is a callable ``workload(backend, engine, params, timer)`` that
runs the steps in order, timing each one with ``with timer.step(name):`` and
doing its correctness checks *outside* the timed blocks.  It returns a dict
``{step: signature}`` where a signature is any comparable value that
summarises what the step observed (row counts, id sums, ...).  The harness
checks that every backend and every repetition produced identical
signatures, so no backend can get away with doing less work.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import random
import sys
import time
from typing import Any, Callable, Dict, Iterator, List, Optional

# Benchmark the working tree, even when the package is not pip-installed.
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

import sqlalchemy  # noqa: E402
from sqlalchemy import create_engine, make_url  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

BACKENDS = ("memory", "sqlite")
DEFAULT_URLS = {"memory": "memory://", "sqlite": "sqlite://"}
CATEGORIES = tuple("cat%02d" % i for i in range(20))


# --------------------------------------------------------------------------
# engines
# --------------------------------------------------------------------------
def ensure_memory_dialect() -> None:
    """Make ``memory://`` resolvable when the package is not installed.

    pyproject.toml registers the dialect through an entry point, which only
    exists after ``pip install``.  Fall back to registering the same target
    by hand so the benchmark works straight from a checkout.
    """
    from sqlalchemy.dialects import registry
    from sqlalchemy.exc import NoSuchModuleError

    try:
        registry.load("memory")
    except NoSuchModuleError:
        registry.register("memory", "sqlalchemy_memory.dialect", "MemoryDialect")


def make_engine(backend: str, url: str) -> Engine:
    if make_url(url).get_backend_name() == "memory":
        ensure_memory_dialect()
    return create_engine(url)


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------
class Timer:
    """Collects one wall-clock duration (seconds) per step."""

    def __init__(self) -> None:
        self.times: Dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        if name in self.times:
            raise RuntimeError("step %r timed twice" % name)
        gc.collect()
        t0 = time.perf_counter()
        yield
        self.times[name] = time.perf_counter() - t0


# --------------------------------------------------------------------------
# deterministic inputs
# --------------------------------------------------------------------------
class Params:
    """Everything a workload needs; identical for every backend."""

    def __init__(self, rows: int, ops: int, seed: int) -> None:
        if rows < 1 or ops < 1:
            raise SystemExit("--rows and --ops must be >= 1")
        if ops > rows:
            raise SystemExit("--ops must not exceed --rows")
        self.rows = rows
        self.ops = ops
        self.seed = seed
        rng = random.Random(seed)
        # Row k (0-based) gets primary key k + 1 (fresh table, autoincrement).
        self.data = [
            (
                "item-%06d" % k,
                CATEGORIES[rng.randrange(len(CATEGORIES))],
                rng.randint(1, 1000),
                rng.randint(0, 100),
            )
            for k in range(rows)
        ]
        # select step: alternating pk lookups and category lookups.
        self.select_ops: List[tuple] = []
        for i in range(ops):
            if i % 2 == 0:
                self.select_ops.append(("pk", rng.randint(1, rows)))
            else:
                self.select_ops.append(("category", rng.choice(CATEGORIES)))
        # update step: distinct ids, each gets a new price >= 100_000.
        self.update_ids = rng.sample(range(1, rows + 1), ops)
        self.update_prices = [100_000 + i for i in range(ops)]
        # delete step: distinct ids (may overlap the updated ones).
        self.delete_ids = rng.sample(range(1, rows + 1), ops)

    def as_dict(self) -> Dict[str, int]:
        return {"rows": self.rows, "ops": self.ops, "seed": self.seed}


def expected_table_state(params: Params, after: str) -> tuple:
    """(row count, sum of ids, sum of prices) the table must hold after a step."""
    prices = {k + 1: row[2] for k, row in enumerate(params.data)}
    if after in ("update", "delete"):
        prices.update(zip(params.update_ids, params.update_prices))
    if after == "delete":
        for i in params.delete_ids:
            del prices[i]
    return (len(prices), sum(prices), sum(prices.values()))


def table_state(rows) -> tuple:
    """Summarise an iterable of (id, price) rows like expected_table_state."""
    n = id_sum = price_sum = 0
    for id_, price in rows:
        n += 1
        id_sum += id_
        price_sum += price
    return (n, id_sum, price_sum)


def check(cond: bool, msg: str) -> None:
    if not cond:
        raise AssertionError(msg)


# --------------------------------------------------------------------------
# CLI / harness
# --------------------------------------------------------------------------
def build_parser(description: str, memory_session: bool = False) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--rows", type=int, default=20000, help="rows inserted (default 20000)")
    p.add_argument("--ops", type=int, default=500,
                   help="statements in each of the select/update/delete steps (default 500)")
    p.add_argument("--repeat", type=int, default=3,
                   help="run the whole workload N times per backend, report the best "
                        "time per step (default 3)")
    p.add_argument("--backends", default="memory,sqlite",
                   help="comma separated, from: %s (default memory,sqlite)" % ",".join(BACKENDS))
    p.add_argument("--seed", type=int, default=1234, help="random seed for data and ids")
    p.add_argument("--memory-url", default=DEFAULT_URLS["memory"])
    p.add_argument("--sqlite-url", default=DEFAULT_URLS["sqlite"])
    if memory_session:
        p.add_argument("--session", choices=("plain", "memory"), default="plain",
                       help="session class for the memory backend: plain = "
                            "sqlalchemy.orm.Session, memory = sqlalchemy_memory.MemorySession "
                            "(sqlite always uses plain; default plain)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--markdown", action="store_true", help="print a markdown table")
    out.add_argument("--json", action="store_true", help="print results as JSON")
    return p


def parse_backends(spec: str) -> List[str]:
    names = [b.strip() for b in spec.split(",") if b.strip()]
    bad = [b for b in names if b not in BACKENDS]
    if bad or not names:
        raise SystemExit("unknown backend(s) %s; choose from %s" % (bad, ",".join(BACKENDS)))
    if len(set(names)) != len(names):
        raise SystemExit("duplicate backend in --backends")
    return names


def run(
    name: str,
    args: argparse.Namespace,
    workload: Callable[[str, Engine, Params, Timer], Dict[str, Any]],
    steps: List[str],
    extra_info: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Run ``workload`` ``args.repeat`` times on every backend and report."""
    backends = parse_backends(args.backends)
    if args.repeat < 1:
        raise SystemExit("--repeat must be >= 1")
    urls = {"memory": args.memory_url, "sqlite": args.sqlite_url}
    params = Params(args.rows, args.ops, args.seed)

    raw: Dict[str, List[Dict[str, float]]] = {b: [] for b in backends}
    reference: Optional[Dict[str, Any]] = None
    reference_from = None
    for r in range(args.repeat):
        # Alternate the order so neither backend always runs first.
        order = backends if r % 2 == 0 else list(reversed(backends))
        for backend in order:
            log("%s: run %d/%d on %s ..." % (name, r + 1, args.repeat, backend))
            engine = make_engine(backend, urls[backend])
            timer = Timer()
            try:
                signature = workload(backend, engine, params, timer)
            except BaseException:
                log("%s: FAILED on backend %s (run %d)" % (name, backend, r + 1))
                raise
            finally:
                engine.dispose()
            check(list(timer.times) == steps,
                  "%s timed steps %s, expected %s" % (backend, list(timer.times), steps))
            if reference is None:
                reference, reference_from = signature, backend
            check(signature == reference,
                  "result mismatch: %s run %d saw %r but %s saw %r"
                  % (backend, r + 1, signature, reference_from, reference))
            raw[backend].append(timer.times)
            del engine, timer
            gc.collect()

    best = {b: {s: min(t[s] for t in raw[b]) for s in steps} for b in backends}
    for b in backends:
        best[b]["total"] = sum(best[b][s] for s in steps)
    result = {
        "benchmark": name,
        "params": dict(params.as_dict(), repeat=args.repeat),
        "backends": backends,
        "urls": {b: urls[b] for b in backends},
        "versions": {
            "python": platform.python_version(),
            "sqlalchemy": sqlalchemy.__version__,
            "sqlite": __import__("sqlite3").sqlite_version,
        },
        "best_seconds": best,
        "all_seconds": raw,
        "ratio_memory_over_sqlite": None,
        "signature": {k: repr(v) for k, v in (reference or {}).items()},
    }
    if extra_info:
        result.update(extra_info)
    if "memory" in backends and "sqlite" in backends:
        result["ratio_memory_over_sqlite"] = {
            s: (best["memory"][s] / best["sqlite"][s]) if best["sqlite"][s] else None
            for s in steps + ["total"]
        }
    report(result, steps, args)
    return result


# --------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------
def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _rows(result: Dict[str, Any], steps: List[str]):
    backends = result["backends"]
    ratio = result["ratio_memory_over_sqlite"]
    header = ["step"] + ["%s (ms)" % b for b in backends]
    if ratio is not None:
        header.append("ratio mem/sqlite")
    body = []
    for s in steps + ["total"]:
        row = [s] + ["%.1f" % (result["best_seconds"][b][s] * 1000.0) for b in backends]
        if ratio is not None:
            row.append("-" if ratio[s] is None else "%.2f" % ratio[s])
        body.append(row)
    return header, body


def report(result: Dict[str, Any], steps: List[str], args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return
    p = result["params"]
    title = "%s: rows=%d ops=%d repeat=%d (best of), seed=%d" % (
        result["benchmark"], p["rows"], p["ops"], p["repeat"], p["seed"])
    if "session" in result:
        title += ", memory session=%s" % result["session"]
    v = result["versions"]
    subtitle = "python %s, SQLAlchemy %s, sqlite %s; urls: %s" % (
        v["python"], v["sqlalchemy"], v["sqlite"],
        ", ".join("%s=%s" % kv for kv in result["urls"].items()))
    header, body = _rows(result, steps)
    print_report(title, subtitle, header, body, args.markdown, result["ratio_memory_over_sqlite"] is not None)


def print_report(title: str, subtitle: str, header: List[str], body: List[List[str]],
                 markdown: bool, ratios: bool) -> None:
    """Print a result table as markdown or aligned text, with the ratio note."""
    if markdown:
        print("**%s**  \n%s\n" % (title, subtitle))
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        for row in body:
            print("| " + " | ".join(row) + " |")
        if ratios:
            print("\nratio <= 1.0 means memory is faster.")
        return
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    fmt = "  ".join(["{:<%d}" % widths[0]] + ["{:>%d}" % w for w in widths[1:]])
    print(title)
    print(subtitle)
    print(fmt.format(*header))
    print("  ".join("-" * w for w in widths))
    for row in body:
        print(fmt.format(*row))
    if ratios:
        print("(ratio <= 1.0 means memory is faster)")


def table(header: List[str], rows: List[List[str]], csv_path: Optional[str] = None) -> None:
    """Print a markdown table (first column left, the rest right aligned);
    with ``csv_path``, also write it there as CSV (the docs' csv-tables)."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if csv_path:
        import csv

        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        log("wrote %s" % csv_path)


def add_output_args(p: argparse.ArgumentParser, csv_help: str) -> None:
    """--markdown / --json, --csv and --from-json, as the report scripts take them."""
    p.add_argument("--csv", metavar="PATH", help=csv_help)
    p.add_argument("--from-json", metavar="FILE", help="do not run: report a saved --json result")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--markdown", action="store_true", help="markdown tables (the default)")
    out.add_argument("--json", action="store_true", help="print results as JSON")


def run_or_load(args: argparse.Namespace, run_fn: Callable[[argparse.Namespace], Dict[str, Any]],
                report_fn: Callable[[Dict[str, Any], Optional[str]], None]) -> Dict[str, Any]:
    """Run (or, with --from-json, load) a result; print it as JSON or report it."""
    if args.from_json:
        with open(args.from_json) as f:
            result = json.load(f)
    else:
        result = run_fn(args)
    if args.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        report_fn(result, args.csv)
    return result
