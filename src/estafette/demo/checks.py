"""Whole-database checks of the relay's invariants and the consent ledger (tests, ``demo --check``).

The services keep these invariants one change at a time; the bulk generator
writes rows directly, so it is checked here over every trajectory at once,
with a handful of queries (fine up to national scale).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from estafette.consent.models import (
    Consent,
    ConsentDisclosure,
    ConsentNotice,
    ConsentPurpose,
    NoticeKind,
)
from estafette.consent.policy import FALLBACK_PURPOSE, HANDOVER_PURPOSE_CONSENT
from estafette.consent.rules import is_effective
from estafette.core import clock
from estafette.core.clock import LOCAL_ZONE
from estafette.handovers.models import Handover, HandoverTransition
from estafette.handovers.workflow import FINAL, State, transition_for
from estafette.organisations.models import Organisation
from estafette.trajectories.models import (
    Phase,
    Stretch,
    Trajectory,
    TrajectoryEvent,
    release_planning_date,
)


def invariant_violations(limit: int = 20) -> list[str]:
    """Sentences describing broken invariants (at most ``limit``); empty when all hold.

    1. exactly one open stretch per trajectory, held by its baton holder;
    2. stretches chain in time from ``opened_at``; every later one began through a handover;
    3. at most one handover per trajectory in the air;
    4. each handover's transitions follow the workflow table and end in its state;
    5. ``release_on`` equals ``release_planning_date()`` of the release fields;
    6. closed trajectories have ``closed_at`` and no open handover or unseen outcome;
    7. nothing is dated after now;
    8. the consent ledger agrees with the handovers (:func:`consent_violations`).
    """
    problems: list[str] = []

    def fail(text: str) -> bool:
        problems.append(text)
        return len(problems) >= limit

    now = clock.now() + dt.timedelta(minutes=5)
    trajectories = {
        row[0]: row
        for row in Trajectory.objects.values_list(
            "pk",
            "baton_holder_id",
            "opened_at",
            "phase",
            "closed_at",
            "release_certainty",
            "release_date",
            "release_earliest",
            "release_on",
        )
    }
    stretches: dict[int, list[tuple]] = defaultdict(list)
    for stretch in Stretch.objects.order_by("started_at", "id").values_list(
        "trajectory_id", "organisation_id", "started_at", "ended_at", "handover_id"
    ):
        stretches[stretch[0]].append(stretch)
    handovers: dict[int, list[tuple]] = defaultdict(list)
    handover_rows = {}
    for row in Handover.objects.values_list(
        "pk", "trajectory_id", "state", "outcome_seen_at", "sender_id", "receiver_id", "sent_at"
    ):
        handovers[row[1]].append(row)
        handover_rows[row[0]] = row
    transitions: dict[int, list[tuple]] = defaultdict(list)
    for step in HandoverTransition.objects.order_by("at", "id").values_list(
        "handover_id", "action", "source", "target", "at"
    ):
        transitions[step[0]].append(step)

    for pk, (
        _,
        holder,
        opened_at,
        phase,
        closed_at,
        cert,
        date,
        earliest,
        release_on,
    ) in trajectories.items():
        chain = stretches.get(pk, [])
        open_ones = [s for s in chain if s[3] is None]
        if (len(open_ones) != 1 or open_ones[0][1] != holder) and fail(
            f"trajectory {pk}: open stretches {len(open_ones)}, holder {holder}"
        ):
            break
        if chain and chain[0][2] != opened_at and fail(f"trajectory {pk}: first stretch late"):
            break
        broken = any(a[3] != b[2] or b[4] is None for a, b in itertools.pairwise(chain))
        if broken and fail(f"trajectory {pk}: stretches do not chain"):
            break
        if release_on != release_planning_date(cert, date, earliest) and fail(
            f"trajectory {pk}: release_on {release_on} not from the release fields"
        ):
            break
        states = [h[2] for h in handovers.get(pk, [])]
        if states.count(State.SENT) > 1 and fail(f"trajectory {pk}: two handovers in the air"):
            break
        if phase == Phase.CLOSED:
            unsettled = [h for h in handovers.get(pk, []) if h[2] not in FINAL or h[3] is None]
            if (closed_at is None or unsettled) and fail(f"trajectory {pk}: closed with open ends"):
                break
        elif closed_at is not None and fail(f"trajectory {pk}: closed_at on an open trajectory"):
            break
        if opened_at > now and fail(f"trajectory {pk}: opened in the future"):
            break

    for pk, row in handover_rows.items():
        steps = transitions.get(pk, [])
        if not steps or steps[0][1] != "send" or steps[0][3] != State.SENT:
            if fail(f"handover {pk}: does not start with 'send'"):
                break
            continue
        illegal = [
            (a, b)
            for a, b in itertools.pairwise(steps)
            if (move := transition_for(b[1], a[3])) is None or b[2] != a[3] or b[3] != move.target
        ]
        if illegal and fail(f"handover {pk}: {illegal[0][0][3]} -{illegal[0][1][1]}-> not allowed"):
            break
        if steps[-1][3] != row[2] and fail(f"handover {pk}: state {row[2]} ≠ last transition"):
            break
        if steps[-1][4] > now and fail(f"handover {pk}: transition in the future"):
            break
    if TrajectoryEvent.objects.filter(at__gt=now).exists():
        problems.append("timeline events dated in the future")
    if len(problems) < limit:
        problems += consent_violations(limit - len(problems))
    return problems


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_ZONE).date()


def consent_violations(limit: int = 20) -> list[str]:
    """Sentences describing where the consent ledger and the handovers disagree.

    1. every handover whose purpose needs consent (``HANDOVER_PURPOSE_CONSENT``)
       had, on the day it was sent, a consent of the person for that purpose in
       force (:func:`consent.rules.is_effective`) that covers the receiver, by
       name or by kind, and every data class sent;
    2. each such handover has a disclosure to its receiver under a consent of
       that purpose, in force when disclosed, covering the classes disclosed;
    3. every organisation that received data under a withdrawn consent has a
       "withdrawn" notice;
    4. nothing in the ledger is dated after now.

    Loads the ledger once (a few hundred thousand rows at national scale).
    """
    problems: list[str] = []

    def fail(text: str) -> bool:
        problems.append(text)
        return len(problems) >= limit

    now = clock.now() + dt.timedelta(minutes=5)
    kind_of = dict(Organisation.objects.values_list("pk", "kind"))
    code_of = dict(ConsentPurpose.objects.values_list("pk", "code"))
    consents: dict[int, tuple] = {}
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for row in Consent.objects.values_list(
        "pk",
        "person_id",
        "purpose_id",
        "recipient_organisation_id",
        "recipient_kind",
        "data_classes",
        "given_on",
        "ends_on",
        "revoked_at",
    ):
        pk, person, purpose, org, kind, classes, given, ends, revoked = row
        entry = (pk, code_of[purpose], org, kind, set(classes), given, ends, revoked)
        consents[pk] = entry
        by_person[person].append(entry)

    def fits(entry: tuple, code: str, receiver: int, classes: set[str], day: dt.date) -> bool:
        _, purpose, org, kind, covered, given, ends, revoked = entry
        return (
            purpose == code
            and (org == receiver if org is not None else kind == kind_of[receiver])
            and classes <= covered
            and is_effective(
                given_on=given,
                ends_on=ends,
                revoked_on=_day(revoked) if revoked is not None else None,
                on=day,
            )
        )

    disclosures: dict[int, list[tuple]] = defaultdict(list)
    shared_with: dict[int, set[int]] = defaultdict(set)
    for consent_id, handover_id, recipient, classes, at in ConsentDisclosure.objects.values_list(
        "consent_id", "handover_id", "recipient_id", "data_classes", "disclosed_at"
    ):
        disclosures[handover_id].append((consent_id, recipient, set(classes), at))
        shared_with[consent_id].add(recipient)
        if at > now and fail(f"disclosure under consent {consent_id} dated in the future"):
            return problems

    for handover, person, what, receiver, sent_at, classes in Handover.objects.values_list(
        "pk", "trajectory__person_id", "purpose", "receiver_id", "sent_at", "data_classes"
    ).order_by("pk"):
        code = HANDOVER_PURPOSE_CONSENT.get(what, FALLBACK_PURPOSE)
        if code is None:
            continue
        day, sent = _day(sent_at), set(classes)
        if not any(fits(c, code, receiver, sent, day) for c in by_person.get(person, [])):
            if fail(f"handover {handover} ({what}): no {code} consent in force on {day}"):
                return problems
            continue
        recorded = [
            d
            for d in disclosures.get(handover, [])
            if d[1] == receiver and fits(consents[d[0]], code, receiver, d[2], _day(d[3]))
        ]
        if not recorded and fail(f"handover {handover} ({what}): no disclosure under its consent"):
            return problems

    notices = set(ConsentNotice.objects.values_list("consent_id", "organisation_id", "kind"))
    today = clock.today()
    for pk, (*_, given, _ends, revoked) in consents.items():
        future = given > today or (revoked is not None and revoked > now)
        if future and fail(f"consent {pk} dated in the future"):
            return problems
        if revoked is None:
            continue
        missing = [o for o in shared_with.get(pk, ()) if (pk, o, NoticeKind.REVOKED) not in notices]
        if missing and fail(f"consent {pk}: withdrawn, but organisation {missing[0]} not told"):
            return problems
    return problems
