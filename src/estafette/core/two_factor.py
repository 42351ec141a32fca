"""The second factor: enrolling an authenticator app, checking its codes, recovery codes.

Built on django-otp. A professional's authenticator app is a confirmed
``TOTPDevice`` (RFC 6238: a 6-digit code that changes every 30 seconds); the
one-time recovery codes are the tokens of a ``StaticDevice``. A session counts
as *verified* once :func:`django_otp.login` has stored the device that passed,
which ``OTPMiddleware`` reads back on every request (``request.user.is_verified()``).

Both device kinds throttle wrong codes with an exponential back-off (1, 2, 4 …
seconds after each failure; ``OTP_*_THROTTLE_FACTOR`` in the settings), and a
TOTP code is accepted only once (django-otp remembers the last time step used).
"""

from __future__ import annotations

import math
import time
from base64 import b32encode
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from estafette.core import signin
from estafette.core.audit import audit_record
from estafette.core.models import AuditAction

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"

WRONG_CODE = _("That code is not right. Check the time on your phone and try the newest code.")
WRONG_RECOVERY_CODE = _("That recovery code is not right, or it has been used before.")
TOO_MANY_TRIES = _(
    "Too many wrong codes. Wait %(seconds)s seconds, then try the newest code from your app."
)
ENROLMENT_CODE_WRONG = _(
    "That code does not match. Scan the QR code again (or type the key) and enter the "
    "6-digit code your app shows now."
)


class CodeRefused(Exception):
    """A second-factor code was not accepted; ``message`` says why, in the user's words."""

    def __init__(
        self, message: str | Promise, *, throttled: bool = False, **params: object
    ) -> None:
        self.message = message
        self.throttled = throttled
        self.params = params
        super().__init__(str(message))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


@dataclass(frozen=True)
class Verified:
    method: str  # "totp" or "recovery_code"
    recovery_codes_left: int


# --------------------------------------------------------------------------- policy


def is_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether ``user`` must pass a second factor before reaching a person's file or the admin.

    Everyone who signs in here is a professional (a membership of an
    organisation) or an administrator, so the setting applies to every account.
    """
    return bool(settings.ESTAFETTE_REQUIRE_2FA) and bool(user.is_authenticated)


def is_pending(request: HttpRequest) -> bool:
    """Signed in with a password, but the second factor this user needs is still to come."""
    user = request.user
    if not is_required(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())  # no OTPMiddleware: fail closed


def has_confirmed_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def next_step_url(user: Any, next_url: str) -> str:
    """Where a signed-in, unverified user goes: enrolment the first time, else verification."""
    name = "two-factor-verify" if has_confirmed_device(user) else "two-factor-setup"
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


# --------------------------------------------------------------------------- enrolment


def enrolment_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same one on a reload, so a scanned QR stays valid.

    Contract: only for a user without a confirmed device (the views check), so a
    stolen password alone can never add a second authenticator to an account.
    """
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    )  # one at a time: older unconfirmed ones are removed on confirmation
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice, title: str) -> SafeString:
    """The ``otpauth://`` address of ``device`` as an inline SVG QR code (no image service).

    segno writes attributes only (no ``style``), so the strict CSP holds.
    """
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, title=title, svgclass="qr-code", dark="#000", light="#fff"
    )
    # segno escapes the title; the rest is its own markup.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))


def secret_in_groups(device: TOTPDevice) -> str:
    """The key in base32 as an app asks for it when typed, in groups of four: ``ABCD EFGH …``."""
    return key_in_groups(device.bin_key)


