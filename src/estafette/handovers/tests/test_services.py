"""handover_send, every row of the state table, the baton's moves, the sweep and the review.

Every refusal is checked with ``refused``: the exact message constant, and
nothing half-saved (same counts of handovers, transitions, timeline events and
audit entries, same holder and stretches).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import IntegrityError, transaction

from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.handovers import messages
from estafette.handovers.models import Handover, HandoverTransition, Purpose
from estafette.handovers.services import (
    DEFAULT_ANSWER_DAYS,
    EVENT_FOR_ACTION,
    handover_accept,
    handover_acknowledge_outcome,
    handover_decline,
    handover_expire_overdue,
    handover_record_no_show,
    handover_record_taken_up,
    handover_transition,
    handover_withdraw,
)
from estafette.handovers.workflow import (
    FINAL,
    TRANSITIONS,
    BatonMove,
    Party,
    State,
    Transition,
    transition_for,
)
from estafette.organisations.models import Organisation
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent, withdrawal_heard
from estafette.testing.factories import HandoverFactory, TrajectoryFactory
from estafette.testing.relay import assert_baton_invariants, refused, relay_snapshot
from estafette.trajectories.models import EventKind, Phase, Stretch, Trajectory, TrajectoryEvent
from estafette.trajectories.services import trajectory_plan_next_step, trajectory_set_phase

pytestmark = pytest.mark.usefixtures("frozen_clock")

REASON = "Geen capaciteit deze maand; probeer De Instap."


@dataclass
class Relay:
    """A trajectory held by the sender (org_a); the receiver (org_b); an outsider (org_c)."""

    trajectory: Trajectory
    sender: Actor
    receiver: Actor
    outsider: Actor

    def actor_of(self, party: Party) -> Actor | None:
        return {Party.SENDER: self.sender, Party.RECEIVER: self.receiver, Party.SYSTEM: None}[party]

    def send(self, **kwargs: object) -> Handover:
        return HandoverFactory(
            actor=self.sender,
            trajectory=self.trajectory,
            receiver=self.receiver.organisation,
            **kwargs,
        )

    def bring_to(self, state: State) -> Handover:
        """A handover in ``state``, reached through the table's own transitions from ``sent``."""
        path: list[Transition] = []
        while state != State.SENT:
            row = next(t for t in TRANSITIONS if t.target == state)
            path.insert(0, row)
            state = row.source
        handover = self.send()
        for row in path:
            handover = handover_transition(
                actor=self.actor_of(row.by), handover=handover, action=row.action, reason=REASON
            )
        return handover

    def holder(self) -> Organisation:
        return Trajectory.objects.get(pk=self.trajectory.pk).baton_holder


@pytest.fixture
def relay(trajectory: Trajectory, actor_a: Actor, actor_b: Actor, actor_c: Actor) -> Relay:
    return Relay(trajectory, sender=actor_a, receiver=actor_b, outsider=actor_c)


def _transitions(handover: Handover) -> list[tuple[str, str, str]]:
    return list(handover.transitions.order_by("at", "id").values_list("action", "source", "target"))


# --- handover_send ---------------------------------------------------------------------------


def test_the_holder_sends_and_the_baton_is_in_the_air_while_the_sender_still_holds_it(
    relay: Relay,
) -> None:
    handover = send_with_consent(
        actor=relay.sender,
        trajectory=relay.trajectory,
        receiver=relay.receiver.organisation,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="  Graag nazorg: ID en uitkering.  ",
        information="  Terugkeer via Schiphol.  ",
        data_classes=["identity", "detention", "identity"],
    )
    handover.refresh_from_db()
    assert handover.state == State.SENT
    assert handover.in_the_air
    assert (handover.sender, handover.receiver) == (
        relay.sender.organisation,
        relay.receiver.organisation,
    )
    assert handover.sent_by_id == relay.sender.user_id
    assert handover.message == "Graag nazorg: ID en uitkering."
    assert handover.information == "Terugkeer via Schiphol."
    assert handover.data_classes == ["detention", "identity"]
    assert handover.respond_by == dt.date(2025, 3, 3) + dt.timedelta(days=DEFAULT_ANSWER_DAYS)
    assert _transitions(handover) == [("send", "", "sent")]
    (transition,) = handover.transitions.all()
    assert (transition.user_id, transition.organisation_id) == (
        relay.sender.user_id,
        relay.sender.organisation_id,
    )
    event = TrajectoryEvent.objects.filter(kind=EventKind.HANDOVER_SENT).get()
    assert event.data == {
        "handover": handover.pk,
        "purpose": "aftercare_referral",
        "sender": relay.sender.organisation_id,
        "receiver": handover.receiver_id,
    }
    audit = AuditEvent.objects.get(object_type="handovers.handover", action=AuditAction.CREATE)
    assert audit.detail == {
        "receiver": relay.receiver.organisation_id,
        "purpose": "aftercare_referral",
    }
    assert (audit.user_id, audit.organisation_id, audit.person_id) == (
        relay.sender.user_id,
        relay.sender.organisation_id,
        relay.trajectory.person_id,
    )
    assert relay.holder() == relay.sender.organisation
    assert Stretch.objects.filter(trajectory=relay.trajectory).count() == 1
    assert_baton_invariants(relay.trajectory)


