"""``manage.py demo_accounts``: the demo accounts to sign in with, as a table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from estafette.demo.accounts import DEMO_URL, account_rows
from estafette.demo.otp import demo_secret


class Command(BaseCommand):
    help = (
        "Print the demo accounts (role, username, password, organisation, how to get the "
        "second-factor code), their authenticator keys, and the URL."
    )
    requires_system_checks: list[str] = []  # a read-only listing; `make run` calls it every time

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [(*row, f"manage.py demo_code {row[1]}") for row in account_rows()]
        if not rows:
            self.stdout.write(
                self.style.WARNING("No demo accounts yet: run `python manage.py demo` first.")
            )
            return
        header = ("role", "username", "password", "organisation", "code")
        widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
        line = "  ".join("-" * width for width in widths)
        self.stdout.write("")
        self.stdout.write(f"Estafette demo — open {DEMO_URL} and sign in with one of these:")
        self.stdout.write("")
        self.stdout.write(
            "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
        )
        self.stdout.write(line)
        for row in rows:
            self.stdout.write(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write("")
        self.stdout.write(
            "After the password, sign-in asks for a code: run `python manage.py demo_code "
            "<username>` for the current one, or add the account to an authenticator app "
            "with its key (time-based, 6 digits):"
        )
        for row in rows:
            self.stdout.write(f"  {row[1].ljust(widths[1])}  {demo_secret(row[1])}")
        self.stdout.write("")
        self.stdout.write(
            "The named example people are described in src/estafette/demo/EXAMPLES.md."
        )
