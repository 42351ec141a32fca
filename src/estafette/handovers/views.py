"""Handing the baton on, and answering: thin views over the handover services.

Each transition is a plain POST that redirects back (works without
JavaScript). Illegal moves are refused by the services with a domain error,
which the middleware answers with a sentence (409/403), never a 500 — except
a refusal of a handover being sent, which the person can fix on the form: it
comes back beside the field concerned, with everything typed (issue 10).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from estafette.access.policy import Access
from estafette.consent import messages as consent_messages
from estafette.consent.models import data_class_labels
from estafette.consent.policy import purpose_name
from estafette.consent.selectors import consents_in_force
from estafette.core.actor import Actor
from estafette.core.audit import OBJECT_ID_MAX
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from estafette.core.refusal import refuse_not_found
from estafette.core.templatetags.estafette_tags import short_date
from estafette.core.views import actor_required
from estafette.handovers import messages as handover_messages
from estafette.handovers.forms import HUMAN_ACTIONS, HandoverStartForm, TransitionForm
from estafette.handovers.models import Purpose
from estafette.handovers.position import consent_lines, consent_position
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
        "You declined the handover. The sender keeps the baton and has been told."
    ),
    "withdraw": gettext_lazy("The handover has been withdrawn; you keep the baton."),
    "take_up": gettext_lazy(
        "Recorded: the person is in your guidance. The loop is closed; the sender has been told."
    ),
    "no_show": gettext_lazy(
        "Recorded: the person did not turn up. The baton is back with the sender, "
        "who has been told."
    ),
}


COMMITTED_DONE = gettext_lazy(
    "You have accepted. The sender keeps the baton until the person leaves detention; "
    "you prepare the arrival and take the baton then. The sender has been told."
)


REFUSAL_FIELDS: tuple[tuple[Any, str], ...] = (
    (consent_messages.CONSENT_MISSING, "receiver"),
    (consent_messages.CONSENT_WITHDRAWN, "receiver"),
    (consent_messages.CONSENT_ENDED, "receiver"),
    (handover_messages.NOT_TO_SELF, "receiver"),
    (handover_messages.RECEIVER_INACTIVE, "receiver"),
    (consent_messages.CLASSES_NOT_COVERED, "data_classes"),
    (consent_messages.UNKNOWN_DATA_CLASS, "data_classes"),
    (handover_messages.NOT_YOURS_TO_SHARE, "data_classes"),
    (handover_messages.MESSAGE_REQUIRED, "message"),
    (handover_messages.RESPOND_BY_PAST, "respond_by"),
)
"""Which field a refusal of ``handover_send`` belongs next to (by its sentence constant).

