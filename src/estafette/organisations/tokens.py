"""The one-time link of an invitation: Django's password-reset token, with its own salt.

A token is bound to the user's password hash and last sign-in, so it stops working the
moment the password is set (one use), and it expires after ``PASSWORD_RESET_TIMEOUT``
seconds (Django's setting; three days by default). Its own ``key_salt`` keeps a token made
for an invitation from being a password-reset token, and the reverse.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "estafette.organisations.invitation"


invitation_tokens = InvitationTokenGenerator()


def invitation_days() -> int:
    """How many days an invitation's link works (at least one)."""
    return max(1, int(settings.PASSWORD_RESET_TIMEOUT) // 86400)
