"""One-time sign-in codes for the person's own pages, and the counts that throttle them.

Decision 0019 (docs/decisions/0019-sign-in-by-one-time-code.md). A code is never stored:
only a keyed hash of it (:func:`portal.codes.code_hash`), so a copy of the database signs
nobody in. Rows are kept after use (``used_at``) for the count of attempts and the audit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.people.models import NetworkMember, Person


class CodeChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    TEXT_MESSAGE = "text_message", _("text message")
    PAPER = "paper", _("paper")


class SignInCode(models.Model):
    """A one-time code that signs in the person, or their designated contact person.

    ``member`` is empty for the person themself; set, the code is for that network member
    and holds only while they are the contact person. E-mail and text-message codes are
    short (6 digits), live minutes, and are bound to the browser session that asked for
    them (``code_hash`` covers the session's challenge); paper codes are long, live days,
    and work in any browser. ``voided_at`` is set when a newer code of the same subject and
    kind replaces it, or when too many wrong codes were tried against it.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        NetworkMember, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=CodeChannel.choices)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    """Wrong codes tried in the session this code is bound to (short codes only)."""
    challenge_hash = models.CharField(max_length=64, blank=True, db_index=True)
    """Keyed hash of the session challenge a short code is bound to; empty for paper."""
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The professional who printed a paper code.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "member", "channel"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} code #{self.pk}"


class SignInThrottle(models.Model):
    """One counted event (a code request, a wrong code) under a keyed hash of what it counts.

    ``key`` is a keyed hash of e.g. the client's address or the address a code was asked
    for — never the value itself. Rows older than the longest window are deleted as new
    ones arrive (:func:`portal.codes.throttle_hit`).
    """

    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["key", "at"])]

    def __str__(self) -> str:
        return f"throttle {self.key[:8]} at {self.at:%Y-%m-%d %H:%M}"
