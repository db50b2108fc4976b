#!/usr/bin/env python
"""Run SQLAlchemy's compliance suite and Alembic's dialect suite and write
their figures into README.md.

    python tools/suite_figures.py [--python /path/to/python ...]

For each interpreter given (default: the one running this script) it runs
``python -m pytest FILE -n 2 -p no:cacheprovider -q`` from the repository
root for ``test/test_suite.py`` (SQLAlchemy's suite) and, when Alembic is
installed there, ``test/test_alembic_suite.py`` (Alembic's suite), reads
pytest's final summary line of each, and rewrites the block between
``<!-- suite-figures:start -->`` and ``<!-- suite-figures:end -->`` in
README.md with one line per suite and interpreter.  Exits non-zero if a run
printed no summary line (the README is then left unchanged).
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


SUITES = [
    # (test file, module whose version names the suite, label)
    ("test/test_suite.py", "sqlalchemy", "SQLAlchemy %s"),
    ("test/test_alembic_suite.py", "alembic", "SQLAlchemy %s, Alembic %s suite"),
]


def module_version(python, module):
    """``module.__version__`` in ``python``, or None when not installed."""
    out = subprocess.run(
        [python, "-c", "import %s; print(%s.__version__)" % (module, module)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return out.stdout.strip() if out.returncode == 0 else None


def sqlalchemy_version(python):
    version = module_version(python, "sqlalchemy")
    if version is None:
        raise SystemExit("SQLAlchemy is not installed for %s" % python)
    return version


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


def run_suite(python, path="test/test_suite.py"):
    proc = subprocess.run(
        [python, "-m", "pytest", path,
         "-n", "2", "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return parse_summary(proc.stdout), proc.stdout


def figure_line(label, counts):
    parts = ["%d passed" % counts.get("passed", 0),
             "%d failed" % counts.get("failed", 0),
             "%d skipped" % counts.get("skipped", 0)]
    for extra in ("errors", "xfailed", "xpassed"):
        if counts.get(extra):
            parts.append("%d %s" % (counts[extra], extra))
    return "- %s: %s (`%s`)" % (label, ", ".join(parts), COMMAND)


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
        for path, module, label in SUITES:
            if module == "sqlalchemy":
                label = label % version
            else:
                other = module_version(python, module)
                if other is None:
                    print("%s is not installed for %s: %s not run" % (module, python, path), flush=True)
                    continue
                label = label % (version, other)
            print("running %s with %s (%s)..." % (path, python, label), flush=True)
            counts, output = run_suite(python, path)
            if counts is None:
                sys.stdout.write(output[-3000:])
                print("no pytest summary line from %s; README unchanged" % python,
                      file=sys.stderr)
                return 1
            line = figure_line(label, counts)
            print(line)
            lines.append(line)
    rewrite_readme(lines)
    print("updated %s" % os.path.relpath(README, os.getcwd()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
