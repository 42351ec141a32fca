"""The people search from every professional page: one box in the header (issue 12)."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from estafette.core.actor import Actor
from estafette.organisations.models import Organisation, Role
from estafette.people.forms import PeopleSearchForm, date_in_query
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.testing.factories import PersonFactory, TrajectoryFactory, make_actor
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db

BOX = 'id="site-search-q"'


def client_for(actor: Actor) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, actor.user)
    return client


@pytest.fixture
def anouk(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    person = PersonFactory(
        given_names="Anouk", family_name="de Vries", date_of_birth=dt.date(1988, 5, 17)
    )
    return cast(Trajectory, TrajectoryFactory(actor=actor_a, person=person))


@pytest.mark.parametrize("name", ["caseload", "signal-inbox", "notifications"])
def test_the_box_is_on_every_professional_page(
    anouk: Trajectory, actor_a: Actor, name: str
) -> None:
    html = client_for(actor_a).get(reverse(name)).content.decode()
    assert BOX in html
    assert f'action="{reverse("people-search")}"' in html


def test_the_box_is_on_the_trajectory_page(anouk: Trajectory, actor_a: Actor) -> None:
    html = client_for(actor_a).get(reverse("trajectory-detail", kwargs={"pk": anouk.pk}))
    assert BOX in html.content.decode()


def test_the_administrator_has_no_box(org_a: Organisation) -> None:
    admin = make_actor(org_a, role=Role.ORGANISATION_ADMIN)
    html = client_for(admin).get(reverse("caseload")).content.decode()
    assert BOX not in html


def test_a_date_typed_in_the_box_is_the_date_of_birth(anouk: Trajectory, actor_a: Actor) -> None:
    client = client_for(actor_a)
    for typed in ("vries 17-05-1988", "17/5/1988 anouk", "1988-05-17"):
        response = client.get(reverse("people-search"), {"q": typed})
        assert response.status_code == 200
        assert "1 person found" in response.content.decode(), typed
    response = client.get(reverse("people-search"), {"q": "vries 18-05-1988"})
    assert "Nobody found." in response.content.decode()


def test_a_future_date_in_the_box_is_refused_beside_the_date_field(
    anouk: Trajectory, actor_a: Actor
) -> None:
    response = client_for(actor_a).get(reverse("people-search"), {"q": "vries 17-05-2999"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("de vries 17-05-1988", (dt.date(1988, 5, 17), "de vries")),
        ("1988-05-17", (dt.date(1988, 5, 17), "")),
        ("17.5.1988", (dt.date(1988, 5, 17), "")),
        ("31-02-1988", None),  # no such day: the words stay a query
        ("123456782", None),  # a BSN is not a date
        ("1234.56.782", None),
        ("de vries", None),
    ],
)
def test_date_in_query(query: str, found: tuple[dt.date, str] | None) -> None:
    assert date_in_query(query) == found


def test_a_date_field_filled_wins_over_a_date_in_the_query(frozen_clock: ClockControl) -> None:
    form = PeopleSearchForm({"q": "vries 01-01-1990", "born": "1988-05-17"})
    assert form.is_valid()
    assert form.criteria() == ("vries 01-01-1990", dt.date(1988, 5, 17))
