"""Reporting for the authorization matrix: how many cases and checks it ran."""

from __future__ import annotations

from typing import Any

MATRIX_TALLY: dict[str, int] = {"cases": 0, "checks": 0}
"""Filled by ``test_matrix``: parametrized cases that ran, and the single checks inside them."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MATRIX_TALLY["cases"]:
        terminalreporter.write_sep(
            "-",
            f"authorization matrix: {MATRIX_TALLY['cases']} cases, "
            f"{MATRIX_TALLY['checks']} checks (status, data class sentinels, selector answers)",
        )
