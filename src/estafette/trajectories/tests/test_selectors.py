"""Two-organisation isolation of every trajectory read, and the audit trail of reads.

The rule (issue 3): an organisation sees a trajectory while it holds or held
the baton, while a handover to it is pending, or while it runs alongside as a
participant whose ``until`` has not passed. Anything else is a 404, audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.http import Http404

from estafette.core.actor import Actor
from estafette.core.models import AuditAction, AuditEvent
from estafette.handovers.services import (
    handover_accept,
    handover_decline,
    handover_transition,
    handover_withdraw,
)
from estafette.handovers.workflow import State
from estafette.organisations.models import Organisation
from estafette.testing.consent import give_consent
from estafette.testing.factories import HandoverFactory, TrajectoryFactory
from estafette.testing.fixtures import returned_trajectory
from estafette.trajectories.models import EventKind, ParticipantRole, Trajectory
from estafette.trajectories.selectors import relay_get, trajectory_get, trajectory_scope
from estafette.trajectories.services import participant_add, trajectory_set_phase

pytestmark = pytest.mark.usefixtures("frozen_clock")

REASON = "Past niet bij ons aanbod."


@pytest.fixture
def trajectory(frozen_clock: object, actor_a: Actor) -> Trajectory:
    """The relay's general mechanics on a returned person (:mod:`estafette.testing.fixtures`)."""
    return returned_trajectory(actor_a)


def sees(actor: Actor, trajectory: Trajectory) -> bool:
    """Whether the actor sees the trajectory, asked both ways (scope and get) and consistently."""
    in_scope = trajectory_scope(actor).filter(pk=trajectory.pk).exists()
    try:
        trajectory_get(actor=actor, pk=trajectory.pk, audit=False)
    except Http404:
        assert not in_scope
        return False
    assert in_scope
    return True


def test_an_organisation_with_no_part_sees_nothing(trajectory: Trajectory, actor_c: Actor) -> None:
    assert not trajectory_scope(actor_c).exists()
    assert not sees(actor_c, trajectory)


def test_two_organisations_each_see_only_their_own(actor_a: Actor, actor_b: Actor) -> None:
    of_a = TrajectoryFactory(actor=actor_a)
    of_b = TrajectoryFactory(actor=actor_b)
    assert list(trajectory_scope(actor_a)) == [of_a]
    assert list(trajectory_scope(actor_b)) == [of_b]


def test_a_colleague_in_the_same_organisation_sees_what_the_organisation_sees(
    trajectory: Trajectory, org_a: Organisation, actor_for: Callable[..., Actor]
) -> None:
    colleague = actor_for(org_a)
    assert sees(colleague, trajectory)


def test_a_refused_read_is_a_404_and_is_audited_with_the_object_id(
    trajectory: Trajectory, actor_c: Actor
) -> None:
    with pytest.raises(Http404):
        trajectory_get(actor=actor_c, pk=trajectory.pk)
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert (denied.object_type, denied.object_id) == ("trajectories.trajectory", str(trajectory.pk))
    assert (denied.user_id, denied.organisation_id) == (actor_c.user_id, actor_c.organisation_id)
    assert denied.person_id is None  # the refused actor learns nothing, the log names no person


def test_a_guessed_id_that_does_not_exist_is_the_same_404(actor_a: Actor) -> None:
    with pytest.raises(Http404):
        trajectory_get(actor=actor_a, pk=999_999)
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id="999999").exists()


def test_a_read_is_audited_as_a_view_of_the_persons_file(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    got = trajectory_get(actor=actor_a, pk=trajectory.pk)
    assert got == trajectory
    view = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (view.object_type, view.object_id, view.person_id) == (
        "trajectories.trajectory",
        str(trajectory.pk),
        trajectory.person_id,
    )
    assert (view.user_id, view.organisation_id) == (actor_a.user_id, actor_a.organisation_id)


def test_a_read_without_audit_writes_no_view(trajectory: Trajectory, actor_a: Actor) -> None:
    trajectory_get(actor=actor_a, pk=trajectory.pk, audit=False)
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_the_receiver_of_a_pending_handover_sees_the_trajectory(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=actor_b.organisation)
    assert sees(actor_b, trajectory)
    assert not sees(actor_c, trajectory)


@pytest.mark.parametrize("outcome", ["decline", "withdraw", "expire"])
def test_after_a_refused_or_lapsed_handover_the_receiver_no_longer_sees_it(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor, outcome: str
) -> None:
    handover = HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=actor_b.organisation)
    if outcome == "decline":
        handover_decline(actor=actor_b, handover=handover, reason=REASON)
    elif outcome == "withdraw":
        handover_withdraw(actor=actor_a, handover=handover, reason=REASON)
    else:
        handover_transition(actor=None, handover=handover, action="expire")
    assert not sees(actor_b, trajectory)
    assert sees(actor_a, trajectory)


