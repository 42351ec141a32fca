"""Every change to a basic condition: one audited function, inside a transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from estafette.access import policy
from estafette.conditions import messages
from estafette.conditions.models import Condition, ConditionStatus, Status
from estafette.conditions.policy import recording_refusal
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import trajectory_changed_after_commit
from estafette.core.errors import Conflict, InvalidInput
from estafette.core.models import AuditAction
from estafette.trajectories.models import Phase, Trajectory


@transaction.atomic
def condition_record(
    *,
    actor: Actor,
    trajectory: Trajectory,
    condition: str,
    status: str,
    since: dt.date | None = None,
) -> ConditionStatus:
    """Record that ``condition`` has ``status`` from ``since`` (default today).

    Contract:
    1. the trajectory row is locked, so two recordings of one condition serialise;
    2. only an actor who sees the CONDITIONS class, runs with the person now (holder
       or participant) and is not a volunteer or buddy may record (``NotPermitted``);
       a closed trajectory refuses (``Conflict``), as does an unchanged status;
    3. ``since`` lies neither in the future nor before the current status's own
       ``since`` nor more than twenty years back (:data:`core.bounds.CONDITION_SINCE`)
       (``InvalidInput``): history is appended, never rewritten;
    4. the current row gets ``until = since``, a new current row is written, an
       audit entry names old and new status, and the signals of the trajectory
       are evaluated after the commit.
    """
    if condition not in Condition.values:
        raise InvalidInput(messages.UNKNOWN_CONDITION)
    if status not in Status.values:
        raise InvalidInput(messages.UNKNOWN_STATUS)
    trajectory = Trajectory.objects.select_for_update().get(pk=trajectory.pk)
    refusal = recording_refusal(actor, policy.access_for(actor, trajectory))
    if refusal is not None:
        raise refusal
    if trajectory.phase == Phase.CLOSED:
        raise Conflict(messages.CLOSED)
    today = clock.today()
    since = since or today
    bounds.check_date(bounds.CONDITION_SINCE, since, today=today, too_late=messages.SINCE_IN_FUTURE)
    current = ConditionStatus.objects.filter(
        trajectory=trajectory, condition=condition, until__isnull=True
    ).first()
    old = current.status if current else Status.UNKNOWN
    if old == status:
        raise Conflict(messages.UNCHANGED)
    if current is not None:
        if since < current.since:
            raise InvalidInput(messages.SINCE_BEFORE_CURRENT, since=current.since.isoformat())
        current.until = since
        current.save(update_fields=["until"])
    row = ConditionStatus.objects.create(
        trajectory=trajectory,
        condition=condition,
        status=status,
        since=since,
        recorded_at=clock.now(),
        recorded_by=actor.user,
        organisation=actor.organisation,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=row,
        person_id=trajectory.person_id,
        field=f"condition:{condition}",
        old=old,
        new=status,
        since=since,
    )
    trajectory_changed_after_commit(trajectory.pk)
    return row


def condition_record_many(
    *, actor: Actor, trajectory: Trajectory, statuses: dict[str, Any], since: dt.date | None = None
) -> list[ConditionStatus]:
    """Record several conditions at once (a screening); each is one audited change.

    Unchanged conditions are skipped, so a screening form may send every field.
    """
    rows = []
    with transaction.atomic():
        current = dict(
            ConditionStatus.objects.filter(trajectory=trajectory, until__isnull=True).values_list(
                "condition", "status"
            )
        )
        for condition, status in statuses.items():
            if current.get(condition, Status.UNKNOWN) == status:
                continue
            rows.append(
                condition_record(
                    actor=actor,
                    trajectory=trajectory,
                    condition=condition,
                    status=status,
                    since=since,
                )
            )
    return rows
