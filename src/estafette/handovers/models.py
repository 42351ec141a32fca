"""Handovers: the baton passed from one organisation to the next, as a closed loop.

Every transition is kept in :class:`HandoverTransition` (who, when, why). The
current state lives on :class:`Handover` for fast lists; the transition rows
are the history. At most one handover per trajectory is pending (database
constraint), which is what keeps "one holder or in the air" true under races.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.core.models import AppendOnlyModel
from estafette.handovers.workflow import State


class HandoverState(models.TextChoices):
    SENT = State.SENT.value, _("sent — baton in the air")
    ACCEPTED = State.ACCEPTED.value, _("accepted")
    DECLINED = State.DECLINED.value, _("declined")
    WITHDRAWN = State.WITHDRAWN.value, _("withdrawn")
    EXPIRED = State.EXPIRED.value, _("expired")
    TAKEN_UP = State.TAKEN_UP.value, _("taken up")
    NO_SHOW = State.NO_SHOW.value, _("no-show")


class Purpose(models.TextChoices):
    AFTERCARE_REFERRAL = "aftercare_referral", _("referral to municipal after-care")
    GUIDANCE = "guidance", _("guidance by Bureau Buitenland")
    SENTENCE_TRANSFER = "sentence_transfer", _("sentence transfer to a Dutch prison")
    PROBATION = "probation", _("probation supervision")
    LANDING_PLACE = "landing_place", _("landing place / shelter")
    BUDDY = "buddy", _("buddy programme")
    CONSULAR = "consular", _("consular assistance")
    OTHER = "other", _("other")


class Handover(models.Model):
    trajectory = models.ForeignKey(
        "trajectories.Trajectory", on_delete=models.CASCADE, related_name="handovers"
    )
    sender = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="handovers_sent"
    )
    receiver = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="handovers_received"
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    message = models.TextField(_("message"))
    information = models.TextField(
        _("information that goes with it"),
        blank=True,
        help_text=_(
            "What the receiver needs to take the baton: situation, wishes, what is arranged."
        ),
    )
    data_classes = models.JSONField(
        _("data classes shared"),
        default=list,
        blank=True,
        help_text=_("Which classes of the person's data travel with this handover."),
    )
    respond_by = models.DateField(_("answer expected by"))
    state = models.CharField(
        max_length=20, choices=HandoverState.choices, default=HandoverState.SENT
    )
    sent_at = models.DateTimeField(default=clock.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    baton_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the baton passed to the receiver. Empty for an accepted handover while the "
            "receiver is committed and preparing until the person leaves detention "
            "(decision 0011)."
        ),
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Of the latest transition."))
    outcome_seen_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the sender marked the outcome as seen.")
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        indexes = [
            models.Index(fields=["receiver", "state"]),
            models.Index(fields=["sender", "state"]),
            models.Index(fields=["trajectory", "state"]),
            # Outcomes the sender has not yet seen: few at any time, however long the history.
            models.Index(
                fields=["sender", "state"],
                condition=models.Q(outcome_seen_at__isnull=True),
                name="handover_unseen_by_sender",
            ),
            # Committed receivers (accepted, baton passes at release): few, probed per row.
            models.Index(
                fields=["receiver", "trajectory"],
                condition=models.Q(state="accepted", baton_at__isnull=True),
                name="handover_committed_receiver",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["trajectory"],
                condition=models.Q(state=State.SENT.value),
                name="one_pending_handover_per_trajectory",
            ),
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("receiver")),
                name="handover_sender_is_not_receiver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender} → {self.receiver} ({self.state})"

    @property
    def in_the_air(self) -> bool:
        return self.state == State.SENT

    @property
    def outcome_to_review(self) -> bool:
        """A final outcome the sender has not yet acknowledged."""
        return (
            self.state
            in {
                State.DECLINED,
                State.WITHDRAWN,
                State.EXPIRED,
                State.TAKEN_UP,
                State.NO_SHOW,
            }
            and self.outcome_seen_at is None
        )


class HandoverTransition(AppendOnlyModel):
    """One move of a handover: from which state to which, by whom, when, why."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    source = models.CharField(max_length=20, blank=True)
    target = models.CharField(max_length=20, choices=HandoverState.choices)
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
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        # The notification fan-out reads the steps of the last days (issue 10): an index on
        # the time keeps that read small however long the history is.
        indexes = [models.Index(fields=["at"], name="handover_transition_at")]

    def __str__(self) -> str:
        return f"{self.source}→{self.target}"
