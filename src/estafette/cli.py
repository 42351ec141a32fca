"""The ``estafette`` console script: Django's management commands under one name.

``estafette demo --scale small`` is ``python manage.py demo --scale small``;
any other management command works the same way (``estafette migrate``,
``estafette runserver``, ``estafette demo_accounts``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run the management command named in ``argv`` (default: the process arguments).

    Settings default to ``config.settings.dev``, as for ``manage.py``; set
    ``DJANGO_SETTINGS_MODULE`` to choose others.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["estafette", *args])


if __name__ == "__main__":
    main()
