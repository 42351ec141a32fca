"""Background work of the signals: evaluate one trajectory after a change, sweep them all daily.

Tasks of the Django tasks API (django-tasks; the database worker
``manage.py db_worker`` of django-tasks-db runs them, docs/background-work.md):

* :func:`evaluate_trajectory` — enqueued by :mod:`estafette.signals.schedule`
  after the commit of every change a rule reads;
* :func:`sweep` — every live trajectory, for the rules that fire because time
  passes (a deadline comes near, an answer date passes). It schedules its own
  next run (daily at ``ESTAFETTE_SWEEP_HOUR``, Dutch time), so a running worker
  keeps sweeping without cron; :func:`sweep_schedule` keeps exactly one waiting;
* :func:`notifications_send` — every five minutes, the notifications' clock
  (e-mail retries, the daily summary); it schedules itself the same way.

The ``sweep`` management command (``estafette sweep``) does the evaluation of
the sweep without a worker, for cron. The other periodic tasks live beside the
services they call (``handovers.tasks``, ``consent.tasks``); all of them keep
one next run waiting with :func:`estafette.core.periodic.keep_one_waiting`.

A trajectory whose evaluation raises stops no other: the task still succeeds,
and its result says "partial: N of M could not be evaluated" (docs/background-work.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task

from estafette.core.clock import LOCAL_ZONE
from estafette.core.periodic import keep_one_waiting
from estafette.signals.evaluate import EvaluationResult, signals_evaluate
from estafette.signals.notifications.services import (
    notifications_after_evaluation,
    notifications_send_daily_digests,
)

logger = logging.getLogger(__name__)

ATTEMPTS = 3
"""Tries of one evaluation that lost a race (see :func:`_evaluate`)."""

NOTIFICATIONS_EVERY = dt.timedelta(minutes=5)
"""How often :func:`notifications_send` runs (e-mail retries, the daily summary)."""

KEEP_RESULTS = dt.timedelta(days=14)
"""Finished task results are kept this long (for the admin), then pruned by the sweep."""


def _evaluate(trajectory_ids: list[int] | None) -> EvaluationResult:
    """Evaluate, retrying when a concurrent evaluation of the same trajectory won a race.

    Two workers (or a worker and the sweep) may evaluate one trajectory at the
    same moment; both may try to raise the same signal, and the database's
    one-live-signal constraint refuses the second (IntegrityError), or SQLite
    reports it is busy (OperationalError). Evaluation is idempotent: run again,
    it finds the other's signal and changes nothing. (``signals_evaluate``
    itself tries a trajectory that raised once more before setting it aside, so
    an IntegrityError seldom reaches this loop; errors of the database do.)
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return signals_evaluate(trajectory_ids)
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS:
                raise
            logger.info("evaluation of %s lost a race; trying again", trajectory_ids or "all")
    raise AssertionError("unreachable")


FAILED_IDS_SHOWN = 100
"""At most this many ids of trajectories that could not be evaluated go in a task result."""


def _counts(result: EvaluationResult) -> dict[str, Any]:
    """The counts of ``result`` for the task result; with ``partial`` when some failed.

    A run in which some trajectories could not be evaluated still *succeeds* (the
    others were evaluated); ``partial`` says "partial: N of M could not be
    evaluated" and ``failed_ids`` names them (the admin lists them all).
    """
    counts: dict[str, Any] = {
        "raised": result.raised,
        "updated": result.updated,
        "reopened": result.reopened,
        "resolved": result.resolved,
        "unchanged": result.unchanged,
        "held_by_manual_resolution": result.held_by_manual_resolution,
        "failed": len(result.failed),
    }
    if result.failed:
        counts["partial"] = result.partial
        counts["failed_ids"] = list(result.failed[:FAILED_IDS_SHOWN])
    return counts


def _after_evaluation(step: Callable[[], Any] | None) -> None:
    """Run a follow-up (notifications) without letting its failure undo the evaluation."""
    if step is None:
        return
    try:
        step()
    except Exception:
        logger.exception("follow-up after the evaluation failed")


@task()
def evaluate_trajectory(trajectory_id: int) -> dict[str, Any]:
    """Bring the signals of one trajectory in line with its facts (after a change).

    Returns the counts of :class:`EvaluationResult` (stored with the task result).
    A trajectory that no longer exists or is closed simply resolves its live signals.
    When a signal was raised or reopened, the people who can act are notified
    (and immediate e-mail goes out) straight away. If its evaluation raises, the
    task still succeeds, reporting "partial: 1 of 1 could not be evaluated"; the
    trajectory is listed for administrators and the next run tries again.
    """
    result = _evaluate([trajectory_id])
    if result.raised or result.reopened:
        _after_evaluation(notifications_after_evaluation)
    return _counts(result)


@task()
def sweep() -> dict[str, Any]:
    """Evaluate every live trajectory, then make sure the next daily sweep is waiting.

    Also notifies of what it raised and prunes finished task results older than
    :data:`KEEP_RESULTS`. Trajectories whose evaluation raises are set aside and the
    others evaluated: the result then says "partial: N of M could not be evaluated"
    (:func:`_counts`). The next run is scheduled even when this one fails, so one
    bad night does not stop the sweeps.
    """
    try:
        result = _evaluate(None)
        _after_evaluation(notifications_after_evaluation)
        _after_evaluation(_prune_results)
        return _counts(result)
    finally:
        sweep_schedule()


@task()
def notifications_send() -> dict[str, int]:
    """Every few minutes: fan out, queue immediate e-mail and daily summaries, send what is due.

    Retries of failed e-mail and the daily summary (from ``ESTAFETTE_DIGEST_HOUR``)
    need a clock, not a change; this task is that clock. It schedules its next run
    :data:`NOTIFICATIONS_EVERY` later, even when this one fails.
    """
    try:
        first = notifications_after_evaluation()
        second = notifications_send_daily_digests()
        return {
            "notified": first.notified + second.notified,
            "queued": first.queued + second.queued,
            "sent": first.sending.sent + second.sending.sent,
            "failed": first.sending.failed + second.sending.failed,
            # events or users one step could not handle (logged; tried again next run)
            "set_aside": len(first.set_aside) + len(second.set_aside),
        }
    finally:
        notifications_schedule()


def _prune_results(now: dt.datetime | None = None) -> int:
    """Delete finished task results older than :data:`KEEP_RESULTS` (database backend only)."""
    if not sweep.get_backend().supports_defer:
        return 0
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or timezone.now()) - KEEP_RESULTS
    deleted, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    ).delete()
    return deleted


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
    """Make sure exactly one sweep waits in the queue, for :func:`sweep_next_at`; idempotent."""
    now = now or timezone.now()
    return keep_one_waiting(sweep, at=sweep_next_at(now), now=now, run_now=run_now)


def notifications_schedule(
    *, now: dt.datetime | None = None, run_now: bool = False
) -> TaskResult[Any] | None:
    """Make sure exactly one :func:`notifications_send` waits, :data:`NOTIFICATIONS_EVERY` on."""
    now = now or timezone.now()
    return keep_one_waiting(
        notifications_send, at=now + NOTIFICATIONS_EVERY, now=now, run_now=run_now
    )
