"""Signing in and out, the front door, and the guard every page of a person's file stands behind.

Signing in is two steps when a second factor is required (the default): the
password (:class:`LoginView`, throttled by django-axes), then a code from the
authenticator app (:func:`two_factor_verify`), or, the first time, adding the
app (:func:`two_factor_setup`). Only then is the session *verified*, and only a
verified session passes :func:`actor_required` or enters the admin.

Core imports no feature app (import-linter), so the guard only knows the
actor that :class:`estafette.organisations.middleware.ActorMiddleware` set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from estafette.core import signin, two_factor
from estafette.core.errors import NO_ORGANISATION, NotPermitted
from estafette.core.forms import EnrolmentForm, SecondFactorForm

View = Callable[..., HttpResponse]

HALF_SIGNED_IN = {"actor": None}
"""Context of the second-factor pages: no name, organisation or menu before the second factor."""

SIGNED_IN_WITH_RECOVERY_CODE = _(
    "You signed in with a recovery code, which now no longer works. "
    "Lost your phone? Ask the administrator of your organisation to reset your "
    "authenticator app."
)


def actor_required(view: View) -> View:
    """Let a view run only for a fully signed-in user acting for an organisation.

    Contract: an anonymous visitor is sent to the login page (with ``next``);
    a user who gave the password but not yet the second factor is sent to
    verification (or, the first time, to adding an authenticator app), again
    with ``next``; a signed-in user without an active membership gets the 403
    refusal page with :data:`NO_ORGANISATION`, because every read is scoped by
    the actor.
    """

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if two_factor.is_pending(request):
            return redirect(two_factor.next_step_url(request.user, request.get_full_path()))
        if getattr(request, "actor", None) is None:
            raise NotPermitted(NO_ORGANISATION)
        return view(request, *args, **kwargs)

    return guarded


def home(request: HttpRequest) -> HttpResponse:
    """The front door: your caseload when signed in, the login page otherwise."""
    if request.user.is_authenticated:
        return redirect("caseload")
    return redirect("login")


class LoginView(auth_views.LoginView):
    """Django's login with our page, the first of the two steps.

    A signed-in user goes straight on (to the second factor if that is still to
    come). Wrong passwords are counted by django-axes and audited through
    ``user_login_failed`` (:func:`estafette.core.signin.sign_in_failed_record`).
    """

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if two_factor.is_pending(request):
            return redirect(two_factor.next_step_url(request.user, self.get_success_url()))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["label_suffix"] = ""  # NL Design System labels carry no colon
        return kwargs

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # signs in under a new session key
        user = form.get_user()
        if two_factor.is_required(user):
            return redirect(two_factor.next_step_url(user, self.get_success_url()))
        signin.sign_in_record(self.request, user, method="password")
        return response


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only, so a link or an image can never sign someone out)."""


def _next_url(request: HttpRequest) -> str:
    """The ``next`` of the sign-in, if it is a page of this site; else the caseload."""
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(resolve_url(settings.LOGIN_REDIRECT_URL))


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Second step of signing in: a code from the authenticator app, or a recovery code."""
    next_url = _next_url(request)
    if not two_factor.is_pending(request):
        return redirect(next_url)
    if not two_factor.has_confirmed_device(request.user):
        return redirect(_with_next("two-factor-setup", next_url))
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            verified = two_factor.second_factor_verify(
                request=request, code=form.cleaned_data["code"]
            )
        except two_factor.CodeRefused as refusal:
            form.add_error("code", str(refusal))
        else:
            if verified.method == "recovery_code":
                messages.warning(request, SIGNED_IN_WITH_RECOVERY_CODE)
                messages.info(
                    request,
                    ngettext(
                        "You have %(count)d recovery code left.",
                        "You have %(count)d recovery codes left.",
                        verified.recovery_codes_left,
                    )
                    % {"count": verified.recovery_codes_left},
                )
            return redirect(next_url)
    return render(
        request, "core/two_factor_verify.html", {"form": form, "next": next_url, **HALF_SIGNED_IN}
    )


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in: add an authenticator app (QR code or typed key), then show recovery codes.

    Only for an account without an app yet: with one, the way in is
    verification, so a password alone can never add another app.
    """
    next_url = _next_url(request)
    if not two_factor.is_pending(request):
        return redirect(next_url)
    if two_factor.has_confirmed_device(request.user):
        return redirect(_with_next("two-factor-verify", next_url))
    device = two_factor.enrolment_device(request.user)
    form = EnrolmentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            codes = two_factor.enrolment_confirm(
                request=request, device=device, code=form.cleaned_data["code"]
            )
        except two_factor.CodeRefused as refusal:
            form.add_error("code", str(refusal))
        else:
            # Shown once, in this response; never stored where they could be shown again.
            return render(
                request,
                "core/recovery_codes.html",
                {"codes": [two_factor.format_code(c) for c in codes], "next": next_url},
            )
    context = {
        **HALF_SIGNED_IN,
        "form": form,
        "next": next_url,
        "qr_svg": two_factor.qr_svg(device, title=str(_("QR code to scan with your app"))),
        "secret": two_factor.secret_in_groups(device),
        "account_name": f"{settings.OTP_TOTP_ISSUER}:{request.user.get_username()}",
    }
    return render(request, "core/two_factor_setup.html", context)


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lockout answer (``AXES_LOCKOUT_CALLABLE``): a page in the user's language."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = int(cool_off.total_seconds() // 60) if isinstance(cool_off, dt.timedelta) else 15
    return render(
        request,
        "core/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
