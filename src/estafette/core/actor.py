"""The actor: who is acting, on behalf of which organisation, in which role.

Every selector and service takes ``actor=``; access is decided from it, never
from a bare user. A user may belong to several organisations; the actor is
the membership chosen for this session (the first, unless switched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class Actor:
    user: User
    organisation: Any  # estafette.organisations.models.Organisation (core imports no feature app)
    role: str

    @property
    def organisation_id(self) -> int:
        return int(self.organisation.pk)

    @property
    def user_id(self) -> int:
        return int(self.user.pk)

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"