def test_only_the_holder_sends(relay: Relay) -> None:
    with refused(relay.trajectory, NotPermitted, messages.ONLY_HOLDER_SENDS) as exc:
        send_with_consent(
            actor=relay.receiver,
            trajectory=relay.trajectory,
            receiver=relay.outsider.organisation,
            purpose=Purpose.OTHER,
            message="mag ik?",
        )
    assert exc.value.params == {"holder": str(relay.sender.organisation)}


def test_the_holder_cannot_send_to_itself(relay: Relay) -> None:
    with refused(relay.trajectory, InvalidInput, messages.NOT_TO_SELF):
        send_with_consent(
            actor=relay.sender,
            trajectory=relay.trajectory,
            receiver=relay.sender.organisation,
            purpose=Purpose.OTHER,
            message="aan mezelf",
        )


def test_an_inactive_receiver_takes_no_handovers(relay: Relay) -> None:
    receiver = relay.receiver.organisation
    receiver.is_active = False
    receiver.save()
    with refused(relay.trajectory, Conflict, messages.RECEIVER_INACTIVE):
        relay.send()


@pytest.mark.parametrize("message", ["", "  \n "])
def test_a_handover_needs_a_message(relay: Relay, message: str) -> None:
    with refused(relay.trajectory, InvalidInput, messages.MESSAGE_REQUIRED):
        relay.send(message=message)


def test_the_answer_date_cannot_lie_in_the_past_but_today_is_fine(relay: Relay) -> None:
    with refused(relay.trajectory, InvalidInput, messages.RESPOND_BY_PAST):
        relay.send(respond_by=dt.date(2025, 3, 2))
    assert relay.send(respond_by=dt.date(2025, 3, 3)).respond_by == dt.date(2025, 3, 3)


def test_one_handover_at_a_time_a_second_send_is_already_in_the_air(relay: Relay) -> None:
    relay.send()
    with refused(relay.trajectory, Conflict, messages.ALREADY_IN_THE_AIR) as exc:
        HandoverFactory(
            actor=relay.sender,
            trajectory=relay.trajectory,
            receiver=relay.outsider.organisation,
        )
    assert exc.value.params == {"receiver": str(relay.receiver.organisation)}


@pytest.mark.parametrize("state", sorted(FINAL))
def test_after_a_final_outcome_the_holder_may_send_again(relay: Relay, state: State) -> None:
    relay.bring_to(state)
    holder = relay.holder()
    actor = relay.sender if holder == relay.sender.organisation else relay.receiver
    again = HandoverFactory(
        actor=actor, trajectory=relay.trajectory, receiver=relay.outsider.organisation
    )
    assert again.state == State.SENT
    assert_baton_invariants(relay.trajectory)


def test_the_database_itself_refuses_a_second_pending_handover(relay: Relay) -> None:
    first = relay.send()
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(
            trajectory=relay.trajectory,
            sender=first.sender,
            receiver=relay.outsider.organisation,
            purpose=Purpose.OTHER,
            message="race",
            respond_by=first.respond_by,
        )


# --- handover_transition: every row of the table ---------------------------------------------

