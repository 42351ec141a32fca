"""Tell the people concerned of a handover step as soon as it commits.

The handover services call
:func:`estafette.core.changes.handover_step_recorded_after_commit` inside their
transaction, right after writing a ``HandoverTransition``; the signals app
registers :func:`notify_handover_steps` there at start-up
(``SignalsConfig.ready``). Nothing happens if the transaction rolls back; after
the commit the task :func:`estafette.signals.notifications.tasks.notify` is
*enqueued* — once per transaction, however many steps it wrote — and the
database worker runs the fan-out, queues immediate e-mail and sends it within
about a second (docs/notifications.md). The request does not wait for it. If
enqueuing fails, the step is committed all the same: the failure is logged, and
the worker's periodic ``notifications_send`` (every five minutes) notifies.

The test settings run tasks immediately, so a test sees the notifications as
soon as the on-commit callbacks run.
"""

from __future__ import annotations


def notify_handover_steps() -> None:
    """Enqueue the notification of what the committed transaction wrote.

    The fan-out is idempotent, so an extra run costs time, not correctness.
    """
    from estafette.signals.notifications.tasks import notify

    notify.enqueue()
