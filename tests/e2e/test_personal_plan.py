"""The person's own plan in the browser: on a 320 px phone, by keyboard, axe-core clean.

The person (signed in as the portal leaves a subject in the session) writes what they want,
adds a step of their own and ticks it off with the keyboard, and agrees to a step the
coordinator proposed. The coordinator then sees the words and the answer on the plan's page,
and a line on the file's timeline that says the person wrote — without the words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import (
    SMALL_PHONE,
    Relay,
    axe_violations,
    check_phone_page,
    format_violations,
    log_in,
    page_as_subject,
    screenshot,
)

pytestmark = pytest.mark.e2e

PHONE = SMALL_PHONE
WISH = "A room of my own in Arnhem, and work in construction."


def check_page(page: Page, name: str) -> None:
    check_phone_page(page, f"personal-plan/{name}")


def signed_in_person(
    new_context: Callable[..., BrowserContext], url: str, relay: Relay, **options: Any
) -> Page:
    """A phone whose session holds the person as the subject (what a code sign-in leaves)."""
    from estafette.portal.subject import Subject, SubjectKind

    subject = Subject(kind=SubjectKind.PERSON, person=relay.person)
    return page_as_subject(new_context, url, subject, **options)


def test_the_person_writes_ticks_and_answers_and_the_coordinator_sees_it(
    new_context: Callable[..., BrowserContext], live_server: Any, relay: Relay
) -> None:
    from estafette.personal_plan.services import step_propose

    step_propose(
        actor=relay.actor(relay.coordinator),
        trajectory=relay.trajectory,
        text="Bring your passport to the municipal desk",
    )
    page = signed_in_person(new_context, live_server.url, relay)
    page.goto("/my/plan/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My plan")
    expect(page.get_by_text("Proposed by Bureau Buitenland, regio Oost")).to_be_visible()
    check_page(page, "empty")

    page.get_by_label("What I want").fill(WISH)
    page.get_by_role("button", name="Save my words").click()
    expect(page.get_by_text("Your words are saved.")).to_be_visible()

    page.get_by_label("What do you want to do?").fill("Call my sister about Sunday")
    page.get_by_role("button", name="Add to my list").click()
    expect(page.get_by_text("Your step is on your list.")).to_be_visible()
    check_page(page, "with-steps")

    # Keyboard only: focus the step's own tick button and press Enter.
    done = page.get_by_role("button", name="Done (Call my sister about Sunday)")
    done.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Well done! The step is ticked off.")).to_be_visible()
    expect(
        page.get_by_role("button", name="Not done yet (Call my sister about Sunday)")
    ).to_be_visible()

    proposal = page.locator(".plan-step", has_text="Bring your passport to the municipal desk")
    proposal.get_by_label("I agree").check()
    proposal.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you. Your answer is sent.")).to_be_visible()
    check_page(page, "answered")

    # Bad input is refused beside the form, calmly, and the page still holds at 320 px.
    page.get_by_label("What do you want to do?").fill("Bank")
    page.get_by_label("When? (you may leave this empty)").fill("2000-01-01")
    page.get_by_role("button", name="Add to my list").click()
    expect(page.get_by_text("Choose today or a day after today.").first).to_be_visible()
    check_page(page, "refused")

    worker = new_context(bypass_csp=True).new_page()
    log_in(worker, relay.coordinator.username)
    worker.goto(f"/trajectories/{relay.trajectory.pk}/")
    expect(worker.get_by_text("The person wrote their own words")).to_be_visible()
    expect(worker.get_by_text(WISH)).to_have_count(0)
    worker.get_by_role("link", name="The person's own plan").click()
    expect(worker.get_by_text(WISH)).to_be_visible()
    expect(worker.get_by_text("The person's answer: I agree", exact=False)).to_be_visible()
    violations = axe_violations(worker)
    assert not violations, format_violations(violations)
    screenshot(worker, "personal-plan/worker")


def test_my_plan_in_dutch_at_320_px(
    new_context: Callable[..., BrowserContext], live_server: Any, relay: Relay
) -> None:
    page = signed_in_person(new_context, live_server.url, relay, locale="nl-NL")
    page.goto("/my/plan/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    check_page(page, "dutch")
