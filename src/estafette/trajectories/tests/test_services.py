"""Every trajectory service: what it writes, and what it refuses (leaving nothing behind)."""

from __future__ import annotations

import datetime as dt

import pytest

from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.handovers import messages as handover_messages
from estafette.organisations.models import Organisation
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import PersonFactory, TrajectoryFactory
from estafette.testing.relay import assert_baton_invariants, refused
from estafette.trajectories import messages
from estafette.trajectories.models import (
    EventKind,
    Participant,
    ParticipantRole,
    Phase,
    ReleaseCertainty,
    Route,
    Stretch,
    Trajectory,
    TrajectoryEvent,
)
from estafette.trajectories.services import (
    event_record,
    participant_add,
    trajectory_change_route,
    trajectory_open,
    trajectory_plan_next_step,
    trajectory_set_phase,
    trajectory_set_registration,
    trajectory_set_release,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

D = dt.date


def _last_event(trajectory: Trajectory) -> TrajectoryEvent:
    return TrajectoryEvent.objects.filter(trajectory=trajectory).order_by("-at", "-id").first()


def _last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-at", "-id").first()


def _counts() -> tuple[int, ...]:
    return (
        Trajectory.objects.count(),
        Stretch.objects.count(),
        TrajectoryEvent.objects.count(),
        AuditEvent.objects.count(),
    )


# --- trajectory_open -------------------------------------------------------------------------


def test_open_makes_the_actor_the_holder_with_one_open_stretch_event_and_audit(
    actor_a: Actor, spain: object
) -> None:
    person = PersonFactory()
    trajectory = trajectory_open(
        actor=actor_a,
        person=person,
        route=Route.ABROAD_BB,
        country=spain,
        release_certainty=ReleaseCertainty.KNOWN,
        release_date=D(2025, 6, 1),
    )
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == actor_a.organisation
    assert trajectory.phase == Phase.DETENTION
    assert trajectory.release_on == D(2025, 6, 1)
    (stretch,) = trajectory.stretches.all()
    assert stretch.organisation == actor_a.organisation
    assert stretch.started_at == trajectory.opened_at
    assert stretch.ended_at is None
    (event,) = trajectory.events.all()
    assert event.kind == EventKind.OPENED
    assert (event.user_id, event.organisation_id) == (actor_a.user_id, actor_a.organisation_id)
    assert event.data == {"route": Route.ABROAD_BB}
    audit = _last_audit()
    assert (audit.action, audit.object_type, audit.object_id) == (
        AuditAction.CREATE,
        "trajectories.trajectory",
        str(trajectory.pk),
    )
    assert (audit.user_id, audit.organisation_id, audit.person_id) == (
        actor_a.user_id,
        actor_a.organisation_id,
        person.pk,
    )
    assert_baton_invariants(trajectory)


@pytest.mark.parametrize("law", ["", "XYZ"])
def test_open_a_sentence_transfer_needs_its_law(actor_a: Actor, law: str) -> None:
    person = PersonFactory()
    before = _counts()
    with pytest.raises(InvalidInput) as exc:
        trajectory_open(actor=actor_a, person=person, route=Route.ABROAD_TRANSFER, transfer_law=law)
    assert exc.value.message == messages.TRANSFER_LAW_REQUIRED
    assert _counts() == before


@pytest.mark.parametrize("law", ["WETS", "WOTS"])
def test_open_a_sentence_transfer_with_wets_or_wots(actor_a: Actor, law: str) -> None:
    trajectory = TrajectoryFactory(actor=actor_a, route=Route.ABROAD_TRANSFER, transfer_law=law)
    assert trajectory.transfer_law == law


def test_open_drops_a_transfer_law_on_a_route_that_is_no_transfer(actor_a: Actor) -> None:
    trajectory = TrajectoryFactory(actor=actor_a, route=Route.ABROAD_BB, transfer_law="WETS")
    trajectory.refresh_from_db()
    assert trajectory.transfer_law == ""


@pytest.mark.parametrize(
    ("release", "message"),
    [
        ({"release_certainty": ReleaseCertainty.KNOWN}, messages.RELEASE_DATE_REQUIRED),
        ({"release_certainty": ReleaseCertainty.ESTIMATE}, messages.RELEASE_DATE_REQUIRED),
        (
            {"release_certainty": ReleaseCertainty.WINDOW, "release_earliest": D(2025, 5, 1)},
            messages.RELEASE_WINDOW_REQUIRED,
        ),
        (
            {"release_certainty": ReleaseCertainty.WINDOW, "release_latest": D(2025, 5, 1)},
            messages.RELEASE_WINDOW_REQUIRED,
        ),
        (
            {
                "release_certainty": ReleaseCertainty.WINDOW,
                "release_earliest": D(2025, 7, 1),
                "release_latest": D(2025, 5, 1),
            },
            messages.RELEASE_WINDOW_ORDER,
        ),
    ],
)
def test_open_refuses_an_incomplete_or_disordered_release_and_creates_nothing(
    actor_a: Actor, release: dict[str, object], message: object
) -> None:
    person = PersonFactory()
    before = _counts()
    with pytest.raises(InvalidInput) as exc:
        trajectory_open(actor=actor_a, person=person, route=Route.ABROAD_BB, **release)
    assert exc.value.message == message
    assert _counts() == before


@pytest.mark.parametrize(
    ("release", "stored"),
    [
        (
            {"release_certainty": ReleaseCertainty.KNOWN, "release_date": D(2025, 6, 1)},
            (D(2025, 6, 1), None, None, D(2025, 6, 1)),
        ),
        (
            {"release_certainty": ReleaseCertainty.ESTIMATE, "release_date": D(2025, 8, 1)},
            (D(2025, 8, 1), None, None, D(2025, 8, 1)),
        ),
        (
            {
                "release_certainty": ReleaseCertainty.WINDOW,
                "release_earliest": D(2025, 5, 1),
                "release_latest": D(2025, 9, 1),
            },
            (None, D(2025, 5, 1), D(2025, 9, 1), D(2025, 5, 1)),
        ),
        (
            {
                "release_certainty": ReleaseCertainty.WINDOW,
                "release_earliest": D(2025, 5, 1),
                "release_latest": D(2025, 5, 1),
            },
            (None, D(2025, 5, 1), D(2025, 5, 1), D(2025, 5, 1)),
        ),
        (
            # dates that do not belong to the certainty are dropped
            {
                "release_certainty": ReleaseCertainty.UNKNOWN,
                "release_date": D(2025, 6, 1),
                "release_earliest": D(2025, 5, 1),
            },
            (None, None, None, None),
        ),
        (
            {
                "release_certainty": ReleaseCertainty.KNOWN,
                "release_date": D(2025, 6, 1),
                "release_earliest": D(2025, 5, 1),
                "release_latest": D(2025, 7, 1),
            },
            (D(2025, 6, 1), None, None, D(2025, 6, 1)),
        ),
    ],
)
def test_open_derives_the_planning_date_window_plans_from_its_earliest_day(
    actor_a: Actor, release: dict[str, object], stored: tuple[object, ...]
) -> None:
    trajectory = trajectory_open(
        actor=actor_a, person=PersonFactory(), route=Route.ABROAD_BB, **release
    )
    trajectory.refresh_from_db()
    assert (
        trajectory.release_date,
        trajectory.release_earliest,
        trajectory.release_latest,
        trajectory.release_on,
    ) == stored


# --- trajectory_change_route -----------------------------------------------------------------


def test_the_holder_changes_the_route_with_a_reason_kept_in_the_timeline(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    trajectory_change_route(
        actor=actor_a,
        trajectory=trajectory,
        route=Route.ABROAD_TRANSFER,
        transfer_law="WETS",
        reason="WETS-verzoek toegekend",
    )
    trajectory.refresh_from_db()
    assert (trajectory.route, trajectory.transfer_law) == (Route.ABROAD_TRANSFER, "WETS")
    event = _last_event(trajectory)
    assert event.kind == EventKind.ROUTE_CHANGED
    assert event.reason == "WETS-verzoek toegekend"
    assert event.data == {"old": Route.ABROAD_BB, "new": Route.ABROAD_TRANSFER}
    assert event.user_id == actor_a.user_id
    audit = _last_audit()
    assert audit.action == AuditAction.CHANGE
    assert audit.detail == {"field": "route", "old": "abroad_bb", "new": "abroad_transfer"}
    assert (audit.user_id, audit.organisation_id) == (actor_a.user_id, actor_a.organisation_id)


def test_leaving_the_transfer_route_drops_the_transfer_law(actor_a: Actor) -> None:
    trajectory = TrajectoryFactory(actor=actor_a, route=Route.ABROAD_TRANSFER, transfer_law="WOTS")
    trajectory_change_route(
        actor=actor_a, trajectory=trajectory, route=Route.DOMESTIC, reason="overgebracht naar PI"
    )
    trajectory.refresh_from_db()
    assert (trajectory.route, trajectory.transfer_law) == (Route.DOMESTIC, "")


def test_switching_the_transfer_law_alone_is_a_change(actor_a: Actor) -> None:
    trajectory = TrajectoryFactory(actor=actor_a, route=Route.ABROAD_TRANSFER, transfer_law="WETS")
    trajectory_change_route(
        actor=actor_a,
        trajectory=trajectory,
        route=Route.ABROAD_TRANSFER,
        transfer_law="WOTS",
        reason="verkeerd verdrag",
    )
    trajectory.refresh_from_db()
    assert trajectory.transfer_law == "WOTS"


def test_only_the_holder_changes_the_route(trajectory: Trajectory, actor_b: Actor) -> None:
    with refused(trajectory, NotPermitted, messages.NOT_HOLDER) as exc:
        trajectory_change_route(
            actor=actor_b, trajectory=trajectory, route=Route.ABROAD_OWN, reason="x"
        )
    assert exc.value.params == {"holder": str(trajectory.baton_holder)}


@pytest.mark.parametrize("reason", ["", "   "])
def test_changing_the_route_needs_a_reason(
    trajectory: Trajectory, actor_a: Actor, reason: str
) -> None:
    with refused(trajectory, InvalidInput, messages.REASON_REQUIRED):
        trajectory_change_route(
            actor=actor_a, trajectory=trajectory, route=Route.ABROAD_OWN, reason=reason
        )


def test_changing_to_the_same_route_is_a_conflict(trajectory: Trajectory, actor_a: Actor) -> None:
    with refused(trajectory, Conflict, messages.ROUTE_UNCHANGED):
        trajectory_change_route(
            actor=actor_a, trajectory=trajectory, route=Route.ABROAD_BB, reason="nogmaals"
        )


def test_a_stray_transfer_law_on_the_same_route_is_still_no_change(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    with refused(trajectory, Conflict, messages.ROUTE_UNCHANGED):
        trajectory_change_route(
            actor=actor_a,
            trajectory=trajectory,
            route=Route.ABROAD_BB,
            transfer_law="WETS",
            reason="formulier stuurde een verdrag mee",
        )


def test_changing_to_a_transfer_needs_its_law(trajectory: Trajectory, actor_a: Actor) -> None:
    with refused(trajectory, InvalidInput, messages.TRANSFER_LAW_REQUIRED):
        trajectory_change_route(
            actor=actor_a, trajectory=trajectory, route=Route.ABROAD_TRANSFER, reason="toegekend"
        )


# --- trajectory_set_phase --------------------------------------------------------------------


def test_the_holder_moves_the_phase_and_the_timeline_keeps_old_and_new(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    trajectory_set_phase(actor=actor_a, trajectory=trajectory, phase=Phase.RETURN)
    trajectory.refresh_from_db()
    assert trajectory.phase == Phase.RETURN
    assert trajectory.closed_at is None
    event = _last_event(trajectory)
    assert (event.kind, event.data) == (
        EventKind.PHASE_CHANGED,
        {"old": "detention", "new": "return"},
    )
    assert _last_audit().detail == {"field": "phase", "old": "detention", "new": "return"}


def test_only_the_holder_moves_the_phase(trajectory: Trajectory, actor_b: Actor) -> None:
    with refused(trajectory, NotPermitted, messages.NOT_HOLDER):
        trajectory_set_phase(actor=actor_b, trajectory=trajectory, phase=Phase.RETURN)


def test_moving_to_the_current_phase_is_a_conflict(trajectory: Trajectory, actor_a: Actor) -> None:
    with refused(trajectory, Conflict, messages.PHASE_UNCHANGED):
        trajectory_set_phase(actor=actor_a, trajectory=trajectory, phase=Phase.DETENTION)


@pytest.mark.parametrize("reason", ["", "  "])
def test_closing_needs_a_reason(trajectory: Trajectory, actor_a: Actor, reason: str) -> None:
    with refused(trajectory, InvalidInput, messages.REASON_REQUIRED):
        trajectory_set_phase(
            actor=actor_a, trajectory=trajectory, phase=Phase.CLOSED, reason=reason
        )


def test_closing_with_a_reason_records_when(
    trajectory: Trajectory, actor_a: Actor, frozen_clock: ClockControl
) -> None:
    trajectory_set_phase(
        actor=actor_a, trajectory=trajectory, phase=Phase.CLOSED, reason="wil geen begeleiding"
    )
    trajectory.refresh_from_db()
    assert trajectory.is_closed
    assert trajectory.closed_at is not None
    assert _last_event(trajectory).reason == "wil geen begeleiding"


@pytest.fixture
def closed(trajectory: Trajectory, actor_a: Actor) -> Trajectory:
    trajectory_set_phase(
        actor=actor_a, trajectory=trajectory, phase=Phase.CLOSED, reason="overleden"
    )
    return trajectory


def test_a_closed_trajectory_refuses_every_change_by_its_holder(
    closed: Trajectory, actor_a: Actor, org_c: Organisation
) -> None:
    with refused(closed, Conflict, messages.CLOSED):
        trajectory_change_route(
            actor=actor_a, trajectory=closed, route=Route.ABROAD_OWN, reason="x"
        )
    with refused(closed, Conflict, messages.CLOSED):
        trajectory_set_release(actor=actor_a, trajectory=closed, certainty=ReleaseCertainty.UNKNOWN)
    with refused(closed, Conflict, messages.CLOSED):
        trajectory_plan_next_step(actor=actor_a, trajectory=closed, next_step="bellen", due=None)
    with refused(closed, Conflict, messages.CLOSED):
        participant_add(
            actor=actor_a, trajectory=closed, organisation=org_c, role=ParticipantRole.OTHER
        )
    with refused(closed, Conflict, handover_messages.TRAJECTORY_CLOSED):
        send_with_consent(
            actor=actor_a, trajectory=closed, receiver=org_c, purpose="other", message="graag"
        )


def test_a_closed_trajectory_can_be_reopened_by_its_holder(
    closed: Trajectory, actor_a: Actor
) -> None:
    trajectory_set_phase(actor=actor_a, trajectory=closed, phase=Phase.REINTEGRATION)
    closed.refresh_from_db()
    assert (closed.phase, closed.closed_at) == (Phase.REINTEGRATION, None)
    trajectory_set_release(actor=actor_a, trajectory=closed, certainty=ReleaseCertainty.UNKNOWN)


# --- trajectory_set_release ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "stored"),
    [
        (
            {
                "certainty": ReleaseCertainty.WINDOW,
                "earliest": D(2025, 4, 1),
                "latest": D(2025, 6, 1),
            },
            (ReleaseCertainty.WINDOW, None, D(2025, 4, 1), D(2025, 6, 1), D(2025, 4, 1)),
        ),
        (
            {"certainty": ReleaseCertainty.ESTIMATE, "date": D(2025, 9, 9)},
            (ReleaseCertainty.ESTIMATE, D(2025, 9, 9), None, None, D(2025, 9, 9)),
        ),
        (
            {"certainty": ReleaseCertainty.UNKNOWN, "date": D(2025, 9, 9)},
            (ReleaseCertainty.UNKNOWN, None, None, None, None),
        ),
    ],
)
def test_set_release_stores_the_certainty_and_derives_the_planning_date(
    trajectory: Trajectory, actor_a: Actor, change: dict[str, object], stored: tuple[object, ...]
) -> None:
    trajectory_set_release(actor=actor_a, trajectory=trajectory, reason="bericht PI", **change)
    trajectory.refresh_from_db()
    assert (
        trajectory.release_certainty,
        trajectory.release_date,
        trajectory.release_earliest,
        trajectory.release_latest,
        trajectory.release_on,
    ) == stored
    event = _last_event(trajectory)
    assert (event.kind, event.reason) == (EventKind.RELEASE_CHANGED, "bericht PI")
    # Codes and ISO dates, never words: the timeline writes them in the reader's language.
    assert event.data == {
        "certainty": change["certainty"],
        **{
            k: v.isoformat() if v else None
            for k, v in zip(("date", "earliest", "latest"), stored[1:4], strict=True)
        },
    }
    assert event.summary == ""
    assert _last_audit().detail == {"field": "release", "certainty": change["certainty"]}


def test_a_window_is_shown_with_both_dates_in_the_timeline(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    trajectory_set_release(
        actor=actor_a,
        trajectory=trajectory,
        certainty=ReleaseCertainty.WINDOW,
        earliest=D(2025, 4, 1),
        latest=D(2025, 6, 1),
    )
    event = _last_event(trajectory)
    assert (event.data["earliest"], event.data["latest"]) == ("2025-04-01", "2025-06-01")
    assert "2025" not in event.summary  # no ISO date in the writer's format


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"certainty": ReleaseCertainty.KNOWN}, messages.RELEASE_DATE_REQUIRED),
        (
            {"certainty": ReleaseCertainty.WINDOW, "latest": D(2025, 6, 1)},
            messages.RELEASE_WINDOW_REQUIRED,
        ),
        (
            {
                "certainty": ReleaseCertainty.WINDOW,
                "earliest": D(2025, 6, 2),
                "latest": D(2025, 6, 1),
            },
            messages.RELEASE_WINDOW_ORDER,
        ),
    ],
)
def test_set_release_refuses_what_open_refuses(
    trajectory: Trajectory, actor_a: Actor, change: dict[str, object], message: object
) -> None:
    with refused(trajectory, InvalidInput, message):
        trajectory_set_release(actor=actor_a, trajectory=trajectory, **change)


