"""The people search form: what a user may type, refused beside the field when it cannot be.

A query longer than :data:`people.selectors.QUERY_MAX_LENGTH` and a date of birth
outside :data:`core.bounds.BIRTH_DATE` (before 1900, or in the future) are
refused with a sentence; the form keeps what was typed. The selector refuses the
same query with the same sentence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds
from estafette.people.selectors import QUERY_MAX_LENGTH, QUERY_TOO_LONG
from estafette.trajectories.forms import DateInput, EstafetteForm

BORN_IN_THE_FUTURE = _("A date of birth cannot lie in the future.")


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

    def criteria(self) -> tuple[str, dt.date | None]:
        """The valid query and date of birth (call after ``is_valid()``)."""
        data = getattr(self, "cleaned_data", {})
        return data.get("q") or "", data.get("born")
