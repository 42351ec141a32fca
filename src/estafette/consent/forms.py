"""Forms for recording and withdrawing consent: they parse input; the services decide.

The record form checks types (a date is a date) and the plausible range of
each date (:mod:`core.bounds`, the same check and sentence as the service).
Every other rule — evidence required, end not before start, the file's real
type and size — lives in :func:`services.consent_record`; its refusal is
placed on the field it is about through :data:`ERROR_FIELDS`, so the user
reads it where it applies.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from estafette.consent import messages
from estafette.consent.models import ConsentPurpose, EvidenceKind, ReviewOutcome, data_class_labels
from estafette.core import bounds, clock
from estafette.core.data_classes import DataClass
from estafette.core.errors import DomainError
from estafette.core.widgets import LongSelect
from estafette.organisations.models import Organisation, OrganisationKind

RECIPIENT_ORGANISATION = "organisation"
RECIPIENT_KIND = "kind"

ERROR_FIELDS: tuple[tuple[Promise, str], ...] = (
    (messages.UNKNOWN_PURPOSE, "purpose"),
    (messages.RECIPIENT_EXACTLY_ONE, "recipient_mode"),
    (messages.RECIPIENT_INACTIVE, "recipient_organisation"),
    (messages.UNKNOWN_RECIPIENT_KIND, "recipient_kind"),
    (messages.DATA_CLASSES_REQUIRED, "data_classes"),
    (messages.UNKNOWN_DATA_CLASS, "data_classes"),
    (messages.CLASSES_BEYOND_MAXIMUM, "data_classes"),
    (messages.CLASSES_REASON_REQUIRED, "classes_reason"),
    (messages.GIVEN_ON_REQUIRED, "given_on"),
    (messages.GIVEN_ON_FUTURE, "given_on"),
    (messages.END_BEFORE_START, "ends_on"),
    (messages.UNKNOWN_EVIDENCE_KIND, "evidence_kind"),
    (messages.EVIDENCE_FILE_REQUIRED, "evidence_file"),
    (messages.EVIDENCE_EMPTY, "evidence_file"),
    (messages.EVIDENCE_TOO_LARGE, "evidence_file"),
    (messages.EVIDENCE_WRONG_TYPE, "evidence_file"),
    (messages.EVIDENCE_UNREADABLE, "evidence_file"),
    (messages.EVIDENCE_VERBAL_REQUIRED, "verbal_by"),
    (messages.VERBAL_ON_FUTURE, "verbal_on"),
)
"""Which field a service refusal is about, matched on the message constant by identity.

