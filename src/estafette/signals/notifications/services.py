"""Notifications of signals: the fan-out, the user's own changes, and the two task entry points.

* :func:`notifications_fan_out` — every raised or reopened signal becomes a
  notification for the people of the addressee organisation who can act.
* :func:`notification_preference_set`, :func:`notification_mark_read`,
  :func:`notifications_mark_all_read` — a user's own changes.
* :func:`notifications_after_evaluation` and
  :func:`notifications_send_daily_digests` — what the task runner (and the
  ``notifications_send`` command) call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import InvalidInput
from estafette.core.isolation import NOT_LOCAL, Failure, Report, describe, isolated, set_aside
from estafette.core.models import AuditAction
from estafette.organisations.models import Membership, Role
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

logger = logging.getLogger(__name__)

NOTIFIED_KINDS = (EventKind.RAISED, EventKind.REOPENED)
"""The events that ask someone to act: a new signal, or one back from a snooze."""

NEVER_NOTIFIED_ROLES = frozenset({Role.VISITING_VOLUNTEER, Role.BUDDY, Role.ORGANISATION_ADMIN})
"""Never addressed, not even when nobody of the organisation has the addressee role.

Volunteers and buddies must not carry that load (DOMAIN.md §2, §10); the
administrator manages accounts, not care.
"""

FAN_OUT_WINDOW = dt.timedelta(days=2)
"""How far back the fan-out looks for events without notifications (it runs every few minutes)."""


# --- fan-out ---------------------------------------------------------------------------


@transaction.atomic
def notifications_fan_out(*, since: dt.datetime | None = None, report: Report | None = None) -> int:
    """Notify the people who can act of every raised or reopened signal since ``since``.

    Recipients of an event: the active members of the signal's addressee
    organisation in the signal's addressee role; if nobody has that role, every
    active member in a professional role (never :data:`NEVER_NOTIFIED_ROLES`).
    Only events of signals still live, not yet fanned out, from the last
    :data:`FAN_OUT_WINDOW` (default).

    Set-based: two reads and one bulk insert, however many events. Idempotent:
    the unique constraint (user, event) ignores a second insert, so running it
    twice (or in two workers at once) creates nothing new. Returns the number
    of notifications written (a racing worker's duplicates included).

    Faults stay local: an event whose notifications cannot be built or written
    is logged with its id, added to ``report`` and left for the next run
    (it still has no notification then); the other events are notified. Only
    when the bulk insert fails are the events written one by one, each in a
    savepoint, to find the one at fault.
    """
    since = since or clock.now() - FAN_OUT_WINDOW
    events = list(
        SignalEvent.objects.filter(kind__in=list(NOTIFIED_KINDS), at__gte=since)
        .exclude(signal__state=SignalState.RESOLVED.value)
        .exclude(Exists(Notification.objects.filter(event_id=OuterRef("pk"))))
        .values_list(
            "pk", "signal_id", "kind", "at", "signal__addressee_id", "signal__addressee_role"
        )
    )
    if not events:
        return 0
    members: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for org_id, user_id, role in (
        Membership.objects.filter(
            organisation_id__in={event[4] for event in events},
            is_active=True,
            organisation__is_active=True,
            user__is_active=True,
        )
        .exclude(role__in=NEVER_NOTIFIED_ROLES)
        .values_list("organisation_id", "user_id", "role")
    ):
        members[org_id][role].add(user_id)
    by_event: dict[int, list[Notification]] = {}
    for event in events:
        try:
            by_event[event[0]] = _notifications_for(event, members)
        except Exception as error:
            set_aside("notifications of signal event", event[0], error, report)
    rows = [row for event_rows in by_event.values() for row in event_rows]
    try:
        with transaction.atomic():
            # ignore_conflicts: a worker racing this one may have written some already.
            Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        return len(rows)
    except NOT_LOCAL:
        raise
    except Exception as error:
        logger.warning("notifying %d events raised %s; one by one", len(by_event), describe(error))
    written = 0
    for event_id, event_rows in by_event.items():
        with isolated("notifications of signal event", event_id, report):
            Notification.objects.bulk_create(event_rows, ignore_conflicts=True)
            written += len(event_rows)
    return written


def _notifications_for(
    event: tuple[Any, ...], members: dict[int, dict[str, set[int]]]
) -> list[Notification]:
    """The notifications of one event: one per user who can act (see the fan-out)."""
    event_id, signal_id, kind, at, org_id, role = event
    roles = members.get(org_id, {})
    users = roles.get(role) or set().union(*roles.values())
    return [
        Notification(
            user_id=user_id,
            organisation_id=org_id,
            event_id=event_id,
            signal_id=signal_id,
            kind=kind,
            created_at=at,
        )
        for user_id in sorted(users)
    ]


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
    """Mark one of the actor's own notifications read (404 for anyone else's).

    Not audited: it changes only the reader's own list, no fact about a person,
    and the row keeps ``read_at``.
    """
    notification = (
        Notification.objects.filter(pk=pk, user_id=actor.user_id).select_related("signal").first()
    )
    if notification is None:
        raise Http404(str(messages.NOT_FOUND))
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
    """Events that could not be notified and users whose e-mail could not be queued in this
    run (logged with their ids; the next run tries them again). Messages that could
    not be sent are in ``sending`` (retrying, failed)."""


def _notification_run(queue: Callable[..., int]) -> NotificationRun:
    """Fan out new events, queue e-mail with ``queue``, send what is due; failures set aside."""
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


def notifications_send_daily_digests() -> NotificationRun:
    """Queue today's summaries (once per user per day, from the digest hour) and send what is due.

    Fans out first, so a summary counts every signal raised until now.
    """
    return _notification_run(emails_queue_daily_digests)
