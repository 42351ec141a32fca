"""The demo's contact moments and volunteer requests: named examples through the services,
the bulk set-based.

Called once by the builder, after the bulk (``build.py``). The named examples
of EXAMPLES.md ("Contacts and visits in the examples") are recorded through
``contact_record`` and the volunteer request services by a worker of the
organisation involved, on the day each step happened, so their audit trail is
what the product writes. Every other live trajectory gets rows written with
``bulk_create``: two reads (live trajectories, their participants and buddy
stretches), then batches, so the national scale stays fast.

The bulk follows the sources: a visiting volunteer comes every six to eight
weeks, and now and then falls behind (001 §3.1, §5.1); the "Return" booklet
goes out about six months before release, mostly on time; in a Dutch prison
the screening and the D&R plan come in the first weeks and the mentor talks
every two weeks — but about four in ten people see neither case manager nor
mentor for long stretches (004, DOMAIN.md §10); a buddy calls weekly; a few
requests for a volunteer are answered "none available in that country".
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping
from typing import Any

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.demo.examples import EXAMPLES
from estafette.organisations.models import Membership, OrganisationKind, Role
from estafette.trajectories.models import (
    Participant,
    ParticipantRole,
    Phase,
    Route,
    Stretch,
    Trajectory,
)
from estafette.visits.models import (
    Channel,
    ContactKind,
    ContactMoment,
    RequestState,
    VolunteerRequest,
)
from estafette.visits.services import (
    contact_record,
    volunteer_request_answer,
    volunteer_request_open,
)

BATCH = 5000
BOOKLET_SENDERS = (OrganisationKind.BB_REGIONAL_DESK, OrganisationKind.BUREAU_BUITENLAND)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# ------------------------------------------------------------------ named examples

WIM = ("Wim", "de Boer")
KEVIN = ("Kevin", "Dekker")
LINDA = ("Linda", "Vos")
JEROEN = ("Jeroen", "Bos")
DENNIS = ("Dennis", "de Wit")
NO_BOOKLET = {LINDA}
"""Named examples abroad whose booklet stays unsent (the weak link they show)."""


def _actor(organisation_id: int, roles: tuple[str, ...]) -> Actor | None:
    membership = (
        Membership.objects.filter(organisation_id=organisation_id, role__in=roles, is_active=True)
        .select_related("user", "organisation")
        .order_by("id")
        .first()
    )
    if membership is None:
        return None
    return Actor(user=membership.user, organisation=membership.organisation, role=membership.role)


def _named() -> dict[tuple[str, str], Trajectory]:
    names = {(e.given_names, e.family_name) for e in EXAMPLES}
    found = {}
    for t in (
        Trajectory.objects.exclude(phase=Phase.CLOSED)
        .select_related("person", "baton_holder")
        .order_by("pk")
    ):
        key = (t.person.given_names, t.person.family_name)
        if key in names:
            found[key] = t
    return found


def _record(
    actor: Actor | None,
    trajectory: Trajectory,
    kind: str,
    on: dt.date,
    channel: str = Channel.FACE_TO_FACE,
    note: str = "",
) -> int:
    if actor is None:
        return 0
    with clock.frozen(on):
        contact_record(
            actor=actor,
            trajectory=trajectory,
            kind=kind,
            happened_on=on,
            channel=channel,
            note=note,
        )
    return 1


def _named_create(today: dt.date) -> int:
    """Contacts and requests of the named examples (EXAMPLES.md); returns rows written."""
    count = 0
    for key, t in _named().items():
        holder_roles = (Role.REGIONAL_COORDINATOR, Role.CASE_MANAGER)
        holder = _actor(t.baton_holder_id, holder_roles)
        in_detention = t.phase == Phase.DETENTION
        start = t.detention_start or t.opened_at.astimezone(clock.LOCAL_ZONE).date()
        volunteer = t.participants.filter(
            role=ParticipantRole.VISITING_VOLUNTEER, until__isnull=True
        ).first()
        if volunteer is not None and in_detention:
            visitor = _actor(volunteer.organisation_id, (Role.VISITING_VOLUNTEER,))
            # Wim's volunteer stopped coming: the last visit was 106 days ago, so the next
            # was due 50 days ago (his next step). Everyone else was seen in the last weeks.
            last = today - days(106 if key == WIM else 12 + len(key[1]) % 20)
            visits = []
            day = last
            while day >= max(volunteer.since, start):
                visits.append(day)
                day -= days(45)
            for on in reversed(visits):
                count += _record(
                    visitor,
                    t,
                    ContactKind.VOLUNTEER_VISIT,
                    on,
                    note="Bezoek gehad; praat over de terugkeer en de contactpersoon.",
                )
        if (
            t.route != Route.DOMESTIC
            and holder is not None
            and holder.role == Role.REGIONAL_COORDINATOR
            and in_detention
            and key not in NO_BOOKLET
            and t.release_on is not None
            and (t.release_on - today).days < 180
        ):
            held = t.stretches.get(ended_at__isnull=True).started_at
            sent = min(today - days(1), t.release_on - days(185))
            sent = max(sent, start, held.astimezone(clock.LOCAL_ZONE).date())
            count += _record(holder, t, ContactKind.RETURN_BOOKLET, sent, Channel.MESSAGE)
        if key == KEVIN and holder is not None:
            with clock.frozen(today - days(40)):
                request = volunteer_request_open(
                    actor=holder, trajectory=t, note="Wil graag bezoek; spreekt alleen Nederlands."
                )
            with clock.frozen(today - days(30)):
                volunteer_request_answer(
                    actor=holder,
                    request=request,
                    state=RequestState.NONE_AVAILABLE,
                    note="Geen vrijwilliger in de Algarve op dit moment.",
                )
            count += 1
        if key == JEROEN:
            # The mentor came six days ago; the screening (due 5 days ago) did not happen.
            count += _record(holder, t, ContactKind.MENTOR_CONVERSATION, today - days(6))
        if key == DENNIS:
            for kind, ago in (
                (ContactKind.DOMESTIC_SCREENING, 150),
                (ContactKind.DR_PLAN, 130),
                (ContactKind.MENTOR_CONVERSATION, 9),
            ):
                on = today - days(ago)
                if t.detention_start is None or on >= t.detention_start:
                    count += _record(holder, t, kind, on)
    return count


# -------------------------------------------------------------------------- bulk


def _bulk_rows(today: dt.date, rng: random.Random) -> Iterator[ContactMoment | VolunteerRequest]:
    named = {(e.given_names, e.family_name) for e in EXAMPLES}
    trajectories = list(
        Trajectory.objects.exclude(phase=Phase.CLOSED)
        .order_by("pk")
        .values(
            "pk",
            "route",
            "phase",
            "country_id",
            "release_on",
            "detention_start",
            "opened_at",
            "baton_holder_id",
            "baton_holder__kind",
            "person__given_names",
            "person__family_name",
        )
    )
    alongside: dict[int, list[dict[str, Any]]] = {}
    for p in (
        Participant.objects.filter(
            trajectory__in=Trajectory.objects.exclude(phase=Phase.CLOSED),
            since__lte=today,
        )
        .exclude(until__lt=today)
        .order_by("trajectory_id", "since", "id")
        .values("trajectory_id", "role", "organisation_id", "since")
    ):
        alongside.setdefault(p["trajectory_id"], []).append(dict(p))
    buddy_held = {
        s["trajectory_id"]: s["started_at"].astimezone(clock.LOCAL_ZONE).date()
        for s in Stretch.objects.filter(
            ended_at__isnull=True, organisation__kind=OrganisationKind.BUDDY_PROGRAMME
        ).values("trajectory_id", "started_at")
    }
    for t in trajectories:
        if (t["person__given_names"], t["person__family_name"]) in named:
            continue
        yield from _story(t, alongside.get(t["pk"], []), buddy_held.get(t["pk"]), today, rng)


def _moment(
    t: Mapping[str, Any], kind: str, on: dt.date, organisation_id: int, channel: str
) -> ContactMoment:
    return ContactMoment(
        trajectory_id=t["pk"],
        kind=kind,
        happened_on=on,
        channel=channel,
        organisation_id=organisation_id,
        recorded_at=dt.datetime.combine(on, dt.time(16, 0), tzinfo=clock.LOCAL_ZONE),
    )


def _every(
    start: dt.date, today: dt.date, low: int, high: int, rng: random.Random, stop: float
) -> Iterator[dt.date]:
    """Days from ``start`` on, ``low``–``high`` apart, until today; ``stop`` ends early."""
    day = start + days(rng.randint(low // 2, high))
    while day <= today:
        yield day
        if rng.random() < stop:
            return
        day += days(rng.randint(low, high))


def _story(
    t: Mapping[str, Any],
    participants: list[dict[str, Any]],
    buddy_since: dt.date | None,
    today: dt.date,
    rng: random.Random,
) -> Iterator[ContactMoment | VolunteerRequest]:
    opened = t["opened_at"].astimezone(clock.LOCAL_ZONE).date()
    start = max(t["detention_start"] or opened, opened - days(365))
    in_detention = t["phase"] == Phase.DETENTION
    abroad = t["route"] != Route.DOMESTIC
    holder = t["baton_holder_id"]
    volunteers = [p for p in participants if p["role"] == ParticipantRole.VISITING_VOLUNTEER]
    if abroad and in_detention and volunteers:
        # Every six to eight weeks; about one volunteer in eight falls behind.
        since = max(volunteers[0]["since"], start)
        lapse = 0.12 if rng.random() < 0.3 else 0.0
        for on in _every(since, today, 40, 56, rng, lapse):
            yield _moment(
                t,
                ContactKind.VOLUNTEER_VISIT,
                on,
                volunteers[0]["organisation_id"],
                Channel.FACE_TO_FACE,
            )
    elif abroad and in_detention and t["baton_holder__kind"] in BOOKLET_SENDERS:
        roll = rng.random()
        if roll < 0.06:  # asked, and nobody is available in that country
            asked = start + days(rng.randint(20, 60))
            if asked < today:
                answered = min(today, asked + days(rng.randint(5, 30)))
                yield VolunteerRequest(
                    trajectory_id=t["pk"],
                    country_id=t["country_id"],
                    state=RequestState.NONE_AVAILABLE,
                    requested_on=asked,
                    requested_for_id=holder,
                    answered_on=answered,
                )
        elif roll < 0.09:  # asked recently, no answer yet
            asked = max(start, today - days(rng.randint(1, 20)))
            yield VolunteerRequest(
                trajectory_id=t["pk"],
                country_id=t["country_id"],
                state=RequestState.OPEN,
                requested_on=asked,
                requested_for_id=holder,
            )
    release = t["release_on"]
    if (
        abroad
        and t["baton_holder__kind"] in BOOKLET_SENDERS
        and t["phase"] in (Phase.DETENTION, Phase.RETURN)
        and release is not None
    ):
        due = release - days(180)
        if due - days(30) <= today and rng.random() < 0.8:
            sent = due - days(rng.randint(-20, 40))
            if start <= sent <= today:
                yield _moment(t, ContactKind.RETURN_BOOKLET, sent, holder, Channel.MESSAGE)
    if not abroad and in_detention and t["detention_start"] is not None:
        entry = t["detention_start"]
        # About four in ten see neither case manager nor mentor for long stretches (004).
        quiet = rng.random() < 0.4
        if rng.random() < (0.55 if quiet else 0.9):
            on = entry + days(rng.randint(3, 20))
            if on <= today:
                yield _moment(t, ContactKind.DOMESTIC_SCREENING, on, holder, Channel.FACE_TO_FACE)
        if rng.random() < (0.5 if quiet else 0.85):
            on = entry + days(rng.randint(14, 40))
            if on <= today:
                yield _moment(t, ContactKind.DR_PLAN, on, holder, Channel.FACE_TO_FACE)
        for on in _every(entry, today, 10, 16 if not quiet else 40, rng, 0.1 if quiet else 0.0):
            yield _moment(t, ContactKind.MENTOR_CONVERSATION, on, holder, Channel.FACE_TO_FACE)
    buddies = [p for p in participants if p["role"] == ParticipantRole.BUDDY]
    programme = (holder, buddy_since) if buddy_since is not None else None
    if programme is None and buddies:
        programme = (buddies[0]["organisation_id"], buddies[0]["since"])
    if programme is not None:
        organisation_id, since = programme
        for on in _every(since, today, 4, 9, rng, 0.04):
            channel = rng.choice([Channel.FACE_TO_FACE, Channel.FACE_TO_FACE, Channel.PHONE])
            yield _moment(t, ContactKind.BUDDY_CONTACT, on, organisation_id, channel)


def visits_create(*, today: dt.date, rng: random.Random) -> dict[str, int]:
    """Record the named examples' contacts and write the bulk's; returns rows per kind.

    Contract: deterministic for a given ``rng`` state and database; no date
    after ``today``; named examples are left to :func:`_named_create`.
    """
    named = _named_create(today)
    moments: list[ContactMoment] = []
    requests: list[VolunteerRequest] = []
    written = {"contact moments": 0, "volunteer requests": 0}
    for row in _bulk_rows(today, rng):
        if isinstance(row, VolunteerRequest):
            requests.append(row)
            continue
        moments.append(row)
        if len(moments) >= BATCH:
            ContactMoment.objects.bulk_create(moments)
            written["contact moments"] += len(moments)
            moments = []
    ContactMoment.objects.bulk_create(moments)
    VolunteerRequest.objects.bulk_create(requests)
    written["contact moments"] += len(moments)
    written["volunteer requests"] += len(requests)
    return {"contacts and requests (examples)": named, **written}
