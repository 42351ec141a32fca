"""The caseload and the trajectory page: thin views over selectors and services.

Views never query a person or a trajectory themselves; every read goes
through a selector scoped by ``request.actor`` (404 for what the actor has no
part in) and every change through a service (which refuses with a domain
error the middleware turns into a page with a sentence).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from estafette.access import messages as access_messages
from estafette.access import policy
from estafette.access.selectors import emergency_access_active_on, part_requests_to_answer
from estafette.consent.selectors import (
    consent_notices_for,
    consent_notices_unread,
    consents_in_force,
)
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.views import actor_required
from estafette.handovers.exchange import is_committed, may_record_outcome
from estafette.handovers.forms import TransitionForm
from estafette.handovers.models import Handover
from estafette.handovers.selectors import handover_actions
from estafette.handovers.workflow import transition_for
from estafette.organisations.selectors import (
    aftercare_desk_for,
    country_list,
    municipality_list,
    organisation_list,
)
from estafette.people.models import VULNERABILITY_MARKERS, Person
from estafette.trajectories import messages as trajectory_messages
from estafette.trajectories import services, timeline
from estafette.trajectories.assignments import (
    assignment_create,
    assignment_end,
    assignments_reassign,
    reassignable,
    trajectories_close_stale,
)
from estafette.trajectories.forms import (
    AssignForm,
    CaseloadFilterForm,
    DomesticEntryForm,
    NextStepForm,
    PhaseForm,
    ReassignForm,
    RegistrationForm,
    ReleaseForm,
    RouteForm,
    StaleCloseForm,
)
from estafette.trajectories.models import (
    AssignmentKind,
    Phase,
    Route,
    Stretch,
    Trajectory,
    TrajectoryEvent,
)
from estafette.trajectories.relay import (
    AirSpan,
    PreparingSpan,
    RelayGeometry,
    Span,
    relay_geometry,
)
from estafette.trajectories.selectors import (
    RELATION_LABELS,
    SCOPE_LABELS,
    CaseloadScope,
    RelayView,
    assignable_workers,
    assignment_get,
    caseload_page,
    caseload_scopes,
    caseload_tallies,
    reassignable_workers,
    relay_get,
    trajectory_assignments,
    trajectory_get,
)

DETAIL_TEMPLATE = "trajectories/trajectory_detail.html"
CASELOAD_NOTICES = 3
"""Unread consent notices shown above the caseload; the rest are on the notices page."""
DETENTION_FORMS = frozenset({"route", "release", "phase", "entry"})
"""Holder forms that show and change detention data (only with the DETENTION class)."""


def is_htmx_swap(request: HttpRequest, target: str) -> bool:
    """An htmx request that wants only the fragment with id ``target``.

    A history restore asks for the whole page, so it is not a swap.
    """
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == target
    )


def _local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(clock.LOCAL_ZONE).date()


# ------------------------------------------------------------------ caseload


@dataclass
class RelationCount:
    relation: str
    label: str
    count: int


def _relation_counts(counts: dict[str, int]) -> list[RelationCount]:
    """The relation links with their counts, in the order of :data:`RELATION_LABELS`."""
    return [
        RelationCount(relation=relation.value, label=str(label), count=counts[relation.value])
        for relation, label in RELATION_LABELS.items()
    ]


def _page_number(request: HttpRequest) -> int:
    """The requested page; anything that is not a number means the first page."""
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@require_GET
@actor_required
def caseload(request: HttpRequest) -> HttpResponse:
    """The organisation's caseload: filters, counts per relation, one page of rows.

    An htmx request from the filter form or the pager gets only the results fragment.
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    scopes = caseload_scopes(actor)
    form = CaseloadFilterForm(
        request.GET or None,
        countries=country_list(),
        municipalities=municipality_list(),
        scopes=scopes,
    )
    if form.is_bound:
        form.is_valid()  # the valid part still filters; errors are shown beside their fields
    filters = form.filters()
    # Opens on "mine". A professional with nobody assigned (a new colleague, the first day
    # of an organisation) opens on the organisation instead, and is told so. Both scopes'
    # relation counts come in the same single pass as the scope counts, so the fallback
    # costs no second query.
    falls_back = not filters.scope and scopes[0] == CaseloadScope.MINE and len(scopes) > 1
    candidates = [filters.scope] if filters.scope else scopes[: 2 if falls_back else 1]
    tallies = caseload_tallies(actor=actor, filters=filters, relation_scopes=candidates)
    scope_counts = tallies.scopes
    opened_on_organisation = False
    if not filters.scope:
        scope = scopes[0]
        if falls_back and not scope_counts[scope]:
            scope, opened_on_organisation = scopes[1], True
        filters = dataclasses.replace(filters, scope=scope)
    page_obj, rows = caseload_page(
        actor=actor,
        filters=filters,
        page=_page_number(request),
        count=tallies.total(filters.scope, filters.relation),
    )
    notices_total = consent_notices_unread(actor=actor).count()
    # Organisations that asked for a part in a file this one holds (issue 12): the holder
    # starts its day here, so the requests are counted here and answered on their page.
    part_requests = (
        part_requests_to_answer(actor=actor).count() if policy.may_answer_part_request(actor) else 0
    )
    notices = consent_notices_for(actor=actor, limit=CASELOAD_NOTICES) if notices_total else []
    context = {
        "form": form,
        "filters": filters,
        "page_obj": page_obj,
        "rows": rows,
        # The newest few above the caseload; the rest on the notices page (a desk can have
        # a hundred unread, which would bury the caseload and cost a page of HTML each).
        "consent_notices": notices,
        "consent_notices_total": notices_total,
        "part_requests": part_requests,
        "counts": _relation_counts(tallies.relations[filters.scope]),
        # "Mine" first, "my organisation" one click away for the roles that need it.
        "scopes": [
            RelationCount(relation=scope, label=str(SCOPE_LABELS[scope]), count=scope_counts[scope])
            for scope in scopes
        ],
        "scope": filters.scope,
        "opened_on_organisation": opened_on_organisation,
        "stale_scope": filters.scope == CaseloadScope.STALE,
        "close_form": StaleCloseForm() if filters.scope == CaseloadScope.STALE else None,
        "unassigned_scope": filters.scope == CaseloadScope.UNASSIGNED,
        "may_reassign": policy.may_assign(actor),
        # A volunteer records a visit from each of its people, one tap (issue 12).
        "records_visits": policy.needs_assignment(actor) and bool(policy.contact_kinds_for(actor)),
        "is_filtered": any(
            getattr(filters, f.name) not in ("", None)
            for f in dataclasses.fields(filters)
            if f.name not in ("sort", "scope")
        ),
        "sort": filters.sort,
    }
    template = "trajectories/caseload.html"
    if is_htmx_swap(request, "caseload-results"):
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# ------------------------------------------------------------ trajectory page