ROWS = pytest.mark.parametrize("row", TRANSITIONS, ids=lambda t: t.action)


@ROWS
def test_the_right_party_takes_each_transition(relay: Relay, row: Transition) -> None:
    handover = relay.bring_to(row.source)
    actor = relay.actor_of(row.by)
    result = handover_transition(actor=actor, handover=handover, action=row.action, reason=REASON)
    result.refresh_from_db()
    assert result.state == row.target
    assert result.reason == REASON
    assert _transitions(result)[-1] == (row.action, row.source, row.target)
    last = result.transitions.order_by("at", "id").last()
    assert last is not None
    assert last.reason == REASON
    assert last.user_id == (actor.user_id if actor else None)
    assert last.organisation_id == (actor.organisation_id if actor else None)
    if row.source == State.SENT:
        assert result.decided_at is not None
    else:
        assert result.outcome_at is not None
    event = TrajectoryEvent.objects.filter(trajectory=relay.trajectory).order_by("at", "id").last()
    assert event is not None
    assert event.kind == EVENT_FOR_ACTION[row.action]
    assert event.reason == REASON
    # Ids, not names in the writer's language: the timeline names them when it is read.
    ids = {"handover": handover.pk, "sender": handover.sender_id, "receiver": handover.receiver_id}
    assert event.data.items() >= ids.items()
    audit = AuditEvent.objects.filter(action=AuditAction.TRANSITION).order_by("at", "id").last()
    assert audit is not None
    assert audit.detail == {
        "transition": row.action,
        "source": row.source,
        "target_state": row.target,
    }
    assert (audit.object_id, audit.person_id) == (str(handover.pk), relay.trajectory.person_id)
    assert audit.user_id == (actor.user_id if actor else None)
    assert_baton_invariants(relay.trajectory)


@ROWS
def test_a_party_the_table_does_not_name_is_not_permitted(relay: Relay, row: Transition) -> None:
    handover = relay.bring_to(row.source)
    wrong: list[Actor | None] = [relay.actor_of(p) for p in Party if p != row.by]
    wrong.append(relay.outsider)  # an organisation with no part in the handover at all
    for actor in wrong:
        with refused(relay.trajectory, NotPermitted, messages.NOT_YOUR_PART) as exc:
            handover_transition(actor=actor, handover=handover, action=row.action, reason=REASON)
        assert exc.value.params == {"party": messages.PARTY[row.by]}


@ROWS
def test_a_transition_from_any_other_state_is_a_conflict_with_a_sentence(
    relay: Relay, row: Transition
) -> None:
    for state in State:
        if transition_for(row.action, state) is not None:
            continue
        relay.trajectory = TrajectoryFactory(actor=relay.sender, phase=Phase.RETURN)
        handover = relay.bring_to(state)
        with refused(relay.trajectory, Conflict, messages.TRANSITION_NOT_ALLOWED) as exc:
            handover_transition(
                actor=relay.actor_of(row.by), handover=handover, action=row.action, reason=REASON
            )
        assert exc.value.params == {
            "state": handover.get_state_display(),
            "action": messages.ACTION_PAST[row.action],
        }
        assert str(handover.get_state_display()) in str(exc.value)


