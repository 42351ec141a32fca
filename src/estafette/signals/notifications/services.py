"""Notifications of signals and handovers: the fan-out, a user's own changes, the task entries.

* :func:`notifications_fan_out` — every raised or reopened signal, and every
  step of a handover, becomes a notification for the people of the
  organisation concerned who can act.
* :func:`notification_preference_set`, :func:`notification_mark_read`,
  :func:`notifications_mark_all_read` — a user's own changes.
* :func:`notifications_after_evaluation`, :func:`notifications_after_handover`
  and :func:`notifications_send_daily_digests` — what the task runner (and the
  ``notifications_send`` command) call.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from estafette.access.policy import ALL_ROLES, NOTIFIED_ROLES
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import InvalidInput
from estafette.core.isolation import NOT_LOCAL, Failure, Report, describe, isolated, set_aside
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.handovers.models import HandoverTransition
from estafette.handovers.workflow import Party
from estafette.handovers.workflow import State as HandoverState
from estafette.organisations.models import Membership
from estafette.signals.lifecycle import SignalState
from estafette.signals.models import EventKind, SignalEvent
from estafette.signals.notifications import messages
from estafette.signals.notifications.models import (
    DEFAULT_FREQUENCY,
    EmailFrequency,
    Notification,
    NotificationPreference,
)
from estafette.signals.notifications.outbox import (
    SendResult,
    emails_queue_daily_digests,
    emails_queue_immediate,
    emails_send_due,
)
from estafette.signals.rules.base import role_for_kind

logger = logging.getLogger(__name__)

NOTIFIED_KINDS = (EventKind.RAISED, EventKind.REOPENED)
"""The events that ask someone to act: a new signal, or one back from a snooze."""

NEVER_NOTIFIED_ROLES: frozenset[str] = ALL_ROLES - NOTIFIED_ROLES
"""Never addressed, not even when nobody of the organisation has the addressee role: every
role outside the access policy's :data:`~estafette.access.policy.NOTIFIED_ROLES`.

Volunteers and buddies must not carry that load (DOMAIN.md §2, §10); the
administrator manages accounts, not care.
"""

HANDOVER_ADDRESSEE: dict[str, Party] = {
    "send": Party.RECEIVER,
    "withdraw": Party.RECEIVER,
    "accept": Party.SENDER,
    "decline": Party.SENDER,
    "expire": Party.SENDER,
    "take_up": Party.SENDER,
    "no_show": Party.SENDER,
}
"""Which party of a handover hears of each step: always the one that did not take it.

The receiver hears of a new handover (it must answer) and of its withdrawal (it
stops preparing); the sender hears of every answer and outcome (it reviews them,
and after a decline, expiry or no-show it holds the baton again).
"""

FAN_OUT_WINDOW = dt.timedelta(days=2)
"""How far back the fan-out looks for sources without notifications (it runs every few minutes)."""


# --- fan-out ---------------------------------------------------------------------------

SIGNAL_EVENT = "notifications of signal event"
HANDOVER_TRANSITION = "notifications of handover transition"
"""What a set-aside source is called in the log and the run's report."""

Members = dict[int, dict[str, set[int]]]
"""Organisation id → role → the users who may be notified in that role."""

Batches = dict[tuple[str, int], list[Notification]]
"""(kind of source, its id) → the notifications it makes: a source is written whole or not."""


@transaction.atomic
def notifications_fan_out(*, since: dt.datetime | None = None, report: Report | None = None) -> int:
    """Notify the people who can act of every new signal event and handover transition.

    Sources, from ``since`` (default: the last :data:`FAN_OUT_WINDOW`), each
    only while it has no notification yet:

    * a raised or reopened event of a signal still live — to the active members
      of the signal's addressee organisation in the signal's addressee role;
    * a handover transition (:data:`HANDOVER_ADDRESSEE`) — to the active members
      of the party that did *not* take it (a new handover: the receiver; an
      answer or outcome: the sender; a withdrawal: the receiver), in the role
      that acts for an organisation of that kind (``signals.rules.base.ROLE_FOR_KIND``),
      never the user who took it. A new handover already answered by the time
      of the fan-out (a worker that was down) notifies nobody: it waits no more.

    In both cases, if nobody of the organisation has the role, every active
    member in a professional role is notified instead; never
    :data:`NEVER_NOTIFIED_ROLES`, never an inactive membership, user or
    organisation.

    Set-based: three reads (events, transitions, members) and one bulk insert,
    however many sources. Idempotent: the unique constraints (user, event) and
    (user, handover transition) ignore a second insert, so running it twice
    (or in two workers at once) creates nothing new. Returns the number of
    notifications written (a racing worker's duplicates included).

    Faults stay local: a source whose notifications cannot be built or written
    is logged with its id, added to ``report`` and left for the next run (it
    still has no notification then); the other sources are notified. Only
    when the bulk insert fails are the sources written one by one, each in a
    savepoint, to find the one at fault.
    """
    since = since or clock.now() - FAN_OUT_WINDOW
    events = _new_signal_events(since)
    transitions = _new_handover_transitions(since)
    if not events and not transitions:
        return 0
    members = _members({event[4] for event in events} | _addressees(transitions))
    batches: Batches = {}
    for event in events:
        try:
            batches[SIGNAL_EVENT, event[0]] = _notifications_for(event, members)
        except Exception as error:
            set_aside(SIGNAL_EVENT, event[0], error, report)
    for transition in transitions:
        try:
            batches[HANDOVER_TRANSITION, transition[0]] = _handover_notifications_for(
                transition, members
            )
        except Exception as error:
            set_aside(HANDOVER_TRANSITION, transition[0], error, report)
    return _write(batches, report)


