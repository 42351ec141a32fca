"""Signing in from tests: past the password *and* the second factor, as the pages require.

``login_verified(client, user)`` is what a view test uses instead of
``client.force_login(user)``: with ``ESTAFETTE_REQUIRE_2FA`` on (as in the
test settings), a session without a verified device is sent to the
second-factor page by every guarded view.
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from estafette.core.two_factor import TOTP_DEVICE_NAME, totp_code_now


def totp_device(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator app, created (with a random key) if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    return device


def totp_code(user_or_device: Any) -> str:
    """The code the user's authenticator app shows now (the next one if this one was used)."""
    device = (
        user_or_device if isinstance(user_or_device, TOTPDevice) else totp_device(user_or_device)
    )
    device.refresh_from_db()
    return totp_code_now(device)


def login_verified(client: Client, user: Any) -> TOTPDevice:
    """``client.force_login(user)`` plus a session verified by the user's TOTP device.

    Sets the session key django-otp's ``OTPMiddleware`` reads
    (:data:`django_otp.DEVICE_ID_SESSION_KEY`), exactly what
    :func:`django_otp.login` stores after a right code.
    """
    client.force_login(user)
    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
