"""Emergency access, its review, and the access log: thin views over the access services.

Every page stands behind :func:`core.views.actor_required`; who may do what is
decided by :mod:`estafette.access.policy` through the selectors and services.
"""

from __future__ import annotations

import csv

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from estafette.access import messages, policy
from estafette.access.forms import EmergencyAccessForm, EmergencyReviewForm
from estafette.access.presentation import csv_safe, log_row
from estafette.access.selectors import (
    access_log_for_person,
    emergency_access_get_for_review,
    emergency_access_to_review,
    part_request_get_for_answer,
    part_requests_to_answer,
    person_display_name,
)
from estafette.access.services import (
    AlreadyOpen,
    emergency_access_open,
    emergency_access_open_by_criteria,
    emergency_access_review,
    part_request_answer,
)
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.views import actor_required

LOG_PAGE_SIZE = 50


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def emergency_access_view(request: HttpRequest) -> HttpResponse:
    """Open a file outside the rules: a trajectory number and a reason, then the file.

    Only professionals (403 with a sentence otherwise). An unknown number is
    answered on the form (404); a file the actor may already open needs no
    emergency access and is simply opened.
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not policy.may_request_emergency_access(actor):
        raise NotPermitted(messages.EMERGENCY_PROFESSIONALS_ONLY)
    status = 200
    if request.method == "POST":
        form = EmergencyAccessForm(request.POST)
        status = 400
        if form.is_valid() and form.cleaned_data.get("trajectory") is None:
            try:
                grant = emergency_access_open_by_criteria(
                    actor=actor,
                    criteria=form.cleaned_data["criteria"],
                    reason=form.cleaned_data["reason"],
                )
            except InvalidInput as error:
                form.add_error(None, str(error))
            except AlreadyOpen as error:
                flash.info(request, str(error))
                return redirect("trajectory-detail", pk=error.trajectory_pk)
            else:
                local = grant.expires_at.astimezone(clock.LOCAL_ZONE)
                flash.warning(
                    request, str(messages.EMERGENCY_OPENED) % {"time": time_format(local, "H:i")}
                )
                return redirect("trajectory-detail", pk=grant.trajectory_id)
        elif form.is_valid():
            number = form.cleaned_data["trajectory"]
            try:
                grant = emergency_access_open(
                    actor=actor, trajectory_pk=number, reason=form.cleaned_data["reason"]
                )
            except InvalidInput as error:
                number_refused = error.message is bounds.NUMBER_OUT_OF_RANGE
                form.add_error("trajectory" if number_refused else "reason", str(error))
            except Http404:
                form.add_error("trajectory", str(messages.NO_TRAJECTORY_WITH_NUMBER))
                status = 404
            except Conflict as error:
                flash.info(request, str(error))
                return redirect("trajectory-detail", pk=number)
            else:
                local = grant.expires_at.astimezone(clock.LOCAL_ZONE)
                flash.warning(
                    request, str(messages.EMERGENCY_OPENED) % {"time": time_format(local, "H:i")}
                )
                return redirect("trajectory-detail", pk=grant.trajectory_id)
    else:
        initial = {}
        if request.GET.get("trajectory", "").isdigit():
            initial["trajectory"] = int(request.GET["trajectory"])
        form = EmergencyAccessForm(initial=initial)
    return render(
        request,
        "access/emergency_access.html",
        {"form": form, "hours": policy.emergency_access_hours()},
        status=status,
    )


@actor_required
@require_http_methods(["GET", "HEAD"])
def emergency_access_review_list(request: HttpRequest) -> HttpResponse:
    """Emergency accesses to the files the actor's organisation holds, unreviewed first."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not policy.may_review_emergency_access(actor):
        raise NotPermitted(messages.NOT_A_REVIEWER)
    grants = Paginator(emergency_access_to_review(actor=actor), LOG_PAGE_SIZE).get_page(
        _page_number(request)
    )
    response = render(
        request,
        "access/emergency_review.html",
        {"page_obj": grants, "grants": list(grants.object_list), "form": EmergencyReviewForm()},
    )
    add_never_cache_headers(response)
    return response


@actor_required
@require_POST
def emergency_access_review_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one emergency access as reviewed, with an optional note; back to the list."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    grant = emergency_access_get_for_review(actor=actor, pk=pk)
    form = EmergencyReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    emergency_access_review(actor=actor, grant=grant, note=note)
    flash.success(request, str(messages.EMERGENCY_REVIEWED))
    return redirect("emergency-access-review")


@actor_required
@require_http_methods(["GET", "HEAD"])
def access_log_view(request: HttpRequest, person_pk: int) -> HttpResponse:
    """Who looked at this person's file: when, who, organisation, what, why (paginated)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    person, events = access_log_for_person(actor=actor, person_pk=person_pk)
    page_obj = Paginator(events, LOG_PAGE_SIZE).get_page(_page_number(request))
    response = render(
        request,
        "access/access_log.html",
        {
            "person": person,
            "display_name": person_display_name(actor=actor, person=person),
            "page_obj": page_obj,
            "rows": [log_row(event) for event in page_obj.object_list],
        },
    )
    add_never_cache_headers(response)
    return response


@actor_required
@require_http_methods(["GET", "HEAD"])
def access_log_export(request: HttpRequest, person_pk: int) -> HttpResponse:
    """The whole access log as CSV, to give to the person (GDPR art. 15); audited as an export."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    person, events = access_log_for_person(actor=actor, person_pk=person_pk, export=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    # No name in the file name: downloads folders are not private.
    response["Content-Disposition"] = f'attachment; filename="access-log-{person.pk}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response.write("\ufeff")  # a byte-order mark, so spreadsheets read the accents right
    writer = csv.writer(response)
    writer.writerow([_("When"), _("Who"), _("Organisation"), _("What"), _("Why")])
    for event in events.iterator(chunk_size=1000):
        row = log_row(event)
        writer.writerow(
            [
                row.when.strftime("%Y-%m-%d %H:%M:%S"),
                csv_safe(row.who),
                csv_safe(row.organisation),
                csv_safe(row.what),
                csv_safe(row.why),
            ]
        )
    add_never_cache_headers(response)
    return response


# --- part requests: the holder's answer (issue 12) -----------------------------------


@actor_required
@require_http_methods(["GET", "HEAD"])
def part_request_list(request: HttpRequest) -> HttpResponse:
    """Open requests for a part in the files the actor's organisation holds, oldest first."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not policy.may_answer_part_request(actor):
        raise NotPermitted(messages.PART_REQUEST_ONLY_HOLDER)
    requests = Paginator(part_requests_to_answer(actor=actor), LOG_PAGE_SIZE).get_page(
        _page_number(request)
    )
    return render(
        request,
        "access/part_requests.html",
        {"page_obj": requests, "requests": list(requests.object_list)},
    )


@actor_required
@require_POST
def part_request_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Grant (``answer=grant``) or decline (anything else) one request; back to the list."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    part_request = part_request_get_for_answer(actor=actor, pk=pk)
    grant = request.POST.get("answer") == "grant"
    answered = part_request_answer(actor=actor, request=part_request, grant=grant)
    if grant:
        flash.success(
            request,
            str(messages.PART_REQUEST_GRANTED)
            % {"organisation": answered.requester_organisation.name},
        )
    else:
        flash.info(request, str(messages.PART_REQUEST_DECLINED))
    return redirect("part-requests")
