"""Withdrawing or the end of a consent takes effect at once: in the policy and on the screens."""

from __future__ import annotations

import datetime as dt

import pytest

from estafette.access.policy import access_for, trajectory_scope
from estafette.consent.services import consent_revoke
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Purpose
from estafette.handovers.services import handover_accept
from estafette.organisations.models import OrganisationKind, Role
from estafette.testing.clock import ClockControl
from estafette.testing.consent import withdrawal_heard
from estafette.trajectories.models import Phase, Trajectory
from estafette.trajectories.services import trajectory_set_phase

from .helpers import (
    NETWORK,
    PLACE,
    TODAY,
    bb_desk,
    caseload_rows,
    client_for,
    consent_for,
    make_actor,
    make_org,
    open_file,
    send,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def coordinator(db: None) -> Actor:
    return make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)


@pytest.fixture
def trajectory(coordinator: Actor) -> Trajectory:
    trajectory = open_file(coordinator)
    consent_for(trajectory, coordinator.organisation)
    return trajectory


@pytest.fixture
def municipal(db: None) -> Actor:
    return make_actor(make_org(OrganisationKind.MUNICIPAL_AFTERCARE), Role.AFTERCARE_COORDINATOR)


def _received(coordinator: Actor, trajectory: Trajectory, municipal: Actor) -> None:
    """The municipality received the baton under a consent for the after-care referral.

    Accepted during detention it is committed (decision 0011); the person's return then
    passes the baton to it.
    """
    handover = send(coordinator, trajectory, municipal.organisation, Purpose.AFTERCARE_REFERRAL)
    handover_accept(actor=municipal, handover=handover)
    trajectory_set_phase(actor=coordinator, trajectory=trajectory, phase=Phase.RETURN)


def test_a_committed_receiver_loses_the_file_with_the_consent(
    coordinator: Actor, trajectory: Trajectory, municipal: Actor
) -> None:
    """Committed during detention, the municipality's only ground is the consent."""
    handover = send(coordinator, trajectory, municipal.organisation, Purpose.AFTERCARE_REFERRAL)
    handover_accept(actor=municipal, handover=handover)
    client = client_for(municipal)
    assert client.get(f"/trajectories/{trajectory.pk}/").status_code == 200
    referral = trajectory.person.consents.get(purpose__code="aftercare_referral")
    consent_revoke(actor=coordinator, consent=referral, **withdrawal_heard())
    assert client.get(f"/trajectories/{trajectory.pk}/").status_code == 404


def test_revoking_removes_the_covered_classes_at_once_service_layer(
    coordinator: Actor, trajectory: Trajectory, municipal: Actor
) -> None:
    handover = send(coordinator, trajectory, municipal.organisation, Purpose.SENTENCE_TRANSFER)
    consent_for(trajectory, municipal.organisation, [DataClass.IDENTITY, DataClass.DETENTION])
    network = consent_for(trajectory, municipal.organisation, [DataClass.NETWORK])
    assert DataClass.NETWORK in access_for(municipal, trajectory).classes
    consent_revoke(
        actor=coordinator, consent=network, reason="Wil het niet meer", **withdrawal_heard()
    )
    access = access_for(municipal, trajectory)
    assert DataClass.NETWORK not in access.classes
    assert DataClass.DETENTION in access.classes  # the other consent still covers it
    assert trajectory_scope(municipal).filter(pk=trajectory.pk).exists()
    assert handover.receiver_id == municipal.organisation_id


def test_revoking_the_last_ground_closes_the_file_for_a_receiver(
    coordinator: Actor, trajectory: Trajectory, municipal: Actor
) -> None:
    send(coordinator, trajectory, municipal.organisation, Purpose.AFTERCARE_REFERRAL)
    referral = trajectory.person.consents.get(purpose__code="aftercare_referral")
    client = client_for(municipal)
    assert client.get(f"/trajectories/{trajectory.pk}/").status_code == 200
    consent_revoke(actor=coordinator, consent=referral, **withdrawal_heard())
    assert not trajectory_scope(municipal).filter(pk=trajectory.pk).exists()
    assert client.get(f"/trajectories/{trajectory.pk}/").status_code == 404
    caseload = client.get("/caseload/").content.decode()
    assert trajectory.person.family_name not in caseload_rows(caseload)
    # The notice that the consent was withdrawn does name the person: the desk received
    # the data under it and must know whose data it may no longer use.
    assert 'id="consent-notices-heading"' in caseload


def test_the_holder_keeps_identity_after_its_consent_is_revoked(
    coordinator: Actor, trajectory: Trajectory, municipal: Actor
) -> None:
    """The new holder may still ask for consent again: it sees who the person is."""
    _received(coordinator, trajectory, municipal)
    referral = trajectory.person.consents.get(purpose__code="aftercare_referral")
    client = client_for(municipal)
    html = client.get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert PLACE in html and trajectory.person.family_name in html
    consent_revoke(actor=municipal, consent=referral, **withdrawal_heard())
    html = client.get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert trajectory.person.family_name in html
    assert PLACE not in html and NETWORK not in html
    trajectory.refresh_from_db()
    assert access_for(municipal, trajectory).classes == {DataClass.IDENTITY}


def test_the_caseload_masks_and_tells_at_once(
    coordinator: Actor, trajectory: Trajectory, municipal: Actor
) -> None:
    _received(coordinator, trajectory, municipal)
    referral = trajectory.person.consents.get(purpose__code="aftercare_referral")
    client = client_for(municipal)
    before = client.get("/caseload/").content.decode()
    assert "Spanje" in caseload_rows(before)
    consent_revoke(actor=municipal, consent=referral, **withdrawal_heard())
    after = client.get("/caseload/").content.decode()
    assert "Spanje" not in caseload_rows(after)
    assert "Niet gedeeld met uw organisatie" in caseload_rows(after)
    # The notices panel says whose consent was withdrawn, on the caseload itself.
    assert 'id="consent-notices-heading"' in after
    assert trajectory.person.full_name in after


def test_an_expired_consent_stops_showing_the_next_day(
    coordinator: Actor, trajectory: Trajectory, municipal: Actor, frozen_clock: ClockControl
) -> None:
    send(coordinator, trajectory, municipal.organisation, Purpose.SENTENCE_TRANSFER)
    consent_for(trajectory, municipal.organisation, ends_on=TODAY)
    client = client_for(municipal)
    assert PLACE in client.get(f"/trajectories/{trajectory.pk}/").content.decode()
    frozen_clock.set(TODAY + dt.timedelta(days=1))
    assert client.get(f"/trajectories/{trajectory.pk}/").status_code == 404
    assert access_for(municipal, trajectory).classes == frozenset()