(Not a dict: a lazy translation hashes by its translated text, which changes
with the language.)"""

DATE_BOUND_FIELDS: tuple[tuple[bounds.DateBound, str], ...] = (
    (bounds.CONSENT_GIVEN, "given_on"),
    (bounds.CONSENT_ENDS, "ends_on"),
    (bounds.CONSENT_HEARD, "verbal_on"),
)
"""Which field a date out of its range is about (the sentence is shared, its subject is not)."""


class PurposeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ConsentRecordForm(forms.Form):
    """What the coordinator fills in; field names follow ``services.consent_record``."""

    purpose = PurposeChoiceField(
        label=_("What does the person agree to?"),
        queryset=ConsentPurpose.objects.filter(is_active=True),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    recipient_mode = forms.ChoiceField(
        label=_("Who may receive the information?"),
        choices=[
            (RECIPIENT_ORGANISATION, _("one named organisation")),
            (RECIPIENT_KIND, _("any organisation of one kind")),
        ],
        widget=forms.RadioSelect,
        initial=RECIPIENT_ORGANISATION,
    )
    recipient_organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("— choose an organisation —"),
        widget=LongSelect,
    )
    recipient_kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=[("", _("— choose a kind —")), *OrganisationKind.choices],
        required=False,
    )
    data_classes = forms.MultipleChoiceField(
        label=_("Which information does the consent cover?"),
        choices=DataClass.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    classes_reason = forms.CharField(
        label=_("Why does this consent cover more than the purpose usually needs?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only needed when you tick more than the purpose's usual information "
            "(listed with each purpose). One sentence."
        ),
    )
    given_on = forms.DateField(label=_("Date the consent was given"), widget=DateInput())
    ends_on = forms.DateField(
        label=_("Last day of the consent (optional)"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty if the consent has no end date."),
    )
    evidence_kind = forms.ChoiceField(
        label=_("How did the person agree?"),
        choices=EvidenceKind.choices,
        widget=forms.RadioSelect,
    )
    evidence_file = forms.FileField(
        label=_("Signed form (PDF, PNG or JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
    verbal_by = forms.CharField(
        label=_("Heard by (name of the volunteer or professional)"),
        max_length=160,
        required=False,
    )
    verbal_on = forms.DateField(label=_("Heard on"), required=False, widget=DateInput())
    verbal_place = forms.CharField(
        label=_("Heard where (for example the prison's name)"), max_length=160, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_on"].initial = clock.today()
        bounds.bound_field(
            self.fields["given_on"], bounds.CONSENT_GIVEN, too_late=messages.GIVEN_ON_FUTURE
        )
        bounds.bound_field(self.fields["ends_on"], bounds.CONSENT_ENDS)
        # Heard on: only for verbal consent (checked in clean(); a document ignores it).
        bounds.bound_field(self.fields["verbal_on"], bounds.CONSENT_HEARD, validate=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("evidence_kind") == EvidenceKind.VERBAL and cleaned.get("verbal_on"):
            try:
                bounds.Within(bounds.CONSENT_HEARD, too_late=messages.VERBAL_ON_FUTURE)(
                    cleaned["verbal_on"]
                )
            except forms.ValidationError as error:
                self.add_error("verbal_on", error)
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments for ``services.consent_record``."""
        data = self.cleaned_data
        by_organisation = data["recipient_mode"] == RECIPIENT_ORGANISATION
        return {
            "purpose_code": data["purpose"].code,
            "recipient_organisation": data["recipient_organisation"] if by_organisation else None,
            "recipient_kind": "" if by_organisation else data["recipient_kind"],
            "data_classes": data["data_classes"],
            "classes_reason": data["classes_reason"],
            "given_on": data["given_on"],
            "ends_on": data["ends_on"],
            "evidence_kind": data["evidence_kind"],
            "evidence_file": data["evidence_file"],
            "verbal_by": data["verbal_by"],
            "verbal_on": data["verbal_on"],
            "verbal_place": data["verbal_place"],
        }

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service refusal on the field it is about (or above the form)."""
        field = next((name for message, name in ERROR_FIELDS if message is error.message), None)
        if error.message is bounds.DATE_OUT_OF_RANGE:
            what = error.params.get("what")
            field = next((name for bound, name in DATE_BOUND_FIELDS if bound.what is what), None)
        self.add_error(field, str(error))


REVOKE_ERROR_FIELDS: tuple[tuple[Promise, str], ...] = (
    (messages.UNKNOWN_WITHDRAWAL_EVIDENCE_KIND, "evidence_kind"),
    (messages.WITHDRAWAL_EVIDENCE_FILE_REQUIRED, "evidence_file"),
    (messages.EVIDENCE_EMPTY, "evidence_file"),
    (messages.EVIDENCE_TOO_LARGE, "evidence_file"),
    (messages.EVIDENCE_WRONG_TYPE, "evidence_file"),
    (messages.EVIDENCE_UNREADABLE, "evidence_file"),
    (messages.WITHDRAWAL_EVIDENCE_VERBAL_REQUIRED, "heard_by"),
    (messages.WITHDRAWAL_HEARD_FUTURE, "heard_on"),
    (messages.WITHDRAWAL_HEARD_BEFORE_GIVEN, "heard_on"),
)
"""Which field a refusal of ``services.consent_revoke`` is about (see :data:`ERROR_FIELDS`)."""


class ConsentRevokeForm(forms.Form):
    """Recording a withdrawal: the evidence, like recording a consent; the reason is optional."""

    evidence_kind = forms.ChoiceField(
        label=_("How did the person withdraw?"),
        choices=[
            (EvidenceKind.DOCUMENT, _("a signed letter")),
            (EvidenceKind.VERBAL, _("verbally")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    evidence_file = forms.FileField(
        label=_("Signed letter (PDF, PNG or JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
    heard_by = forms.CharField(
        label=_("Heard by (name of the volunteer or professional)"),
        max_length=160,
        required=False,
    )
    heard_on = forms.DateField(label=_("Heard on"), required=False, widget=DateInput())
    heard_where = forms.CharField(
        label=_("Heard where (for example the prison's name)"), max_length=160, required=False
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The person does not have to give a reason."),
    )

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments for ``services.consent_revoke``."""
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "evidence_kind": data["evidence_kind"],
            "evidence_file": data["evidence_file"],
            "heard_by": data["heard_by"],
            "heard_on": data["heard_on"],
            "heard_where": data["heard_where"],
        }

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service refusal on the field it is about (or above the form)."""
        field = next(
            (name for message, name in REVOKE_ERROR_FIELDS if message is error.message), None
        )
        if error.message is bounds.DATE_OUT_OF_RANGE:
            field = "heard_on"
        self.add_error(field, str(error))


class PersonWithdrawForm(forms.Form):
    """The person asks, on their own pages, to withdraw one of their consents.

    No evidence to give: the signed-in request is the evidence. A reason is optional.
    """

    reason = forms.CharField(
        label=_("Why do you withdraw it? (You do not have to say.)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The organisations we tell can read this."),
    )


class ConsentReviewForm(forms.Form):
    """A colleague's review of a consent its organisation recorded for itself."""

    outcome = forms.ChoiceField(
        label=_("Does the evidence hold?"),
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you checked, or what the colleague should ask the person."),
    )


def purpose_bounds_rows() -> list[dict[str, Any]]:
    """Each purpose in use with its usual information and what it may cover with a reason."""
    return [
        {
            "purpose": purpose,
            "default": data_class_labels(purpose.default_classes),
            "with_reason": data_class_labels(
                set(purpose.max_classes) - set(purpose.default_classes)
            ),
        }
        for purpose in ConsentPurpose.objects.filter(is_active=True)
    ]
