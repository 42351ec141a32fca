"""Background work of the core: the daily export of the audit chain's head.

:func:`audit_head_export_daily` writes the head (:func:`core.audit.audit_head_export`)
to ``ESTAFETTE_AUDIT_HEAD_DIR`` every day at ``ESTAFETTE_SWEEP_HOUR`` (Dutch time) and,
with ``ESTAFETTE_AUDIT_HEAD_MAIL``, mails it to the administrators; it keeps its
next run waiting like the other periodic tasks (:mod:`estafette.core.periodic`;
``manage.py tasks_schedule`` puts the first one there). ``manage.py
audit_export_head`` does the same run for cron (decision 0014).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import mail_admins
from django.utils import timezone
from django_tasks import TaskResult, task

from estafette.core.audit import audit_head_export
from estafette.core.clock import LOCAL_ZONE
from estafette.core.periodic import keep_one_waiting


def audit_head_publish(
    *, directory: str | Path | None = None, mail: bool = False
) -> dict[str, Any]:
    """Export the head to a file; mail it too with ``mail`` (or ``ESTAFETTE_AUDIT_HEAD_MAIL``).

    Returns what was done (empty when the log is empty). The mail carries the
    file's numbers and hash only — no personal data — and goes to ``ADMINS``.
    """
    exported = audit_head_export(directory)
    if exported is None:
        return {}
    path, head = exported
    mailed = False
    if (mail or settings.ESTAFETTE_AUDIT_HEAD_MAIL) and settings.ADMINS:
        mail_admins(
            f"Audit chain head {head.at[:10]}",
            "The head of Estafette's audit chain. Keep this mail: with it, "
            "`manage.py audit_verify --head FILE` shows whether entries were removed since.\n\n"
            f"last_id: {head.entry_id}\nlast_hash: {head.entry_hash}\n"
            f"count: {head.count}\nexported_at: {head.at}\n",
        )
        mailed = True
    return {
        "path": str(path),
        "last_id": head.entry_id,
        "count": head.count,
        "mailed": mailed,
    }


@task()
def audit_head_export_daily() -> dict[str, Any]:
    """Daily: export (and perhaps mail) the audit chain's head; then schedule the next run."""
    try:
        return audit_head_publish()
    finally:
        audit_head_schedule()


def audit_head_next_at(now: dt.datetime) -> dt.datetime:
    """The next ``ESTAFETTE_SWEEP_HOUR`` o'clock (Dutch time) strictly after ``now`` (real time)."""
    local = now.astimezone(LOCAL_ZONE)
    hour = int(settings.ESTAFETTE_SWEEP_HOUR)
    at = dt.datetime.combine(local.date(), dt.time(hour), tzinfo=LOCAL_ZONE)
    if at <= local:
        at = dt.datetime.combine(
            local.date() + dt.timedelta(days=1), dt.time(hour), tzinfo=LOCAL_ZONE
        )
    return at.astimezone(dt.UTC)


def audit_head_schedule(
    *, now: dt.datetime | None = None, run_now: bool = False
) -> TaskResult[Any] | None:
    """Make sure exactly one :func:`audit_head_export_daily` waits; idempotent."""
    now = now or timezone.now()
    return keep_one_waiting(
        audit_head_export_daily, at=audit_head_next_at(now), now=now, run_now=run_now
    )
