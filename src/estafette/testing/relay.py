"""Assertions about the relay that several test modules share.

* :func:`relay_snapshot` and :func:`refused`: a refused service call leaves
  nothing half-saved (no handover, transition, timeline event or audit entry
  other than a refusal, and the same holder and stretches).
* :func:`assert_baton_invariants`: one holder, one open stretch held by that
  holder, at most one handover in the air, stretches that chain without gaps
  or overlaps.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, models

from estafette.core.errors import DomainError
from estafette.core.models import AuditAction, AuditEvent
from estafette.handovers.models import Handover, HandoverTransition
from estafette.handovers.workflow import State
from estafette.trajectories.models import Participant, Stretch, Trajectory, TrajectoryEvent

TRAJECTORY_FIELDS = (
    "baton_holder_id",
    "route",
    "transfer_law",
    "phase",
    "release_certainty",
    "release_date",
    "release_earliest",
    "release_latest",
    "release_on",
    "next_step",
    "next_step_due",
    "next_runner_id",
    "closed_at",
    "domestic_entry",
)


@dataclass(frozen=True)
class RelaySnapshot:
    handovers: int
    transitions: int
    events: int
    audit_entries: int
    participants: int
    trajectory: tuple[Any, ...]
    stretches: tuple[tuple[Any, ...], ...]
    handover_states: tuple[tuple[Any, ...], ...]


def _quoted(model: type[models.Model], *attnames: str) -> tuple[str, list[str]]:
    """The model's quoted table name and the quoted columns of ``attnames``."""
    q = connection.ops.quote_name
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    return q(model._meta.db_table), [q(columns[a]) for a in attnames]


def _fetch(sql: str, params: list[Any]) -> tuple[tuple[Any, ...], ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(tuple(row) for row in cursor.fetchall())


def relay_snapshot(trajectory: Trajectory) -> RelaySnapshot:
    """Counts of everything a service writes, plus the trajectory's own state, from the DB.

    Plain SQL in three round trips: the hypothesis suite takes thousands of
    snapshots, and the ORM's query compilation would dominate its run time.
    Table and column names come from the models, never from input.
    """
    counted = [Handover, HandoverTransition, TrajectoryEvent, Participant]
    counts = [f"(SELECT COUNT(*) FROM {_quoted(m)[0]})" for m in counted]  # noqa: S608
    audit, (action,) = _quoted(AuditEvent, "action")
    counts.append(f"(SELECT COUNT(*) FROM {audit} WHERE {action} <> %s)")  # noqa: S608
    table, columns = _quoted(Trajectory, "id", *TRAJECTORY_FIELDS)
    (row,) = _fetch(
        f"SELECT {', '.join(counts + columns[1:])} FROM {table} WHERE {columns[0]} = %s",  # noqa: S608
        [AuditAction.DENIED.value, trajectory.pk],
    )
    table, columns = _quoted(
        Stretch, "id", "organisation_id", "started_at", "ended_at", "trajectory_id"
    )
    stretches = _fetch(
        f"SELECT {', '.join(columns[:4])} FROM {table} "  # noqa: S608
        f"WHERE {columns[4]} = %s ORDER BY {columns[2]}, {columns[0]}",
        [trajectory.pk],
    )
    table, columns = _quoted(
        Handover,
        "id",
        "state",
        "reason",
        "decided_at",
        "outcome_at",
        "outcome_seen_at",
        "trajectory_id",
    )
    handovers = _fetch(
        f"SELECT {', '.join(columns[:6])} FROM {table} "  # noqa: S608
        f"WHERE {columns[6]} = %s ORDER BY {columns[0]}",
        [trajectory.pk],
    )
    numbers, fields = row[: len(counts)], row[len(counts) :]
    return RelaySnapshot(
        handovers=int(numbers[0]),
        transitions=int(numbers[1]),
        events=int(numbers[2]),
        participants=int(numbers[3]),
        audit_entries=int(numbers[4]),
        trajectory=fields,
        stretches=stretches,
        handover_states=handovers,
    )


@contextmanager
def refused(
    trajectory: Trajectory, error: type[DomainError], message: object = None
) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """Expect ``error`` (with ``message`` if given) and that nothing about the relay changed."""
    before = relay_snapshot(trajectory)
    with pytest.raises(error) as info:
        yield info
    if message is not None:
        assert info.value.message == message, f"{info.value.message!r} != {message!r}"
    after = relay_snapshot(trajectory)
    assert after == before, "a refused call left something behind"


def assert_baton_invariants(trajectory: Trajectory) -> Trajectory:
    """The relay is whole: one holder, one open stretch, chained stretches, one handover in the air.

    1. exactly one open stretch, held by the trajectory's ``baton_holder``;
    2. at most one handover in state ``sent``;
    3. stretches in time order: each ends exactly when the next starts, none
       ends before it starts, the first starts when the trajectory opened;
    4. every stretch after the first began through a handover whose table row
       moved the baton to that organisation (accept → receiver, no-show → sender).

    Returns the trajectory as read from the database.
    """
    trajectory = Trajectory.objects.get(pk=trajectory.pk)
    # values_list, not instances: the hypothesis suite calls this after every step
    stretches = list(
        Stretch.objects.filter(trajectory=trajectory)
        .order_by("started_at", "id")
        .values_list(
            "organisation_id",
            "started_at",
            "ended_at",
            "handover_id",
            "handover__state",
            "handover__sender_id",
            "handover__receiver_id",
        )
    )
    open_stretches = [s for s in stretches if s[2] is None]
    assert len(open_stretches) == 1, f"{len(open_stretches)} open stretches"
    assert stretches[-1][2] is None, "the open stretch is not the latest"
    assert stretches[-1][0] == trajectory.baton_holder_id, "the holder has no open stretch"

    pending = Handover.objects.filter(trajectory=trajectory, state=State.SENT).count()
    assert pending <= 1, f"{pending} handovers in the air"

    assert stretches[0][1] == trajectory.opened_at
    assert stretches[0][3] is None, "the first stretch began through a handover"
    for previous, following in itertools.pairwise(stretches):
        organisation, started_at, _, handover_id, state, sender_id, receiver_id = following
        assert previous[2] is not None
        assert previous[1] <= previous[2]
        assert previous[2] == started_at, "stretches overlap or leave a gap"
        assert handover_id is not None, "a stretch began without a handover"
        if state == State.NO_SHOW and organisation == sender_id:
            continue  # the baton came back to the sender
        assert organisation == receiver_id, "the baton went elsewhere"
    return trajectory
