"""Emergency access: open a file outside the rules, with a reason, for a limited time."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q

from estafette.access import messages
from estafette.access.models import EmergencyAccess, PartRequest, PartRequestStatus
from estafette.access.policy import (
    emergency_access_hours,
    may_answer_part_request,
    may_ask_for_part,
    may_request_emergency_access,
    may_review_emergency_access,
    trajectory_scope,
)
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.people.registration import (
    Criteria,
    criteria_digest,
    register_matches,
    trajectories_of,
)
from estafette.trajectories.models import Participant, ParticipantRole, Trajectory
from estafette.trajectories.services import participant_add

MIN_REASON_LENGTH = 15


def emergency_access_open(*, actor: Actor, trajectory_pk: int, reason: str) -> EmergencyAccess:
    """Grant the actor's user time-boxed access to a trajectory it may not normally open.

    Contract: only professional roles (:func:`policy.may_request_emergency_access`,
    else :class:`NotPermitted`); a reason of at least a sentence is required;
    the grant lasts ``ESTAFETTE_EMERGENCY_ACCESS_HOURS``; it is audited with
    the reason, shown to the holder and listed for review. An unknown
    trajectory answers 404, and the attempt is audited; a number outside
    :data:`core.bounds.RECORD_NUMBER` is refused with ``InvalidInput``.
    """
    if not may_request_emergency_access(actor):
        raise NotPermitted(messages.EMERGENCY_PROFESSIONALS_ONLY)
    # A number no record can have is a typo, refused before the lookup and its audit entry.
    bounds.check_number(bounds.RECORD_NUMBER, trajectory_pk)
    trajectory = Trajectory.objects.filter(pk=trajectory_pk).first()
    if trajectory is None:
        # Outside any transaction of this service: the refusal is kept although it raises.
        refuse_not_found(
            actor=actor,
            object_type="trajectories.trajectory",
            object_id=trajectory_pk,
            message=messages.NO_TRAJECTORY_WITH_NUMBER,
            what="emergency access",
        )
    return _grant(actor, trajectory, reason)


@transaction.atomic
def _grant(actor: Actor, trajectory: Trajectory, reason: str) -> EmergencyAccess:
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise InvalidInput(messages.EMERGENCY_REASON_REQUIRED)
    if trajectory_scope(actor).filter(pk=trajectory.pk).exists():
        raise Conflict(messages.EMERGENCY_NOT_NEEDED)
    now = clock.now()
    grant = EmergencyAccess.objects.create(
        user=actor.user,
        organisation=actor.organisation,
        trajectory=trajectory,
        reason=reason,
        started_at=now,
        expires_at=now + dt.timedelta(hours=emergency_access_hours()),
    )
    audit_record(
        actor=actor,
        action=AuditAction.EMERGENCY,
        target=grant,
        person_id=trajectory.person_id,
        trajectory=trajectory.pk,
        reason=reason,
        expires_at=grant.expires_at.isoformat(),
    )
    return grant


@transaction.atomic
def emergency_access_review(
    *, actor: Actor, grant: EmergencyAccess, note: str = ""
) -> EmergencyAccess:
    """The holder's organisation marks an emergency access as reviewed (with an optional note).

    Contract: only a reviewing role (:func:`policy.may_review_emergency_access`)
    of the organisation that holds the baton now; once only.
    """
    if not may_review_emergency_access(actor):
        raise NotPermitted(messages.ONLY_HOLDER_REVIEWS)
    grant = (
        EmergencyAccess.objects.select_for_update().select_related("trajectory").get(pk=grant.pk)
    )
    if grant.trajectory.baton_holder_id != actor.organisation_id:
        raise NotPermitted(messages.ONLY_HOLDER_REVIEWS)
    if grant.reviewed_at is not None:
        raise Conflict(messages.ALREADY_REVIEWED)
    grant.reviewed_at = clock.now()
    grant.reviewed_by = actor.user
    grant.review_note = note.strip()
    grant.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=grant,
        person_id=grant.trajectory.person_id,
        field="reviewed",
    )
    return grant


# --- "give us a part in this file" (issue 12, decision 0017) ---------------------------


def _reference() -> str:
    """A short reference the requester can quote; random, so it says nothing of counts."""
    return "D-" + secrets.token_hex(4).upper()


@transaction.atomic
def part_request_ask(*, actor: Actor, criteria: Criteria) -> str:
    """Ask the holders of any file matching ``criteria`` to give the actor a part.

    Contract: only :func:`policy.may_ask_for_part` (else :class:`NotPermitted`). Writes one
    :class:`PartRequest` per open trajectory of the people :func:`register_matches` finds
    (routed to its baton holder; one already asked for by this organisation and still
    open is not asked twice), or one without a trajectory when nothing matches — the rows
    keep a keyed hash of the criteria, never the criteria. Audited (CREATE
    ``access.partrequest`` with the reference and the number of rows, which the requester
    never sees). Returns the reference, the same kind of answer whatever was found.
    """
    if not may_ask_for_part(actor):
        raise NotPermitted(messages.PART_REQUEST_NOT_FOR_ROLE)
    reference = _reference()
    digest = criteria_digest(criteria)
    asked = PartRequest.objects.filter(
        requester_organisation=actor.organisation, status=PartRequestStatus.OPEN
    )
    trajectories = [
        t
        for t in trajectories_of(register_matches(criteria)).exclude(
            baton_holder_id=actor.organisation_id
        )
        if not asked.filter(trajectory=t).exists()
    ]
    now = clock.now()
    rows = [
        PartRequest(
            reference=reference,
            requester_organisation=actor.organisation,
            requested_by=actor.user,
            criteria_digest=digest,
            trajectory=trajectory,
            created_at=now,
        )
        for trajectory in trajectories
    ] or [
        PartRequest(
            reference=reference,
            requester_organisation=actor.organisation,
            requested_by=actor.user,
            criteria_digest=digest,
            created_at=now,
        )
    ]
    PartRequest.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="access.partrequest",
        object_id=reference,
        routed=len(trajectories),
        trajectory_ids=[t.pk for t in trajectories],
    )
    return reference


@transaction.atomic
def part_request_answer(*, actor: Actor, request: PartRequest, grant: bool) -> PartRequest:
    """The holder grants (the requester runs alongside, role "other") or declines a request.

    Contract: only :func:`policy.may_answer_part_request` of the organisation that holds
    the trajectory's baton now (else :class:`NotPermitted`); once (else :class:`Conflict`).
    A grant gives a *part*, not a ground: the requester still needs the person's consent
    (or a legal basis) to see more than the relay. Audited; a grant also writes the
    participant's own timeline line and audit entry (``participant_add``).
    """
    if not may_answer_part_request(actor):
        raise NotPermitted(messages.PART_REQUEST_ONLY_HOLDER)
    request = (
        # Lock the request row only: its file is a nullable join, which PostgreSQL may
        # not lock ("FOR UPDATE cannot be applied to the nullable side of an outer join").
        PartRequest.objects.select_for_update(of=("self",))
        .select_related("trajectory", "requester_organisation")
        .get(pk=request.pk)
    )
    trajectory = request.trajectory
    if trajectory is None or trajectory.baton_holder_id != actor.organisation_id:
        raise NotPermitted(messages.PART_REQUEST_ONLY_HOLDER)
    if request.status != PartRequestStatus.OPEN:
        raise Conflict(messages.PART_REQUEST_ANSWERED)
    if grant:
        already = Participant.objects.filter(
            Q(until__isnull=True) | Q(until__gte=clock.today()),
            trajectory=trajectory,
            organisation=request.requester_organisation,
        ).exists()
        if not already:
            participant_add(
                actor=actor,
                trajectory=trajectory,
                organisation=request.requester_organisation,
                role=ParticipantRole.OTHER,
            )
    request.status = PartRequestStatus.GRANTED if grant else PartRequestStatus.DECLINED
    request.answered_at = clock.now()
    request.answered_by = actor.user
    request.save(update_fields=["status", "answered_at", "answered_by"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=request,
        person_id=trajectory.person_id,
        field="status",
        new=request.status,
    )
    return request


# --- emergency access from a name and date of birth (issue 12) --------------------------


def emergency_access_open_by_criteria(
    *, actor: Actor, criteria: Criteria, reason: str
) -> EmergencyAccess:
    """Emergency access starting from who the person is, not from an internal number.

    Contract: only professional roles (else :class:`NotPermitted`); the reason is checked
    first, so nothing is looked up without one. Then the register is searched
    (:func:`register_matches`: the same names, case and spaces ignored, and date of birth,
    or the same BSN/V-number): exactly one person → their newest open trajectory (newest
    of all when every one is closed) is opened like :func:`emergency_access_open` (a file the
    actor may already open answers :data:`messages.EMERGENCY_NOT_NEEDED`, 409); several
    people → :data:`messages.EMERGENCY_SEVERAL_MATCHES` (add the number); nobody →
    :data:`messages.EMERGENCY_NO_MATCH`. Nothing about a match is shown before the grant.
    Every refusal is audited (DENIED, what="emergency access by name", the outcome, never
    the criteria).
    """
    if not may_request_emergency_access(actor):
        raise NotPermitted(messages.EMERGENCY_PROFESSIONALS_ONLY)
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise InvalidInput(messages.EMERGENCY_REASON_REQUIRED)
    people = register_matches(criteria)
    if criteria.identifier_value and len(people) > 1:
        numbered = [
            p
            for p in people
            if p.identifiers.filter(
                kind=criteria.identifier_kind, value=criteria.identifier_value
            ).exists()
        ]
        people = numbered or people
    if len(people) != 1:
        outcome = "several" if people else "none"
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            object_type="access.emergencyaccess",
            what="emergency access by name",
            outcome=outcome,
        )
        raise InvalidInput(
            messages.EMERGENCY_SEVERAL_MATCHES if people else messages.EMERGENCY_NO_MATCH
        )
    trajectories = Trajectory.objects.filter(person=people[0]).order_by("-opened_at", "-pk")
    trajectory = trajectories.exclude(phase="closed").first() or trajectories.first()
    if trajectory is None:
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            object_type="access.emergencyaccess",
            what="emergency access by name",
            outcome="none",
        )
        raise InvalidInput(messages.EMERGENCY_NO_MATCH)
    if trajectory_scope(actor).filter(pk=trajectory.pk).exists():
        # The actor may open this file already: saying which one reveals nothing new.
        raise AlreadyOpen(messages.EMERGENCY_NOT_NEEDED, trajectory_pk=trajectory.pk)
    return _grant(actor, trajectory, reason)


class AlreadyOpen(Conflict):
    """No emergency access needed: the actor may open ``trajectory_pk`` already (409)."""

    def __init__(self, message: Any, *, trajectory_pk: int) -> None:
        super().__init__(message)
        self.trajectory_pk = trajectory_pk
