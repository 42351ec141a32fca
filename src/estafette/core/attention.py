"""What else asks an organisation to act on a trajectory: terms other apps add to the
caseload's "what needs action first" order, without the caseload importing them.

The caseload (``trajectories.selectors``) orders by what it knows itself — deadlines,
incoming handovers, outcomes to review — and then asks here for the rest. The signals
app, which no feature app may import (decision 0015), registers at start-up a term that
holds when an open signal is addressed to the actor's organisation (issue 12).

Contract of a term: ``term(actor)`` returns a ``Q`` on ``Trajectory`` (an ``Exists``
over an indexed sub-select, so the order stays one query), or ``None`` when it has
nothing to add for this actor. A term sees only what the actor's own inbox shows: it
may move a row up, never add one. Core knows no term; this module imports nothing but
Django.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

AttentionTerm = Callable[[Any], Q | None]
"""``term(actor) -> Q | None``: the trajectories on which something open asks the actor's
organisation to act."""

_TERMS: list[AttentionTerm] = []


def on_attention(term: AttentionTerm) -> AttentionTerm:
    """Register ``term`` (from ``AppConfig.ready()``); registering it twice keeps one."""
    if term not in _TERMS:
        _TERMS.append(term)
    return term


def attention_q(actor: Any) -> Q | None:
    """Every registered term for ``actor``, OR-ed; ``None`` when none has anything to add."""
    found: Q | None = None
    for term in _TERMS:
        q = term(actor)
        if q is not None:
            found = q if found is None else found | q
    return found
