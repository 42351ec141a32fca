"""The person's own pages: sign-in by one-time code, sign-out, and the home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from estafette.portal.subject import SESSION_KEY, subject_required


def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for an e-mail address or phone number (placeholder until the codes land)."""
    return render(request, "portal/sign_in.html", {})


def enter_code(request: HttpRequest) -> HttpResponse:
    """Take a one-time code (placeholder until the codes land)."""
    return render(request, "portal/sign_in.html", {})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the subject's session and go back to the sign-in page."""
    request.session.pop(SESSION_KEY, None)
    request.session.flush()
    return redirect("portal:sign-in")


@subject_required
def home(request: HttpRequest) -> HttpResponse:
    """The person's (or contact person's) home page."""
    return render(request, "portal/home.html", {})
