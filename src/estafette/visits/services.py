"""Every change in the visits app: one audited function each, inside a transaction.

Each service also says the trajectory changed, for after the commit
(:func:`estafette.core.changes.trajectory_changed_after_commit`); the signals app
listens and re-evaluates the trajectory's signals: the rules
in ``signals/rules/visits.py`` read exactly these facts, so recording a visit
closes "volunteer visit overdue" at once.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from estafette.access import policy
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import trajectory_changed_after_commit
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.trajectories.models import Phase, Route, Trajectory
from estafette.visits import messages
from estafette.visits.models import (
    Channel,
    ContactMoment,
    RequestState,
    VolunteerRequest,
)

NOTE_MAX = 1000
"""A short note, not a report: volunteers must not carry professional paperwork (DOMAIN.md §10)."""

WITHDRAWAL_REASON_MAX = 500
"""Why a contact is withdrawn, in a sentence or two."""


def kinds_for(actor: Actor) -> tuple[str, ...]:
    """The kinds of contact the actor's role may record: the access policy's
    :data:`~estafette.access.policy.CONTACT_KINDS_BY_ROLE`."""
    return policy.contact_kinds_for(actor)


def _lock_in_scope(actor: Actor, trajectory: Trajectory) -> Trajectory:
    """Re-read the trajectory under a lock, only if the actor may open it (else NotPermitted)."""
    locked = policy.trajectory_scope(actor).select_for_update().filter(pk=trajectory.pk).first()
    if locked is None:
        raise NotPermitted(messages.NO_PART)
    if locked.phase == Phase.CLOSED:
        raise Conflict(messages.CLOSED)
    return locked


@transaction.atomic
def contact_record(
    *,
    actor: Actor,
    trajectory: Trajectory,
    kind: str,
    happened_on: dt.date,
    channel: str = Channel.FACE_TO_FACE,
    note: str = "",
) -> ContactMoment:
    """Record that a contact (or milestone) of ``kind`` happened on ``happened_on``.

    Contract: the actor's organisation may open the trajectory and its role may
    record ``kind`` (``access.policy.may_record_contact``); the date is not in the future, not
    more than twenty years back (:data:`core.bounds.CONTACT_ON`) and not before
    the detention started (when known); a note
    only from an actor who may read notes of this person. Writes the moment
    and an audit entry (without the note's text) and schedules the signal
    evaluation, all or nothing.
    """
    if not policy.may_record_contact(actor, kind):
        raise NotPermitted(messages.KIND_NOT_FOR_ROLE)
    locked = _lock_in_scope(actor, trajectory)
    bounds.check_date(bounds.CONTACT_ON, happened_on, too_late=messages.IN_FUTURE)
    if locked.detention_start is not None and happened_on < locked.detention_start:
        raise InvalidInput(messages.BEFORE_START)
    note = note.strip()
    if note:
        if len(note) > NOTE_MAX:
            raise InvalidInput(messages.NOTE_TOO_LONG, max=NOTE_MAX)
        if not policy.access_for(actor, locked).sees(DataClass.NOTES):
            raise NotPermitted(messages.NOTE_NOT_SHARED)
    moment = ContactMoment.objects.create(
        trajectory=locked,
        kind=kind,
        happened_on=happened_on,
        channel=channel,
        note=note,
        organisation=actor.organisation,
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=moment,
        person_id=locked.person_id,
        kind=kind,
        happened_on=happened_on.isoformat(),
        with_note=bool(note),
    )
    trajectory_changed_after_commit(locked.pk)
    return moment


@transaction.atomic
def contact_withdraw(*, actor: Actor, moment: ContactMoment, reason: str) -> ContactMoment:
    """Withdraw a contact recorded by mistake, with a reason; it stays, marked, and stops counting.

    Contract: only the user who recorded the contact, acting for the organisation it
    was recorded for, may withdraw it (else :class:`NotPermitted`): a colleague who
    spots a mistake asks the recorder, because a withdrawal says "I recorded this
    wrongly", which only the recorder can say. The actor's organisation must still be
    able to open the trajectory (else ``NotPermitted``); a closed trajectory may still
    be corrected. A reason is required, at most :data:`WITHDRAWAL_REASON_MAX`
    characters (else :class:`InvalidInput`); a contact is withdrawn once (else
    :class:`Conflict`). The row is never deleted: ``withdrawn_at``, ``withdrawn_by``
    and ``withdrawal_reason`` are set together with an audit entry (without the
    reason's text, which is a note), all or nothing, and the trajectory's signals are
    re-evaluated after commit, since the contact no longer counts for its norm.
    """
    locked = policy.trajectory_scope(actor).select_for_update().filter(pk=moment.trajectory_id)
    trajectory = locked.first()
    if trajectory is None:
        raise NotPermitted(messages.NO_PART)
    moment = ContactMoment.objects.select_for_update().get(pk=moment.pk)
    if moment.recorded_by_id != actor.user.pk or moment.organisation_id != actor.organisation_id:
        raise NotPermitted(messages.NOT_YOUR_CONTACT)
    if moment.is_withdrawn:
        raise Conflict(messages.ALREADY_WITHDRAWN)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(messages.WITHDRAWAL_REASON_REQUIRED)
    if len(reason) > WITHDRAWAL_REASON_MAX:
        raise InvalidInput(messages.WITHDRAWAL_REASON_TOO_LONG, max=WITHDRAWAL_REASON_MAX)
    moment.withdrawn_at = clock.now()
    moment.withdrawn_by = actor.user
    moment.withdrawal_reason = reason
    moment.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=moment,
        person_id=trajectory.person_id,
        field="withdrawn",
        kind=moment.kind,
        happened_on=moment.happened_on.isoformat(),
    )
    trajectory_changed_after_commit(trajectory.pk)
    return moment


@transaction.atomic
def volunteer_request_open(
    *, actor: Actor, trajectory: Trajectory, note: str = ""
) -> VolunteerRequest:
    """Ask for a visiting volunteer for a person detained abroad.

    Contract: only a coordinator (``access.policy.may_ask_for_volunteer``) of an organisation
    that may open the trajectory; abroad only; at most one open request.
    Records the country of detention of today.
    """
    if not policy.may_ask_for_volunteer(actor):
        raise NotPermitted(messages.REQUEST_NOT_FOR_ROLE)
    locked = _lock_in_scope(actor, trajectory)
    if locked.route == Route.DOMESTIC:
        raise Conflict(messages.REQUEST_ABROAD_ONLY)
    if VolunteerRequest.objects.filter(trajectory=locked, state=RequestState.OPEN).exists():
        raise Conflict(messages.REQUEST_OPEN)
    request = VolunteerRequest.objects.create(
        trajectory=locked,
        country_id=locked.country_id,
        requested_on=clock.today(),
        requested_by=actor.user,
        requested_for=actor.organisation,
        note=note.strip()[:NOTE_MAX],
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=request, person_id=locked.person_id)
    trajectory_changed_after_commit(locked.pk)
    return request


@transaction.atomic
def volunteer_request_answer(
    *, actor: Actor, request: VolunteerRequest, state: str, note: str = ""
) -> VolunteerRequest:
    """Record the answer to an open request: a volunteer found, or none available there.

    Contract: only a coordinator of an organisation that may open the
    trajectory; only an open request; ``state`` is ``matched`` or
    ``none_available``.
    """
    if not policy.may_ask_for_volunteer(actor):
        raise NotPermitted(messages.REQUEST_NOT_FOR_ROLE)
    if state not in (RequestState.MATCHED, RequestState.NONE_AVAILABLE):
        raise InvalidInput(messages.REQUEST_NOT_OPEN)
    locked = _lock_in_scope(actor, request.trajectory)
    request = VolunteerRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.OPEN:
        raise Conflict(messages.REQUEST_NOT_OPEN)
    request.state = state
    request.answered_on = clock.today()
    request.answered_by = actor.user
    if note.strip():
        request.note = note.strip()[:NOTE_MAX]
    request.save(update_fields=["state", "answered_on", "answered_by", "note"])
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        target=request,
        person_id=locked.person_id,
        state=state,
    )
    trajectory_changed_after_commit(locked.pk)
    return request
