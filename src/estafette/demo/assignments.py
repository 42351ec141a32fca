"""The demo's assignments (issue 12): who works on which person, with gaps left on purpose.

Called once by the builder after the bulk and before the contacts (``build.py``): a visiting
volunteer records visits only for the people assigned to it (decision 0016), so the named
examples' visits need their volunteer assigned first. Written set-based with
``bulk_create`` (two reads, then batches), so the national scale stays fast.

What it gives, and what it leaves:

* the printed ``volunteer`` account (Vera Bezoek) is assigned the named examples the
  volunteer organisation runs alongside (EXAMPLES.md: a handful), so that account still
  has a caseload of its own;
* the bulk volunteers share the volunteer organisation's other live participations — about
  one in ten stays without a volunteer (none found yet), and about one in twelve had a
  volunteer who stopped (an ended assignment, kept for history), sometimes followed by
  another;
* each printed professional account (coordinator, consul, nazorg, casemanager, buddy) is
  the responsible coordinator (a case manager in the prison) of the named examples its
  organisation holds and of about a third of its other open files; colleagues behind the
  examples take another share; the rest of each organisation's files has nobody assigned,
  which its coordinators see as something to act on.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from django.contrib.auth import get_user_model

from estafette.demo.accounts import DEMO_ACCOUNTS, USER_PREFIX
from estafette.demo.examples import EXAMPLES
from estafette.organisations.models import Membership, Role
from estafette.trajectories.models import (
    Assignment,
    AssignmentKind,
    Participant,
    ParticipantRole,
    Phase,
    Trajectory,
)

BATCH = 5000
VOLUNTEER_ORG = "bb-vrijwilligers"
UNASSIGNED_VOLUNTEER_SHARE = 0.10
ENDED_SHARE = 0.08
OWN_SHARE = 1 / 3
COLLEAGUE_SHARE = 1 / 4

PROFESSIONAL_KIND: dict[str, str] = {
    Role.CASE_MANAGER: AssignmentKind.CASE_MANAGER,
}
"""The part a printed professional account is assigned in (else responsible coordinator)."""


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


def _named_person_ids() -> set[int]:
    names = {(e.given_names, e.family_name) for e in EXAMPLES}
    return {
        pk
        for pk, given, family in Trajectory.objects.values_list(
            "person_id", "person__given_names", "person__family_name"
        )
        if (given, family) in names
    }


def assignments_create(*, today: dt.date, rng: random.Random) -> dict[str, int]:
    """Assign the demo's workers (module contract); returns rows written per kind of row."""
    rows = list(_volunteer_rows(today, rng)) + list(_professional_rows(today, rng))
    for start in range(0, len(rows), BATCH):
        Assignment.objects.bulk_create(rows[start : start + BATCH])
    return {
        "assignments": len(rows),
        "assignments ended": sum(1 for row in rows if row.until is not None),
    }


def _volunteer_rows(today: dt.date, rng: random.Random) -> Iterator[Assignment]:
    memberships = list(
        Membership.objects.filter(
            organisation__code=VOLUNTEER_ORG, role=Role.VISITING_VOLUNTEER, is_active=True
        )
        .select_related("user", "organisation")
        .order_by("id")
    )
    printed = next((m for m in memberships if m.user.username == "volunteer"), None)
    others = [m for m in memberships if m.user.username.startswith(USER_PREFIX)]
    if not memberships:
        return
    organisation = memberships[0].organisation
    named = _named_person_ids()
    participations = (
        Participant.objects.filter(
            organisation=organisation,
            role=ParticipantRole.VISITING_VOLUNTEER,
            until__isnull=True,
        )
        .exclude(trajectory__phase=Phase.CLOSED)
        .values_list("trajectory_id", "trajectory__person_id", "since")
        .order_by("trajectory_id")
    )
    ended_any = gap_any = False
    for trajectory_id, person_id, since in participations:
        if person_id in named and printed is not None:
            yield Assignment(
                trajectory_id=trajectory_id,
                organisation=organisation,
                user=printed.user,
                kind=AssignmentKind.VISITING_VOLUNTEER,
                since=_moment(since),
            )
            continue
        if not others or not gap_any or rng.random() < UNASSIGNED_VOLUNTEER_SHARE:
            gap_any = True  # at least one at every scale
            continue  # a gap: no volunteer found yet
        start = since
        # At least one ended assignment at every scale (the tiny one has few participations).
        if (not ended_any or rng.random() < ENDED_SHARE) and (today - since).days > 60:
            ended_any = True
            # A volunteer who stopped; kept for history, sometimes nobody took over.
            ended = since + dt.timedelta(days=rng.randint(30, (today - since).days - 1))
            yield Assignment(
                trajectory_id=trajectory_id,
                organisation=organisation,
                user=rng.choice(others).user,
                kind=AssignmentKind.VISITING_VOLUNTEER,
                since=_moment(since),
                until=_moment(ended),
            )
            if rng.random() < 0.5:
                continue
            start = ended
        yield Assignment(
            trajectory_id=trajectory_id,
            organisation=organisation,
            user=rng.choice(others).user,
            kind=AssignmentKind.VISITING_VOLUNTEER,
            since=_moment(start),
        )


def _professional_rows(today: dt.date, rng: random.Random) -> Iterator[Assignment]:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    }
    named = _named_person_ids()
    for account in DEMO_ACCOUNTS:
        if account.role in (Role.VISITING_VOLUNTEER, Role.ORGANISATION_ADMIN):
            continue
        user = users.get(account.username)
        if user is None:
            continue
        membership = (
            Membership.objects.filter(user=user, role=account.role)
            .select_related("organisation")
            .first()
        )
        if membership is None:
            continue
        organisation = membership.organisation
        colleagues = [
            m.user
            for m in Membership.objects.filter(
                organisation=organisation, role=account.role, is_active=True
            )
            .exclude(user=user)
            .select_related("user")
        ]
        kind: str = PROFESSIONAL_KIND.get(account.role, AssignmentKind.RESPONSIBLE_COORDINATOR)
        held = (
            Trajectory.objects.filter(baton_holder=organisation)
            .exclude(phase=Phase.CLOSED)
            .values_list("pk", "person_id", "opened_at")
            .order_by("pk")
        )
        for trajectory_id, person_id, opened_at in held:
            draw = rng.random()
            if person_id in named or draw < OWN_SHARE:
                worker = user
            elif colleagues and draw < OWN_SHARE + COLLEAGUE_SHARE:
                worker = rng.choice(colleagues)
            else:
                continue  # nobody assigned: for the coordinators to act on
            yield Assignment(
                trajectory_id=trajectory_id,
                organisation=organisation,
                user=worker,
                kind=kind,
                since=max(opened_at, _moment(today - dt.timedelta(days=365))),
            )
