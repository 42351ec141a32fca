"""Background work of the handovers: expire the ones left unanswered, hourly, in the worker.

A handover that nobody accepts or declines keeps the baton in the air. The
receiver is warned from the day after its answer date (the urgent signal
``handover_unanswered``); the sender sees the baton in the air and may
withdraw at any moment. Only when the answer date lies :data:`EXPIRE_AFTER`
back does the system close the loop itself: the handover *expires*, the sender
reviews that outcome, and the referral rules warn the sender again that no
referral is under way. Expiring the day after the answer date would resolve the
receiver's urgent signal the moment it was raised (decision 0010).

* :func:`handovers_expire` — the task: :func:`handovers_expire_run`, then makes
  sure the next run waits, at the next full hour (:func:`handovers_expire_schedule`;
  ``manage.py tasks_schedule`` puts the first one there);
* ``estafette handovers_expire`` — the same run, for operators who prefer cron.

One handover that cannot be expired is logged with its id and reported
("partial: 1 of 5 could not be expired"); the others are expired, and the next
run tries it again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import TaskResult, task

from estafette.core import clock
from estafette.core.isolation import Report
from estafette.core.periodic import keep_one_waiting, next_full_hour
from estafette.handovers.services import handover_expire_overdue

EXPIRE_AFTER = dt.timedelta(days=28)
"""How long after its answer date an unanswered handover expires (decision 0010).

Four weeks of the receiver's urgent "not answered" signal, after the answer time
itself (14 days by default): long enough to be seen and acted on, short enough
that the loop closes well before a release about three months after the referral.
"""


def handovers_expire_run(*, today: dt.date | None = None) -> tuple[int, Report]:
    """Expire every handover still unanswered :data:`EXPIRE_AFTER` after its answer date.

    Returns how many expired and the run's :class:`~estafette.core.isolation.Report`:
    each handover is its own transaction; one that fails is reported and left
    for the next run.
    """
    cutoff = (today or clock.today()) - EXPIRE_AFTER
    report = Report()
    expired = handover_expire_overdue(today=cutoff, report=report)
    return expired, report


@task()
def handovers_expire() -> dict[str, Any]:
    """Hourly: expire the handovers left unanswered too long; then schedule the next run.

    Hourly rather than daily: the work is a single indexed query when nothing is
    due, a handover expires within the hour its day comes (not at some fixed hour
    of it), and one that failed is tried again an hour later. The next run is
    scheduled even when this one fails.
    """
    try:
        expired, report = handovers_expire_run()
        return report.as_result("expired", expired=expired)
    finally:
        handovers_expire_schedule()


def handovers_expire_schedule(
    *, now: dt.datetime | None = None, run_now: bool = False
) -> TaskResult[Any] | None:
    """Make sure exactly one :func:`handovers_expire` waits, for the next full hour; idempotent."""
    now = now or timezone.now()
    return keep_one_waiting(handovers_expire, at=next_full_hour(now), now=now, run_now=run_now)
