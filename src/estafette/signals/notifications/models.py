"""Notifications of signals: in the app, and e-mail through an outbox (docs/notifications.md).

Defined here and imported by :mod:`estafette.signals.models`, so the models
belong to the ``signals`` app and its migrations.

* :class:`Notification` — one per (user, signal event): "a signal was raised or
  reopened for your organisation". A unique constraint makes the fan-out
  idempotent.
* :class:`NotificationPreference` — how often a user wants e-mail (immediate,
  a daily digest, or none); no row means the default, a daily digest.
* :class:`OutgoingEmail` — the outbox. A message is written in the same
  transaction as the notifications it announces, then sent (and retried with
  back-off) until it is sent or has failed for good. Its ``message_id`` never
  changes, so a retry is the same message to the receiving server.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estafette.core import clock


class EmailFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Straight away: one e-mail per batch of new signals")
    DAILY = "daily", _("Once a day: a summary")
    OFF = "off", _("Never: I look in Estafette myself")


DEFAULT_FREQUENCY = EmailFrequency.DAILY


class NotificationPreference(models.Model):
    """How often one user gets e-mail about new signals. Changed only by ``preference_set``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_frequency = models.CharField(
        _("e-mail about new signals"),
        max_length=10,
        choices=EmailFrequency.choices,
        default=DEFAULT_FREQUENCY,
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email_frequency}"


class EmailKind(models.TextChoices):
    IMMEDIATE = "immediate", _("new signals")
    DIGEST = "digest", _("daily summary")


class EmailState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed for good")


def _new_message_token() -> str:
    return uuid.uuid4().hex


class OutgoingEmail(models.Model):
    """One e-mail in the outbox. Subject and body carry no personal data, only a count and a link.

    ``state`` moves pending → sent, or pending → failed after the last attempt;
    ``next_attempt_at`` is when a pending message is due (again).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_address = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    kind = models.CharField(max_length=10, choices=EmailKind.choices)
    digest_date = models.DateField(
        null=True, blank=True, help_text=_("For a daily summary: the day it summarises.")
    )
    state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    last_error = models.CharField(max_length=500, blank=True)
    message_token = models.CharField(max_length=32, unique=True, default=_new_message_token)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            # The sender's claim: pending messages in order of when they are due.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(state="pending"),
                name="outgoing_email_due",
            ),
            models.Index(fields=["state", "created_at"]),
        ]
        constraints = [
            # A daily summary goes out once per user per day, however often the task runs.
            models.UniqueConstraint(
                fields=["recipient", "digest_date"],
                condition=Q(kind="digest"),
                name="one_digest_per_user_per_day",
            ),
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False)
                | (~Q(state="sent") & Q(sent_at__isnull=True)),
                name="outgoing_email_sent_iff_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to #{self.recipient_id} ({self.state})"

    @property
    def message_id(self) -> str:
        """The RFC 5322 Message-ID: the same on every attempt, so a retry is one message."""
        domain = urlsplit(settings.ESTAFETTE_SITE_URL).hostname or "localhost"
        return f"<estafette.{self.message_token}@{domain}>"


class Notification(models.Model):
    """A signal was raised or reopened for the user's organisation: shown in the app, maybe mailed.

    Holds no text about the person: the page renders the rule's title and the
    trajectory number, and only for files the reader may still open.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "signals.SignalEvent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    signal = models.ForeignKey(
        "signals.Signal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A handover notification (issue 10) names the handover transition instead of a signal event.
    handover_transition = models.ForeignKey(
        "handovers.HandoverTransition",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # The signal event's kind (raised, reopened) or the handover action (send, accept, ...).
    kind = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.ForeignKey(
        OutgoingEmail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text=_("The e-mail that announced it, once one is queued."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_notification_per_event"),
            models.UniqueConstraint(
                fields=["user", "handover_transition"],
                name="one_notification_per_handover_transition",
            ),
            models.CheckConstraint(
                condition=models.Q(event__isnull=False, handover_transition__isnull=True)
                | models.Q(event__isnull=True, handover_transition__isnull=False),
                name="notification_of_signal_event_or_handover_transition",
            ),
        ]
        indexes = [
            # The header's unread count and the page: a user's notifications for one organisation.
            models.Index(fields=["user", "organisation", "read_at"]),
            # Queuing e-mail: unread notifications not yet announced.
            models.Index(
                fields=["user"],
                condition=Q(email__isnull=True, read_at__isnull=True),
                name="notification_to_mail",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ← event {self.event_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