@dataclass
class EventItem:
    """One line of the timeline with what of it the actor may read.

    ``text`` is the line in the reader's language (:mod:`trajectories.timeline`), empty
    when it is not the actor's to read (``show_summary`` false: its class is not shared).
    """

    event: TrajectoryEvent
    show_summary: bool
    show_reason: bool
    text: str = ""


def notes_visible(actor: Actor, access: policy.Access, author: Any) -> bool:
    """May the actor read a note written by organisation ``author`` (``None``: the system)?"""
    if not access.sees(policy.TEXT_CLASS):
        return False
    return author is None or policy.may_see_notes_of(actor, author.kind)


def _event_items(actor: Actor, relay: RelayView) -> list[EventItem]:
    """The timeline, newest first; summaries of a class and reasons (notes) only when visible.

    A line of a class the actor does not see is not even rendered. Names come from what
    the page has read already (stretches, handovers, participants, the header), so the
    lines cost a query only for a name the page does not show elsewhere.
    """
    items = []
    for event in reversed(relay.events):
        data_class = policy.EVENT_KIND_CLASSES.get(event.kind)
        items.append(
            EventItem(
                event=event,
                show_summary=data_class is None or relay.access.sees(data_class),
                show_reason=notes_visible(actor, relay.access, event.organisation),
            )
        )
    shown = [item for item in items if item.show_summary]
    organisations = {s.organisation_id: s.organisation.name for s in relay.stretches}
    organisations.update({p.organisation_id: p.organisation.name for p in relay.participants})
    for h in relay.handovers:
        organisations.update({h.sender_id: h.sender.name, h.receiver_id: h.receiver.name})
    t = relay.trajectory
    municipalities = {
        m.pk: m.common_name
        for m in (t.registration_municipality, t.settlement_municipality)
        if m is not None
    }
    texts = timeline.event_texts(
        [item.event for item in shown],
        organisations=organisations,
        municipalities=municipalities,
    )
    for item, text in zip(shown, texts, strict=True):
        item.text = text
    return items


