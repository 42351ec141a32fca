"""Contact moments (visits, conversations, milestones) and volunteer requests.

A :class:`ContactMoment` is one dated fact that somebody was in contact with
the person, or that a milestone a norm asks for was reached: a volunteer
visit, a consular visit, a buddy contact, a mentor conversation, the
screening of the five life domains, the D&R plan, another professional's
contact, the "Return" booklet sent. The signal rules in
``signals/rules/visits.py`` read only the kind and the date; the note is
free text of the data class *notes* (a buddy's notes never reach justice
roles, :func:`access.policy.may_see_notes_of`).

A contact recorded by mistake is *withdrawn*, never deleted: the row stays
with who withdrew it, when and why, and no longer counts for any norm. Every
reader that counts contacts for a norm or a signal reads
``ContactMoment.objects.counting()``; the panel shows withdrawn ones marked.

A :class:`VolunteerRequest` is the coordinator's question "can a visiting
volunteer go to this person?" and its answer, including "none available in
that country". It is a small model of its own rather than fields on the
trajectory because (1) a trajectory can ask more than once (after "none
available" the coordinator may ask another organisation, or again when the
person is moved), and each answer is a fact with its own date and author;
(2) the trajectory belongs to another app and should not grow a field per
feature; (3) roadmap item 1 (volunteer matching) grows from here: the
receiving organisation, the matched volunteer and the match itself hang off
the request.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock


class ContactKind(models.TextChoices):
    VOLUNTEER_VISIT = "volunteer_visit", _("visit by a visiting volunteer")
    CONSULAR_VISIT = "consular_visit", _("consular visit")
    BUDDY_CONTACT = "buddy_contact", _("contact with the buddy")
    MENTOR_CONVERSATION = "mentor_conversation", _("mentor conversation")
    DOMESTIC_SCREENING = "domestic_screening", _("screening of the five life domains done")
    DR_PLAN = "dr_plan", _("detention and re-integration plan made")
    PROFESSIONAL_CONTACT = "professional_contact", _("other contact with a professional")
    RETURN_BOOKLET = "return_booklet", _("“Return” booklet sent")


PROFESSIONAL_KINDS: frozenset[str] = frozenset(
    {
        ContactKind.CONSULAR_VISIT,
        ContactKind.MENTOR_CONVERSATION,
        ContactKind.DOMESTIC_SCREENING,
        ContactKind.DR_PLAN,
        ContactKind.PROFESSIONAL_CONTACT,
    }
)
"""Kinds that count as contact with a professional (not a volunteer, buddy or a letter)."""


class Channel(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("face to face")
    PHONE = "phone", _("phone")
    MESSAGE = "message", _("message or letter")


class ContactMomentQuerySet(models.QuerySet["ContactMoment"]):
    def counting(self) -> ContactMomentQuerySet:
        """The contacts that count for norms and signals: those not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class ContactMoment(models.Model):
    """One contact with the person, or one milestone a norm asks for, on the day it happened.

    ``withdrawn_at``/``withdrawn_by``/``withdrawal_reason`` are set together, once, by
    :func:`visits.services.contact_withdraw` (a database constraint keeps a withdrawal
    from lacking its reason); a withdrawn contact no longer counts
    (:meth:`ContactMomentQuerySet.counting`).
    """

    trajectory = models.ForeignKey(
        "trajectories.Trajectory", on_delete=models.CASCADE, related_name="contact_moments"
    )
    kind = models.CharField(_("what happened"), max_length=30, choices=ContactKind.choices)
    happened_on = models.DateField(_("date"))
    channel = models.CharField(
        _("how"), max_length=20, choices=Channel.choices, default=Channel.FACE_TO_FACE
    )
    note = models.TextField(
        _("short note"),
        blank=True,
        help_text=_("Data class 'notes': a buddy's notes are never shown to justice roles."),
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded for"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=clock.now)
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    objects = ContactMomentQuerySet.as_manager()

    class Meta:
        ordering = ["-happened_on", "-id"]
        verbose_name = _("contact moment")
        verbose_name_plural = _("contact moments")
        indexes = [
            # The rules ask "the latest moment of kind K per trajectory" for many trajectories.
            models.Index(fields=["kind", "trajectory", "happened_on"]),
            models.Index(fields=["trajectory", "happened_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | ~models.Q(withdrawal_reason=""),
                name="withdrawn_contact_has_a_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.happened_on:%Y-%m-%d} {self.kind}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class RequestState(models.TextChoices):
    OPEN = "open", _("asked, no answer yet")
    MATCHED = "matched", _("a volunteer was found")
    NONE_AVAILABLE = "none_available", _("no volunteer available in that country")


class VolunteerRequest(models.Model):
    """A visiting volunteer asked for a trajectory, and the answer.

    The latest request of a trajectory is the one that counts; at most one is
    open at a time (a database constraint).
    """

    trajectory = models.ForeignKey(
        "trajectories.Trajectory", on_delete=models.CASCADE, related_name="volunteer_requests"
    )
    country = models.ForeignKey(
        "organisations.Country",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The country of detention when the volunteer was asked for."),
    )
    state = models.CharField(max_length=20, choices=RequestState.choices, default=RequestState.OPEN)
    requested_on = models.DateField(default=clock.today)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_for = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    answered_on = models.DateField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("volunteer request")
        verbose_name_plural = _("volunteer requests")
        indexes = [models.Index(fields=["trajectory", "requested_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["trajectory"],
                condition=models.Q(state="open"),
                name="one_open_volunteer_request_per_trajectory",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requested_on:%Y-%m-%d} {self.state}"
