"""Handing the baton on, and answering: thin views over the handover services.

Each transition is a plain POST that redirects back (works without
JavaScript). Illegal moves are refused by the services with a domain error,
which the middleware answers with a sentence (409/403), never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from estafette.access.policy import shareable_classes
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.templatetags.estafette_tags import short_date
from estafette.core.views import actor_required
from estafette.handovers import messages as handover_messages
from estafette.handovers.forms import HUMAN_ACTIONS, HandoverStartForm, TransitionForm
from estafette.handovers.models import Purpose
from estafette.handovers.selectors import handover_get
from estafette.handovers.services import (
    handover_acknowledge_outcome,
    handover_send,
    handover_transition,
)
from estafette.handovers.workflow import transition_for
from estafette.organisations.models import Organisation
from estafette.organisations.selectors import aftercare_desk_for, organisation_list
from estafette.trajectories.models import Trajectory
from estafette.trajectories.selectors import relay_get
from estafette.trajectories.views import DETAIL_TEMPLATE, detail_context, is_htmx_swap

DONE = {
    "accept": gettext_lazy("You hold the baton now. The sender has been told."),
    "decline": gettext_lazy(
        "You declined the handover. The sender keeps the baton and reads your reason."
    ),
    "withdraw": gettext_lazy("The handover has been withdrawn; you keep the baton."),
    "take_up": gettext_lazy("Recorded: the person turned up. The loop is closed."),
    "no_show": gettext_lazy(
        "Recorded: the person did not turn up. The baton is back with the sender."
    ),
}


def _suggested_receivers(
    actor: Actor, trajectory: Trajectory, desk: Organisation | None
) -> list[Organisation]:
    """The planned next runner, then the after-care desk of the registration municipality."""
    suggested: list[Organisation] = []
    for org in (trajectory.next_runner, desk):
        if org is not None and org.pk != actor.organisation_id and org not in suggested:
            suggested.append(org)
    return suggested


@require_http_methods(["GET", "POST"])
@actor_required
def handover_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer the baton to the next runner; on success the baton is in the air.

    Contract: only the holder of an open trajectory with nothing pending sees
    the form (403/409 otherwise, with the same sentences the service uses).
    The "narrow" button re-shows the form with the receivers of one kind,
    keeping what was typed; htmx swaps only the receiver field.
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    relay = relay_get(actor=actor, pk=pk)
    trajectory = relay.trajectory
    if trajectory.baton_holder_id != actor.organisation_id:
        raise NotPermitted(handover_messages.ONLY_HOLDER_SENDS, holder=str(trajectory.baton_holder))
    if trajectory.is_closed:
        raise Conflict(handover_messages.TRAJECTORY_CLOSED)
    if relay.pending is not None:
        raise Conflict(handover_messages.ALREADY_IN_THE_AIR, receiver=str(relay.pending.receiver))

    data = request.POST if request.method == "POST" else request.GET
    organisations = organisation_list(exclude=actor.organisation)
    kind = data.get("kind", "")
    listed = organisations.filter(kind=kind) if kind else organisations
    desk = (
        aftercare_desk_for(trajectory.registration_municipality)
        if trajectory.registration_municipality is not None
        else None
    )
    suggested = _suggested_receivers(actor, trajectory, desk)
    chosen = data.get("receiver", "")
    if chosen.isdigit() and not any(str(o.pk) == chosen for o in suggested):
        # Keep a receiver chosen before narrowing visible, even if it is of another kind.
        suggested += list(organisations.filter(pk=int(chosen)))
    desk_first = suggested[0] if suggested else None
    initial: dict[str, Any] = {"receiver": desk_first.pk if desk_first else None}
    if desk_first is not None and desk_first == desk:
        initial["purpose"] = Purpose.AFTERCARE_REFERRAL
    form_args: dict[str, Any] = {
        "organisations": organisations,
        "listed": listed,
        "suggested": suggested,
        "shareable": shareable_classes(actor, trajectory),
    }

    if request.method == "POST" and "narrow" not in request.POST:
        form = HandoverStartForm(request.POST, **form_args)
        if form.is_valid():
            try:
                handover = handover_send(
                    actor=actor,
                    trajectory=trajectory,
                    receiver=form.cleaned_data["receiver"],
                    purpose=form.cleaned_data["purpose"],
                    message=form.cleaned_data["message"],
                    information=form.cleaned_data["information"],
                    data_classes=form.cleaned_data["data_classes"],
                    respond_by=form.cleaned_data["respond_by"],
                )
            except InvalidInput as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("The baton is in the air: %(receiver)s has until %(date)s to answer.")
                    % {
                        "receiver": handover.receiver,
                        "date": short_date(handover.respond_by),
                    },
                )
                return redirect("trajectory-detail", pk=pk)
        status = 400
    elif request.method == "POST":
        # "Narrow": show the form again with what was typed, without judging it yet.
        form = HandoverStartForm(initial=_initial_from(request.POST), **form_args)
        status = 200
    else:
        form = HandoverStartForm(initial={**initial, **_initial_from(request.GET)}, **form_args)
        status = 200

    context = {
        "trajectory": trajectory,
        "form": form,
        "suggested": suggested,
        "narrowed": request.method == "POST" and "narrow" in request.POST,
    }
    template = "handovers/handover_start.html"
    if request.method == "GET" and is_htmx_swap(request, "receiver-field"):
        template += "#receiver-field"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _initial_from(data: Any) -> dict[str, Any]:
    """Typed values to show again in an unbound form (no errors before the user sends it)."""
    initial: dict[str, Any] = {}
    for name in ("kind", "receiver", "purpose", "message", "information", "respond_by"):
        if data.get(name):
            initial[name] = data.get(name)
    if data.getlist("data_classes"):
        initial["data_classes"] = data.getlist("data_classes")
    return initial


@require_POST
@actor_required
def handover_transition_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept, decline, withdraw, or record taken up / no-show, then back to the trajectory.

    A missing reason is shown on the trajectory page beside the button (400);
    a move the state or party does not allow is the service's 409/403.
    """
    if action not in HUMAN_ACTIONS:
        raise Http404(_("Unknown action."))
    actor: Actor = request.actor  # type: ignore[attr-defined]
    handover = handover_get(actor=actor, pk=pk)
    transition = transition_for(action, handover.state)
    form = TransitionForm(
        request.POST,
        action=action,
        reason_required=bool(transition and transition.reason_required),
        prefix=f"h{handover.pk}-{action}",
    )
    if not form.is_valid():
        relay = relay_get(actor=actor, pk=handover.trajectory_id)
        context = detail_context(request, relay, transition_forms={(handover.pk, action): form})
        return render(request, DETAIL_TEMPLATE, context, status=400)
    handover_transition(
        actor=actor, handover=handover, action=action, reason=form.cleaned_data["reason"]
    )
    messages.success(request, DONE[action])
    if action == "decline":
        # Declining ends the receiver's part: the trajectory is no longer theirs to see.
        return redirect("caseload")
    return redirect("trajectory-detail", pk=handover.trajectory_id)


@require_POST
@actor_required
def handover_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The sender has read the outcome; the loop is closed for them."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    handover = handover_get(actor=actor, pk=pk)
    handover_acknowledge_outcome(actor=actor, handover=handover)
    messages.success(request, _("Outcome marked as seen."))
    return redirect("trajectory-detail", pk=handover.trajectory_id)
