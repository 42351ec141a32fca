"""Write the head of the audit chain to ``var/audit-head/<date>.json``; optionally mail it.

The worker does this daily (:func:`estafette.core.tasks.audit_head_export_daily`);
this command is the same for cron or by hand. Copy the files off the machine (with
the backups): ``audit_verify --head FILE`` then finds newest entries removed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from estafette.core.tasks import audit_head_publish


class Command(BaseCommand):
    help = "Export the head of the audit chain (last id, its hash, count) to a file under var/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default=None, help="Directory (ESTAFETTE_AUDIT_HEAD_DIR).")
        parser.add_argument(
            "--mail",
            action="store_true",
            help="Also mail it to the administrators (ESTAFETTE_AUDIT_HEAD_MAIL does so daily).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_head_publish(directory=options["dir"], mail=options["mail"])
        if not result:
            self.stdout.write("The audit log is empty: no head to export.")
            return
        self.stdout.write(
            f"Head exported to {result['path']}: entry {result['last_id']}, "
            f"{result['count']} entries{', mailed' if result['mailed'] else ''}."
        )
