"""The real task queue in tests: the database backend of django-tasks-db and its worker.

The test settings run tasks immediately (nothing periodic can be scheduled
there); tests of the scheduling switch to the database backend with
:func:`database_backend` and run the worker in-process with :func:`run_worker`,
as ``manage.py db_worker --batch`` would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@contextmanager
def database_backend() -> Iterator[None]:
    with override_settings(TASKS=DATABASE_BACKEND):
        yield


def run_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every task that is due, as ``manage.py db_worker --batch`` does, in this process.

    The worker closes "old" connections between tasks; inside the test's
    transaction that would close the test's own connection, so it is skipped.
    """
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=50,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def waiting(task_path: str) -> list[DBTaskResult]:
    """The runs of ``task_path`` waiting in the queue, earliest first."""
    return list(
        DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY).order_by(
            "run_after"
        )
    )


def finished(task_path: str) -> DBTaskResult:
    """The one finished (successful) run of ``task_path``."""
    return DBTaskResult.objects.get(task_path=task_path, status=TaskResultStatus.SUCCESSFUL)
