"""Verify the audit log's hash chain; exit 1 and name the first broken entry if it is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from estafette.core.audit import audit_verify
from estafette.core.models import AuditEvent


class Command(BaseCommand):
    help = "Check that no audit entry was edited or removed (hash chain)."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = audit_verify()
        if broken is not None:
            raise CommandError(f"Audit chain broken at entry {broken.entry_id}: {broken.problem}")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact ({count} entries)."))
