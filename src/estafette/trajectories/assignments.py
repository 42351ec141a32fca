"""Assigning workers to a person, ending and handing over assignments, closing stale files.

Services (issue 12, decision 0016): each takes ``actor=``, runs in a transaction, writes an
audit entry and a timeline line, and tells ``core.changes`` that the trajectory changed.
Who may assign whom is decided by :mod:`estafette.access.policy` (``may_assign``,
``eligible_memberships``); these functions refuse with a sentence when it says no.

The bulk services (:func:`assignments_reassign`, :func:`trajectories_close_stale`) treat
each record in its own transaction: one refused record never stops the rest, and the
result says which were refused and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from estafette.access import policy
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import trajectory_changed_after_commit
from estafette.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.organisations.models import Membership
from estafette.trajectories import messages
from estafette.trajectories.models import (
    SINGLE_ASSIGNMENT_KINDS,
    Assignment,
    EventKind,
    Participant,
    Phase,
    Trajectory,
)
from estafette.trajectories.selectors import stale_q
from estafette.trajectories.services import event_record, participant_add, trajectory_set_phase

VOLUNTEERS_PER_PERSON = 2
"""At most this many active volunteers (or buddies) of one organisation per person."""


def worker_name(user: Any) -> str:
    """A worker as colleagues know them: the full name, else the user name."""
    return str(user.get_full_name() or user.get_username())


def _lock_in_scope(actor: Actor, trajectory_pk: int) -> Trajectory:
    """The trajectory under a row lock, if the actor may open it (else ``NotPermitted``)."""
    locked = policy.trajectory_scope(actor).select_for_update().filter(pk=trajectory_pk).first()
    if locked is None:
        raise NotPermitted(messages.ASSIGN_NO_ACCESS)
    if locked.phase == Phase.CLOSED:
        raise Conflict(messages.CLOSED)
    return locked


def _eligible(actor: Actor, user: Any, kind: str) -> Membership:
    """The assignee's membership that fits ``kind`` in the actor's organisation (or family)."""
    membership = policy.eligible_memberships(actor, kind).filter(user=user).first()
    if membership is not None:
        return membership
    name = worker_name(user)
    elsewhere = Membership.objects.filter(user=user, is_active=True).exclude(
        organisation__in=policy.organisation_family(actor.organisation)
    )
    if elsewhere.exists():
        raise InvalidInput(
            messages.WORKS_ELSEWHERE, name=name, organisation=str(actor.organisation)
        )
    raise InvalidInput(messages.NO_FITTING_ROLE, name=name, organisation=str(actor.organisation))


def _alongside(trajectory: Trajectory, organisation_id: int) -> bool:
    return (
        trajectory.baton_holder_id == organisation_id
        or Participant.objects.filter(
            Q(until__isnull=True) | Q(until__gte=clock.today()),
            trajectory=trajectory,
            organisation_id=organisation_id,
        ).exists()
    )


def _record(actor: Actor, assignment: Assignment, kind: str, action: str, **detail: Any) -> None:
    trajectory = assignment.trajectory
    event_record(
        trajectory=trajectory,
        kind=kind,
        actor=actor,
        summary=worker_name(assignment.user),
        assignment=assignment.pk,
        part=assignment.kind,
        runner=assignment.organisation_id,
    )
    audit_record(
        actor=actor,
        action=action,
        target=assignment,
        person_id=trajectory.person_id,
        kind=assignment.kind,
        user=assignment.user_id,
        **detail,
    )
    trajectory_changed_after_commit(trajectory.pk)


def _end(actor: Actor, assignment: Assignment, *, reason: str = "") -> Assignment:
    assignment.until = clock.now()
    assignment.save(update_fields=["until"])
    _record(
        actor,
        assignment,
        EventKind.ASSIGNMENT_ENDED,
        AuditAction.CHANGE,
        field="until",
        reason=reason,
    )
    return assignment


def _create(actor: Actor, trajectory: Trajectory, user: Any, kind: str) -> Assignment:
    """Assign ``user`` in ``kind`` (trajectory locked and in scope; checks the rest)."""
    if not policy.may_assign(actor, kind):
        raise NotPermitted(messages.MAY_NOT_ASSIGN)
    membership = _eligible(actor, user, kind)
    organisation = membership.organisation
    active = Assignment.objects.filter(
        trajectory=trajectory, organisation=organisation, kind=kind, until__isnull=True
    )
    if active.filter(user=user).exists():
        raise Conflict(messages.ALREADY_ASSIGNED, name=worker_name(user))
    if kind in SINGLE_ASSIGNMENT_KINDS:
        # A new case manager (or coordinator, or mentor) takes over from the previous one.
        for previous in active.select_related("user", "trajectory"):
            _end(actor, previous)
    elif active.count() >= VOLUNTEERS_PER_PERSON:
        raise Conflict(messages.TOO_MANY_VOLUNTEERS)
    if kind in policy.FAMILY_ASSIGNMENT_KINDS and not _alongside(trajectory, organisation.pk):
        if trajectory.baton_holder_id != actor.organisation_id:
            raise Conflict(
                messages.NOT_ALONGSIDE,
                organisation=str(organisation),
                holder=str(trajectory.baton_holder),
            )
        # The volunteer's organisation runs alongside from now on, so it has a part.
        participant_add(
            actor=actor,
            trajectory=trajectory,
            organisation=organisation,
            role=policy.VOLUNTEER_PARTICIPANT_ROLE[kind],
        )
    assignment = Assignment.objects.create(
        trajectory=trajectory,
        organisation=organisation,
        user=user,
        kind=kind,
        assigned_by=actor.user,
        since=clock.now(),
    )
    _record(actor, assignment, EventKind.ASSIGNED, AuditAction.CREATE)
    return assignment


@transaction.atomic
def assignment_create(*, actor: Actor, trajectory: Trajectory, user: Any, kind: str) -> Assignment:
    """Assign ``user`` to the person of ``trajectory`` in ``kind`` ("mine" for them).

    Refused (with a sentence, nothing saved) when the actor's role may not assign in
    ``kind``, cannot open the trajectory, or ``user`` has no active membership with a
    fitting role in the actor's organisation (its family, for a volunteer); when the
    worker is already assigned; or a third volunteer. A new responsible coordinator, case
    manager or mentor ends the previous one. Assigning a volunteer makes its organisation
    run alongside when it does not yet (only the holder can add it).
    """
    locked = _lock_in_scope(actor, trajectory.pk)
    return _create(actor, locked, user, kind)


def _in_reach(actor: Actor) -> QuerySet[Assignment]:
    """Active assignments in the actor's organisation, or its family for a volunteer kind."""
    return Assignment.objects.filter(until__isnull=True).filter(
        Q(organisation_id=actor.organisation_id)
        | Q(
            organisation__in=policy.organisation_family(actor.organisation),
            kind__in=list(policy.FAMILY_ASSIGNMENT_KINDS),
        )
    )


