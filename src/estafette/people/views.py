"""The people register's pages: the search, and a person's details on one trajectory.

The search is a GET form over :func:`people.selectors.person_search`; the selector decides
what is found and audits it. The person details page (issue 12) shows the person of one
trajectory as its reader sees them, with a form per section the reader may change; each
form posts to its own address and calls one service of :mod:`people.services`. All work
without JavaScript; a refused input comes back beside its field with what was typed (400).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.refusal import refuse_not_found
from estafette.core.views import actor_required
from estafette.people import services
from estafette.people.forms import (
    ContactDetailsForm,
    IdentifierForm,
    MarkersForm,
    NetworkMemberForm,
    PeopleSearchForm,
    ProfileForm,
)
from estafette.people.models import VULNERABILITY_MARKERS, NetworkMember
from estafette.people.selectors import (
    SEARCH_LIMIT,
    SEARCH_NOT_FOR_ROLE,
    PersonDetails,
    person_details_get,
    person_search,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise
else:
    StrOrPromise = str

NETWORK_MEMBER_NOT_FOUND = _("No such member of this person's network.")
IDENTIFIER_NOT_FOUND = _("No such number recorded for this person.")


@require_GET
@actor_required
def people_search(request: HttpRequest) -> HttpResponse:
    """``/people/search/?q=…&born=YYYY-MM-DD``: the people the actor may see who match."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not policy.may_search_people(actor):
        raise NotPermitted(SEARCH_NOT_FOR_ROLE)
    form = PeopleSearchForm(request.GET or None)
    result = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            query, born = form.criteria()
            if query or born:
                result = person_search(actor=actor, query=query, date_of_birth=born)
        else:
            status = 400
    context = {"form": form, "result": result, "limit": SEARCH_LIMIT}
    return render(request, "people/search.html", context, status=status)


# --- a person's details and network, on one trajectory (issue 12) ----------------------------

DETAILS_TEMPLATE = "people/person_details.html"

SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "contact": services.CONTACT_FIELDS,
    "profile": services.PROFILE_FIELDS,
    "identifier": ("identifiers",),
    "network": ("network",),
}
"""Each form's section, and the details (keys of ``PERSON_FIELD_CLASSES``) it changes."""


def _forms(details: PersonDetails, bound: Mapping[str, forms.Form]) -> dict[str, Any]:
    """Every form the reader may use on the page; ``bound`` ones (refused) replace theirs."""
    person = details.person
    built: dict[str, Any] = {}
    if details.may_change(*services.CONTACT_FIELDS):
        built["contact"] = ContactDetailsForm(
            initial={name: getattr(person, name) for name in services.CONTACT_FIELDS},
            prefix="contact",
        )
    if details.may_change(*services.PROFILE_FIELDS):
        built["profile"] = ProfileForm(
            initial={name: getattr(person, name) for name in services.PROFILE_FIELDS},
            current_language=person.language,
            prefix="profile",
        )
    markers = _changeable_markers(details)
    if markers:
        built["markers"] = MarkersForm(
            initial={name: getattr(person, name) for name in markers},
            markers=markers,
            prefix="markers",
        )
    if details.may_change("identifiers"):
        built["identifier"] = IdentifierForm(prefix="identifier")
    if details.may_change("network"):
        built["network"] = NetworkMemberForm(prefix="network")
        for member in details.network:
            built[f"member-{member.pk}"] = NetworkMemberForm(
                initial={name: getattr(member, name) for name in services.NETWORK_FIELDS},
                with_contact=False,
                prefix=f"member-{member.pk}",
            )
    built.update(bound)
    return built


def _changeable_markers(details: PersonDetails) -> list[str]:
    return [name for name in services.MARKER_FIELDS if details.may_change(name)]


