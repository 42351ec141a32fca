"""The front door, login/logout, languages, error pages and the presentation helpers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from estafette.core import clock
from estafette.core.errors import Conflict
from estafette.core.middleware import DomainErrorMiddleware
from estafette.core.templatetags.estafette_tags import (
    back_url,
    date_span,
    days_left_text,
    language_name,
    short_date,
    user_name,
)
from estafette.organisations.models import Membership, Organisation, OrganisationKind, Role
from estafette.testing.auth import login_verified, totp_code, totp_device

TODAY = dt.date(2025, 3, 3)
PASSWORD = "s3cret-test-pass"


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def member(db: None) -> Any:
    org = Organisation.objects.create(
        name="BB regio Test", code="bb-core-test", kind=OrganisationKind.BB_REGIONAL_DESK
    )
    user = get_user_model().objects.create_user(
        username="fatima", password=PASSWORD, first_name="Fatima", last_name="El Amrani"
    )
    Membership.objects.create(user=user, organisation=org, role=Role.REGIONAL_COORDINATOR)
    return user


def test_the_url_names_others_depend_on() -> None:
    assert reverse("login") == "/login/"
    assert reverse("logout") == "/logout/"
    assert reverse("home") == "/"
    assert reverse("caseload") == "/caseload/"
    assert reverse("trajectory-detail", args=[7]) == "/trajectories/7/"
    for name, suffix in [
        ("trajectory-route", "route/"),
        ("trajectory-release", "release/"),
        ("trajectory-phase", "phase/"),
        ("trajectory-next-step", "next-step/"),
        ("handover-start", "handover/"),
    ]:
        assert reverse(name, args=[7]) == f"/trajectories/7/{suffix}"
    assert reverse("handover-transition", args=[3, "accept"]) == "/handovers/3/accept/"
    assert reverse("handover-acknowledge", args=[3]) == "/handovers/3/acknowledge/"


def test_home_sends_visitors_to_login_and_members_to_their_caseload(member: Any) -> None:
    assert Client().get("/")["Location"] == "/login/"
    client = Client()
    login_verified(client, member)
    assert client.get("/")["Location"] == "/caseload/"


def test_login_page_is_dutch_by_default_and_english_on_request(db: None) -> None:
    dutch = Client().get("/login/").content.decode()
    assert 'lang="nl"' in dutch
    assert "Inloggen bij Estafette" in dutch
    assert "Direct naar de inhoud" in dutch  # the skip link
    english = Client().get("/login/", headers={"Accept-Language": "en"}).content.decode()
    assert 'lang="en"' in english
    assert "Sign in to Estafette" in english


def test_the_language_switch_sets_the_cookie(member: Any) -> None:
    client = Client()
    login_verified(client, member)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/caseload/"})
    assert response.status_code == 302
    assert response["Location"] == "/caseload/"
    html = client.get("/caseload/").content.decode()
    assert 'lang="en"' in html
    assert "My caseload" in html


def test_signing_in_and_out(member: Any) -> None:
    device = totp_device(member)
    client = Client()
    response = client.post("/login/", {"username": "fatima", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/login/verify/?next=%2Fcaseload%2F"  # the second factor
    response = client.post("/login/verify/", {"code": totp_code(device), "next": "/caseload/"})
    assert response.status_code == 302
    assert response["Location"] == "/caseload/"
    page = client.get("/caseload/").content.decode()
    assert "Fatima El Amrani" in page
    assert "BB regio Test" in page
    assert "regiocoördinator" in page  # the role in words
    assert client.get("/logout/").status_code == 405  # never by a link
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/caseload/").status_code == 302


def test_a_wrong_password_is_told_in_dutch(member: Any) -> None:
    response = Client().post("/login/", {"username": "fatima", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_the_404_page_is_ours(db: None) -> None:
    response = Client().get("/does-not-exist/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Niet gevonden" in html
    assert "Estafette" in html


def test_the_refusal_page_says_the_sentence(db: None) -> None:
    request = RequestFactory().get("/somewhere/", headers={"Referer": "http://testserver/back/"})
    request.actor = None  # type: ignore[attr-defined]
    request.user = get_user_model()()  # anonymous enough for the template
    with translation.override("nl"):
        response = DomainErrorMiddleware(lambda r: None).process_exception(  # type: ignore[arg-type]
            request, Conflict("Dit kan nu niet: de overdracht is ingetrokken.")
        )
    assert response is not None
    assert response.status_code == 409
    html = response.content.decode()
    assert "de overdracht is ingetrokken" in html
    assert 'href="http://testserver/back/"' in html


def test_back_url_ignores_foreign_referers() -> None:
    request = RequestFactory().get("/", headers={"Referer": "https://evil.example/x"})
    assert back_url(request) == "/caseload/"
    assert back_url(None) == "/caseload/"


def test_pages_carry_no_inline_styles_scripts_or_handlers(member: Any) -> None:
    """A strict Content-Security-Policy is coming: nothing inline may need it."""
    member_client = Client()
    login_verified(member_client, member)
    for client, path in ((Client(), "/login/"), (member_client, "/caseload/")):
        html = client.get(path).content.decode()
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert 'src="/static/vendor/htmx/htmx.min.js"' in html


# ---------------------------------------------------------------- the helpers


def test_user_name_names_a_user_or_nobody() -> None:
    user_model = get_user_model()
    assert user_name(user_model(username="kvughts", first_name="Koen", last_name="Vughts")) == (
        "Koen Vughts"
    )
    assert user_name(user_model(username="kvughts")) == "kvughts"
    assert user_name(None) == ""  # recorded by nobody: imported, or by the system
    assert user_name("") == ""  # an unresolved variable (string_if_invalid)


def test_short_dates_in_both_languages() -> None:
    with translation.override("nl"):
        assert short_date(dt.date(2025, 3, 3)) == "3 mrt 2025"
    with translation.override("en"):
        assert short_date(dt.date(2025, 3, 3)) == "3 Mar 2025"
    assert short_date(None) == ""


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2025, 3, 3), dt.date(2025, 3, 20), "3–20 mrt 2025"),
        (dt.date(2025, 2, 28), dt.date(2025, 3, 5), "28 feb – 5 mrt 2025"),
        (dt.date(2025, 12, 28), dt.date(2026, 1, 5), "28 dec 2025 – 5 jan 2026"),
        (dt.date(2025, 3, 3), dt.date(2025, 3, 3), "3 mrt 2025"),
        (None, dt.date(2025, 3, 3), "3 mrt 2025"),
    ],
)
def test_date_spans_say_shared_parts_once(
    start: dt.date | None, end: dt.date | None, expected: str
) -> None:
    with translation.override("nl"):
        assert date_span(start, end) == expected


def test_days_left_in_words() -> None:
    with translation.override("nl"):
        assert days_left_text(TODAY) == "vandaag"
        assert days_left_text(TODAY + dt.timedelta(days=1)) == "nog 1 dag"
        assert days_left_text(TODAY + dt.timedelta(days=5)) == "nog 5 dagen"
        assert days_left_text(TODAY - dt.timedelta(days=3)) == "3 dagen te laat"
    with translation.override("en"):
        assert days_left_text(TODAY - dt.timedelta(days=1)) == "1 day overdue"


def test_language_names() -> None:
    with translation.override("nl"):
        assert language_name("es") == "Spaans"
    assert language_name("xx-unknown") == "xx-unknown"


def test_the_500_page_renders_without_a_request_context(db: None) -> None:
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Er ging iets mis" in html or "Something went wrong" in html
    assert "<form" not in html  # nothing that needs a session or a CSRF token
