"""Who looked at my file, for the person themself: a page and a PDF (issue 13).

Only the person (``consent.person_views.person_required``: a contact person gets 404,
audited; no subject goes to the portal's sign-in). Both read through
``selectors.access_log_for_subject``, the professional log's own query narrowed to
people and organisations, and audit the read — which the log then leaves out, so reading
it never shows up as "someone looked" (docs/portal-consents.md).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from estafette.access.person_log import log_page
from estafette.access.selectors import access_log_for_subject
from estafette.access.who_looked_pdf import paper_language, who_looked_pdf
from estafette.consent.person_views import person_required
from estafette.consent.receipt import RECEIPT_LANGUAGES
from estafette.portal.subject import Subject


@person_required
@require_http_methods(["GET", "HEAD"])
def my_access_log_view(request: HttpRequest) -> HttpResponse:
    """Who looked at my file: sentences by month, newest first, a bounded number of days a page."""
    subject: Subject = request.subject  # type: ignore[attr-defined]
    events = access_log_for_subject(subject=subject)
    page_obj, months = log_page(events, request.GET.get("page"))
    response = render(
        request,
        "access/my_access_log.html",
        {
            "page_obj": page_obj,
            "months": months,
            "paper_language": paper_language(subject.person, get_language()),
        },
    )
    add_never_cache_headers(response)
    return response


@person_required
@require_http_methods(["GET", "HEAD"])
def my_access_log_pdf_view(request: HttpRequest) -> HttpResponse:
    """The same on paper, in the person's language (``?lang=nl`` or ``?lang=en`` to choose)."""
    subject: Subject = request.subject  # type: ignore[attr-defined]
    requested = request.GET.get("lang")
    language = (
        requested
        if requested in RECEIPT_LANGUAGES
        else paper_language(subject.person, get_language())
    )
    events = access_log_for_subject(subject=subject, export=True)
    pdf = who_looked_pdf(person=subject.person, events=events, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    # No name in the file name: downloads folders are not private.
    response["Content-Disposition"] = f'inline; filename="who-looked-{language}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response
