"""Forms of the access pages: asking for emergency access, and reviewing it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.access import messages
from estafette.access.services import MIN_REASON_LENGTH
from estafette.core import bounds


class EmergencyAccessForm(forms.Form):
    trajectory = forms.IntegerField(
        label=_("Trajectory number"),
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
