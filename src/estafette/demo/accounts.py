"""Demo users: one account per role to sign in with, the volunteers, and staff behind the examples.

Every demo user's name starts with ``demo-`` or is one of :data:`DEMO_ACCOUNTS`,
which is how ``--fresh`` finds them again. Only the printed accounts
(:data:`DEMO_ACCOUNTS`) take the public demo password; every other demo user
(the bulk volunteers, the staff behind the examples) has an unusable password,
so nobody can sign in as one of them or enrol an authenticator for it (issue 11).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from estafette.demo import names
from estafette.demo.organisations import BB_CODE, Directory
from estafette.demo.otp import demo_device_create
from estafette.organisations.models import Membership, Organisation, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DEMO_PASSWORD = "demo-estafette"
DEMO_URL = "http://127.0.0.1:8000/"
USER_PREFIX = "demo-"
"""Prefix of every generated demo user (volunteers, staff behind the named examples)."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    organisation_code: str
    first_name: str
    last_name: str
    superuser: bool = False


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("coordinator", Role.REGIONAL_COORDINATOR, "bb-zuid-europa", "Carla", "Zuidema"),
    DemoAccount("volunteer", Role.VISITING_VOLUNTEER, "bb-vrijwilligers", "Vera", "Bezoek"),
    DemoAccount("consul", Role.CONSULAR_OFFICER, "post-es", "Constant", "Madrigal"),
    DemoAccount("nazorg", Role.AFTERCARE_COORDINATOR, "nazorg-gm0202", "Nora", "Arendsen"),
    DemoAccount("casemanager", Role.CASE_MANAGER, "pi-vught", "Koen", "Vughts"),
    DemoAccount("buddy", Role.BUDDY_PROFESSIONAL, "brug-binnen-buiten", "Bart", "Brugman"),
    DemoAccount("admin", Role.ORGANISATION_ADMIN, BB_CODE, "Ada", "Beheer", superuser=True),
)
"""The accounts ``demo_accounts`` prints; all share :data:`DEMO_PASSWORD`."""

DEMO_USERNAMES = frozenset(account.username for account in DEMO_ACCOUNTS)


class Accounts:
    """Creates demo users with one password hash computed once.

    Hashing with Argon2 costs tens of milliseconds; the printed demo accounts
    share the same public demo password, so one hash serves them all (a demo
    database holds no secret worth a salt per user). The others get none.
    """

    def __init__(self) -> None:
        self.user_model = get_user_model()
        self.password_hash = make_password(DEMO_PASSWORD)
        self._staff: dict[tuple[int, str], User] = {}

    def create(
        self,
        username: str,
        *,
        first_name: str,
        last_name: str,
        organisation: Organisation,
        role: str,
        superuser: bool = False,
        can_sign_in: bool = False,
    ) -> User:
        """A demo user; with the public demo password only if ``can_sign_in``, else unusable."""
        user = self.user_model(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@example.org",
            is_staff=superuser,
            is_superuser=superuser,
        )
        if can_sign_in:
            user.password = self.password_hash
        else:
            user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    def staff(self, organisation: Organisation, role: str) -> User:
        """A (memoised) worker of ``organisation`` to act as in the named examples."""
        key = (organisation.pk, role)
        if key not in self._staff:
            existing = Membership.objects.filter(organisation=organisation, role=role).first()
            if existing is not None:
                self._staff[key] = existing.user
            else:
                self._staff[key] = self.create(
                    f"{USER_PREFIX}staff-{organisation.code}-{role}"[:150],
                    first_name="Medewerker",
                    last_name=str(organisation)[:150],
                    organisation=organisation,
                    role=role,
                )
        return self._staff[key]


def accounts_create(directory: Directory, rng: random.Random, *, volunteers: int) -> Accounts:
    """Create the demo accounts (one per role) and ``volunteers`` visiting-volunteer users.

    Contract: usernames are deterministic; the volunteers carry synthetic
    names from ``names``, are never printed and cannot sign in (unusable password).
    """
    accounts = Accounts()
    for account in DEMO_ACCOUNTS:
        user = accounts.create(
            account.username,
            first_name=account.first_name,
            last_name=account.last_name,
            organisation=Organisation.objects.get(code=account.organisation_code),
            role=account.role,
            superuser=account.superuser,
            can_sign_in=True,
        )
        demo_device_create(user)  # the second factor: `manage.py demo_code <username>`
    for index in range(1, volunteers + 1):
        given, family = names.full_name(rng)
        accounts.create(
            f"{USER_PREFIX}vrijwilliger-{index:03d}",
            first_name=given,
            last_name=family,
            organisation=directory.volunteers,
            role=Role.VISITING_VOLUNTEER,
        )
    return accounts


def account_rows() -> list[tuple[str, str, str, str]]:
    """``(role label, username, password, organisation)`` of each demo account present."""
    rows = []
    memberships = {
        m.user.username: m
        for m in Membership.objects.filter(user__username__in=DEMO_USERNAMES).select_related(
            "user", "organisation"
        )
    }
    for account in DEMO_ACCOUNTS:
        membership = memberships.get(account.username)
        if membership is None:
            continue
        label = str(Role(account.role).label)
        if account.superuser:
            label += " + superuser"
        rows.append((label, account.username, DEMO_PASSWORD, str(membership.organisation)))
    return rows
