"""Every change to a trajectory: one audited function each, inside a transaction.

The baton itself moves only through :func:`baton_move`, which the handover
services call; nothing else writes ``baton_holder`` or a :class:`Stretch`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from estafette.access import messages as access_messages
from estafette.access import policy
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import trajectory_changed_after_commit
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.handovers.exchange import DETENTION_PHASE, committed_q
from estafette.handovers.models import Handover
from estafette.trajectories import messages
from estafette.trajectories.models import (
    EventKind,
    Participant,
    Phase,
    RegistrationCertainty,
    ReleaseCertainty,
    Route,
    Stretch,
    Trajectory,
    TrajectoryEvent,
    release_planning_date,
)


def event_record(
    *,
    trajectory: Trajectory,
    kind: str,
    actor: Actor | None,
    summary: str = "",
    reason: str = "",
    at: dt.datetime | None = None,
    **data: Any,
) -> TrajectoryEvent:
    """Append one line to the trajectory's timeline."""
    return TrajectoryEvent.objects.create(
        trajectory=trajectory,
        kind=kind,
        at=at or clock.now(),
        user=actor.user if actor else None,
        organisation=actor.organisation if actor else None,
        summary=summary[:300],
        reason=reason,
        data=data,
    )


def _lock(trajectory: Trajectory) -> Trajectory:
    """Re-read the trajectory under a row lock so concurrent changes serialise."""
    return Trajectory.objects.select_for_update().get(pk=trajectory.pk)


def _require_holder(actor: Actor, trajectory: Trajectory) -> None:
    if trajectory.baton_holder_id != actor.organisation_id:
        raise NotPermitted(messages.NOT_HOLDER, holder=str(trajectory.baton_holder))
    if trajectory.phase == Phase.CLOSED:
        raise Conflict(messages.CLOSED)


def _require_detention_shared(actor: Actor, trajectory: Trajectory) -> None:
    """Route, release, phase and the day of entry are detention data: an actor whose ground
    does not cover the DETENTION class may not change them either (the page hides their
    forms; this holds for every caller)."""
    if not policy.access_for(actor, trajectory).sees(DataClass.DETENTION):
        raise NotPermitted(access_messages.DETENTION_NOT_SHARED)


def _validate_release(
    certainty: str, date: dt.date | None, earliest: dt.date | None, latest: dt.date | None
) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """The dates ``certainty`` keeps, each inside the plausible range of a release date."""
    if certainty in (ReleaseCertainty.KNOWN, ReleaseCertainty.ESTIMATE):
        if date is None:
            raise InvalidInput(messages.RELEASE_DATE_REQUIRED)
        bounds.check_date(bounds.RELEASE_DATE, date)
        return date, None, None
    if certainty == ReleaseCertainty.WINDOW:
        if earliest is None or latest is None:
            raise InvalidInput(messages.RELEASE_WINDOW_REQUIRED)
        bounds.check_date(bounds.RELEASE_DATE, earliest)
        bounds.check_date(bounds.RELEASE_DATE, latest)
        if earliest > latest:
            raise InvalidInput(messages.RELEASE_WINDOW_ORDER)
        return None, earliest, latest
    return None, None, None


@transaction.atomic
def trajectory_open(
    *,
    actor: Actor,
    person: Any,
    route: str,
    phase: str = Phase.DETENTION,
    transfer_law: str = "",
    country: Any = None,
    detention_place: str = "",
    detention_start: dt.date | None = None,
    release_certainty: str = ReleaseCertainty.UNKNOWN,
    release_date: dt.date | None = None,
    release_earliest: dt.date | None = None,
    release_latest: dt.date | None = None,
    registration_municipality: Any = None,
    registration_certainty: str = "unknown",
    settlement_municipality: Any = None,
) -> Trajectory:
    """Open a trajectory with the actor's organisation as the first baton holder.

    Contract: creates the trajectory, its first open stretch, an ``opened``
    event and an audit entry, all or nothing. Dates outside their plausible
    range (:mod:`core.bounds`: release date, start of detention) are refused
    with ``InvalidInput`` before anything is written.
    """
    if route == Route.ABROAD_TRANSFER and transfer_law not in ("WETS", "WOTS"):
        raise InvalidInput(messages.TRANSFER_LAW_REQUIRED)
    bounds.check_date(bounds.DETENTION_START, detention_start)
    date, earliest, latest = _validate_release(
        release_certainty, release_date, release_earliest, release_latest
    )
    now = clock.now()
    trajectory = Trajectory.objects.create(
        person=person,
        route=route,
        transfer_law=transfer_law if route == Route.ABROAD_TRANSFER else "",
        phase=phase,
        country=country,
        detention_place=detention_place,
        detention_start=detention_start,
        release_certainty=release_certainty,
        release_date=date,
        release_earliest=earliest,
        release_latest=latest,
        release_on=release_planning_date(release_certainty, date, earliest),
        registration_municipality=registration_municipality,
        registration_certainty=registration_certainty,
        settlement_municipality=settlement_municipality,
        baton_holder=actor.organisation,
        opened_at=now,
    )
    Stretch.objects.create(trajectory=trajectory, organisation=actor.organisation, started_at=now)
    event_record(
        trajectory=trajectory,
        kind=EventKind.OPENED,
        actor=actor,
        summary=str(actor.organisation),
        route=route,
    )
    audit_record(
        actor=actor, action=AuditAction.CREATE, target=trajectory, person_id=person.pk, route=route
    )
    trajectory_changed_after_commit(trajectory.pk)
    return trajectory


