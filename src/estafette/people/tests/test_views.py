"""The search page: Dutch by default, English on request; refusals beside the field, input kept."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.organisations.models import Organisation, Role
from estafette.people.forms import BORN_IN_THE_FUTURE
from estafette.people.selectors import AUDIT_OBJECT_TYPE, QUERY_TOO_LONG, SEARCH_NOT_FOR_ROLE
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.testing.factories import PersonFactory, TrajectoryFactory, make_actor
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db

URL = "/people/search/"


def client_for(actor: Actor, language: str = "nl") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    login_verified(client, actor.user)
    return client


def said(message: object, language: str, **params: object) -> str:
    with translation.override(language):
        text = str(message)
    return escape(text % params if params else text)


@pytest.fixture
def anouk(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    person = PersonFactory(
        given_names="Anouk", family_name="de Vries", date_of_birth=dt.date(1988, 5, 17)
    )
    return cast(Trajectory, TrajectoryFactory(actor=actor_a, person=person))


def test_the_address_is_named() -> None:
    assert reverse("people-search") == URL


@pytest.mark.parametrize(("language", "found"), [("nl", None), ("en", "1 person found")])
def test_the_page_finds_and_links_to_the_file(
    anouk: Trajectory, actor_a: Actor, language: str, found: str | None
) -> None:
    """Dutch by default (the words themselves come with the lead's translation), English on
    request."""
    client = client_for(actor_a, language)
    empty = client.get(URL)
    assert empty.status_code == 200
    assert not AuditEvent.objects.filter(object_type=AUDIT_OBJECT_TYPE).exists()
    response = client.get(URL, {"q": "vries", "born": "1988-05-17"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{language}"' in html
    assert reverse("trajectory-detail", args=[anouk.pk]) in html
    assert "Anouk de Vries" in html
    assert f'href="{URL}"' in html  # the header's link
    if found:
        assert found in html
    assert AuditEvent.objects.filter(object_type=AUDIT_OBJECT_TYPE).count() == 1


def test_an_outsider_finds_nobody_and_is_told_why(anouk: Trajectory, actor_c: Actor) -> None:
    response = client_for(actor_c, "en").get(URL, {"q": "vries"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Anouk" not in html
    assert "Nobody found." in html


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_date_of_birth_in_the_future_is_refused_beside_the_field(
    anouk: Trajectory, actor_a: Actor, language: str
) -> None:
    response = client_for(actor_a, language).get(URL, {"q": "vries", "born": "2031-01-01"})
    html = response.content.decode()
    assert response.status_code == 400
    assert said(BORN_IN_THE_FUTURE, language) in html
    assert 'value="2031-01-01"' in html and 'value="vries"' in html
    assert "Anouk" not in html.split("<main", 1)[1]
    assert not AuditEvent.objects.filter(object_type=AUDIT_OBJECT_TYPE).exists()


def test_a_date_of_birth_before_1900_is_refused(anouk: Trajectory, actor_a: Actor) -> None:
    response = client_for(actor_a, "en").get(URL, {"born": "1899-12-31"})
    assert response.status_code == 400
    assert "must lie between 1 January 1900 and 3 March 2025" in response.content.decode()


def test_an_over_long_query_is_refused_and_kept(anouk: Trajectory, actor_a: Actor) -> None:
    query = "vries " * 20
    response = client_for(actor_a).get(URL, {"q": query})
    html = response.content.decode()
    assert response.status_code == 400
    assert said(QUERY_TOO_LONG, "nl", limit=100) in html
    assert query.strip() in html


def test_the_administrator_does_not_search_and_has_no_link(
    org_a: Organisation, anouk: Trajectory
) -> None:
    admin = make_actor(org_a, role=Role.ORGANISATION_ADMIN)
    client = client_for(admin, "en")
    response = client.get(URL, {"q": "vries"})
    assert response.status_code == 403
    assert said(SEARCH_NOT_FOR_ROLE, "en") in response.content.decode()
    assert f'href="{URL}"' not in client.get(reverse("caseload")).content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in() -> None:
    response = Client().get(URL, {"q": "vries"})
    assert response.status_code == 302
    assert "login" in response["Location"]
