"""A volunteer in a prison car park records a visit on a 360 px phone, without JavaScript.

The "record a contact" form (``/trajectories/<id>/contacts/``) must fit the screen,
submit as a plain form, land back on the trajectory page's contacts panel, and
pass axe-core (WCAG 2.1 A/AA).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.helpers import (
    Relay,
    axe_violations,
    field,
    format_violations,
    log_in,
    page_width,
    screenshot,
)

pytestmark = pytest.mark.e2e

WIDTH = 360
PHONE = {
    "viewport": {"width": WIDTH, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def test_recording_a_visit_on_a_phone_without_javascript(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.visits.models import ContactKind, ContactMoment

    page = new_context(java_script_enabled=False, **PHONE).new_page()
    log_in(page, relay.coordinator.username)
    page.goto(f"/trajectories/{relay.trajectory.pk}/contacts/")
    scroll_width, inner_width = page_width(page)
    assert inner_width == WIDTH and scroll_width <= WIDTH + 1, scroll_width
    screenshot(page, "visits/01-form-360")
    page.get_by_label("visit by a visiting volunteer").check()
    page.get_by_label("phone", exact=True).check()
    field(page, "Short note (optional)").fill("Called after the visit: he is doing well.")
    page.get_by_role("button", name="Save the contact").click()
    expect(page.get_by_text("The contact has been recorded.")).to_be_visible()
    expect(page.locator("#contacts")).to_contain_text("Visit by a visiting volunteer")
    scroll_width, _ = page_width(page)
    assert scroll_width <= WIDTH + 1, scroll_width
    screenshot(page, "visits/02-panel-360")
    moment = ContactMoment.objects.get(trajectory=relay.trajectory)
    assert moment.kind == ContactKind.VOLUNTEER_VISIT and moment.channel == "phone"


def test_the_contact_form_passes_axe(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    page = new_context(bypass_csp=True, **PHONE).new_page()
    log_in(page, relay.coordinator.username)
    page.goto(f"/trajectories/{relay.trajectory.pk}/contacts/")
    page.get_by_role("button", name="Save the contact").click()  # errors shown
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