@transaction.atomic
def trajectory_change_route(
    *, actor: Actor, trajectory: Trajectory, route: str, reason: str, transfer_law: str = ""
) -> Trajectory:
    """Change the route (e.g. a transfer is granted, consent withdrawn); kept in the timeline.

    Only the baton holder may change it, only with the detention class shared with it
    (else ``NotPermitted``), and only with a reason.
    """
    trajectory = _lock(trajectory)
    _require_holder(actor, trajectory)
    _require_detention_shared(actor, trajectory)
    if not reason.strip():
        raise InvalidInput(messages.REASON_REQUIRED)
    if route != Route.ABROAD_TRANSFER:
        transfer_law = ""  # only a transfer has a law; a stray one must not count as a change
    if route == trajectory.route and transfer_law == trajectory.transfer_law:
        raise Conflict(messages.ROUTE_UNCHANGED)
    if route == Route.ABROAD_TRANSFER and transfer_law not in ("WETS", "WOTS"):
        raise InvalidInput(messages.TRANSFER_LAW_REQUIRED)
    old = trajectory.route
    trajectory.route = route
    trajectory.transfer_law = transfer_law if route == Route.ABROAD_TRANSFER else ""
    trajectory.save(update_fields=["route", "transfer_law"])
    event_record(
        trajectory=trajectory,
        kind=EventKind.ROUTE_CHANGED,
        actor=actor,
        reason=reason,
        old=old,
        new=route,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=trajectory,
        person_id=trajectory.person_id,
        field="route",
        old=old,
        new=route,
    )
    trajectory_changed_after_commit(trajectory.pk)
    return trajectory


@transaction.atomic
def trajectory_set_phase(
    *, actor: Actor, trajectory: Trajectory, phase: str, reason: str = ""
) -> Trajectory:
    """Move the trajectory to another phase (detention → return → re-integration → closed).

    Closing needs a reason; a closed trajectory accepts no other change. Only the holder
    (or a committed receiver as the person leaves detention), with the detention class
    shared with it (else ``NotPermitted``).
    """
    trajectory = _lock(trajectory)
    committed = (
        Handover.objects.filter(committed_q(), trajectory=trajectory)
        .select_related("receiver")
        .first()
    )
    leaves_detention = trajectory.phase == DETENTION_PHASE and phase in (
        Phase.RETURN,
        Phase.REINTEGRATION,
    )
    by_committed = (
        committed is not None
        and committed.receiver_id == actor.organisation_id
        and leaves_detention
    )
    if trajectory.baton_holder_id != actor.organisation_id and not by_committed:
        raise NotPermitted(messages.NOT_HOLDER, holder=str(trajectory.baton_holder))
    _require_detention_shared(actor, trajectory)
    if phase == trajectory.phase:
        raise Conflict(messages.PHASE_UNCHANGED)
    if phase == Phase.CLOSED and not reason.strip():
        raise InvalidInput(messages.REASON_REQUIRED)
    old = trajectory.phase
    trajectory.phase = phase
    trajectory.closed_at = clock.now() if phase == Phase.CLOSED else None
    trajectory.save(update_fields=["phase", "closed_at"])
    event_record(
        trajectory=trajectory,
        kind=EventKind.PHASE_CHANGED,
        actor=actor,
        reason=reason,
        old=old,
        new=phase,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=trajectory,
        person_id=trajectory.person_id,
        field="phase",
        old=old,
        new=phase,
    )
    if committed is not None and leaves_detention:
        _pass_at_release(actor=actor, trajectory=trajectory, handover=committed)
    trajectory_changed_after_commit(trajectory.pk)
    return trajectory


