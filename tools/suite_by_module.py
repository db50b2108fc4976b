#!/usr/bin/env python
"""Compliance-suite results per suite module (test_types, test_reflection, ...).

    python tools/suite_by_module.py [--python /path/to/python] [--dbdriver memory]

Runs ``test/test_suite.py`` once on one driver (default ``memory``, the sync
one, which is what SQLite's reference figures count) with a JUnit XML report,
then maps each test class back to the ``sqlalchemy.testing.suite`` module that
defines it and prints passed / failed / skipped per module.
"""

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CLASS_MODULES = """
import json, sqlalchemy.testing.suite as suite, inspect
out = {}
for name in dir(suite):
    obj = getattr(suite, name)
    if inspect.isclass(obj):
        out[name] = obj.__module__.rsplit(".", 1)[-1]
print(json.dumps(out))
"""


def class_modules(python):
    import json

    out = subprocess.run([python, "-c", CLASS_MODULES], check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return json.loads(out.stdout)


def run(python, driver, report):
    subprocess.run(
        [python, "-m", "pytest", "test/test_suite.py", "-n", "2", "-p", "no:cacheprovider", "-q",
         "-o", "addopts=-p no:warnings", "--dbdriver", driver, "--junitxml", report],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def tally(report, modules):
    counts = collections.defaultdict(collections.Counter)
    for case in ET.parse(report).iter("testcase"):
        cls = case.get("classname", "").rsplit(".", 1)[-1].split("_", 1)[0]
        module = modules.get(cls, "?")
        if case.find("skipped") is not None:
            outcome = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        else:
            outcome = "passed"
        counts[module][outcome] += 1
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--dbdriver", default="memory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "suite.xml")
        run(args.python, args.dbdriver, report)
        counts = tally(report, class_modules(args.python))
    total = collections.Counter()
    for module in sorted(counts):
        c = counts[module]
        total.update(c)
        print("%-22s %5d passed %3d failed %4d skipped" % (module, c["passed"], c["failed"], c["skipped"]))
    print("%-22s %5d passed %3d failed %4d skipped" % ("all", total["passed"], total["failed"], total["skipped"]))
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