def _new_signal_events(since: dt.datetime) -> list[tuple[Any, ...]]:
    """Raised/reopened events since ``since`` of live signals, not yet fanned out."""
    return list(
        SignalEvent.objects.filter(kind__in=list(NOTIFIED_KINDS), at__gte=since)
        .exclude(signal__state=SignalState.RESOLVED.value)
        .exclude(Exists(Notification.objects.filter(event_id=OuterRef("pk"))))
        .values_list(
            "pk", "signal_id", "kind", "at", "signal__addressee_id", "signal__addressee_role"
        )
    )


def _new_handover_transitions(since: dt.datetime) -> list[tuple[Any, ...]]:
    """Notified handover transitions since ``since``, not yet fanned out (see the fan-out)."""
    return list(
        HandoverTransition.objects.filter(action__in=list(HANDOVER_ADDRESSEE), at__gte=since)
        # A new handover answered before anyone was told of it no longer waits for anyone.
        .exclude(Q(action="send") & ~Q(handover__state=HandoverState.SENT))
        .exclude(Exists(Notification.objects.filter(handover_transition_id=OuterRef("pk"))))
        .values_list(
            "pk",
            "action",
            "at",
            "user_id",
            "handover__sender_id",
            "handover__sender__kind",
            "handover__receiver_id",
            "handover__receiver__kind",
        )
        .order_by("at", "pk")
    )


def _addressee(transition: tuple[Any, ...]) -> tuple[int, str]:
    """The organisation that hears of ``transition``, and its kind."""
    _pk, action, _at, _user, sender_id, sender_kind, receiver_id, receiver_kind = transition
    if HANDOVER_ADDRESSEE[action] == Party.RECEIVER:
        return receiver_id, receiver_kind
    return sender_id, sender_kind


def _addressees(transitions: list[tuple[Any, ...]]) -> set[int]:
    addressees = set()
    for transition in transitions:
        with contextlib.suppress(KeyError, ValueError):  # a bad row is set aside later
            addressees.add(_addressee(transition)[0])
    return addressees


def _members(organisation_ids: set[int]) -> Members:
    """Who may be notified in each organisation, by role: one query (see the fan-out)."""
    members: Members = defaultdict(lambda: defaultdict(set))
    for org_id, user_id, role in (
        Membership.objects.filter(
            organisation_id__in=organisation_ids,
            is_active=True,
            organisation__is_active=True,
            user__is_active=True,
        )
        .exclude(role__in=NEVER_NOTIFIED_ROLES)
        .values_list("organisation_id", "user_id", "role")
    ):
        members[org_id][role].add(user_id)
    return members


def _recipients(members: Members, org_id: int, role: str) -> set[int]:
    """The members of ``org_id`` in ``role``; if none, every member who may be notified."""
    roles = members.get(org_id, {})
    return set(roles.get(role) or set().union(*roles.values()))


def _notifications_for(event: tuple[Any, ...], members: Members) -> list[Notification]:
    """The notifications of one signal event: one per user who can act (see the fan-out)."""
    event_id, signal_id, kind, at, org_id, role = event
    return [
        Notification(
            user_id=user_id,
            organisation_id=org_id,
            event_id=event_id,
            signal_id=signal_id,
            kind=kind,
            created_at=at,
        )
        for user_id in sorted(_recipients(members, org_id, role))
    ]


def _handover_notifications_for(
    transition: tuple[Any, ...], members: Members
) -> list[Notification]:
    """The notifications of one handover transition: the other party's people who can act."""
    transition_id, action, at, actor_user_id = transition[:4]
    org_id, kind = _addressee(transition)
    # Whoever took the step knows it, also when they work for both organisations.
    users = _recipients(members, org_id, role_for_kind(kind)) - {actor_user_id}
    return [
        Notification(
            user_id=user_id,
            organisation_id=org_id,
            handover_transition_id=transition_id,
            kind=action,
            created_at=at,
        )
        for user_id in sorted(users)
    ]


