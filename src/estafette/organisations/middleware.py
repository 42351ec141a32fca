"""Attach the actor (user + organisation + role) to every request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from estafette.core.actor import Actor
from estafette.organisations.models import Membership

SESSION_KEY = "estafette_membership_id"


def actor_for_request(request: HttpRequest) -> Actor | None:
    """The signed-in user's active membership: the one chosen in the session, else the first."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen:
        membership = memberships.select_related("organisation").filter(pk=chosen).first()
    if membership is None:
        membership = memberships.select_related("organisation").order_by("id").first()
    if membership is None:
        return None
    return Actor(user=user, organisation=membership.organisation, role=membership.role)


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = actor_for_request(request)  # type: ignore[attr-defined]
        return self.get_response(request)
