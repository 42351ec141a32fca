"""Core models: the append-only audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("append-only records cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("append-only records cannot be deleted")


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} is append-only")


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    DENIED = "denied", _("access refused")
    CREATE = "create", _("created")
    CHANGE = "change", _("changed")
    TRANSITION = "transition", _("state changed")
    LOGIN = "login", _("signed in")
    LOGIN_FAILED = "login_failed", _("sign-in failed")
    EMERGENCY = "emergency", _("emergency access")
    EXPORT = "export", _("exported")


class AuditEvent(AppendOnlyModel):
    """Who did or looked at what, for which organisation, when.

    Write it only through :func:`estafette.core.audit.audit_record`, which
    chains the hashes; ``manage.py audit_verify`` checks the chain.

    ``person_id`` is kept as a plain integer (not a foreign key) so that the
    trail of a person survives whatever happens to the person's record.
    """

    at = models.DateTimeField(default=clock.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    # Tamper evidence: each entry carries the hash of the one before it. The
    # unique constraint makes a fork (two entries after the same one) impossible.
    prev_hash = models.CharField(max_length=64, unique=True)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
