"""Security headers, session limits, the client address, and ``check --deploy``."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings

from estafette.core import sessions
from estafette.core.signin import client_ip
from estafette.organisations.models import Membership, Organisation, OrganisationKind, Role
from estafette.testing.auth import login_verified

ROOT = Path(__file__).resolve().parents[4]

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


@pytest.fixture
def member(db: None) -> Any:
    org = Organisation.objects.create(
        name="BB regio Test", code="bb-security-test", kind=OrganisationKind.BB_REGIONAL_DESK
    )
    user = get_user_model().objects.create_user(username="fatima", password="x-Y-z-123456")
    Membership.objects.create(user=user, organisation=org, role=Role.REGIONAL_COORDINATOR)
    return user


def directives(header: str) -> dict[str, str]:
    parts = [part.strip() for part in header.split(";") if part.strip()]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


def test_pages_carry_the_strict_content_security_policy_and_the_other_headers(
    member: Any,
) -> None:
    signed_in = Client()
    login_verified(signed_in, member)
    for client, path, status in (
        (Client(), "/login/", 200),
        (signed_in, "/caseload/", 200),
        (Client(), "/does-not-exist/", 404),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert directives(response["Content-Security-Policy"]) == EXPECTED_CSP, path
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "camera=()" in response["Permissions-Policy"]
        assert "microphone=()" in response["Permissions-Policy"]


def test_the_second_factor_pages_carry_it_too(member: Any) -> None:
    client = Client()
    client.post("/login/", {"username": "fatima", "password": "x-Y-z-123456"})
    response = client.get("/login/setup/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == EXPECTED_CSP
    html = response.content.decode()
    assert "style=" not in html
    assert "<style" not in html
    assert response["Cache-Control"].startswith("max-age=0")  # never_cache: a secret is on it


# ------------------------------------------------------------------ sessions


class FakeClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_750_000_000.0
        monkeypatch.setattr(sessions, "wall_clock", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@override_settings(ESTAFETTE_IDLE_SECONDS=1800, SESSION_COOKIE_AGE=8 * 3600)
def test_a_session_ends_after_thirty_idle_minutes(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(monkeypatch)
    client = Client()
    login_verified(client, member)
    clock.advance(29 * 60)
    assert client.get("/caseload/").status_code == 200
    clock.advance(29 * 60)  # 58 minutes after signing in, but active 29 minutes ago
    assert client.get("/caseload/").status_code == 200
    clock.advance(31 * 60)
    response = client.get("/caseload/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/caseload/"
    page = client.get(response["Location"]).content.decode()
    assert "30 minuten" in page  # why, in words


@override_settings(ESTAFETTE_IDLE_SECONDS=1800, SESSION_COOKIE_AGE=8 * 3600)
def test_a_session_ends_after_eight_hours_however_active(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(monkeypatch)
    client = Client()
    login_verified(client, member)
    for _ in range(16):  # every 29 minutes for 7 h 44 min
        clock.advance(29 * 60)
        assert client.get("/caseload/").status_code == 200
    clock.advance(29 * 60)
    assert client.get("/caseload/").status_code == 302


# ------------------------------------------------------------------ the client's address


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.1"),  # no proxy: the header is the client's own words
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a spoofed entry on the left is ignored
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(
    count: int, forwarded: str, expected: str
) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", headers={"X-Forwarded-For": forwarded}
    )
    with override_settings(ESTAFETTE_PROXY_COUNT=count):
        assert client_ip(request) == expected


# ------------------------------------------------------------------ deployment


def test_check_deploy_is_clean_with_the_production_settings() -> None:
    """``manage.py check --deploy`` in a fresh process, as an operator would run it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ESTAFETTE_SECRET_KEY": secrets.token_urlsafe(64),
        "ESTAFETTE_AUDIT_KEY": secrets.token_hex(32),
        "ESTAFETTE_ALLOWED_HOSTS": "estafette.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("audit_env", "refusal"),
    [
        ({}, "Set ESTAFETTE_AUDIT_KEY"),
        ({"ESTAFETTE_AUDIT_KEY": "too-short"}, "at least 32 characters"),
        ({"ESTAFETTE_AUDIT_KEY_FILE": "/nonexistent/audit.key"}, "cannot read the audit key"),
    ],
)
def test_production_refuses_to_start_without_an_audit_key(
    audit_env: dict[str, str], refusal: str
) -> None:
    """The audit chain is keyed: production does not start without its key (docs/security.md)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ESTAFETTE_AUDIT_KEY", "ESTAFETTE_AUDIT_KEY_FILE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "ESTAFETTE_SECRET_KEY": secrets.token_urlsafe(64),
            **audit_env,
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert refusal in result.stderr
