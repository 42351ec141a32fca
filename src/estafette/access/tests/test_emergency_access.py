"""Emergency access: a reason is required, the time box holds, the holder sees and reviews it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape

from estafette.access import messages
from estafette.access.models import EmergencyAccess
from estafette.access.policy import (
    Relationship,
    access_for,
    may_request_emergency_access,
    trajectory_scope,
)
from estafette.access.selectors import emergency_access_active_on, emergency_access_to_review
from estafette.access.services import emergency_access_open, emergency_access_review
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditEvent
from estafette.organisations.models import OrganisationKind, Role
from estafette.testing.clock import ClockControl
from estafette.trajectories.models import Trajectory

from .helpers import (
    OFFENCE,
    PLACE,
    bb_desk,
    client_for,
    consent_for,
    main_content,
    make_actor,
    make_org,
    open_file,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

REASON = "De man staat aan onze balie in crisis en wij moeten weten wie hem begeleidt."


def nl(message: object, **params: object) -> str:
    with translation.override("nl"):
        text = str(message)
    return escape(text % params if params else text)


@pytest.fixture
def holder(db: None) -> Actor:
    return make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)


@pytest.fixture
def trajectory(holder: Actor) -> Trajectory:
    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    return trajectory


@pytest.fixture
def stranger(db: None) -> Actor:
    return make_actor(make_org(OrganisationKind.MUNICIPAL_AFTERCARE), Role.AFTERCARE_COORDINATOR)


# ------------------------------------------------------------------------ the policy


@pytest.mark.parametrize(
    ("role", "may"),
    [
        (Role.REGIONAL_COORDINATOR, True),
        (Role.CONSULAR_OFFICER, True),
        (Role.AFTERCARE_COORDINATOR, True),
        (Role.CASE_MANAGER, True),
        (Role.PROBATION_OFFICER, True),
        (Role.BUDDY_PROFESSIONAL, True),
        (Role.LANDING_PLACE_WORKER, True),
        (Role.PARTNER_WORKER, True),
        (Role.VISITING_VOLUNTEER, False),
        (Role.BUDDY, False),
        (Role.ORGANISATION_ADMIN, False),
    ],
)
def test_only_professionals_may_request_emergency_access(role: str, may: bool) -> None:
    assert may_request_emergency_access(Actor(user=None, organisation=None, role=role)) is may  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the service


def test_a_reason_of_at_least_a_sentence_is_required(
    trajectory: Trajectory, stranger: Actor
) -> None:
    for reason in ("", "   ", "nodig"):
        with pytest.raises(InvalidInput):
            emergency_access_open(actor=stranger, trajectory_pk=trajectory.pk, reason=reason)
    assert not EmergencyAccess.objects.exists()


def test_volunteers_and_buddies_may_not(trajectory: Trajectory) -> None:
    for role, kind in (
        (Role.VISITING_VOLUNTEER, OrganisationKind.VOLUNTEER_ORGANISATION),
        (Role.BUDDY, OrganisationKind.BUDDY_PROGRAMME),
    ):
        actor = make_actor(make_org(kind), role)
        with pytest.raises(NotPermitted):
            emergency_access_open(actor=actor, trajectory_pk=trajectory.pk, reason=REASON)
        response = client_for(actor).get("/emergency-access/")
        assert response.status_code == 403
        assert nl(messages.EMERGENCY_PROFESSIONALS_ONLY) in response.content.decode()
    assert not EmergencyAccess.objects.exists()


def test_a_stale_grant_opens_nothing_for_a_role_that_may_not_request(
    trajectory: Trajectory, stranger: Actor
) -> None:
    """A grant outlives a change of role only on paper: the policy ignores it."""
    emergency_access_open(actor=stranger, trajectory_pk=trajectory.pk, reason=REASON)
    demoted = Actor(user=stranger.user, organisation=stranger.organisation, role=Role.BUDDY)
    assert not trajectory_scope(demoted).filter(pk=trajectory.pk).exists()
    assert access_for(demoted, trajectory).classes == frozenset()


def test_no_emergency_access_is_needed_for_a_file_one_may_open(
    trajectory: Trajectory, holder: Actor
) -> None:
    with pytest.raises(Conflict):
        emergency_access_open(actor=holder, trajectory_pk=trajectory.pk, reason=REASON)


def test_an_unknown_number_is_404_and_audited(stranger: Actor) -> None:
    with pytest.raises(Http404):
        emergency_access_open(actor=stranger, trajectory_pk=987654, reason=REASON)
    assert AuditEvent.objects.filter(
        action="denied", user=stranger.user, object_id="987654"
    ).exists()


def test_the_time_box_is_honoured(
    trajectory: Trajectory, stranger: Actor, frozen_clock: ClockControl
) -> None:
    grant = emergency_access_open(actor=stranger, trajectory_pk=trajectory.pk, reason=REASON)
    assert grant.expires_at - grant.started_at == dt.timedelta(hours=4)
    access = access_for(stranger, trajectory)
    assert access.relationship == Relationship.EMERGENCY
    assert access.emergency == grant
    # Within the role's classes: an after-care coordinator never sees the offence.
    assert access.classes == frozenset(DataClass.values) - {DataClass.OFFENCE}
    client = client_for(stranger)
    assert client.get(f"/trajectories/{trajectory.pk}/").status_code == 200
    frozen_clock.set(clock.now() + dt.timedelta(hours=3, minutes=59))
    assert client.get(f"/trajectories/{trajectory.pk}/").status_code == 200
    frozen_clock.set(clock.now() + dt.timedelta(minutes=2))
    response = client.get(f"/trajectories/{trajectory.pk}/")
    assert response.status_code == 404  # closed again
    assert PLACE not in response.content.decode()
    assert access_for(stranger, trajectory).classes == frozenset()
    assert not emergency_access_active_on(trajectory_pk=trajectory.pk).exists()
    # Expired, but still listed for review.
    assert list(emergency_access_to_review(actor=_reviewer(trajectory))) == [grant]


def _reviewer(trajectory: Trajectory) -> Actor:
    return make_actor(trajectory.baton_holder, Role.REGIONAL_COORDINATOR)


# ------------------------------------------------------------------------- the pages


def test_the_404_page_offers_emergency_access_without_revealing_the_file(
    trajectory: Trajectory, stranger: Actor
) -> None:
    client = client_for(stranger)
    existing = client.get(f"/trajectories/{trajectory.pk}/")
    missing = client.get("/trajectories/999999/")
    assert existing.status_code == missing.status_code == 404
    assert main_content(existing.content) == main_content(missing.content)  # the same page
    assert 'href="/emergency-access/"' in existing.content.decode()
    volunteer = make_actor(make_org(OrganisationKind.VOLUNTEER_ORGANISATION), "visiting_volunteer")
    assert (
        "/emergency-access/"
        not in client_for(volunteer).get(f"/trajectories/{trajectory.pk}/").content.decode()
    )


def test_opening_through_the_page_shows_a_banner_then_the_holder_sees_it(
    trajectory: Trajectory, stranger: Actor, holder: Actor
) -> None:
    client = client_for(stranger)
    form = client.get("/emergency-access/")
    assert form.status_code == 200
    short = client.post("/emergency-access/", {"trajectory": trajectory.pk, "reason": "nu"})
    assert short.status_code == 400
    assert nl(messages.EMERGENCY_REASON_REQUIRED) in short.content.decode()
    assert not EmergencyAccess.objects.exists()

    response = client.post("/emergency-access/", {"trajectory": trajectory.pk, "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == f"/trajectories/{trajectory.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "Noodtoegang tot 13:00" in html  # opened at 09:00, four hours
    assert REASON in html
    assert PLACE in html and OFFENCE not in html  # within the role's classes

    holder_html = client_for(holder).get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert REASON in holder_html
    assert stranger.organisation.name in holder_html
    assert AuditEvent.objects.filter(action="emergency", user=stranger.user).exists()


def test_an_unknown_number_on_the_page_says_so(stranger: Actor) -> None:
    response = client_for(stranger).post(
        "/emergency-access/", {"trajectory": 999999, "reason": REASON}
    )
    assert response.status_code == 404
    assert nl(messages.NO_TRAJECTORY_WITH_NUMBER) in response.content.decode()


def test_a_file_one_may_open_is_simply_opened(trajectory: Trajectory, holder: Actor) -> None:
    response = client_for(holder).post(
        "/emergency-access/", {"trajectory": trajectory.pk, "reason": REASON}
    )
    assert response.status_code == 302
    assert not EmergencyAccess.objects.exists()


def test_the_review_list_shows_it_and_the_holder_reviews_it(
    trajectory: Trajectory, stranger: Actor, holder: Actor
) -> None:
    grant = emergency_access_open(actor=stranger, trajectory_pk=trajectory.pk, reason=REASON)
    client = client_for(holder)
    listing = client.get("/emergency-access/review/")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert REASON in html and trajectory.person.full_name in html
    assert f'action="/emergency-access/{grant.pk}/review/"' in html

    response = client.post(f"/emergency-access/{grant.pk}/review/", {"note": "Terecht."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == holder.user and grant.review_note == "Terecht."
    html = client.get("/emergency-access/review/").content.decode()
    assert "Terecht." in html
    assert f'action="/emergency-access/{grant.pk}/review/"' not in html  # reviewed once
    with pytest.raises(Conflict):
        emergency_access_review(actor=holder, grant=grant, note="nogmaals")


def test_another_organisation_cannot_see_or_review_it(
    trajectory: Trajectory, stranger: Actor
) -> None:
    grant = emergency_access_open(actor=stranger, trajectory_pk=trajectory.pk, reason=REASON)
    other = make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)
    client = client_for(other)
    assert REASON not in client.get("/emergency-access/review/").content.decode()
    response = client.post(f"/emergency-access/{grant.pk}/review/", {"note": "ok"})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", user=other.user, object_type="access.emergencyaccess"
    ).exists()
    grant.refresh_from_db()
    assert grant.reviewed_at is None
    with pytest.raises(NotPermitted):
        emergency_access_review(actor=other, grant=grant)


def test_the_grant_does_not_put_the_file_in_the_caseload(
    trajectory: Trajectory, stranger: Actor
) -> None:
    emergency_access_open(actor=stranger, trajectory_pk=trajectory.pk, reason=REASON)
    html = client_for(stranger).get("/caseload/").content.decode()
    assert trajectory.person.family_name not in html


def _review_list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/emergency-access/review/").status_code == 200
    return len(captured.captured_queries)


def test_the_review_list_costs_the_same_queries_for_few_or_many_grants(
    holder: Actor, stranger: Actor
) -> None:
    """Issue 9 point 8: a list page's query count does not grow with its rows (both engines)."""
    client = client_for(_reviewer(open_file(holder)))
    for _ in range(2):
        emergency_access_open(actor=stranger, trajectory_pk=_file(holder).pk, reason=REASON)
    few = _review_list_queries(client)
    for _ in range(12):
        emergency_access_open(actor=stranger, trajectory_pk=_file(holder).pk, reason=REASON)
    assert _review_list_queries(client) == few


def _file(holder: Actor) -> Trajectory:
    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    return trajectory
