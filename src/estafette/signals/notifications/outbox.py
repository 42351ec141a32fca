"""The e-mail outbox: queue messages with the notifications they announce, send them, retry.

Contract (docs/notifications.md):

* A message is queued in the same transaction that links its notifications to
  it, so a notification is announced at most once, and only while unread.
* Immediate users get one message per batch of new notifications; daily users
  one summary per day (a unique constraint: never two on the same day).
* :func:`emails_send_due` claims one due message at a time
  (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's IMMEDIATE
  transactions serialise writers), hands it to the mail backend and marks it
  sent in the same transaction. A failure keeps it pending with exponential
  back-off; after ``ESTAFETTE_EMAIL_MAX_ATTEMPTS`` it is marked failed and
  stays in the admin (a malformed address at once). A message marked sent is
  never sent again. One message's failure holds up no other.
* Subject and body say how many new signals and handover steps there are and
  where to look — never a name, date of birth, offence, reason, message,
  organisation or anything else of a person.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from estafette.core import clock
from estafette.core.isolation import Report, set_aside
from estafette.signals.notifications.models import (
    EmailFrequency,
    EmailKind,
    EmailState,
    Notification,
    OutgoingEmail,
)

log = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=6)

CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)
"""SMTP errors that say the *server* is unavailable: stop this run, leave the rest for the next.

