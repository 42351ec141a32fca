"""Forms of the sign-in: the second-factor code, at enrolment and at every sign-in."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

CODE_NOT_SIX_DIGITS = _("Enter the 6 digits your app shows, without letters.")


def normalised(code: str) -> str:
    """Spaces and dashes removed, lower case: people type codes as they read them."""
    return re.sub(r"[\s-]+", "", code).lower()


class _CodeForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # NL Design System labels carry no colon
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        return normalised(self.cleaned_data["code"])


class EnrolmentForm(_CodeForm):
    """The first code from the newly added app, which proves the app has the key."""

    code = forms.CharField(
        label=_("6-digit code from your app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "size": 8,
            }
        ),
    )

    def clean_code(self) -> str:
        code = super().clean_code()
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(CODE_NOT_SIX_DIGITS)
        return code


class SecondFactorForm(_CodeForm):
    """A code from the app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code your authenticator app shows for Estafette, "
            "or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "size": 12,
            }
        ),
    )
