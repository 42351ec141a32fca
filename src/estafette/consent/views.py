"""Pages of the consent ledger: thin — read through selectors, change through services.

Every page stands behind :func:`core.views.actor_required`; access to a
person's consents is decided by the selectors (404 and an audit entry
otherwise). Responses carrying a person's documents are never cached.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST

from estafette.access.policy import may_review_emergency_access
from estafette.consent import messages
from estafette.consent.forms import (
    ConsentRecordForm,
    ConsentReviewForm,
    ConsentRevokeForm,
    purpose_bounds_rows,
)
from estafette.consent.presentation import consent_rows
from estafette.consent.receipt import person_paper_language, receipt_pdf
from estafette.consent.selectors import (
    can_manage_consent,
    consent_evidence_get,
    consent_get,
    consent_get_for_review,
    consent_list,
    consent_notice_get,
    consent_notices_unread,
    consent_person_get,
    consent_review_page,
    consent_visibility,
    person_identity_visible,
)
from estafette.consent.services import (
    consent_notice_mark_seen,
    consent_record,
    consent_review,
    consent_revoke,
)
from estafette.core import clock
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.views import actor_required

NOTICES_PAGE_SIZE = 50
"""Unread consent notices per page of the notices page."""


def _person_name(actor: Any, person: Any) -> str:
    """The name where the actor may see identity; otherwise a neutral label (need-to-know)."""
    if person_identity_visible(actor=actor, person=person):
        return str(person.full_name)
    return str(messages.NAME_NOT_SHARED)


def _revoke_form(consent_pk: int, data: Any = None, files: Any = None) -> ConsentRevokeForm:
    """A withdraw form whose ids are unique on the overview (one per consent)."""
    return ConsentRevokeForm(data, files, auto_id=f"id_revoke_{consent_pk}_%s")


def _overview(
    request: HttpRequest,
    person: Any,
    *,
    bound: ConsentRevokeForm | None = None,
    bound_pk: int | None = None,
    status: int = 200,
) -> HttpResponse:
    """The overview page; ``bound``: a refused withdraw form of consent ``bound_pk``, kept."""
    actor = request.actor  # type: ignore[attr-defined]
    consents = consent_list(actor=actor, person=person)
    fields, withdrawable = consent_visibility(actor=actor, person=person, consents=consents)
    forms = {pk: _revoke_form(pk) for pk in withdrawable}
    if bound is not None and bound_pk in forms:
        forms[bound_pk] = bound
    today = clock.today()
    response = render(
        request,
        "consent/overview.html",
        {
            "person": person,
            "person_name": _person_name(actor, person),
            "can_print": person_identity_visible(actor=actor, person=person),
            "rows": consent_rows(consents, today=today, fields=fields, revoke_forms=forms),
            "can_manage": can_manage_consent(actor),
            "today": today,
            "bound_pk": bound_pk,
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response


@actor_required
@require_http_methods(["GET", "HEAD"])
def consent_overview(request: HttpRequest, person_pk: int) -> HttpResponse:
    """The person's consents in plain words, each field under its data class; record and
    withdraw actions for those who may."""
    actor = request.actor  # type: ignore[attr-defined]
    person = consent_person_get(actor=actor, pk=person_pk)
    return _overview(request, person)


@actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent_record_view(request: HttpRequest, person_pk: int) -> HttpResponse:
    """The form to record a consent; on success back to the overview (post/redirect/get)."""
    actor = request.actor  # type: ignore[attr-defined]
    person = consent_person_get(actor=actor, pk=person_pk)
    if not can_manage_consent(actor):
        raise NotPermitted(messages.PROFESSIONALS_ONLY)
    status = 200
    if request.method == "POST":
        form = ConsentRecordForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                consent = consent_record(actor=actor, person=person, **form.service_arguments())
            except (InvalidInput, Conflict) as error:
                form.add_domain_error(error)
            else:
                flash.success(
                    request, messages.RECORDED_SELF if consent.self_recorded else messages.RECORDED
                )
                return redirect("consent-overview", person_pk=person.pk)
        status = 400
    else:
        form = ConsentRecordForm()
    context = {
        "person": person,
        "person_name": _person_name(actor, person),
        "form": form,
        "purposes": purpose_bounds_rows(),
    }
    return render(request, "consent/record.html", context, status=status)


@actor_required
@require_POST
def consent_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a withdrawal, on evidence; a refusal comes back as the overview with the form
    kept (400) or as a sentence (403); withdrawing an already withdrawn one only says so."""
    actor = request.actor  # type: ignore[attr-defined]
    consent = consent_get(actor=actor, pk=pk)
    if consent.is_revoked:
        flash.info(request, messages.ALREADY_REVOKED)
        return redirect("consent-overview", person_pk=consent.person_id)
    form = _revoke_form(consent.pk, request.POST, request.FILES)
    if form.is_valid():
        try:
            consent_revoke(actor=actor, consent=consent, **form.service_arguments())
        except InvalidInput as error:
            form.add_domain_error(error)
        else:
            flash.success(request, messages.REVOKED)
            return redirect("consent-overview", person_pk=consent.person_id)
    return _overview(request, consent.person, bound=form, bound_pk=consent.pk, status=400)