So does any other ``OSError`` (refused, unreachable, timed out, TLS failures), but
not the other SMTP errors, though they are ``OSError`` s too: a refused recipient,
sender or message concerns that one message (:func:`_ends_the_run`).
"""


def _ends_the_run(error: BaseException) -> bool:
    """Whether ``error`` says the server is unavailable, rather than refusing one message."""
    if isinstance(error, CONNECTION_ERRORS):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


# --- what a message says ------------------------------------------------------------


def site_link(url_name: str) -> str:
    """An absolute link to a page of this instance (``ESTAFETTE_SITE_URL`` + the path)."""
    return settings.ESTAFETTE_SITE_URL.rstrip("/") + reverse(url_name)


def compose(signals: int, waiting: int = 0, news: int = 0) -> tuple[str, str]:
    """Subject and body for what is new: numbers and two links, nothing else.

    ``signals``: new (or reopened) signals; ``waiting``: new handovers to the
    recipient's organisation, waiting for its answer; ``news``: answers and
    outcomes of handovers (accepted, declined, expired, taken up, no-show,
    withdrawn). Never which person, organisation, reason or message: a decline's
    reason stays in the app. One kind only: its own sentence ("You have 3 new
    signals", "1 handover for your organisation is waiting"); several: the total,
    then one line per kind.

    Written in the site's default language (``LANGUAGE_CODE``): the outbox keeps
    the text, so every attempt sends the very same message.
    """
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            sentence % {"count": count}
            for sentence, count in (
                (
                    ngettext(
                        "You have %(count)d new signal in Estafette",
                        "You have %(count)d new signals in Estafette",
                        signals,
                    ),
                    signals,
                ),
                (
                    ngettext(
                        "%(count)d handover for your organisation is waiting in Estafette",
                        "%(count)d handovers for your organisation are waiting in Estafette",
                        waiting,
                    ),
                    waiting,
                ),
                (
                    ngettext(
                        "%(count)d update on your organisation's handovers in Estafette",
                        "%(count)d updates on your organisation's handovers in Estafette",
                        news,
                    ),
                    news,
                ),
            )
            if count
        ]
        if len(lines) == 1:
            subject, listed = lines[0], []
        else:
            total = signals + waiting + news
            subject = ngettext(
                "You have %(count)d new notification in Estafette",
                "You have %(count)d new notifications in Estafette",
                total,
            ) % {"count": total}
            listed = [f"- {line}" for line in lines]
        body = "\n".join(
            [
                subject + ".",
                *listed,
                "",
                _("Sign in to see what needs doing:"),
                site_link("notifications"),
                "",
                _(
                    "On purpose, this e-mail says nothing about the people concerned: "
                    "that stays inside Estafette."
                ),
                _("Choose how often you get these e-mails:"),
                site_link("notification-settings"),
                "",
            ]
        )
    return subject, body


def _counts(notifications: list[Notification]) -> tuple[int, int, int]:
    """(signals, handovers waiting, handover news) among ``notifications``, for :func:`compose`."""
    signals = sum(1 for n in notifications if n.handover_transition_id is None)
    waiting = sum(1 for n in notifications if n.handover_transition_id and n.kind == "send")
    return signals, waiting, len(notifications) - signals - waiting


# --- queuing ---------------------------------------------------------------------------


def _to_mail(frequency_q: Q, exclude_users: Iterable[Any] | None = None) -> list[Notification]:
    """Unread notifications not yet announced, of users matching ``frequency_q``, locked."""
    rows = (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(frequency_q, email__isnull=True, read_at__isnull=True)
        .only("id", "user_id", "kind", "handover_transition_id")
        .order_by("id")
    )
    if exclude_users is not None:
        rows = rows.exclude(user_id__in=exclude_users)
    return list(rows)


def _queue(
    notifications: list[Notification],
    kind: str,
    digest_date: dt.date | None = None,
    report: Report | None = None,
) -> int:
    """One message per user for ``notifications``, and link each notification to it.

    A user whose message cannot be written (composing it raised) is logged and
    added to ``report``; their notifications stay unannounced, for the next
    run. The other users' messages are queued.
    """
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in notifications:
        by_user[notification.user_id].append(notification)
    if not by_user:
        return 0
    addresses = dict(
        get_user_model()
        .objects.filter(pk__in=list(by_user), is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    now = clock.now()
    messages: list[OutgoingEmail] = []
    for user_id, address in addresses.items():
        try:
            subject, body = compose(*_counts(by_user[user_id]))
        except Exception as error:
            set_aside("e-mail to user", user_id, error, report)
            continue
        messages.append(
            OutgoingEmail(
                recipient_id=user_id,
                to_address=address,
                subject=subject,
                body=body,
                kind=kind,
                digest_date=digest_date,
                created_at=now,
                next_attempt_at=now,
            )
        )
    OutgoingEmail.objects.bulk_create(messages)
    linked: list[Notification] = []
    for message in messages:
        for notification in by_user[message.recipient_id]:  # type: ignore[index]
            notification.email = message
            linked.append(notification)
    Notification.objects.bulk_update(linked, ["email"], batch_size=500)
    return len(messages)


@transaction.atomic
def emails_queue_immediate(*, report: Report | None = None) -> int:
    """Queue one message for each immediate user with unread, unannounced notifications.

    A user whose message cannot be composed is left for the next run (``report``).
    """
    immediate = Q(user__notification_preference__email_frequency=EmailFrequency.IMMEDIATE)
    return _queue(_to_mail(immediate), EmailKind.IMMEDIATE, report=report)


def digest_hour() -> int:
    return int(settings.ESTAFETTE_DIGEST_HOUR)


@transaction.atomic
def emails_queue_daily_digests(
    *, now: dt.datetime | None = None, report: Report | None = None
) -> int:
    """Queue today's summary for each daily user (the default) who has something new.

    Nothing before ``ESTAFETTE_DIGEST_HOUR`` (Dutch time). A user who already
    has today's summary gets none: new notifications wait for tomorrow's. The
    unique constraint ``one_digest_per_user_per_day`` backs this up if two runs
    race. A user whose summary cannot be composed is left for the next run
    (``report``), which may still send it the same day.
    """
    local = (now or clock.now()).astimezone(clock.LOCAL_ZONE)
    if local.hour < digest_hour():
        return 0
    day = local.date()
    daily = Q(user__notification_preference__isnull=True) | Q(
        user__notification_preference__email_frequency=EmailFrequency.DAILY
    )
    done_today = OutgoingEmail.objects.filter(
        kind=EmailKind.DIGEST, digest_date=day, recipient__isnull=False
    ).values("recipient_id")
    try:
        with transaction.atomic():
            notifications = _to_mail(daily, exclude_users=done_today)
            return _queue(notifications, EmailKind.DIGEST, digest_date=day, report=report)
    except IntegrityError:
        # A run racing this one wrote a summary for one of these users first: theirs
        # stands, these notifications wait for tomorrow's.
        log.info("daily summaries of %s: another run was first", day)
        return 0


# --- sending ---------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """Wait after ``attempts`` failed attempts: base, 2×base, 4×base … at most 6 hours."""
    base = dt.timedelta(seconds=int(settings.ESTAFETTE_EMAIL_RETRY_SECONDS))
    return min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def max_attempts() -> int:
    return max(int(settings.ESTAFETTE_EMAIL_MAX_ATTEMPTS), 1)


def _deliver(connection: BaseEmailBackend, email: OutgoingEmail) -> None:
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
        headers={"Message-ID": email.message_id, "Auto-Submitted": "auto-generated"},
        connection=connection,
    )
    connection.open()  # no-op when already open; raises when the server is down
    if connection.send_messages([message]) != 1:
        raise smtplib.SMTPException("the mail backend accepted no message")


def _undeliverable(address: str) -> str:
    """Why ``address`` can never receive e-mail (``""`` when it may): a malformed address.

    Checked before sending: the mail library refuses such an address with a
    ``ValueError`` on every attempt, and a message that raised that way used to
    stay first in the queue, holding up every message behind it.
    """
    try:
        validate_email(address)
    except ValidationError:
        return f"Invalid e-mail address: {address!r}"[:500]
    return ""


def _send_next(connection: BaseEmailBackend) -> tuple[str, BaseException | None] | None:
    """Claim the next due message, try it, record the outcome; all in one transaction.

    Returns ``None`` when nothing is due, else ("sent" | "retrying" | "failed", error).
    A malformed address fails the message for good at once; any other error of
    this one message (refused by the server, an error in the mail library) is
    retried later with back-off. Either way the caller goes on with the next one.
    """
    now = clock.now()
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(state=EmailState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .first()
        )
        if email is None:
            return None
        email.attempts += 1
        invalid = _undeliverable(email.to_address)
        if invalid:
            email.last_error = invalid
            email.state = EmailState.FAILED
            log.error("E-mail %s failed for good: %s", email.pk, invalid)
            email.save(update_fields=["attempts", "last_error", "state"])
            return "failed", None
        try:
            _deliver(connection, email)
        except Exception as error:  # this message's fault, or the server's (see the caller)
            email.last_error = f"{type(error).__name__}: {error}"[:500]
            log.warning("E-mail %s not sent: %s", email.pk, email.last_error)
            if email.attempts >= max_attempts():
                email.state = EmailState.FAILED
                outcome = "failed"
                log.error("E-mail %s failed for good: %s", email.pk, email.last_error)
            else:
                email.next_attempt_at = now + backoff(email.attempts)
                outcome = "retrying"
            email.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
            return outcome, error
        email.state = EmailState.SENT
        email.sent_at = clock.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "last_error", "state", "sent_at"])
        return "sent", None


def emails_send_due(*, limit: int = 500) -> SendResult:
    """Send up to ``limit`` due messages over one connection; stop early if the server is down.

    A message refused for its own sake (e.g. the recipient) is retried later
    without holding up the others, and one with a malformed address fails at
    once; a connection error ends the run, leaving the remaining messages due
    for the next one.
    """
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    connection = get_connection(fail_silently=False)
    try:
        for _i in range(limit):
            result = _send_next(connection)
            if result is None:
                break
            outcome, error = result
            counts[outcome] += 1
            if error is not None and _ends_the_run(error):
                break
    finally:
        # A broken connection cannot say goodbye.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    return SendResult(**counts)
