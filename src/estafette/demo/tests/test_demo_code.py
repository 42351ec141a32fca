"""The demo accounts' second factor: a known key, and ``demo_code`` for the code of the moment."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from estafette.demo.otp import demo_device, demo_device_create, demo_key, demo_secret

pytestmark = pytest.mark.django_db


def code_for(username: str) -> str:
    out = StringIO()
    call_command("demo_code", username, stdout=out)
    return out.getvalue().strip()


def test_a_demo_account_gets_the_same_key_in_every_build() -> None:
    assert demo_key("coordinator") == demo_key("coordinator")
    assert demo_key("coordinator") != demo_key("nazorg")
    assert len(bytes.fromhex(demo_key("coordinator"))) == 20
    assert len(demo_secret("coordinator").replace(" ", "")) == 32


def test_demo_code_prints_a_code_the_app_would_show_and_sign_in_accepts() -> None:
    user = get_user_model().objects.create_user("coordinator")
    device = demo_device_create(user)
    code = code_for("coordinator")
    assert code.isdigit() and len(code) == 6
    assert device.verify_token(code)


def test_demo_code_refuses_accounts_that_are_not_demo_accounts() -> None:
    user = get_user_model().objects.create_user("fatima")
    demo_device_create(user)
    with pytest.raises(CommandError, match="not a demo account"):
        code_for("fatima")


def test_demo_code_refuses_a_real_account_that_shares_a_demo_username() -> None:
    user = get_user_model().objects.create_user("admin")
    TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)  # random key
    assert demo_device("admin") is None
    with pytest.raises(CommandError, match="no demo authenticator"):
        code_for("admin")


def test_every_demo_account_signs_in_with_its_password_and_demo_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import datetime as dt

    from django.test import Client

    from estafette.core import clock
    from estafette.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
    from estafette.demo.build import build

    with clock.frozen(dt.date(2026, 3, 2)):
        build(scale="tiny", seed=11, say=lambda _: None)
    call_command("demo_accounts")
    listing = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        assert demo_device(account.username) is not None, account.username
        assert f"manage.py demo_code {account.username}" in listing
        assert demo_secret(account.username) in listing
        client = Client()
        response = client.post("/login/", {"username": account.username, "password": DEMO_PASSWORD})
        assert response["Location"].startswith("/login/verify/"), account.username
        response = client.post("/login/verify/", {"code": code_for(account.username)})
        assert response.status_code == 302, account.username
