"""Domain errors: raised by services, turned into pages by DomainErrorMiddleware.

A service never lets an illegal move become a 500. It raises one of these with
a message constant (gettext_lazy), so a test asserts on the very sentence the
user reads.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base for refusals a user can understand. ``status`` is the HTTP answer."""

    status = 400

    def __init__(self, message: str | Promise, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(str(message))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class Conflict(DomainError):
    """The move is not allowed in the current state (HTTP 409)."""

    status = 409


class NotPermitted(DomainError):
    """The actor may not make this move, although they may see the object (HTTP 403)."""

    status = 403


class InvalidInput(DomainError):
    """The request is malformed in a way a form could not catch (HTTP 400)."""

    status = 400


NO_ORGANISATION = _("Your account is not linked to an organisation. Ask your administrator.")
