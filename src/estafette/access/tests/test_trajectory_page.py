"""The trajectory page shows only the classes the policy allows; the rest as a neutral line."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from estafette.access import messages
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Purpose
from estafette.handovers.services import handover_decline
from estafette.organisations.models import OrganisationKind, Role
from estafette.trajectories.models import EventKind
from estafette.trajectories.services import event_record, participant_add

from .helpers import (
    HEALTH_LABEL_NL,
    NETWORK,
    NOTE,
    OFFENCE,
    PLACE,
    assign,
    bb_desk,
    client_for,
    consent_for,
    make_actor,
    make_org,
    open_file,
    send,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

NOT_SHARED_NL = "Niet gedeeld met uw organisatie"


def page(client: Client, pk: int) -> str:
    response = client.get(f"/trajectories/{pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def holder(db: None) -> Actor:
    return make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)


def test_the_holder_with_consent_sees_every_class_of_its_role(holder: Actor) -> None:
    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    html = page(client_for(holder), trajectory.pk)
    for value in (trajectory.person.family_name, PLACE, OFFENCE, NETWORK, HEALTH_LABEL_NL):
        assert value in html
    assert NOT_SHARED_NL not in html


def test_the_holder_without_consent_sees_identity_only_to_ask_for_it(holder: Actor) -> None:
    trajectory = open_file(holder)
    html = page(client_for(holder), trajectory.pk)
    assert trajectory.person.family_name in html
    for value in (PLACE, OFFENCE, NETWORK, HEALTH_LABEL_NL, "Spanje"):
        assert value not in html
    assert NOT_SHARED_NL in html
    # The forms that show detention data are not offered either, and cannot be posted.
    assert "/release/" not in html and "/route/" not in html and "/phase/" not in html
    response = client_for(holder).post(
        f"/trajectories/{trajectory.pk}/phase/", {"phase-phase": "return"}
    )
    assert response.status_code == 403
    with translation.override("nl"):
        assert escape(str(messages.DETENTION_NOT_SHARED)) in response.content.decode()


def test_a_visiting_volunteer_never_sees_the_offence(holder: Actor) -> None:
    trajectory = open_file(holder)
    volunteers = make_org(OrganisationKind.VOLUNTEER_ORGANISATION)
    volunteer = make_actor(volunteers, Role.VISITING_VOLUNTEER)
    participant_add(
        actor=holder, trajectory=trajectory, organisation=volunteers, role="visiting_volunteer"
    )
    consent_for(trajectory, volunteers)  # even a consent for every class
    assign(volunteer, trajectory)
    html = page(client_for(volunteer), trajectory.pk)
    assert trajectory.person.family_name in html and PLACE in html and NETWORK in html
    assert OFFENCE not in html
    assert HEALTH_LABEL_NL not in html  # nor health
    assert NOT_SHARED_NL in html


def test_a_consent_for_some_classes_shows_exactly_those(holder: Actor) -> None:
    trajectory = open_file(holder)
    desk = make_org(OrganisationKind.MUNICIPAL_AFTERCARE)
    worker = make_actor(desk, Role.AFTERCARE_COORDINATOR)
    send(holder, trajectory, desk)
    consent_for(trajectory, desk, [DataClass.DETENTION])  # no identity, no notes
    html = page(client_for(worker), trajectory.pk)
    assert PLACE in html
    assert trajectory.person.family_name not in html
    assert f"Traject {trajectory.pk}" in html  # the number instead of the name
    for value in (NETWORK, HEALTH_LABEL_NL, OFFENCE):
        assert value not in html
    # The handover's message is written for its receiver, not a note (issue 10): a
    # sentence transfer rests on law, so it travels without a consent.
    assert NOTE in html


def test_the_message_is_written_for_the_receiver_other_texts_are_notes(holder: Actor) -> None:
    """A consular officer's role has no NOTES, yet reads the message addressed to its post
    under the consular consent (issue 10); the reasons of transitions stay notes."""
    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    post = make_org(OrganisationKind.CONSULAR_POST)
    officer = make_actor(post, Role.CONSULAR_OFFICER)
    handover = send(holder, trajectory, post, purpose=Purpose.CONSULAR)
    consent_for(trajectory, post)
    html = page(client_for(officer), trajectory.pk)
    assert NOTE in html
    assert OFFENCE in html and PLACE in html  # what the role may see is there
    assert f'action="/handovers/{handover.pk}/accept/"' in html  # it can still answer
    handover_decline(actor=officer, handover=handover, reason="Geen capaciteit SENTINEL-REASON")
    html = page(client_for(holder), trajectory.pk)
    assert "SENTINEL-REASON" in html  # the holder's coordinator reads notes


def test_a_buddys_notes_never_reach_justice_roles(holder: Actor) -> None:
    trajectory = open_file(holder)
    buddies = make_org(OrganisationKind.BUDDY_PROGRAMME)
    buddy = make_actor(buddies, Role.BUDDY_PROFESSIONAL)
    event_record(
        trajectory=trajectory,
        kind=EventKind.NEXT_STEP,
        actor=buddy,
        reason="Vertelde over terugval SENTINEL-BUDDY",
    )
    probation = make_org(OrganisationKind.PROBATION)
    officer = make_actor(probation, Role.PROBATION_OFFICER)
    participant_add(actor=holder, trajectory=trajectory, organisation=probation, role="other")
    consent_for(trajectory, holder.organisation)
    html = page(client_for(officer), trajectory.pk)
    assert "SENTINEL-BUDDY" not in html
    assert OFFENCE in html  # a legal basis: everything else of the role
    assert "SENTINEL-BUDDY" in page(client_for(holder), trajectory.pk)


def test_timeline_summaries_of_detention_are_hidden_without_detention(holder: Actor) -> None:
    from estafette.trajectories.services import trajectory_set_phase

    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    trajectory_set_phase(actor=holder, trajectory=trajectory, phase="return", reason="Vrij")
    landing = make_org(OrganisationKind.LANDING_PLACE)
    worker = make_actor(landing, Role.LANDING_PLACE_WORKER)  # no DETENTION in its role
    participant_add(actor=holder, trajectory=trajectory, organisation=landing, role="other")
    consent_for(trajectory, landing)
    html = page(client_for(worker), trajectory.pk)
    assert "detentie → terugkeer" not in html.lower()
    assert "Fase gewijzigd" in html  # that something changed is the relay itself
    assert HEALTH_LABEL_NL in html  # the role may see health


def test_the_neutral_line_is_translated(holder: Actor) -> None:
    trajectory = open_file(holder)
    client = client_for(holder)
    assert NOT_SHARED_NL in page(client, trajectory.pk)
    client.post("/i18n/setlang/", {"language": "en", "next": "/caseload/"})
    assert "Not shared with your organisation" in page(client, trajectory.pk)


def test_the_access_log_link_is_for_entitled_roles(holder: Actor) -> None:
    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    link = f'href="/people/{trajectory.person_id}/access-log/"'
    assert link in page(client_for(holder), trajectory.pk)
    volunteer = make_actor(holder.organisation, Role.VISITING_VOLUNTEER)
    assign(volunteer, trajectory)
    assert link not in page(client_for(volunteer), trajectory.pk)


def test_the_page_query_count_stays_bounded(
    holder: Actor, django_assert_max_num_queries: Any
) -> None:
    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    client = client_for(holder)
    page(client, trajectory.pk)
    # Session and actor, the page's reads (network included), the access policy, the
    # emergency grants in force (the holder sees them), the audited view, the header's
    # unread-notification count, the signal, condition and contact panels, and who works
    # on the person with the assign form's workers (issue 12: three more).
    with django_assert_max_num_queries(30):  # 28 on SQLite; PostgreSQL locks the audit chain
        page(client, trajectory.pk)


def test_a_buddys_reason_for_declining_never_reaches_the_prison(db: None) -> None:
    prison = make_org(OrganisationKind.PRISON)
    case_manager = make_actor(prison, Role.CASE_MANAGER)
    trajectory = open_file(case_manager)
    buddies = make_org(OrganisationKind.BUDDY_PROGRAMME)
    buddy = make_actor(buddies, Role.BUDDY_PROFESSIONAL)
    handover = send(case_manager, trajectory, buddies, purpose=Purpose.BUDDY)
    handover_decline(actor=buddy, handover=handover, reason="Hij drinkt weer SENTINEL-DECLINE")
    html = page(client_for(case_manager), trajectory.pk)
    assert "SENTINEL-DECLINE" not in html
    assert NOTE in html  # its own message is a note it may read
    assert OFFENCE in html
