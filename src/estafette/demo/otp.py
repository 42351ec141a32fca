"""The demo accounts' second factor: an authenticator app with a key anyone can know.

Signing in takes a password and a code from an authenticator app, in the demo
as everywhere (``ESTAFETTE_REQUIRE_2FA``). Each demo account therefore gets a
confirmed TOTP device whose key is derived from its username, so it is the
same in every demo build. ``manage.py demo_code <username>`` prints the code of
the moment; ``manage.py demo_accounts`` prints the key, to add the account to a
real authenticator app instead.

A demo holds no secret: the password is in the README and these keys are
derivable from this file. :func:`demo_device` only ever answers for a device
whose key *is* the derived demo key, so the commands can never reveal a code
for a real account that happens to share a demo username.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from estafette.core.two_factor import TOTP_DEVICE_NAME, key_in_groups, totp_code_now

KEY_SALT = b"estafette demo authenticator key:"


def demo_key(username: str) -> str:
    """The device key (hex, 20 bytes, as django-otp stores it) of a demo account."""
    return hashlib.sha256(KEY_SALT + username.encode()).digest()[:20].hex()


def demo_device_create(user: Any) -> TOTPDevice:
    """Give a demo user its confirmed authenticator app (replacing any it had)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, key=demo_key(user.get_username()), confirmed=True
    )


def demo_device(username: str) -> TOTPDevice | None:
    """The demo authenticator of ``username``, or None if that account has none."""
    return (
        TOTPDevice.objects.filter(user__username=username, confirmed=True, key=demo_key(username))
        .order_by("id")
        .first()
    )


def demo_code(device: TOTPDevice) -> str:
    """The 6-digit code the demo account's authenticator would show now."""
    return totp_code_now(device)


def demo_secret(username: str) -> str:
    """The key as an authenticator app asks for it when typed (base32, groups of four)."""
    return key_in_groups(bytes.fromhex(demo_key(username)))
