"""Reads of handovers, through the actor: only the sender and the receiver see one."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estafette.core.actor import Actor
from estafette.core.refusal import refuse_not_found
from estafette.handovers.models import Handover
from estafette.handovers.workflow import Party, actions_from


def handover_get(*, actor: Actor, pk: int) -> Handover:
    """The handover ``pk`` if the actor's organisation sent or received it; else 404, audited."""
    org_id = actor.organisation_id
    handover = (
        Handover.objects.filter(Q(sender_id=org_id) | Q(receiver_id=org_id), pk=pk)
        .select_related("sender", "receiver", "trajectory")
        .first()
    )
    if handover is None:
        refuse_not_found(
            actor=actor,
            object_type="handovers.handover",
            object_id=pk,
            message=_("No handover found that your organisation sent or received."),
        )
    return handover


def handover_actions(*, actor: Actor, handover: Handover) -> list[str]:
    """The transitions the actor's organisation may take now (drives the buttons shown)."""
    parties = []
    if handover.receiver_id == actor.organisation_id:
        parties.append(Party.RECEIVER)
    if handover.sender_id == actor.organisation_id:
        parties.append(Party.SENDER)
    actions: list[str] = []
    for party in parties:
        actions.extend(actions_from(handover.state, party))
    return actions