def test_only_the_holder_sets_the_release(trajectory: Trajectory, actor_c: Actor) -> None:
    with refused(trajectory, NotPermitted, messages.NOT_HOLDER):
        trajectory_set_release(actor=actor_c, trajectory=trajectory, certainty="unknown")


# --- trajectory_plan_next_step ---------------------------------------------------------------


def test_the_holder_plans_the_next_step_its_date_and_the_next_runner(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation
) -> None:
    trajectory_plan_next_step(
        actor=actor_a,
        trajectory=trajectory,
        next_step="  Verwijzing nazorg sturen  ",
        due=D(2025, 3, 20),
        next_runner=org_b,
    )
    trajectory.refresh_from_db()
    assert (trajectory.next_step, trajectory.next_step_due, trajectory.next_runner) == (
        "Verwijzing nazorg sturen",
        D(2025, 3, 20),
        org_b,
    )
    event = _last_event(trajectory)
    assert (event.kind, event.summary, event.data) == (
        EventKind.NEXT_STEP,
        "Verwijzing nazorg sturen",
        {"step": "Verwijzing nazorg sturen", "due": "2025-03-20"},
    )
    assert _last_audit().detail == {"field": "next_step"}


def test_planning_without_a_date_clears_the_date(trajectory: Trajectory, actor_a: Actor) -> None:
    trajectory_plan_next_step(
        actor=actor_a, trajectory=trajectory, next_step="x", due=D(2025, 4, 1)
    )
    trajectory_plan_next_step(actor=actor_a, trajectory=trajectory, next_step="y", due=None)
    trajectory.refresh_from_db()
    assert (trajectory.next_step, trajectory.next_step_due, trajectory.next_runner) == (
        "y",
        None,
        None,
    )


