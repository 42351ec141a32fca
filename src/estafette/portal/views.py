"""The person's own pages: sign-in by one-time code, sign-out, and the home page (/my/).

And one page of the professional side: printing a paper code for the person or their
contact person (``/trajectories/<pk>/person/sign-in-code/``, :mod:`portal.staff_urls`).

Asking for a code answers the same whatever the address is (a redirect to the code page,
nothing else), so the page tells nobody whether someone is known. Every refusal is
calm: one sentence, what to do next, and the audit entry written by :mod:`portal.codes`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from estafette.core.actor import Actor
from estafette.core.errors import NotPermitted
from estafette.core.signin import client_ip
from estafette.core.views import actor_required
from estafette.portal import codes, session_limits
from estafette.portal.forms import CodeForm, PaperCodeForm, SignInForm
from estafette.portal.race import race_for
from estafette.portal.subject import (
    SESSION_KEY,
    Subject,
    subject_from_request,
    subject_required,
)
from estafette.trajectories.selectors import trajectory_get

ASKED_SESSION_KEY = "portal_asked"
"""Set once a code was asked for in this session (whatever the answer): the code page says so."""

TOO_MANY = _("Too many attempts. Wait 15 minutes, then try again.")
CODE_REFUSED = _(
    "This code does not work. It may be mistyped, used already or too old. "
    "Check it, or ask for a new code."
)
NOTHING_TO_PRINT = _(
    "You cannot print a sign-in code for this person. Only someone who works with the person "
    "on this file can."
)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """``/my/sign-in/``: ask for a code by e-mail or text message; or go to the code page.

    A valid POST always answers with the same redirect to ``portal:code`` — whether the
    address matched a person, a contact person, nobody, or was throttled.
    """
    if request.method == "GET" and subject_from_request(request) is not None:
        return redirect("portal:home")
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            challenge = request.session.get(codes.CHALLENGE_SESSION_KEY)
            if not isinstance(challenge, str) or not challenge:
                challenge = codes.new_challenge()
                request.session[codes.CHALLENGE_SESSION_KEY] = challenge
            request.session[ASKED_SESSION_KEY] = True
            try:
                codes.request_code(
                    address=form.cleaned_data["address"],
                    challenge=challenge,
                    ip=client_ip(request),
                )
            except codes.Throttled:
                form.add_error(None, TOO_MANY)
                status = 429
            else:
                return redirect("portal:code")
        else:
            status = 400
    return render(
        request,
        "portal/sign_in.html",
        {"form": form, "minutes": codes.SHORT_CODE_MINUTES},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    """``/my/code/``: type the code from the e-mail, the text message or the paper.

    The right code signs the subject in on a fresh session: whatever the browser held
    before (a professional's session on a shared computer included) is gone first.
    """
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        challenge = request.session.get(codes.CHALLENGE_SESSION_KEY)
        try:
            subject, _row = codes.redeem(
                typed=form.cleaned_data["code"],
                challenge=challenge if isinstance(challenge, str) else "",
                ip=client_ip(request),
            )
        except codes.Throttled:
            form.add_error(None, TOO_MANY)
            status = 429
        except codes.CodeRefused:
            form.add_error("code", CODE_REFUSED)
            status = 400
        else:
            _sign_in(request, subject)
            return redirect("portal:home")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "portal/code.html",
        {
            "form": form,
            "asked": bool(request.session.get(ASKED_SESSION_KEY)),
            "minutes": codes.SHORT_CODE_MINUTES,
        },
        status=status,
    )


def _sign_in(request: HttpRequest, subject: Subject) -> None:
    """Start the subject's session on a new, empty session (new key: no fixation)."""
    if request.user.is_authenticated:
        logout(request)  # a professional's session on a shared computer ends first
    else:
        request.session.flush()
    request.session[SESSION_KEY] = subject.session_value()
    session_limits.start(request.session)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the subject's session (POST only) and go back to the sign-in page."""
    request.session.flush()
    return redirect("portal:sign-in")


@subject_required
def home(request: HttpRequest) -> HttpResponse:
    """``/my/``: the person's (or contact person's) home page, with their race."""
    subject: Subject = request.subject  # type: ignore[attr-defined]
    return render(request, "portal/home.html", {"race": race_for(subject=subject)})


# --- the professional's side: a paper code -------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required
def paper_code(request: HttpRequest, pk: int) -> HttpResponse:
    """``/trajectories/<pk>/person/sign-in-code/``: print a sign-in code on paper.

    GET shows whom the actor may print a code for (the person, the contact person); POST
    issues the code and answers the printable sheet itself — the code exists only in that
    answer (never stored, never in a redirect). A file the actor may not open answers the
    audited 404; a file it may open but hands no code for, the calm refusal (403).
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    trajectory = trajectory_get(actor=actor, pk=pk, audit=request.method == "GET")
    choices = codes.paper_code_choices(actor, trajectory)
    if not choices:
        raise NotPermitted(NOTHING_TO_PRINT)
    person = trajectory.person
    form = PaperCodeForm(
        request.POST or None,
        choices=choices,
        initial={"kind": str(choices[0].kind), "language": codes.language_of(person)},
    )
    if request.method == "POST" and form.is_valid():
        issued = codes.issue_paper_code(
            actor=actor, trajectory=trajectory, kind=form.cleaned_data["kind"]
        )
        language = form.cleaned_data["language"]
        with translation.override(language):
            sheet_title = str(_("Your code for Estafette"))
        return render(
            request,
            "portal/paper_code_sheet.html",
            {
                "trajectory": trajectory,
                "issued": issued,
                "sheet_language": language,
                "sheet_title": sheet_title,
                "days": codes.PAPER_CODE_DAYS,
                "expires_at": issued.row.expires_at,
                "portal_address": _portal_address(request),
            },
        )
    return render(
        request,
        "portal/paper_code.html",
        {"trajectory": trajectory, "form": form, "days": codes.PAPER_CODE_DAYS},
        status=400 if request.method == "POST" else 200,
    )


def _portal_address(request: HttpRequest) -> str:
    """The address to type: the site's address (``ESTAFETTE_SITE_URL``) and the sign-in page."""
    base = str(getattr(settings, "ESTAFETTE_SITE_URL", "") or request.build_absolute_uri("/"))
    return base.rstrip("/") + reverse("portal:sign-in")