@pytest.mark.parametrize(
    "row", [t for t in TRANSITIONS if t.reason_required], ids=lambda t: t.action
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_transition_that_needs_a_reason_refuses_without_one(
    relay: Relay, row: Transition, reason: str
) -> None:
    handover = relay.bring_to(row.source)
    with refused(relay.trajectory, InvalidInput, messages.REASON_REQUIRED):
        handover_transition(
            actor=relay.actor_of(row.by), handover=handover, action=row.action, reason=reason
        )


@pytest.mark.parametrize(
    "row", [t for t in TRANSITIONS if not t.reason_required], ids=lambda t: t.action
)
def test_a_transition_without_required_reason_works_without_one(
    relay: Relay, row: Transition
) -> None:
    handover = relay.bring_to(row.source)
    result = handover_transition(actor=relay.actor_of(row.by), handover=handover, action=row.action)
    assert (result.state, result.reason) == (row.target, "")


@pytest.mark.parametrize("action", ["teleport", "", "ACCEPT", "send"])
def test_an_unknown_action_is_invalid_input(relay: Relay, action: str) -> None:
    handover = relay.send()
    with refused(relay.trajectory, InvalidInput, messages.UNKNOWN_ACTION):
        handover_transition(actor=relay.receiver, handover=handover, action=action, reason=REASON)


def test_a_stale_handover_object_is_judged_by_its_state_in_the_database(relay: Relay) -> None:
    handover = relay.send()
    stale = Handover.objects.get(pk=handover.pk)
    handover_decline(actor=relay.receiver, handover=handover, reason=REASON)
    with refused(relay.trajectory, Conflict, messages.TRANSITION_NOT_ALLOWED):
        handover_accept(actor=relay.receiver, handover=stale)


# --- where the baton goes --------------------------------------------------------------------


def test_accept_gives_the_receiver_the_baton_and_a_new_open_stretch(relay: Relay) -> None:
    handover = handover_accept(actor=relay.receiver, handover=relay.send(), note="Welkom")
    assert relay.holder() == relay.receiver.organisation
    first, second = Stretch.objects.filter(trajectory=relay.trajectory).order_by("started_at")
    assert first.organisation == relay.sender.organisation
    assert first.ended_at == second.started_at == handover.decided_at
    assert (second.organisation, second.handover, second.ended_at) == (
        relay.receiver.organisation,
        handover,
        None,
    )
    assert_baton_invariants(relay.trajectory)


@pytest.mark.parametrize("state", [State.DECLINED, State.WITHDRAWN, State.EXPIRED])
def test_decline_withdraw_and_expire_leave_the_baton_with_the_sender(
    relay: Relay, state: State
) -> None:
    stretches = list(Stretch.objects.filter(trajectory=relay.trajectory).values_list())
    relay.bring_to(state)
    assert relay.holder() == relay.sender.organisation
    assert list(Stretch.objects.filter(trajectory=relay.trajectory).values_list()) == stretches
    assert_baton_invariants(relay.trajectory)


def test_taken_up_keeps_the_baton_with_the_receiver(relay: Relay) -> None:
    handover = relay.bring_to(State.TAKEN_UP)
    assert relay.holder() == relay.receiver.organisation
    assert handover.outcome_at is not None
    assert Stretch.objects.filter(trajectory=relay.trajectory).count() == 2
    assert_baton_invariants(relay.trajectory)


def test_a_no_show_returns_the_baton_to_the_sender_in_a_third_stretch(relay: Relay) -> None:
    handover = relay.bring_to(State.NO_SHOW)
    assert relay.holder() == relay.sender.organisation
    stretches = list(Stretch.objects.filter(trajectory=relay.trajectory).order_by("started_at"))
    assert [s.organisation for s in stretches] == [
        relay.sender.organisation,
        relay.receiver.organisation,
        relay.sender.organisation,
    ]
    assert stretches[2].handover == handover
    assert stretches[1].ended_at == stretches[2].started_at == handover.outcome_at
    assert_baton_invariants(relay.trajectory)


def test_a_no_show_cannot_pull_back_a_baton_the_receiver_has_already_passed_on(
    relay: Relay,
) -> None:
    first = handover_accept(actor=relay.receiver, handover=relay.send())
    onward = HandoverFactory(
        actor=relay.receiver, trajectory=relay.trajectory, receiver=relay.outsider.organisation
    )
    handover_accept(actor=relay.outsider, handover=onward)
    with refused(relay.trajectory, Conflict, messages.BATON_MOVED_ON) as exc:
        handover_record_no_show(actor=relay.receiver, handover=first, reason=REASON)
    assert exc.value.params == {"receiver": str(relay.receiver.organisation)}
    assert relay.holder() == relay.outsider.organisation


def test_a_no_show_waits_while_the_receiver_has_the_baton_in_the_air(relay: Relay) -> None:
    first = handover_accept(actor=relay.receiver, handover=relay.send())
    onward = HandoverFactory(
        actor=relay.receiver, trajectory=relay.trajectory, receiver=relay.outsider.organisation
    )
    with refused(relay.trajectory, Conflict, messages.ALREADY_IN_THE_AIR):
        handover_record_no_show(actor=relay.receiver, handover=first, reason=REASON)
    handover_withdraw(actor=relay.receiver, handover=onward, reason="eerst de no-show melden")
    handover_record_no_show(actor=relay.receiver, handover=first, reason=REASON)
    assert relay.holder() == relay.sender.organisation
    assert_baton_invariants(relay.trajectory)


def test_taken_up_can_still_be_reported_after_the_receiver_passed_the_baton_on(
    relay: Relay,
) -> None:
    first = handover_accept(actor=relay.receiver, handover=relay.send())
    HandoverFactory(
        actor=relay.receiver, trajectory=relay.trajectory, receiver=relay.outsider.organisation
    )
    assert handover_record_taken_up(actor=relay.receiver, handover=first).state == State.TAKEN_UP
    assert relay.holder() == relay.receiver.organisation


def test_once_the_trajectory_is_closed_a_pending_handover_can_close_but_not_be_accepted(
    relay: Relay,
) -> None:
    handover = relay.send()
    trajectory_set_phase(
        actor=relay.sender, trajectory=relay.trajectory, phase=Phase.CLOSED, reason="overleden"
    )
    with refused(relay.trajectory, Conflict, messages.TRAJECTORY_CLOSED):
        handover_accept(actor=relay.receiver, handover=handover)
    declined = handover_decline(actor=relay.receiver, handover=handover, reason=REASON)
    assert declined.state == State.DECLINED
    assert relay.holder() == relay.sender.organisation
    assert_baton_invariants(relay.trajectory)


def test_a_no_show_on_a_closed_trajectory_leaves_the_baton_where_it_is(relay: Relay) -> None:
    handover = handover_accept(actor=relay.receiver, handover=relay.send())
    trajectory_set_phase(
        actor=relay.receiver, trajectory=relay.trajectory, phase=Phase.CLOSED, reason="klaar"
    )
    with refused(relay.trajectory, Conflict, messages.TRAJECTORY_CLOSED):
        handover_record_no_show(actor=relay.receiver, handover=handover, reason=REASON)
    assert handover_record_taken_up(actor=relay.receiver, handover=handover).state == (
        State.TAKEN_UP
    )


def test_the_planned_next_runner_is_cleared_once_it_takes_the_baton(relay: Relay) -> None:
    trajectory_plan_next_step(
        actor=relay.sender,
        trajectory=relay.trajectory,
        next_step="Nazorg overnemen",
        due=None,
        next_runner=relay.receiver.organisation,
    )
    handover_accept(actor=relay.receiver, handover=relay.send())
    relay.trajectory.refresh_from_db()
    assert relay.trajectory.next_runner is None
    # The new holder plans its own next step: nobody inherits another runner's (issue 10).
    assert (relay.trajectory.next_step, relay.trajectory.next_step_due) == ("", None)


def test_a_planned_next_runner_that_is_someone_else_stays_planned(relay: Relay) -> None:
    trajectory_plan_next_step(
        actor=relay.sender,
        trajectory=relay.trajectory,
        next_step="Daarna De Overstap",
        due=None,
        next_runner=relay.outsider.organisation,
    )
    handover_accept(actor=relay.receiver, handover=relay.send())
    relay.trajectory.refresh_from_db()
    assert relay.trajectory.next_runner == relay.outsider.organisation


def test_withdrawing_leaves_nothing_for_the_sender_to_review(relay: Relay) -> None:
    handover = handover_withdraw(actor=relay.sender, handover=relay.send(), reason=REASON)
    assert handover.outcome_seen_at is not None
    assert not handover.outcome_to_review


def test_the_named_wrappers_take_their_own_action(relay: Relay) -> None:
    first = handover_record_taken_up(
        actor=relay.receiver, handover=handover_accept(actor=relay.receiver, handover=relay.send())
    )
    assert first.state == State.TAKEN_UP
    # the receiver now holds the baton and hands it on
    receiver_relay = Relay(relay.trajectory, relay.receiver, relay.outsider, relay.sender)
    second = handover_decline(actor=relay.outsider, handover=receiver_relay.send(), reason=REASON)
    assert second.state == State.DECLINED
    third = handover_accept(actor=relay.outsider, handover=receiver_relay.send())
    assert handover_record_no_show(actor=relay.outsider, handover=third, reason=REASON).state == (
        State.NO_SHOW
    )
    assert relay.holder() == relay.receiver.organisation
    assert_baton_invariants(relay.trajectory)


# --- handover_expire_overdue -----------------------------------------------------------------


def test_the_sweep_expires_only_handovers_whose_answer_date_has_passed(
    actor_a: Actor, actor_b: Actor, org_b: Organisation, frozen_clock: ClockControl
) -> None:
    trajectories = [TrajectoryFactory(actor=actor_a, phase=Phase.RETURN) for _ in range(4)]
    overdue = HandoverFactory(
        actor=actor_a, trajectory=trajectories[0], receiver=org_b, respond_by=dt.date(2025, 3, 4)
    )
    due_today = HandoverFactory(
        actor=actor_a, trajectory=trajectories[1], receiver=org_b, respond_by=dt.date(2025, 3, 5)
    )
    later = HandoverFactory(
        actor=actor_a, trajectory=trajectories[2], receiver=org_b, respond_by=dt.date(2025, 3, 20)
    )
    accepted = HandoverFactory(
        actor=actor_a, trajectory=trajectories[3], receiver=org_b, respond_by=dt.date(2025, 3, 4)
    )
    handover_accept(actor=actor_b, handover=accepted)
    frozen_clock.advance(days=2)
    assert handover_expire_overdue() == 1
    states = {h.pk: h.state for h in Handover.objects.all()}
    assert states == {
        overdue.pk: State.EXPIRED,
        due_today.pk: State.SENT,
        later.pk: State.SENT,
        accepted.pk: State.ACCEPTED,
    }
    expiry = HandoverTransition.objects.get(handover=overdue, action="expire")
    assert (expiry.user_id, expiry.organisation_id) == (None, None)
    audit = AuditEvent.objects.get(action=AuditAction.TRANSITION, object_id=str(overdue.pk))
    assert (audit.user_id, audit.organisation_id) == (None, None)
    for t in trajectories:
        assert_baton_invariants(t)


def test_the_sweep_is_idempotent_a_second_run_changes_nothing(
    relay: Relay, frozen_clock: ClockControl
) -> None:
    relay.send(respond_by=dt.date(2025, 3, 3))
    frozen_clock.advance(days=1)
    assert handover_expire_overdue() == 1
    before = relay_snapshot(relay.trajectory)
    assert handover_expire_overdue() == 0
    assert relay_snapshot(relay.trajectory) == before


def test_the_sweep_can_be_asked_about_another_day(relay: Relay) -> None:
    handover = relay.send(respond_by=dt.date(2025, 3, 10))
    assert handover_expire_overdue(today=dt.date(2025, 3, 10)) == 0
    assert handover_expire_overdue(today=dt.date(2025, 3, 11)) == 1
    handover.refresh_from_db()
    assert handover.state == State.EXPIRED
    assert relay.holder() == relay.sender.organisation


# --- handover_acknowledge_outcome ------------------------------------------------------------

REVIEWABLE = sorted(FINAL - {State.WITHDRAWN})


@pytest.mark.parametrize("state", REVIEWABLE)
def test_the_sender_acknowledges_an_outcome_and_the_loop_is_closed(
    relay: Relay, state: State
) -> None:
    handover = relay.bring_to(state)
    assert handover.outcome_to_review
    holder = relay.holder()
    result = handover_acknowledge_outcome(actor=relay.sender, handover=handover)
    result.refresh_from_db()
    assert result.outcome_seen_at is not None
    assert not result.outcome_to_review
    assert result.state == state
    assert relay.holder() == holder
    event = TrajectoryEvent.objects.filter(trajectory=relay.trajectory).order_by("at", "id").last()
    assert event is not None
    assert (event.kind, event.data) == (
        EventKind.OUTCOME_SEEN,
        {"handover": handover.pk, "state": state},
    )
    audit = AuditEvent.objects.order_by("at", "id").last()
    assert audit is not None
    assert (audit.action, audit.detail) == (AuditAction.CHANGE, {"field": "outcome_seen"})
    assert (audit.user_id, audit.organisation_id) == (
        relay.sender.user_id,
        relay.sender.organisation_id,
    )


@pytest.mark.parametrize("state", REVIEWABLE)
def test_only_the_sender_acknowledges(relay: Relay, state: State) -> None:
    handover = relay.bring_to(state)
    for actor in (relay.receiver, relay.outsider):
        with refused(relay.trajectory, NotPermitted, messages.NOT_YOUR_PART) as exc:
            handover_acknowledge_outcome(actor=actor, handover=handover)
        assert exc.value.params == {"party": messages.PARTY["sender"]}


@pytest.mark.parametrize("state", [State.SENT, State.ACCEPTED, State.WITHDRAWN])
def test_there_is_nothing_to_review_before_an_outcome_or_after_a_withdrawal(
    relay: Relay, state: State
) -> None:
    handover = relay.bring_to(state)
    with refused(relay.trajectory, Conflict, messages.NOTHING_TO_REVIEW):
        handover_acknowledge_outcome(actor=relay.sender, handover=handover)


def test_an_outcome_is_acknowledged_once(relay: Relay) -> None:
    handover = relay.bring_to(State.DECLINED)
    handover_acknowledge_outcome(actor=relay.sender, handover=handover)
    with refused(relay.trajectory, Conflict, messages.NOTHING_TO_REVIEW):
        handover_acknowledge_outcome(actor=relay.sender, handover=handover)


def test_the_baton_move_table_matches_what_the_services_do(relay: Relay) -> None:
    """A guard against the table and the services drifting apart."""
    for row in TRANSITIONS:
        relay.trajectory = TrajectoryFactory(actor=relay.sender, phase=Phase.RETURN)
        handover = relay.bring_to(row.source)
        before = relay.holder()
        handover_transition(
            actor=relay.actor_of(row.by), handover=handover, action=row.action, reason=REASON
        )
        expected = {
            BatonMove.STAYS: before,
            BatonMove.TO_RECEIVER: relay.receiver.organisation,
            BatonMove.TO_SENDER: relay.sender.organisation,
        }[row.baton]
        assert relay.holder() == expected, row.action


# --- consent ending while the baton is in the air ----------------------------------------


def test_a_receiver_cannot_accept_once_the_consent_was_withdrawn(relay: Relay) -> None:
    """Revocation takes effect at once: the pending receiver may decline, not take the baton."""
    from estafette.consent.services import consent_revoke

    handover = relay.send()
    disclosure = handover.consent_disclosures.select_related("consent").get()
    consent_revoke(
        actor=relay.sender,
        consent=disclosure.consent,
        reason="Wil het niet meer",
        **withdrawal_heard(),
    )
    with refused(relay.trajectory, Conflict, messages.CONSENT_GONE_BEFORE_ACCEPT) as info:
        handover_accept(actor=relay.receiver, handover=handover)
    assert str(relay.sender.organisation) in str(info.value)
    assert relay.holder() == relay.sender.organisation
    handover_decline(actor=relay.receiver, handover=handover, reason=REASON)
    assert Handover.objects.get(pk=handover.pk).state == State.DECLINED


def test_a_receiver_cannot_accept_once_the_consent_expired(
    relay: Relay, frozen_clock: ClockControl
) -> None:
    handover = relay.send()
    consent = handover.consent_disclosures.select_related("consent").get().consent
    consent.ends_on = dt.date(2025, 3, 4)
    consent.save(update_fields=["ends_on"])
    frozen_clock.advance(days=2)  # the day after the end date: no longer in force
    with refused(relay.trajectory, Conflict, messages.CONSENT_GONE_BEFORE_ACCEPT):
        handover_accept(actor=relay.receiver, handover=handover)


def test_a_sender_cannot_pass_on_a_data_class_it_may_not_see(relay: Relay) -> None:
    from estafette.organisations.models import Role
    from estafette.testing.factories import make_actor

    volunteer = make_actor(relay.sender.organisation, Role.VISITING_VOLUNTEER)
    with refused(relay.trajectory, NotPermitted, messages.NOT_YOURS_TO_SHARE) as info:
        send_with_consent(
            actor=volunteer,
            trajectory=relay.trajectory,
            receiver=relay.receiver.organisation,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message="Graag nazorg.",
            data_classes=["identity", "offence"],
        )
    assert "offence" in str(info.value).lower() or "delict" in str(info.value).lower()
