"""Tell the people concerned of a handover step as soon as it commits.

The handover services call :func:`notify_after_commit` inside their
transaction, right after writing a ``HandoverTransition``. Nothing happens if
the transaction rolls back (or the savepoint it was called in); after the
commit the task :func:`estafette.signals.notifications.tasks.notify` is
*enqueued* — once per transaction, however many steps it wrote — and the
database worker runs the fan-out, queues immediate e-mail and sends it within
about a second (docs/notifications.md). The request does not wait for it. If
enqueuing fails, the step is committed all the same: the failure is logged, and
the worker's periodic ``notifications_send`` (every five minutes) notifies.

The test settings run tasks immediately, so a test sees the notifications as
soon as the on-commit callbacks run.

This module imports nothing from the feature apps at import time, so any
service may import it without import cycles.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

_ATTRIBUTE = "_estafette_notification_callback"


class _Enqueue:
    """One transaction's callback: enqueue the notification task once, after the commit."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        from estafette.signals.notifications.tasks import notify

        self.ran = True
        notify.enqueue()


def _waiting(connection: Any, callback: _Enqueue | None) -> bool:
    """Whether ``callback`` will still run when this transaction commits.

    Not once it ran, and not when Django dropped it with a rolled-back savepoint
    (it is then no longer listed in ``run_on_commit``).
    """
    if callback is None or callback.ran:
        return False
    return any(entry[1] is callback for entry in connection.run_on_commit)


def notify_after_commit() -> None:
    """Enqueue the notification of what this transaction wrote, for after its commit.

    Call inside the service's transaction, after the row to be notified of is
    written. Outside a transaction (autocommit) the task is enqueued at once.
    The fan-out is idempotent, so an extra run costs time, not correctness.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _Enqueue()()
        return
    if _waiting(connection, getattr(connection, _ATTRIBUTE, None)):
        return  # one per transaction: the fan-out notifies of everything it wrote
    pending = _Enqueue()
    setattr(connection, _ATTRIBUTE, pending)
    # robust: the step is committed already; a failure to enqueue must not fail the request.
    transaction.on_commit(pending, robust=True)