def key_in_groups(key: bytes) -> str:
    secret = b32encode(key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> list[str]:
    """Confirm ``device`` with the first code from the app; sign the session in as verified.

    Contract: a wrong code raises :class:`CodeRefused` (and counts towards the
    device's back-off); a right one confirms the device, removes other
    unconfirmed ones, makes fresh recovery codes (returned, to be shown once),
    marks the session verified under a new session key, and writes the audit
    events (the device created, the sign-in completed).
    """
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if device.confirmed or has_confirmed_device(user):  # another tab got there first
            refusal: CodeRefused | None = CodeRefused(WRONG_CODE)
        else:
            refusal = _refusal(device, code)
        if refusal is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = recovery_codes_create(user)
            actor = signin.sign_in_actor(request, user)
            audit_record(actor=actor, action=AuditAction.CREATE, target=device, kind="totp")
    # Outside the transaction: a refusal keeps its throttle count and its audit entry.
    if refusal is not None:
        _refused_record(request, method="totp_enrolment", throttled=refusal.throttled)
        if not refusal.throttled:
            refusal = CodeRefused(ENROLMENT_CODE_WRONG)
        raise refusal
    _session_verified(request, device)
    signin.sign_in_record(request, user, method="totp_enrolment")
    return codes


def recovery_codes_create(user: Any) -> list[str]:
    """Replace the user's recovery codes with :data:`RECOVERY_CODE_COUNT` new ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# --------------------------------------------------------------------------- verification


def second_factor_verify(*, request: HttpRequest, code: str) -> Verified:
    """Check a code from the app (6 digits) or a recovery code; mark the session verified.

    Contract: ``code`` is normalised (no spaces, lower case). A wrong code, or
    any code while the device is backing off, raises :class:`CodeRefused` and
    writes LOGIN_FAILED; a right one marks the session verified under a new
    session key and writes LOGIN. A recovery code works once.
    """
    user = request.user
    method = "totp" if code.isdigit() and len(code) == 6 else "recovery_code"
    wrong = WRONG_CODE if method == "totp" else WRONG_RECOVERY_CODE
    model: type[TOTPDevice] | type[StaticDevice] = TOTPDevice if method == "totp" else StaticDevice
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("id")
            .first()
        )
        refusal = CodeRefused(wrong) if device is None else _refusal(device, code)
    # Outside the transaction: a refusal keeps its throttle count and its audit entry.
    if refusal is not None or device is None:
        refusal = refusal or CodeRefused(wrong)  # (device is None implies a refusal)
        _refused_record(request, method=method, throttled=refusal.throttled)
        if not refusal.throttled:
            refusal = CodeRefused(wrong)
        raise refusal
    _session_verified(request, device)
    signin.sign_in_record(request, user, method=method)
    left = StaticToken.objects.filter(device__user=user).count()
    return Verified(method=method, recovery_codes_left=left)


def totp_code_now(device: TOTPDevice) -> str:
    """The code an authenticator app with this key accepts now; for the demo and the tests.

    django-otp accepts each time step once, and one step either side; if the
    current step's code was used, this gives the next step's (still accepted).
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t(), device.last_t + 1)
    totp.time = device.t0 + (step - device.drift) * device.step
    return str(totp.token()).zfill(device.digits)


# --------------------------------------------------------------------------- internals


def _refusal(device: TOTPDevice | StaticDevice, code: str) -> CodeRefused | None:
    """None if ``code`` passes on ``device``; else why not (backing off, or just wrong).

    A wrong code increments the device's failure count (django-otp saves it).
    """
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until")
        seconds = 1
        if locked_until is not None:
            seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        return CodeRefused(TOO_MANY_TRIES, throttled=True, seconds=seconds)
    if device.verify_token(code):
        return None
    return CodeRefused(WRONG_CODE)


def _session_verified(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """Mark the session verified by ``device``; a new session key, as at any change of privilege."""
    otp_login(request, device)
    request.session.cycle_key()
    assert request.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def _refused_record(request: HttpRequest, *, method: str, throttled: bool) -> None:
    user = request.user
    audit_record(
        actor=signin.sign_in_actor(request, user),
        action=AuditAction.LOGIN_FAILED,
        object_type="auth.user",
        object_id=user.pk,
        stage="second_factor",
        method=method,
        throttled=throttled,
        username=user.get_username(),
        ip=signin.client_ip(request),
    )


def format_code(code: str) -> SafeString:
    """A recovery code as shown: ``abcd efgh`` (the form accepts it with or without the space)."""
    return format_html("{} {}", code[:4], code[4:])