# core.views.View is typed for HttpResponse; a streamed file is an HttpResponseBase.
@actor_required  # type: ignore[arg-type]
@require_http_methods(["GET", "HEAD"])
def consent_evidence_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The signed form, as a download with its stored type; never rendered by the browser."""
    consent = consent_evidence_get(actor=request.actor, pk=pk)  # type: ignore[attr-defined]
    extension = PurePosixPath(consent.evidence.name).suffix
    response = FileResponse(
        consent.evidence.open("rb"),
        as_attachment=True,
        filename=f"consent-{consent.pk}{extension}",
        content_type=consent.evidence_content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser still try to show it, it gets no scripts and no origin.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    add_never_cache_headers(response)
    return response


@actor_required
@require_http_methods(["GET", "HEAD"])
def consent_receipt_view(request: HttpRequest, person_pk: int) -> HttpResponse:
    """The printable receipt (PDF) in ``?lang=nl`` or ``?lang=en``; without it, in the
    person's language where the product has it, else the page's language."""
    actor = request.actor  # type: ignore[attr-defined]
    person = consent_person_get(actor=actor, pk=person_pk)
    if not person_identity_visible(actor=actor, person=person):
        raise NotPermitted(messages.RECEIPT_NEEDS_IDENTITY)
    language = person_paper_language(
        person, requested=request.GET.get("lang"), active=get_language()
    )
    consents = consent_list(actor=actor, person=person, reason=f"receipt-{language}")
    fields, _withdrawable = consent_visibility(actor=actor, person=person, consents=consents)
    pdf = receipt_pdf(
        person=person,
        consents=consents,
        organisation=actor.organisation,
        language=language,
        fields=fields,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # No name in the file name: downloads folders are not private.
    response["Content-Disposition"] = (
        f'inline; filename="consent-receipt-{person.pk}-{language}.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@actor_required
@require_http_methods(["GET", "HEAD"])
def consent_notices_view(request: HttpRequest) -> HttpResponse:
    """Unread notices for the actor's organisation: data it holds under ended consents."""
    notices = Paginator(
        consent_notices_unread(actor=request.actor),  # type: ignore[attr-defined]
        NOTICES_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "consent/notices.html",
        {"notices": list(notices.object_list), "page_obj": notices},
    )


@actor_required
@require_POST
def consent_notice_seen_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice as read, then back to the notices."""
    actor = request.actor  # type: ignore[attr-defined]
    notice = consent_notice_get(actor=actor, pk=pk)
    consent_notice_mark_seen(actor=actor, notice=notice)
    flash.success(request, messages.NOTICE_SEEN)
    return redirect("consent-notices")


@actor_required
@require_http_methods(["GET", "HEAD"])
def consent_review_list(request: HttpRequest) -> HttpResponse:
    """Consents the actor's organisation recorded for itself, unreviewed first (like the
    review of emergency access): a colleague who did not record it reviews each."""
    actor = request.actor  # type: ignore[attr-defined]
    if not may_review_emergency_access(actor):
        raise NotPermitted(messages.NOT_A_CONSENT_REVIEWER)
    page, items = consent_review_page(actor=actor, page=request.GET.get("page"))
    response = render(
        request,
        "consent/review.html",
        {"items": items, "page_obj": page, "form": ConsentReviewForm()},
    )
    add_never_cache_headers(response)
    return response


@actor_required
@require_POST
def consent_review_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the review of one self-recorded consent; back to the list."""
    actor = request.actor  # type: ignore[attr-defined]
    consent = consent_get_for_review(actor=actor, pk=pk)
    form = ConsentReviewForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    note = form.cleaned_data["note"] if form.is_valid() else ""
    consent_review(actor=actor, consent=consent, outcome=outcome, note=note)
    flash.success(request, messages.REVIEWED)
    return redirect("consent-review")
