"""``estafette notifications_send``: notify, queue e-mail and send what is due (for cron).

Safe to run every few minutes, and next to the task worker: every step is
idempotent, daily summaries go out once per user per day (from
``ESTAFETTE_DIGEST_HOUR``), and a sent message is never sent again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from estafette.signals.notifications.services import (
    notifications_after_evaluation,
    notifications_send_daily_digests,
)


class Command(BaseCommand):
    help = (
        "Turn new signals and handover steps into notifications, queue immediate e-mail and "
        "today's summaries, "
        "and send every message that is due (retrying earlier failures)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        first = notifications_after_evaluation()
        second = notifications_send_daily_digests()
        sent = first.sending.sent + second.sending.sent
        retrying = first.sending.retrying + second.sending.retrying
        failed = first.sending.failed + second.sending.failed
        self.stdout.write(
            f"notified {first.notified + second.notified}, "
            f"queued {first.queued} immediate and {second.queued} daily, "
            f"sent {sent}, retrying {retrying}, failed {failed}"
        )
        for failure in (*first.set_aside, *second.set_aside):  # the rest went on without them
            self.stdout.write(f"set aside until the next run: #{failure.id}: {failure.error}")
