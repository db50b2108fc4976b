#!/usr/bin/env python
"""Run SQLAlchemy's compliance suite and write its figures into README.md.

    python tools/suite_figures.py [--python /path/to/python ...]

For each interpreter given (default: the one running this script) it runs
``python -m pytest test/test_suite.py -n 2 -p no:cacheprovider -q`` from the
repository root, reads pytest's final summary line, and rewrites the block
between ``<!-- suite-figures:start -->`` and ``<!-- suite-figures:end -->`` in
README.md with one line per interpreter.  Exits non-zero if a run printed no
summary line (the README is then left unchanged).
"""

import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
START = "<!-- suite-figures:start -->"
END = "<!-- suite-figures:end -->"
COMMAND = "python tools/suite_figures.py"

# "=== 950 passed, 850 skipped, 2 xfailed in 12.34s ===" (with or without the
# "=" padding, depending on verbosity).
SUMMARY = re.compile(r"^=*\s*(\d+ \w+(?:, \d+ \w+)*) in [\d.]+s")
COUNT = re.compile(r"(\d+) (\w+)")


def sqlalchemy_version(python):
    out = subprocess.run(
        [python, "-c", "import sqlalchemy; print(sqlalchemy.__version__)"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return out.stdout.strip()


def parse_summary(output):
    """Return {outcome: count} from pytest's last summary line, or None."""
    for line in reversed(output.splitlines()):
        m = SUMMARY.match(line.strip())
        if m:
            counts = {}
            for n, word in COUNT.findall(m.group(1)):
                # normalise "error"/"errors", "warning"/"warnings"
                word = {"error": "errors", "warning": "warnings"}.get(word, word)
                counts[word] = counts.get(word, 0) + int(n)
            return counts
    return None


def run_suite(python):
    proc = subprocess.run(
        [python, "-m", "pytest", "test/test_suite.py",
         "-n", "2", "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return parse_summary(proc.stdout), proc.stdout


def figure_line(version, counts):
    parts = ["%d passed" % counts.get("passed", 0),
             "%d failed" % counts.get("failed", 0),
             "%d skipped" % counts.get("skipped", 0)]
    for extra in ("errors", "xfailed", "xpassed"):
        if counts.get(extra):
            parts.append("%d %s" % (counts[extra], extra))
    return "- SQLAlchemy %s: %s (`%s`)" % (version, ", ".join(parts), COMMAND)


def rewrite_readme(lines, path=README):
    with open(path) as f:
        text = f.read()
    start, end = text.index(START), text.index(END)
    if end < start:
        raise ValueError("suite-figures markers out of order in %s" % path)
    block = START + "\n" + "\n".join(lines) + "\n"
    text = text[:start] + block + text[end:]
    with open(path, "w") as f:
        f.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python", action="append", dest="pythons", metavar="PATH",
        help="interpreter (of a venv) to run the suite with; repeatable",
    )
    args = parser.parse_args(argv)
    lines = []
    for python in args.pythons or [sys.executable]:
        if os.sep in python:
            python = os.path.abspath(python)
        version = sqlalchemy_version(python)
        print("running the suite with %s (SQLAlchemy %s)..." % (python, version),
              flush=True)
        counts, output = run_suite(python)
        if counts is None:
            sys.stdout.write(output[-3000:])
            print("no pytest summary line from %s; README unchanged" % python,
                  file=sys.stderr)
            return 1
        line = figure_line(version, counts)
        print(line)
        lines.append(line)
    rewrite_readme(lines)
    print("updated %s" % os.path.relpath(README, os.getcwd()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
