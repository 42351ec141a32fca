"""The person signs in with a code on paper, on a 320 px phone, and sees their own page.

The code is printed the way it happens: the coordinator opens the person details, follows
the one link to the paper code, makes the sheet and reads the code from it. Then the
person, on a small phone in another browser, types the code and lands on /my/. Every page
on the way passes axe-core (WCAG 2.1 AA) with zero violations and nothing scrolls sideways.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import (
    Relay,
    axe_violations,
    format_violations,
    log_in,
    page_width,
    screenshot,
)

pytestmark = pytest.mark.e2e

WIDTH = 320
PHONE = {
    "viewport": {"width": WIDTH, "height": 640},
    "is_mobile": True,  # honour <meta name="viewport">, as a phone's browser does
    "has_touch": True,
    "device_scale_factor": 2,
    "bypass_csp": True,  # axe-core is injected as a script; the pages themselves need none
}


def check_page(page: Page, name: str) -> None:
    """Zero axe violations, and nothing wider than the phone."""
    screenshot(page, f"portal/{name}")
    violations = axe_violations(page)
    assert not violations, f"{name}:\n{format_violations(violations)}"
    scroll_width, inner_width = page_width(page)
    assert inner_width == WIDTH
    assert scroll_width <= WIDTH + 1, f"{name} is {scroll_width}px wide at {WIDTH}px"


def test_a_person_signs_in_with_a_paper_code_on_a_small_phone(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    # The coordinator prints the code (on their own, wide screen).
    worker = new_context(bypass_csp=True).new_page()
    log_in(worker, relay.coordinator.username)
    worker.goto(f"/trajectories/{relay.trajectory.pk}/person/")
    worker.get_by_role("link", name="Sign-in code on paper for the person's own pages").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Sign-in code on paper")
    violations = axe_violations(worker)
    assert not violations, format_violations(violations)
    worker.get_by_label("English").check()
    worker.get_by_role("button", name="Make the code and show the sheet").click()
    expect(worker.get_by_role("heading", name="Your code for Estafette")).to_be_visible()
    violations = axe_violations(worker)
    assert not violations, format_violations(violations)
    screenshot(worker, "portal/paper-code-sheet")
    code = worker.locator(".paper-sheet__code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)

    # The person, on a 320 px phone, in another browser.
    page = new_context(**PHONE).new_page()
    page.goto("/my/sign-in/")
    check_page(page, "sign-in")
    page.get_by_role("link", name="Type my code").click()
    page.wait_for_url("**/my/code/")
    check_page(page, "code")

    # A mistyped code first: refused calmly, beside the field.
    page.get_by_label("Your code").fill("ACDE-FHJK-MNPR")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This code does not work.")).to_be_visible()
    check_page(page, "code-refused")

    page.get_by_label("Your code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/my/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My page")
    check_page(page, "home")

    # Signing out is a button; afterwards /my/ asks to sign in again.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/my/sign-in/")
    page.goto("/my/")
    page.wait_for_url("**/my/sign-in/")


def test_the_sign_in_pages_in_dutch_at_320_px(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    page = new_context(locale="nl-NL", **PHONE).new_page()
    page.goto("/my/sign-in/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    check_page(page, "sign-in-nl")
    # Keyboard only: the skip link is the first stop and leads to the main content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
