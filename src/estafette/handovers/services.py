"""The baton changes hands only here: send, then accept/decline/withdraw/expire, then outcome.

Every function validates against the state table in ``workflow``, locks the
trajectory row, writes the transition, the timeline event and the audit
entry in one transaction, and raises a domain error (HTTP 409/403/400 with a
sentence) for anything illegal, leaving nothing half-saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from estafette.access.policy import shareable_classes
from estafette.consent.models import data_class_labels
from estafette.consent.policy import consent_check_handover
from estafette.consent.services import consent_disclose
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import (
    handover_step_recorded_after_commit,
    trajectory_changed_after_commit,
)
from estafette.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from estafette.core.isolation import Report, isolated
from estafette.core.models import AuditAction
from estafette.handovers import messages
from estafette.handovers.exchange import (
    AT_RELEASE_PURPOSES,
    committed_q,
    may_record_outcome,
    passes_at_release,
)
from estafette.handovers.models import Handover, HandoverTransition, Purpose
from estafette.handovers.workflow import BY_ACTION, BatonMove, Party, State, transition_for
from estafette.trajectories.models import EventKind, Phase, Trajectory
from estafette.trajectories.services import (
    baton_move,
    event_record,
    trajectory_record_domestic_entry,
)

DEFAULT_ANSWER_DAYS = 14
"""Default time a receiver gets to answer a handover (until norms make it configurable)."""

EVENT_FOR_ACTION = {
    "accept": EventKind.HANDOVER_ACCEPTED,
    "decline": EventKind.HANDOVER_DECLINED,
    "withdraw": EventKind.HANDOVER_WITHDRAWN,
    "expire": EventKind.HANDOVER_EXPIRED,
    "take_up": EventKind.TAKEN_UP,
    "no_show": EventKind.NO_SHOW,
}


@transaction.atomic
def handover_send(
    *,
    actor: Actor,
    trajectory: Trajectory,
    receiver: Any,
    purpose: str,
    message: str,
    information: str = "",
    data_classes: list[str] | None = None,
    respond_by: dt.date | None = None,
) -> Handover:
    """Put the baton in the air: the holder offers it to ``receiver``.

    Contract: only the current holder may send; at most one handover is
    pending per trajectory; a consent in force must cover the receiver for the
    purpose and every data class sent (sentence transfers rest on law), and the
    disclosure is recorded — with the message and information, which travel
    under the same consent (``ConsentDisclosure.message``); the sender may send
    only classes it may see itself (``access.policy.shareable_classes``); the
    answer date lies from today to a year ahead (:data:`core.bounds.ANSWER_DATE`);
    the sender stays holder until acceptance.
    """
    trajectory = (
        Trajectory.objects.select_for_update().select_related("baton_holder").get(pk=trajectory.pk)
    )
    if trajectory.phase == Phase.CLOSED:
        raise Conflict(messages.TRAJECTORY_CLOSED)
    if trajectory.baton_holder_id != actor.organisation_id:
        raise NotPermitted(messages.ONLY_HOLDER_SENDS, holder=str(trajectory.baton_holder))
    if receiver.pk == actor.organisation_id:
        raise InvalidInput(messages.NOT_TO_SELF)
    if not receiver.is_active:
        raise Conflict(messages.RECEIVER_INACTIVE, receiver=str(receiver))
    if not message.strip():
        raise InvalidInput(messages.MESSAGE_REQUIRED)
    today = clock.today()
    respond_by = respond_by or today + dt.timedelta(days=DEFAULT_ANSWER_DAYS)
    bounds.check_date(
        bounds.ANSWER_DATE, respond_by, today=today, too_early=messages.RESPOND_BY_PAST
    )
    pending = (
        Handover.objects.filter(trajectory=trajectory, state=State.SENT)
        .select_related("receiver")
        .first()
    )
    if pending is not None:
        raise Conflict(messages.ALREADY_IN_THE_AIR, receiver=str(pending.receiver))
    if purpose in AT_RELEASE_PURPOSES:
        _refuse_second_commitment(trajectory)
    # Never more than the sender may see itself (need-to-know, issue 4).
    beyond = set(data_classes or []) - shareable_classes(actor, trajectory)
    if beyond:
        raise NotPermitted(
            messages.NOT_YOURS_TO_SHARE, classes=", ".join(data_class_labels(beyond))
        )
    # Consent first (issue 4): the receiver must be covered for this purpose, and only
    # the data classes the consent covers may travel. The refusal names what to record.
    consent = consent_check_handover(
        person=trajectory.person,
        handover_purpose=purpose,
        recipient=receiver,
        data_classes=data_classes or [],
    )
    now = clock.now()
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                trajectory=trajectory,
                sender=actor.organisation,
                receiver=receiver,
                purpose=purpose,
                message=message.strip(),
                information=information.strip(),
                data_classes=sorted(set(data_classes or [])),
                respond_by=respond_by,
                sent_at=now,
                sent_by=actor.user,
            )
    except IntegrityError as exc:  # a concurrent send won the race for the pending slot
        raise Conflict(messages.ALREADY_IN_THE_AIR, receiver="?") from exc
    if consent is not None:
        consent_disclose(
            actor=actor,
            consent=consent,
            recipient=receiver,
            data_classes=handover.data_classes,
            handover=handover,
            message=True,  # written for the receiver, it travels under this consent (issue 10)
        )
    HandoverTransition.objects.create(
        handover=handover,
        action="send",
        source="",
        target=State.SENT,
        at=now,
        user=actor.user,
        organisation=actor.organisation,
    )
    # The receiver's people hear of it at once (docs/notifications.md).
    handover_step_recorded_after_commit()
    event_record(
        trajectory=trajectory,
        kind=EventKind.HANDOVER_SENT,
        actor=actor,
        at=now,
        summary=f"{actor.organisation} → {receiver}",
        handover=handover.pk,
        sender=actor.organisation.pk,
        receiver=receiver.pk,
        purpose=purpose,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=handover,
        person_id=trajectory.person_id,
        receiver=receiver.pk,
        purpose=purpose,
    )
    trajectory_changed_after_commit(trajectory.pk)
    return handover


def _refuse_second_commitment(trajectory: Trajectory, *, but: Handover | None = None) -> None:
    """At most one receiver is committed to take the baton at release (decision 0011)."""
    committed = Handover.objects.filter(committed_q(), trajectory=trajectory).select_related(
        "receiver"
    )
    if but is not None:
        committed = committed.exclude(pk=but.pk)
    first = committed.first()
    if first is not None:
        raise Conflict(messages.ALREADY_COMMITTED, receiver=str(first.receiver))


def _party_of(actor: Actor | None, handover: Handover) -> Party | None:
    if actor is None:
        return Party.SYSTEM
    if actor.organisation_id == handover.receiver_id:
        return Party.RECEIVER
    if actor.organisation_id == handover.sender_id:
        return Party.SENDER
    return None  # no part in this handover: matches no transition (not even the system's)


@transaction.atomic
def handover_transition(
    *,
    actor: Actor | None,
    handover: Handover,
    action: str,
    reason: str = "",
    entered_on: dt.date | None = None,
) -> Handover:
    """Apply ``action`` (accept, decline, withdraw, expire, take_up, no_show) to a handover.

    Contract:
    1. the action must exist and be allowed from the current state (else 409);
    2. only the party the table names may take it (else 403; ``actor=None`` is the system);
    3. a reason is required where the table says so (else 400);
    4. on a closed trajectory the baton does not move (else 409); a no-show hands the
       baton back only while the receiver still holds it and nothing is in the air (else 409);
    5. the baton moves as the table says, under a lock on the trajectory — except that
       accepting an at-release purpose while the person is detained commits the receiver
       and leaves the baton with the sender until release (decision 0011,
       :mod:`handovers.exchange`); at most one receiver is committed at a time (else 409);
    6. "taken up" and "no-show" only once the person is out of detention (a sentence
       transfer's receiver excepted: its "taken up" is the arrival in its prison), else 409;
    7. ``entered_on``, for a sentence transfer's accept or take-up, records the day the
       person entered the Dutch prison (the domestic norms run from it), within
       :data:`core.bounds.DETENTION_START`;
    8. transition, timeline event and audit entry are written together.
    """
    trajectory = Trajectory.objects.select_for_update().get(pk=handover.trajectory_id)
    handover = (
        Handover.objects.select_for_update()
        .select_related("sender", "receiver")
        .get(pk=handover.pk)
    )
    if action not in BY_ACTION:
        raise InvalidInput(messages.UNKNOWN_ACTION)
    transition = transition_for(action, handover.state)
    if transition is None:
        raise Conflict(
            messages.TRANSITION_NOT_ALLOWED,
            state=handover.get_state_display(),
            action=messages.ACTION_PAST.get(action, action),
        )
    party = _party_of(actor, handover)
    if party != transition.by:
        raise NotPermitted(messages.NOT_YOUR_PART, party=messages.PARTY[transition.by])
    if transition.reason_required and not reason.strip():
        raise InvalidInput(messages.REASON_REQUIRED)
    if transition.baton != BatonMove.STAYS and trajectory.phase == Phase.CLOSED:
        raise Conflict(messages.TRAJECTORY_CLOSED)  # a pending loop may close, the baton stays
    if action == "accept":
        _consent_still_in_force(trajectory=trajectory, handover=handover)
    commits = action == "accept" and passes_at_release(
        purpose=handover.purpose, phase=trajectory.phase
    )
    if commits:
        _refuse_second_commitment(trajectory, but=handover)
    if action in ("take_up", "no_show") and not may_record_outcome(
        purpose=handover.purpose, phase=trajectory.phase
    ):
        raise Conflict(messages.STILL_DETAINED, action=messages.ACTION_PAST[action])
    if entered_on is not None:
        if handover.purpose != Purpose.SENTENCE_TRANSFER or action not in ("accept", "take_up"):
            raise InvalidInput(messages.ENTRY_DATE_ONLY_FOR_TRANSFER)
        bounds.check_date(bounds.DETENTION_START, entered_on)
    if transition.baton == BatonMove.TO_SENDER:
        # The baton can only come back while the receiver still holds it and nothing is in
        # the air; otherwise it would be pulled away from whoever runs with it now.
        if trajectory.baton_holder_id != handover.receiver_id:
            raise Conflict(messages.BATON_MOVED_ON, receiver=str(handover.receiver))
        onward = Handover.objects.filter(trajectory=trajectory, state=State.SENT).first()
        if onward is not None:
            raise Conflict(messages.ALREADY_IN_THE_AIR, receiver=str(onward.receiver))

    now = clock.now()
    handover.state = transition.target
    handover.reason = reason.strip()
    if transition.source == State.SENT:
        handover.decided_at = now
    else:
        handover.outcome_at = now
    if transition.target == State.WITHDRAWN:
        handover.outcome_seen_at = now  # the sender withdrew it: nothing to review
    handover.save(update_fields=["state", "reason", "decided_at", "outcome_at", "outcome_seen_at"])
    HandoverTransition.objects.create(
        handover=handover,
        action=action,
        source=transition.source,
        target=transition.target,
        at=now,
        user=actor.user if actor else None,
        organisation=actor.organisation if actor else None,
        reason=reason.strip(),
    )
    # The other party's people hear of it at once (docs/notifications.md).
    handover_step_recorded_after_commit()
    if transition.baton == BatonMove.TO_RECEIVER and not commits:
        handover.baton_at = now
        handover.save(update_fields=["baton_at"])
        baton_move(trajectory=trajectory, to=handover.receiver, at=now, handover=handover)
    elif transition.baton == BatonMove.TO_SENDER:
        baton_move(trajectory=trajectory, to=handover.sender, at=now, handover=handover)
    if entered_on is not None:
        trajectory_record_domestic_entry(
            actor=actor, trajectory=trajectory, entered_on=entered_on, by_receiver=True
        )
    event_record(
        trajectory=trajectory,
        kind=EVENT_FOR_ACTION[action],
        actor=actor,
        at=now,
        reason=reason.strip(),
        summary=f"{handover.sender} → {handover.receiver}",
        handover=handover.pk,
        sender=handover.sender_id,
        receiver=handover.receiver_id,
        **({"committed": True} if commits else {}),
    )
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        target=handover,
        person_id=trajectory.person_id,
        transition=action,
        source=transition.source,
        target_state=transition.target,
    )
    trajectory_changed_after_commit(trajectory.pk)
    return handover


def _consent_still_in_force(*, trajectory: Trajectory, handover: Handover) -> None:
    """Refuse an accept when the consent the handover was sent under has since ended.

    Revocation takes effect at once (issue 4): a receiver must not take the
    baton, and with it the person's data, on a consent the person withdrew
    (or that expired) while the handover waited for an answer.
    """
    try:
        consent_check_handover(
            person=trajectory.person,
            handover_purpose=handover.purpose,
            recipient=handover.receiver,
            data_classes=handover.data_classes,
        )
    except DomainError as refusal:
        raise Conflict(
            messages.CONSENT_GONE_BEFORE_ACCEPT, why=str(refusal), sender=str(handover.sender)
        ) from refusal


def handover_accept(
    *, actor: Actor, handover: Handover, note: str = "", entered_on: dt.date | None = None
) -> Handover:
    """The receiver takes the baton (or, during detention, commits to take it at release)."""
    return handover_transition(
        actor=actor, handover=handover, action="accept", reason=note, entered_on=entered_on
    )


def handover_decline(*, actor: Actor, handover: Handover, reason: str) -> Handover:
    """The receiver refuses, with a reason; the sender keeps the baton and reviews the outcome."""
    return handover_transition(actor=actor, handover=handover, action="decline", reason=reason)


def handover_withdraw(*, actor: Actor, handover: Handover, reason: str) -> Handover:
    """The sender takes the offer back, with a reason."""
    return handover_transition(actor=actor, handover=handover, action="withdraw", reason=reason)


def handover_record_taken_up(
    *, actor: Actor, handover: Handover, note: str = "", entered_on: dt.date | None = None
) -> Handover:
    """The receiver reports that the person turned up (is in its guidance, or in its prison)."""
    return handover_transition(
        actor=actor, handover=handover, action="take_up", reason=note, entered_on=entered_on
    )


def handover_record_no_show(*, actor: Actor, handover: Handover, reason: str) -> Handover:
    """The receiver reports that the person did not turn up; the baton goes back to the sender."""
    return handover_transition(actor=actor, handover=handover, action="no_show", reason=reason)


def handover_expire_overdue(*, today: dt.date | None = None, report: Report | None = None) -> int:
    """Expire every pending handover whose answer date lies before ``today``; returns how many.

    Idempotent: a second run finds nothing more to expire. Each expiry is its
    own transaction (a savepoint in the caller's), so one failure does not hold
    back the rest: it is logged with the handover's id, added to ``report``
    when given, and tried again by the next run. (The worker and
    ``estafette handovers_expire`` pass a ``today`` some weeks back:
    :mod:`estafette.handovers.tasks`.)
    """
    today = today or clock.today()
    ids = list(
        Handover.objects.filter(state=State.SENT, respond_by__lt=today).values_list("pk", flat=True)
    )
    count = 0
    for pk in ids:
        with isolated("expiry of handover", pk, report):
            handover = Handover.objects.get(pk=pk)
            if handover.state != State.SENT:
                continue
            handover_transition(actor=None, handover=handover, action="expire")
            count += 1
    return count


@transaction.atomic
def handover_acknowledge_outcome(*, actor: Actor, handover: Handover) -> Handover:
    """The sender marks a final outcome as seen; the loop is closed for them."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.sender_id != actor.organisation_id:
        raise NotPermitted(messages.NOT_YOUR_PART, party=messages.PARTY["sender"])
    if not handover.outcome_to_review:
        raise Conflict(messages.NOTHING_TO_REVIEW)
    handover.outcome_seen_at = clock.now()
    handover.save(update_fields=["outcome_seen_at"])
    trajectory = Trajectory.objects.get(pk=handover.trajectory_id)
    event_record(
        trajectory=trajectory,
        kind=EventKind.OUTCOME_SEEN,
        actor=actor,
        handover=handover.pk,
        state=handover.state,  # a code: the timeline names it in the reader's language
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=handover,
        person_id=trajectory.person_id,
        field="outcome_seen",
    )
    return handover
