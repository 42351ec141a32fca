"""Emergency access: open a file outside the rules, with a reason, for a limited time."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from estafette.access import messages
from estafette.access.models import EmergencyAccess
from estafette.access.policy import (
    emergency_access_hours,
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
from estafette.trajectories.models import Trajectory

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
