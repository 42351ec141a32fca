"""Reading a handover: only its sender and receiver see it; the buttons each of them gets."""

from __future__ import annotations

import pytest
from django.http import Http404

from estafette.core.actor import Actor
from estafette.core.models import AuditAction, AuditEvent
from estafette.handovers.models import Handover
from estafette.handovers.selectors import handover_actions, handover_get
from estafette.handovers.services import (
    handover_accept,
    handover_decline,
    handover_record_no_show,
    handover_record_taken_up,
)
from estafette.testing.factories import HandoverFactory
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def handover(trajectory: Trajectory, actor_a: Actor, org_b: object) -> Handover:
    return HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=org_b)


def test_sender_and_receiver_both_read_the_handover(
    handover: Handover, actor_a: Actor, actor_b: Actor
) -> None:
    assert handover_get(actor=actor_a, pk=handover.pk) == handover
    assert handover_get(actor=actor_b, pk=handover.pk) == handover


def test_an_organisation_with_no_part_gets_a_404_and_the_attempt_is_audited(
    handover: Handover, actor_c: Actor
) -> None:
    with pytest.raises(Http404):
        handover_get(actor=actor_c, pk=handover.pk)
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert (denied.object_type, denied.object_id) == ("handovers.handover", str(handover.pk))
    assert (denied.user_id, denied.organisation_id) == (actor_c.user_id, actor_c.organisation_id)


def test_a_later_holder_does_not_read_earlier_handovers_it_had_no_part_in(
    handover: Handover, trajectory: Trajectory, actor_b: Actor, actor_c: Actor
) -> None:
    handover_accept(actor=actor_b, handover=handover)
    onward = HandoverFactory(actor=actor_b, trajectory=trajectory, receiver=actor_c.organisation)
    handover_accept(actor=actor_c, handover=onward)
    assert handover_get(actor=actor_c, pk=onward.pk) == onward
    with pytest.raises(Http404):
        handover_get(actor=actor_c, pk=handover.pk)


def test_the_buttons_while_the_baton_is_in_the_air(
    handover: Handover, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    assert handover_actions(actor=actor_a, handover=handover) == ["withdraw"]
    assert handover_actions(actor=actor_b, handover=handover) == ["accept", "decline"]
    assert handover_actions(actor=actor_c, handover=handover) == []


def test_the_buttons_after_acceptance_are_the_receivers_outcome(
    handover: Handover, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    handover = handover_accept(actor=actor_b, handover=handover)
    assert handover_actions(actor=actor_a, handover=handover) == []
    assert handover_actions(actor=actor_b, handover=handover) == ["take_up", "no_show"]
    assert handover_actions(actor=actor_c, handover=handover) == []


@pytest.mark.parametrize("outcome", ["declined", "taken_up", "no_show"])
def test_no_buttons_once_the_handover_is_final(
    handover: Handover, actor_a: Actor, actor_b: Actor, outcome: str
) -> None:
    if outcome == "declined":
        handover = handover_decline(actor=actor_b, handover=handover, reason="vol")
    else:
        handover = handover_accept(actor=actor_b, handover=handover)
        if outcome == "taken_up":
            handover = handover_record_taken_up(actor=actor_b, handover=handover)
        else:
            handover = handover_record_no_show(actor=actor_b, handover=handover, reason="weg")
    assert handover_actions(actor=actor_a, handover=handover) == []
    assert handover_actions(actor=actor_b, handover=handover) == []
