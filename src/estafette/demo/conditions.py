"""The demo's basic conditions: the named examples through the service, the bulk set-based.

Called once by the builder, after the bulk (``build.py``). The named examples
of EXAMPLES.md ("Basic conditions in the examples") are recorded through
``condition_record`` by a worker of the organisation that holds the baton, on
the day each step happened, so their history and audit trail are what the
product writes. Every other live trajectory gets statuses written with
``bulk_create``: one read of the live trajectories, then batches of rows, so the
national scale stays fast.

The bulk follows the sources: in detention few conditions are known yet (the
domestic screening fills them in the first weeks); abroad, the way home is
arranged in the last weeks before release, and not always (001 §3.2); after
return ID and a first benefit come first and the rest takes longer (001 §3.3),
so the longer a person is back, the more is arranged — and some stay open,
which is where the signals come from.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from estafette.conditions.models import (
    LIFE_DOMAINS,
    WAY_HOME,
    Condition,
    ConditionStatus,
    Status,
)
from estafette.conditions.services import condition_record
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.demo.examples import EXAMPLES
from estafette.organisations.models import Membership, Role
from estafette.trajectories.models import Phase, Route, Trajectory

BATCH = 5000

NAMED: dict[tuple[str, str], tuple[tuple[int, str, str], ...]] = {
    # (days ago, condition, status), oldest first per condition.
    ("Peter", "de Graaf"): (
        (45, Condition.ID, Status.OPEN),  # his passport was kept in Spain
        (45, Condition.INCOME, Status.OPEN),
        (45, Condition.HEALTH_INSURANCE, Status.OPEN),
        (44, Condition.HOUSING, Status.BEING_ARRANGED),
        (30, Condition.HOUSING, Status.ARRANGED),  # a room with his sister
        (44, Condition.CARE, Status.NOT_NEEDED),
    ),
    ("Ricardo", "Brouwer"): (
        (30, Condition.TRAVEL_DOCUMENTS, Status.OPEN),  # passport expired
        (30, Condition.JOURNEY_MONEY, Status.OPEN),  # no money for a ticket
        (30, Condition.ID, Status.OPEN),
    ),
    ("Hakan", "Kaya"): (
        (12, Condition.ID, Status.ARRANGED),
        (12, Condition.INCOME, Status.BEING_ARRANGED),
        (5, Condition.INCOME, Status.ARRANGED),
        (12, Condition.HEALTH_INSURANCE, Status.ARRANGED),
        (12, Condition.HOUSING, Status.OPEN),  # sleeps at friends'
        (12, Condition.DEBTS, Status.OPEN),
    ),
    ("Jeroen", "Bos"): (
        (8, Condition.ID, Status.OPEN),
        (8, Condition.HOUSING, Status.OPEN),
        (8, Condition.INCOME, Status.OPEN),
    ),
}
"""The named examples' conditions (EXAMPLES.md): each raises one of the condition rules."""

RECORDING_ROLES = (
    Role.AFTERCARE_COORDINATOR,
    Role.REGIONAL_COORDINATOR,
    Role.CASE_MANAGER,
    Role.PROBATION_OFFICER,
    Role.LANDING_PLACE_WORKER,
    Role.BUDDY_PROFESSIONAL,
    Role.CONSULAR_OFFICER,
    Role.PARTNER_WORKER,
)


def conditions_create(*, today: dt.date, rng: random.Random) -> dict[str, int]:
    """Record the named examples' conditions and write the bulk's; returns rows per kind.

    Contract: deterministic for a given ``rng`` state; no date after ``today``;
    named examples are left to :data:`NAMED` (the bulk never touches them).
    """
    named = _named_create(today)
    rows = 0
    batch: list[ConditionStatus] = []
    for row in _bulk_rows(today, rng):
        batch.append(row)
        if len(batch) >= BATCH:
            ConditionStatus.objects.bulk_create(batch)
            rows += len(batch)
            batch = []
    ConditionStatus.objects.bulk_create(batch)
    rows += len(batch)
    return {"condition statuses (examples)": named, "condition statuses": rows}


def _actor_for(organisation_id: int) -> Actor | None:
    membership = (
        Membership.objects.filter(organisation_id=organisation_id, role__in=RECORDING_ROLES)
        .select_related("user", "organisation")
        .order_by("id")
        .first()
    )
    if membership is None:
        return None
    return Actor(user=membership.user, organisation=membership.organisation, role=membership.role)


def _named_create(today: dt.date) -> int:
    count = 0
    for (given, family), steps in NAMED.items():
        trajectory = (
            Trajectory.objects.filter(person__given_names=given, person__family_name=family)
            .exclude(phase=Phase.CLOSED)
            .first()
        )
        if trajectory is None:
            continue
        actor = _actor_for(trajectory.baton_holder_id)
        if actor is None:
            continue
        for days_ago, condition, status in sorted(steps, key=lambda s: -s[0]):
            with clock.frozen(today - dt.timedelta(days=days_ago)):
                condition_record(
                    actor=actor, trajectory=trajectory, condition=condition, status=status
                )
            count += 1
    return count


