"""Verify the audit log's keyed hash chain; exit 1 and name the first break if it is broken.

``--head FILE`` (repeatable) also checks that the chain still holds a head exported
earlier (``audit_export_head``, ``var/audit-head/<date>.json``): the newest entries
removed leave a chain that is intact on its own, but no longer holds that head.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estafette.core.audit import audit_head_check, audit_verify
from estafette.core.audit_chain import Head
from estafette.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Check that no audit entry was edited or removed (keyed hash chain); with --head, "
        "that the chain still holds a head exported earlier (no newest entries removed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            action="append",
            default=[],
            metavar="FILE",
            help="An exported head (audit_export_head) the chain must still hold; repeatable.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = audit_verify()
        if broken is not None:
            raise CommandError(f"Audit chain broken at entry {broken.entry_id}: {broken.problem}")
        for name in options["head"]:
            try:
                head = Head.from_json(json.loads(Path(name).read_text()))
            except (OSError, ValueError) as error:
                raise CommandError(f"{name}: {error}") from error
            problem = audit_head_check(head)
            if problem is not None:
                raise CommandError(f"Audit chain cut short ({name}): {problem}")
            self.stdout.write(f"Holds the head of {head.at} (entry {head.entry_id}).")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact ({count} entries)."))
