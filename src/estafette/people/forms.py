"""The people search form: what a user may type, refused beside the field when it cannot be.

A query longer than :data:`people.selectors.QUERY_MAX_LENGTH` and a date of birth
outside :data:`core.bounds.BIRTH_DATE` (before 1900, or in the future) are
refused with a sentence; the form keeps what was typed. The selector refuses the
same query with the same sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds
from estafette.core.errors import InvalidInput
from estafette.core.templatetags.estafette_tags import language_name
from estafette.core.widgets import LongSelect
from estafette.organisations.models import Country
from estafette.people import services
from estafette.people.identifiers import IdentifierKind, identifier_check
from estafette.people.models import VULNERABILITY_MARKERS, Channel, Literacy, Relation
from estafette.people.selectors import QUERY_MAX_LENGTH, QUERY_TOO_LONG
from estafette.trajectories.forms import DateInput, EstafetteForm

BORN_IN_THE_FUTURE = _("A date of birth cannot lie in the future.")

_DATE_IN_QUERY = re.compile(
    r"(?<![\d.\-/])(?:(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})|(\d{4})-(\d{2})-(\d{2}))(?![\d.\-/])"
)


def date_in_query(query: str) -> tuple[dt.date, str] | None:
    """A date written in ``query`` (17-05-1988, 17/5/1988, 17.05.1988 or 1988-05-17) and the
    query without it; None when there is none, or it is no real day."""
    match = _DATE_IN_QUERY.search(query)
    if match is None:
        return None
    day, month, year, iso_year, iso_month, iso_day = match.groups()
    try:
        if year:
            found = dt.date(int(year), int(month), int(day))
        else:
            found = dt.date(int(iso_year), int(iso_month), int(iso_day))
    except ValueError:
        return None
    rest = " ".join((query[: match.start()] + " " + query[match.end() :]).split())
    return found, rest


class PeopleSearchForm(EstafetteForm):
    q = forms.CharField(
        label=_("Name or number"),
        help_text=_("Given or family name, BSN, V-number or foreign prison number."),
        required=False,
        # No ``max_length``: its refusal would be Django's sentence, not the selector's.
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "maxlength": QUERY_MAX_LENGTH}
        ),
    )
    born = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["born"], bounds.BIRTH_DATE, too_late=BORN_IN_THE_FUTURE)

    def clean_q(self) -> str:
        query: str = self.cleaned_data.get("q") or ""
        if len(query) > QUERY_MAX_LENGTH:
            raise forms.ValidationError(
                QUERY_TOO_LONG, code="too_long", params={"limit": QUERY_MAX_LENGTH}
            )
        return query

    def clean(self) -> dict[str, Any]:
        """A date of birth typed in the query (the header's one box: "de vries 17-05-1988")
        moves to ``born`` when that is empty, and is checked as if typed there."""
        data = super().clean() or {}
        query = data.get("q") or ""
        if data.get("born") is None and "born" not in self.errors:
            found = date_in_query(query)
            if found is not None:
                born, rest = found
                try:
                    self.fields["born"].run_validators(born)
                except forms.ValidationError as error:
                    self.add_error("born", error)
                    return data
                data["born"], data["q"] = born, rest
        return data

    def criteria(self) -> tuple[str, dt.date | None]:
        """The valid query and date of birth (call after ``is_valid()``)."""
        data = getattr(self, "cleaned_data", {})
        return data.get("q") or "", data.get("born")


# --- a person's details (issue 12): what a user may type; the services decide -----------------


def _checked(check: Callable[[object], str], value: object) -> str:
    """``check``'s answer, its refusal as the field's error (the service's own sentence)."""
    try:
        return check(value)
    except InvalidInput as error:
        raise forms.ValidationError(str(error)) from error


class ContactDetailsForm(EstafetteForm):
    """Address, phone and e-mail: each may stay empty (many come back with no address yet)."""

    address = forms.CharField(label=_("Street and number"), required=False, max_length=200)
    postcode = forms.CharField(
        label=_("Postcode"),
        required=False,
        max_length=services.POSTCODE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 8}),
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=100)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )

    def clean_postcode(self) -> str:
        return _checked(services.postcode_check, self.cleaned_data.get("postcode"))

    def clean_phone(self) -> str:
        return _checked(services.phone_check, self.cleaned_data.get("phone"))

    def clean_email(self) -> str:
        return _checked(services.email_check, self.cleaned_data.get("email"))


class ProfileForm(EstafetteForm):
    """How to reach the person: language, reading and writing, the channel they prefer."""

    language = forms.ChoiceField(label=_("Language"))
    literacy = forms.ChoiceField(label=_("Reading and writing"), choices=Literacy.choices)
    preferred_channel = forms.ChoiceField(label=_("Reach by"), choices=Channel.choices)

    def __init__(self, *args: Any, current_language: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(code, language_name(code)) for code, _name in services.language_choices()]
        choices.sort(key=lambda choice: choice[1].casefold())
        if current_language and current_language not in services.LANGUAGE_CODES:
            choices.insert(0, (current_language, current_language))
        cast(forms.ChoiceField, self.fields["language"]).choices = choices


class MarkersForm(EstafetteForm):
    """The vulnerability markers the reader may change (each under its class)."""

    def __init__(self, *args: Any, markers: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in markers:
            self.fields[name] = forms.BooleanField(
                label=VULNERABILITY_MARKERS[name], required=False
            )


class IdentifierForm(EstafetteForm):
    """A number the person is known by; the check is :func:`people.identifiers.identifier_check`."""

    kind = forms.ChoiceField(label=_("Kind of number"), choices=IdentifierKind.choices)
    value = forms.CharField(
        label=_("Number"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    country = forms.ModelChoiceField(
        label=_("Country of the prison"),
        help_text=_("Only for a foreign prison number."),
        queryset=Country.objects.all(),
        required=False,
        widget=LongSelect(),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, value = data.get("kind"), data.get("value")
        if kind and value is not None:
            try:
                data["value"] = identifier_check(kind, value)
            except InvalidInput as error:
                self.add_error("value", str(error))
        return data


class NetworkMemberForm(EstafetteForm):
    """Someone of the home front. ``with_contact``: offer "is the contact person" (adding)."""

    name = forms.CharField(label=_("Name"), max_length=160)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    is_minor = forms.BooleanField(label=_("Minor (under 18)"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )
    is_contact_person = forms.BooleanField(
        label=_("This is the contact person"),
        help_text=_(
            "The one person of the home front the organisations inform; it replaces "
            "the current contact person."
        ),
        required=False,
    )

    def __init__(self, *args: Any, with_contact: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_contact:
            del self.fields["is_contact_person"]

    def clean_name(self) -> str:
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError(services.NAME_REQUIRED)
        return name

    def clean_phone(self) -> str:
        return _checked(services.phone_check, self.cleaned_data.get("phone"))

    def clean_email(self) -> str:
        return _checked(services.email_check, self.cleaned_data.get("email"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_contact_person") and data.get("is_minor"):
            self.add_error("is_contact_person", str(services.MINOR_NOT_CONTACT))
        return data
