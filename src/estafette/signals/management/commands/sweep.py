"""``estafette sweep``: evaluate every signal rule over all live trajectories (for cron).

Prints the counts; when some trajectories could not be evaluated (the others
were), a second line "partial: N of M could not be evaluated" with their ids,
and the command still ends successfully: they are listed in the admin and the
next run tries them again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from estafette.core import bounds
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.tasks import FAILED_IDS_SHOWN


class Command(BaseCommand):
    help = "Evaluate all signal rules over all live trajectories; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=bounds.date_argument(), help="Evaluate as of this day (YYYY-MM-DD)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = signals_evaluate(today=options.get("today"))
        self.stdout.write(
            f"raised {result.raised}, updated {result.updated}, reopened {result.reopened}, "
            f"resolved {result.resolved}, unchanged {result.unchanged}, "
            f"held by a manual resolution {result.held_by_manual_resolution}"
        )
        if result.failed:
            shown = ", ".join(str(pk) for pk in result.failed[:FAILED_IDS_SHOWN])
            more = ", …" if len(result.failed) > FAILED_IDS_SHOWN else ""
            self.stdout.write(
                f"{result.partial} (trajectories {shown}{more}; see the admin: "
                "trajectories whose signals could not be evaluated)"
            )
