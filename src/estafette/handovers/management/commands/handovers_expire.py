"""``estafette handovers_expire``: expire handovers left unanswered too long (for cron).

The task worker does this every hour by itself (:mod:`estafette.handovers.tasks`);
this command is the same run for operators who prefer cron. Idempotent, so
cron and the worker may both run it. A handover that cannot be expired is
reported ("partial: 1 of 5 could not be expired") and tried again next time;
the command still ends successfully.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from estafette.core import bounds
from estafette.handovers.tasks import EXPIRE_AFTER, handovers_expire_run


class Command(BaseCommand):
    help = (
        f"Expire every handover still unanswered {EXPIRE_AFTER.days} days after its answer "
        "date; idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=bounds.date_argument(), default=None, help="YYYY-MM-DD (for replays)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        expired, report = handovers_expire_run(today=options["today"])
        self.stdout.write(f"{expired} handover(s) expired")
        if report.failures:
            self.stdout.write(report.partial("expired"))
            for failure in report.failures:
                self.stdout.write(f"  handover #{failure.id}: {failure.error}")
