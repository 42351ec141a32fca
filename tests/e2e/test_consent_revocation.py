"""Withdrawing a consent in the browser takes effect at once on another organisation's screen.

The municipal after-care desk took the baton under the person's after-care
consent and sees the detention details. The regional coordinator withdraws that
consent on the consent page; when the after-care worker reloads, the details are
gone ("Not shared with your organisation") — only the identity the holder needs
to ask for consent again is left.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.helpers import Relay, field, log_in, screenshot

pytestmark = pytest.mark.e2e

PLACE = "Centro Penitenciario Madrid VII"


def test_a_withdrawn_consent_stops_showing_its_classes_at_once(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.handovers.services import handover_accept
    from estafette.trajectories.models import Phase
    from estafette.trajectories.services import trajectory_set_phase

    handover_accept(actor=relay.actor(relay.aftercare_worker), handover=relay.hand_over())
    # The person came home: the baton passed to the municipality (decision 0011).
    trajectory_set_phase(
        actor=relay.actor(relay.coordinator), trajectory=relay.trajectory, phase=Phase.RETURN
    )
    name = relay.person.full_name
    trajectory_url = f"/trajectories/{relay.trajectory.pk}/"

    # 1. The after-care worker sees the detention details of the person it now holds.
    municipal = new_context().new_page()
    log_in(municipal, relay.aftercare_worker.username)
    municipal.goto(trajectory_url)
    expect(municipal.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(municipal.get_by_text(PLACE)).to_be_visible()
    screenshot(municipal, "consent-revocation/01-municipal-before")

    # 2. The coordinator withdraws the after-care consent on the consent page.
    coordinator = new_context().new_page()
    log_in(coordinator, relay.coordinator.username)
    coordinator.goto(f"/people/{relay.person.pk}/consents/")
    card = coordinator.get_by_role("article").filter(has_text="Referral to municipal after-care")
    card.get_by_text("Withdraw this consent").click()
    field(card, "Reason (optional)").fill("The person no longer wants after-care.")
    card.get_by_role("button", name="Withdraw the consent now").click()
    expect(coordinator.get_by_text("withdrawn").first).to_be_visible()
    screenshot(coordinator, "consent-revocation/02-coordinator-withdrew")

    # 3. The after-care worker reloads: the detention details are gone at once.
    municipal.reload()
    expect(municipal.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(municipal.get_by_text(PLACE)).to_have_count(0)
    expect(municipal.get_by_text("Not shared with your organisation").first).to_be_visible()
    screenshot(municipal, "consent-revocation/03-municipal-after")
