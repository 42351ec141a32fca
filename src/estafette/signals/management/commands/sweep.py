"""``estafette sweep``: evaluate every signal rule over all live trajectories (for cron)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from estafette.signals.evaluate import signals_evaluate


class Command(BaseCommand):
    help = "Evaluate all signal rules over all live trajectories; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, help="Evaluate as of this day (YYYY-MM-DD)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = signals_evaluate(today=options.get("today"))
        self.stdout.write(
            f"raised {result.raised}, updated {result.updated}, reopened {result.reopened}, "
            f"resolved {result.resolved}, unchanged {result.unchanged}, "
            f"held by a manual resolution {result.held_by_manual_resolution}"
        )
