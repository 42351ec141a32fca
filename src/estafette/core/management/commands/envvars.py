"""Print every environment variable Estafette reads, as the Markdown table in the README."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from estafette.core.env import REGISTRY


class Command(BaseCommand):
    help = "List the environment variables Estafette reads, with defaults and purpose."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("| variable | default | what it does |")
        self.stdout.write("| --- | --- | --- |")
        for var in sorted(REGISTRY.values(), key=lambda v: v.name):
            default = var.default
            if isinstance(default, list):
                default = ",".join(default)
            shown = f"`{default}`" if default not in ("", None) else "(empty)"
            self.stdout.write(f"| `{var.name}` | {shown} | {var.help} |")
