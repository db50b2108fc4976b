"""Run SQLAlchemy's own test suite (``test/orm``, ``test/sql``, ``test/engine``,
``test/ext``, ``test/ext/asyncio`` from the sdist of the installed version)
against ``memory://``, optionally against SQLite too, and print the counts per
directory.

Why: the compliance suite (``test/test_suite.py``) barely touches the ORM;
SQLAlchemy's main suite does, and SQLite's figures on the same tests are the
reference. Usage::

    python tools/sa_main_suite.py                    # every dir on memory://
    python tools/sa_main_suite.py --dirs orm --compare-sqlite

The sdist is downloaded with pip into ``.sa-sdist/`` (git-ignored) and pytest
runs with the sdist root as cwd, so its conftest, ``setup.cfg`` and
``test/requirements.py`` (DefaultRequirements) apply; the memory dialect is
found through its entry point. Each failing test, with the first line of its
message, is written to ``.sa-sdist/failures-<version>-<db>.txt``.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import sqlalchemy

ROOT = Path(__file__).resolve().parent.parent
DIRS = ("orm", "sql", "engine", "ext", "ext/asyncio")
URLS = {
    "memory": ("memory:///test", "memory+asyncio:///test"),
    "sqlite": ("sqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
}


@dataclass
class Counts:
    """One directory's outcome, with the ids of the tests that did not pass."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    problems: List[str] = field(default_factory=list)


def sdist_root(version: str, cache: Path) -> Path:
    """The unpacked sdist of ``version``, downloaded once into ``cache``."""
    root = cache / f"sqlalchemy-{version}"
    if (root / "test" / "conftest.py").exists():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"sqlalchemy-{version}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:",
             "--no-deps", f"sqlalchemy=={version}", "-d", str(cache)],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return root


def ensure_aiosqlite() -> None:
    """SQLite's asyncio reference needs aiosqlite; install it when missing."""
    if importlib.util.find_spec("aiosqlite") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "aiosqlite"], check=True)


def parse_junit(path: Path) -> Counts:
    """Counts and problem lines from pytest's JUnit XML (xfail counts as skipped)."""
    counts = Counts()
    for case in ET.parse(path).getroot().iter("testcase"):
        module, _, klass = case.get("classname", "").rpartition(".")
        test_id = f"{module.replace('.', '/')}.py::{klass}::{case.get('name')}"
        found = {child.tag: child for child in case if child.tag in ("failure", "error", "skipped")}
        for tag in ("failure", "error"):
            if tag in found:
                lines = (found[tag].get("message") or "").strip().splitlines()
                counts.problems.append(f"{tag.upper()} {test_id} :: {lines[0][:300] if lines else ''}")
        if "failure" in found:
            counts.failed += 1
        elif "error" in found:
            counts.errors += 1
        elif "skipped" in found:
            counts.skipped += 1
        else:
            counts.passed += 1
    return counts


def run_dir(root: Path, name: str, url: str, workers: int, extra: Sequence[str], log_dir: Path) -> Counts:
    """Run one test directory of the sdist with pytest-xdist; cwd is the sdist
    root so its conftest and configuration apply. ``python -s`` keeps the
    installed SQLAlchemy (the sdist's conftest puts ``lib/`` first otherwise)."""
    slug = name.replace("/", "_")
    junit = log_dir / f"junit-{slug}.xml"
    cmd = [sys.executable, "-s", "-m", "pytest", f"test/{name}", "--dburi", url,
           "-n", str(workers), "-p", "no:cacheprovider", "-q", "--maxfail=100000",
           f"--junitxml={junit}", *extra]
    if name == "ext":
        cmd.append("--ignore=test/ext/asyncio")
    start = time.monotonic()
    with open(log_dir / f"pytest-{slug}.log", "w") as log:
        subprocess.run(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    counts = parse_junit(junit) if junit.exists() else Counts(errors=1, problems=[f"ERROR {name} :: no junit output"])
    counts.seconds = time.monotonic() - start
    return counts


def run(db: str, dirs: Sequence[str], workers: int, extra: Sequence[str], cache: Path) -> Dict[str, Counts]:
    """Every chosen directory on one database; the problem list goes to a file."""
    version = sqlalchemy.__version__
    root = sdist_root(version, cache)
    log_dir = cache / f"logs-{version}-{db}"
    log_dir.mkdir(parents=True, exist_ok=True)
    results: Dict[str, Counts] = {}
    for name in dirs:
        url = URLS[db][1] if name.startswith("ext/asyncio") else URLS[db][0]
        if db == "sqlite" and name.startswith("ext/asyncio"):
            ensure_aiosqlite()
        results[name] = counts = run_dir(root, name, url, workers, extra, log_dir)
        print(f"{db:7} test/{name:12} {counts.passed:6} passed {counts.failed:5} failed "
              f"{counts.errors:4} errors {counts.skipped:5} skipped  ({counts.seconds:.0f} s)", flush=True)
    report = cache / f"failures-{version}-{db}.txt"
    with open(report, "w") as out:
        for name, counts in results.items():
            out.write(f"# test/{name}: {counts.passed} passed, {counts.failed} failed, "
                      f"{counts.errors} errors, {counts.skipped} skipped\n")
            out.writelines(line + "\n" for line in counts.problems)
    print(f"failures: {report}")
    return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Exit status 1 when any test failed on ``memory://`` (for CI)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dirs", nargs="+", default=list(DIRS),
                        help="dirs or files under the sdist's test/ (default: %(default)s)")
    parser.add_argument("--compare-sqlite", action="store_true",
                        help="also run the same dirs on sqlite:// (aiosqlite for asyncio)")
    parser.add_argument("-n", "--workers", type=int, default=2, help="pytest-xdist workers")
    parser.add_argument("--cache", type=Path, default=ROOT / ".sa-sdist", help="sdist cache dir")
    parser.add_argument("--max-failures", type=int, default=None,
                        help="exit 1 when memory:// failures + errors exceed this (default: report only)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    print(f"SQLAlchemy {sqlalchemy.__version__}, Python {sys.version.split()[0]}", flush=True)
    memory = run("memory", args.dirs, args.workers, args.pytest_args, args.cache)
    if args.compare_sqlite:
        run("sqlite", args.dirs, args.workers, args.pytest_args, args.cache)
    bad = sum(c.failed + c.errors for c in memory.values())
    if args.max_failures is not None and bad > args.max_failures:
        print(f"memory:// failures + errors: {bad} > {args.max_failures}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
