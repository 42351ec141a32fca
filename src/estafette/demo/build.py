"""Build (and wipe) the demo dataset: organisations, accounts, named examples, bulk.

Entry point for the ``demo`` management command and for tests::

    build(scale="tiny", seed=7)

Deterministic: the same seed, the same ``clock.today()`` and an empty
database give the same people, names and counts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet

from estafette.consent.models import Consent, ConsentDisclosure, ConsentNotice
from estafette.core import clock
from estafette.core.models import AuditEvent
from estafette.demo.accounts import DEMO_USERNAMES, USER_PREFIX, accounts_create
from estafette.demo.assignments import assignments_create
from estafette.demo.bulk import Bulk
from estafette.demo.conditions import conditions_create
from estafette.demo.examples import examples_create
from estafette.demo.organisations import (
    ARNHEM_DESK,
    BB_CODE,
    DEMO_ORGANISATION_CODES,
    organisations_create,
)
from estafette.demo.scales import SCALES
from estafette.demo.visits import visits_create
from estafette.handovers.models import Handover, HandoverTransition
from estafette.organisations.models import Membership, Organisation
from estafette.people.models import NetworkMember, Person
from estafette.trajectories.models import (
    Assignment,
    Participant,
    Stretch,
    Trajectory,
    TrajectoryEvent,
)

Say = Callable[[str], None]


class DemoPresent(Exception):
    """The database already holds demo data (or other trajectories) and no flag says what to do."""


@dataclass
class BuildReport:
    built: bool
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def demo_present() -> bool:
    """Whether the database already holds the demo, or trajectories of its own."""
    return Organisation.objects.filter(code=BB_CODE).exists() or Trajectory.objects.exists()


def demo_counts() -> dict[str, int]:
    """Rows per table that the demo fills (for the report and the tests)."""
    user_model = get_user_model()
    return {
        "organisations": Organisation.objects.count(),
        "users": user_model.objects.count(),
        "memberships": Membership.objects.count(),
        "people": Person.objects.count(),
        "network members": NetworkMember.objects.count(),
        "trajectories": Trajectory.objects.count(),
        "open trajectories": Trajectory.objects.exclude(phase="closed").count(),
        "stretches": Stretch.objects.count(),
        "handovers": Handover.objects.count(),
        "handovers in the air": Handover.objects.filter(state="sent").count(),
        "handover transitions": HandoverTransition.objects.count(),
        "timeline events": TrajectoryEvent.objects.count(),
        "participants": Participant.objects.count(),
        "assignments": Assignment.objects.count(),
        "consents": Consent.objects.count(),
        "consents withdrawn": Consent.objects.filter(revoked_at__isnull=False).count(),
        "consent disclosures": ConsentDisclosure.objects.count(),
        "consent notices": ConsentNotice.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


@transaction.atomic
def demo_wipe(say: Say = print) -> None:
    """Delete the demo: all people and trajectories, demo users and demo organisations.

    Contract: meant for a demo database — it removes *every* person and
    trajectory (the models carry no demo marker) and every row anywhere that
    points at what it removes (consents, disclosures, audit entries …). The
    migrated municipal desks stay; Arnhem loses its service area until the
    next build.

    Timeline events, handover transitions, consent disclosures and audit events
    are append-only: their queryset's ``delete()`` refuses on purpose, so that
    no feature can rewrite history. Wiping a demo is the one legitimate
    exception, so this bypasses the guard with ``_raw_delete`` (a plain SQL
    DELETE, which is also what makes wiping 100,000 trajectories take seconds
    instead of minutes).
    """
    started = time.monotonic()
    user_model = get_user_model()
    demo_users = user_model.objects.filter(
        Q(username__in=DEMO_USERNAMES) | Q(username__startswith=USER_PREFIX)
    )
    # The audit trail keeps ``person_id`` as a plain number, so no relation leads to it.
    AuditEvent.objects.filter(person_id__isnull=False)._raw_delete(connection.alias)
    _raw_wipe(Person, Person.objects.all())
    _raw_wipe(Trajectory, Trajectory.objects.all())
    _raw_wipe(user_model, demo_users)
    _raw_wipe(Organisation, Organisation.objects.filter(code__in=DEMO_ORGANISATION_CODES))
    arnhem = Organisation.objects.filter(code=ARNHEM_DESK).first()
    if arnhem is not None:
        arnhem.serves_municipalities.clear()
    say(f"Wiped the demo data ({time.monotonic() - started:.1f} s).")


def _raw_wipe(model: type[Model], rows: QuerySet[Any], depth: int = 0) -> None:
    """Delete ``rows`` after every row, in any app, that refers to them (depth first).

    Follows each reverse relation (including hidden ones and many-to-many
    tables), whatever its ``on_delete``: PROTECT guards real data against
    accidents, and here the whole demo goes on purpose. Nothing in the
    project uses SET_NULL, so deleting dependants is what a cascade would do.
    """
    if depth > 10:  # the relations form no cycle deeper than a self-reference
        raise RuntimeError(f"relations too deep under {model.__name__}")
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        related = relation.related_model
        field_name = relation.field.name  # type: ignore[union-attr]
        dependants = related._base_manager.filter(**{f"{field_name}__in": rows})  # type: ignore[union-attr]
        if related is model:
            # A self-reference (a desk's parent): descend only while rows exist,
            # or the recursion would never know the tree has ended.
            ids = list(dependants.values_list("pk", flat=True))
            if not ids:
                continue
            dependants = related._base_manager.filter(pk__in=ids)  # type: ignore[union-attr]
        _raw_wipe(related, dependants, depth + 1)  # type: ignore[arg-type]
    rows._raw_delete(connection.alias)


@contextmanager
def _large_page_cache() -> Iterator[None]:
    """Give SQLite a 256 MB page cache while building, then restore it.

    The build is one transaction; with the default 2 MB cache SQLite spills
    dirty index pages to the WAL and reads them back over and over, which
    more than doubles the national build's time.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


