"""How long a subject's sign-in lasts: short, because the portal is used on shared computers.

At most :func:`total_seconds` in all (default 2 hours) and :func:`idle_seconds` without a
request (default 20 minutes); past either, the session is flushed and the subject told why
on the sign-in page. Like the staff side (:mod:`core.sessions`) these are real elapsed
seconds (``core.sessions.wall_clock``, which a test can move), not the application clock.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from estafette.core import sessions

SIGNED_IN_AT = "portal_signed_in_at"
LAST_SEEN = "portal_last_seen"
TOUCH_EVERY_SECONDS = 30

SIGNED_OUT_IDLE = _("You were signed out because you did nothing for a while. Sign in again.")
SIGNED_OUT_TOTAL = _(
    "You were signed out because you were signed in for a long time. Sign in again."
)


def idle_seconds() -> int:
    return int(getattr(settings, "ESTAFETTE_PORTAL_IDLE_SECONDS", 20 * 60))


def total_seconds() -> int:
    return int(getattr(settings, "ESTAFETTE_PORTAL_SESSION_SECONDS", 2 * 3600))


def start(session: SessionBase) -> None:
    """Start both clocks of a new subject sign-in; the cookie goes when the browser closes."""
    now = sessions.wall_clock()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session.set_expiry(0)


def holds(request: HttpRequest) -> bool:
    """Whether the subject's session is within both limits; if not, it is flushed (with a
    message for the sign-in page). Notes activity at most every :data:`TOUCH_EVERY_SECONDS`."""
    session = request.session
    now = sessions.wall_clock()
    try:
        signed_in_at = float(session[SIGNED_IN_AT])
        last_seen = float(session.get(LAST_SEEN, signed_in_at))
    except (KeyError, TypeError, ValueError):
        session.flush()
        return False
    if now - signed_in_at > total_seconds():
        session.flush()
        messages.info(request, SIGNED_OUT_TOTAL)
        return False
    if now - last_seen > idle_seconds():
        session.flush()
        messages.info(request, SIGNED_OUT_IDLE)
        return False
    if now - last_seen > TOUCH_EVERY_SECONDS:
        session[LAST_SEEN] = now
    return True
