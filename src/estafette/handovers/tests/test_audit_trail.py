"""The audit trail of one whole relay: every change and every read names who, for whom."""

from __future__ import annotations

from unittest.mock import ANY

from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.handovers.services import (
    handover_accept,
    handover_acknowledge_outcome,
    handover_decline,
    handover_expire_overdue,
    handover_record_no_show,
)
from estafette.testing.clock import ClockControl
from estafette.testing.factories import HandoverFactory, TrajectoryFactory
from estafette.trajectories.models import ParticipantRole, Phase
from estafette.trajectories.selectors import relay_get, trajectory_get
from estafette.trajectories.services import (
    participant_add,
    trajectory_change_route,
    trajectory_plan_next_step,
    trajectory_set_phase,
    trajectory_set_release,
)


def test_a_whole_relay_leaves_one_audit_entry_per_change_and_per_read(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    a, b, c = actor_a, actor_b, actor_c
    trajectory = TrajectoryFactory(actor=a, phase=Phase.RETURN)
    person = trajectory.person_id
    trajectory_set_release(actor=a, trajectory=trajectory, certainty="unknown", reason="PI")
    trajectory_change_route(actor=a, trajectory=trajectory, route="abroad_own", reason="geen BB")
    trajectory_plan_next_step(actor=a, trajectory=trajectory, next_step="bellen", due=None)
    participant_add(
        actor=a, trajectory=trajectory, organisation=c.organisation, role=ParticipantRole.BUDDY
    )
    declined = HandoverFactory(actor=a, trajectory=trajectory, receiver=b.organisation)
    handover_decline(actor=b, handover=declined, reason="vol")
    handover_acknowledge_outcome(actor=a, handover=declined)
    HandoverFactory(  # left to lapse
        actor=a, trajectory=trajectory, receiver=b.organisation, respond_by=frozen_clock.today
    )
    frozen_clock.advance(days=1)
    handover_expire_overdue()
    accepted = HandoverFactory(actor=a, trajectory=trajectory, receiver=b.organisation)
    handover_accept(actor=b, handover=accepted)
    trajectory_get(actor=b, pk=trajectory.pk)
    handover_record_no_show(actor=b, handover=accepted, reason="niet gekomen")
    relay_get(actor=a, pk=trajectory.pk)
    trajectory_set_phase(actor=a, trajectory=trajectory, phase=Phase.CLOSED, reason="klaar")

    trail = [
        (e.action, e.object_type, e.user_id, e.organisation_id, e.person_id, e.detail)
        for e in AuditEvent.objects.order_by("id")
    ]
    T, H, P = "trajectories.trajectory", "handovers.handover", "trajectories.participant"
    D = "consent.consentdisclosure"
    A = (a.user_id, a.organisation_id, person)
    B = (b.user_id, b.organisation_id, person)
    SYSTEM = (None, None, person)

    def tr(action: str, source: str, target: str) -> dict[str, str]:
        return {"transition": action, "source": source, "target_state": target}

    to_b = {"receiver": b.organisation_id, "purpose": "aftercare_referral"}
    assert trail == [
        ("create", T, *A, {"route": "abroad_bb"}),
        ("change", T, *A, {"field": "release", "certainty": "unknown"}),
        ("change", T, *A, {"field": "route", "old": "abroad_bb", "new": "abroad_own"}),
        ("change", T, *A, {"field": "next_step"}),
        ("create", P, *A, {}),
        ("create", D, *A, ANY),  # the consent disclosure recorded with the send
        ("create", H, *A, to_b),
        ("transition", H, *B, tr("decline", "sent", "declined")),
        ("change", H, *A, {"field": "outcome_seen"}),
        ("create", D, *A, ANY),  # the consent disclosure recorded with the send
        ("create", H, *A, to_b),
        ("transition", H, *SYSTEM, tr("expire", "sent", "expired")),
        ("create", D, *A, ANY),  # the consent disclosure recorded with the send
        ("create", H, *A, to_b),
        ("transition", H, *B, tr("accept", "sent", "accepted")),
        ("view", T, *B, {}),
        ("transition", H, *B, tr("no_show", "accepted", "no_show")),
        ("view", T, *A, {}),
        ("change", T, *A, {"field": "phase", "old": "return", "new": "closed"}),
    ]
