"""The intake pages: start, find before create, the four forms, and "ask for a part".

Thin: forms check input, ``people.registration`` finds, ``intake.services`` writes,
``access.services`` routes a part request. Who may do which intake is the access policy's
(:func:`access.policy.may_do_intake`): another role gets the 403 page with a sentence.

The find page shows the same thing whether a file the actor may not see exists or nobody
matches (decision 0017): the rows it may continue on, then always "register a new person"
and "ask the organisations involved to give you a part".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from estafette.access import messages as access_messages
from estafette.access import policy
from estafette.access.services import part_request_ask
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from estafette.core.refusal import refuse_not_found
from estafette.core.views import actor_required
from estafette.intake import services
from estafette.intake.forms import FORMS_CONTINUE, FORMS_NEW, MergeForm, PersonForm
from estafette.intake.models import IntakeKind
from estafette.people.registration import POSSIBLY_REGISTERED, registration_find
from estafette.trajectories.models import Trajectory
from estafette.trajectories.selectors import trajectory_get

CRITERIA_FIELDS = ("given_names", "family_name", "born", "identifier_kind", "identifier_value")


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


def _require_kind(actor: Actor, kind: str) -> None:
    if kind not in IntakeKind.values:
        refuse_not_found(actor=actor, object_type="intake.kind", object_id=kind)
    if not policy.may_do_intake(actor, kind):
        raise NotPermitted(services.NOT_YOUR_INTAKE)


@actor_required
@require_http_methods(["GET", "HEAD"])
def intake_start(request: HttpRequest) -> HttpResponse:
    """``/intake/``: the intakes the actor's organisation does."""
    actor = _actor(request)
    kinds = policy.intake_kinds_for(actor)
    if not kinds:
        raise NotPermitted(services.NOT_YOUR_INTAKE)
    choices = [(kind, IntakeKind(kind).label) for kind in kinds]
    return render(request, "intake/start.html", {"kinds": choices})


@actor_required
@require_http_methods(["GET", "HEAD"])
def intake_find(request: HttpRequest, kind: str) -> HttpResponse:
    """``/intake/<kind>/``: find before create (GET, so the search can be repeated)."""
    actor = _actor(request)
    _require_kind(actor, kind)
    form = PersonForm(request.GET or None)
    rows = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            rows = registration_find(actor=actor, criteria=form.criteria())
        else:
            status = 400
    criteria_query = urlencode(
        {name: request.GET.get(name, "") for name in CRITERIA_FIELDS if request.GET.get(name)}
    )
    context = {
        "form": form,
        "rows": rows,
        "kind": kind,
        "kind_label": IntakeKind(kind).label,
        "continues": kind in FORMS_CONTINUE,
        "criteria_query": criteria_query,
        "may_ask_for_part": policy.may_ask_for_part(actor),
    }
    return render(request, "intake/find.html", context, status=status)


def _initial_from_query(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET[name] for name in CRITERIA_FIELDS if request.GET.get(name)}


def _service_error(form: Any, error: DomainError) -> None:
    """Put a service's refusal above the form (a non-field error); the input stays."""
    form.add_error(None, str(error))


@actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def intake_new(request: HttpRequest, kind: str) -> HttpResponse:
    """``/intake/<kind>/new/``: register a new person with this intake's form."""
    actor = _actor(request)
    _require_kind(actor, kind)
    form_class = FORMS_NEW[kind]
    form: Any
    duplicate = False
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        status = 400
        if form.is_valid():
            try:
                trajectory = _run_new(actor, kind, form)
            except (InvalidInput, Conflict) as error:
                duplicate = error.message is POSSIBLY_REGISTERED
                _service_error(form, error)
                status = error.status if not duplicate else 400
            else:
                return redirect("trajectory-detail", pk=trajectory.pk)
    else:
        form = form_class(initial=_initial_from_query(request))
    context = {
        "form": form,
        "kind": kind,
        "kind_label": IntakeKind(kind).label,
        "duplicate": duplicate,
        "may_ask_for_part": policy.may_ask_for_part(actor),
    }
    return render(request, "intake/form.html", context, status=status)


