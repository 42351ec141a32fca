"""Whole-database checks of the relay's invariants, for the demo's tests and ``demo --check``.

The services keep these invariants one change at a time; the bulk generator
writes rows directly, so it is checked here over every trajectory at once,
with a handful of queries (fine up to national scale).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from estafette.core import clock
from estafette.handovers.models import Handover, HandoverTransition
from estafette.handovers.workflow import FINAL, State, transition_for
from estafette.trajectories.models import (
    Phase,
    Stretch,
    Trajectory,
    TrajectoryEvent,
    release_planning_date,
)


def invariant_violations(limit: int = 20) -> list[str]:
    """Sentences describing broken invariants (at most ``limit``); empty when all hold.

    1. exactly one open stretch per trajectory, held by its baton holder;
    2. stretches chain in time from ``opened_at``; every later one began through a handover;
    3. at most one handover per trajectory in the air;
    4. each handover's transitions follow the workflow table and end in its state;
    5. ``release_on`` equals ``release_planning_date()`` of the release fields;
    6. closed trajectories have ``closed_at`` and no open handover or unseen outcome;
    7. nothing is dated after now.
    """
    problems: list[str] = []

    def fail(text: str) -> bool:
        problems.append(text)
        return len(problems) >= limit

    now = clock.now() + dt.timedelta(minutes=5)
    trajectories = {
        row[0]: row
        for row in Trajectory.objects.values_list(
            "pk",
            "baton_holder_id",
            "opened_at",
            "phase",
            "closed_at",
            "release_certainty",
            "release_date",
            "release_earliest",
            "release_on",
        )
    }
    stretches: dict[int, list[tuple]] = defaultdict(list)
    for stretch in Stretch.objects.order_by("started_at", "id").values_list(
        "trajectory_id", "organisation_id", "started_at", "ended_at", "handover_id"
    ):
        stretches[stretch[0]].append(stretch)
    handovers: dict[int, list[tuple]] = defaultdict(list)
    handover_rows = {}
    for row in Handover.objects.values_list(
        "pk", "trajectory_id", "state", "outcome_seen_at", "sender_id", "receiver_id", "sent_at"
    ):
        handovers[row[1]].append(row)
        handover_rows[row[0]] = row
    transitions: dict[int, list[tuple]] = defaultdict(list)
    for step in HandoverTransition.objects.order_by("at", "id").values_list(
        "handover_id", "action", "source", "target", "at"
    ):
        transitions[step[0]].append(step)

    for pk, (
        _,
        holder,
        opened_at,
        phase,
        closed_at,
        cert,
        date,
        earliest,
        release_on,
    ) in trajectories.items():
        chain = stretches.get(pk, [])
        open_ones = [s for s in chain if s[3] is None]
        if (len(open_ones) != 1 or open_ones[0][1] != holder) and fail(
            f"trajectory {pk}: open stretches {len(open_ones)}, holder {holder}"
        ):
            break
        if chain and chain[0][2] != opened_at and fail(f"trajectory {pk}: first stretch late"):
            break
        broken = any(a[3] != b[2] or b[4] is None for a, b in itertools.pairwise(chain))
        if broken and fail(f"trajectory {pk}: stretches do not chain"):
            break
        if release_on != release_planning_date(cert, date, earliest) and fail(
            f"trajectory {pk}: release_on {release_on} not from the release fields"
        ):
            break
        states = [h[2] for h in handovers.get(pk, [])]
        if states.count(State.SENT) > 1 and fail(f"trajectory {pk}: two handovers in the air"):
            break
        if phase == Phase.CLOSED:
            unsettled = [h for h in handovers.get(pk, []) if h[2] not in FINAL or h[3] is None]
            if (closed_at is None or unsettled) and fail(f"trajectory {pk}: closed with open ends"):
                break
        elif closed_at is not None and fail(f"trajectory {pk}: closed_at on an open trajectory"):
            break
        if opened_at > now and fail(f"trajectory {pk}: opened in the future"):
            break

    for pk, row in handover_rows.items():
        steps = transitions.get(pk, [])
        if not steps or steps[0][1] != "send" or steps[0][3] != State.SENT:
            if fail(f"handover {pk}: does not start with 'send'"):
                break
            continue
        illegal = [
            (a, b)
            for a, b in itertools.pairwise(steps)
            if (move := transition_for(b[1], a[3])) is None or b[2] != a[3] or b[3] != move.target
        ]
        if illegal and fail(f"handover {pk}: {illegal[0][0][3]} -{illegal[0][1][1]}-> not allowed"):
            break
        if steps[-1][3] != row[2] and fail(f"handover {pk}: state {row[2]} ≠ last transition"):
            break
        if steps[-1][4] > now and fail(f"handover {pk}: transition in the future"):
            break
    if TrajectoryEvent.objects.filter(at__gt=now).exists():
        problems.append("timeline events dated in the future")
    return problems
