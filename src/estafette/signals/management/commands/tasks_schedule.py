"""``estafette tasks_schedule``: make sure the worker has its periodic tasks waiting (idempotent).

The daily sweep of the signals, the notifications' five-minute clock, the
hourly expiry of unanswered handovers and of consents, and the daily export of
the audit chain's head each schedule their own next run; this command puts the
first of each in the queue, or leaves the one already waiting. ``make run``
calls it with ``--sweep-now`` before starting the worker, so the demo's signals
are there within seconds. Running it again never adds a second waiting run.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from estafette.consent.tasks import consent_expire_schedule
from estafette.core.clock import LOCAL_ZONE
from estafette.core.tasks import audit_head_schedule
from estafette.handovers.tasks import handovers_expire_schedule
from estafette.signals.tasks import notifications_schedule, sweep_schedule


class Command(BaseCommand):
    help = (
        "Make sure the signal sweep, the notifications and the expiry of handovers and "
        "consents wait for the task worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sweep-now",
            action="store_true",
            help="Run the waiting sweep as soon as a worker is free (not at the set hour).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name, result in (
            ("sweep", sweep_schedule(run_now=options["sweep_now"])),
            ("notifications", notifications_schedule()),
            ("handover expiry", handovers_expire_schedule()),
            ("consent expiry", consent_expire_schedule()),
            ("audit head export", audit_head_schedule()),
        ):
            if result is None:
                self.stdout.write(f"{name}: this task backend keeps no queue; nothing scheduled.")
                continue
            at = result.task.run_after
            when = "now" if at is None else f"{at.astimezone(LOCAL_ZONE):%Y-%m-%d %H:%M}"
            self.stdout.write(f"{name}: waits for the worker ({when}), task {result.id}.")