def _run_new(actor: Actor, kind: str, form: Any) -> Trajectory:
    if kind == IntakeKind.CONSULAR:
        return services.intake_arrest_notification(actor=actor, notification=form.notification())
    if kind == IntakeKind.GUIDANCE:
        return services.intake_guidance_request(actor=actor, request=form.guidance_new())
    if kind == IntakeKind.PRISON:
        return services.intake_prison_entry(
            actor=actor, criteria=form.criteria(), entered_on=form.cleaned_data["entered_on"]
        )
    return services.intake_walk_in(actor=actor, **form.walk_in())


@actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def intake_continue(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """``/intake/<kind>/continue/<pk>/``: the intake on a file the actor found and may open."""
    actor = _actor(request)
    _require_kind(actor, kind)
    if kind not in FORMS_CONTINUE:
        # The consular and after-care intakes start a file; a found one is simply opened.
        trajectory = trajectory_get(actor=actor, pk=pk, audit=False)
        return redirect("trajectory-detail", pk=trajectory.pk)
    trajectory = trajectory_get(actor=actor, pk=pk)
    form_class = FORMS_CONTINUE[kind]
    form: Any
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        status = 400
        if form.is_valid():
            try:
                if kind == IntakeKind.GUIDANCE:
                    result = services.intake_guidance_request(
                        actor=actor,
                        request=form.guidance(),
                        trajectory=trajectory,
                    )
                else:
                    result = services.intake_prison_entry(
                        actor=actor,
                        entered_on=form.cleaned_data["entered_on"],
                        trajectory=trajectory,
                    )
            except (InvalidInput, Conflict) as error:
                _service_error(form, error)
                status = error.status
            else:
                return redirect("trajectory-detail", pk=result.pk)
    else:
        form = form_class()
    context = {
        "form": form,
        "kind": kind,
        "kind_label": IntakeKind(kind).label,
        "trajectory": trajectory,
        "duplicate": False,
    }
    return render(request, "intake/form.html", context, status=status)


@actor_required
@require_POST
def part_request_ask_view(request: HttpRequest) -> HttpResponse:
    """``/intake/ask-for-a-part/``: route a part request; the same confirmation whatever
    was found. Bad criteria come back on the find form of the intake (400)."""
    actor = _actor(request)
    if not policy.may_ask_for_part(actor):
        raise NotPermitted(services.NOT_YOUR_INTAKE)
    kind = request.POST.get("kind", "")
    if kind not in policy.intake_kinds_for(actor):
        kind = ""
    form = PersonForm(request.POST)
    if not form.is_valid():
        if not kind:
            refuse_not_found(actor=actor, object_type="access.partrequest", object_id="")
        context = {
            "form": form,
            "rows": None,
            "kind": kind,
            "kind_label": IntakeKind(kind).label,
            "continues": kind in FORMS_CONTINUE,
            "criteria_query": "",
            "may_ask_for_part": True,
        }
        return render(request, "intake/find.html", context, status=400)
    reference = part_request_ask(actor=actor, criteria=form.criteria())
    flash.success(request, str(access_messages.PART_REQUEST_RECORDED) % {"reference": reference})
    return redirect("intake-start")


@actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def person_merge_view(request: HttpRequest) -> HttpResponse:
    """``/intake/merge/``: merge two registrations of one person (explicit, audited).

    Both numbers are read through ``trajectory_get``: a file the actor may not open answers
    404 (audited) like a number that does not exist.
    """
    actor = _actor(request)
    if not policy.may_do_intake(actor):
        raise NotPermitted(services.NOT_YOUR_INTAKE)
    status = 200
    form: Any
    if request.method == "POST":
        form = MergeForm(request.POST)
        status = 400
        if form.is_valid():
            keep = trajectory_get(actor=actor, pk=form.cleaned_data["keep"])
            duplicate = trajectory_get(actor=actor, pk=form.cleaned_data["duplicate"])
            try:
                services.person_merge(
                    actor=actor, keep=keep, duplicate=duplicate, reason=form.cleaned_data["reason"]
                )
            except (InvalidInput, Conflict, NotPermitted) as error:
                _service_error(form, error)
                status = error.status
            else:
                flash.success(request, str(services.MERGED))
                return redirect("trajectory-detail", pk=keep.pk)
    else:
        form = MergeForm()
    return render(request, "intake/merge.html", {"form": form}, status=status)
