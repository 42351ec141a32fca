"""The exchange zone: two runners run side by side until the person leaves detention.

Decision 0011: a handover whose purpose starts after release, accepted while the
person is still detained, leaves the baton with the sender. The receiver is then
*committed*: it prepares the arrival with its own norm, sees the file under the
same consent, and takes the baton when the person leaves detention. This module
holds the rules of that zone, so the services, the access policy, the caseload and
the signal rules all ask the same questions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from estafette.handovers.models import Purpose
from estafette.handovers.workflow import State

DURING_DETENTION_PURPOSES: frozenset[str] = frozenset(
    {Purpose.GUIDANCE, Purpose.CONSULAR, Purpose.SENTENCE_TRANSFER}
)
"""Purposes whose receiver runs while the person is detained: the baton passes on acceptance."""

AT_RELEASE_PURPOSES: frozenset[str] = frozenset(
    value for value in Purpose.values if value not in DURING_DETENTION_PURPOSES
)
"""Purposes whose receiver runs after release (after-care referral, landing place, probation
supervision, buddy programme, other): accepted during detention, the baton passes at release."""

DETENTION_PHASE = "detention"
"""The phase in which a handover of an at-release purpose commits instead of passing the baton
(the value of ``trajectories.models.Phase.DETENTION``; a string here so this module needs no
import of the trajectories app)."""


def passes_at_release(*, purpose: str, phase: str) -> bool:
    """Whether accepting a handover of ``purpose`` now commits the receiver instead of passing.

    True for an at-release purpose while the trajectory is in the detention phase.
    """
    return purpose in AT_RELEASE_PURPOSES and phase == DETENTION_PHASE


CLOSED_PHASE = "closed"


def committed_q(prefix: str = "") -> Q:
    """Handovers whose receiver is committed: accepted, the baton not yet passed, and the
    trajectory still open (a trajectory closed during detention ends the commitment).

    ``prefix`` lets a query on another model reach the handover (``"handovers__"``).
    """
    return Q(**{f"{prefix}state": State.ACCEPTED, f"{prefix}baton_at__isnull": True}) & ~Q(
        **{f"{prefix}trajectory__phase": CLOSED_PHASE}
    )


def is_committed(handover: Any, *, closed: bool = False) -> bool:
    """The handover's receiver is committed and preparing (accepted, baton not yet passed).

    ``closed``: whether its trajectory is closed, which ends the commitment.
    """
    return bool(handover.state == State.ACCEPTED and handover.baton_at is None and not closed)


def may_record_outcome(*, purpose: str, phase: str) -> bool:
    """Whether "taken up" or "no-show" may be recorded for a handover of ``purpose`` now.

    For a receiver that runs after release, only once the person is out: released or
    returned (any phase after detention). A receiver that runs during detention records
    it when it reaches the person: BB's guidance or the consulate, and a sentence
    transfer's Dutch prison, whose "taken up" is the person's arrival there (transferred).
    """
    return phase != DETENTION_PHASE or purpose in DURING_DETENTION_PURPOSES
