"""The caseload page through the test client: access, relations, filters, sorts, queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.errors import NO_ORGANISATION
from estafette.handovers.services import handover_accept, handover_decline
from estafette.organisations.models import (
    Country,
    Municipality,
    OrganisationKind,
    Role,
)
from estafette.people.models import Person
from estafette.testing.auth import login_verified
from estafette.testing.consent import intake_consent, send_with_consent
from estafette.testing.views import client_for, make_actor, make_org
from estafette.trajectories.models import Phase, ReleaseCertainty, Route, Trajectory
from estafette.trajectories.selectors import CaseRelation
from estafette.trajectories.services import trajectory_open, trajectory_set_phase

TODAY = dt.date(2025, 3, 3)


# ------------------------------------------------------------------ a small world


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


def open_trajectory(actor: Actor, family: str, **kwargs: Any) -> Trajectory:
    person = Person.objects.create(given_names="Test", family_name=family)
    values: dict[str, Any] = {
        "route": Route.ABROAD_BB,
        "release_certainty": ReleaseCertainty.KNOWN,
        "release_date": TODAY + dt.timedelta(days=90),
        "registration_municipality": Municipality.objects.get(cbs_code="GM0202"),
        "registration_certainty": "confirmed",
        "country": Country.objects.get(iso2="ES"),
    }
    values.update(kwargs)
    trajectory = trajectory_open(actor=actor, person=person, **values)
    intake_consent(trajectory=trajectory, organisation=actor.organisation)
    return trajectory


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """BB (a) holds one, hands one over (pending), one accepted by Arnhem (b), one declined."""
    bb = make_org("bb-test", OrganisationKind.BB_REGIONAL_DESK, name="BB regio Test")
    desk = make_org(
        "arnhem-test",
        OrganisationKind.MUNICIPAL_AFTERCARE,
        name="Nazorg Arnhem Test",
        municipality=Municipality.objects.get(cbs_code="GM0202"),
    )
    other = make_org("elsewhere", OrganisationKind.LANDING_PLACE, name="Elders")
    a = make_actor(bb, "coordinator", Role.REGIONAL_COORDINATOR)
    b = make_actor(desk, "aftercare", Role.AFTERCARE_COORDINATOR)
    c = make_actor(other, "elsewhere")
    holding = open_trajectory(a, "Holding", release_date=TODAY + dt.timedelta(days=10))
    pending = open_trajectory(a, "Pending", release_date=TODAY + dt.timedelta(days=20))
    send_with_consent(
        actor=a,
        trajectory=pending,
        receiver=desk,
        purpose="aftercare_referral",
        message="Graag nazorg.",
    )
    # Returned: accepting passes the baton at once (during detention it would commit, 0011).
    accepted = open_trajectory(
        a, "Accepted", release_date=TODAY + dt.timedelta(days=30), phase=Phase.RETURN
    )
    h = send_with_consent(
        actor=a,
        trajectory=accepted,
        receiver=desk,
        purpose="aftercare_referral",
        message="Graag nazorg.",
    )
    handover_accept(actor=b, handover=h)
    declined = open_trajectory(
        a,
        "Declined",
        release_certainty=ReleaseCertainty.UNKNOWN,
        route=Route.DOMESTIC,
        country=None,
    )
    h = send_with_consent(
        actor=a,
        trajectory=declined,
        receiver=desk,
        purpose="aftercare_referral",
        message="Graag nazorg.",
    )
    handover_decline(actor=b, handover=h, reason="Niet onze gemeente.")
    return {
        "a": a,
        "b": b,
        "c": c,
        "bb": bb,
        "desk": desk,
        "holding": holding,
        "pending": pending,
        "accepted": accepted,
        "declined": declined,
    }


def relations(response: Any) -> dict[str, str]:
    return {row.trajectory.person.family_name: row.relation for row in response.context["rows"]}


# ------------------------------------------------------------------------- tests


def test_login_is_required(db: None) -> None:
    response = Client().get("/caseload/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/caseload/")


def test_a_user_without_organisation_is_told_so(db: None) -> None:
    user = get_user_model().objects.create_user(username="lonely", password="s3cret-test-pass")
    client = Client()
    login_verified(client, user)
    response = client.get("/caseload/")
    assert response.status_code == 403
    with translation.override("nl"):
        assert str(NO_ORGANISATION) in response.content.decode()


def test_the_sender_sees_holding_handing_over_awaiting_and_outcome(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get("/caseload/")

    assert response.status_code == 200
    assert relations(response) == {
        "Holding": CaseRelation.HOLDING,
        "Pending": CaseRelation.HANDING_OVER,
        "Accepted": CaseRelation.AWAITING_OUTCOME,
        "Declined": CaseRelation.OUTCOME_TO_REVIEW,
    }
    html = response.content.decode()
    assert html.count("Stokje in de lucht") == 1  # Dutch by default; only the pending one
    for label in ("heeft het stokje", "overgedragen, wacht op acceptatie", "uitkomst bekijken"):
        assert label in html
    assert 'lang="nl"' in html


def test_the_receiver_sees_incoming_and_holding_but_not_the_rest(world: dict[str, Any]) -> None:
    response = client_for(world["b"]).get("/caseload/")

    assert relations(response) == {
        "Pending": CaseRelation.INCOMING,
        "Accepted": CaseRelation.HOLDING,
    }
    (incoming,) = [r for r in response.context["rows"] if r.relation == CaseRelation.INCOMING]
    assert incoming.in_the_air
    assert "Stokje in de lucht" in response.content.decode()


def test_an_unrelated_organisation_has_an_empty_caseload(world: dict[str, Any]) -> None:
    response = client_for(world["c"]).get("/caseload/")
    assert response.context["rows"] == []
    assert "Uw caseload is leeg" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a declined handover leaves the baton with the sender: still held
        ({"relation": "holding"}, {"Holding", "Pending", "Declined"}),
        ({"relation": "handing_over"}, {"Pending"}),
        ({"relation": "awaiting_outcome"}, {"Accepted"}),
        ({"relation": "outcome_to_review"}, {"Declined"}),
        ({"route": "domestic"}, {"Declined"}),
        ({"country": "ES"}, {"Holding", "Pending", "Accepted"}),
        ({"release_from": "2025-03-20", "release_to": "2025-03-31"}, {"Pending"}),
        ({"phase": "detention"}, {"Holding", "Pending", "Declined"}),
        ({"phase": "return"}, {"Accepted"}),
    ],
)
def test_filters_narrow_the_rows(
    world: dict[str, Any], query: dict[str, str], expected: set[str]
) -> None:
    response = client_for(world["a"]).get("/caseload/", query)
    assert set(relations(response)) == expected


def test_municipality_filter_matches_registration_or_settlement(world: dict[str, Any]) -> None:
    arnhem = Municipality.objects.get(cbs_code="GM0202")
    client = client_for(world["a"])
    assert len(client.get("/caseload/", {"municipality": arnhem.pk}).context["rows"]) == 4
    utrecht = Municipality.objects.get(cbs_code="GM0344")
    assert client.get("/caseload/", {"municipality": utrecht.pk}).context["rows"] == []


def test_an_invalid_filter_is_reported_and_ignored(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get("/caseload/", {"phase": "nonsense", "route": "domestic"})
    assert response.status_code == 200
    assert response.context["form"].errors["phase"]
    assert set(relations(response)) == {"Declined"}  # the valid filter still applies


def test_phase_filter_after_a_phase_change(world: dict[str, Any]) -> None:
    trajectory_set_phase(actor=world["a"], trajectory=world["holding"], phase=Phase.RETURN)
    response = client_for(world["a"]).get("/caseload/", {"phase": "return"})
    assert set(relations(response)) == {"Holding", "Accepted"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("release", ["Holding", "Pending", "Accepted", "Declined"]),
        ("-release", ["Accepted", "Pending", "Holding", "Declined"]),
        ("person", ["Accepted", "Declined", "Holding", "Pending"]),
    ],
)
def test_sorts_order_the_rows(world: dict[str, Any], sort: str, expected: list[str]) -> None:
    response = client_for(world["a"]).get("/caseload/", {"sort": sort})
    assert [r.trajectory.person.family_name for r in response.context["rows"]] == expected


def test_column_headers_are_sort_links_keeping_the_filters(world: dict[str, Any]) -> None:
    html = client_for(world["a"]).get("/caseload/", {"route": "abroad_bb"}).content.decode()
    assert "?route=abroad_bb&amp;sort=person" in html
    # The default order is "what needs action first" (issue 12): no column is the sort.
    assert "aria-sort" not in html
    assert '<option value="action"' in html  # the first choice


def test_counts_per_relation(world: dict[str, Any]) -> None:
    counts = {
        c.relation: c.count for c in client_for(world["a"]).get("/caseload/").context["counts"]
    }
    assert counts == {
        "holding": 3,
        "handing_over": 1,
        "incoming": 0,
        "awaiting_outcome": 1,
        "outcome_to_review": 1,
        "alongside": 0,
        "handing_over_at_release": 0,
        "preparing": 0,
    }


def test_an_htmx_request_gets_only_the_results(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get(
        "/caseload/",
        {"relation": "holding"},
        headers={"HX-Request": "true", "HX-Target": "caseload-results"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="caseload-results"' in html
    assert "Holding" in html
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get(
        "/caseload/",
        headers={
            "HX-Request": "true",
            "HX-Target": "caseload-results",
            "HX-History-Restore-Request": "true",
        },
    )
    assert "<html" in response.content.decode()


def _fill(actor: Actor, count: int) -> None:
    for i in range(count):
        open_trajectory(actor, f"Bulk {i:03d}", release_date=TODAY + dt.timedelta(days=i))


def _count_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/caseload/").status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_caseload(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(world["a"])
    client.get("/caseload/")  # warm the session
    _fill(world["a"], 1)
    small = _count_queries(client)
    _fill(world["a"], 60)
    with django_assert_max_num_queries(small):
        response = client.get("/caseload/")
    assert response.context["page_obj"].paginator.count == 65
    # 16 before need-to-know; +2 for the data classes of the page's rows, +1 for the
    # count of the "runs alongside" relation, +1 for the consent notices panel.
    assert small <= 20, small


def test_pagination_links(world: dict[str, Any]) -> None:
    _fill(world["a"], 60)
    client = client_for(world["a"])
    first = client.get("/caseload/").content.decode()
    assert "?page=2" in first
    second = client.get("/caseload/", {"page": 2})
    assert len(second.context["rows"]) == 14
    assert second.context["page_obj"].number == 2


def test_english_when_the_browser_asks_for_it(world: dict[str, Any]) -> None:
    client = client_for(world["a"])
    html = client.get("/caseload/", headers={"Accept-Language": "en"}).content.decode()
    assert "Baton in the air" in html
    assert 'lang="en"' in html
