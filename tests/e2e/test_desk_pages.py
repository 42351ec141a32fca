"""The desk's new pages of issue 12 on a phone: usable, accessible, not wider than 360 px.

* The coordinator corrects a person's details: adds a phone number and names a contact
  person on the person page, by keyboard-reachable forms.
* The coordinator opens "hand a colleague's people over" and "nobody assigned".
* The organisation's administrator sees who has which role, opens the invite form and
  the organisation's own details.

Each page passes axe-core (WCAG 2.1 A/AA) and scrolls not sideways at 360 px;
screenshots go to ``test-results/desk/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import (
    PASSWORD,
    Relay,
    axe_violations,
    field,
    format_violations,
    log_in,
    page_width,
    screenshot,
)

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "bypass_csp": True}


def check(page: Page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name}:\n" + format_violations(violations)
    scroll, viewport = page_width(page)
    assert scroll <= viewport, f"{name}: {scroll} px wide at a {viewport} px viewport"
    screenshot(page, f"desk/{name}")


def test_the_coordinator_completes_a_persons_details_on_a_phone(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.people.models import NetworkMember

    page = new_context(**PHONE).new_page()
    log_in(page, relay.coordinator.username)
    page.goto(f"/trajectories/{relay.trajectory.pk}/")
    page.get_by_role("link", name=re.compile("Person details", re.I)).first.click()
    page.wait_for_url(re.compile(rf"/trajectories/{relay.trajectory.pk}/person/"))
    check(page, "1-person-details")

    contact = page.locator("#contact")
    if contact.locator("summary").count():
        contact.locator("summary").first.click()
    contact.get_by_label(re.compile("^Phone")).fill("06 1234 5678")
    contact.get_by_role("button").first.click()
    expect(page.get_by_text("06 1234 5678").first).to_be_visible()
    relay.person.refresh_from_db()
    assert relay.person.phone == "06 1234 5678"

    network = page.locator("#network-add")
    if network.get_attribute("open") is None:
        network.locator("summary").first.click()
    network.get_by_label(re.compile("^Name")).fill("Els Jansen")
    network.get_by_label(re.compile("^Relation")).select_option(label="brother or sister")
    contact_box = network.get_by_label(re.compile("contact person", re.I))
    if contact_box.count() and contact_box.first.get_attribute("type") == "checkbox":
        contact_box.first.check()
    network.get_by_role("button", name="Add to the network").click()
    expect(page.get_by_text("Els Jansen").first).to_be_visible()
    check(page, "2-person-details-saved")
    member = NetworkMember.objects.get(person=relay.person, name="Els Jansen")
    if not member.is_contact_person:
        page.locator("#network").get_by_role(
            "button", name=re.compile("contact person", re.I)
        ).first.click()
        member.refresh_from_db()
    assert member.is_contact_person


def test_the_coordinators_assignment_pages_on_a_phone(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    page = new_context(**PHONE).new_page()
    log_in(page, relay.coordinator.username)
    page.goto("/caseload/?scope=unassigned")
    expect(page.get_by_role("link", name=relay.person.full_name, exact=True)).to_be_visible()
    check(page, "3-nobody-assigned")
    page.goto("/caseload/reassign/")
    check(page, "4-reassign")


def test_the_administrator_runs_the_organisation_on_a_phone(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from django.contrib.auth import get_user_model

    from estafette.organisations.models import Membership, Role
    from estafette.testing.auth import totp_device

    admin = get_user_model().objects.create_user(
        "beheer", password=PASSWORD, first_name="Ada", last_name="Beheer"
    )
    Membership.objects.create(user=admin, organisation=relay.bureau, role=Role.ORGANISATION_ADMIN)
    totp_device(admin)
    page = new_context(**PHONE).new_page()
    log_in(page, "beheer")
    page.goto("/organisation/")
    expect(page.get_by_text("Carla").first).to_be_visible()
    check(page, "5-members")
    page.goto("/organisation/invite/")
    check(page, "6-invite")
    field(page, "E-mail address").fill("not an address")
    page.get_by_role("button").filter(has_text=re.compile("invit", re.I)).first.click()
    expect(page.get_by_text(re.compile("Fill in a valid e-mail address"))).to_be_visible()
    expect(field(page, "E-mail address")).to_have_value("not an address")  # input kept
    check(page, "7-invite-refused")
    page.goto(f"/organisation/{relay.bureau.pk}/details/")
    check(page, "8-organisation-details")
