"""Contact moments and volunteer requests: services, access, the panel and the form pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.test import Client

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent
from estafette.testing.factories import (
    OrganisationFactory,
    TrajectoryFactory,
    assign,
    make_actor,
)
from estafette.testing.views import client_for
from estafette.trajectories.models import ParticipantRole, Phase, Route, Trajectory
from estafette.trajectories.services import participant_add, trajectory_set_phase
from estafette.visits import messages
from estafette.visits.models import ContactKind, ContactMoment, RequestState, VolunteerRequest
from estafette.visits.selectors import contact_panel_get
from estafette.visits.services import (
    contact_record,
    volunteer_request_answer,
    volunteer_request_open,
)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
BUDDY_NOTE = "SENTINEL-BUDDY-NOTE"


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def org(kind: str) -> Organisation:
    return cast(Organisation, OrganisationFactory(kind=kind))


def make(actor: Actor, **fields: Any) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


def alongside(holder: Actor, trajectory: Trajectory, kind: str, role: str) -> Organisation:
    """An organisation of ``kind`` running alongside, with the person's consent to see."""
    organisation = org(kind)
    participant_add(actor=holder, trajectory=trajectory, organisation=organisation, role=role)
    give_consent(person=trajectory.person, purpose_code="partner_sharing", recipient=organisation)
    return organisation


def contacts_url(trajectory: Trajectory) -> str:
    return f"/trajectories/{trajectory.pk}/contacts/"


# ----------------------------------------------------------------------- services


def test_record_writes_the_moment_and_an_audit_entry_without_the_note(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    moment = contact_record(
        actor=actor_a,
        trajectory=trajectory,
        kind=ContactKind.VOLUNTEER_VISIT,
        happened_on=frozen_clock.today,
        channel="phone",
        note="Goed gesprek; wil graag in Arnhem wonen.",
    )
    assert moment.organisation == actor_a.organisation and moment.recorded_by == actor_a.user
    entry = AuditEvent.objects.filter(object_type="visits.contactmoment").get()
    assert entry.action == AuditAction.CREATE and entry.person_id == trajectory.person_id
    assert entry.detail["with_note"] is True and "Arnhem" not in str(entry.detail)


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.VISITING_VOLUNTEER, ContactKind.MENTOR_CONVERSATION),
        (Role.REGIONAL_COORDINATOR, ContactKind.BUDDY_CONTACT),
        (Role.ORGANISATION_ADMIN, ContactKind.PROFESSIONAL_CONTACT),
    ],
)
def test_a_role_records_only_its_own_kinds(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory, role: str, kind: str
) -> None:
    actor = make_actor(actor_a.organisation, role)
    with pytest.raises(NotPermitted) as info:
        contact_record(actor=actor, trajectory=trajectory, kind=kind, happened_on=clock.today())
    assert info.value.message == messages.KIND_NOT_FOR_ROLE
    assert not ContactMoment.objects.exists()


def test_dates_in_the_future_or_before_detention_are_refused(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, detention_start=frozen_clock.today - days(30))
    for day, message in (
        (frozen_clock.today + days(1), messages.IN_FUTURE),
        (frozen_clock.today - days(31), messages.BEFORE_START),
    ):
        with pytest.raises(InvalidInput) as info:
            contact_record(
                actor=actor_a, trajectory=t, kind=ContactKind.RETURN_BOOKLET, happened_on=day
            )
        assert info.value.message == message
    contact_record(
        actor=actor_a,
        trajectory=t,
        kind=ContactKind.RETURN_BOOKLET,
        happened_on=frozen_clock.today - days(30),
    )


def test_no_part_no_record_and_closed_trajectories_refuse(
    frozen_clock: ClockControl, actor_a: Actor, actor_c: Actor, trajectory: Trajectory
) -> None:
    with pytest.raises(NotPermitted):
        contact_record(
            actor=actor_c,
            trajectory=trajectory,
            kind=ContactKind.PROFESSIONAL_CONTACT,
            happened_on=clock.today(),
        )
    trajectory_set_phase(actor=actor_a, trajectory=trajectory, phase=Phase.CLOSED, reason="Klaar.")
    with pytest.raises(Conflict):
        contact_record(
            actor=actor_a,
            trajectory=trajectory,
            kind=ContactKind.RETURN_BOOKLET,
            happened_on=clock.today(),
        )


