"""``manage.py consent_expire_sweep``: notify holders of data under consents that ended.

Safe to run as often as you like (from cron or a task); see
:func:`estafette.consent.services.consent_expire_sweep`. The task worker runs
the same sweep every hour by itself (:mod:`estafette.consent.tasks`). A consent
whose notices cannot be written is reported ("partial: 1 of 3 could not be
notified") and tried again next time; the command still ends successfully.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from estafette.consent.services import consent_expire_sweep
from estafette.core import bounds
from estafette.core.isolation import Report


class Command(BaseCommand):
    help = "Create 'consent ended' notices for organisations that received data under it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=bounds.date_argument(), default=None, help="YYYY-MM-DD (for replays)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = Report()
        count = consent_expire_sweep(today=options["today"], report=report)
        self.stdout.write(f"{count} notice(s) created")
        if report.failures:
            self.stdout.write(report.partial("notified"))
            for failure in report.failures:
                self.stdout.write(f"  consent #{failure.id}: {failure.error}")
