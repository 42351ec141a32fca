"""The people search page: a GET form over :func:`people.selectors.person_search`.

Works without JavaScript; the selector decides what is found and audits it.
A refused criterion comes back beside its field with what was typed (400).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.errors import NotPermitted
from estafette.core.views import actor_required
from estafette.people.forms import PeopleSearchForm
from estafette.people.selectors import SEARCH_LIMIT, SEARCH_NOT_FOR_ROLE, person_search


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
