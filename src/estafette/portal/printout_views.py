"""The person's own pages on paper (issue 13): two ways to get the same PDF.

* ``/my/print.pdf`` (``portal:print``): the person, signed in. A contact person gets 404,
  audited (``consent.person_views.person_required``); no subject goes to the sign-in page.
* ``/trajectories/<pk>/person/print.pdf`` (``person-printout``): a professional or volunteer
  who may hand the person a paper sign-in code on that file, to bring the paper to someone
  without internet. A file the actor may not open: the audited 404; one it may open but
  prints nothing for: the calm refusal (403), audited.

Both in the person's language where the product has it (``Person.language`` ``nl`` or
``en``), else the page's; ``?lang=nl`` or ``?lang=en`` chooses. Never cached; no name in
the file name (downloads folders are not private). What is on the paper, and why a
professional prints the person's pages rather than its own view: decision 0020.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from estafette.consent.person_views import person_required
from estafette.consent.receipt import person_paper_language
from estafette.core.actor import Actor
from estafette.core.views import actor_required
from estafette.portal.printout import (
    Printout,
    printout_for_actor,
    printout_for_person,
    printout_pdf,
)
from estafette.portal.subject import Subject
from estafette.trajectories.selectors import trajectory_get


def _pdf_response(printout: Printout) -> HttpResponse:
    response = HttpResponse(printout_pdf(printout), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="my-return-{printout.language}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@person_required
@require_http_methods(["GET", "HEAD"])
def my_printout(request: HttpRequest) -> HttpResponse:
    """``/my/print.pdf``: the person's own pages on paper, printed by themself."""
    subject: Subject = request.subject  # type: ignore[attr-defined]
    language = person_paper_language(
        subject.person, requested=request.GET.get("lang"), active=get_language()
    )
    return _pdf_response(printout_for_person(subject=subject, language=language))


@actor_required
@require_http_methods(["GET", "HEAD"])
def person_printout(request: HttpRequest, pk: int) -> HttpResponse:
    """``/trajectories/<pk>/person/print.pdf``: the person's own pages, printed to hand over."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    # The export itself is the audited act (printout_for_actor); a refused file is audited
    # by trajectory_get.
    trajectory = trajectory_get(actor=actor, pk=pk, audit=False)
    language = person_paper_language(
        trajectory.person, requested=request.GET.get("lang"), active=get_language()
    )
    return _pdf_response(printout_for_actor(actor=actor, trajectory=trajectory, language=language))