def _markers(person: Person, access: policy.Access) -> list[str]:
    """Labels of the vulnerability markers that are set and that the actor may see."""
    return [
        str(label)
        for name, label in VULNERABILITY_MARKERS.items()
        if getattr(person, name) and access.sees(policy.MARKER_CLASSES[name])
    ]


def display_name(trajectory: Trajectory, access: policy.Access) -> str:
    """The person's name, or the trajectory's number when identity is not shared."""
    if access.sees(DataClass.IDENTITY):
        return trajectory.person.full_name
    return _("Trajectory %(number)s") % {"number": trajectory.pk}


@dataclass
class StretchRow:
    """One line of the accessible table beside the relay drawing."""

    stretch: Stretch
    start: dt.date
    end: dt.date | None
    handover: Handover | None
    returned: bool  # the baton came back to this runner after a no-show


@dataclass
class ActionItem:
    action: str
    form: TransitionForm


@dataclass
class StepItem:
    """One transition of a handover; its reason is a note (shown only with NOTES)."""

    step: Any  # HandoverTransition
    show_reason: bool


@dataclass
class HandoverItem:
    """A handover with what the actor may do with it now, ready for the template.

    ``show_notes``: whether the actor reads the message and the information — written
    for the receiver, they travel under the consent that covers the handover; anyone
    else reads them as notes (:func:`access.policy.may_read_handover_message`).
    ``message_consent_gone``: a party that no longer reads them because that consent
    was withdrawn or ended (the page says so instead of a bare "not shared").
    ``show_outcome_reason``: the reason of the outcome is a note of the receiver
    (:data:`access.policy.TEXT_CLASS`), and never a buddy programme's for justice roles.
    """

    handover: Handover
    actions: list[ActionItem] = field(default_factory=list)
    can_acknowledge: bool = False
    data_class_labels: list[str] = field(default_factory=list)
    show_notes: bool = False
    message_consent_gone: bool = False
    show_outcome_reason: bool = False
    steps: list[StepItem] = field(default_factory=list)
    committed: bool = False
    """Accepted while the person is detained: the receiver prepares, the baton passes at
    release (decision 0011)."""
    waiting_for_release: bool = False
    """The actor will record "taken up" or "no-show" here, once the person is out."""

    @property
    def needs_attention(self) -> bool:
        return bool(self.actions) or self.can_acknowledge or self.waiting_for_release


