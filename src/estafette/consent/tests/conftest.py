"""Fixtures of the consent ledger's tests, built here (not shared) so the suite stands alone.

* ``bb`` — a Bureau Buitenland regional desk that opened the person's trajectory;
* ``aftercare`` / ``aftercare_2`` — two municipal after-care desks (same kind);
* ``landing`` — a landing place; ``stranger`` — an organisation with no part in anything;
* ``coordinator`` (BB, professional), ``volunteer`` (BB, visiting volunteer),
  ``outsider`` (the stranger's worker);
* ``person`` with a ``trajectory`` held by ``bb``;
* every test runs with the clock frozen at :data:`TODAY` and ``MEDIA_ROOT`` in ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from estafette.consent.models import Consent
from estafette.consent.services import consent_record
from estafette.consent.tests.helpers import TODAY, VERBAL, make_actor, make_org
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.people.models import Person
from estafette.testing.consent import give_consent
from estafette.testing.factories import assign
from estafette.trajectories.models import Route, Trajectory
from estafette.trajectories.services import trajectory_open


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def bb(db: None) -> Organisation:
    return make_org(OrganisationKind.BB_REGIONAL_DESK, "Bureau Buitenland Oost")


@pytest.fixture
def aftercare(db: None) -> Organisation:
    return make_org(OrganisationKind.MUNICIPAL_AFTERCARE, "Nazorg Arnhem")


@pytest.fixture
def aftercare_2(db: None) -> Organisation:
    return make_org(OrganisationKind.MUNICIPAL_AFTERCARE, "Nazorg Zwolle")


@pytest.fixture
def landing(db: None) -> Organisation:
    return make_org(OrganisationKind.LANDING_PLACE, "De Overstap")


@pytest.fixture
def stranger(db: None) -> Organisation:
    return make_org(OrganisationKind.PARTNER, "Elders")


@pytest.fixture
def coordinator(bb: Organisation) -> Actor:
    return make_actor(bb, Role.REGIONAL_COORDINATOR)


@pytest.fixture
def volunteer(bb: Organisation, request: pytest.FixtureRequest) -> Actor:
    """A visiting volunteer of ``bb``, assigned to the test's ``trajectory`` when it has one:
    a volunteer sees only the people assigned to it (decision 0016)."""
    actor = make_actor(bb, Role.VISITING_VOLUNTEER)
    if "trajectory" in request.fixturenames:
        assign(actor, request.getfixturevalue("trajectory"))
    return actor


@pytest.fixture
def outsider(stranger: Organisation) -> Actor:
    return make_actor(stranger, Role.PARTNER_WORKER)


@pytest.fixture
def aftercare_worker(aftercare: Organisation) -> Actor:
    return make_actor(aftercare, Role.AFTERCARE_COORDINATOR)


@pytest.fixture
def person(db: None) -> Person:
    return Person.objects.create(
        given_names="Sanne", family_name="Kuipers-Oudeman", date_of_birth=dt.date(1987, 4, 9)
    )


@pytest.fixture
def trajectory(coordinator: Actor, person: Person) -> Trajectory:
    return trajectory_open(actor=coordinator, person=person, route=Route.ABROAD_BB)


@pytest.fixture
def bb_ground(bb: Organisation, person: Person) -> Consent:
    """A consent naming ``bb`` for every class: the holder then sees the consents' content
    (without it, the holder sees identity only: that consents exist and their purpose)."""
    return give_consent(person=person, purpose_code="bb_guidance", recipient=bb)


@pytest.fixture
def record(coordinator: Actor, person: Person, trajectory: Trajectory) -> Callable[..., Consent]:
    """``record(**overrides)``: an after-care consent (by kind), verbal, in force from today."""

    def _record(**overrides: Any) -> Consent:
        arguments: dict[str, Any] = {
            "actor": coordinator,
            "person": person,
            "purpose_code": "aftercare_referral",
            "recipient_kind": OrganisationKind.MUNICIPAL_AFTERCARE,
            "data_classes": [DataClass.IDENTITY, DataClass.DETENTION],
            "given_on": TODAY,
            **VERBAL,
        }
        arguments.update(overrides)
        return consent_record(**arguments)

    return _record
