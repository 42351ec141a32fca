"""Template tags of the signals app: the trajectory page's panel of live signals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from estafette.signals.selectors import (
    NormDeadlines,
    TrajectorySignals,
    norm_deadlines,
    trajectory_signals,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def signals_for_trajectory(context: Any) -> TrajectorySignals | None:
    """The page's trajectory's live signals as the signed-in organisation sees them.

    Reads ``actor``, ``trajectory`` and ``access`` from the trajectory page's
    context (the page has already opened the file through the access policy
    and audited it), so ``trajectories.views`` needs no change.
    """
    actor = context.get("actor")
    trajectory = context.get("trajectory")
    access = context.get("access")
    if actor is None or trajectory is None or access is None:
        return None
    return trajectory_signals(actor=actor, trajectory=trajectory, classes=access.classes)


@register.simple_tag(takes_context=True)
def norm_deadlines_for_trajectory(context: Any) -> NormDeadlines | None:
    """The "N days before release" deadlines of the page's trajectory, naming norm and basis."""
    trajectory = context.get("trajectory")
    access = context.get("access")
    if trajectory is None or access is None:
        return None
    return norm_deadlines(trajectory=trajectory, classes=access.classes)


@register.filter
def iso_day(value: Any) -> dt.date | None:
    """A date kept as ISO text (a signal event's ``data``) as a date, for ``short_date``."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
