"""Forms of the signal inbox and the signal page: they check input, the services decide.

The note and reason fields speak with the services' own sentence constants, so
the words are the same whichever layer says no.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds
from estafette.core.widgets import LongSelect
from estafette.signals.selectors import (
    SCOPE_ORGANISATION,
    SCOPE_ROLE,
    STATE_CHOICES,
    InboxFilters,
)
from estafette.signals.services import NOTE_REQUIRED, SNOOZE_IN_FUTURE
from estafette.trajectories.forms import ALL, DateInput, EstafetteForm


class InboxFilterForm(EstafetteForm):
    """The inbox's filters (GET). Invalid fields are reported and ignored, never fatal."""

    scope = forms.ChoiceField(
        label=_("Show signals"),
        required=False,
        choices=[
            (SCOPE_ROLE, _("for my role")),
            (SCOPE_ORGANISATION, _("for the whole organisation")),
        ],
    )
    rule = forms.ChoiceField(label=_("Kind of signal"), required=False)
    country = forms.ChoiceField(label=_("Country of detention"), required=False, widget=LongSelect)
    municipality = forms.TypedChoiceField(
        label=_("Municipality of registration"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=LongSelect,
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)

    def __init__(
        self,
        *args: Any,
        rules: Iterable[tuple[str, str]],
        countries: Iterable[Any],
        municipalities: Iterable[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rule"]).choices = [
            (ALL, _("All kinds")),
            *rules,
        ]
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            (ALL, _("All countries")),
            *sorted(((c.iso2, str(c)) for c in countries), key=lambda choice: choice[1]),
        ]
        cast(forms.ChoiceField, self.fields["municipality"]).choices = [
            (ALL, _("All municipalities")),
            *((str(m.pk), m.name) for m in municipalities),
        ]

    def filters(self) -> InboxFilters:
        """The valid part of the input as selector filters (call after ``is_valid()``)."""
        data = getattr(self, "cleaned_data", {})
        return InboxFilters(
            scope=data.get("scope") or SCOPE_ROLE,
            rule=data.get("rule") or "",
            country=data.get("country") or "",
            municipality=data.get("municipality"),
            state=data.get("state") or "",
        )


class NoteForm(EstafetteForm):
    """Acknowledge a signal: say what you do about it."""

    note = forms.CharField(
        label=_("What you do about it"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": NOTE_REQUIRED},
    )

    def clean_note(self) -> str:
        note = str(self.cleaned_data["note"]).strip()
        if not note:
            raise forms.ValidationError(NOTE_REQUIRED)
        return note


class SnoozeForm(EstafetteForm):
    """Hide a signal until a day; it comes back on that day if the facts still hold."""

    until = forms.DateField(
        label=_("Snooze until"),
        widget=DateInput(),
        error_messages={"required": SNOOZE_IN_FUTURE, "invalid": SNOOZE_IN_FUTURE},
    )
    reason = forms.CharField(
        label=_("Why wait"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": NOTE_REQUIRED},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["until"], bounds.SNOOZE_UNTIL, too_early=SNOOZE_IN_FUTURE)


class ResolveForm(EstafetteForm):
    """Close a signal by hand; it stays closed until its facts change."""

    reason = forms.CharField(
        label=_("Why it is resolved"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": NOTE_REQUIRED},
    )
