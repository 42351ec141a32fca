"""Find before create reveals nothing (decision 0017); a part request is routed blind."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from estafette.access.models import PartRequest, PartRequestStatus
from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.organisations.models import Country
from estafette.people.registration import FIND_AUDIT_TYPE, Criteria, registration_find
from estafette.testing.factories import PersonFactory, TrajectoryFactory

pytestmark = pytest.mark.django_db
ClientFor = Callable[..., Client]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
CRITERIA = {"given_names": "Jan Willem", "family_name": "de Boer", "born": "1990-04-12"}
NOBODY = {"given_names": "Piet", "family_name": "Nergens", "born": "1970-01-01"}


def page(client: Client, criteria: dict[str, str]) -> str:
    """The find page for ``criteria``, with what was typed (and the CSRF token) taken out:
    the criteria are echoed in the form, its hidden copy and the "register" link."""
    response = client.get("/intake/aftercare/", criteria)
    assert response.status_code == 200
    html = CSRF.sub("", response.content.decode())
    html = html.replace(escape(urlencode(criteria)), "CRITERIA")
    for value in criteria.values():
        html = html.replace(f'value="{value}"', 'value=""')
    return html


def register_at_consulate(consul: Actor, spain: Country, client_for: ClientFor) -> None:
    data = {
        **CRITERIA,
        "country": str(spain.pk),
        "place": "Madrid",
        "prison": "Centro Penitenciario Madrid VII",
        "arrested_on": "2025-02-20",
        "consular_assistance_wanted": "yes",
        "registration_consent": "yes",
    }
    assert client_for(consul).post("/intake/consular/new/", data).status_code == 302


def test_a_file_the_actor_may_not_see_looks_exactly_like_nobody(
    consul: Actor, desk: Actor, spain: Country, client_for: ClientFor
) -> None:
    register_at_consulate(consul, spain, client_for)
    client = client_for(desk)
    hidden = page(client, CRITERIA)
    nobody = page(client, NOBODY)
    assert hidden == nobody
    assert "Madrid" not in hidden and "Consulaat" not in hidden
    assert "Ask the organisations involved to give you a part" in hidden
    assert "Register a new person" in hidden


def test_the_holder_finds_its_own_file_and_continues(
    consul: Actor, spain: Country, client_for: ClientFor
) -> None:
    register_at_consulate(consul, spain, client_for)
    response = client_for(consul).get("/intake/consular/", CRITERIA)
    html = response.content.decode()
    assert "Jan Willem de Boer" in html
    assert "Continue on this file" in html
    entry = AuditEvent.objects.filter(object_type=FIND_AUDIT_TYPE).latest("pk")
    assert entry.detail["criteria"] == ["name", "date_of_birth"]
    assert "Boer" not in str(entry.detail)


def test_find_is_isolated_between_two_organisations_of_one_kind(
    desk: Actor, other_desk: Actor, client_for: ClientFor
) -> None:
    person = PersonFactory(given_names="Samira", family_name="El Amrani")
    TrajectoryFactory(actor=desk, person=person)
    criteria = Criteria("Samira", "El Amrani", person.date_of_birth)
    assert [row.person for row in registration_find(actor=desk, criteria=criteria)] == [person]
    assert registration_find(actor=other_desk, criteria=criteria) == []


def test_find_costs_a_bounded_number_of_queries(
    desk: Actor, django_assert_max_num_queries: Any
) -> None:
    for _ in range(6):
        TrajectoryFactory(actor=desk, person=PersonFactory(given_names="Samira", family_name="Vos"))
    criteria = Criteria("Samira", "Vos", PersonFactory.date_of_birth)
    with django_assert_max_num_queries(8):
        found = registration_find(actor=desk, criteria=criteria)
    assert len(found) == 6


def test_a_part_request_goes_to_the_holder_without_personal_data(
    consul: Actor, desk: Actor, spain: Country, client_for: ClientFor
) -> None:
    register_at_consulate(consul, spain, client_for)
    asker = client_for(desk)
    response = asker.post("/intake/ask-for-a-part/", {"kind": "aftercare", **CRITERIA})
    assert response.status_code == 302
    confirmation = asker.get(response["Location"]).content.decode()
    request = PartRequest.objects.get()
    assert request.reference in confirmation
    assert request.trajectory is not None
    assert request.trajectory.baton_holder == consul.organisation
    assert request.status == PartRequestStatus.OPEN
    stored = " ".join(str(value) for value in PartRequest.objects.values().get().values())
    for word in ("Jan", "Willem", "Boer", "1990"):
        assert word not in stored
    entry = AuditEvent.objects.filter(object_type="access.partrequest").get()
    assert "Boer" not in str(entry.detail)
    listing = client_for(consul).get("/part-requests/").content.decode()
    assert request.reference in listing and desk.organisation.name in listing
    # The holder hears of it where its day starts: the caseload links the open requests.
    with translation.override("en"):
        caseload = client_for(consul).get("/caseload/?scope=organisation").content.decode()
    assert "1 organisation asks for a part in a file you hold" in caseload
    assert 'href="/part-requests/"' in caseload
    asker_caseload = client_for(desk).get("/caseload/").content.decode()
    assert "asks for a part" not in asker_caseload


def test_a_request_that_matches_nothing_is_kept_and_looks_the_same(
    desk: Actor, client_for: ClientFor
) -> None:
    asker = client_for(desk)
    response = asker.post("/intake/ask-for-a-part/", {"kind": "aftercare", **NOBODY})
    assert response.status_code == 302
    request = PartRequest.objects.get()
    assert request.trajectory is None
    assert request.reference in asker.get(response["Location"]).content.decode()


def test_the_holder_may_decline_and_others_may_not_answer(
    consul: Actor, desk: Actor, other_desk: Actor, spain: Country, client_for: ClientFor
) -> None:
    register_at_consulate(consul, spain, client_for)
    client_for(desk).post("/intake/ask-for-a-part/", {"kind": "aftercare", **CRITERIA})
    request = PartRequest.objects.get()
    url = f"/part-requests/{request.pk}/answer/"
    assert client_for(other_desk).post(url, {"answer": "grant"}).status_code == 404
    assert client_for(consul).post(url, {"answer": "decline"}).status_code == 302
    request.refresh_from_db()
    assert request.status == PartRequestStatus.DECLINED
    assert client_for(consul).post(url, {"answer": "grant"}).status_code == 404


def test_the_list_of_requests_is_for_professionals_and_bounded(
    consul: Actor,
    desk: Actor,
    spain: Country,
    client_for: ClientFor,
    django_assert_max_num_queries: Any,
) -> None:
    from estafette.organisations.models import Role
    from estafette.testing.factories import make_actor

    register_at_consulate(consul, spain, client_for)
    for _ in range(3):
        client_for(desk).post("/intake/ask-for-a-part/", {"kind": "aftercare", **CRITERIA})
    holder = client_for(consul)
    with django_assert_max_num_queries(12):  # 8 on SQLite: the page and its session
        listing = holder.get("/part-requests/")
    assert listing.content.decode().count("/answer/") == 1  # asked once while open
    volunteer = make_actor(consul.organisation, Role.VISITING_VOLUNTEER)
    assert client_for(volunteer).get("/part-requests/").status_code == 403


def test_an_intake_costs_a_bounded_number_of_queries(
    consul: Actor, spain: Country, client_for: ClientFor, django_assert_max_num_queries: Any
) -> None:
    client = client_for(consul)
    data = {
        **CRITERIA,
        "country": str(spain.pk),
        "place": "Madrid",
        "prison": "Madrid VII",
        "arrested_on": "2025-02-20",
        "consular_assistance_wanted": "yes",
        "registration_consent": "yes",
        "contact_name": "Els de Boer",
        "contact_relation": "sibling",
    }
    # 53 on SQLite: person, number, trajectory, stretch, consent, contact, intake, next
    # step, their audit entries and timeline lines — none of it grows with the register.
    with django_assert_max_num_queries(65):
        assert client.post("/intake/consular/new/", data).status_code == 302