Compared by identity, not by value: a lazy sentence compares by its text in the
active language. A refusal not listed here goes above the form.
"""

CONSENT_REFUSALS: tuple[Any, ...] = (
    consent_messages.CONSENT_MISSING,
    consent_messages.CONSENT_WITHDRAWN,
    consent_messages.CONSENT_ENDED,
    consent_messages.CLASSES_NOT_COVERED,
    handover_messages.NOT_YOURS_TO_SHARE,
)
"""Refusals the person fixes on the consent page (a consent for the receiver, or one that
covers more, or the sender's own): the page is linked beside the field concerned."""


def _refusal_field(refusal: DomainError) -> str | None:
    return next((name for message, name in REFUSAL_FIELDS if refusal.message is message), None)


def _desk_for(trajectory: Trajectory, access: Access) -> Organisation | None:
    """The after-care desk serving the municipality of registration or, failing that, of
    settlement; ``None`` if neither is known or has a desk.

    The municipalities are detention data: without that class the sender gets no
    suggestion, which would name the municipality.
    """
    if not access.sees(DataClass.DETENTION):
        return None
    for municipality in (trajectory.registration_municipality, trajectory.settlement_municipality):
        if municipality is not None:
            desk = aftercare_desk_for(municipality)
            if desk is not None:
                return desk
    return None


def _suggested_receivers(
    actor: Actor, trajectory: Trajectory, desk: Organisation | None
) -> list[Organisation]:
    """The municipal after-care desk first (:func:`_desk_for`), then the planned next runner."""
    suggested: list[Organisation] = []
    for org in (desk, trajectory.next_runner):
        if org is not None and org.pk != actor.organisation_id and org not in suggested:
            suggested.append(org)
    return suggested


def _narrowed(organisations: Any, kind: str, q: str) -> list[Organisation]:
    """The receivers listed: of one kind, and matching ``q`` in the name or municipality."""
    if kind:
        organisations = organisations.filter(kind=kind)
    if q:
        organisations = organisations.filter(
            Q(name__icontains=q) | Q(municipality__name__icontains=q)
        )
    return list(organisations)


def _receiver_of(value: Any, organisations: Any, known: list[Organisation]) -> Organisation | None:
    """The organisation a submitted receiver id names (a valid receiver only), else ``None``."""
    value = str(value or "")
    if not value.isdigit():
        return None
    found = next((org for org in known if str(org.pk) == value), None)
    return found if found is not None else organisations.filter(pk=int(value)).first()


@require_http_methods(["GET", "POST"])
@actor_required
def handover_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer the baton to the next runner; on success the baton is in the air.

    Contract: only the holder of an open trajectory with nothing pending sees
    the form (403/409 otherwise, with the same sentences the service uses).
    Before anything is typed it shows the consent position: the consents in
    force, and for the chosen receiver and purpose which data classes may
    travel (pre-ticked), which may not and why (:mod:`handovers.position`).

    - "Show" (``narrow``) re-shows the form with the receivers of one kind and
      matching the search, keeping what was typed; ``narrow=consent`` re-reads
      the consent position for the receiver and purpose typed (without JS).
    - htmx swaps only the receiver list (``HX-Target: receiver-field``) or only
      the consent fragment (``HX-Target: consent-field``, with the message's
      help text out of band).
    - A refusal of ``handover_send`` (a domain error) never loses work: the form
      comes back with everything typed and the sentence next to the field it
      concerns (400), with a link to the person's consent page; a refusal no
      field can fix (the baton moved meanwhile) goes above the form, with its
      own status (409/403).
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

    is_post = request.method == "POST"
    data = request.POST if is_post else request.GET
    organisations = organisation_list(exclude=actor.organisation)
    q = (data.get("q") or "").strip()[:80]
    listed = _narrowed(organisations, data.get("kind", ""), q)
    desk = _desk_for(trajectory, relay.access)
    suggested = _suggested_receivers(actor, trajectory, desk)
    # The planned next runner, when there is one, is the holder's own choice; else the desk.
    first = trajectory.next_runner if trajectory.next_runner in suggested else None
    first = first or (suggested[0] if suggested else None)
    initial: dict[str, Any] = {"receiver": first.pk if first else None}
    if first is not None and first == desk:
        initial["purpose"] = Purpose.AFTERCARE_REFERRAL
    typed = _initial_from(data)
    receiver = _receiver_of(
        typed.get("receiver", initial["receiver"]), organisations, [*suggested, *listed]
    )
    if receiver is not None and receiver not in suggested:
        # Keep a receiver chosen before narrowing visible, even if it is of another kind.
        suggested.append(receiver)
    # Without a choice the select shows its first purpose: the position follows what is seen.
    purpose = typed.get("purpose") or initial.get("purpose") or Purpose.choices[0][0]
    consents = consents_in_force(actor=actor, person_id=trajectory.person_id)
    position = consent_position(
        consents=consents,
        shareable=relay.access.classes,
        receiver=receiver,
        purpose=purpose,
        purpose_name=purpose_name,
    )
    form_args: dict[str, Any] = {
        "organisations": organisations,
        "listed": listed,
        "suggested": suggested,
        "message_help": position.message_help,
        "swap_url": reverse("handover-start", args=[trajectory.pk]),
    }

    status = 200
    consent_field = ""  # the field a consent refusal stands beside, if any
    if is_post and "narrow" not in request.POST:
        form = HandoverStartForm(request.POST, **form_args)
        status = 400  # unless it is sent, or refused for a reason no field can fix
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
            except DomainError as refusal:
                # handover_send is atomic: nothing of the refused handover was saved.
                field = _refusal_field(refusal)
                form.add_error(field, str(refusal))
                if field is None:
                    status = refusal.status
                elif any(refusal.message is message for message in CONSENT_REFUSALS):
                    consent_field = field
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
    else:
        # A first visit, a swap, or "show": what was typed comes back, not judged yet; the
        # data classes are pre-ticked as the consent allows unless the person ticked some
        # (a new receiver or purpose asks the consent again: its own pre-ticks).
        fresh = is_htmx_swap(request, "consent-field") or request.POST.get("narrow") == "consent"
        if fresh or "data_classes" not in typed:
            typed["data_classes"] = position.pre_ticked
        form = HandoverStartForm(initial={**initial, **typed}, **form_args)

    selected = set(form["data_classes"].value() or [])
    context = {
        "trajectory": trajectory,
        "form": form,
        "suggested": suggested,
        "desk": desk,
        "q": q,
        "listed_count": len(listed),
        "narrowed": request.POST.get("narrow", "") if is_post else "",
        "consent_lines": consent_lines(consents),
        "shareable_labels": data_class_labels(relay.access.classes),
        "position": position,
        "class_rows": [
            (option, option.offered and option.value in selected) for option in position.options
        ],
        "consent_field": consent_field,
        "swap": False,
    }
    template = "handovers/handover_start.html"
    if request.method == "GET" and is_htmx_swap(request, "receiver-field"):
        template += "#receiver-field"
        context["swap"] = True
    elif request.method == "GET" and is_htmx_swap(request, "consent-field"):
        template += "#consent-field"
        context["swap"] = True
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _initial_from(data: Any) -> dict[str, Any]:
    """Typed values to show again in an unbound form (no errors before the user sends it)."""
    initial: dict[str, Any] = {}
    for name in ("kind", "q", "receiver", "purpose", "message", "information", "respond_by"):
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
    actor: Actor = request.actor  # type: ignore[attr-defined]
    handover = handover_get(actor=actor, pk=pk)
    if action not in HUMAN_ACTIONS:
        refuse_not_found(
            actor=actor,
            object_type="handovers.handover",
            object_id=pk,
            message=gettext_lazy("Unknown action."),
            step=action[:OBJECT_ID_MAX],
        )
    transition = transition_for(action, handover.state)
    form = TransitionForm(
        request.POST,
        action=action,
        reason_required=bool(transition and transition.reason_required),
        purpose=handover.purpose,
        prefix=f"h{handover.pk}-{action}",
    )
    if not form.is_valid():
        relay = relay_get(actor=actor, pk=handover.trajectory_id)
        context = detail_context(request, relay, transition_forms={(handover.pk, action): form})
        return render(request, DETAIL_TEMPLATE, context, status=400)
    try:
        handover = handover_transition(
            actor=actor,
            handover=handover,
            action=action,
            reason=form.cleaned_data["reason"],
            entered_on=form.cleaned_data.get("entered_on"),
        )
    except (InvalidInput, Conflict) as exc:
        if isinstance(exc, Conflict) and exc.message != handover_messages.STILL_DETAINED:
            raise  # the state moved on: the refusal page says what happened
        # A refusal the person can act on from the page (record the release first, or a
        # date out of range): the page again, the note kept, the sentence beside the button.
        form.add_error(None, str(exc))
        relay = relay_get(actor=actor, pk=handover.trajectory_id)
        context = detail_context(request, relay, transition_forms={(handover.pk, action): form})
        return render(request, DETAIL_TEMPLATE, context, status=exc.status)
    if action == "accept" and handover.baton_at is None:
        messages.success(request, COMMITTED_DONE)
    else:
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
