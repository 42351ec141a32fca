"""``manage.py demo``: build the synthetic demo dataset (see ``estafette.demo.build``)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from estafette.demo.build import DemoPresent, build
from estafette.demo.checks import invariant_violations
from estafette.demo.scales import SCALES


class Command(BaseCommand):
    help = (
        "Build the synthetic demo: organisations, one account per role, named example "
        "people and thousands of trajectories. Deterministic for a seed; dates are relative "
        "to today (freeze it with ESTAFETTE_TODAY)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="small",
            help="tiny (tests), small (about 9,000 trajectories; default) or national "
            "(about 100,000, ten years of history).",
        )
        flags = parser.add_mutually_exclusive_group()
        flags.add_argument(
            "--fresh",
            action="store_true",
            help="Delete the demo first: ALL people and trajectories, demo users and demo "
            "organisations. Only for a demo database.",
        )
        flags.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if demo data is already present (what `make run` uses).",
        )
        parser.add_argument("--seed", type=int, default=2025, help="Random seed (default 2025).")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Afterwards, check the relay's invariants and the consent ledger over every "
            "trajectory.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def say(text: str) -> None:
            self.stdout.write(text)
            self.stdout.flush()

        try:
            report = build(
                scale=options["scale"],
                seed=options["seed"],
                fresh=options["fresh"],
                if_empty=options["if_empty"],
                say=say,
            )
        except DemoPresent as exc:
            raise CommandError(str(exc)) from exc
        if report.built:
            say(self.style.SUCCESS(f"Demo built in {report.seconds:.1f} s."))
            say("Sign in with: python manage.py demo_accounts")
        if options["check"]:
            problems = invariant_violations()
            if problems:
                raise CommandError("Invariants broken:\n  " + "\n  ".join(problems))
            say(self.style.SUCCESS("Invariants hold for every trajectory."))
