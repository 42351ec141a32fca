"""The task that notifies of a handover step right after it commits (docs/notifications.md).

Enqueued by :func:`estafette.signals.notifications.schedule.notify_handover_steps`;
run by the database worker (``manage.py db_worker``), or at once under the test
settings. The periodic clock of the notifications (retries, the daily summary)
is ``estafette.signals.tasks.notifications_send``.
"""

from __future__ import annotations

import logging

from django_tasks import task

from estafette.signals.notifications.services import notifications_after_handover

logger = logging.getLogger(__name__)


@task()
def notify() -> dict[str, int]:
    """Fan out what is new, queue immediate e-mail, send what is due; returns the counts.

    A failure is logged and reported in the result, never raised: the step it
    follows is committed, and the next run (at the latest the periodic one,
    within five minutes) notifies of it.
    """
    try:
        run = notifications_after_handover()
    except Exception:
        logger.exception("notifying after a handover step failed; the next run tries again")
        return {"notified": 0, "queued": 0, "sent": 0, "failed": 0, "set_aside": 0, "error": 1}
    return {
        "notified": run.notified,
        "queued": run.queued,
        "sent": run.sending.sent,
        "failed": run.sending.failed,
        "set_aside": len(run.set_aside),
    }