def _pass_at_release(*, actor: Actor, trajectory: Trajectory, handover: Handover) -> None:
    """The person left detention: the committed receiver takes the baton (decision 0011).

    Called inside :func:`trajectory_set_phase`'s transaction with the trajectory locked.
    A committed receiver that already holds the baton (it came back some other way)
    only has its commitment marked as fulfilled.
    """
    now = clock.now()
    handover.baton_at = now
    handover.save(update_fields=["baton_at"])
    if trajectory.baton_holder_id == handover.receiver_id:
        return
    sender = trajectory.baton_holder
    baton_move(trajectory=trajectory, to=handover.receiver, at=now, handover=handover)
    event_record(
        trajectory=trajectory,
        kind=EventKind.BATON_PASSED_AT_RELEASE,
        actor=actor,
        at=now,
        summary=f"{sender} → {handover.receiver}",
        handover=handover.pk,
        sender=sender.pk,
        receiver=handover.receiver_id,
    )
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        target=handover,
        person_id=trajectory.person_id,
        transition="baton_at_release",
    )


def trajectory_record_domestic_entry(
    *,
    actor: Actor | None,
    trajectory: Trajectory,
    entered_on: dt.date | None,
    by_receiver: bool = False,
) -> Trajectory:
    """Record the day the person entered the Dutch prison (a sentence transfer's arrival).

    Contract: only the holder with the detention class shared with it, or
    (``by_receiver``) the receiving prison inside its own handover transaction; the route
    must be a sentence transfer (else ``InvalidInput``); the date lies within
    :data:`core.bounds.DETENTION_START`; ``None`` clears it. The domestic norms
    (screening, mentor, D&R plan) run from this date.
    """
    if not by_receiver:
        trajectory = _lock(trajectory)
        if actor is None:
            raise NotPermitted(messages.NOT_HOLDER, holder=str(trajectory.baton_holder))
        _require_holder(actor, trajectory)
        _require_detention_shared(actor, trajectory)
    if trajectory.route != Route.ABROAD_TRANSFER:
        raise InvalidInput(messages.ENTRY_ONLY_FOR_TRANSFER)
    bounds.check_date(bounds.DETENTION_START, entered_on)
    if trajectory.domestic_entry == entered_on:
        return trajectory
    trajectory.domestic_entry = entered_on
    trajectory.save(update_fields=["domestic_entry"])
    event_record(
        trajectory=trajectory,
        kind=EventKind.DOMESTIC_ENTRY,
        actor=actor,
        entered_on=entered_on.isoformat() if entered_on else None,  # the timeline words it
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=trajectory,
        person_id=trajectory.person_id,
        field="domestic_entry",
    )
    trajectory_changed_after_commit(trajectory.pk)
    return trajectory


@transaction.atomic
def trajectory_set_release(
    *,
    actor: Actor,
    trajectory: Trajectory,
    certainty: str,
    date: dt.date | None = None,
    earliest: dt.date | None = None,
    latest: dt.date | None = None,
    reason: str = "",
) -> Trajectory:
    """Record what is known of the release date: a date, an estimate, a window, or unknown.

    Only the holder, with the detention class shared with it (else ``NotPermitted``); a
    date outside the plausible range of a release date (:data:`core.bounds.RELEASE_DATE`)
    is refused with ``InvalidInput``.
    """
    trajectory = _lock(trajectory)
    _require_holder(actor, trajectory)
    _require_detention_shared(actor, trajectory)
    date, earliest, latest = _validate_release(certainty, date, earliest, latest)
    trajectory.release_certainty = certainty
    trajectory.release_date = date
    trajectory.release_earliest = earliest
    trajectory.release_latest = latest
    trajectory.release_on = release_planning_date(certainty, date, earliest)
    trajectory.save(
        update_fields=[
            "release_certainty",
            "release_date",
            "release_earliest",
            "release_latest",
            "release_on",
        ]
    )
    event_record(  # codes and ISO dates: the timeline writes them in the reader's language
        trajectory=trajectory,
        kind=EventKind.RELEASE_CHANGED,
        actor=actor,
        reason=reason,
        certainty=certainty,
        date=date.isoformat() if date else None,
        earliest=earliest.isoformat() if earliest else None,
        latest=latest.isoformat() if latest else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=trajectory,
        person_id=trajectory.person_id,
        field="release",
        certainty=certainty,
    )
    trajectory_changed_after_commit(trajectory.pk)
    return trajectory


