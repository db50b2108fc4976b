"""The documentation builds without warnings and its examples run.

Sphinx runs in a subprocess so each build starts clean and cannot disturb the
SQLAlchemy testing plugin's state in this process.  The class derives from
``fixtures.TestBase`` because SQLAlchemy's pytest plugin collects only such
classes.
"""

import difflib
import os
import re
import subprocess
import sys
import tempfile

import pytest
from sqlalchemy.testing import fixtures

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")


def _sphinx(builder):
    with tempfile.TemporaryDirectory(prefix="docs-%s-" % builder) as out:
        proc = subprocess.run(
            [
                sys.executable, "-m", "sphinx",
                "-W", "--keep-going", "-q", "-E",
                "-b", builder,
                "-d", os.path.join(out, ".doctrees"),
                DOCS, os.path.join(out, builder),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        report = ""
        if builder == "doctest":
            path = os.path.join(out, builder, "output.txt")
            if os.path.exists(path):
                with open(path) as f:
                    report = f.read()
    if proc.returncode != 0:
        pytest.fail(
            "sphinx -b %s exited %d\n%s\n%s"
            % (builder, proc.returncode, proc.stdout, report),
            pytrace=False,
        )


def _testcode_blocks(rst):
    """Return {group: dedented source} for each ``.. testcode:: group``."""
    blocks = {}
    for m in re.finditer(
        r"^\.\. testcode:: (\S+)\n\n((?:(?:   .*)?\n)+)", rst, re.M
    ):
        lines = [line[3:] for line in m.group(2).split("\n")]
        blocks[m.group(1)] = "\n".join(lines).strip("\n") + "\n"
    return blocks


class TestDocs(fixtures.TestBase):
    def test_doctest(self):
        """The quickstarts in docs/index.rst (and any other doctest) pass."""
        _sphinx("doctest")

    def test_html(self):
        """The HTML documentation builds with warnings as errors."""
        _sphinx("html")

    def test_quickstarts_match_examples(self):
        """docs/index.rst carries examples/quickstart*.py verbatim."""
        with open(os.path.join(DOCS, "index.rst")) as f:
            blocks = _testcode_blocks(f.read())
        for group, name in [
            ("quickstart-sync", "quickstart.py"),
            ("quickstart-async", "quickstart_async.py"),
        ]:
            with open(os.path.join(ROOT, "examples", name)) as f:
                expected = f.read()
            actual = blocks.get(group)
            if actual != expected:
                diff = "".join(
                    difflib.unified_diff(
                        expected.splitlines(True),
                        (actual or "").splitlines(True),
                        "examples/" + name,
                        "docs/index.rst (testcode %s)" % group,
                    )
                )
                pytest.fail(diff or "no testcode group %s" % group,
                            pytrace=False)
