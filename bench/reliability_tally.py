"""Run the reliability tests and tally what they exercised: faults injected and survived, bad inputs, articles lost.

    .venv/bin/python bench/reliability_tally.py

Runs pytest in this process on the five reliability test files with a small
plugin that collects each test's outcome and the ``record_property`` entries
the tests write through ``tests.reliability.tally`` (faults the FakeEndpoint
actually injected, articles expected and lost or duplicated, bad inputs tried,
ungrounded claims dropped). A fault counts as survived when its test passed:
each test asserts the specified outcome (recovered with the retry or re-ask
counted, or exactly one clear error line while the rest of the batch succeeds).
Writes ``bench/results/reliability.json`` and prints the figures as Markdown
for ``docs/reliability.md``. Exit status is pytest's.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _common import REPO, print_table, save_result

TEST_FILES = [
    "tests/test_faults.py", "tests/test_crash_resume.py", "tests/test_bad_input.py",
    "tests/test_injection.py", "tests/test_secrets.py",
]


class Collector:
    """pytest plugin: outcome, duration and recorded properties of every test."""

    def __init__(self) -> None:
        self.tests: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self.tests.setdefault(report.nodeid, {"outcome": "passed", "seconds": 0.0, "properties": []})
        entry["seconds"] += report.duration
        if report.failed or (report.skipped and entry["outcome"] == "passed"):
            entry["outcome"] = report.outcome
        if report.when == "call":
            entry["properties"] = list(report.user_properties)


def summarise(tests: dict[str, dict[str, Any]]) -> dict[str, Any]:
    outcomes = collections.Counter(t["outcome"] for t in tests.values())
    injected: collections.Counter[str] = collections.Counter()
    survived: collections.Counter[str] = collections.Counter()
    totals: collections.Counter[str] = collections.Counter()
    bad_inputs: list[str] = []
    for test in tests.values():
        passed = test["outcome"] == "passed"
        for name, value in test["properties"]:
            if name == "faults_injected":
                injected.update(value)
                if passed:
                    survived.update(value)
            elif name == "bad_inputs":
                bad_inputs.extend(value)
                totals["bad inputs tried"] += len(value)
                totals["bad inputs with one clear error line"] += len(value) if passed else 0
            elif isinstance(value, int):
                totals[name] += value
    return {
        "tests": dict(outcomes),
        "test_seconds": round(sum(t["seconds"] for t in tests.values()), 1),
        "faults_injected": dict(sorted(injected.items())),
        "faults_survived": dict(sorted(survived.items())),
        "bad_inputs": sorted(bad_inputs),
        "totals": dict(totals),
    }


def print_markdown(figures: dict[str, Any]) -> None:
    tests = figures["tests"]
    print(f"Tests: {tests.get('passed', 0)} passed, {tests.get('failed', 0)} failed, "
          f"{tests.get('skipped', 0)} skipped in {figures['test_seconds']} s of test time.\n")
    print("| fault injected | times | survived |")
    print("|---|---:|---:|")
    for kind, count in figures["faults_injected"].items():
        print(f"| {kind} | {count} | {figures['faults_survived'].get(kind, 0)} |")
    totals = figures["totals"]
    print(f"| **all** | **{sum(figures['faults_injected'].values())}** "
          f"| **{sum(figures['faults_survived'].values())}** |\n")
    print("| articles | |")
    print("|---|---:|")
    for label, key in [
        ("articles through a faulty run (outputs checked line by line)", "articles"),
        ("articles lost", "articles_lost"), ("articles written twice", "articles_duplicated"),
        ("bad inputs tried", "bad inputs tried"),
        ("bad inputs with one clear error line", "bad inputs with one clear error line"),
        ("compromised-model answers tried (injection tests)", "injections_tried"),
        ("ungrounded claims dropped (injection tests)", "ungrounded_dropped"),
        ("places scanned for the API key (output, cache files, logs, stderr, errors)", "secrets_scanned"),
    ]:
        print(f"| {label} | {totals.get(key, 0)} |")
    print(f"\nBad inputs: {', '.join(figures['bad_inputs'])}.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, e.g. -x")
    args = parser.parse_args()
    collector = Collector()
    started = time.perf_counter()
    code = pytest.main(
        ["-q", "-p", "no:cacheprovider", "--block-network", "--allowed-hosts=127.0.0.1,::1,localhost",
         *[str(REPO / f) for f in TEST_FILES], *args.pytest_args],
        plugins=[collector],
    )
    figures = summarise(collector.tests)
    figures["wall_seconds"] = round(time.perf_counter() - started, 1)
    path = save_result("reliability", {**figures, "per_test": {
        k: {"outcome": v["outcome"], "seconds": round(v["seconds"], 2)} for k, v in collector.tests.items()}})
    print()
    print_table(["fault", "injected", "survived"],
                [[k, v, figures["faults_survived"].get(k, 0)] for k, v in figures["faults_injected"].items()])
    print()
    print_markdown(figures)
    print(f"\nwall time {figures['wall_seconds']} s; written to {Path(path).relative_to(REPO)}")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
