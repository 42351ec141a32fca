"""The crawl's seed in pytest's header, and each role's figures in the closing summary.

Hooks of an initial conftest: registered when pytest is pointed at ``tests/crawl``
(as ``make test`` does), in the main process too under pytest-xdist.
"""

from __future__ import annotations

import pytest

from tests.crawl.seed import SEED_VARIABLE, crawl_seed, seed_choose

SUMMARIES: list[str] = []
BUILDS: dict[str, str] = {}
"""Seconds the small demo took to build, per process (``gw0``, ``gw1`` under xdist)."""


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the main process; workers inherit the variable
        seed_choose()


def pytest_report_header() -> str:
    seed = crawl_seed()
    return f"crawl seed: {seed} (replay with {SEED_VARIABLE}={seed})"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        for name, value in report.user_properties:
            if name == "crawl":
                SUMMARIES.append(str(value))
            elif name == "crawl_build":
                process, seconds = str(value).split()
                BUILDS[process] = seconds


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARIES:
        seed = crawl_seed()
        terminalreporter.write_sep("-", f"crawl (seed {seed}, replay with {SEED_VARIABLE}={seed})")
        builds = ", ".join(
            f"{seconds} s ({process})" for process, seconds in sorted(BUILDS.items())
        )
        terminalreporter.write_line(f"small demo built in {builds}")
        for line in sorted(SUMMARIES):
            terminalreporter.write_line(line)