def _geometry(relay: RelayView, today: dt.date) -> RelayGeometry:
    """The drawing; the planned release is detention data, drawn only for who may see it."""
    spans = [
        Span(
            runner_id=s.organisation_id,
            runner=s.organisation.name,
            start=_local_date(s.started_at),
            end=_local_date(s.ended_at) if s.ended_at else None,
        )
        for s in relay.stretches
    ]
    air = None
    if relay.pending is not None:
        air = AirSpan(
            sender_id=relay.pending.sender_id,
            receiver_id=relay.pending.receiver_id,
            receiver=relay.pending.receiver.name,
            sent=_local_date(relay.pending.sent_at),
            respond_by=relay.pending.respond_by,
        )
    release_on = relay.trajectory.release_on if relay.access.sees(DataClass.DETENTION) else None
    committed = _committed(relay)
    preparing = None
    if committed is not None and committed.decided_at is not None:
        since = _local_date(committed.decided_at)
        until = release_on if release_on is not None and release_on > today else today
        preparing = PreparingSpan(committed.receiver_id, committed.receiver.name, since, until)
    return relay_geometry(spans, air, today, release_on, preparing)


def _committed(relay: RelayView) -> Handover | None:
    """The handover whose receiver is committed to take the baton at release (decision 0011)."""
    closed = relay.trajectory.is_closed
    return next((h for h in relay.handovers if is_committed(h, closed=closed)), None)


def _stretch_rows(relay: RelayView) -> list[StretchRow]:
    handovers = {h.pk: h for h in relay.handovers}
    rows = []
    for stretch in relay.stretches:
        handover = handovers.get(stretch.handover_id) if stretch.handover_id else None
        rows.append(
            StretchRow(
                stretch=stretch,
                start=_local_date(stretch.started_at),
                end=_local_date(stretch.ended_at) if stretch.ended_at else None,
                handover=handover,
                returned=handover is not None and handover.sender_id == stretch.organisation_id,
            )
        )
    return rows


def _handover_items(
    actor: Actor, relay: RelayView, bound: dict[tuple[int, str], TransitionForm]
) -> list[HandoverItem]:
    labels = dict(DataClass.choices)
    # Read once, and only if a handover's party needs it: however long the history.
    in_force = functools.cache(
        lambda: consents_in_force(actor=actor, person_id=relay.trajectory.person_id)
    )
    items = []
    for handover in reversed(relay.handovers):  # newest first
        handover.trajectory = relay.trajectory  # already loaded: the message rule needs it
        show_message = policy.may_read_handover_message(
            actor, handover, relay.access, in_force=in_force
        )
        party = actor.organisation_id in (handover.sender_id, handover.receiver_id)
        item = HandoverItem(
            handover=handover,
            can_acknowledge=handover.sender_id == actor.organisation_id
            and handover.outcome_to_review,
            data_class_labels=[str(labels.get(c, c)) for c in handover.data_classes],
            show_notes=show_message,
            message_consent_gone=party
            and not show_message
            and actor.role in policy.HANDOVER_MESSAGE_ROLES,
            show_outcome_reason=notes_visible(actor, relay.access, handover.receiver),
            steps=[
                StepItem(step, notes_visible(actor, relay.access, step.organisation))
                for step in handover.transitions.all()
            ],
        )
        item.committed = is_committed(handover, closed=relay.trajectory.is_closed)
        outcome_possible = may_record_outcome(
            purpose=handover.purpose, phase=relay.trajectory.phase
        )
        for action in handover_actions(actor=actor, handover=handover):
            if (
                action in ("take_up", "no_show")
                and not outcome_possible
                and (handover.pk, action) not in bound  # a refused attempt comes back
            ):
                # Still detained: the receiver prepares; the outcome comes after release.
                item.waiting_for_release = True
                continue
            transition = transition_for(action, handover.state)
            form = bound.get((handover.pk, action)) or TransitionForm(
                action=action,
                reason_required=bool(transition and transition.reason_required),
                purpose=handover.purpose,
                prefix=f"h{handover.pk}-{action}",
            )
            item.actions.append(ActionItem(action=action, form=form))
        items.append(item)
    return items


