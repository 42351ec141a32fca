"""How long a sign-in lasts: ``SESSION_COOKIE_AGE`` in all, ``ESTAFETTE_IDLE_SECONDS`` idle.

Django alone would slide the session's expiry forward whenever the session
changes, and never notices idleness without writing the session on every
request. So the session carries two timestamps: when the user signed in and
when they were last seen (rewritten at most once a minute, to spare the
database). Past either limit the user is signed out and told why.

These are real elapsed seconds (the wall clock, as Django's own session expiry
and django-axes' cool-off use), not the application clock, which the demo and
the tests move around.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

SIGNED_IN_AT = "estafette_signed_in_at"
LAST_SEEN = "estafette_last_seen"
TOUCH_EVERY_SECONDS = 60

SESSION_EXPIRED = _("You were signed out because your session ended. Please sign in again.")
SESSION_IDLE = _(
    "You were signed out because you were inactive for %(minutes)s minutes. Please sign in again."
)


def wall_clock() -> float:
    """Seconds since the epoch (a function, so a test can move it)."""
    return time.time()


def session_start(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: start both clocks of the new sign-in."""
    now = wall_clock()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


class SessionLimitsMiddleware:
    """Sign out a session past its total or idle limit; note activity at most once a minute.

    Runs after the authentication and messages middleware (it signs out and
    leaves a message) and before the actor is looked up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        signed_in_at = session.get(SIGNED_IN_AT)
        now = wall_clock()
        if signed_in_at is None:  # a session from before these limits: start counting now
            session[SIGNED_IN_AT] = session[LAST_SEEN] = now
            return
        last_seen = float(session.get(LAST_SEEN, signed_in_at))
        idle_limit = int(settings.ESTAFETTE_IDLE_SECONDS)
        if now - float(signed_in_at) > int(settings.SESSION_COOKIE_AGE):
            self._end(request, SESSION_EXPIRED)
        elif now - last_seen > idle_limit:
            self._end(request, SESSION_IDLE % {"minutes": max(1, idle_limit // 60)})
        elif now - last_seen > TOUCH_EVERY_SECONDS:
            session[LAST_SEEN] = now

    @staticmethod
    def _end(request: HttpRequest, message: Any) -> None:
        logout(request)  # flushes the session: a new key, nothing of the old one kept
        messages.info(request, message)
