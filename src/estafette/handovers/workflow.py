"""The handover state machine as an explicit table (pattern from Signalen's workflow.py).

Pure Python, no Django: the services consult it, hypothesis tests drive it.

    sent ──accept──▶ accepted ──taken up──▶ taken_up
      │                  └──────no-show───▶ no_show   (baton returns to the sender)
      ├──decline (reason)──▶ declined
      ├──withdraw (reason)─▶ withdrawn
      └──expire (system)───▶ expired

While a handover is ``sent`` the baton is *in the air*: the sender still holds
it and stays responsible until the receiver accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    TAKEN_UP = "taken_up"
    NO_SHOW = "no_show"


class Party(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"
    SYSTEM = "system"


class BatonMove(StrEnum):
    STAYS = "stays"
    TO_RECEIVER = "to_receiver"
    TO_SENDER = "to_sender"


@dataclass(frozen=True)
class Transition:
    action: str
    source: State
    target: State
    by: Party
    reason_required: bool
    baton: BatonMove


TRANSITIONS: tuple[Transition, ...] = (
    Transition("accept", State.SENT, State.ACCEPTED, Party.RECEIVER, False, BatonMove.TO_RECEIVER),
    Transition("decline", State.SENT, State.DECLINED, Party.RECEIVER, True, BatonMove.STAYS),
    Transition("withdraw", State.SENT, State.WITHDRAWN, Party.SENDER, True, BatonMove.STAYS),
    Transition("expire", State.SENT, State.EXPIRED, Party.SYSTEM, False, BatonMove.STAYS),
    Transition("take_up", State.ACCEPTED, State.TAKEN_UP, Party.RECEIVER, False, BatonMove.STAYS),
    Transition("no_show", State.ACCEPTED, State.NO_SHOW, Party.RECEIVER, True, BatonMove.TO_SENDER),
)

BY_ACTION: dict[str, tuple[Transition, ...]] = {}
for _t in TRANSITIONS:
    BY_ACTION[_t.action] = (*BY_ACTION.get(_t.action, ()), _t)

PENDING = frozenset({State.SENT})
"""The baton is in the air while a handover is in one of these states."""

AWAITING_OUTCOME = frozenset({State.ACCEPTED})
"""Accepted, but the receiver has not yet said whether the person turned up."""

FINAL = frozenset({State.DECLINED, State.WITHDRAWN, State.EXPIRED, State.TAKEN_UP, State.NO_SHOW})
"""No transition leaves these states; the sender reviews the outcome."""


def transition_for(action: str, source: str) -> Transition | None:
    """The transition ``action`` from state ``source``, or ``None`` if it is not allowed."""
    for transition in BY_ACTION.get(action, ()):
        if transition.source == source:
            return transition
    return None


def actions_from(source: str, party: Party) -> list[str]:
    """The actions ``party`` may take on a handover in state ``source``."""
    return [t.action for t in TRANSITIONS if t.source == source and t.by == party]