@contextmanager
def _no_query_log() -> Iterator[None]:
    """Use plain cursors while building, even under DEBUG; restore the debug cursor after.

    Under DEBUG Django logs every query, and on SQLite logging a bulk INSERT
    runs one more query just to quote its parameters. The build discards
    that log anyway (``Relay.flush``); not making it saves about a fifth of
    the build's time under the development settings.
    """
    connection.make_debug_cursor = connection.make_cursor  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        del connection.make_debug_cursor


def build(
    *,
    scale: str = "small",
    seed: int = 2025,
    fresh: bool = False,
    if_empty: bool = False,
    say: Say = print,
) -> BuildReport:
    """Build the demo at ``scale`` (tiny, small, national) from ``seed``.

    Contract:
    1. ``fresh`` wipes the demo first; otherwise, if demo data is present,
       ``if_empty`` makes this a no-op and without it :class:`DemoPresent` is raised;
    2. wiping and building happen in one transaction: a failed build changes nothing;
    3. all dates are relative to ``clock.today()``; nothing lies in the future.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose from {', '.join(SCALES)}")
    if not fresh and demo_present():
        if if_empty:
            say("Demo data is already present; nothing to do (--if-empty).")
            return BuildReport(built=False)
        raise DemoPresent(
            "The database already holds demo data. Use --fresh to rebuild it, "
            "or --if-empty to leave it as it is."
        )
    spec = SCALES[scale]
    today = clock.today()
    started = time.monotonic()

    def phase(text: str) -> None:
        say(f"[{time.monotonic() - started:6.1f} s] {text}")

    phase(f"Building the '{scale}' demo (seed {seed}, today {today:%Y-%m-%d}).")
    with _large_page_cache(), _no_query_log(), transaction.atomic():
        if fresh:
            demo_wipe(say)
        directory = organisations_create()
        phase(f"Organisations: {Organisation.objects.count():,} (incl. the municipal desks).")
        accounts = accounts_create(directory, random.Random(seed + 1), volunteers=spec.volunteers)
        phase(f"Accounts: {len(DEMO_USERNAMES)} demo accounts, {spec.volunteers} volunteers.")
        names = examples_create(directory, accounts, random.Random(seed + 2), today)
        phase(f"Named examples: {len(names)} people, through the services.")
        phase(f"Bulk: {spec.total:,} trajectories ({spec.history_years} years of history).")
        bulk = Bulk(
            directory, random.Random(seed + 3), today, say, ledger_rng=random.Random(seed + 4)
        )
        written = bulk.run(spec)
        # Before the contacts: a volunteer records visits only for its own people (0016).
        written.update(assignments_create(today=today, rng=random.Random(seed + 7)))
        written.update(conditions_create(today=today, rng=random.Random(seed + 5)))
        written.update(visits_create(today=today, rng=random.Random(seed + 6)))
        phase("Bulk rows: " + ", ".join(f"{k} {v:,}" for k, v in written.items()))
    counts = demo_counts()
    seconds = time.monotonic() - started
    phase("Done: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return BuildReport(built=True, seconds=seconds, counts=counts)
