"""Emergency access starts from a name and date of birth (issue 12): nothing before the grant."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from estafette.access import messages
from estafette.access.models import EmergencyAccess
from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.organisations.models import OrganisationKind, Role
from estafette.people.models import Person, PersonIdentifier
from estafette.testing.auth import login_verified
from estafette.testing.factories import PersonFactory, TrajectoryFactory
from estafette.trajectories.models import Trajectory

from .helpers import bb_desk, make_actor, make_org

pytestmark = pytest.mark.usefixtures("frozen_clock")

REASON = "De man staat aan onze balie in crisis en wij moeten weten wie hem begeleidt."
BORN = dt.date(1981, 6, 9)


def client_for(actor: Actor, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    login_verified(client, actor.user)
    return client


def en(message: object) -> str:
    with translation.override("en"):
        return escape(str(message))


@pytest.fixture
def holder(db: None) -> Actor:
    return make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)


@pytest.fixture
def stranger(db: None) -> Actor:
    return make_actor(make_org(OrganisationKind.MUNICIPAL_AFTERCARE), Role.AFTERCARE_COORDINATOR)


@pytest.fixture
def file(holder: Actor) -> Trajectory:
    person = PersonFactory(given_names="Johan", family_name="van Dijk", date_of_birth=BORN)
    return cast(Trajectory, TrajectoryFactory(actor=holder, person=person))


def ask(actor: Actor, **fields: str) -> Any:
    data = {"given_names": "johan", "family_name": "Van  Dijk", "born": BORN.isoformat()}
    data.update(fields)
    return client_for(actor, "en").post("/emergency-access/", {**data, "reason": REASON})


def test_one_match_is_granted_and_opened(file: Trajectory, stranger: Actor) -> None:
    response = ask(stranger)
    assert response.status_code == 302
    assert response["Location"] == f"/trajectories/{file.pk}/"
    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.trajectory) == (stranger.user, file)


def test_nobody_gets_the_neutral_answer_and_is_audited(file: Trajectory, stranger: Actor) -> None:
    response = ask(stranger, family_name="Nergens")
    html = response.content.decode()
    assert response.status_code == 400
    assert en(messages.EMERGENCY_NO_MATCH) in html
    assert "Trajectory" not in html or str(file.pk) not in html
    assert not EmergencyAccess.objects.exists()
    assert AuditEvent.objects.filter(
        action="denied", object_type="access.emergencyaccess", user=stranger.user
    ).exists()


def test_several_matches_ask_for_the_number(
    file: Trajectory, holder: Actor, stranger: Actor
) -> None:
    twin = cast(
        Person, PersonFactory(given_names="Johan", family_name="van Dijk", date_of_birth=BORN)
    )
    other = cast(Trajectory, TrajectoryFactory(actor=holder, person=twin))
    PersonIdentifier.objects.create(person=twin, kind="bsn", value="111222333")
    response = ask(stranger)
    assert response.status_code == 400
    assert en(messages.EMERGENCY_SEVERAL_MATCHES) in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    response = ask(stranger, identifier_kind="bsn", identifier_value="111 222 333")
    assert response.status_code == 302
    assert EmergencyAccess.objects.get().trajectory == other


def test_a_reason_is_checked_before_any_lookup(file: Trajectory, stranger: Actor) -> None:
    response = client_for(stranger, "en").post(
        "/emergency-access/",
        {
            "given_names": "Johan",
            "family_name": "van Dijk",
            "born": BORN.isoformat(),
            "reason": "nu",
        },
    )
    assert response.status_code == 400
    assert en(messages.EMERGENCY_REASON_REQUIRED) in response.content.decode()
    assert not EmergencyAccess.objects.exists()


def test_a_file_one_may_open_needs_no_emergency_access(file: Trajectory, holder: Actor) -> None:
    response = ask(holder)
    assert response.status_code == 302
    assert response["Location"] == f"/trajectories/{file.pk}/"
    assert not EmergencyAccess.objects.exists()


def test_a_volunteer_may_not(file: Trajectory) -> None:
    volunteer = make_actor(
        make_org(OrganisationKind.VOLUNTEER_ORGANISATION), Role.VISITING_VOLUNTEER
    )
    assert ask(volunteer).status_code == 403