def test_an_earlier_holder_still_sees_the_trajectory(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    first = HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=actor_b.organisation)
    handover_accept(actor=actor_b, handover=first)
    second = HandoverFactory(actor=actor_b, trajectory=trajectory, receiver=actor_c.organisation)
    handover_accept(actor=actor_c, handover=second)
    assert sees(actor_a, trajectory)
    assert sees(actor_b, trajectory)
    assert sees(actor_c, trajectory)


def test_a_participant_sees_the_trajectory_until_its_participation_has_ended(
    trajectory: Trajectory, actor_a: Actor, actor_c: Actor
) -> None:
    participant = participant_add(
        actor=actor_a,
        trajectory=trajectory,
        organisation=actor_c.organisation,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    assert not sees(actor_c, trajectory)  # a part alone is not enough: consent is the ground
    give_consent(
        person=trajectory.person, purpose_code="volunteer_visits", recipient=actor_c.organisation
    )
    assert sees(actor_c, trajectory)
    participant.until = dt.date(2025, 3, 3)  # ends today: still running alongside
    participant.save()
    assert sees(actor_c, trajectory)
    participant.until = dt.date(2025, 3, 2)
    participant.save()
    assert not sees(actor_c, trajectory)


def test_a_closed_trajectory_stays_visible_to_those_who_ran_in_it(
    trajectory: Trajectory, actor_a: Actor, actor_c: Actor
) -> None:
    trajectory_set_phase(actor=actor_a, trajectory=trajectory, phase="closed", reason="afgerond")
    assert sees(actor_a, trajectory)
    assert not sees(actor_c, trajectory)


# --- relay_get -------------------------------------------------------------------------------


def test_relay_get_gives_stretches_handovers_pending_timeline_and_participants_in_order(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    first = HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=actor_b.organisation)
    handover_accept(actor=actor_b, handover=first)
    participant_add(
        actor=actor_b, trajectory=trajectory, organisation=actor_c.organisation, role="buddy"
    )
    second = HandoverFactory(actor=actor_b, trajectory=trajectory, receiver=actor_c.organisation)

    relay = relay_get(actor=actor_a, pk=trajectory.pk)
    assert relay.trajectory == trajectory
    assert [s.organisation for s in relay.stretches] == [actor_a.organisation, actor_b.organisation]
    assert relay.handovers == [first, second]
    assert relay.pending == second
    assert [e.kind for e in relay.events] == [
        EventKind.OPENED,
        EventKind.HANDOVER_SENT,
        EventKind.HANDOVER_ACCEPTED,
        EventKind.PARTICIPANT_ADDED,
        EventKind.HANDOVER_SENT,
    ]
    assert [p.organisation for p in relay.participants] == [actor_c.organisation]
    assert [t.target for t in relay.handovers[0].transitions.all()] == [State.SENT, State.ACCEPTED]
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, person_id=trajectory.person_id, user=actor_a.user
    ).exists()


def test_relay_get_without_a_pending_handover_has_none_in_the_air(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    relay = relay_get(actor=actor_a, pk=trajectory.pk)
    assert relay.pending is None
    assert relay.handovers == []


def test_relay_get_refuses_an_organisation_with_no_part(
    trajectory: Trajectory, actor_c: Actor
) -> None:
    with pytest.raises(Http404):
        relay_get(actor=actor_c, pk=trajectory.pk)
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_id=str(trajectory.pk), organisation=actor_c.organisation
    ).exists()
