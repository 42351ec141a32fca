"""Background work of the signals: evaluate one trajectory after a change, sweep them all daily.

Two tasks of the Django tasks API (django-tasks; the database worker
``manage.py db_worker`` of django-tasks-db runs them, docs/background-work.md):

* :func:`evaluate_trajectory` — enqueued by :mod:`estafette.signals.schedule`
  after the commit of every change a rule reads;
* :func:`sweep` — every live trajectory, for the rules that fire because time
  passes (a deadline comes near, an answer date passes). It schedules its own
  next run (daily at ``ESTAFETTE_SWEEP_HOUR``, Dutch time), so a running worker
  keeps sweeping without cron; :func:`sweep_schedule` keeps exactly one waiting.

The ``sweep`` management command (``estafette sweep``) does the evaluation of
the sweep without a worker, for cron.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task

from estafette.core.clock import LOCAL_ZONE
from estafette.signals.evaluate import EvaluationResult, signals_evaluate

logger = logging.getLogger(__name__)

ATTEMPTS = 3
"""Tries of one evaluation that lost a race (see :func:`_evaluate`)."""

SWEEP_LOCK_KEY = 0x5357_4545  # "SWEE": the advisory lock that serialises sweep_schedule


def _evaluate(trajectory_ids: list[int] | None) -> EvaluationResult:
    """Evaluate, retrying when a concurrent evaluation of the same trajectory won a race.

    Two workers (or a worker and the sweep) may evaluate one trajectory at the
    same moment; both may try to raise the same signal, and the database's
    one-live-signal constraint refuses the second (IntegrityError), or SQLite
    reports it is busy (OperationalError). Evaluation is idempotent: run again,
    it finds the other's signal and changes nothing.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return signals_evaluate(trajectory_ids)
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS:
                raise
            logger.info("evaluation of %s lost a race; trying again", trajectory_ids or "all")
    raise AssertionError("unreachable")


def _counts(result: EvaluationResult) -> dict[str, int]:
    return {
        "raised": result.raised,
        "updated": result.updated,
        "reopened": result.reopened,
        "resolved": result.resolved,
        "unchanged": result.unchanged,
        "held_by_manual_resolution": result.held_by_manual_resolution,
    }


def _after_evaluation(step: Callable[[], Any] | None) -> None:
    """Run a follow-up (notifications) without letting its failure undo the evaluation."""
    if step is None:
        return
    try:
        step()
    except Exception:
        logger.exception("follow-up after the evaluation failed")


@task()
def evaluate_trajectory(trajectory_id: int) -> dict[str, int]:
    """Bring the signals of one trajectory in line with its facts (after a change).

    Returns the counts of :class:`EvaluationResult` (stored with the task result).
    A trajectory that no longer exists or is closed simply resolves its live signals.
    """
    result = _evaluate([trajectory_id])
    _after_evaluation(None)
    return _counts(result)


@task()
def sweep() -> dict[str, int]:
    """Evaluate every live trajectory, then make sure the next daily sweep is waiting.

    The next run is scheduled even when this one fails, so one bad night does
    not stop the sweeps.
    """
    try:
        result = _evaluate(None)
        _after_evaluation(None)
        return _counts(result)
    finally:
        sweep_schedule()


def sweep_next_at(now: dt.datetime | None = None) -> dt.datetime:
    """The next ``ESTAFETTE_SWEEP_HOUR`` o'clock (Dutch time) strictly after ``now``.

    Real time, not :mod:`estafette.core.clock`: the worker compares ``run_after``
    with the real time, also when the application's today is frozen for a demo.
    """
    now = (now or timezone.now()).astimezone(LOCAL_ZONE)
    hour = int(settings.ESTAFETTE_SWEEP_HOUR)
    at = dt.datetime.combine(now.date(), dt.time(hour), tzinfo=LOCAL_ZONE)
    if at <= now:
        at = dt.datetime.combine(
            now.date() + dt.timedelta(days=1), dt.time(hour), tzinfo=LOCAL_ZONE
        )
    return at.astimezone(dt.UTC)


def sweep_schedule(
    *, now: dt.datetime | None = None, run_now: bool = False
) -> TaskResult[Any] | None:
    """Make sure exactly one sweep waits in the queue; idempotent. Returns it.

    * none waiting: enqueue one for :func:`sweep_next_at` (or at once with ``run_now``);
    * one waiting: keep it (with ``run_now``, bring it forward to now);
    * more than one (two processes scheduled at the same moment): keep the
      earliest, delete the others.

    Only a backend that can defer tasks (the database backend) keeps a queue;
    with any other (the immediate backend of the tests) nothing is scheduled and
    ``None`` is returned, except that ``run_now`` runs the sweep there and then.
    """
    backend = sweep.get_backend()
    if not backend.supports_defer:
        return sweep.enqueue() if run_now else None
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two workers finishing at once must not both see "none waiting".
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])
        # (SQLite: our connections begin IMMEDIATE transactions, which already serialise.)
        waiting = list(
            DBTaskResult.objects.filter(
                task_path=sweep.module_path,
                backend_name=backend.alias,
                status=TaskResultStatus.READY,
            ).order_by("run_after", "enqueued_at")
        )
        if not waiting:
            task_ = sweep if run_now else sweep.using(run_after=sweep_next_at(now))
            return task_.enqueue()
        keep, *extra = waiting
        if extra:
            DBTaskResult.objects.filter(pk__in=[row.pk for row in extra]).delete()
        if run_now and keep.run_after > now:
            keep.run_after = now
            keep.save(update_fields=["run_after"])
        return keep.task_result
