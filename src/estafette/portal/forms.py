"""Forms of the person's sign-in (address, code) and of the professional's paper code."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from estafette.portal.subject import Subject, SubjectKind

ADDRESS_INVALID = _("Type an e-mail address (with @) or a phone number (digits).")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]+$")


class _PortalForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # NL Design System labels carry no colon
        super().__init__(*args, **kwargs)


class SignInForm(_PortalForm):
    """One box: the e-mail address or the phone number a code should go to."""

    address = forms.CharField(
        label=_("Your e-mail address or phone number"),
        max_length=254,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "email",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
    )

    def clean_address(self) -> str:
        address = " ".join(self.cleaned_data["address"].split())
        if "@" in address:
            try:
                validate_email(address)
            except ValidationError as error:
                raise ValidationError(ADDRESS_INVALID) from error
            return address
        digits = sum(ch.isdigit() for ch in address)
        if not _PHONE.match(address) or not 8 <= digits <= 16:
            raise ValidationError(ADDRESS_INVALID)
        return address


class CodeForm(_PortalForm):
    """The code from the e-mail, the text message or the paper."""

    code = forms.CharField(
        label=_("Your code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "class": "portal-code-input",
            }
        ),
    )


class PaperCodeForm(_PortalForm):
    """For whom the professional prints a code, and in which language the sheet is."""

    kind = forms.ChoiceField(label=_("For whom"), widget=forms.RadioSelect)
    language = forms.ChoiceField(
        label=_("Language of the sheet"),
        widget=forms.RadioSelect,
        choices=[("nl", "Nederlands"), ("en", "English")],
    )

    def __init__(self, *args: Any, choices: list[Subject], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = []
        for subject in choices:
            if subject.kind == SubjectKind.PERSON:
                labels.append(
                    (
                        str(subject.kind),
                        _("The person: %(name)s") % {"name": subject.person.full_name},
                    )
                )
            elif subject.member is not None:
                labels.append(
                    (
                        str(subject.kind),
                        _("The contact person: %(name)s") % {"name": subject.member.name},
                    )
                )
        cast(forms.ChoiceField, self.fields["kind"]).choices = labels