def _write(batches: Batches, report: Report | None) -> int:
    """Insert every batch at once; if that fails, batch by batch, setting the bad ones aside."""
    rows = [row for batch in batches.values() for row in batch]
    try:
        with transaction.atomic():
            # ignore_conflicts: a worker racing this one may have written some already.
            Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        return len(rows)
    except NOT_LOCAL:
        raise
    except Exception as error:
        logger.warning("notifying %d sources raised %s; one by one", len(batches), describe(error))
    written = 0
    for (what, source_id), batch in batches.items():
        with isolated(what, source_id, report):
            Notification.objects.bulk_create(batch, ignore_conflicts=True)
            written += len(batch)
    return written


# --- a user's own changes ------------------------------------------------------------


def notification_preference_get(*, actor: Actor) -> str:
    """The actor's e-mail frequency (the default, a daily summary, when never chosen)."""
    frequency = (
        NotificationPreference.objects.filter(user_id=actor.user_id)
        .values_list("email_frequency", flat=True)
        .first()
    )
    return frequency or DEFAULT_FREQUENCY


@transaction.atomic
def notification_preference_set(*, actor: Actor, email_frequency: str) -> NotificationPreference:
    """Set how often the actor's user gets e-mail about new signals; audited with before/after."""
    if email_frequency not in EmailFrequency.values:
        raise InvalidInput(messages.UNKNOWN_FREQUENCY)
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=actor.user
    )
    before = preference.email_frequency if not _created else ""
    preference.email_frequency = email_frequency
    preference.updated_at = clock.now()
    preference.save()
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=preference,
        field="email_frequency",
        before=before or DEFAULT_FREQUENCY,
        after=email_frequency,
    )
    return preference


def notification_mark_read(*, actor: Actor, pk: int) -> Notification:
    """Mark one of the actor's own notifications read (404 for anyone else's, audited).

    Marking read is not audited: it changes only the reader's own list, no fact
    about a person, and the row keeps ``read_at``. A number that is not one of
    the reader's own notifications is a guess, and its refusal is (issue 11).
    """
    notification = (
        Notification.objects.filter(pk=pk, user_id=actor.user_id).select_related("signal").first()
    )
    if notification is None:
        refuse_not_found(
            actor=actor,
            object_type="signals.notification",
            object_id=pk,
            message=messages.NOT_FOUND,
        )
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: Actor) -> int:
    """Mark every unread notification of the actor (for its current organisation) read."""
    return Notification.objects.filter(
        user_id=actor.user_id, organisation_id=actor.organisation_id, read_at__isnull=True
    ).update(read_at=clock.now())


# --- what the task runner calls ------------------------------------------------------


@dataclass(frozen=True)
class NotificationRun:
    notified: int
    queued: int
    sending: SendResult
    set_aside: tuple[Failure, ...] = field(default=())
    """Signal events and handover transitions that could not be notified, and users whose
    e-mail could not be queued, in this run (logged with their ids; the next run tries
    them again). Messages that could not be sent are in ``sending`` (retrying, failed)."""


def _notification_run(queue: Callable[..., int]) -> NotificationRun:
    """Fan out what is new, queue e-mail with ``queue``, send what is due; failures set aside."""
    report = Report()
    notified = notifications_fan_out(report=report)
    queued = queue(report=report)
    return NotificationRun(
        notified=notified,
        queued=queued,
        sending=emails_send_due(),
        set_aside=tuple(report.failures),
    )


def notifications_after_evaluation() -> NotificationRun:
    """After an evaluation: fan out new events, queue immediate e-mail, send what is due.

    Safe to run as often as wanted and in several workers: each step is idempotent.
    One event, user or message that fails stops none of the others (``set_aside``).
    """
    return _notification_run(emails_queue_immediate)


def notifications_after_handover() -> NotificationRun:
    """After a handover step commits: the same run, so its people hear of it at once.

    Enqueued by :func:`estafette.signals.notifications.schedule.notify_handover_steps`
    (task :func:`estafette.signals.notifications.tasks.notify`). The fan-out is
    set-based, so it also picks up whatever else is new; immediate users get
    their e-mail now, daily users in tomorrow's (or today's) summary.
    """
    return _notification_run(emails_queue_immediate)


def notifications_send_daily_digests() -> NotificationRun:
    """Queue today's summaries (once per user per day, from the digest hour) and send what is due.

    Fans out first, so a summary counts every signal and handover step until now.
    """
    return _notification_run(emails_queue_daily_digests)
