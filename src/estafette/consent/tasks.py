"""Background work of the consent ledger: tell holders that a consent ended, hourly, in the worker.

A consent that reaches its end date needs no job to stop sharing (every check
compares dates), but the organisations that received data under it must be
told (DOMAIN.md §6). :func:`~estafette.consent.services.consent_expire_sweep`
writes those notices; this module runs it in the task worker:

* :func:`consent_expire` — the task: the sweep, then makes sure the next run
  waits, at the next full hour (:func:`consent_expire_schedule`;
  ``manage.py tasks_schedule`` puts the first one there);
* ``estafette consent_expire_sweep`` — the same sweep, for operators who
  prefer cron.

One consent whose notices cannot be written is logged with its id and reported
("partial: 1 of 3 could not be notified"); the others' notices are written,
and the next run tries it again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import TaskResult, task

from estafette.consent.services import consent_expire_sweep
from estafette.core.isolation import Report
from estafette.core.periodic import keep_one_waiting, next_full_hour


@task()
def consent_expire() -> dict[str, Any]:
    """Hourly: "consent ended" notices to the holders of data; then schedule the next run.

    Hourly rather than daily: holders hear within the hour after midnight that a
    consent ended (not at some fixed hour of the day), one that failed is tried
    again an hour later, and a run with nothing to do is one query. The next run
    is scheduled even when this one fails.
    """
    try:
        report = Report()
        notices = consent_expire_sweep(report=report)
        return report.as_result("notified", notices=notices)
    finally:
        consent_expire_schedule()


def consent_expire_schedule(
    *, now: dt.datetime | None = None, run_now: bool = False
) -> TaskResult[Any] | None:
    """Make sure exactly one :func:`consent_expire` waits, for the next full hour; idempotent."""
    now = now or timezone.now()
    return keep_one_waiting(consent_expire, at=next_full_hour(now), now=now, run_now=run_now)
