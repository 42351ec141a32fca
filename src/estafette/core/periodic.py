"""Periodic work without cron: a task that reschedules itself, kept single in the queue.

A periodic task of the Django tasks API ends (also when it fails) by calling
its ``…_schedule`` function, which uses :func:`keep_one_waiting` to make sure
exactly one next run waits in the database backend's queue. ``manage.py
tasks_schedule`` puts the first run of each there (docs/background-work.md).
Only the database backend keeps a queue; with the immediate backend of the
tests nothing is scheduled (no endless loop).
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

from django.db import connection, transaction
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.base import Task


def next_full_hour(now: dt.datetime) -> dt.datetime:
    """The first full hour strictly after ``now`` (aware, UTC)."""
    at = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return at + dt.timedelta(hours=1)


def keep_one_waiting(
    periodic: Task[[], Any], *, at: dt.datetime, now: dt.datetime, run_now: bool = False
) -> TaskResult[Any] | None:
    """Make sure exactly one run of ``periodic`` waits in the queue; idempotent. Returns it.

    * none waiting: enqueue one for ``at`` (or at once with ``run_now``);
    * one waiting: keep it (with ``run_now``, bring it forward to now);
    * more than one (two processes scheduled at the same moment): keep the
      earliest, delete the others.

    Only a backend that can defer tasks (the database backend) keeps a queue;
    with any other (the immediate backend of the tests) nothing is scheduled and
    ``None`` is returned, except that ``run_now`` runs the task there and then.
    """
    backend = periodic.get_backend()
    if not backend.supports_defer:
        return periodic.enqueue() if run_now else None
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two workers finishing at once must not both see "none waiting".
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(periodic.module_path.encode())]
                )
        # (SQLite: our connections begin IMMEDIATE transactions, which already serialise.)
        waiting = list(
            DBTaskResult.objects.filter(
                task_path=periodic.module_path,
                backend_name=backend.alias,
                status=TaskResultStatus.READY,
            ).order_by("run_after", "enqueued_at")
        )
        if not waiting:
            return (periodic if run_now else periodic.using(run_after=at)).enqueue()
        keep, *extra = waiting
        if extra:
            DBTaskResult.objects.filter(pk__in=[row.pk for row in extra]).delete()
        if run_now and keep.run_after > now:
            keep.run_after = now
            keep.save(update_fields=["run_after"])
        return keep.task_result
