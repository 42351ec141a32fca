"""``manage.py demo_code <username>``: the second-factor code of a demo account, right now."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from estafette.demo.accounts import DEMO_USERNAMES
from estafette.demo.otp import demo_code, demo_device


class Command(BaseCommand):
    help = (
        "Print the 6-digit code a demo account's authenticator app would show now "
        "(valid about 30 seconds, once). Only for the demo accounts of `demo_accounts`."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("username", help="A demo account, e.g. coordinator.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if username not in DEMO_USERNAMES:
            raise CommandError(
                f"{username!r} is not a demo account; codes are only given for "
                f"{', '.join(sorted(DEMO_USERNAMES))}."
            )
        device = demo_device(username)
        if device is None:
            raise CommandError(
                f"The demo account {username!r} has no demo authenticator in this database. "
                "Build the demo with `python manage.py demo --fresh`, or add your own "
                "authenticator app when you first sign in."
            )
        self.stdout.write(demo_code(device))