def test_a_note_needs_the_notes_class(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    partner = alongside(actor_a, trajectory, OrganisationKind.PARTNER, ParticipantRole.OTHER)
    worker = make_actor(partner, Role.PARTNER_WORKER)  # partner workers do not read notes
    with pytest.raises(NotPermitted) as info:
        contact_record(
            actor=worker,
            trajectory=trajectory,
            kind=ContactKind.PROFESSIONAL_CONTACT,
            happened_on=clock.today(),
            note="Iets over de persoon.",
        )
    assert info.value.message == messages.NOTE_NOT_SHARED
    contact_record(
        actor=worker,
        trajectory=trajectory,
        kind=ContactKind.PROFESSIONAL_CONTACT,
        happened_on=clock.today(),
    )


def test_recording_schedules_the_evaluation_that_resolves_the_signal(
    frozen_clock: ClockControl,
    actor_a: Actor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = make(actor_a, release_date=frozen_clock.today + days(170))
    signals_evaluate([t.pk])
    assert live(t, "return_booklet_not_sent") is not None
    # No explicit evaluation: the service's after-commit hook closes the signal.
    with django_capture_on_commit_callbacks(execute=True):
        contact_record(
            actor=actor_a,
            trajectory=t,
            kind=ContactKind.RETURN_BOOKLET,
            happened_on=clock.today(),
            channel="message",
        )
    assert live(t, "return_booklet_not_sent") is None


def test_volunteer_requests(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    volunteer = make_actor(actor_a.organisation, Role.VISITING_VOLUNTEER)
    with pytest.raises(NotPermitted):
        volunteer_request_open(actor=volunteer, trajectory=trajectory)
    request = volunteer_request_open(actor=actor_a, trajectory=trajectory)
    assert request.country is not None and request.country.iso2 == "ES"
    with pytest.raises(Conflict) as info:
        volunteer_request_open(actor=actor_a, trajectory=trajectory)
    assert info.value.message == messages.REQUEST_OPEN
    volunteer_request_answer(actor=actor_a, request=request, state=RequestState.NONE_AVAILABLE)
    with pytest.raises(Conflict):
        volunteer_request_answer(actor=actor_a, request=request, state=RequestState.MATCHED)
    request.refresh_from_db()
    assert request.state == RequestState.NONE_AVAILABLE and request.answered_on == clock.today()


def test_no_volunteer_request_for_a_domestic_detention(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, route=Route.DOMESTIC, country=None)
    with pytest.raises(Conflict):
        volunteer_request_open(actor=actor_a, trajectory=t)


# ------------------------------------------------------------------ access, notes


@pytest.fixture
def prison_case(db: None, frozen_clock: ClockControl) -> tuple[Trajectory, Actor, Actor]:
    """A domestic trajectory held by a prison; a buddy programme runs alongside and wrote a note."""
    case_manager = make_actor(org(OrganisationKind.PRISON), Role.CASE_MANAGER)
    t = make(case_manager, route=Route.DOMESTIC, country=None)
    buddies = alongside(case_manager, t, OrganisationKind.BUDDY_PROGRAMME, ParticipantRole.BUDDY)
    buddy = make_actor(buddies, Role.BUDDY)
    assign(buddy, t)  # a buddy sees only the people assigned to them (decision 0016)
    contact_record(
        actor=buddy,
        trajectory=t,
        kind=ContactKind.BUDDY_CONTACT,
        happened_on=clock.today(),
        note=BUDDY_NOTE,
    )
    return t, case_manager, make_actor(buddies, Role.BUDDY_PROFESSIONAL)


def test_a_buddys_note_never_reaches_the_prison(
    prison_case: tuple[Trajectory, Actor, Actor],
) -> None:
    t, case_manager, professional = prison_case
    html = client_for(case_manager).get(f"/trajectories/{t.pk}/", **EN).content.decode()
    assert 'id="contacts"' in html
    assert "Contact with the buddy" in html  # that there was contact is the relay ...
    assert BUDDY_NOTE not in html  # ... what the buddy wrote is not
    html = client_for(professional).get(f"/trajectories/{t.pk}/", **EN).content.decode()
    assert BUDDY_NOTE in html
    panel = contact_panel_get(actor=case_manager, trajectory=t)
    assert [item.show_note for item in panel.items] == [False]


def test_the_panel_selector_refuses_another_organisation(
    frozen_clock: ClockControl, actor_c: Actor, trajectory: Trajectory
) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        contact_panel_get(actor=actor_c, trajectory=trajectory)
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(trajectory.pk))


def test_the_panel_reads_in_two_queries(
    frozen_clock: ClockControl,
    actor_a: Actor,
    trajectory: Trajectory,
    django_assert_num_queries: Any,
) -> None:
    from estafette.access import policy

    for i in range(5):
        contact_record(
            actor=actor_a,
            trajectory=trajectory,
            kind=ContactKind.VOLUNTEER_VISIT,
            happened_on=clock.today() - days(i),
        )
    access = policy.access_for(actor_a, trajectory)
    with django_assert_num_queries(2):
        panel = contact_panel_get(actor=actor_a, trajectory=trajectory, access=access, audit=False)
    assert len(panel.items) == 5


# -------------------------------------------------------------------------- pages


def test_the_form_page_records_a_contact_and_returns_to_the_panel(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    client = client_for(actor_a)
    response = client.get(contact_urls := contacts_url(trajectory), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="contact-kind"' in html and 'type="date"' in html
    assert "<script" not in html.split("<main", 1)[-1]  # works without JavaScript
    response = client.post(
        contact_urls,
        {
            "contact-kind": ContactKind.VOLUNTEER_VISIT,
            "contact-happened_on": clock.today().isoformat(),
            "contact-channel": "face_to_face",
            "contact-note": "Kort bezoek.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/trajectories/{trajectory.pk}/#contacts"
    assert ContactMoment.objects.get().note == "Kort bezoek."


def test_the_form_page_shows_errors_beside_the_fields(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    response = client_for(actor_a).post(
        contacts_url(trajectory),
        {
            "contact-kind": ContactKind.MENTOR_CONVERSATION,  # not a coordinator's kind
            "contact-happened_on": (clock.today() + days(2)).isoformat(),
            "contact-channel": "phone",
        },
        **EN,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    assert not ContactMoment.objects.exists()


def test_another_organisation_gets_404(
    frozen_clock: ClockControl, actor_c: Actor, trajectory: Trajectory
) -> None:
    client: Client = client_for(actor_c)
    assert client.get(contacts_url(trajectory)).status_code == 404
    assert client.post(f"/trajectories/{trajectory.pk}/volunteer-request/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() >= 2


def test_asking_for_a_volunteer_and_recording_none_available_through_the_page(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    client = client_for(actor_a)
    html = client.get(f"/trajectories/{trajectory.pk}/", **EN).content.decode()
    assert "Ask for a visiting volunteer" in html
    response = client.post(f"/trajectories/{trajectory.pk}/volunteer-request/")
    assert response.status_code == 302
    request = VolunteerRequest.objects.get()
    html = client.get(f"/trajectories/{trajectory.pk}/", **EN).content.decode()
    assert f"/volunteer-requests/{request.pk}/answer/" in html
    response = client.post(f"/volunteer-requests/{request.pk}/answer/", {"state": "none_available"})
    assert response.status_code == 302
    signals_evaluate([trajectory.pk])
    assert live(trajectory, "volunteer_none_available") is not None
    html = client.get(f"/trajectories/{trajectory.pk}/", **EN).content.decode()
    assert "Ask for a visiting volunteer again" in html


def test_a_volunteer_sees_only_the_visit_kind_and_no_request_buttons(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    volunteers = alongside(
        actor_a,
        trajectory,
        OrganisationKind.VOLUNTEER_ORGANISATION,
        ParticipantRole.VISITING_VOLUNTEER,
    )
    volunteer = make_actor(volunteers, Role.VISITING_VOLUNTEER)
    assign(volunteer, trajectory)  # a volunteer sees only its own people (decision 0016)
    html = client_for(volunteer).get(f"/trajectories/{trajectory.pk}/", **EN).content.decode()
    assert 'value="volunteer_visit"' in html and 'value="mentor_conversation"' not in html
    assert "/volunteer-request/" not in html
