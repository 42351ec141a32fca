"""Thin views: record a contact, withdraw one, ask for a volunteer, record the answer.

The form lives on the trajectory page (``{% contact_panel %}``); ``GET
…/contacts/`` shows it on a page of its own as well, short enough for a
phone in a prison car park. A form with errors comes back on that page
(HTTP 400) with the errors beside the fields; everything works without
JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.views import actor_required
from estafette.trajectories.models import Trajectory
from estafette.visits import messages as visit_messages
from estafette.visits import services
from estafette.visits.forms import (
    ContactForm,
    ContactWithdrawForm,
    VolunteerAnswerForm,
    VolunteerRequestForm,
    withdraw_prefix,
)
from estafette.visits.selectors import (
    contact_get,
    may_withdraw,
    trajectory_for_contacts,
    volunteer_request_get,
)


def _back(pk: int) -> str:
    return reverse("trajectory-detail", kwargs={"pk": pk}) + "#contacts"


@require_http_methods(["GET", "POST"])
@actor_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a contact moment for trajectory ``pk`` (404 outside the actor's scope)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    trajectory = trajectory_for_contacts(actor=actor, pk=pk)
    kinds = services.kinds_for(actor)
    if not kinds:
        raise NotPermitted(visit_messages.KIND_NOT_FOR_ROLE)
    access = policy.access_for(actor, trajectory)
    sees_notes = access.sees(DataClass.NOTES)
    data = request.POST if request.method == "POST" else None
    form = ContactForm(data, kinds=kinds, sees_notes=sees_notes, prefix="contact")
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                services.contact_record(
                    actor=actor,
                    trajectory=trajectory,
                    kind=form.cleaned_data["kind"],
                    happened_on=form.cleaned_data["happened_on"],
                    channel=form.cleaned_data["channel"],
                    note=form.cleaned_data.get("note") or "",
                )
            except InvalidInput as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The contact has been recorded."))
                return redirect(_back(pk))
        status = 400
    name = (
        trajectory.person.full_name
        if access.sees(DataClass.IDENTITY)
        else _("Trajectory %(number)s") % {"number": trajectory.pk}
    )
    return render(
        request,
        "visits/contact_form.html",
        {"form": form, "trajectory": trajectory, "display_name": name},
        status=status,
    )


def _display_name(actor: Actor, trajectory: Trajectory) -> str:
    if policy.access_for(actor, trajectory).sees(DataClass.IDENTITY):
        return trajectory.person.full_name
    return _("Trajectory %(number)s") % {"number": trajectory.pk}


@require_http_methods(["GET", "POST"])
@actor_required
def contact_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw contact ``pk`` with a reason (404 outside the actor's scope).

    The form sits beside the contact on the trajectory page; ``GET`` shows it on a
    page of its own. A missing reason comes back on that page (HTTP 400) with the
    typed text kept and the error beside the field; a contact the actor did not record
    is refused by the service (403 with a sentence, nothing written).
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    moment = contact_get(actor=actor, pk=pk)
    if not may_withdraw(actor, moment):
        # Refused before the form is read: a missing reason must not hide that it is not theirs.
        if moment.is_withdrawn:
            raise Conflict(visit_messages.ALREADY_WITHDRAWN)
        raise NotPermitted(visit_messages.NOT_YOUR_CONTACT)
    data = request.POST if request.method == "POST" else None
    form = ContactWithdrawForm(data, prefix=withdraw_prefix(moment))
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                services.contact_withdraw(
                    actor=actor, moment=moment, reason=form.cleaned_data["reason"]
                )
            except InvalidInput as exc:
                form.add_error("reason", str(exc))
            else:
                messages.success(
                    request,
                    _("The contact has been withdrawn; it no longer counts for the norms."),
                )
                return redirect(_back(moment.trajectory_id))
        status = 400
    return render(
        request,
        "visits/contact_withdraw.html",
        {
            "form": form,
            "moment": moment,
            "trajectory": moment.trajectory,
            "display_name": _display_name(actor, moment.trajectory),
        },
        status=status,
    )


@require_POST
@actor_required
def volunteer_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a visiting volunteer for trajectory ``pk``."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    trajectory = trajectory_for_contacts(actor=actor, pk=pk)
    form = VolunteerRequestForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    services.volunteer_request_open(actor=actor, trajectory=trajectory, note=note)
    messages.success(request, _("A visiting volunteer has been asked for."))
    return redirect(_back(pk))


@require_POST
@actor_required
def volunteer_request_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the answer to a volunteer request: found, or none available in that country."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    volunteer_request = volunteer_request_get(actor=actor, pk=pk)
    form = VolunteerAnswerForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(visit_messages.REQUEST_NOT_OPEN)
    services.volunteer_request_answer(
        actor=actor,
        request=volunteer_request,
        state=form.cleaned_data["state"],
        note=form.cleaned_data.get("note") or "",
    )
    messages.success(request, _("The answer has been recorded."))
    return redirect(_back(volunteer_request.trajectory_id))