def test_only_the_holder_plans_the_next_step(trajectory: Trajectory, actor_b: Actor) -> None:
    with refused(trajectory, NotPermitted, messages.NOT_HOLDER):
        trajectory_plan_next_step(actor=actor_b, trajectory=trajectory, next_step="x", due=None)


# --- participant_add -------------------------------------------------------------------------


def test_the_holder_adds_a_participant_from_today(
    trajectory: Trajectory, actor_a: Actor, org_c: Organisation, frozen_clock: ClockControl
) -> None:
    participant = participant_add(
        actor=actor_a,
        trajectory=trajectory,
        organisation=org_c,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    assert (participant.since, participant.until) == (D(2025, 3, 3), None)
    event = _last_event(trajectory)
    assert (event.kind, event.data) == (
        EventKind.PARTICIPANT_ADDED,
        {"runner": org_c.pk, "role": ParticipantRole.VISITING_VOLUNTEER},
    )
    audit = _last_audit()
    assert (audit.action, audit.object_type, audit.person_id) == (
        AuditAction.CREATE,
        "trajectories.participant",
        trajectory.person_id,
    )
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == actor_a.organisation  # running alongside is not holding


def test_only_the_holder_adds_participants(
    trajectory: Trajectory, actor_b: Actor, org_c: Organisation
) -> None:
    with refused(trajectory, NotPermitted, messages.NOT_HOLDER):
        participant_add(
            actor=actor_b, trajectory=trajectory, organisation=org_c, role=ParticipantRole.OTHER
        )
    assert not Participant.objects.exists()


# --- event_record ----------------------------------------------------------------------------


def test_a_timeline_summary_is_cut_to_its_column_size(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    event = event_record(
        trajectory=trajectory, kind=EventKind.NEXT_STEP, actor=actor_a, summary="x" * 400
    )
    event.refresh_from_db()
    assert len(event.summary) == 300


# --- trajectory_set_registration -------------------------------------------------------------


def test_the_holder_confirms_the_municipality_of_registration(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    from estafette.testing.factories import municipality

    zwolle = municipality("GM0193")
    trajectory_set_registration(
        actor=actor_a,
        trajectory=trajectory,
        municipality=zwolle,
        certainty="confirmed",
        reason="Gebeld met de gemeente.",
    )
    trajectory.refresh_from_db()
    assert (trajectory.registration_municipality, trajectory.registration_certainty) == (
        zwolle,
        "confirmed",
    )
    event = _last_event(trajectory)
    assert (event.kind, event.reason) == (EventKind.REGISTRATION_CHANGED, "Gebeld met de gemeente.")
    assert _last_audit().detail == {"field": "registration", "certainty": "confirmed"}


def test_registration_needs_a_municipality_unless_unknown(
    trajectory: Trajectory, actor_a: Actor, actor_c: Actor
) -> None:
    with refused(trajectory, InvalidInput, messages.REGISTRATION_MUNICIPALITY_REQUIRED):
        trajectory_set_registration(
            actor=actor_a, trajectory=trajectory, municipality=None, certainty="doubtful"
        )
    with refused(trajectory, InvalidInput, messages.REGISTRATION_CERTAINTY_UNKNOWN):
        trajectory_set_registration(
            actor=actor_a, trajectory=trajectory, municipality=None, certainty="sure"
        )
    with refused(trajectory, NotPermitted, messages.NOT_HOLDER):
        trajectory_set_registration(
            actor=actor_c, trajectory=trajectory, municipality=None, certainty="unknown"
        )
    trajectory_set_registration(
        actor=actor_a, trajectory=trajectory, municipality=None, certainty="unknown"
    )
    trajectory.refresh_from_db()
    assert trajectory.registration_municipality is None
