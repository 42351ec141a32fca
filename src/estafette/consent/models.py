"""The consent ledger: what a person agreed to, with whom, on what evidence, and what was shared.

* :class:`ConsentPurpose` — the catalogue of purposes (nine built in by a data
  migration; administrators add more in the admin).
* :class:`Consent` — one consent: person, purpose, recipient (a named
  organisation *or* a kind of organisation), the data classes it covers, the
  dates and the evidence. Withdrawal is recorded on the row, never by deleting it.
* :class:`ConsentDisclosure` — what was shared under which consent, with whom,
  when (append-only: the accountability record that outlives a withdrawal).
* :class:`ConsentNotice` — the message to an organisation that holds data under
  a consent that was withdrawn or ended.

Changes go through :mod:`estafette.consent.services`; reads through
:mod:`estafette.consent.selectors`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from estafette.consent.rules import ConsentState, consent_state
from estafette.core import clock
from estafette.core.data_classes import DataClass
from estafette.core.models import AppendOnlyModel
from estafette.organisations.models import OrganisationKind

EVIDENCE_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
"""The evidence types we accept, with the extension a stored file gets."""


def _english() -> bool:
    return (get_language() or "nl").startswith("en")


def data_class_labels(values: Iterable[str]) -> list[str]:
    """Labels of ``values`` in the catalogue's order, in the active language."""
    chosen = set(values)
    return [str(label) for value, label in DataClass.choices if value in chosen]


def default_purpose_classes() -> list[str]:
    """A new purpose covers the person's identity by default; anything more needs a reason."""
    return [DataClass.IDENTITY.value]


def all_data_classes() -> list[str]:
    """A new purpose may cover every class, until an administrator narrows it."""
    return sorted(DataClass.values)


CONSENT_STATE_LABELS = {
    ConsentState.NOT_YET: _("not yet in force"),
    ConsentState.ACTIVE: _("in force"),
    ConsentState.ENDED: _("ended"),
    ConsentState.WITHDRAWN: _("withdrawn"),
}


class ConsentPurpose(models.Model):
    """A purpose a person can consent to, with its name and a plain explanation in nl and en."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    description_en = models.TextField(
        _("plain explanation (English)"),
        help_text=_("One or two short sentences the person understands (language level B1)."),
    )
    description_nl = models.TextField(
        _("plain explanation (Dutch)"),
        help_text=_("One or two short sentences the person understands (language level B1)."),
    )
    is_active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("Purposes no longer in use cannot be chosen for new consents."),
    )
    built_in = models.BooleanField(
        _("built in"),
        default=False,
        editable=False,
        help_text=_("Part of the product; the code is used by the handover check."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    default_classes = models.JSONField(
        _("information covered by default"),
        default=default_purpose_classes,
        help_text=_(
            "The classes of information this purpose usually needs. More than these needs a "
            "stated reason when the consent is recorded."
        ),
    )
    max_classes = models.JSONField(
        _("most information the purpose may cover"),
        default=all_data_classes,
        help_text=_("The classes this purpose can ever need. A consent for it never covers more."),
    )

    class Meta:
        ordering = ["order", "name_en"]
        verbose_name = _("consent purpose")
        verbose_name_plural = _("consent purposes")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_en if _english() else self.name_nl

    @property
    def description(self) -> str:
        """The plain explanation in the active language."""
        return self.description_en if _english() else self.description_nl


class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", _("signed form")
    VERBAL = "verbal", _("verbal consent")


class ReviewOutcome(models.TextChoices):
    """What the second person of the organisation found when reviewing a self-recorded consent."""

    CONFIRMED = "confirmed", _("the evidence holds")
    DOUBTED = "doubted", _("the evidence does not convince")


def evidence_upload_to(instance: Consent, filename: str) -> str:
    """A random stored name; the uploaded name never reaches the disk (it may say too much).

    The extension follows the type the content was *detected* as, not the
    uploaded name, so a renamed file cannot pick its own extension.
    """
    extension = EVIDENCE_EXTENSIONS.get(instance.evidence_content_type, "")
    today = clock.today()
    return f"consent/evidence/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{extension}"


def revocation_letter_upload_to(instance: Consent, filename: str) -> str:
    """Like :func:`evidence_upload_to`, for the person's signed letter of withdrawal."""
    extension = EVIDENCE_EXTENSIONS.get(instance.revocation_letter_content_type, "")
    today = clock.today()
    return f"consent/withdrawals/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{extension}"