@transaction.atomic
def assignment_end(*, actor: Actor, assignment_pk: int, reason: str = "") -> Assignment:
    """End an active assignment (kept, for history): by whoever may assign in its kind."""
    assignment = (
        _in_reach(actor).select_related("user", "trajectory").filter(pk=assignment_pk).first()
    )
    if assignment is None:
        raise Conflict(messages.ASSIGNMENT_ENDED)
    if not policy.may_assign(actor, assignment.kind):
        raise NotPermitted(messages.MAY_NOT_ASSIGN)
    assignment.trajectory = _lock_in_scope(actor, assignment.trajectory_id)
    return _end(actor, assignment, reason=reason)


@dataclass
class BulkResult:
    """What a bulk service did: the records done, and those refused with their sentence."""

    done: list[Any] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def reassignable(actor: Actor, user: Any) -> QuerySet[Assignment]:
    """The active assignments of ``user`` the actor may hand over to a colleague."""
    kinds = list(policy.assignable_kinds(actor))
    return (
        _in_reach(actor)
        .filter(user=user, kind__in=kinds)
        .select_related("trajectory__person", "user")
        .order_by("trajectory__person__family_name", "id")
    )


def assignments_reassign(
    *,
    actor: Actor,
    from_user: Any,
    to_user: Any,
    assignment_pks: list[int] | None = None,
) -> BulkResult:
    """Hand all (or the chosen) active assignments of ``from_user`` over to ``to_user``.

    For when someone leaves or is away. Each assignment in its own transaction: the old
    one ends, the new one starts, both audited and in the timeline; an assignment the
    actor may not hand over (the person's file it cannot open, ``to_user`` without a
    fitting role) is reported in ``failed`` and the rest goes on.
    """
    if from_user.pk == to_user.pk:
        raise InvalidInput(messages.REASSIGN_SAME_WORKER)
    candidates = reassignable(actor, from_user)
    if assignment_pks is not None:
        candidates = candidates.filter(pk__in=assignment_pks)
    rows = list(candidates)
    if not rows:
        raise InvalidInput(messages.REASSIGN_NOTHING, name=worker_name(from_user))
    result = BulkResult()
    for assignment in rows:
        try:
            with transaction.atomic():
                locked = _lock_in_scope(actor, assignment.trajectory_id)
                assignment.trajectory = locked
                _end(actor, assignment, reason="reassigned")
                result.done.append(_create(actor, locked, to_user, assignment.kind))
        except DomainError as exc:
            result.failed.append((assignment.trajectory_id, str(exc)))
    return result


def trajectories_close_stale(*, actor: Actor, trajectory_pks: list[int], reason: str) -> BulkResult:
    """Close each of ``trajectory_pks`` with ``reason``, through ``trajectory_set_phase``.

    Only files still stale (:func:`stale_q`) that the actor's organisation holds; each in
    its own transaction, so one refused file (no longer stale, not the holder, detention
    not shared) never stops the rest: it is reported in ``failed`` with its sentence.
    """
    if not reason.strip():
        raise InvalidInput(messages.REASON_REQUIRED)
    result = BulkResult()
    for pk in dict.fromkeys(trajectory_pks):
        try:
            with transaction.atomic():
                trajectory = policy.trajectory_scope(actor).filter(pk=pk).first()
                if trajectory is None or trajectory.is_closed:
                    raise NotPermitted(messages.NOT_FOUND_OR_CLOSED)
                if not Trajectory.objects.filter(stale_q(), pk=pk).exists():
                    raise Conflict(messages.STALE_NOT_STALE)
                result.done.append(
                    trajectory_set_phase(
                        actor=actor, trajectory=trajectory, phase=Phase.CLOSED, reason=reason
                    )
                )
        except DomainError as exc:
            result.failed.append((pk, str(exc)))
    return result
