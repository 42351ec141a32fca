"""Worker for bench/load.py: one demo user per virtual user, with its authenticator app.

Run by ``bench/load.py`` on the load dataset (``--db`` a DATABASE_URL); prints one JSON
line: the accounts to sign in as, each with the hex key of its authenticator app.

A TOTP code is accepted once per account and time step, so fifty virtual users cannot
share the six demo accounts: each gets its own user, ``demo-bench-<account>-NN``, with
the same organisation and role as the demo account ``<account>`` (so the same caseload,
the same signals) and a demo authenticator (``estafette.demo.otp``: a key derived from
the username, as every demo account has). The ``demo-`` prefix makes them demo users:
``manage.py demo --fresh`` removes them with the rest. Idempotent; the authenticator is
renewed each time (which forgets the time steps used by an earlier run).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pages import setup_django

PROFESSIONAL_ACCOUNTS = ("coordinator", "volunteer", "consul", "nazorg", "casemanager", "buddy")
"""The six professional roles' demo accounts (not ``admin``)."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a DATABASE_URL")
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    setup_django(args.db)

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from estafette.demo.accounts import DEMO_PASSWORD, USER_PREFIX, Accounts
    from estafette.demo.otp import demo_device_create, demo_key
    from estafette.organisations.models import Membership

    templates = {
        m.user.username: m
        for m in Membership.objects.filter(
            user__username__in=PROFESSIONAL_ACCOUNTS, is_active=True
        ).select_related("user", "organisation")
    }
    missing = [name for name in PROFESSIONAL_ACCOUNTS if name not in templates]
    if missing:
        raise SystemExit(f"demo accounts missing in this database: {', '.join(missing)}")

    user_model = get_user_model()
    accounts: Accounts | None = None  # hashes the demo password once, only if needed
    rows: list[dict[str, Any]] = []
    with transaction.atomic():
        for index in range(args.users):
            template = templates[PROFESSIONAL_ACCOUNTS[index % len(PROFESSIONAL_ACCOUNTS)]]
            number = index // len(PROFESSIONAL_ACCOUNTS) + 1
            username = f"{USER_PREFIX}bench-{template.user.username}-{number:02d}"
            user = user_model.objects.filter(username=username).first()
            if user is None:
                accounts = accounts or Accounts()
                user = accounts.create(
                    username,
                    first_name="Bench",
                    last_name=f"{template.user.last_name} {number:02d}",
                    organisation=template.organisation,
                    role=template.role,
                    can_sign_in=True,  # the load generator signs in as them (bench database)
                )
            demo_device_create(user)
            rows.append(
                {
                    "username": username,
                    "role": str(template.role),
                    "account": template.user.username,
                    "organisation": template.organisation.code,
                    "key": demo_key(username),
                }
            )
    # The demo password is public (README); the load generator signs in with it.
    print(json.dumps({"password": DEMO_PASSWORD, "accounts": rows}))


if __name__ == "__main__":
    main()
