"""Who may record basic conditions (who may *see* them is the access policy's CONDITIONS class)."""

from __future__ import annotations

from estafette.access import policy
from estafette.conditions import messages
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.errors import NotPermitted

RECORDING_RELATIONSHIPS: frozenset[str] = frozenset(
    {policy.Relationship.HOLDER, policy.Relationship.COMMITTED, policy.Relationship.PARTICIPANT}
)
"""Who runs with the person now: the holder, a receiver committed to take the baton at
release (it prepares ID, benefit, insurance and housing in parallel, decision 0011) and
whoever runs alongside. An earlier holder, a receiver that has not accepted yet, or
emergency access reads, but does not record."""


def recording_refusal(actor: Actor, access: policy.Access) -> NotPermitted | None:
    """Why the actor may not record conditions of the trajectory ``access`` is about, or None."""
    if not access.sees(DataClass.CONDITIONS):
        return NotPermitted(messages.NOT_SHARED)
    if not policy.may_record_conditions(actor):  # volunteers and buddies only help (§10)
        return NotPermitted(messages.ROLE_MAY_NOT_RECORD)
    if access.relationship not in RECORDING_RELATIONSHIPS:
        return NotPermitted(messages.NO_PART)
    return None


def may_record(actor: Actor, access: policy.Access) -> bool:
    """Whether the actor may record conditions of the trajectory ``access`` is about."""
    return recording_refusal(actor, access) is None
