"""Shared fixtures: three unrelated organisations, their actors, a frozen clock, factories.

* ``org_a`` — a Bureau Buitenland regional desk (usually the first holder);
* ``org_b`` — the municipal after-care desk of Arnhem (usually the receiver);
* ``org_c`` — a landing place with no part in anything unless a test gives it one.

``actor_for(org, role=None)`` makes one more user working for ``org``.
Reference data (municipalities, countries) comes from the data migration, so
it exists in every test database: ``Municipality.objects.get(cbs_code="GM0202")``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import cast

import pytest
from hypothesis import HealthCheck, settings

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.organisations.models import Country, Municipality, Organisation, OrganisationKind
from estafette.testing.clock import ClockControl
from estafette.testing.factories import (
    OrganisationFactory,
    TrajectoryFactory,
    country,
    make_actor,
    municipality,
)
from estafette.trajectories.models import Trajectory

settings.register_profile(
    "estafette",
    max_examples=60,  # every hypothesis test here drives the database: keep the suite fast
    deadline=None,  # the database makes timings noisy; the suites assert no timings
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("ci", parent=settings.get_profile("estafette"), derandomize=True)
settings.register_profile("thorough", parent=settings.get_profile("estafette"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "estafette"))

TODAY = dt.date(2025, 3, 3)
"""The frozen today of the test suite: a Monday, 09:00 in Amsterdam."""


def make_organisation(**fields: object) -> Organisation:
    return cast(Organisation, OrganisationFactory(**fields))


@pytest.fixture
def frozen_clock() -> Iterator[ClockControl]:
    """Freeze ``clock`` at :data:`TODAY` 09:00 Europe/Amsterdam for the test."""
    with clock.frozen(TODAY):
        yield ClockControl(TODAY)


@pytest.fixture
def arnhem(db: None) -> Municipality:
    return municipality("GM0202")


@pytest.fixture
def amsterdam(db: None) -> Municipality:
    return municipality("GM0363")


@pytest.fixture
def spain(db: None) -> Country:
    return country("ES")


@pytest.fixture
def thailand(db: None) -> Country:
    return country("TH")


@pytest.fixture
def org_a(db: None) -> Organisation:
    return make_organisation(
        name="Bureau Buitenland, regio Oost", kind=OrganisationKind.BB_REGIONAL_DESK
    )


@pytest.fixture
def org_b(arnhem: Municipality) -> Organisation:
    return make_organisation(
        name="Nazorg Arnhem (test)", kind=OrganisationKind.MUNICIPAL_AFTERCARE, municipality=arnhem
    )


@pytest.fixture
def org_c(db: None) -> Organisation:
    return make_organisation(name="Landingsplaats De Overstap", kind=OrganisationKind.LANDING_PLACE)


@pytest.fixture
def actor_for(db: None) -> Callable[..., Actor]:
    """``actor_for(org, role=None)``: a new user with a membership of ``org``, as an Actor."""
    return make_actor


@pytest.fixture
def actor_a(org_a: Organisation) -> Actor:
    return make_actor(org_a)


@pytest.fixture
def actor_b(org_b: Organisation) -> Actor:
    return make_actor(org_b)


@pytest.fixture
def actor_c(org_c: Organisation) -> Actor:
    return make_actor(org_c)


@pytest.fixture
def trajectory(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    """A trajectory opened by ``org_a`` (release known, 90 days ahead, registered in Arnhem)."""
    return cast(Trajectory, TrajectoryFactory(actor=actor_a))


# --- the authorization matrix's report (src/estafette/access/tests/test_matrix.py) ----------
# Here, in the root conftest, because with pytest-xdist only the main process prints the
# summary and it never collects the access tests itself: a hook in their own conftest
# would not be registered there.

MATRIX_TALLY: dict[str, int] = {"cases": 0, "checks": 0, "subject_cases": 0, "subject_checks": 0}
"""Matrix cases that passed, and the single checks inside them (from the reports); the
``subject_`` ones are the portal's matrix (src/estafette/portal/tests/test_matrix_subjects.py)."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" or not report.passed:
        return
    for name, value in report.user_properties:
        if name == "matrix_checks":
            MATRIX_TALLY["cases"] += 1
            MATRIX_TALLY["checks"] += int(value)  # type: ignore[call-overload]
        elif name == "subject_matrix_checks":
            MATRIX_TALLY["subject_cases"] += 1
            MATRIX_TALLY["subject_checks"] += int(value)  # type: ignore[call-overload]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MATRIX_TALLY["cases"]:
        terminalreporter.write_sep(
            "-",
            f"authorization matrix: {MATRIX_TALLY['cases']} cases, "
            f"{MATRIX_TALLY['checks']} checks (status, data class sentinels, selector answers)",
        )
    if MATRIX_TALLY["subject_cases"]:
        terminalreporter.write_sep(
            "-",
            f"subject matrix: {MATRIX_TALLY['subject_cases']} actors, "
            f"{MATRIX_TALLY['subject_checks']} checks (status, redirect, sentinels, race "
            "sections, same refusal for another's and none, nothing changed)",
        )