@transaction.atomic
def trajectory_set_registration(
    *,
    actor: Actor,
    trajectory: Trajectory,
    municipality: Any,
    certainty: str,
    reason: str = "",
) -> Trajectory:
    """Record the municipality of last registration and how sure that is.

    Contract: only the holder; ``certainty`` is one of
    :class:`RegistrationCertainty`; "confirmed" needs a municipality (else
    :class:`InvalidInput`). The after-care referral goes to this municipality
    (DOMAIN.md §7: the arrest notification address can be wrong).
    """
    trajectory = _lock(trajectory)
    _require_holder(actor, trajectory)
    if certainty not in RegistrationCertainty.values:
        raise InvalidInput(messages.REGISTRATION_CERTAINTY_UNKNOWN)
    if municipality is None and certainty != RegistrationCertainty.UNKNOWN:
        raise InvalidInput(messages.REGISTRATION_MUNICIPALITY_REQUIRED)
    trajectory.registration_municipality = municipality
    trajectory.registration_certainty = certainty
    trajectory.save(update_fields=["registration_municipality", "registration_certainty"])
    event_record(
        trajectory=trajectory,
        kind=EventKind.REGISTRATION_CHANGED,
        actor=actor,
        reason=reason,
        summary=str(municipality or ""),
        certainty=certainty,
        municipality=getattr(municipality, "pk", None),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=trajectory,
        person_id=trajectory.person_id,
        field="registration",
        certainty=certainty,
    )
    trajectory_changed_after_commit(trajectory.pk)
    return trajectory


@transaction.atomic
def trajectory_plan_next_step(
    *,
    actor: Actor,
    trajectory: Trajectory,
    next_step: str,
    due: dt.date | None,
    next_runner: Any = None,
) -> Trajectory:
    """Say what is expected next, by when, and (optionally) who is expected to run next.

    Only the holder; a due date outside :data:`core.bounds.NEXT_STEP_DUE` is
    refused with ``InvalidInput``.
    """
    trajectory = _lock(trajectory)
    _require_holder(actor, trajectory)
    bounds.check_date(bounds.NEXT_STEP_DUE, due)
    trajectory.next_step = next_step.strip()
    trajectory.next_step_due = due
    trajectory.next_runner = next_runner
    trajectory.save(update_fields=["next_step", "next_step_due", "next_runner"])
    event_record(
        trajectory=trajectory,
        kind=EventKind.NEXT_STEP,
        actor=actor,
        summary=trajectory.next_step,
        step=trajectory.next_step,
        due=due.isoformat() if due else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=trajectory,
        person_id=trajectory.person_id,
        field="next_step",
    )
    trajectory_changed_after_commit(trajectory.pk)
    return trajectory


@transaction.atomic
def participant_add(
    *, actor: Actor, trajectory: Trajectory, organisation: Any, role: str
) -> Participant:
    """Let an organisation run alongside (e.g. visiting volunteers) without taking the baton."""
    trajectory = _lock(trajectory)
    _require_holder(actor, trajectory)
    participant = Participant.objects.create(
        trajectory=trajectory, organisation=organisation, role=role, since=clock.today()
    )
    event_record(
        trajectory=trajectory,
        kind=EventKind.PARTICIPANT_ADDED,
        actor=actor,
        summary=str(organisation),
        runner=organisation.pk,
        role=role,
    )
    audit_record(
        actor=actor, action=AuditAction.CREATE, target=participant, person_id=trajectory.person_id
    )
    trajectory_changed_after_commit(trajectory.pk)
    return participant


def baton_move(*, trajectory: Trajectory, to: Any, at: dt.datetime, handover: Any) -> None:
    """Close the holder's stretch and open one for ``to``. Call inside the caller's transaction.

    Internal to the relay: only the handover services call this, with the
    trajectory already locked, so the one-holder invariant has one writer.
    """
    Stretch.objects.filter(trajectory=trajectory, ended_at__isnull=True).update(ended_at=at)
    Stretch.objects.create(trajectory=trajectory, organisation=to, started_at=at, handover=handover)
    trajectory.baton_holder = to
    if trajectory.next_runner_id == getattr(to, "pk", None):
        trajectory.next_runner = None
    # The new holder plans its own next step: nobody inherits another runner's step or date.
    trajectory.next_step = ""
    trajectory.next_step_due = None
    trajectory.save(update_fields=["baton_holder", "next_runner", "next_step", "next_step_due"])
    trajectory_changed_after_commit(trajectory.pk)
