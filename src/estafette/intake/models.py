"""The record of an intake: who registered the person, how, and what the person agreed to.

One row per intake (issue 12). It is also where "without consent only the bare fact is
kept" is written down: an arrest notification without ``registration_consent`` keeps the
person's name and date of birth, the country, place and date of detention, and this row
saying so — no number, no nationality, no contact person, no consular wish.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock


class IntakeKind(models.TextChoices):
    CONSULAR = "consular", _("arrest notification (consular post)")
    GUIDANCE = "guidance", _("guidance request (Bureau Buitenland)")
    PRISON = "prison", _("entry into a Dutch prison")
    AFTERCARE = "aftercare", _("a person who turns up (municipal after-care)")


class IntakeSource(models.TextChoices):
    ARREST_NOTIFICATION = "arrest_notification", _("arrest notification")
    CONSULATE_REGISTERED = "consulate_registered", _("registered by the consular post")
    LETTER_FROM_PRISON = "letter_from_prison", _("letter from prison")
    DOMESTIC_ENTRY = "domestic_entry", _("entry after a Dutch sentence")
    SENTENCE_TRANSFER = "sentence_transfer", _("arrival by sentence transfer")
    SELF_REGISTRATION = "self_registration", _("came to the desk on their own")
    BENEFITS_DESK = "benefits_desk", _("found through the benefits desk")
    RELEASED_WITHOUT_REFERRAL = "released_without_referral", _("released without referral")


class Intake(models.Model):
    trajectory = models.ForeignKey(
        "trajectories.Trajectory", on_delete=models.CASCADE, related_name="intakes"
    )
    kind = models.CharField(_("kind of intake"), max_length=20, choices=IntakeKind.choices)
    source = models.CharField(_("source"), max_length=30, choices=IntakeSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=clock.now)
    consular_assistance_wanted = models.BooleanField(
        _("wants consular assistance"), null=True, blank=True
    )
    registration_consent = models.BooleanField(
        _("consents to registration"),
        null=True,
        blank=True,
        help_text=_("No: only the bare fact is kept (who, where, since when)."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.trajectory_id}"

    @property
    def bare_fact_only(self) -> bool:
        """Without the consent to register, only who, where and since when are kept."""
        return self.registration_consent is False
