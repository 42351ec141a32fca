"""Who is signing in, from where, and the audit trail of sign-ins.

* :func:`client_ip` is the address failed sign-ins are throttled by (django-axes
  calls it: ``AXES_CLIENT_IP_CALLABLE``) and that sign-in audit entries carry.
* :func:`sign_in_record` writes LOGIN when a sign-in is complete (after the
  second factor, when one is required).
* :func:`sign_in_failed_record` listens to Django's ``user_login_failed``, so
  every wrong password (including attempts while locked out) writes LOGIN_FAILED
  with the username tried, never the password.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.models import AuditAction

USERNAME_MAX = 150  # what Django's username field holds; longer input is cut, not stored whole


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or the one our own reverse proxies recorded.

    With ``ESTAFETTE_PROXY_COUNT`` = n > 0, each of our n proxies appended the
    address it received the request from to ``X-Forwarded-For``; the n-th entry
    from the right is the client as the outermost proxy saw it. Entries further
    left were written by the client and are never trusted.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "ESTAFETTE_PROXY_COUNT", 0))
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def sign_in_actor(request: HttpRequest, user: Any) -> Actor:
    """The actor to audit a sign-in step under: the membership if known, else the bare user."""
    actor = getattr(request, "actor", None)
    if isinstance(actor, Actor) and actor.user.pk == user.pk:
        return actor
    return Actor(user=user, organisation=None, role="")


def sign_in_record(request: HttpRequest, user: Any, *, method: str) -> None:
    """Audit a completed sign-in (LOGIN): who, how (``password``, ``totp`` …), from where."""
    audit_record(
        actor=sign_in_actor(request, user),
        action=AuditAction.LOGIN,
        object_type="auth.user",
        object_id=user.pk,
        method=method,
        ip=client_ip(request),
    )


def sign_in_failed_record(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """``user_login_failed`` receiver: audit LOGIN_FAILED with the username tried.

    Django has already masked the password in ``credentials``; only the
    username is read. ``locked_out`` says django-axes refused the attempt
    without checking the password.
    """
    username = str(credentials.get("username") or "")[:USERNAME_MAX]
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="auth.user",
        stage="password",
        username=username,
        locked_out=bool(getattr(request, "axes_locked_out", False)),
        ip=client_ip(request) if request is not None else None,
    )