class Consent(models.Model):
    """One consent of one person, for one purpose, to one recipient.

    The recipient is exactly one of a named organisation or a kind of
    organisation ("any municipal after-care desk"), enforced by the database.
    The consent is in force from ``given_on`` through ``ends_on`` (inclusive)
    until it is withdrawn (see :mod:`estafette.consent.rules`).
    """

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,  # the ledger is the accountability record; erase deliberately
        related_name="consents",
        verbose_name=_("person"),
    )
    purpose = models.ForeignKey(
        ConsentPurpose,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("purpose"),
    )
    recipient_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents_received",
        verbose_name=_("recipient organisation"),
    )
    recipient_kind = models.CharField(
        _("recipient kind of organisation"),
        max_length=30,
        blank=True,
        choices=OrganisationKind.choices,
    )
    data_classes = models.JSONField(
        _("information covered"),
        default=list,
        help_text=_("The classes of the person's data this consent covers."),
    )
    given_on = models.DateField(_("consent given on"))
    ends_on = models.DateField(
        _("consent ends on"),
        null=True,
        blank=True,
        help_text=_("The last day the consent is in force; empty: no end date."),
    )

    evidence_kind = models.CharField(_("evidence"), max_length=10, choices=EvidenceKind.choices)
    evidence = models.FileField(
        _("signed form"), upload_to=evidence_upload_to, blank=True, max_length=200
    )
    evidence_content_type = models.CharField(max_length=40, blank=True)
    verbal_by = models.CharField(
        _("heard by"),
        max_length=160,
        blank=True,
        help_text=_("The volunteer or professional who heard the person agree."),
    )
    verbal_on = models.DateField(_("heard on"), null=True, blank=True)
    verbal_place = models.CharField(_("heard where"), max_length=160, blank=True)

    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )

    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_by_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.TextField(_("reason for withdrawal"), blank=True)
    # The person withdrew it themself, signed in to their own pages (issue 13): no staff
    # member or organisation recorded it, and the signed-in request is its evidence.
    revoked_by_person = models.BooleanField(_("withdrawn by the person themself"), default=False)
    # The withdrawal's evidence, like the consent's own: who heard it, when and where, or the
    # person's signed letter (services.consent_revoke requires one of the two).
    revocation_evidence_kind = models.CharField(
        _("evidence of the withdrawal"), max_length=10, choices=EvidenceKind.choices, blank=True
    )
    revocation_letter = models.FileField(
        _("signed letter of withdrawal"),
        upload_to=revocation_letter_upload_to,
        blank=True,
        max_length=200,
    )
    revocation_letter_content_type = models.CharField(max_length=40, blank=True)
    revoked_heard_by = models.CharField(_("withdrawal heard by"), max_length=160, blank=True)
    revoked_heard_on = models.DateField(_("withdrawal heard on"), null=True, blank=True)
    revoked_heard_where = models.CharField(_("withdrawal heard where"), max_length=160, blank=True)

    # More than the purpose's default classes needs a reason (ConsentPurpose.default_classes).
    classes_reason = models.TextField(_("why more information than usual"), blank=True)
    # The recording organisation is itself covered by the consent: it gave itself access, so a
    # second person of that organisation reviews it (like emergency access).
    self_recorded = models.BooleanField(_("recorded by its own recipient"), default=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_outcome = models.CharField(
        _("review outcome"), max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["person", "purpose"]),
            models.Index(fields=["recipient_kind"]),
            models.Index(fields=["ends_on"]),
            models.Index(
                fields=["recorded_by_organisation", "self_recorded", "reviewed_at"],
                name="consent_self_recorded_review",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(recipient_organisation__isnull=False, recipient_kind="")
                    | (models.Q(recipient_organisation__isnull=True) & ~models.Q(recipient_kind=""))
                ),
                name="consent_exactly_one_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_by_person=False) | models.Q(revoked_at__isnull=False),
                name="consent_withdrawn_by_person_is_withdrawn",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("given_on")),
                name="consent_ends_not_before_given",
            ),
            models.CheckConstraint(
                condition=(models.Q(evidence_kind=EvidenceKind.DOCUMENT) & ~models.Q(evidence=""))
                | (
                    models.Q(evidence_kind=EvidenceKind.VERBAL, verbal_on__isnull=False)
                    & ~models.Q(verbal_by="")
                    & ~models.Q(verbal_place="")
                ),
                name="consent_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.recipient_label} ({self.given_on:%Y-%m-%d})"

    @property
    def recipient_label(self) -> str:
        """Who receives, in words: the organisation's name, or the kind of organisation."""
        if self.recipient_organisation_id is not None:
            return str(self.recipient_organisation)
        return str(_("an organisation of the kind “%(kind)s”")) % {
            "kind": OrganisationKind(self.recipient_kind).label
        }

    @property
    def data_class_labels(self) -> list[str]:
        """The covered classes in words, in the catalogue's order."""
        return data_class_labels(self.data_classes)

    @property
    def revoked_on(self) -> dt.date | None:
        """The local calendar day of the withdrawal (it counts for that whole day)."""
        if self.revoked_at is None:
            return None
        return self.revoked_at.astimezone(clock.LOCAL_ZONE).date()

    def state_on(self, on: dt.date) -> ConsentState:
        return consent_state(
            given_on=self.given_on, ends_on=self.ends_on, revoked_on=self.revoked_on, on=on
        )

    @property
    def state(self) -> ConsentState:
        """The state today (the application's clock)."""
        return self.state_on(clock.today())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def covers_recipient(self, organisation: Any) -> bool:
        """True if ``organisation`` is the named recipient or of the named kind."""
        if self.recipient_organisation_id is not None:
            return bool(self.recipient_organisation_id == organisation.pk)
        return bool(self.recipient_kind == organisation.kind)


class ConsentDisclosure(AppendOnlyModel):
    """Data classes shared with an organisation under a consent: kept after withdrawal.

    Append-only: the record of what was shared before a withdrawal is what
    makes the chain accountable, and what tells us whom to notify.

    ``message``: the handover's message and the information that goes with it
    travelled too. They are free text, not a class of the catalogue, so they are
    recorded beside the classes; the receiver reads them only while a consent
    covering the handover is in force (``access.policy.may_read_handover_message``).
    """

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="disclosures")
    recipient = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    data_classes = models.JSONField(default=list)
    message = models.BooleanField(
        _("message travelled"),
        default=False,
        help_text=_("The handover's message and the information that goes with it travelled."),
    )
    disclosed_at = models.DateTimeField(default=clock.now)
    handover = models.ForeignKey(
        "handovers.Handover",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consent_disclosures",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    by_organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["disclosed_at", "id"]
        indexes = [models.Index(fields=["consent", "recipient"])]

    def __str__(self) -> str:
        return f"{self.consent_id} → {self.recipient_id} {self.data_classes}"

    @property
    def data_class_labels(self) -> list[str]:
        return data_class_labels(self.data_classes)


class NoticeKind(models.TextChoices):
    REVOKED = "revoked", _("consent withdrawn")
    EXPIRED = "expired", _("consent ended")


class ConsentNotice(models.Model):
    """Tells an organisation that data it received may no longer be used under a consent."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="consent_notices"
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    created_at = models.DateTimeField(default=clock.now)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "seen_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "organisation", "kind"], name="consent_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.consent_id} → {self.organisation_id}"
