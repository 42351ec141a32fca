"""Emergency access: opening a file outside the need-to-know rules, with a reason and a time box."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock


class EmergencyAccess(models.Model):
    """A professional opened a file outside the rules ("break the glass").

    Time-boxed (``expires_at``), shown to the trajectory's current holder, and
    listed for review until someone of the holder's organisation reviews it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    trajectory = models.ForeignKey(
        "trajectories.Trajectory", on_delete=models.CASCADE, related_name="emergency_accesses"
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organisation", "trajectory", "expires_at"])]

    def __str__(self) -> str:
        return (
            f"{self.user} @ {self.organisation} → {self.trajectory_id} ({self.started_at:%Y-%m-%d})"
        )

    @property
    def is_active(self) -> bool:
        return self.started_at <= clock.now() < self.expires_at


class PartRequestStatus(models.TextChoices):
    OPEN = "open", _("open")
    GRANTED = "granted", _("granted")
    DECLINED = "declined", _("declined")


class PartRequest(models.Model):
    """A request "give us a part in this person's file": asked at intake, answered by the holder.

    Asked by an organisation that found nobody it may see (find before create, decision
    0017). The row keeps no name, date of birth or number in clear: only a keyed hash of
    the criteria (``criteria_digest``, so repeated requests can be recognised) and, when a
    file matched, that trajectory. One ask writes one row per matched trajectory (routed to
    its baton holder of the day of the answer) or one row without a trajectory (it goes
    nowhere); all rows of one ask share ``reference``, the only thing the requester is told.
    """

    reference = models.CharField(_("reference"), max_length=16, db_index=True)
    requester_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    criteria_digest = models.CharField(max_length=64)
    trajectory = models.ForeignKey(
        "trajectories.Trajectory",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="part_requests",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PartRequestStatus.choices,
        default=PartRequestStatus.OPEN,
    )
    created_at = models.DateTimeField(default=clock.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["trajectory", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"
