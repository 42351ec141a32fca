"""Signing in: the password, the second factor (enrolment, codes, recovery codes), audit.

The test settings keep ``ESTAFETTE_REQUIRE_2FA`` on, so these run the real flow.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from estafette.core import two_factor
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Membership, Organisation, OrganisationKind, Role
from estafette.testing.auth import login_verified, totp_code, totp_device

PASSWORD = "s3cret-test-pass"


@pytest.fixture
def member(db: None) -> Any:
    org = Organisation.objects.create(
        name="BB regio Test", code="bb-signin-test", kind=OrganisationKind.BB_REGIONAL_DESK
    )
    user = get_user_model().objects.create_user(
        username="fatima", password=PASSWORD, first_name="Fatima", last_name="El Amrani"
    )
    Membership.objects.create(user=user, organisation=org, role=Role.REGIONAL_COORDINATOR)
    return user


def password_step(client: Client, next_url: str = "/caseload/") -> Any:
    return client.post("/login/", {"username": "fatima", "password": PASSWORD, "next": next_url})


def audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# ------------------------------------------------------------------ the guard


def test_a_password_alone_does_not_reach_the_caseload(member: Any) -> None:
    client = Client()
    response = password_step(client)
    assert response["Location"] == "/login/setup/?next=%2Fcaseload%2F"  # no app yet: add one
    response = client.get("/caseload/")
    assert response.status_code == 302
    assert response["Location"] == "/login/setup/?next=%2Fcaseload%2F"


def test_every_guarded_page_sends_an_unverified_user_to_verification_keeping_next(
    member: Any,
) -> None:
    totp_device(member)
    client = Client()
    client.force_login(member)  # password done, second factor not
    for path in ("/caseload/", "/trajectories/1/", "/caseload/?relation=holding"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/verify/?next="), path
        assert client.get(response["Location"]).status_code == 200
    assert client.get("/")["Location"] == "/caseload/"  # … and from there to verification


def test_the_login_page_sends_a_half_signed_in_user_on_to_the_second_factor(member: Any) -> None:
    totp_device(member)
    client = Client()
    client.force_login(member)
    response = client.get("/login/?next=/trajectories/1/")
    assert response["Location"] == "/login/verify/?next=%2Ftrajectories%2F1%2F"


def test_no_audit_login_until_the_second_factor(member: Any) -> None:
    totp_device(member)
    client = Client()
    password_step(client)
    assert audit(AuditAction.LOGIN) == []


# ------------------------------------------------------------------ enrolment


def test_enrolment_shows_a_qr_code_and_the_key_and_confirms_with_a_right_code(
    member: Any,
) -> None:
    client = Client()
    password_step(client)
    page = client.get("/login/setup/?next=/caseload/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg role="img"' in html  # inline, no image service
    assert "<img" not in html
    device = TOTPDevice.objects.get(user=member)
    assert not device.confirmed
    assert two_factor.secret_in_groups(device) in html
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", two_factor.secret_in_groups(device))
    assert (
        client.get("/login/setup/").content.decode().count(two_factor.secret_in_groups(device))
    ), "a reload keeps the same key"

    response = client.post("/login/setup/", {"code": totp_code(device), "next": "/caseload/"})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-7]{4} [a-z2-7]{4})</code>", response.content.decode())
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/caseload/").status_code == 200

    (created,) = audit(AuditAction.CREATE)
    assert created.object_type == "otp_totp.totpdevice"
    (login,) = audit(AuditAction.LOGIN)
    assert login.user_id == member.pk
    assert login.organisation is not None
    assert login.detail["method"] == "totp_enrolment"


def test_enrolment_refuses_a_wrong_code(member: Any) -> None:
    client = Client()
    password_step(client)
    client.get("/login/setup/")
    device = TOTPDevice.objects.get(user=member)
    wrong = str((int(totp_code(device)) + 1) % 1_000_000).zfill(6)
    response = client.post("/login/setup/", {"code": wrong})
    assert response.status_code == 200
    with translation.override("nl"):
        assert str(two_factor.ENROLMENT_CODE_WRONG) in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/caseload/").status_code == 302
    (failed,) = audit(AuditAction.LOGIN_FAILED)
    assert failed.detail["stage"] == "second_factor"


def test_enrolment_asks_for_six_digits(member: Any) -> None:
    client = Client()
    password_step(client)
    client.get("/login/setup/")
    response = client.post("/login/setup/", {"code": "abc"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.get(user=member).confirmed


def test_a_password_alone_cannot_add_a_second_app(member: Any) -> None:
    totp_device(member)
    client = Client()
    password_step(client)
    response = client.get("/login/setup/?next=/caseload/")
    assert response["Location"] == "/login/verify/?next=%2Fcaseload%2F"
    response = client.post("/login/setup/", {"code": "123456"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=member).count() == 1


# ------------------------------------------------------------------ verification


def test_verification_with_a_right_code_signs_in_and_is_audited(member: Any) -> None:
    device = totp_device(member)
    client = Client()
    response = password_step(client, "/trajectories/1/")
    assert response["Location"] == "/login/verify/?next=%2Ftrajectories%2F1%2F"
    key_before = client.session.session_key
    response = client.post(
        "/login/verify/", {"code": totp_code(device), "next": "/trajectories/1/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/trajectories/1/"
    assert client.session.session_key != key_before  # a new key at the change of privilege
    assert client.get("/caseload/").status_code == 200
    (login,) = audit(AuditAction.LOGIN)
    assert (login.user_id, login.detail["method"]) == (member.pk, "totp")


def test_verification_with_a_wrong_code_fails_and_is_audited(member: Any) -> None:
    device = totp_device(member)
    client = Client()
    password_step(client)
    wrong = str((int(totp_code(device)) + 1) % 1_000_000).zfill(6)
    response = client.post("/login/verify/", {"code": wrong})
    assert response.status_code == 200
    with translation.override("nl"):
        assert str(two_factor.WRONG_CODE) in response.content.decode()
    assert client.get("/caseload/").status_code == 302
    (failed,) = audit(AuditAction.LOGIN_FAILED)
    assert failed.user_id == member.pk
    assert failed.detail["stage"] == "second_factor"
    assert failed.detail["username"] == "fatima"
    assert audit(AuditAction.LOGIN) == []


def test_wrong_codes_are_throttled_even_before_a_right_one(member: Any) -> None:
    device = totp_device(member)
    client = Client()
    password_step(client)
    wrong = str((int(totp_code(device)) + 1) % 1_000_000).zfill(6)
    client.post("/login/verify/", {"code": wrong})
    response = client.post("/login/verify/", {"code": totp_code(device)})
    assert response.status_code == 200  # refused while backing off
    assert "seconds" in str(two_factor.TOO_MANY_TRIES)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert device.get_throttle_factor() == 1  # django-otp's back-off is on
    assert audit(AuditAction.LOGIN_FAILED)[-1].detail["throttled"] is True


def test_a_code_is_accepted_only_once(member: Any) -> None:
    device = totp_device(member)
    code = totp_code(device)
    first = Client()
    password_step(first)
    assert first.post("/login/verify/", {"code": code})["Location"] == "/caseload/"
    second = Client()
    password_step(second)
    assert second.post("/login/verify/", {"code": code}).status_code == 200


def test_a_recovery_code_works_once(member: Any) -> None:
    totp_device(member)
    codes = two_factor.recovery_codes_create(member)
    client = Client()
    password_step(client)
    typed = f"{codes[0][:4]} {codes[0][4:].upper()}"  # as read off paper
    response = client.post("/login/verify/", {"code": typed, "next": "/caseload/"})
    assert response["Location"] == "/caseload/"
    assert client.get("/caseload/").status_code == 200
    assert StaticToken.objects.filter(device__user=member).count() == len(codes) - 1
    assert audit(AuditAction.LOGIN)[-1].detail["method"] == "recovery_code"
    client.post("/logout/")

    again = Client()
    password_step(again)
    response = again.post("/login/verify/", {"code": codes[0]})
    assert response.status_code == 200
    with translation.override("nl"):
        assert str(two_factor.WRONG_RECOVERY_CODE) in response.content.decode()


def test_next_must_be_a_page_of_this_site(member: Any) -> None:
    device = totp_device(member)
    client = Client()
    password_step(client)
    response = client.post(
        "/login/verify/", {"code": totp_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/caseload/"


@override_settings(ESTAFETTE_REQUIRE_2FA=False)
def test_with_the_second_factor_switched_off_the_password_is_enough(member: Any) -> None:
    client = Client()
    response = password_step(client)
    assert response["Location"] == "/caseload/"
    assert client.get("/caseload/").status_code == 200
    (login,) = audit(AuditAction.LOGIN)
    assert login.detail["method"] == "password"


# ------------------------------------------------------------------ wrong passwords


def test_a_wrong_password_is_audited_with_the_username_never_the_password(member: Any) -> None:
    Client().post("/login/", {"username": "fatima", "password": "Geheim-Wachtwoord-42"})
    (failed,) = audit(AuditAction.LOGIN_FAILED)
    assert failed.user_id is None
    assert failed.detail["username"] == "fatima"
    assert failed.detail["stage"] == "password"
    assert failed.detail["ip"] == "127.0.0.1"
    assert "Geheim-Wachtwoord-42" not in str(failed.detail)


def test_five_wrong_passwords_lock_out_that_username_from_that_address(member: Any) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(4):
        response = attacker.post("/login/", {"username": "fatima", "password": "wrong"})
        assert response.status_code == 200
    response = attacker.post("/login/", {"username": "fatima", "password": "wrong"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Inloggen is gepauzeerd" in html  # Dutch by default
    assert "15 minuten" in html
    # Even the right password is refused from there now …
    response = attacker.post("/login/", {"username": "fatima", "password": PASSWORD})
    assert response.status_code == 429
    assert audit(AuditAction.LOGIN_FAILED)[-1].detail["locked_out"] is True
    # … but a colleague elsewhere signs in as usual.
    colleague = Client(REMOTE_ADDR="198.51.100.7")
    response = colleague.post("/login/", {"username": "fatima", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/setup/")


def test_the_lockout_page_speaks_english_on_request(member: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9", headers={"Accept-Language": "en"})
    for _ in range(5):
        response = client.post("/login/", {"username": "fatima", "password": "wrong"})
    assert response.status_code == 429
    assert "Signing in is paused" in response.content.decode()


def test_the_lockout_is_per_username(member: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        client.post("/login/", {"username": "someone-else", "password": "wrong"})
    response = client.post("/login/", {"username": "fatima", "password": PASSWORD})
    assert response.status_code == 302


# ------------------------------------------------------------------ the admin


@pytest.fixture
def staff(member: Any) -> Any:
    member.is_staff = True
    member.is_superuser = True
    member.save()
    return member


def test_the_admin_sends_visitors_to_the_one_sign_in_page(db: None) -> None:
    response = Client().get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"


def test_the_admin_requires_the_second_factor(staff: Any) -> None:
    totp_device(staff)
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/verify/?next=%2Fadmin%2F"
    login_verified(client, staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 200


def test_the_admin_refuses_verified_non_staff(member: Any) -> None:
    client = Client()
    login_verified(client, member)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_an_administrator_resets_a_lost_app_by_deleting_the_device(member: Any) -> None:
    device = totp_device(member)
    administrator = get_user_model().objects.create_superuser("beheer", password=PASSWORD)
    admin = Client()
    login_verified(admin, administrator)
    response = admin.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}, follow=False
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    client = Client()
    assert password_step(client)["Location"].startswith("/login/setup/")  # add the app again