def _holder_forms(
    actor: Actor, trajectory: Trajectory, access: policy.Access, bound: dict[str, forms.Form]
) -> dict[str, forms.Form]:
    """The forms only the baton holder sees; a form that failed validation comes back bound.

    Route, release and phase show detention data: only with the DETENTION class.
    """
    result: dict[str, forms.Form] = {}
    if access.sees(DataClass.DETENTION):
        result["route"] = bound.get("route") or RouteForm(trajectory=trajectory, prefix="route")
        result["release"] = bound.get("release") or ReleaseForm(
            trajectory=trajectory, prefix="release"
        )
        result["phase"] = bound.get("phase") or PhaseForm(trajectory=trajectory, prefix="phase")
        if trajectory.route == Route.ABROAD_TRANSFER:
            result["entry"] = bound.get("entry") or DomesticEntryForm(
                trajectory=trajectory, prefix="entry"
            )
    result["registration"] = bound.get("registration") or RegistrationForm(
        trajectory=trajectory, prefix="registration"
    )
    if "next" in bound:
        result["next"] = bound["next"]
    else:
        organisations, suggested = _next_runner_choices(actor, trajectory)
        result["next"] = NextStepForm(
            trajectory=trajectory, organisations=organisations, suggested=suggested, prefix="next"
        )
    return result


def _release_form(
    actor: Actor, relay: RelayView, bound: dict[str, forms.Form]
) -> forms.Form | None:
    """For a committed receiver while the person is detained: "the person has left detention".

    Recording it passes the baton (decision 0011); the receiver need not wait for the
    holder's paperwork when the person turns up at its desk.
    """
    committed = _committed(relay)
    trajectory = relay.trajectory
    if (
        committed is None
        or committed.receiver_id != actor.organisation_id
        or trajectory.phase != Phase.DETENTION
        or not relay.access.sees(DataClass.DETENTION)
    ):
        return None
    return bound.get("phase") or PhaseForm(trajectory=trajectory, prefix="phase", leaving=True)


def _next_runner_choices(actor: Actor, trajectory: Trajectory) -> tuple[Any, list[Any]]:
    """Every organisation the baton could go to, and the after-care desk as a suggestion."""
    organisations = organisation_list(exclude=actor.organisation)
    suggested = []
    if trajectory.registration_municipality is not None:
        desk = aftercare_desk_for(trajectory.registration_municipality)
        if desk is not None and desk.pk != actor.organisation_id:
            suggested.append(desk)
    return organisations, suggested


