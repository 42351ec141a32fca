"""Signals: a warning to the one who can act, before the baton falls; and their history.

At most one *live* (not resolved) signal per (rule, trajectory, addressee): a database
constraint, so re-running an evaluation can never duplicate one. The history
of every signal is kept in :class:`SignalEvent` (append-only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.core.models import AppendOnlyModel
from estafette.signals.lifecycle import SignalState


class State(models.TextChoices):
    OPEN = SignalState.OPEN.value, _("open")
    ACKNOWLEDGED = SignalState.ACKNOWLEDGED.value, _("acknowledged")
    SNOOZED = SignalState.SNOOZED.value, _("snoozed")
    RESOLVED = SignalState.RESOLVED.value, _("resolved")


class Severity(models.TextChoices):
    INFO = "info", _("for information")
    WARNING = "warning", _("warning")
    URGENT = "urgent", _("urgent")


class ResolvedHow(models.TextChoices):
    AUTO = "auto", _("automatically: the facts no longer hold")
    MANUAL = "manual", _("by hand, with a reason")


class Signal(models.Model):
    rule_code = models.CharField(_("rule"), max_length=60)
    trajectory = models.ForeignKey(
        "trajectories.Trajectory", on_delete=models.CASCADE, related_name="signals"
    )
    addressee = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="signals",
        verbose_name=_("addressed to"),
    )
    addressee_role = models.CharField(_("role that can act"), max_length=30, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    reason = models.TextField(_("reason"))
    facts = models.JSONField(default=dict, blank=True)
    facts_digest = models.CharField(max_length=64, blank=True)
    norm_code = models.CharField(_("norm"), max_length=60, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    first_raised_at = models.DateTimeField(default=clock.now)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_how = models.CharField(max_length=10, choices=ResolvedHow.choices, blank=True)

    class Meta:
        ordering = ["due", "-first_raised_at", "id"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [
            models.Index(fields=["addressee", "state", "due"]),
            models.Index(fields=["trajectory", "state"]),
            models.Index(fields=["state", "rule_code"]),
        ]
        constraints = [
            models.UniqueConstraint(
                # One live signal per rule, trajectory and addressee: a rule may address
                # several organisations that can each act on their part (issue 10).
                fields=["rule_code", "trajectory", "addressee"],
                condition=~models.Q(state=SignalState.RESOLVED.value),
                name="one_live_signal_per_rule_trajectory_addressee",
            ),
            models.CheckConstraint(
                condition=models.Q(state=SignalState.RESOLVED.value, resolved_at__isnull=False)
                | (
                    ~models.Q(state=SignalState.RESOLVED.value) & models.Q(resolved_at__isnull=True)
                ),
                name="signal_resolved_iff_resolved_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} #{self.trajectory_id} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state != State.RESOLVED


class EventKind(models.TextChoices):
    RAISED = "raised", _("raised")
    UPDATED = "updated", _("facts changed")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    SNOOZED = "snoozed", _("snoozed")
    REOPENED = "reopened", _("reopened after snooze")
    RESOLVED = "resolved", _("resolved")


class SignalEvent(AppendOnlyModel):
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(default=clock.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["signal", "at"]),
            # The notification fan-out reads the recent raised/reopened events every few minutes.
            models.Index(
                fields=["at"],
                condition=models.Q(kind__in=["raised", "reopened"]),
                name="signal_event_notifiable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signal_id} {self.kind} {self.at:%Y-%m-%d}"


class EvaluationFailure(models.Model):
    """A trajectory whose signals could not be evaluated: shown to administrators.

    Written by the evaluation when evaluating this trajectory raised (its other
    trajectories were evaluated all the same), updated on every further run that
    fails, and deleted by the first run that evaluates it fine again
    (docs/background-work.md, "Faults stay local"). Its signals are left as the
    last good evaluation made them until then.
    """

    trajectory = models.OneToOneField(
        "trajectories.Trajectory",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("trajectory"),
    )
    first_failed_at = models.DateTimeField(_("first failed at"), default=clock.now)
    last_failed_at = models.DateTimeField(_("last failed at"), default=clock.now)
    attempts = models.PositiveIntegerField(
        _("failed runs"), default=1, help_text=_("Runs in a row that could not evaluate it.")
    )
    error = models.CharField(_("error"), max_length=500)
    traceback = models.TextField(_("traceback"), blank=True)

    class Meta:
        ordering = ["-last_failed_at", "trajectory_id"]
        verbose_name = _("trajectory whose signals could not be evaluated")
        verbose_name_plural = _("trajectories whose signals could not be evaluated")

    def __str__(self) -> str:
        return f"#{self.trajectory_id}: {self.error}"


# Notifications of signals live in their own package but belong to this app (its migrations).
from estafette.signals.notifications.models import (  # noqa: E402, F401
    EmailFrequency,
    EmailKind,
    EmailState,
    Notification,
    NotificationPreference,
    OutgoingEmail,
)
