"""The signal lifecycle as an explicit table (pure Python, like ``handovers.workflow``).

    open ──acknowledge (note)──▶ acknowledged
      │  └──────snooze (until, reason)──▶ snoozed ──(until reached: system)──▶ open
      └──resolve (reason) / facts gone (system)──▶ resolved

Any state but ``resolved`` can be snoozed, resolved by hand, or resolved
automatically when the facts no longer hold. ``resolved`` is final: when the
facts hold again later, a *new* signal is raised (its history starts afresh).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SignalState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class By(StrEnum):
    ADDRESSEE = "addressee"
    SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[SignalState]
    target: SignalState
    by: By
    note_required: bool


LIVE = frozenset({SignalState.OPEN, SignalState.ACKNOWLEDGED, SignalState.SNOOZED})

MOVES: dict[str, Move] = {
    move.action: move
    for move in (
        Move(
            "acknowledge",
            frozenset({SignalState.OPEN}),
            SignalState.ACKNOWLEDGED,
            By.ADDRESSEE,
            True,
        ),
        Move(
            "snooze",
            frozenset({SignalState.OPEN, SignalState.ACKNOWLEDGED}),
            SignalState.SNOOZED,
            By.ADDRESSEE,
            True,
        ),
        Move("resolve", LIVE, SignalState.RESOLVED, By.ADDRESSEE, True),
        Move("reopen", frozenset({SignalState.SNOOZED}), SignalState.OPEN, By.SYSTEM, False),
        Move("auto_resolve", LIVE, SignalState.RESOLVED, By.SYSTEM, False),
    )
}


def move_for(action: str, source: str) -> Move | None:
    """The move ``action`` from ``source``, or ``None`` when it is not allowed."""
    move = MOVES.get(action)
    if move is None or source not in move.sources:
        return None
    return move
