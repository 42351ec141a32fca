"""The timeline stores codes and writes each line in the reader's language (issue 10).

A line written by someone reading English is read in Dutch by a Dutch reader (and the
other way round), with its dates in the reader's format; rows from before issue 10
(only a summary) still show; need-to-know still hides a line of a class not shared.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from estafette.core.actor import Actor
from estafette.handovers.services import handover_accept
from estafette.organisations.models import Organisation, Role
from estafette.testing.auth import login_verified
from estafette.testing.consent import give_consent, send_with_consent
from estafette.testing.factories import make_actor
from estafette.trajectories import timeline
from estafette.trajectories.models import (
    EventKind,
    ParticipantRole,
    Phase,
    ReleaseCertainty,
    Trajectory,
    TrajectoryEvent,
)
from estafette.trajectories.services import (
    participant_add,
    trajectory_plan_next_step,
    trajectory_set_phase,
    trajectory_set_registration,
    trajectory_set_release,
)

D = dt.date


def _last(trajectory: Trajectory) -> TrajectoryEvent:
    return (
        TrajectoryEvent.objects.filter(trajectory=trajectory)
        .select_related("organisation")
        .order_by("-at", "-id")[:1]
        .get()
    )


def _text(event: TrajectoryEvent, language: str) -> str:
    with translation.override(language):
        return timeline.event_texts([event])[0]


def _page(client: Client, trajectory: Trajectory, language: str) -> str:
    client.post("/i18n/setlang/", {"language": language, "next": "/caseload/"})
    response = client.get(f"/trajectories/{trajectory.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _old_row(trajectory: Trajectory, kind: str, summary: str, **data: Any) -> TrajectoryEvent:
    """A line as the services wrote it before issue 10: words and ISO dates in the summary."""
    return TrajectoryEvent.objects.create(
        trajectory=trajectory, kind=kind, summary=summary, data=data
    )


# --- written in one language, read in the other ---------------------------------------------


def test_a_release_window_written_in_english_is_read_in_dutch_with_dutch_dates(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    with translation.override("en"):
        trajectory_set_release(
            actor=actor_a,
            trajectory=trajectory,
            certainty=ReleaseCertainty.WINDOW,
            earliest=D(2025, 4, 1),
            latest=D(2025, 6, 1),
        )
    event = _last(trajectory)
    assert _text(event, "nl") == "tussen twee datums: 1 apr – 1 jun 2025"
    assert _text(event, "en") == "between two dates: 1 Apr – 1 Jun 2025"
    assert "2025-04-01" not in event.summary and "between" not in event.summary


def test_a_phase_written_in_dutch_is_read_in_english(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    with translation.override("nl"):
        trajectory_set_phase(actor=actor_a, trajectory=trajectory, phase=Phase.RETURN)
    event = _last(trajectory)
    assert _text(event, "en") == "detention → return"
    assert _text(event, "nl") == "detentie → terugkeer"


def test_a_next_steps_date_is_in_the_readers_format_and_its_text_as_typed(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    with translation.override("en"):
        trajectory_plan_next_step(
            actor=actor_a, trajectory=trajectory, next_step="Bel de PI", due=D(2025, 3, 20)
        )
    event = _last(trajectory)
    assert _text(event, "nl") == "Bel de PI (20 mrt 2025)"
    assert _text(event, "en") == "Bel de PI (20 Mar 2025)"


def test_registration_and_participant_lines_name_with_codes(
    trajectory: Trajectory, actor_a: Actor, org_c: Organisation, amsterdam: Any
) -> None:
    with translation.override("en"):
        trajectory_set_registration(
            actor=actor_a, trajectory=trajectory, municipality=amsterdam, certainty="doubtful"
        )
    registration = _last(trajectory)
    participant_add(
        actor=actor_a,
        trajectory=trajectory,
        organisation=org_c,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    participant = _last(trajectory)
    assert _text(registration, "en") == f"{amsterdam.common_name} (doubtful)"
    assert _text(participant, "nl") == f"{org_c.name} (bezoekvrijwilliger)"
    assert _text(participant, "en") == f"{org_c.name} (visiting volunteer)"


def test_handover_lines_name_sender_and_receiver_and_the_outcome_in_the_readers_words(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    handover = send_with_consent(
        actor=actor_a,
        trajectory=trajectory,
        receiver=actor_b.organisation,
        purpose="aftercare_referral",
        message="Graag oppakken",
    )
    sent = _last(trajectory)
    assert (sent.data["sender"], sent.data["receiver"]) == (
        actor_a.organisation.pk,
        actor_b.organisation.pk,
    )
    assert _text(sent, "en") == f"{actor_a.organisation} → {actor_b.organisation}"
    handover_accept(actor=actor_b, handover=handover)
    accepted = (
        TrajectoryEvent.objects.filter(trajectory=trajectory, kind=EventKind.HANDOVER_ACCEPTED)
        .select_related("organisation")
        .get()
    )
    assert _text(accepted, "nl").startswith(f"{actor_a.organisation} → {actor_b.organisation}")


def test_an_outcome_seen_line_names_the_state_in_the_readers_language(
    trajectory: Trajectory,
) -> None:
    event = TrajectoryEvent.objects.create(
        trajectory=trajectory,
        kind=EventKind.OUTCOME_SEEN,
        data={"handover": 1, "state": "accepted"},
    )
    assert (_text(event, "nl"), _text(event, "en")) == ("geaccepteerd", "accepted")


def test_the_page_shows_an_english_writers_line_in_dutch_and_in_english(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    with translation.override("en"):
        trajectory_set_release(
            actor=actor_a, trajectory=trajectory, certainty="known", date=D(2025, 7, 14)
        )
    client = Client()
    login_verified(client, actor_a.user)
    assert "bekende datum: 14 jul 2025" in _page(client, trajectory, "nl")
    assert "known date: 14 Jul 2025" in _page(client, trajectory, "en")


# --- rows from before issue 10 --------------------------------------------------------------


def test_an_old_row_without_data_shows_its_summary_with_the_dates_in_the_readers_format(
    trajectory: Trajectory,
) -> None:
    event = _old_row(trajectory, EventKind.NEXT_STEP, "Verwijzing sturen (2025-03-20)")
    assert _text(event, "nl") == "Verwijzing sturen (20 mrt 2025)"
    assert _text(event, "en") == "Verwijzing sturen (20 Mar 2025)"


def test_an_old_phase_row_had_its_codes_already_and_reads_in_the_readers_language(
    trajectory: Trajectory,
) -> None:
    event = _old_row(
        trajectory, EventKind.PHASE_CHANGED, "detention → return", old="detention", new="return"
    )
    assert _text(event, "nl") == "detentie → terugkeer"


def test_an_old_release_row_is_rebuilt_from_its_certainty_and_the_summarys_dates(
    trajectory: Trajectory,
) -> None:
    event = _old_row(
        trajectory,
        EventKind.RELEASE_CHANGED,
        "between two dates: 2025-04-01 – 2025-06-01",
        certainty="window",
    )
    assert _text(event, "nl") == "tussen twee datums: 1 apr – 1 jun 2025"


@pytest.mark.parametrize(
    ("kind", "summary", "data"),
    [
        (EventKind.HANDOVER_SENT, "BB → Gemeente", {"handover": 7}),
        (EventKind.OUTCOME_SEEN, "accepted", {"handover": 7}),
        (EventKind.REGISTRATION_CHANGED, "Arnhem (confirmed)", {"certainty": "confirmed"}),
        (EventKind.PARTICIPANT_ADDED, "Landingsplaats", {"role": "other"}),
        (EventKind.PHASE_CHANGED, "x → y", {"old": "gone", "new": "return"}),  # unknown code
        (EventKind.HANDOVER_SENT, "BB → ?", {"sender": 0, "receiver": 0}),  # unknown ids
    ],
)
def test_an_old_or_unreadable_row_falls_back_to_its_summary(
    trajectory: Trajectory, kind: str, summary: str, data: dict[str, Any]
) -> None:
    assert _text(_old_row(trajectory, kind, summary, **data), "en") == summary


# --- need-to-know and cost ------------------------------------------------------------------


def test_a_line_of_a_class_not_shared_is_neither_rendered_nor_shown(
    trajectory: Trajectory, actor_a: Actor, org_c: Organisation
) -> None:
    trajectory_set_release(
        actor=actor_a, trajectory=trajectory, certainty="known", date=D(2025, 7, 14)
    )
    participant_add(actor=actor_a, trajectory=trajectory, organisation=org_c, role="other")
    worker = make_actor(org_c, Role.LANDING_PLACE_WORKER)  # its role has no detention data
    give_consent(person=trajectory.person, purpose_code="partner_sharing", recipient=org_c)
    client = Client()
    login_verified(client, worker.user)
    html = _page(client, trajectory, "nl")
    assert "Vrijlatingsdatum gewijzigd" in html  # that it changed is the relay itself
    assert "14 jul 2025" not in html
    assert "Niet gedeeld met uw organisatie" in html


def test_lines_cost_at_most_two_queries_however_many_and_none_with_names_given(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation, org_c: Organisation, arnhem: Any
) -> None:
    for org in (org_b, org_c) * 5:
        participant_add(actor=actor_a, trajectory=trajectory, organisation=org, role="other")
        trajectory_set_registration(
            actor=actor_a, trajectory=trajectory, municipality=arnhem, certainty="confirmed"
        )
    events = list(
        TrajectoryEvent.objects.filter(trajectory=trajectory).select_related("organisation")
    )
    with CaptureQueriesContext(connection) as queries:
        texts = timeline.event_texts(events)
    assert len(queries) == 2 and len(texts) == len(events)
    with CaptureQueriesContext(connection) as queries:
        timeline.event_texts(
            events,
            organisations={org_b.pk: org_b.name, org_c.pk: org_c.name},
            municipalities={arnhem.pk: arnhem.common_name},
        )
    assert len(queries) == 0


def test_the_opened_line_names_the_opener(trajectory: Trajectory, actor_a: Actor) -> None:
    opened = (
        TrajectoryEvent.objects.filter(trajectory=trajectory, kind=EventKind.OPENED)
        .select_related("organisation")
        .get()
    )
    assert _text(opened, "en") == actor_a.organisation.name


def test_a_committed_accept_says_the_baton_passes_at_release(
    trajectory: Trajectory, org_a: Organisation, org_b: Organisation
) -> None:
    event = TrajectoryEvent.objects.create(
        trajectory=trajectory,
        kind=EventKind.HANDOVER_ACCEPTED,
        data={"handover": 1, "sender": org_a.pk, "receiver": org_b.pk, "committed": True},
    )
    assert _text(event, "en") == f"{org_a.name} → {org_b.name} — takes the baton at release"


def test_a_kind_without_a_renderer_keeps_its_summary(trajectory: Trajectory) -> None:
    event = _old_row(trajectory, "some_future_kind", "as stored")
    assert _text(event, "nl") == "as stored"


def test_the_exchange_zones_lines_are_written_from_codes(
    trajectory: Trajectory, org_a: Organisation, org_b: Organisation
) -> None:
    entry = _old_row(trajectory, "domestic_entry", "", entered_on="2025-02-10")
    passed = _old_row(
        trajectory, "baton_passed_at_release", "", handover=1, sender=org_a.pk, receiver=org_b.pk
    )
    assert (_text(entry, "nl"), _text(entry, "en")) == ("10 feb 2025", "10 Feb 2025")
    assert _text(passed, "nl") == f"{org_a.name} → {org_b.name}"
