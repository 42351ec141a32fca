"""The relay's main journey in a real browser: a handover from send to acknowledged outcome.

The regional coordinator hands the baton to the municipal after-care desk; the
after-care worker accepts it and reports that the person turned up; the
coordinator sees the outcome and marks it as seen. Each step is saved as a
screenshot under ``test-results/journey/`` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import Relay, caseload_row, field, log_in, log_out, screenshot

pytestmark = pytest.mark.e2e


def shot(page: Page, step: str) -> None:
    screenshot(page, f"journey/{step}")


def test_handover_from_send_to_acknowledged_outcome(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.handovers.models import Handover, Purpose
    from estafette.handovers.workflow import State

    name = relay.person.full_name
    page = new_context().new_page()

    # 1. The coordinator opens the trajectory from the caseload.
    log_in(page, relay.coordinator.username)
    expect(page.get_by_role("heading", name="My caseload", level=1)).to_be_visible()
    expect(caseload_row(page, name)).to_contain_text("holds the baton")
    shot(page, "01-coordinator-caseload")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    shot(page, "02-coordinator-trajectory")

    # 2. … and hands the baton to the municipal after-care desk.
    page.get_by_role("link", name="Hand over the baton").click()
    expect(page.get_by_role("heading", name="Hand over the baton", level=1)).to_be_visible()
    field(page, "Receiver").select_option(value=str(relay.aftercare.pk))
    field(page, "Purpose").select_option(value=Purpose.AFTERCARE_REFERRAL)
    field(page, "Message").fill(
        "Bram comes back to Arnhem on release. Please take up after-care: ID, housing, income."
    )
    shot(page, "03-coordinator-handover-form")
    page.get_by_role("button", name="Send the handover").click()

    # 3. The baton is in the air, loudly, on the trajectory page.
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.locator(".person-header")).to_contain_text("Baton in the air")
    expect(page.get_by_text("The baton is in the air:")).to_be_visible()
    shot(page, "04-coordinator-baton-in-the-air")
    handover = Handover.objects.get(trajectory=relay.trajectory)
    assert handover.state == State.SENT
    assert handover.receiver_id == relay.aftercare.pk
    log_out(page)

    # 4. The after-care worker sees it coming in, accepts it, and reports the take-up.
    log_in(page, relay.aftercare_worker.username)
    expect(caseload_row(page, name)).to_contain_text("about to receive")
    shot(page, "05-aftercare-caseload-incoming")
    page.get_by_role("link", name=name, exact=True).click()
    shot(page, "06-aftercare-trajectory-incoming")
    page.get_by_role("button", name="Accept the baton").click()
    expect(page.get_by_text("You hold the baton now.")).to_be_visible()
    shot(page, "07-aftercare-accepted")
    page.get_by_role("button", name="The person turned up").click()
    expect(page.get_by_text("Recorded: the person turned up.")).to_be_visible()
    shot(page, "08-aftercare-taken-up")
    handover.refresh_from_db()
    relay.trajectory.refresh_from_db()
    assert handover.state == State.TAKEN_UP
    assert relay.trajectory.baton_holder_id == relay.aftercare.pk
    log_out(page)

    # 5. The coordinator learns the outcome and closes the loop.
    log_in(page, relay.coordinator.username)
    expect(caseload_row(page, name)).to_contain_text("outcome to review")
    shot(page, "09-coordinator-caseload-outcome")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_text("Outcome:")).to_contain_text("taken up")
    shot(page, "10-coordinator-outcome")
    page.get_by_role("button", name="Mark the outcome as seen").click()
    expect(page.get_by_text("Outcome marked as seen.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark the outcome as seen")).to_have_count(0)
    shot(page, "11-coordinator-acknowledged")
    handover.refresh_from_db()
    assert handover.outcome_seen_at is not None

    # The loop is closed for the coordinator: the person has left their caseload.
    page.get_by_role("link", name="My caseload").first.click()
    expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    shot(page, "12-coordinator-caseload-after")
