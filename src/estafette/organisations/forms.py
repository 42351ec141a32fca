"""Forms of an organisation's administrator: invite, reset a second factor, the details.

Each form checks the shape of what was typed and puts a sentence beside the field; the
service decides again (the policy's role table, the scope) and may refuse with its own
sentence, which the view puts beside the field it concerns.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.organisations.models import Organisation, Role
from estafette.organisations.services import (
    DETAIL_FIELDS,
    EMAIL_INVALID,
    NAME_REQUIRED,
    REASON_MAX,
    REASON_REQUIRED,
)

PHONE_INVALID = _(
    "Fill in a phone number of digits, with + at the start if you like, spaces or dashes "
    "between: +31 26 123 4567."
)
ROLE_NOT_OFFERED = _(
    "This role is not given at the organisations you run. Choose one of the roles offered."
)
POSTCODE_INVALID = _("Fill in a postcode of letters and digits, like 6811 AB.")

PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,30}$")
POSTCODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z \-]{1,10}$")


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # NL Design System labels carry no colon
        super().__init__(*args, **kwargs)


class InviteForm(_Form):
    """Someone to invite: who, at which of the actor's organisations, in which role."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, error_messages={"required": NAME_REQUIRED}
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, error_messages={"required": NAME_REQUIRED}
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=150,
        help_text=_("The invitation goes here; it is also the name to sign in with."),
        error_messages={"required": EMAIL_INVALID, "invalid": EMAIL_INVALID},
    )
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    role = forms.ChoiceField(label=_("Role"), error_messages={"invalid_choice": ROLE_NOT_OFFERED})

    def __init__(self, *args: Any, actor: Actor, organisations: list[Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.organisations = {o.pk: o for o in organisations}
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [
            (o.pk, o.name) for o in organisations
        ]
        offered = {role for o in organisations for role in policy.roles_for_organisation(o)}
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            (r.value, r.label) for r in Role if r.value in offered
        ]
        self.fields["role"].help_text = _(
            "Only the roles that fit the kind of organisation are accepted (see the table below)."
        )
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organisation = self.organisations.get(cleaned.get("organisation") or 0)
        role = cleaned.get("role")
        if (
            organisation is not None
            and role
            and not policy.may_grant_role(self.actor, organisation, role)
        ):
            self.add_error(
                "role",
                _("The role “%(role)s” does not fit a %(kind)s. Choose one of: %(roles)s.")
                % {
                    "role": Role(role).label,
                    "kind": organisation.get_kind_display(),
                    "roles": ", ".join(
                        str(Role(r).label) for r in policy.roles_for_organisation(organisation)
                    ),
                },
            )
        cleaned["organisation_object"] = organisation
        return cleaned


class SecondFactorResetForm(_Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_MAX,
        help_text=_("Kept in the audit log, for example: “phone lost, called me on 3 March”."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REASON_REQUIRED},
    )


class OrganisationDetailsForm(forms.ModelForm):
    """The organisation's visiting address, phone, e-mail, website and opening hours."""

    website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )

    class Meta:
        model = Organisation
        fields = DETAIL_FIELDS
        widgets = {"opening_hours": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        cast(forms.CharField, self.fields["opening_hours"]).max_length = 500
        self.fields["opening_hours"].widget.attrs["maxlength"] = 500
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["email"].error_messages["invalid"] = EMAIL_INVALID

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone", "")).strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(PHONE_INVALID)
        return phone

    def clean_postal_code(self) -> str:
        code = str(self.cleaned_data.get("postal_code", "")).strip()
        if code and not POSTCODE.match(code):
            raise forms.ValidationError(POSTCODE_INVALID)
        return code.upper()

    def values(self) -> dict[str, str]:
        """The cleaned details for ``organisation_details_update``."""
        return {name: str(self.cleaned_data.get(name) or "") for name in DETAIL_FIELDS}
