"""Emergency access and the access log in the browser: the journey, axe-core, 360 px wide.

A landing-place worker with no part in the person's trajectory opens it through
emergency access with a reason and sees the banner; the coordinator who holds
the baton sees who opened it and why, reviews it, and reads the person's access
log. Each page is checked with axe-core (WCAG 2.1 A/AA) and at 360 px wide.
"""

from __future__ import annotations

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

REASON = "The person is at our door in crisis tonight and we must reach their coordinator."


def check(page: Page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name}:\n" + format_violations(violations)
    screenshot(page, f"access/{name}")


def _landing_worker(relay: Relay) -> str:
    from django.contrib.auth import get_user_model

    from estafette.organisations.models import Membership, Role
    from estafette.testing.auth import totp_device

    user = get_user_model().objects.create_user(
        "overstap", password=PASSWORD, first_name="Lotte", last_name="Landingsplaats"
    )
    Membership.objects.create(
        user=user, organisation=relay.bystander, role=Role.LANDING_PLACE_WORKER
    )
    totp_device(user)
    return "overstap"


def test_emergency_access_review_and_access_log(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    url = f"/trajectories/{relay.trajectory.pk}/"
    name = relay.person.full_name

    # 1. Outside the file: the 404 offers emergency access, without saying the file exists.
    worker = new_context(bypass_csp=True).new_page()
    log_in(worker, _landing_worker(relay))
    worker.goto(url)
    expect(worker.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    worker.get_by_role("link", name="Emergency access").first.click()
    expect(worker.get_by_role("heading", name="Emergency access", level=1)).to_be_visible()
    check(worker, "01-emergency-form")

    # 2. A reason of a sentence, then the file opens with a banner.
    # ... found by who the person is, not by a number nobody outside knows (issue 12).
    field(worker, "Given names").fill(relay.person.given_names)
    field(worker, "Family name").fill(relay.person.family_name)
    field(worker, "Date of birth").fill(relay.person.date_of_birth.isoformat())
    field(worker, "Why must you open this file now?").fill(REASON)
    worker.get_by_role("button", name="Open the file with emergency access").click()
    expect(worker.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(worker.locator(".emergency-banner")).to_contain_text("Emergency access until")
    expect(worker.locator(".emergency-banner")).to_contain_text(REASON)
    check(worker, "02-emergency-banner")

    # 3. The holder sees who opened it, reviews it, and reads the access log.
    coordinator = new_context(bypass_csp=True).new_page()
    log_in(coordinator, relay.coordinator.username)
    coordinator.goto(url)
    expect(coordinator.get_by_text(REASON)).to_be_visible()
    coordinator.get_by_role("link", name="Review emergency access").first.click()
    expect(coordinator.get_by_role("heading", name="Review emergency access")).to_be_visible()
    check(coordinator, "03-review-list")
    field(coordinator, "Review note (optional)").fill("Justified: we spoke on the phone.")
    coordinator.get_by_role("button", name="Mark as reviewed").click()
    expect(coordinator.get_by_text("Justified: we spoke on the phone.")).to_be_visible()

    coordinator.goto(url)
    coordinator.get_by_role("link", name="Who looked at this file").click()
    expect(coordinator.get_by_role("table")).to_contain_text(REASON)
    expect(coordinator.get_by_role("table")).to_contain_text("Landingsplaats De Overstap")
    check(coordinator, "04-access-log")
    with coordinator.expect_download() as download:
        coordinator.get_by_role("link", name="Download for the person (CSV)").click()
    assert download.value.suggested_filename == f"access-log-{relay.person.pk}.csv"


@pytest.mark.parametrize("which", ["emergency", "review", "log"])
def test_the_access_pages_fit_360_px(
    new_context: Callable[..., BrowserContext], relay: Relay, which: str
) -> None:
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    log_in(page, relay.coordinator.username)
    page.goto(
        {
            "emergency": "/emergency-access/",
            "review": "/emergency-access/review/",
            "log": f"/people/{relay.person.pk}/access-log/",
        }[which]
    )
    scroll, viewport = page_width(page)
    assert scroll <= viewport, f"{which} scrolls sideways at 360 px ({scroll} > {viewport})"
