"""The intake forms: one short form each, checked here, decided by the services.

Every form starts with who the person is (:class:`PersonForm`: the criteria of
find-before-create, the same fields the search took), so a user who searched first lands
on a form already filled in. Bad input is refused beside its field with the service's own
sentence (dates through :mod:`core.bounds`, numbers through ``people.identifiers``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds
from estafette.core.errors import InvalidInput
from estafette.core.widgets import LongSelect
from estafette.intake import services
from estafette.organisations.models import Country
from estafette.people.identifiers import IdentifierKind, identifier_check
from estafette.people.models import Relation
from estafette.people.registration import BORN_IN_THE_FUTURE, Criteria
from estafette.trajectories.forms import DateInput, EstafetteForm
from estafette.trajectories.models import Phase, Route

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(label: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


def _country_field(label: Any, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Country.objects.all(),
        required=required,
        widget=LongSelect,
    )


class PersonForm(EstafetteForm):
    """Who the person is: the criteria of find-before-create, and of the duplicate check."""

    given_names = forms.CharField(label=_("Given names"), max_length=120)
    family_name = forms.CharField(label=_("Family name"), max_length=120)
    born = forms.DateField(label=_("Date of birth"), widget=DateInput())
    identifier_kind = forms.ChoiceField(
        label=_("Kind of number"),
        choices=[("", _("no number")), *IdentifierKind.choices],
        required=False,
    )
    identifier_value = forms.CharField(label=_("Number"), max_length=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["born"], bounds.BIRTH_DATE, too_late=BORN_IN_THE_FUTURE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("identifier_kind") or ""
        value = (data.get("identifier_value") or "").strip()
        if kind and value:
            try:
                data["identifier_value"] = identifier_check(kind, value)
            except InvalidInput as error:
                self.add_error("identifier_value", str(error))
        elif value and not kind:
            self.add_error("identifier_kind", _("Choose which kind of number this is."))
        else:
            data["identifier_kind"] = ""
            data["identifier_value"] = ""
        return data

    def criteria(self) -> Criteria:
        """The criteria (call after ``is_valid()``)."""
        d = self.cleaned_data
        return Criteria(
            " ".join(d["given_names"].split()),
            " ".join(d["family_name"].split()),
            d["born"],
            d.get("identifier_kind") or "",
            d.get("identifier_value") or "",
        )


class ContactFields(forms.Form):
    """The one contact person at home (optional)."""

    contact_name = forms.CharField(label=_("Contact person in the Netherlands"), required=False)
    contact_relation = forms.ChoiceField(
        label=_("Relation"), choices=Relation.choices, initial=Relation.PARTNER, required=False
    )
    contact_phone = forms.CharField(label=_("Phone of the contact person"), required=False)

    def contact(self) -> services.ContactPerson:
        d = self.cleaned_data
        return services.ContactPerson(
            d.get("contact_name") or "",
            d.get("contact_relation") or "",
            d.get("contact_phone") or "",
        )


class ArrestNotificationForm(PersonForm, ContactFields):
    nationality = _country_field(_("Nationality"), required=False)
    country = _country_field(_("Country of detention"))
    place = forms.CharField(label=_("Place of detention"), max_length=80)
    prison = forms.CharField(label=_("Prison"), max_length=80)
    arrested_on = forms.DateField(label=_("Date of arrest"), widget=DateInput())
    consular_assistance_wanted = _yes_no(_("Does the person want consular assistance?"))
    registration_consent = _yes_no(
        _("Does the person consent to registration?"),
        _("No: only who, where and since when are kept, and the record says so."),
    )

    field_order = [
        "given_names",
        "family_name",
        "born",
        "nationality",
        "identifier_kind",
        "identifier_value",
        "country",
        "place",
        "prison",
        "arrested_on",
        "consular_assistance_wanted",
        "registration_consent",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bounds.bound_field(
            self.fields["arrested_on"],
            bounds.DETENTION_START,
            too_late=services.ARRESTED_IN_THE_FUTURE,
        )
        self.fields["identifier_kind"].initial = IdentifierKind.FOREIGN_PRISON_NUMBER

    def notification(self) -> services.ArrestNotification:
        d = self.cleaned_data
        return services.ArrestNotification(
            criteria=self.criteria(),
            nationalities=(d["nationality"],) if d.get("nationality") else (),
            country=d["country"],
            place=d["place"],
            prison=d["prison"],
            arrested_on=d["arrested_on"],
            consular_assistance_wanted=d["consular_assistance_wanted"],
            registration_consent=d["registration_consent"],
            contact=self.contact(),
        )


class GuidanceFields(ContactFields):
    guidance_agreement = _yes_no(_("Has the person signed the guidance agreement?"))
    data_sharing = _yes_no(
        _("Does the person consent to sharing data with the consular post?"),
    )
    volunteer_visits = _yes_no(_("Does the person want visits by a volunteer?"))
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["signed_on"], bounds.CONSENT_GIVEN)

    def clean_guidance_agreement(self) -> bool:
        agreed = bool(self.cleaned_data.get("guidance_agreement"))
        if not agreed:
            raise forms.ValidationError(services.GUIDANCE_AGREEMENT_REQUIRED)
        return agreed

    def guidance(self, **extra: Any) -> services.GuidanceRequest:
        d = self.cleaned_data
        return services.GuidanceRequest(
            guidance_agreement=d["guidance_agreement"],
            data_sharing=d["data_sharing"],
            volunteer_visits=d["volunteer_visits"],
            signed_on=d["signed_on"],
            contact=self.contact(),
            **extra,
        )


class GuidanceContinueForm(GuidanceFields):
    """On a file found by find-before-create (the consulate's)."""

    field_order = [
        "guidance_agreement",
        "data_sharing",
        "volunteer_visits",
        "signed_on",
        "contact_name",
        "contact_relation",
        "contact_phone",
    ]


class GuidanceNewForm(PersonForm, GuidanceFields):
    """A letter from prison: who and where, then the form's answers."""

    country = _country_field(_("Country of detention"))
    detention_place = forms.CharField(label=_("Place and prison of detention"), max_length=160)
    detained_since = forms.DateField(label=_("Detained since"), widget=DateInput(), required=False)

    # Who and where first, then the form's answers, the contact person last.
    field_order = [
        "given_names",
        "family_name",
        "born",
        "identifier_kind",
        "identifier_value",
        "country",
        "detention_place",
        "detained_since",
        "guidance_agreement",
        "data_sharing",
        "volunteer_visits",
        "signed_on",
        "contact_name",
        "contact_relation",
        "contact_phone",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bounds.bound_field(
            self.fields["detained_since"],
            bounds.DETENTION_START,
            too_late=services.ARRESTED_IN_THE_FUTURE,
        )

    def guidance_new(self) -> services.GuidanceRequest:
        d = self.cleaned_data
        return self.guidance(
            criteria=self.criteria(),
            country=d["country"],
            detention_place=d["detention_place"],
            detained_since=d.get("detained_since"),
        )


class EntryFields(forms.Form):
    entered_on = forms.DateField(label=_("Date of entry"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        bounds.bound_field(
            self.fields["entered_on"],
            bounds.DETENTION_START,
            too_late=services.ENTERED_IN_THE_FUTURE,
        )


class PrisonContinueForm(EntryFields):
    """A sentence transfer's arrival, on the file from abroad."""


class PrisonNewForm(PersonForm, EntryFields):
    """An entry after a Dutch sentence: the domestic route."""

    field_order = [
        "given_names",
        "family_name",
        "born",
        "identifier_kind",
        "identifier_value",
        "entered_on",
    ]


class WalkInForm(PersonForm, ContactFields):
    source = forms.ChoiceField(
        label=_("How did the person come to the desk?"),
        choices=[(s.value, s.label) for s in services.AFTERCARE_SOURCES],
        widget=forms.RadioSelect,
    )
    route = forms.ChoiceField(
        label=_("Where did the person come back from?"),
        choices=[
            (Route.DOMESTIC, Route.DOMESTIC.label),
            (Route.ABROAD_OWN, Route.ABROAD_OWN.label),
            (Route.ABROAD_BB, Route.ABROAD_BB.label),
        ],
        widget=forms.RadioSelect,
    )
    country = _country_field(_("Country of detention (from abroad)"), required=False)
    phase = forms.ChoiceField(
        label=_("Phase"),
        choices=[(p.value, p.label) for p in services.AFTERCARE_PHASES],
        initial=Phase.RETURN,
        widget=forms.RadioSelect,
    )
    consents_to_aftercare = forms.BooleanField(
        label=_("The person consents to municipal after-care (heard at the desk today)"),
        required=False,
    )

    # The person first, then how and whence they came, the contact person last (the
    # mixins would otherwise put the contact person above the person).
    field_order = [
        "given_names",
        "family_name",
        "born",
        "identifier_kind",
        "identifier_value",
        "source",
        "route",
        "country",
        "phase",
        "consents_to_aftercare",
        "contact_name",
        "contact_relation",
        "contact_phone",
    ]

    def walk_in(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "criteria": self.criteria(),
            "source": d["source"],
            "route": d["route"],
            "phase": d["phase"],
            "country": d.get("country"),
            "consents_to_aftercare": bool(d.get("consents_to_aftercare")),
            "contact": self.contact(),
        }


FORMS_NEW: dict[str, type[forms.Form]] = {
    "consular": ArrestNotificationForm,
    "guidance": GuidanceNewForm,
    "prison": PrisonNewForm,
    "aftercare": WalkInForm,
}
FORMS_CONTINUE: dict[str, type[forms.Form]] = {
    "guidance": GuidanceContinueForm,
    "prison": PrisonContinueForm,
}


class MergeForm(EstafetteForm):
    """Two files of one person, by trajectory number, and why they are one person."""

    keep = forms.IntegerField(
        label=_("Trajectory number of the person to keep"),
        help_text=_("The registration that stays; the other one's files and data join it."),
    )
    duplicate = forms.IntegerField(label=_("Trajectory number of the duplicate registration"))
    reason = forms.CharField(
        label=_("Why are these one person?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the same BSN, confirmed with the person."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["keep"], bounds.RECORD_NUMBER)
        bounds.bound_field(self.fields["duplicate"], bounds.RECORD_NUMBER)
