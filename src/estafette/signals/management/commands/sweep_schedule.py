"""``estafette sweep_schedule``: make sure the worker has one sweep waiting (idempotent).

``make run`` calls it with ``--now`` before starting the worker, so the demo's
signals are there within seconds; after that, each sweep schedules the next.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from estafette.core.clock import LOCAL_ZONE
from estafette.signals.tasks import sweep_schedule


class Command(BaseCommand):
    help = "Make sure exactly one signal sweep waits for the task worker; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", action="store_true", help="Run the waiting sweep as soon as a worker is free."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_schedule(run_now=options["now"])
        if result is None:
            self.stdout.write("This task backend keeps no queue; nothing scheduled.")
        elif result.task.run_after is None:
            self.stdout.write(f"Sweep {result.id} waits for the worker (now).")
        else:
            at = result.task.run_after.astimezone(LOCAL_ZONE)
            self.stdout.write(f"Sweep {result.id} waits for the worker until {at:%Y-%m-%d %H:%M}.")
