#!/usr/bin/env python
"""Run the benchmarks and write their ratios into README.md.

    python tools/bench_figures.py [--repeat 3]
    python tools/bench_figures.py --shapes-json shapes.json

Runs ``bench/orm_workload.py`` and ``bench/core_workload.py`` with
``--markdown`` (``memory://`` and ``sqlite://`` side by side in the same run)
and rewrites the block between ``<!-- bench:start -->`` and
``<!-- bench:end -->`` in README.md with their tables.  With
``--shapes-json`` (a saved ``bench/shapes.py --json`` run) it instead
rewrites the block between ``<!-- shapes:start -->`` and
``<!-- shapes:end -->`` with that run's memory / sqlite ratios.
"""

import argparse
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
SHAPES_START = "<!-- shapes:start -->"
SHAPES_END = "<!-- shapes:end -->"


def run(script, repeat):
    cmd = [sys.executable, os.path.join("bench", script), "--markdown", "--repeat", str(repeat)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    return "python bench/%s --markdown --repeat %d" % (script, repeat), out.strip()


def replace_block(start, end, lines):
    """Rewrite README.md between the ``start`` and ``end`` markers."""
    with open(README) as f:
        text = f.read()
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    with open(README, "w") as f:
        f.write(head + start + "\n" + "\n".join(lines).rstrip() + "\n" + end + tail)


def shapes_block(path):
    """README lines for a saved ``bench/shapes.py --json`` run."""
    cmd = [sys.executable, os.path.join("bench", "shapes.py"), "--from-json", path, "--ratios"]
    table = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    import json

    with open(path) as f:
        result = json.load(f)
    v = result["versions"]
    return [
        "Query shapes at 2k / 20k / 100k / 500k rows, `python bench/shapes.py` (Python %s,"
        " SQLAlchemy %s, SQLite %s, engine %s, best of %d; memory / sqlite, **bold** above the"
        " aim: 1.0, or 0.5 for LIMIT, ORDER BY ... LIMIT and range shapes). Chart, ms figures"
        " and SQLAlchemy's floor: [docs/performance.rst](docs/performance.rst)."
        % (v["python"], v["sqlalchemy"], v["sqlite"], result.get("engine", "?"), result["repeat"]),
        "",
        table.strip(),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shapes-json", metavar="FILE",
                        help="rewrite only the shapes block, from a saved bench/shapes.py --json run")
    args = parser.parse_args()
    if args.shapes_json:
        lines = shapes_block(os.path.abspath(args.shapes_json))
        replace_block(SHAPES_START, SHAPES_END, lines)
        print("\n".join(lines))
        return
    import sqlalchemy

    lines = [
        "Measured with `python tools/bench_figures.py` (Python %s, SQLAlchemy %s, best of %d runs;"
        " ratio = memory / sqlite, below 1.0 means `memory://` is faster):"
        % (platform.python_version(), sqlalchemy.__version__, args.repeat),
        "",
    ]
    for script, title in (("orm_workload.py", "ORM (`Session` and `MemorySession` on memory://, `Session` on SQLite)"), ("core_workload.py", "Core (`Connection`)")):
        command, table = run(script, args.repeat)
        lines += ["%s, `%s`:" % (title, command), "", table, ""]
    replace_block(START, END, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
