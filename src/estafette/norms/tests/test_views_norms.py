"""The norms page: only the organisation's administrator; overrides with a reason and history."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.html import escape

from estafette.core.models import AuditEvent
from estafette.norms.catalogue import NORMS
from estafette.norms.models import NormOverride
from estafette.norms.selectors import norm_effective
from estafette.norms.services import ONLY_ADMIN, REASON_REQUIRED
from estafette.organisations.models import OrganisationKind, Role
from estafette.testing.views import client_for, make_actor, make_org


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    org = make_org("nazorg-test", OrganisationKind.MUNICIPAL_AFTERCARE, name="Nazorg Test")
    other = make_org("nazorg-elders", OrganisationKind.MUNICIPAL_AFTERCARE, name="Nazorg Elders")
    return {
        "org": org,
        "other": other,
        "admin": make_actor(org, "beheer", Role.ORGANISATION_ADMIN),
        "worker": make_actor(org, "nazorg", Role.AFTERCARE_COORDINATOR),
        "other_admin": make_actor(other, "beheer-elders", Role.ORGANISATION_ADMIN),
    }


def test_the_list_shows_every_norm_with_source_default_and_deadline(world: dict[str, Any]) -> None:
    response = client_for(world["admin"]).get("/norms/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    for norm in NORMS:
        assert f'href="/norms/{norm.code}/"' in html
    assert "Handreiking terugkeer en re-integratie" in html and "§3.2" in html
    assert "days before release: 90" in html
    assert "no: expected, no date" in html  # a norm without a deadline
    # The admin's menu links to it.
    assert 'href="/norms/"' in html


@pytest.mark.parametrize("path", ["/norms/", "/norms/aftercare_referral/"])
def test_others_than_the_administrator_are_refused_and_audited(
    world: dict[str, Any], path: str
) -> None:
    client = client_for(world["worker"])
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert escape(str(ONLY_ADMIN)) in response.content.decode()
    assert AuditEvent.objects.filter(action="denied", object_type="norms.norm").exists()
    assert client.post(path, {"reason": "x"}).status_code in (403, 405)
    assert not NormOverride.objects.exists()
    # And the menu does not offer it.
    caseload = client.get("/caseload/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/norms/"' not in caseload


def test_override_with_reason_is_saved_shown_and_kept_in_history(world: dict[str, Any]) -> None:
    client = client_for(world["admin"])
    url = "/norms/aftercare_referral/"
    response = client.post(
        url, {"p_days_before_release": "120", "reason": "Onze gemeente heeft meer tijd nodig."}
    )
    assert response.status_code == 302 and response["Location"] == url
    effective = norm_effective(code="aftercare_referral", organisation=world["org"])
    assert effective.params["days_before_release"] == 120
    # Another organisation keeps the default.
    other = norm_effective(code="aftercare_referral", organisation=world["other"])
    assert other.params["days_before_release"] == 90
    response = client.post(url, {"reset": "on", "reason": "Terug naar de handreiking."})
    assert response.status_code == 302
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Onze gemeente heeft meer tijd nodig." in html
    assert "Terug naar de handreiking." in html
    assert "back to the default" in html
    assert html.index("Terug naar de handreiking.") < html.index("Onze gemeente")  # newest first
    listing = client.get("/norms/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="badge">own value</span>' not in listing


def test_a_range_norm_and_errors_per_field(world: dict[str, Any]) -> None:
    client = client_for(world["admin"])
    url = "/norms/volunteer_visit/"
    response = client.post(url, {"p_every_days_low": "60", "p_every_days_high": "40"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "errorlist" in html
    assert escape(str(REASON_REQUIRED)) in html
    response = client.post(
        url,
        {"p_every_days_low": "28", "p_every_days_high": "42", "reason": "Vaker bezoek in regio."},
    )
    assert response.status_code == 302
    effective = norm_effective(code="volunteer_visit", organisation=world["org"])
    assert effective.params["every_days"] == [28, 42]
    listing = client.get("/norms/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "every so many days: 28–42" in listing


def test_an_unknown_norm_is_404(world: dict[str, Any]) -> None:
    assert client_for(world["admin"]).get("/norms/nonsense/").status_code == 404


def test_the_list_costs_a_fixed_number_of_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(world["admin"])
    with django_assert_max_num_queries(len(NORMS) + 12):
        client.get("/norms/")
