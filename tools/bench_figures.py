#!/usr/bin/env python
"""Run the benchmarks and write their ratios into README.md.

    python tools/bench_figures.py [--repeat 3]

Runs ``bench/orm_workload.py`` and ``bench/core_workload.py`` with
``--markdown`` (``memory://`` and ``sqlite://`` side by side in the same run)
and rewrites the block between ``<!-- bench:start -->`` and
``<!-- bench:end -->`` in README.md with their tables.
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


def run(script, repeat):
    cmd = [sys.executable, os.path.join("bench", script), "--markdown", "--repeat", str(repeat)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    return "python bench/%s --markdown --repeat %d" % (script, repeat), out.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import sqlalchemy

    lines = [
        "Measured with `python tools/bench_figures.py` (Python %s, SQLAlchemy %s, best of %d runs;"
        " ratio = memory / sqlite, below 1.0 means `memory://` is faster):"
        % (platform.python_version(), sqlalchemy.__version__, args.repeat),
        "",
    ]
    for script, title in (("orm_workload.py", "ORM (plain `Session`)"), ("core_workload.py", "Core (`Connection`)")):
        command, table = run(script, args.repeat)
        lines += ["%s, `%s`:" % (title, command), "", table, ""]
    with open(README) as f:
        text = f.read()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    with open(README, "w") as f:
        f.write(head + START + "\n" + "\n".join(lines).rstrip() + "\n" + END + tail)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
