"""Reporting for the authorization matrix: how many cases and checks it ran."""

from __future__ import annotations

from typing import Any

MATRIX_TALLY: dict[str, int] = {"cases": 0, "checks": 0}
"""Parametrized cases that passed, and the single checks inside them.

``test_matrix`` records its checks as a user property of its report; the
reports reach this hook in the main process, also when pytest-xdist runs the
tests in worker processes.
"""


def pytest_runtest_logreport(report: Any) -> None:
    if report.when != "call" or not report.passed:
        return
    for name, value in report.user_properties:
        if name == "matrix_checks":
            MATRIX_TALLY["cases"] += 1
            MATRIX_TALLY["checks"] += int(value)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MATRIX_TALLY["cases"]:
        terminalreporter.write_sep(
            "-",
            f"authorization matrix: {MATRIX_TALLY['cases']} cases, "
            f"{MATRIX_TALLY['checks']} checks (status, data class sentinels, selector answers)",
        )