def _bulk_rows(today: dt.date, rng: random.Random) -> Iterator[ConditionStatus]:
    named = {(e.given_names, e.family_name) for e in EXAMPLES}
    trajectories = (
        Trajectory.objects.exclude(phase=Phase.CLOSED)
        .order_by("pk")
        .values(
            "pk",
            "route",
            "phase",
            "release_on",
            "detention_start",
            "baton_holder_id",
            "opened_at",
            "person__given_names",
            "person__family_name",
        )
    )
    for t in trajectories:
        if (t["person__given_names"], t["person__family_name"]) in named:
            continue
        yield from _story(t, today, rng)


def _day(today: dt.date, earliest: dt.date, rng: random.Random) -> dt.date:
    """A day between ``earliest`` and ``today`` (``today`` if ``earliest`` is later)."""
    span = (today - earliest).days
    return today if span <= 0 else earliest + dt.timedelta(days=rng.randint(0, span))


def _rows(
    t: Mapping[str, Any],
    condition: str,
    steps: Sequence[tuple[dt.date, str]],
) -> Iterator[ConditionStatus]:
    """One condition's history: each step holds until the next one's day."""
    for i, (since, status) in enumerate(steps):
        until = steps[i + 1][0] if i + 1 < len(steps) else None
        yield ConditionStatus(
            trajectory_id=t["pk"],
            condition=condition,
            status=status,
            since=since,
            until=until,
            recorded_at=dt.datetime.combine(since, dt.time(10, 0), tzinfo=clock.LOCAL_ZONE),
            organisation_id=t["baton_holder_id"],
        )


def _story(t: Mapping[str, Any], today: dt.date, rng: random.Random) -> Iterator[ConditionStatus]:
    opened = t["opened_at"].astimezone(clock.LOCAL_ZONE).date()
    start = max(t["detention_start"] or opened, opened)
    release = t["release_on"]
    if t["phase"] == Phase.REINTEGRATION or (release is not None and release <= today):
        back = release if release is not None and release <= today else opened
        yield from _after_return(t, today, back, rng)
        return
    # In detention (or on the way back): a screening fills in some conditions.
    if rng.random() < (0.75 if t["route"] == Route.DOMESTIC else 0.45):
        screened = _day(today, start + dt.timedelta(days=7), rng)
        for condition in LIFE_DOMAINS:
            if rng.random() < 0.6:
                status = rng.choices(
                    [Status.OPEN, Status.ARRANGED, Status.NOT_NEEDED, Status.BEING_ARRANGED],
                    [45, 30, 15, 10],
                )[0]
                yield from _rows(t, condition, [(screened, status)])
    if t["route"] in (Route.ABROAD_BB, Route.ABROAD_OWN) and (
        t["phase"] == Phase.RETURN or (release is not None and (release - today).days <= 60)
    ):
        for condition in WAY_HOME:
            first = _day(today, today - dt.timedelta(days=40), rng)
            roll = rng.random()
            if roll < 0.55:  # arranged in time
                later = _day(today, first, rng)
                steps = [(first, Status.OPEN), (later, Status.ARRANGED)]
                yield from _rows(t, condition, steps if later > first else steps[1:])
            elif roll < 0.75:
                yield from _rows(t, condition, [(first, Status.BEING_ARRANGED)])
            elif roll < 0.9:
                yield from _rows(t, condition, [(first, Status.OPEN)])
            # else: nobody asked yet (unknown)


def _after_return(
    t: Mapping[str, Any], today: dt.date, back: dt.date, rng: random.Random
) -> Iterator[ConditionStatus]:
    weeks_back = max(0, (today - back).days) / 7
    # The longer back, the likelier a condition is arranged; ID first (001 §3.3).
    for condition in LIFE_DOMAINS:
        if rng.random() < 0.12:
            continue  # nothing recorded: unknown
        speed = 3.0 if condition == Condition.ID else 1.0
        chance = min(0.92, 0.15 + 0.08 * weeks_back * speed)
        if condition == Condition.CARE and rng.random() < 0.3:
            yield from _rows(t, condition, [(_day(today, back, rng), Status.NOT_NEEDED)])
            continue
        first = _day(today, back, rng)
        if rng.random() < chance:
            done = _day(today, first, rng)
            steps = [(first, Status.OPEN), (done, Status.ARRANGED)]
            yield from _rows(t, condition, steps if done > first else steps[1:])
        elif rng.random() < 0.5:
            yield from _rows(t, condition, [(first, Status.BEING_ARRANGED)])
        else:
            yield from _rows(t, condition, [(first, Status.OPEN)])
