"""Forms of the access pages: asking for emergency access, and reviewing it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.access import messages
from estafette.access.services import MIN_REASON_LENGTH
from estafette.core import bounds
from estafette.core.errors import InvalidInput
from estafette.people.identifiers import (
    BSN_INVALID,
    FOREIGN_PRISON_NUMBER_INVALID,
    UNKNOWN_KIND,
    V_NUMBER_INVALID,
    IdentifierKind,
)
from estafette.people.registration import BORN_IN_THE_FUTURE, criteria_clean

IDENTIFIER_SENTENCES = (BSN_INVALID, V_NUMBER_INVALID, FOREIGN_PRISON_NUMBER_INVALID, UNKNOWN_KIND)


class EmergencyAccessForm(forms.Form):
    """Who the person is — name and date of birth (and a number if there are several) —
    or, if someone gave it to you, the file's number; and the reason."""

    given_names = forms.CharField(label=_("Given names"), max_length=120, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=120, required=False)
    born = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    identifier_kind = forms.ChoiceField(
        label=_("Kind of number"),
        choices=[("", _("no number")), *IdentifierKind.choices],
        required=False,
    )
    identifier_value = forms.CharField(label=_("Number"), max_length=60, required=False)
    trajectory = forms.IntegerField(
        label=_("Or: trajectory number"),
        required=False,
        help_text=_("The number of the file, as the person or a colleague gave it to you."),
    )
    reason = forms.CharField(
        label=_("Why must you open this file now?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "At least a full sentence. The organisation that holds the baton reads it, "
            "and it stays in the person's access log."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["trajectory"], bounds.RECORD_NUMBER)
        bounds.bound_field(self.fields["born"], bounds.BIRTH_DATE, too_late=BORN_IN_THE_FUTURE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("trajectory") is not None or "trajectory" in self.errors:
            return data
        try:
            data["criteria"] = criteria_clean(
                given_names=data.get("given_names") or "",
                family_name=data.get("family_name") or "",
                date_of_birth=data.get("born"),
                identifier_kind=data.get("identifier_kind") or "",
                identifier_value=data.get("identifier_value") or "",
            )
        except InvalidInput as error:
            if "born" not in self.errors:
                field = "identifier_value" if error.message in IDENTIFIER_SENTENCES else None
                self.add_error(field, str(error))
        return data

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise forms.ValidationError(messages.EMERGENCY_REASON_REQUIRED)
        return reason


class EmergencyReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: justified, or what you agreed with the colleague."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
