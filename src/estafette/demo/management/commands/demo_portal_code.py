"""``manage.py demo_portal_code person|contact``: a paper code for the person's own pages."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from estafette.core.errors import NotPermitted
from estafette.demo.portal import KINDS, demo_paper_code


class Command(BaseCommand):
    help = (
        "Print a new paper sign-in code for the demo's person (Sander Verhoeven) or his "
        "contact person, as the coordinator would hand it: valid 30 days, once; it voids "
        "the previous paper code of that person. Sign in at /my/sign-in/."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("who", choices=sorted(KINDS), help="person or contact")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.stdout.write(demo_paper_code(options["who"]))
        except (LookupError, NotPermitted) as error:
            raise CommandError(
                f"No paper code: {error}. Build the demo with `python manage.py demo --fresh`."
            ) from error