def _page(
    request: HttpRequest,
    details: PersonDetails,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    person = details.person
    built = _forms(details, bound or {})
    markers = [
        (name, label, getattr(person, name))
        for name, label in VULNERABILITY_MARKERS.items()
        if details.sees(name)
    ]
    member_forms = {member.pk: built.get(f"member-{member.pk}") for member in details.network}
    context = {
        "details": details,
        "trajectory": details.trajectory,
        "person": person,
        "access": details.access,
        "forms": built,
        "markers": markers,
        "markers_hidden": len(markers) < len(VULNERABILITY_MARKERS),
        "members": [(member, member_forms[member.pk]) for member in details.network],
        "open_form": next(iter(bound or {}), ""),
        "has_contact_person": any(m.is_contact_person for m in details.network),
    }
    return render(request, DETAILS_TEMPLATE, context, status=status)


@require_GET
@actor_required
def person_details(request: HttpRequest, pk: int) -> HttpResponse:
    """``/trajectories/<pk>/person/``: the person as this file's reader sees them, with a form
    per section the reader may change (no JavaScript needed). A file the actor may not open
    answers the audited 404."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return _page(request, person_details_get(actor=actor, trajectory_pk=pk))


def _details_form_view(
    request: HttpRequest,
    pk: int,
    key: str,
    needs: Iterable[str],
    build: Callable[[PersonDetails], forms.Form],
    apply: Callable[[PersonDetails, forms.Form], object],
    done: StrOrPromise,
    anchor: str,
) -> HttpResponse:
    """The flow of every form of the page: check the reader may change the section, validate,
    call the service, redirect; or show the page again with the form as typed (400).

    ``InvalidInput`` from the service lands beside its field (``params["field"]``);
    ``NotPermitted`` is the refusal page (403).
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    details = person_details_get(actor=actor, trajectory_pk=pk, audit=False)
    if not details.may_change(*needs):
        raise NotPermitted(services.NOT_YOURS_TO_CHANGE)
    form = build(details)
    if form.is_valid():
        try:
            apply(details, form)
        except InvalidInput as error:
            field_name = str(error.params.get("field", ""))
            form.add_error(field_name if field_name in form.fields else None, str(error))
        else:
            messages.success(request, done)
            return redirect(f"{reverse('person-details', kwargs={'pk': pk})}#{anchor}")
    details = person_details_get(actor=actor, trajectory_pk=pk)  # shown again: a view
    return _page(request, details, bound={key: form}, status=400)


def _member_of(actor: Actor, details: PersonDetails, member_pk: int) -> NetworkMember:
    """A member of this person's network, or the audited 404 (another person's, or none)."""
    member = next((m for m in details.network if m.pk == member_pk), None)
    if member is None:
        refuse_not_found(
            actor=actor,
            object_type="people.networkmember",
            object_id=member_pk,
            message=NETWORK_MEMBER_NOT_FOUND,
        )
    return member


@require_POST
@actor_required
def person_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the address, phone and e-mail."""
    return _details_form_view(
        request,
        pk,
        "contact",
        services.CONTACT_FIELDS,
        lambda d: ContactDetailsForm(request.POST, prefix="contact"),
        lambda d, form: services.person_details_update(
            actor=request.actor,  # type: ignore[attr-defined]
            person=d.person,
            **form.cleaned_data,
        ),
        _("The contact details have been saved."),
        "contact",
    )


@require_POST
@actor_required
def person_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the communication profile."""
    return _details_form_view(
        request,
        pk,
        "profile",
        services.PROFILE_FIELDS,
        lambda d: ProfileForm(request.POST, current_language=d.person.language, prefix="profile"),
        lambda d, form: services.person_details_update(
            actor=request.actor,  # type: ignore[attr-defined]
            person=d.person,
            **form.cleaned_data,
        ),
        _("The communication profile has been saved."),
        "profile",
    )


@require_POST
@actor_required
def person_markers(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the vulnerability markers the reader may change (an unticked box: not set)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    details = person_details_get(actor=actor, trajectory_pk=pk, audit=False)
    markers = _changeable_markers(details)
    if not markers:
        raise NotPermitted(services.NOT_YOURS_TO_CHANGE)
    return _details_form_view(
        request,
        pk,
        "markers",
        markers,
        lambda d: MarkersForm(request.POST, markers=markers, prefix="markers"),
        lambda d, form: services.person_details_update(
            actor=actor, person=d.person, **form.cleaned_data
        ),
        _("The markers have been saved."),
        "markers",
    )


@require_POST
@actor_required
def person_identifier_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a BSN, V-number or foreign prison number."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return _details_form_view(
        request,
        pk,
        "identifier",
        ("identifiers",),
        lambda d: IdentifierForm(request.POST, prefix="identifier"),
        lambda d, form: services.identifier_record(
            actor=actor,
            person=d.person,
            kind=form.cleaned_data["kind"],
            value=form.cleaned_data["value"],
            country=form.cleaned_data.get("country"),
        ),
        _("The number has been recorded."),
        "identifiers",
    )


@require_POST
@actor_required
def person_identifier_remove(request: HttpRequest, pk: int, identifier_pk: int) -> HttpResponse:
    """Remove a number recorded by mistake."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    details = person_details_get(actor=actor, trajectory_pk=pk, audit=False)
    identifier = next((i for i in details.identifiers if i.pk == identifier_pk), None)
    if identifier is None:
        refuse_not_found(
            actor=actor,
            object_type="people.personidentifier",
            object_id=identifier_pk,
            message=IDENTIFIER_NOT_FOUND,
        )
    services.identifier_remove(actor=actor, identifier=identifier)
    messages.success(request, _("The number has been removed."))
    return redirect(f"{reverse('person-details', kwargs={'pk': pk})}#identifiers")


@require_POST
@actor_required
def network_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add someone of the home front (optionally as the contact person)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return _details_form_view(
        request,
        pk,
        "network",
        ("network",),
        lambda d: NetworkMemberForm(request.POST, prefix="network"),
        lambda d, form: services.network_member_add(
            actor=actor, person=d.person, **form.cleaned_data
        ),
        _("The network member has been added."),
        "network",
    )


@require_POST
@actor_required
def network_member_edit(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """Correct a network member's name, relation, phone or e-mail."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    details = person_details_get(actor=actor, trajectory_pk=pk, audit=False)
    member = _member_of(actor, details, member_pk)
    return _details_form_view(
        request,
        pk,
        f"member-{member.pk}",
        ("network",),
        lambda d: NetworkMemberForm(request.POST, with_contact=False, prefix=f"member-{member.pk}"),
        lambda d, form: services.network_member_update(
            actor=actor, member=member, **form.cleaned_data
        ),
        _("The network member has been corrected."),
        f"member-{member.pk}",
    )


@require_POST
@actor_required
def network_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """Remove someone from the person's network."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    details = person_details_get(actor=actor, trajectory_pk=pk, audit=False)
    member = _member_of(actor, details, member_pk)
    services.network_member_remove(actor=actor, member=member)
    messages.success(request, _("The network member has been removed."))
    return redirect(f"{reverse('person-details', kwargs={'pk': pk})}#network")


@require_POST
@actor_required
def contact_person(request: HttpRequest, pk: int) -> HttpResponse:
    """Make one network member the contact person (``member`` empty: nobody)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    details = person_details_get(actor=actor, trajectory_pk=pk, audit=False)
    if not details.may_change("network"):
        raise NotPermitted(services.NOT_YOURS_TO_CHANGE)
    raw = request.POST.get("member", "")
    member = None
    if raw:
        if not raw.isdigit() or len(raw) > 18:
            raise InvalidInput(NETWORK_MEMBER_NOT_FOUND)
        member = _member_of(actor, details, int(raw))
    try:
        services.contact_person_designate(actor=actor, person=details.person, member=member)
    except InvalidInput as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The contact person has been saved.")
            if member
            else _("Nobody is the contact person now."),
        )
    return redirect(f"{reverse('person-details', kwargs={'pk': pk})}#network")
