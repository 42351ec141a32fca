"""Turns domain refusals into answers with a sentence, never a 500; sets the Permissions-Policy
and keeps every page out of caches (``Cache-Control: no-store, private``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from estafette.core.errors import DomainError


class DomainErrorMiddleware:
    """Render a :class:`DomainError` as a page with its status (409, 403, 400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return render(
            request,
            "core/refused.html",
            {"message": str(exception), "status": exception.status},
            status=exception.status,
        )


class PermissionsPolicyMiddleware:
    """Switch off browser features no page uses (camera, microphone, location …)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every response Django answers (issue 11).

    A browser on a shared computer must not show a person's file from its cache
    after its user signed out, and no proxy may keep one. Every page (person
    data or not: the sign-in page carries a CSRF token, an error page names what
    was asked) is marked, including a view's own caching, which this overrides:
    ``public`` becomes ``private``. Static files keep their caching: WhiteNoise
    answers them before this middleware runs (production settings), and a path
    under ``STATIC_URL`` is left alone in any case.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        static = settings.STATIC_URL or ""
        if static.startswith("/") and request.path.startswith(static):
            return response
        patch_cache_control(response, no_store=True, private=True)
        return response
