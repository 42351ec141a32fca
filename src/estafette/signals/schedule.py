"""Re-evaluate the signals of what a committed change touched: the listener of ``core.changes``.

Every service that changes something a rule reads (release date, route, phase,
handovers, consent, contacts, basic conditions, network, an organisation's
norms) says so to :mod:`estafette.core.changes` inside its transaction
(``trajectory_changed_after_commit``, ``person_changed_after_commit``,
``organisation_norms_changed_after_commit``). The signals app registers
:func:`evaluate_changes` there at start-up (``SignalsConfig.ready``): after the
commit, the evaluation of each touched trajectory is *enqueued* as the
background task :func:`estafette.signals.tasks.evaluate_trajectory` (DOMAIN.md §7:
"right after every change that can affect a trajectory"). Nothing happens if the
transaction rolls back. The request does not wait for it; the database worker
runs it within about a second (docs/background-work.md). The test settings run
tasks immediately, so a test sees the result at once.

Within one transaction the changes are collected by ``core.changes``: one
after-commit callback per transaction enqueues each trajectory once, however
many services it passed.

The feature apps never import this module (import-linter: "feature apps never
import the signals app", decision 0015); it imports nothing from them at import
time either.
"""

from __future__ import annotations

from estafette.core.changes import TrajectoryChanges


def evaluate_changes(changes: TrajectoryChanges) -> None:
    """Enqueue the evaluation of every live trajectory ``changes`` touched, each once.

    People and organisations are resolved to their live trajectories now, after the
    commit. Evaluation is idempotent, so an extra one costs time, not correctness.
    """
    from estafette.signals.tasks import evaluate_trajectory

    touched = (
        set(changes.trajectory_ids)
        | _live_trajectories_of(changes.person_ids)
        | _live_trajectories_run_by(changes.organisation_ids)
    )
    for trajectory_id in sorted(touched):
        evaluate_trajectory.enqueue(trajectory_id)


def _live_trajectories_of(person_ids: frozenset[int]) -> set[int]:
    if not person_ids:
        return set()
    from estafette.trajectories.models import Phase, Trajectory

    return set(
        Trajectory.objects.filter(person_id__in=person_ids)
        .exclude(phase=Phase.CLOSED)
        .values_list("pk", flat=True)
    )


def _live_trajectories_run_by(organisation_ids: frozenset[int]) -> set[int]:
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
