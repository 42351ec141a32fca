"""Ask for a trajectory's signals to be re-evaluated once the current change commits.

Every service that changes something a rule reads (release date, route, phase,
handovers, consent, contacts, basic conditions, network) calls
:func:`evaluate_after_commit` (or, for a change to a *person*, such as consent,
:func:`evaluate_person_after_commit`) inside its transaction. Nothing happens if
the transaction rolls back; after the commit the evaluation of each touched
trajectory is *enqueued* as the background task
:func:`estafette.signals.tasks.evaluate_trajectory` (DOMAIN.md §7: "right after
every change that can affect a trajectory"). The request does not wait for it;
the database worker runs it within about a second (docs/background-work.md).
The test settings run tasks immediately, so a test sees the result at once.

Within one transaction the calls are collected: one after-commit callback per
transaction enqueues each trajectory once, however many services it passed.

This module imports nothing from the feature apps at import time, so any
service may import it without import cycles.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

_ATTRIBUTE = "_estafette_evaluation_batch"


@dataclass(eq=False)
class _Batch:
    """The trajectories and people one transaction touched; flushed once after its commit."""

    trajectory_ids: set[int] = field(default_factory=set)
    person_ids: set[int] = field(default_factory=set)
    organisation_ids: set[int] = field(default_factory=set)
    flushed: bool = False

    def flush(self) -> None:
        from estafette.signals.tasks import evaluate_trajectory

        self.flushed = True

        touched = (
            self.trajectory_ids
            | _live_trajectories_of(self.person_ids)
            | _live_trajectories_run_by(self.organisation_ids)
        )
        for trajectory_id in sorted(touched):
            evaluate_trajectory.enqueue(trajectory_id)


def _live_trajectories_of(person_ids: set[int]) -> set[int]:
    if not person_ids:
        return set()
    from estafette.trajectories.models import Phase, Trajectory

    return set(
        Trajectory.objects.filter(person_id__in=person_ids)
        .exclude(phase=Phase.CLOSED)
        .values_list("pk", flat=True)
    )


def _live_trajectories_run_by(organisation_ids: set[int]) -> set[int]:
    """Live trajectories the organisations hold or run alongside (their norms count there)."""
    if not organisation_ids:
        return set()
    from django.db.models import Q

    from estafette.trajectories.models import Phase, Trajectory

    return set(
        Trajectory.objects.filter(
            Q(baton_holder_id__in=organisation_ids)
            | Q(participants__organisation_id__in=organisation_ids)
        )
        .exclude(phase=Phase.CLOSED)
        .values_list("pk", flat=True)
        .distinct()
    )


def _pending(connection: BaseDatabaseWrapper, batch: _Batch | None) -> bool:
    """Whether ``batch``'s callback is still waiting for this transaction's commit.

    Django drops the callbacks of a rolled-back transaction or savepoint from
    ``run_on_commit``; a batch no longer listed there must not collect more ids.
    """
    if batch is None or batch.flushed:
        return False
    return any(entry[1] == batch.flush for entry in connection.run_on_commit)


def _batch_add(
    *,
    trajectory_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    organisation_ids: Iterable[int] = (),
) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        # autocommit: already committed
        _Batch(set(trajectory_ids), set(person_ids), set(organisation_ids)).flush()
        return
    batch: _Batch | None = getattr(connection, _ATTRIBUTE, None)
    if batch is None or not _pending(connection, batch):
        batch = _Batch()
        setattr(connection, _ATTRIBUTE, batch)
        # robust: the change is committed already; a failure to enqueue is logged, not
        # raised into the request, and the daily sweep catches the trajectory up.
        transaction.on_commit(batch.flush, robust=True)
    batch.trajectory_ids.update(trajectory_ids)
    batch.person_ids.update(person_ids)
    batch.organisation_ids.update(organisation_ids)


def evaluate_after_commit(trajectory_id: int) -> None:
    """Enqueue the evaluation of ``trajectory_id``'s signals for after the commit.

    Call inside the service's transaction. Outside one (autocommit) the task
    is enqueued at once. Evaluation is idempotent, so an extra one costs time,
    not correctness.
    """
    _batch_add(trajectory_ids=[trajectory_id])


def evaluate_person_after_commit(person_id: int) -> None:
    """Like :func:`evaluate_after_commit`, for every live trajectory of ``person_id``.

    For changes to the person rather than one trajectory (consent, network,
    vulnerability markers). The trajectories are looked up after the commit.
    """
    _batch_add(person_ids=[person_id])


def evaluate_organisation_after_commit(organisation_id: int) -> None:
    """Like :func:`evaluate_after_commit`, for every live trajectory the organisation runs in.

    For a change of the organisation's own norms: every deadline counted with
    its values recomputes (DOMAIN.md §10: norms can be overridden).
    """
    _batch_add(organisation_ids=[organisation_id])
