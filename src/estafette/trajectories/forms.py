"""Forms of the caseload and the trajectory page: they check input, the services decide.

Validation here only catches what a user can correct on the spot (a missing
date, an unchanged route) and speaks with the same sentence constants the
services refuse with, so the words are the same whichever layer says no.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds
from estafette.core.widgets import LongSelect
from estafette.organisations.models import Municipality, Organisation, OrganisationKind
from estafette.trajectories import messages
from estafette.trajectories.models import (
    Phase,
    RegistrationCertainty,
    ReleaseCertainty,
    Route,
    Trajectory,
)
from estafette.trajectories.selectors import RELATION_LABELS, SORTS, CaseloadFilters

ALL = ""


class DateInput(forms.DateInput):
    """A native date picker; the value travels as ISO ``YYYY-MM-DD`` whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class EstafetteForm(forms.Form):
    """Our forms: labels without a trailing colon, as NL Design System forms write them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def organisation_choices(
    organisations: Iterable[Organisation], suggested: Iterable[Organisation] = ()
) -> list[tuple[Any, Any]]:
    """Organisations as a select grouped by kind, with the suggested ones in a first group.

    With 500+ organisations a flat list is unusable; groups let a keyboard or
    screen-reader user skip to "municipal after-care desk" and type ahead.
    """
    suggested = [org for org in suggested if org is not None]
    groups: dict[str, list[tuple[str, str]]] = {}
    for org in organisations:
        groups.setdefault(org.kind, []).append((str(org.pk), org.name))
    choices: list[tuple[Any, Any]] = [(ALL, _("— choose an organisation —"))]
    if suggested:
        choices.append((_("Suggested"), [(str(org.pk), org.name) for org in suggested]))
    for kind in OrganisationKind:
        if kind.value in groups:
            choices.append((kind.label, groups[kind.value]))
    return choices


# ---------------------------------------------------------------- caseload


SORT_CHOICES = [
    ("action", _("what needs action first")),
    ("release", _("release date, soonest first")),
    ("-release", _("release date, latest first")),
    ("deadline", _("nearest deadline")),
    ("person", _("name")),
    ("phase", _("phase")),
    ("route", _("route")),
    ("country", _("country")),
]
assert {key for key, _label in SORT_CHOICES} == set(SORTS), "sort choices follow the selector"


class CaseloadFilterForm(EstafetteForm):
    """The caseload's filters (GET). Invalid fields are reported and ignored, never fatal."""

    scope = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    relation = forms.ChoiceField(label=_("Your part"), required=False)
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[(ALL, _("All phases")), *Phase.choices]
    )
    route = forms.ChoiceField(
        label=_("Route"), required=False, choices=[(ALL, _("All routes")), *Route.choices]
    )
    country = forms.ChoiceField(label=_("Country of detention"), required=False, widget=LongSelect)
    municipality = forms.TypedChoiceField(
        label=_("Municipality"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Of registration or of settlement."),
        widget=LongSelect,
    )
    release_from = forms.DateField(label=_("Release from"), required=False, widget=DateInput())
    release_to = forms.DateField(label=_("Release until"), required=False, widget=DateInput())
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(
        self,
        *args: Any,
        countries: Iterable[Any],
        municipalities: Iterable[Any],
        scopes: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scopes = list(scopes)
        cast(forms.ChoiceField, self.fields["scope"]).choices = [
            (ALL, ALL),
            *((scope, scope) for scope in self.scopes),
        ]
        cast(forms.ChoiceField, self.fields["relation"]).choices = [
            (ALL, _("Everything in my caseload")),
            *[(key.value, label) for key, label in RELATION_LABELS.items()],
        ]
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            (ALL, _("All countries")),
            *sorted(((c.iso2, str(c)) for c in countries), key=lambda choice: choice[1]),
        ]
        cast(forms.ChoiceField, self.fields["municipality"]).choices = [
            (ALL, _("All municipalities")),
            *((str(m.pk), m.name) for m in municipalities),
        ]
        bounds.bound_fields(self, {"release_from": bounds.ANY_DATE, "release_to": bounds.ANY_DATE})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("release_from"), cleaned.get("release_to")
        if start and end and start > end:
            self.add_error("release_to", _("The end of the period lies before its start."))
        return cleaned

    def filters(self) -> CaseloadFilters:
        """The valid part of the input as selector filters (call after ``is_valid()``)."""
        data = getattr(self, "cleaned_data", {})
        return CaseloadFilters(
            # Not one of the actor's scopes (a volunteer asking for the organisation), or
            # none chosen: "" — the view opens on the default (trajectories.views.caseload).
            scope=data.get("scope") or "",
            relation=data.get("relation") or "",
            phase=data.get("phase") or "",
            route=data.get("route") or "",
            country=data.get("country") or "",
            municipality=data.get("municipality"),
            release_from=data.get("release_from"),
            release_to=data.get("release_to"),
            sort=data.get("sort") or "action",
        )


# ------------------------------------------------------------- holder forms


class RouteForm(EstafetteForm):
    """Change the route (a transfer is granted, consent withdrawn): always with a reason."""

    route = forms.ChoiceField(label=_("New route"), choices=Route.choices)
    transfer_law = forms.ChoiceField(
        label=_("Transfer law"),
        required=False,
        choices=[(ALL, _("not a sentence transfer")), ("WETS", "WETS"), ("WOTS", "WOTS")],
        help_text=_("Only for a sentence transfer: WETS inside the EU, WOTS elsewhere."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": messages.REASON_REQUIRED},
    )

    def __init__(self, *args: Any, trajectory: Trajectory, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"route": trajectory.route, "transfer_law": trajectory.transfer_law}
        )
        super().__init__(*args, **kwargs)
        self.trajectory = trajectory

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        route, law = cleaned.get("route"), cleaned.get("transfer_law") or ""
        if route == Route.ABROAD_TRANSFER and law not in ("WETS", "WOTS"):
            self.add_error("transfer_law", messages.TRANSFER_LAW_REQUIRED)
        elif route and route != Route.ABROAD_TRANSFER:
            cleaned["transfer_law"] = ""
        if route == self.trajectory.route and cleaned.get("transfer_law", "") == (
            self.trajectory.transfer_law
        ):
            self.add_error("route", messages.ROUTE_UNCHANGED)
        return cleaned


class RegistrationForm(EstafetteForm):
    """The municipality of last registration: where the after-care referral goes."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality of last registration"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        empty_label=_("— unknown —"),
        widget=LongSelect,
    )
    certainty = forms.ChoiceField(
        label=_("How sure is this?"),
        choices=RegistrationCertainty.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Bureau Buitenland cannot look in the population register; the address on the "
            "arrest notification can be wrong. Confirm it with the person or the municipality."
        ),
    )
    reason = forms.CharField(
        label=_("Source or reason (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, trajectory: Trajectory, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "municipality": trajectory.registration_municipality_id,
                "certainty": trajectory.registration_certainty,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        certainty = cleaned.get("certainty")
        if (
            certainty
            and certainty != RegistrationCertainty.UNKNOWN
            and not cleaned.get("municipality")
        ):
            self.add_error("municipality", messages.REGISTRATION_MUNICIPALITY_REQUIRED)
        return cleaned


class ReleaseForm(EstafetteForm):
    """What is known of the release date: a date, an estimate, a window, or nothing yet."""

    certainty = forms.ChoiceField(
        label=_("What is known of the release?"),
        choices=ReleaseCertainty.choices,
        widget=forms.RadioSelect,
    )
    date = forms.DateField(
        label=_("Release date"),
        required=False,
        widget=DateInput(),
        help_text=_("For a known date or an estimate."),
    )
    earliest = forms.DateField(
        label=_("At the earliest"),
        required=False,
        widget=DateInput(),
        help_text=_("For a window: the first possible day."),
    )
    latest = forms.DateField(
        label=_("At the latest"),
        required=False,
        widget=DateInput(),
        help_text=_("For a window: the last possible day."),
    )
    reason = forms.CharField(
        label=_("Source or reason (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, trajectory: Trajectory, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "certainty": trajectory.release_certainty,
                "date": trajectory.release_date,
                "earliest": trajectory.release_earliest,
                "latest": trajectory.release_latest,
            },
        )
        super().__init__(*args, **kwargs)
        bounds.bound_fields(
            self,
            {
                "date": bounds.RELEASE_DATE,
                "earliest": bounds.RELEASE_DATE,
                "latest": bounds.RELEASE_DATE,
            },
            validate=False,  # only the dates the certainty keeps: checked in clean()
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        certainty = cleaned.get("certainty")
        if certainty in (ReleaseCertainty.KNOWN, ReleaseCertainty.ESTIMATE):
            if not cleaned.get("date"):
                self.add_error("date", messages.RELEASE_DATE_REQUIRED)
            else:
                bounds.check_in_form(self, "date", bounds.RELEASE_DATE)
        elif certainty == ReleaseCertainty.WINDOW:
            earliest, latest = cleaned.get("earliest"), cleaned.get("latest")
            if not earliest or not latest:
                self.add_error(
                    "earliest" if not earliest else "latest", messages.RELEASE_WINDOW_REQUIRED
                )
            else:
                bounds.check_in_form(self, "earliest", bounds.RELEASE_DATE)
                bounds.check_in_form(self, "latest", bounds.RELEASE_DATE)
                if "earliest" in cleaned and "latest" in cleaned and earliest > latest:
                    self.add_error("latest", messages.RELEASE_WINDOW_ORDER)
        return cleaned


class PhaseForm(EstafetteForm):
    """Move to another phase; closing the trajectory needs a reason."""

    phase = forms.ChoiceField(label=_("New phase"), choices=Phase.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you close the trajectory."),
    )

    def __init__(
        self, *args: Any, trajectory: Trajectory, leaving: bool = False, **kwargs: Any
    ) -> None:
        """``leaving``: only the phases after detention (a committed receiver records that
        the person has left detention, decision 0011)."""
        kwargs.setdefault("initial", {"phase": Phase.RETURN if leaving else trajectory.phase})
        super().__init__(*args, **kwargs)
        self.trajectory = trajectory
        if leaving:
            field = cast(forms.ChoiceField, self.fields["phase"])
            field.choices = [
                (Phase.RETURN, Phase.RETURN.label),
                (Phase.REINTEGRATION, Phase.REINTEGRATION.label),
            ]
            field.label = _("The person has left detention; phase now")
            del self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        phase = cleaned.get("phase")
        if phase and phase == self.trajectory.phase:
            self.add_error("phase", messages.PHASE_UNCHANGED)
        if phase == Phase.CLOSED and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", messages.REASON_REQUIRED)
        return cleaned


class DomesticEntryForm(EstafetteForm):
    """The day a transferred person entered the Dutch prison (the domestic norms run from it)."""

    entered_on = forms.DateField(
        label=_("Entered the Dutch prison on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Screening within 14 days, a mentor every 14 days and the D&R plan within 28 days "
            "run from this day. Leave empty while the person is still abroad."
        ),
    )

    def __init__(self, *args: Any, trajectory: Trajectory, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"entered_on": trajectory.domestic_entry})
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["entered_on"], bounds.DETENTION_START)


class NextStepForm(EstafetteForm):
    """What is expected next, by when, and who is expected to run next."""

    next_step = forms.CharField(
        label=_("Next step"),
        max_length=200,
        required=False,
        help_text=_("In a few words, e.g. “send the after-care referral”. Empty clears it."),
    )
    due = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    next_runner = forms.ModelChoiceField(
        label=_("Next runner (planned)"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The organisation you expect to hand the baton to."),
        widget=LongSelect,
    )

    def __init__(
        self,
        *args: Any,
        trajectory: Trajectory,
        organisations: Any,
        suggested: Iterable[Organisation] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "next_step": trajectory.next_step,
                "due": trajectory.next_step_due,
                "next_runner": trajectory.next_runner_id,
            },
        )
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["next_runner"])
        field.queryset = organisations
        choices = organisation_choices(organisations, suggested)
        choices[0] = (ALL, _("— nobody planned yet —"))
        field.widget.choices = choices
        bounds.bound_field(self.fields["due"], bounds.NEXT_STEP_DUE)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        due: dt.date | None = cleaned.get("due")
        if due and not (cleaned.get("next_step") or "").strip():
            self.add_error("next_step", _("Say what is due on that date."))
        return cleaned


# ------------------------------------------------------------- assignments (issue 12)


class AssignForm(EstafetteForm):
    """Assign a worker to the person: the part, and one of the eligible workers by name.

    ``kinds``: (code, label) the actor may assign; ``workers``: (user id, label) of the
    eligible workers (the view asks the policy). The service checks both again.
    """

    kind = forms.ChoiceField(label=_("Part"))
    worker = forms.TypedChoiceField(label=_("Worker"), coerce=int)

    def __init__(
        self,
        *args: Any,
        kinds: Iterable[tuple[str, str]],
        workers: Iterable[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = list(kinds)
        cast(forms.ChoiceField, self.fields["worker"]).choices = [
            (ALL, _("Choose a worker")),
            *workers,
        ]


class ReassignForm(EstafetteForm):
    """Hand a colleague's people over to another worker, all or the chosen ones."""

    from_worker = forms.TypedChoiceField(label=_("From"), coerce=int)
    to_worker = forms.TypedChoiceField(label=_("To"), coerce=int)
    assignments = forms.TypedMultipleChoiceField(
        label=_("People"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none to hand over all of them."),
    )

    def __init__(
        self,
        *args: Any,
        workers: Iterable[tuple[int, str]],
        assignments: Iterable[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(ALL, _("Choose a worker")), *workers]
        cast(forms.ChoiceField, self.fields["from_worker"]).choices = choices
        cast(forms.ChoiceField, self.fields["to_worker"]).choices = choices
        cast(forms.ChoiceField, self.fields["assignments"]).choices = list(assignments)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("from_worker") and cleaned.get("from_worker") == cleaned.get("to_worker"):
            self.add_error("to_worker", messages.REASSIGN_SAME_WORKER)
        return cleaned


class TrajectoryIdsField(forms.TypedMultipleChoiceField):
    """Ticked trajectory numbers: any number is valid here; the service checks each one
    (scope, still stale), so a row that left the page meanwhile is reported, not lost."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() and len(str(value)) < 12


class StaleCloseForm(EstafetteForm):
    """Close the ticked files that are long past their last step, with one reason."""

    trajectories = TrajectoryIdsField(
        label=_("Files to close"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": messages.REASON_REQUIRED},
    )
