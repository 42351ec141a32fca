"""The relay works without JavaScript: htmx only enhances plain forms and links.

A browser context with JavaScript switched off hands the baton over (narrowing
the receivers with the form's own button instead of htmx), filters the caseload,
accepts it while the person is detained (the desk is committed), records the
person's return and that they turned up: every step a plain form.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.helpers import Relay, caseload_row, field, log_in, log_out, screenshot

pytestmark = pytest.mark.e2e


def test_handover_and_acceptance_without_javascript(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.handovers.models import Handover, Purpose
    from estafette.handovers.workflow import State
    from estafette.organisations.models import OrganisationKind

    page = new_context(java_script_enabled=False).new_page()
    name = relay.person.full_name

    # The sender: narrow the receivers to after-care desks, pick one, send.
    log_in(page, relay.coordinator.username)
    page.goto(f"/trajectories/{relay.trajectory.pk}/handover/")
    field(page, "Kind of organisation").select_option(OrganisationKind.MUNICIPAL_AFTERCARE.value)
    field(page, "Message").fill("Please take up after-care in Arnhem.")
    page.get_by_role("button", name="Show", exact=True).click()
    # The form came back from the server with the typed message kept.
    expect(field(page, "Message")).to_have_value("Please take up after-care in Arnhem.")
    field(page, "Receiver").select_option(value=str(relay.aftercare.pk))
    field(page, "Purpose").select_option(value=Purpose.AFTERCARE_REFERRAL)
    page.get_by_role("button", name="Send the handover").click()
    expect(page.locator(".person-header")).to_contain_text("Baton in the air")
    screenshot(page, "no-js/01-sent")
    log_out(page)

    # The receiver: filter the caseload with the form's button, accept with a plain POST.
    log_in(page, relay.aftercare_worker.username)
    page.locator("summary", has_text="Filter and sort").click()  # the filters fold away
    field(page, "Your part").select_option(label="about to receive")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"/caseload/\?.*relation=incoming"))
    expect(caseload_row(page, name)).to_contain_text("about to receive")
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("button", name="Accept the baton").click()
    # Still detained: the desk is committed; the baton passes when the person is out.
    expect(page.get_by_text("You have accepted. The sender keeps the baton")).to_be_visible()
    screenshot(page, "no-js/02-accepted")
    handover = Handover.objects.get(trajectory=relay.trajectory)
    assert handover.state == State.ACCEPTED
    relay.trajectory.refresh_from_db()
    assert relay.trajectory.baton_holder_id == relay.bureau.pk

    # The person turns up at the desk: a plain POST records the return and passes the baton.
    page.get_by_role("button", name="Record that the person has left detention").click()
    page.get_by_role("button", name="The person turned up").click()
    expect(page.get_by_text("Recorded: the person is in your guidance.")).to_be_visible()
    screenshot(page, "no-js/03-taken-up")
    relay.trajectory.refresh_from_db()
    assert relay.trajectory.baton_holder_id == relay.aftercare.pk
    handover.refresh_from_db()
    assert handover.state == State.TAKEN_UP
