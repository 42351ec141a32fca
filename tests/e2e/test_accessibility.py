"""axe-core finds no WCAG 2.1 A/AA violation on the main pages (DESIGN.md §5).

axe-core comes from node_modules (installed by npm from the lockfile) and is
injected into the page as it is rendered for a signed-in user; these contexts
bypass the Content Security Policy, which (rightly) refuses injected scripts. The trajectory
page is checked with a handover in the air and a handover form open, so the
states that add the most markup are the ones inspected.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.e2e.helpers import (
    AXE_SCRIPT,
    Relay,
    axe_violations,
    format_violations,
    log_in,
)

pytestmark = pytest.mark.e2e


def open_page(page: Page, relay: Relay, which: str, language: str) -> None:
    if which == "login":
        page.goto("/login/")
        return
    relay.hand_over()
    if which == "caseload (sender)":
        log_in(page, relay.coordinator.username, language=language)
    elif which == "caseload (receiver)":
        log_in(page, relay.aftercare_worker.username, language=language)
    elif which == "trajectory (sender)":
        log_in(page, relay.coordinator.username, language=language)
        page.goto(f"/trajectories/{relay.trajectory.pk}/")
    elif which == "trajectory (receiver)":
        log_in(page, relay.aftercare_worker.username, language=language)
        page.goto(f"/trajectories/{relay.trajectory.pk}/")
    else:
        raise AssertionError(which)


PAGES = [
    "login",
    "caseload (sender)",
    "caseload (receiver)",
    "trajectory (sender)",
    "trajectory (receiver)",
]


@pytest.mark.parametrize("which", PAGES)
@pytest.mark.parametrize("locale", ["en-US", "nl-NL"])
def test_no_wcag_violations(
    new_context: Callable[..., BrowserContext], relay: Relay, which: str, locale: str
) -> None:
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: run `npm ci` (make setup does)"
    page = new_context(locale=locale, bypass_csp=True).new_page()  # CSP forbids injected axe
    open_page(page, relay, which, language=locale[:2])
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {which} ({locale}):\n"
        + format_violations(violations)
    )


def test_no_wcag_violations_on_the_handover_form(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    page = new_context(bypass_csp=True).new_page()
    log_in(page, relay.coordinator.username)
    page.goto(f"/trajectories/{relay.trajectory.pk}/handover/")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
