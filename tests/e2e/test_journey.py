"""The relay's main journey in a real browser: a referral through the exchange zone.

The regional coordinator opens the handover form, sees what the person's consent
allows before typing, and sends a referral with a message to the municipal
after-care desk. The after-care worker is told (header count, notification), reads
the message and accepts. The person is still detained, so Bureau Buitenland keeps
the baton, its own next step and the person on its caseload, while the desk
prepares (decision 0011). "Taken up" cannot be recorded yet. When the person comes
home, the desk records it, the baton passes, and the desk records "taken up"; the
coordinator is told of the outcome and marks it as seen. Each step is saved as a
screenshot under ``test-results/journey/`` for a person to look at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import (
    Relay,
    axe_violations,
    caseload_row,
    field,
    format_violations,
    log_in,
    log_out,
    page_width,
    screenshot,
)

pytestmark = pytest.mark.e2e

MESSAGE = "Bram comes back to Arnhem on release. Please prepare ID, benefit and housing."
BB_STEP = "Visit before release: go through the Return booklet"


def shot(page: Page, step: str) -> None:
    screenshot(page, f"journey/{step}")


def accessible_at_360(page: Page, step: str) -> None:
    """The page passes axe-core (WCAG 2.1 AA) and does not scroll sideways at 360 px."""
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 800})
    scroll_width, inner_width = page_width(page)
    assert scroll_width <= inner_width, f"{step}: {scroll_width}px wide at {inner_width}px"
    screenshot(page, f"journey/360-{step}")
    if size is not None:
        page.set_viewport_size(size)


def test_a_referral_through_the_exchange_zone_to_an_acknowledged_outcome(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.consent.models import Consent
    from estafette.core import clock
    from estafette.handovers.models import Handover
    from estafette.handovers.workflow import State
    from estafette.signals.notifications.models import Notification
    from estafette.trajectories.services import trajectory_plan_next_step

    trajectory_plan_next_step(
        actor=relay.actor(relay.coordinator),
        trajectory=relay.trajectory,
        next_step=BB_STEP,
        due=clock.today() + dt.timedelta(days=20),
    )
    # The standard after-care consent: no offence, no notes (the message travels anyway).
    Consent.objects.filter(person=relay.person, purpose__code="aftercare_referral").update(
        data_classes=["conditions", "detention", "identity", "network"]
    )
    name = relay.person.full_name
    page = new_context(bypass_csp=True).new_page()  # the CSP forbids the injected axe-core

    # 1. The coordinator opens the handover form: the consent position comes first.
    log_in(page, relay.coordinator.username)
    expect(caseload_row(page, name)).to_contain_text("holds the baton")
    shot(page, "01-coordinator-caseload")
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="Hand over the baton").click()
    expect(page.get_by_role("heading", name="Hand over the baton", level=1)).to_be_visible()
    position = page.locator(".consent-position")
    expect(position).to_contain_text("What the person's consent allows")
    expect(position).to_contain_text("municipal after-care")
    # The after-care desk of the municipality of registration is offered first.
    expect(field(page, "Receiver")).to_have_value(str(relay.aftercare.pk))
    field(page, "Purpose").select_option(value="aftercare_referral")
    # What the consent covers is offered and ticked; the offence is not (with its reason).
    identity = page.get_by_role("checkbox", name="identity and contact")
    expect(identity).to_be_checked()
    expect(identity).to_be_enabled()
    expect(page.get_by_role("checkbox", name="offence")).to_be_disabled()
    expect(page.locator(".class-options")).to_contain_text("not covered by the consent")
    field(page, "Message").fill(MESSAGE)
    shot(page, "02-coordinator-handover-form")
    accessible_at_360(page, "handover-form")
    page.get_by_role("button", name="Send the handover").click()
    expect(page.locator(".person-header")).to_contain_text("Baton in the air")
    shot(page, "03-coordinator-baton-in-the-air")
    handover = Handover.objects.get(trajectory=relay.trajectory)
    assert (handover.state, handover.receiver_id) == (State.SENT, relay.aftercare.pk)
    # The message travelled under the after-care consent, and the disclosure says so.
    assert handover.consent_disclosures.filter(message=True).count() == 1
    log_out(page)

    # 2. The after-care worker is told, reads the message and accepts.
    assert Notification.objects.filter(
        user=relay.aftercare_worker, handover_transition__action="send"
    ).exists()
    log_in(page, relay.aftercare_worker.username)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="1 handover waiting for your answer")).to_be_visible()
    expect(caseload_row(page, name)).to_contain_text("about to receive")
    shot(page, "04-aftercare-caseload-incoming")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_text(MESSAGE).first).to_be_visible()
    shot(page, "05-aftercare-reads-the-message")
    page.get_by_role("button", name="Accept the baton").click()
    expect(page.get_by_text("You have accepted. The sender keeps the baton")).to_be_visible()
    # Still detained: no "taken up" yet, and the desk can record the release itself.
    expect(page.get_by_role("button", name="The person turned up")).to_have_count(0)
    expect(page.locator(".notice--exchange")).to_be_visible()
    shot(page, "06-aftercare-committed")
    accessible_at_360(page, "aftercare-committed")
    handover.refresh_from_db()
    relay.trajectory.refresh_from_db()
    assert handover.state == State.ACCEPTED and handover.baton_at is None
    assert relay.trajectory.baton_holder_id == relay.bureau.pk
    page.get_by_role("link", name="My caseload").first.click()
    expect(caseload_row(page, name)).to_contain_text("preparing: takes the baton at release")
    log_out(page)

    # 3. Bureau Buitenland still runs: the person on its caseload, its own next step.
    log_in(page, relay.coordinator.username)
    expect(caseload_row(page, name)).to_contain_text("holds the baton until release")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_text(BB_STEP).first).to_be_visible()
    expect(page.locator("svg.relay-svg rect.relay-preparing")).to_have_count(1)
    shot(page, "07-coordinator-exchange-zone")
    accessible_at_360(page, "coordinator-exchange-zone")
    log_out(page)

    # 4. The person comes home: the desk records it, takes the baton, records "taken up".
    log_in(page, relay.aftercare_worker.username)
    page.get_by_role("link", name=name, exact=True).click()
    field(page, "The person has left detention; phase now").select_option(value="return")
    page.get_by_role("button", name="Record that the person has left detention").click()
    expect(page.locator(".notice--exchange")).to_have_count(0)
    relay.trajectory.refresh_from_db()
    assert relay.trajectory.baton_holder_id == relay.aftercare.pk
    assert relay.trajectory.next_step == ""  # the desk plans its own
    page.get_by_role("button", name="The person turned up").click()
    expect(page.get_by_text("Recorded: the person is in your guidance.")).to_be_visible()
    shot(page, "08-aftercare-taken-up")
    handover.refresh_from_db()
    assert handover.state == State.TAKEN_UP
    log_out(page)

    # 5. The coordinator is told of the outcome and closes the loop.
    assert Notification.objects.filter(
        user=relay.coordinator, handover_transition__action="take_up"
    ).exists()
    log_in(page, relay.coordinator.username)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="1 outcome to review")).to_be_visible()
    expect(caseload_row(page, name)).to_contain_text("outcome to review")
    shot(page, "09-coordinator-caseload-outcome")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_text("Outcome:")).to_contain_text("taken up")
    page.get_by_role("button", name="Mark the outcome as seen").click()
    expect(page.get_by_text("Outcome marked as seen.")).to_be_visible()
    shot(page, "10-coordinator-acknowledged")
    handover.refresh_from_db()
    assert handover.outcome_seen_at is not None
