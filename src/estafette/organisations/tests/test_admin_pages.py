"""Running an organisation (issue 12): members, invitations, deactivation, second factor, details.

The administrator of Bureau Buitenland (``bb``) runs BB and its desk (``desk``); a municipal
desk (``other``) has an administrator of its own. Invitations go over real SMTP to an
aiosmtpd server the test starts (as the notification tests do).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils.html import escape
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from estafette.core.models import AuditAction, AuditEvent
from estafette.core.two_factor import recovery_codes_create
from estafette.organisations.forms import ROLE_NOT_OFFERED
from estafette.organisations.models import Membership, OrganisationKind, Role
from estafette.organisations.selectors import INVITATION_INVALID, ONLY_ADMINISTRATOR
from estafette.organisations.services import (
    CANNOT_CHANGE_OWN,
    CANNOT_RESET,
    OWN_ACCOUNT,
    REASON_REQUIRED,
)
from estafette.signals.notifications.tests.smtp_server import SmtpServer, free_port
from estafette.testing.auth import totp_device
from estafette.testing.views import client_for, make_actor, make_org

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
User = get_user_model()


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    bb = make_org("bb", OrganisationKind.BUREAU_BUITENLAND, name="Bureau Buitenland (test)")
    desk = make_org("bb-oost", OrganisationKind.BB_REGIONAL_DESK, name="BB regio Oost", parent=bb)
    other = make_org("nazorg", OrganisationKind.MUNICIPAL_AFTERCARE, name="Nazorg Test")
    return {
        "bb": bb,
        "desk": desk,
        "other": other,
        "admin": make_actor(bb, "beheer", Role.ORGANISATION_ADMIN, email="beheer@bb.example"),
        "coordinator": make_actor(
            bb,
            "coord",
            Role.REGIONAL_COORDINATOR,
            first_name="Carla",
            last_name="Zuid",
            email="carla@bb.example",
        ),
        "desk_worker": make_actor(
            desk, "oost", Role.REGIONAL_COORDINATOR, first_name="Otto", last_name="Oost"
        ),
        "other_admin": make_actor(other, "beheer-nazorg", Role.ORGANISATION_ADMIN),
        "outsider": make_actor(
            other,
            "nora",
            Role.AFTERCARE_COORDINATOR,
            first_name="Nora",
            last_name="Elders",
            email="nora@nazorg.example",
        ),
    }


def _membership(actor: Any) -> Membership:
    return Membership.objects.get(user=actor.user, organisation=actor.organisation)


def _denied(object_type: str) -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED, object_type=object_type).count()


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Estafette <noreply@estafette.example.nl>"
    settings.ESTAFETTE_SITE_URL = "https://estafette.example.nl"
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- the list


def test_the_list_shows_the_organisation_and_its_desks_only(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(world["admin"])
    with django_assert_max_num_queries(16):
        response = client.get("/organisation/", **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Carla Zuid" in html and "Otto Oost" in html  # BB and its desk
    assert "Nora Elders" not in html and "nora@nazorg.example" not in html  # not another org
    assert f'href="/organisation/members/{_membership(world["coordinator"]).pk}/"' in html
    # The read is audited; the header links the page for the administrator.
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="organisations.membership"
    ).exists()
    assert 'href="/organisation/"' in html


def test_the_list_costs_the_same_queries_for_many_members(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(world["admin"])
    client.get("/organisation/")  # warm the session
    for n in range(40):
        make_actor(world["desk"], f"vrijwilliger{n}", Role.REGIONAL_COORDINATOR)
    with django_assert_max_num_queries(16):
        response = client.get("/organisation/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/organisation/members/') >= 40


def test_a_desk_filter_shows_that_desk(world: dict[str, Any]) -> None:
    html = (
        client_for(world["admin"])
        .get(f"/organisation/?organisation={world['desk'].pk}", **EN)
        .content.decode()
    )
    assert "Otto Oost" in html and "Carla Zuid" not in html


@pytest.mark.parametrize("path", ["/organisation/", "/organisation/invite/"])
def test_other_roles_get_403_audited_and_no_menu_link(world: dict[str, Any], path: str) -> None:
    client = client_for(world["coordinator"])
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    response = client.get(path, **EN)
    assert response.status_code == 403
    assert escape(str(ONLY_ADMINISTRATOR)) in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
    assert client.post("/organisation/invite/", {"email": "x@example.org"}).status_code == 403
    caseload = client.get("/caseload/", **EN).content.decode()
    assert 'href="/organisation/"' not in caseload


def test_other_roles_get_404_on_a_member(world: dict[str, Any]) -> None:
    target = _membership(world["desk_worker"])
    client = client_for(world["coordinator"])
    assert client.get(f"/organisation/members/{target.pk}/").status_code == 404
    assert client.post(f"/organisation/members/{target.pk}/deactivate/").status_code == 404
    target.refresh_from_db()
    assert target.is_active


def test_an_admin_of_another_organisation_cannot_touch_members(world: dict[str, Any]) -> None:
    target = _membership(world["coordinator"])
    client = client_for(world["other_admin"])
    TOTPDevice.objects.create(user=target.user, name="app", confirmed=True)
    before = _denied("organisations.membership")
    for url, data in [
        (f"/organisation/members/{target.pk}/", None),
        (f"/organisation/members/{target.pk}/deactivate/", {}),
        (f"/organisation/members/{target.pk}/second-factor/", {"reason": "lost phone"}),
        (f"/organisation/members/{target.pk}/invitation/", {}),
    ]:
        response = client.post(url, data, **EN) if data is not None else client.get(url, **EN)
        assert response.status_code == 404, url
    assert _denied("organisations.membership") == before + 4
    target.refresh_from_db()
    assert target.is_active and TOTPDevice.objects.filter(user=target.user).exists()
    # Nor the organisation's details.
    assert client.get(f"/organisation/{world['bb'].pk}/details/").status_code == 404
    # And its own list does not show BB's people.
    assert "Carla Zuid" not in client.get("/organisation/").content.decode()


def test_a_desk_admin_does_not_run_its_parent(world: dict[str, Any]) -> None:
    desk_admin = make_actor(world["desk"], "beheer-oost", Role.ORGANISATION_ADMIN)
    client = client_for(desk_admin)
    target = _membership(world["coordinator"])
    assert client.get(f"/organisation/members/{target.pk}/").status_code == 404
    assert client.get(f"/organisation/{world['bb'].pk}/details/").status_code == 404
    html = client.get("/organisation/").content.decode()
    assert "Otto Oost" in html and "Carla Zuid" not in html


# --------------------------------------------------------------------------- invite


def _link(body: str) -> str:
    found = re.search(r"https://estafette\.example\.nl(/invitation/[^\s]+/)", body)
    assert found, body
    return found.group(1)


def test_an_invitation_reaches_smtp_and_its_link_works_once(
    world: dict[str, Any], smtp: SmtpServer
) -> None:
    client = client_for(world["admin"])
    response = client.post(
        "/organisation/invite/",
        {
            "first_name": "Ineke",
            "last_name": "Nieuw",
            "email": "Ineke@Desk.example",
            "organisation": world["desk"].pk,
            "role": Role.REGIONAL_COORDINATOR,
        },
        **EN,
    )
    assert response.status_code == 302
    user = User.objects.get(email="ineke@desk.example")
    assert user.username == "ineke@desk.example" and not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role) == (world["desk"], Role.REGIONAL_COORDINATOR)
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="organisations.membership", object_id=membership.pk
    ).exists()

    [envelope] = smtp.inbox.envelopes
    assert envelope.rcpt_tos == ["ineke@desk.example"]
    [message] = smtp.inbox.messages
    body = message.get_content()
    assert "Bureau Buitenland" not in message["Subject"]  # a subject names nobody
    assert "BB regio Oost" in body
    link = _link(body)

    # The invited person follows the link (not signed in), chooses a password.
    visitor = Client()
    assert visitor.get(link, **EN).status_code == 200
    weak = visitor.post(link, {"new_password1": "kort", "new_password2": "kort"}, **EN)
    assert weak.status_code == 400
    user.refresh_from_db()
    assert not user.has_usable_password()
    password = "lang-en-uniek-wachtwoord-42"
    done = visitor.post(link, {"new_password1": password, "new_password2": password}, **EN)
    assert done.status_code == 302 and done["Location"] == "/login/"
    user.refresh_from_db()
    assert user.check_password(password)
    assert AuditEvent.objects.filter(
        object_type="auth.user", object_id=user.pk, detail__event="invitation_password_set"
    ).exists()

    # The link works once.
    before = _denied("organisations.invitation")
    again = visitor.get(link, **EN)
    assert again.status_code == 404
    assert escape(str(INVITATION_INVALID)) in again.content.decode()
    assert _denied("organisations.invitation") == before + 1

    # Signing in with the new password leads to adding an authenticator app first.
    signed_in = visitor.post("/login/", {"username": user.username, "password": password})
    assert signed_in.status_code == 302
    assert signed_in["Location"].startswith("/login/setup/")
    assert visitor.get("/caseload/")["Location"].startswith("/login/setup/")


def test_an_address_in_use_gets_the_role_not_a_second_account(
    world: dict[str, Any], smtp: SmtpServer
) -> None:
    outsider = world["outsider"].user
    users = User.objects.count()
    response = client_for(world["admin"]).post(
        "/organisation/invite/",
        {
            "first_name": "Nora",
            "last_name": "Elders",
            "email": "NORA@nazorg.example",
            "organisation": world["bb"].pk,
            "role": Role.REGIONAL_COORDINATOR,
        },
        follow=True,
        **EN,
    )
    assert response.status_code == 200
    assert User.objects.count() == users
    assert Membership.objects.filter(user=outsider, organisation=world["bb"]).exists()
    assert "already has an Estafette account" in response.content.decode()
    [message] = smtp.inbox.messages
    assert "/invitation/" not in message.get_content()  # she has a password: no link
    # The same role twice is refused beside the field, nothing added.
    again = client_for(world["admin"]).post(
        "/organisation/invite/",
        {
            "first_name": "Nora",
            "last_name": "Elders",
            "email": "nora@nazorg.example",
            "organisation": world["bb"].pk,
            "role": Role.REGIONAL_COORDINATOR,
        },
        **EN,
    )
    assert again.status_code == 400
    assert "already has this role" in again.content.decode()
    assert Membership.objects.filter(user=outsider).count() == 2


def test_a_role_that_does_not_fit_the_kind_is_refused_and_the_input_kept(
    world: dict[str, Any],
) -> None:
    users = User.objects.count()
    response = client_for(world["admin"]).post(
        "/organisation/invite/",
        {
            "first_name": "Piet",
            "last_name": "Verkeerd",
            "email": "piet@example.org",
            "organisation": world["bb"].pk,
            "role": Role.CASE_MANAGER,
        },
        **EN,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert escape(str(ROLE_NOT_OFFERED)) in html
    assert 'value="piet@example.org"' in html and 'value="Verkeerd"' in html
    assert User.objects.count() == users
    assert len(mail.outbox) == 0


def test_an_organisation_the_admin_does_not_run_is_not_offered(world: dict[str, Any]) -> None:
    response = client_for(world["admin"]).post(
        "/organisation/invite/",
        {
            "first_name": "Piet",
            "last_name": "Elders",
            "email": "piet@example.org",
            "organisation": world["other"].pk,
            "role": Role.AFTERCARE_COORDINATOR,
        },
        **EN,
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(organisation=world["other"]).exclude(
        user__in=[world["other_admin"].user, world["outsider"].user]
    )


def test_a_mail_server_that_is_down_leaves_the_invitation_and_says_so(
    world: dict[str, Any], settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens
    settings.EMAIL_TIMEOUT = 2
    response = client_for(world["admin"]).post(
        "/organisation/invite/",
        {
            "first_name": "Ineke",
            "last_name": "Nieuw",
            "email": "ineke@bb.example",
            "organisation": world["bb"].pk,
            "role": Role.ORGANISATION_ADMIN,
        },
        follow=True,
        **EN,
    )
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert "Send the invitation again" in response.content.decode()
    assert Membership.objects.filter(user__email="ineke@bb.example").exists()


# --------------------------------------------------------------------------- deactivate


def test_a_deactivated_member_cannot_act_from_the_next_request(world: dict[str, Any]) -> None:
    member = world["coordinator"]
    member_client = client_for(member)
    assert member_client.get("/caseload/").status_code == 200
    membership = _membership(member)

    response = client_for(world["admin"]).post(f"/organisation/members/{membership.pk}/deactivate/")
    assert response.status_code == 302
    membership.refresh_from_db()
    member.user.refresh_from_db()
    assert not membership.is_active and not member.user.is_active  # it was the last role
    # The open session no longer acts: signed out (an inactive account is nobody).
    assert member_client.get("/caseload/")["Location"].startswith("/login/")
    entry = AuditEvent.objects.filter(object_type="organisations.membership").latest("id")
    assert entry.detail["event"] == "membership_deactivated"

    client_for(world["admin"]).post(f"/organisation/members/{membership.pk}/reactivate/")
    membership.refresh_from_db()
    member.user.refresh_from_db()
    assert membership.is_active and member.user.is_active


def test_with_another_role_left_the_account_stays_but_not_for_this_organisation(
    world: dict[str, Any],
) -> None:
    member = world["desk_worker"]
    Membership.objects.create(
        user=member.user, organisation=world["other"], role=Role.AFTERCARE_COORDINATOR
    )
    membership = _membership(member)
    client_for(world["admin"]).post(f"/organisation/members/{membership.pk}/deactivate/")
    member.user.refresh_from_db()
    assert member.user.is_active
    page = client_for(member).get("/caseload/", **EN).content.decode()
    assert "Nazorg Test" in page and "BB regio Oost" not in page


def test_an_admin_cannot_deactivate_themselves(world: dict[str, Any]) -> None:
    own = _membership(world["admin"])
    response = client_for(world["admin"]).post(f"/organisation/members/{own.pk}/deactivate/", **EN)
    assert response.status_code == 403
    assert escape(str(CANNOT_CHANGE_OWN)) in response.content.decode()
    own.refresh_from_db()
    assert own.is_active


# --------------------------------------------------------------------------- second factor


def test_resetting_a_second_factor_needs_a_reason_deletes_devices_and_is_audited(
    world: dict[str, Any],
) -> None:
    member = world["coordinator"]
    totp_device(member.user)
    recovery_codes_create(member.user)
    membership = _membership(member)
    url = f"/organisation/members/{membership.pk}/second-factor/"
    client = client_for(world["admin"])

    refused = client.post(url, {"reason": "  "}, **EN)
    assert refused.status_code == 400
    assert escape(str(REASON_REQUIRED)) in refused.content.decode()
    assert TOTPDevice.objects.filter(user=member.user).exists()

    response = client.post(url, {"reason": "Phone lost; she called me on Monday."})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member.user).exists()
    assert not StaticDevice.objects.filter(user=member.user).exists()
    entry = AuditEvent.objects.filter(
        object_type="auth.user", object_id=member.user.pk, detail__event="second_factor_reset"
    ).get()
    assert entry.detail["reason"] == "Phone lost; she called me on Monday."
    assert entry.user_id == world["admin"].user.pk
    [message] = mail.outbox
    assert message.to == [member.user.email]
    # The member's next page asks for a new authenticator app.
    member_client = Client()
    member_client.force_login(member.user)
    assert member_client.get("/caseload/")["Location"].startswith("/login/setup/")


def test_a_second_factor_used_by_another_organisation_is_not_reset(
    world: dict[str, Any],
) -> None:
    member = world["coordinator"]
    totp_device(member.user)
    Membership.objects.create(
        user=member.user, organisation=world["other"], role=Role.AFTERCARE_COORDINATOR
    )
    membership = _membership(member)
    response = client_for(world["admin"]).post(
        f"/organisation/members/{membership.pk}/second-factor/", {"reason": "lost"}, **EN
    )
    assert response.status_code == 403
    assert escape(str(CANNOT_RESET)) in response.content.decode()
    assert TOTPDevice.objects.filter(user=member.user).exists()


# --------------------------------------------------------------------------- details


def test_the_details_are_kept_with_bad_input_refused(world: dict[str, Any]) -> None:
    url = f"/organisation/{world['desk'].pk}/details/"
    client = client_for(world["admin"])
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "street": "Stationsplein 1",
            "postal_code": "6811 KG",
            "city": "Arnhem",
            "phone": "call me maybe",
            "email": "balie@",
            "opening_hours": "ma–do 9:00–12:00",
        },
        **EN,
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Fill in a phone number" in html and "valid e-mail address" in html
    assert 'value="Stationsplein 1"' in html
    world["desk"].refresh_from_db()
    assert world["desk"].street == ""  # nothing half-saved

    good = client.post(
        url,
        {
            "street": "Stationsplein 1",
            "postal_code": "6811 kg",
            "city": "Arnhem",
            "phone": "+31 26 123 4567",
            "email": "balie@bb.example",
            "website": "",
            "opening_hours": "ma–do 9:00–12:00, vrijdag op afspraak",
        },
    )
    assert good.status_code == 302
    world["desk"].refresh_from_db()
    assert (world["desk"].postal_code, world["desk"].phone) == ("6811 KG", "+31 26 123 4567")
    entry = AuditEvent.objects.filter(
        object_type="organisations.organisation", object_id=world["desk"].pk
    ).latest("id")
    assert "opening_hours" in entry.detail["fields"]


def test_a_link_that_is_not_an_invitation_is_refused_and_audited(db: None) -> None:
    before = _denied("organisations.invitation")
    assert Client().get("/invitation/MQ/not-a-token/").status_code == 404
    assert Client().get(f"/invitation/{'x' * 60}/{'y' * 80}/").status_code == 404
    assert _denied("organisations.invitation") == before + 2


@pytest.mark.parametrize("role", list(Role))
def test_every_role_but_the_administrator_is_refused_the_pages(
    world: dict[str, Any], role: str
) -> None:
    """The authorization matrix of these pages: 200 for the administrator, 403 or 404 else."""
    actor = make_actor(world["bb"], f"matrix-{role}", role)
    client = client_for(actor)
    member = _membership(world["desk_worker"]).pk
    pages = {
        "/organisation/": 403,
        "/organisation/invite/": 403,
        f"/organisation/members/{member}/": 404,
        f"/organisation/{world['desk'].pk}/details/": 404,
    }
    for url, refused in pages.items():
        expected = 200 if role == Role.ORGANISATION_ADMIN else refused
        assert client.get(url).status_code == expected, url
    html = client.get("/organisation/").content.decode()
    assert ("Otto Oost" in html) == (role == Role.ORGANISATION_ADMIN)


def test_an_admin_gives_no_role_to_its_own_account(world: dict[str, Any]) -> None:
    response = client_for(world["admin"]).post(
        "/organisation/invite/",
        {
            "first_name": "Be",
            "last_name": "Heer",
            "email": "beheer@bb.example",
            "organisation": world["desk"].pk,
            "role": Role.REGIONAL_COORDINATOR,
        },
        **EN,
    )
    assert response.status_code == 400
    assert escape(str(OWN_ACCOUNT)) in response.content.decode()
    assert Membership.objects.filter(user=world["admin"].user).count() == 1


def test_a_member_page_costs_a_bounded_number_of_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(world["admin"])
    member = _membership(world["desk_worker"])
    client.get("/organisation/")
    with django_assert_max_num_queries(16):
        assert client.get(f"/organisation/members/{member.pk}/").status_code == 200
