"""Print, write or check docs/access.md's tables of who sees and does what (from the policy)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estafette.access import policy_table


class Command(BaseCommand):
    help = (
        "The tables of docs/access.md (roles × data classes, role sets, contact kinds), from "
        "access/policy.py: printed, written into the document (--write) or checked (--check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--write", action="store_true", help="write the tables into docs/access.md"
        )
        action.add_argument(
            "--check",
            action="store_true",
            help="fail if docs/access.md's tables differ from the policy",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write"]:
            changed = policy_table.write()
            self.stdout.write("docs/access.md " + ("written." if changed else "is current."))
            return
        if options["check"]:
            text = policy_table.document_path().read_text(encoding="utf-8")
            if policy_table.documented(text) != policy_table.render_markdown():
                raise CommandError(
                    "docs/access.md's tables differ from access/policy.py: "
                    "run `manage.py access_table --write` (or `make docs`)."
                )
            self.stdout.write("docs/access.md agrees with the policy.")
            return
        self.stdout.write(policy_table.render_markdown(), ending="")
