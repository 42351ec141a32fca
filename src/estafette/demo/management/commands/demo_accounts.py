"""``manage.py demo_accounts``: the demo accounts to sign in with, as a table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from estafette.demo.accounts import DEMO_URL, account_rows
from estafette.demo.otp import demo_secret
from estafette.demo.portal import portal_accounts


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
        portal = portal_accounts()
        if portal:
            self.stdout.write(
                f"The person and their contact person have their own pages, without a "
                f"password: open {DEMO_URL}my/sign-in/ and use a paper code (printed by the "
                f"command below, as the coordinator hands it), or type the e-mail address "
                f"and read the code in var/mail/:"
            )
            for account in portal:
                role = "person" if account.kind == "person" else "contact person"
                self.stdout.write(
                    f"  {role.ljust(14)}  {account.name.ljust(18)}  {account.email.ljust(32)}"
                    f"  manage.py demo_portal_code {account.kind}"
                )
            self.stdout.write("")
        self.stdout.write(
            "The named example people are described in src/estafette/demo/EXAMPLES.md."
        )