def detail_context(
    request: HttpRequest,
    relay: RelayView,
    *,
    holder_forms: dict[str, forms.Form] | None = None,
    transition_forms: dict[tuple[int, str], TransitionForm] | None = None,
) -> dict[str, Any]:
    """Everything the trajectory page shows, from one :class:`RelayView`.

    ``holder_forms``/``transition_forms`` carry bound forms that failed
    validation, so the page can be shown again with the errors in place.
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    trajectory = relay.trajectory
    access = relay.access
    today = clock.today()
    is_holder = trajectory.baton_holder_id == actor.organisation_id
    open_stretch = next((s for s in reversed(relay.stretches) if s.ended_at is None), None)
    handover_items = _handover_items(actor, relay, transition_forms or {})
    markers = _markers(trajectory.person, access)
    return {
        "relay": relay,
        "access": access,
        "trajectory": trajectory,
        "person": trajectory.person,
        "display_name": display_name(trajectory, access),
        "nationalities": (
            list(trajectory.person.nationalities.all()) if access.sees(DataClass.IDENTITY) else []
        ),
        "markers": markers,
        "network": relay.network,
        "geometry": _geometry(relay, today),
        "stretch_rows": _stretch_rows(relay),
        "holder_since": _local_date(open_stretch.started_at) if open_stretch else None,
        "is_holder": is_holder,
        "pending": relay.pending,
        "committed": _committed(relay),
        "release_form": _release_form(actor, relay, holder_forms or {}),
        "handover_items": handover_items,
        "attention_items": [item for item in handover_items if item.needs_attention],
        "can_start_handover": is_holder and not trajectory.is_closed and relay.pending is None,
        "holder_forms": (
            _holder_forms(actor, trajectory, access, holder_forms or {})
            if is_holder and not trajectory.is_closed
            else {}
        ),
        "open_form": next(iter(holder_forms or {}), ""),
        "events": _event_items(actor, relay),  # newest first, as the heading says
        "participants": relay.participants,
        # Emergency access: the actor's own grant (a banner), and for the holder every
        # grant in force by others (the holder must see who opens its file outside the rules).
        "emergency": access.emergency,
        "emergency_accesses": (
            [
                grant
                for grant in emergency_access_active_on(trajectory_pk=trajectory.pk)
                if grant.user_id != actor.user_id
            ]
            if is_holder
            else []
        ),
        "may_see_access_log": policy.may_see_access_log(actor),
        # Who works on this person (issue 12), and the assign form for who assigns.
        "assignments": trajectory_assignments(trajectory=trajectory),
        "assign_form": None if trajectory.is_closed else _assign_form(actor),
        "may_end_assignment": {
            kind for kind in AssignmentKind.values if policy.may_assign(actor, kind)
        },
        # A volunteer's first action on its person's page: record the visit (issue 12).
        "record_visit_first": policy.needs_assignment(actor)
        and bool(policy.contact_kinds_for(actor))
        and not trajectory.is_closed,
    }


@require_GET
@actor_required
def trajectory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The relay of one person: who held the baton, who holds it now, what comes next.

    A file the actor may not open answers 404 whether it exists or not; the page
    points professionals to emergency access, a separate and audited step.
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    try:
        relay = relay_get(actor=actor, pk=pk)
    except Http404:
        return no_access_response(request)
    return render(request, DETAIL_TEMPLATE, detail_context(request, relay))


def no_access_response(request: HttpRequest) -> HttpResponse:
    """The 404 for a file the actor may not open: the same for a file that does not exist."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return render(
        request,
        "access/no_access.html",
        {"may_request_emergency_access": policy.may_request_emergency_access(actor)},
        status=404,
    )


def _holder_form_view(
    request: HttpRequest,
    pk: int,
    key: str,
    build: Any,
    apply: Any,
    done: str,
) -> HttpResponse:
    """Shared flow of the holder's forms: validate, call the service, redirect or show errors.

    ``InvalidInput`` from the service lands on the form (a sentence beside the
    fields, HTTP 400); ``Conflict``/``NotPermitted`` go to the refusal page.
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    trajectory = trajectory_get(actor=actor, pk=pk, audit=False)  # the service audits the change
    if key in DETENTION_FORMS and not policy.access_for(actor, trajectory).sees(
        DataClass.DETENTION
    ):
        raise NotPermitted(access_messages.DETENTION_NOT_SHARED)
    form = build(actor, trajectory)
    if form.is_valid():
        try:
            apply(actor, trajectory, form.cleaned_data)
        except InvalidInput as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect("trajectory-detail", pk=pk)
    relay = relay_get(actor=actor, pk=pk)
    context = detail_context(request, relay, holder_forms={key: form})
    return render(request, DETAIL_TEMPLATE, context, status=400)


@require_POST
@actor_required
def trajectory_route(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the route, with a reason (only the holder; the service checks)."""
    return _holder_form_view(
        request,
        pk,
        "route",
        lambda actor, t: RouteForm(request.POST, trajectory=t, prefix="route"),
        lambda actor, t, data: services.trajectory_change_route(
            actor=actor,
            trajectory=t,
            route=data["route"],
            transfer_law=data["transfer_law"],
            reason=data["reason"],
        ),
        _("The route has been changed."),
    )


