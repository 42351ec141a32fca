"""The signal inbox in a real browser: open it, filter, acknowledge and snooze, axe-core clean.

The signals are raised by the real evaluation (``signals_evaluate``) on the
``relay`` fixture's trajectory: release known 60 days ahead, so the after-care
referral (90 days before release) is overdue and addressed to the regional desk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import (
    AXE_SCRIPT,
    Relay,
    axe_violations,
    field,
    format_violations,
    log_in,
    page_width,
    screenshot,
)

pytestmark = pytest.mark.e2e

REFERRAL = "No after-care referral as release approaches"


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {where}:\n"
        + format_violations(violations)
    )


def test_inbox_filter_acknowledge_and_snooze(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.core import clock
    from estafette.signals.evaluate import signals_evaluate
    from estafette.signals.models import Signal

    signals_evaluate([relay.trajectory.pk])
    signal = Signal.objects.get(trajectory=relay.trajectory, rule_code="aftercare_referral_missing")
    assert Signal.objects.filter(addressee=relay.bureau).count() > 1

    page = new_context(bypass_csp=True).new_page()  # CSP forbids the injected axe-core
    log_in(page, relay.coordinator.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Signals").click()
    page.wait_for_url(re.compile(r"/signals/$"))
    expect(page.get_by_role("heading", level=1, name="Signals")).to_be_visible()
    results = page.locator("#inbox-results")
    expect(results.get_by_role("link", name=REFERRAL, exact=True)).to_be_visible()
    expect(results).to_contain_text("Bram Jansen")
    expect(results).to_contain_text("days overdue")
    expect(results).to_contain_text("norm: Referral to municipal after-care")
    assert_accessible(page, "the signal inbox")
    screenshot(page, "signal-inbox")

    # Filter on one kind: htmx swaps the results (the form also works without it).
    field(page, "Kind of signal").select_option(label=REFERRAL)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"rule=aftercare_referral_missing"))
    expect(results.get_by_role("link", name=REFERRAL, exact=True)).to_be_visible()
    expect(results.get_by_role("heading", level=3)).to_have_count(1)
    expect(results).to_contain_text("1 signal for your role")

    results.get_by_role("link", name=REFERRAL, exact=True).click()
    page.wait_for_url(re.compile(rf"/signals/{signal.pk}/$"))
    expect(page.get_by_role("heading", level=1, name=REFERRAL)).to_be_visible()
    expect(page.get_by_text("Counted from", exact=True)).to_be_visible()
    assert_accessible(page, "the signal page")

    # Acknowledge without a note: the sentence appears beside the field.
    page.get_by_role("button", name="Acknowledge the signal").click()
    expect(page.get_by_text("Write a short note: what you did or why.").first).to_be_visible()
    field(page, "What you do about it").fill("I am asking Bram for his after-care consent.")
    page.get_by_role("button", name="Acknowledge the signal").click()
    expect(page.get_by_text("The signal is acknowledged.")).to_be_visible()
    signal.refresh_from_db()
    assert signal.state == "acknowledged"

    until = clock.today() + dt.timedelta(days=14)
    field(page, "Snooze until").fill(until.isoformat())
    field(page, "Why wait").fill("His sister brings the signed consent next visit.")
    page.get_by_role("button", name="Snooze the signal").click()
    expect(page.get_by_text("The signal is snoozed.")).to_be_visible()
    signal.refresh_from_db()
    assert signal.state == "snoozed" and signal.snoozed_until == until
    history = page.locator("#history-heading").locator("xpath=..")
    expect(history).to_contain_text("His sister brings the signed consent next visit.")
    expect(history).to_contain_text("I am asking Bram for his after-care consent.")
    assert_accessible(page, "the signal page after snoozing")
    screenshot(page, "signal-page")

    # The trajectory page's panel: the snoozed signal with its state, the norm deadlines.
    page.get_by_role("link", name="Bram Jansen").first.click()
    panel = page.locator(".signals-panel")
    expect(panel.get_by_role("heading", name="Signals and deadlines")).to_be_visible()
    expect(panel).to_contain_text("snoozed until")
    expect(panel).to_contain_text("Deadlines from the norms")
    expect(panel).to_contain_text("counted from the known release date")
    assert_panel_accessible(page)


def assert_panel_accessible(page: Page) -> None:
    """axe-core on the signals panel alone (the rest of the trajectory page has its own test)."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate(
        """async () => {
            const r = await axe.run(document.querySelector('.signals-panel'), {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            }));
        }"""
    )
    assert not violations, format_violations(violations)


def test_inbox_and_actions_without_javascript_on_a_small_screen(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    """360 px wide, JavaScript off: the filter is a plain GET, the actions POST and redirect."""
    from estafette.signals.evaluate import signals_evaluate
    from estafette.signals.models import Signal

    signals_evaluate([relay.trajectory.pk])
    page = new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}).new_page()
    log_in(page, relay.coordinator.username)
    page.goto("/signals/")
    width, viewport = page_width(page)
    assert width <= viewport, f"the inbox scrolls sideways at 360 px ({width} > {viewport})"
    field(page, "State").select_option(label="open")
    field(page, "Kind of signal").select_option(label=REFERRAL)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"state=open"))
    results = page.locator("#inbox-results")
    results.get_by_role("link", name=REFERRAL, exact=True).click()
    width, viewport = page_width(page)
    assert width <= viewport, f"the signal page scrolls sideways at 360 px ({width} > {viewport})"
    field(page, "Why it is resolved").fill("Referred by post; the desk confirmed by phone.")
    page.get_by_role("button", name="Resolve the signal").click()
    expect(page.get_by_text("The signal is resolved.")).to_be_visible()
    signal = Signal.objects.get(trajectory=relay.trajectory, rule_code="aftercare_referral_missing")
    assert signal.state == "resolved" and signal.resolved_how == "manual"