@require_POST
@actor_required
def trajectory_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what is known of the release date."""
    return _holder_form_view(
        request,
        pk,
        "release",
        lambda actor, t: ReleaseForm(request.POST, trajectory=t, prefix="release"),
        lambda actor, t, data: services.trajectory_set_release(
            actor=actor,
            trajectory=t,
            certainty=data["certainty"],
            date=data.get("date"),
            earliest=data.get("earliest"),
            latest=data.get("latest"),
            reason=data.get("reason") or "",
        ),
        _("The release date has been saved."),
    )


@require_POST
@actor_required
def trajectory_registration(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the municipality of last registration and how sure it is."""
    return _holder_form_view(
        request,
        pk,
        "registration",
        lambda actor, t: RegistrationForm(request.POST, trajectory=t, prefix="registration"),
        lambda actor, t, data: services.trajectory_set_registration(
            actor=actor,
            trajectory=t,
            municipality=data.get("municipality"),
            certainty=data["certainty"],
            reason=data.get("reason") or "",
        ),
        _("The municipality of registration has been saved."),
    )


@require_POST
@actor_required
def trajectory_phase(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the trajectory to another phase."""
    return _holder_form_view(
        request,
        pk,
        "phase",
        lambda actor, t: PhaseForm(request.POST, trajectory=t, prefix="phase"),
        lambda actor, t, data: services.trajectory_set_phase(
            actor=actor, trajectory=t, phase=data["phase"], reason=data.get("reason") or ""
        ),
        _("The phase has been changed."),
    )


@require_POST
@actor_required
def trajectory_domestic_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the day a transferred person entered the Dutch prison (only the holder)."""
    return _holder_form_view(
        request,
        pk,
        "entry",
        lambda actor, t: DomesticEntryForm(request.POST, trajectory=t, prefix="entry"),
        lambda actor, t, data: services.trajectory_record_domestic_entry(
            actor=actor, trajectory=t, entered_on=data.get("entered_on")
        ),
        _("The day of entry into the Dutch prison has been saved."),
    )


@require_POST
@actor_required
def trajectory_next_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Say what is expected next, by when, and who runs next."""

    def build(actor: Actor, trajectory: Trajectory) -> NextStepForm:
        organisations, suggested = _next_runner_choices(actor, trajectory)
        return NextStepForm(
            request.POST,
            trajectory=trajectory,
            organisations=organisations,
            suggested=suggested,
            prefix="next",
        )

    return _holder_form_view(
        request,
        pk,
        "next",
        build,
        lambda actor, t, data: services.trajectory_plan_next_step(
            actor=actor,
            trajectory=t,
            next_step=data.get("next_step") or "",
            due=data.get("due"),
            next_runner=data.get("next_runner"),
        ),
        _("The next step has been saved."),
    )


# ------------------------------------------------------------ assignments (issue 12)


def _assign_form(actor: Actor, data: Any = None) -> AssignForm | None:
    """The assign form for a role that assigns (the policy's kinds, the eligible workers)."""
    if not policy.may_assign(actor):
        return None
    labels: dict[str, str] = {code: str(label) for code, label in AssignmentKind.choices}
    return AssignForm(
        data,
        kinds=[(kind, labels[kind]) for kind in policy.assignable_kinds(actor)],
        workers=assignable_workers(actor),
        prefix="assign",
    )


@require_POST
@actor_required
def trajectory_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign a worker to the person (404 outside the scope; 403 for a role that may not)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    trajectory = trajectory_get(actor=actor, pk=pk, audit=False)  # the service audits
    form = _assign_form(actor, request.POST)
    if form is None:
        raise NotPermitted(trajectory_messages.MAY_NOT_ASSIGN)
    if form.is_valid():
        # The select offers only eligible workers, so the user exists; the service checks
        # the part and the role again (a worker may have left since the page was shown).
        user = get_user_model().objects.get(pk=form.cleaned_data["worker"])
        try:
            assignment_create(
                actor=actor, trajectory=trajectory, user=user, kind=form.cleaned_data["kind"]
            )
        except (InvalidInput, Conflict) as exc:
            form.add_error("worker", str(exc))
        else:
            messages.success(request, _("The worker has been assigned."))
            return redirect("trajectory-detail", pk=pk)
    relay = relay_get(actor=actor, pk=pk)
    context = detail_context(request, relay)
    context["assign_form"] = form
    return render(request, DETAIL_TEMPLATE, context, status=400)


@require_POST
@actor_required
def assignment_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    """End an assignment (kept for history); back to the trajectory page."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    assignment_get(actor=actor, pk=pk)  # 404 (audited) for a guessed or foreign number
    assignment = assignment_end(actor=actor, assignment_pk=pk)
    messages.success(request, _("The assignment has ended."))
    return redirect("trajectory-detail", pk=assignment.trajectory_id)


@require_http_methods(["GET", "POST"])
@actor_required
def caseload_reassign(request: HttpRequest) -> HttpResponse:
    """Hand a colleague's people over to another worker, in bulk (someone leaves or is away).

    GET ``?assign-from_worker=<id>`` lists that worker's people to tick; POST hands them
    (or all of them) over and reports per person what was refused.
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not policy.may_assign(actor):
        raise NotPermitted(trajectory_messages.MAY_NOT_ASSIGN)
    workers = reassignable_workers(actor)
    data = request.POST if request.method == "POST" else (request.GET or None)
    from_id = str(data.get("reassign-from_worker", "")) if data is not None else ""
    from_user = (
        get_user_model().objects.filter(pk=int(from_id)).first()
        if from_id.isdigit() and len(from_id) < 12
        else None
    )
    people = (
        [
            (a.pk, f"{a.trajectory.person.full_name} ({a.get_kind_display()})")
            for a in reassignable(actor, from_user)
        ]
        if from_user is not None
        else []
    )
    form = ReassignForm(data, workers=workers, assignments=people, prefix="reassign")
    status = 200
    result = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            to_user = get_user_model().objects.filter(pk=form.cleaned_data["to_worker"]).first()
            try:
                if from_user is None or to_user is None:
                    raise InvalidInput(trajectory_messages.REASSIGN_SAME_WORKER)
                result = assignments_reassign(
                    actor=actor,
                    from_user=from_user,
                    to_user=to_user,
                    assignment_pks=form.cleaned_data["assignments"] or None,
                )
            except InvalidInput as exc:
                form.add_error(None, str(exc))
            else:
                status = 200
                if not result.failed:
                    messages.success(
                        request,
                        _("%(count)s people have been handed over.") % {"count": len(result.done)},
                    )
                    return redirect("caseload")
    elif data is not None:
        form.errors.clear()  # a GET only chooses whose people to list: no errors yet
    return render(
        request,
        "trajectories/reassign.html",
        {"form": form, "result": result, "people": people},
        status=status,
    )


@require_POST
@actor_required
def caseload_close_stale(request: HttpRequest) -> HttpResponse:
    """Close the ticked stale files with one reason; report each one that was refused."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not policy.may_close_stale(actor):
        raise NotPermitted(trajectory_messages.NOT_FOUND_OR_CLOSED)
    form = StaleCloseForm(request.POST)
    result = None
    if form.is_valid():
        result = trajectories_close_stale(
            actor=actor,
            trajectory_pks=form.cleaned_data["trajectories"],
            reason=form.cleaned_data["reason"],
        )
        if not result.failed:
            messages.success(
                request, _("%(count)s files have been closed.") % {"count": len(result.done)}
            )
            return redirect(f"{reverse('caseload')}?scope={CaseloadScope.STALE.value}")
    return render(
        request,
        "trajectories/close_stale.html",
        {
            "form": form,
            "result": result,
            "ticked": [v for v in request.POST.getlist("trajectories") if v.isdigit()][:500],
        },
        status=200 if result is not None and result.done else 400,
    )
