"""Withdrawing a consent in the browser takes effect at once on another organisation's screen.

The municipal after-care desk took the baton under the person's after-care
consent and sees the detention details. Bureau Buitenland, which handed over,
is not covered by that consent and gets no withdraw form for it (issue 11). The
person tells the after-care desk; its worker records the withdrawal with the
evidence, and on the trajectory page the details are gone at once ("Not shared
with your organisation") — only the identity the holder needs to ask for consent
again is left.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from estafette.core import clock
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

    # 2. Bureau Buitenland handed the baton on: the after-care consent does not cover it,
    #    so it cannot withdraw that consent (issue 11): no form on that card.
    coordinator = new_context().new_page()
    log_in(coordinator, relay.coordinator.username)
    coordinator.goto(f"/people/{relay.person.pk}/consents/")
    card = coordinator.get_by_role("article").filter(has_text="Referral to municipal after-care")
    expect(card).to_be_visible()
    expect(card.get_by_text("Withdraw this consent")).to_have_count(0)

    # 3. The person tells the after-care desk; its worker records the withdrawal with the
    #    evidence (who heard it, when, where), on the consent page.
    municipal.goto(f"/people/{relay.person.pk}/consents/")
    card = municipal.get_by_role("article").filter(has_text="Referral to municipal after-care")
    card.get_by_text("Withdraw this consent").click()
    card.get_by_role("radio", name="verbally").check()
    field(card, "Heard by (name of the volunteer or professional)").fill("A. de Vries")
    field(card, "Heard on").fill(clock.today().isoformat())
    field(card, "Heard where (for example the prison's name)").fill("Loket Nazorg Arnhem")
    field(card, "Reason (optional)").fill("The person no longer wants after-care.")
    card.get_by_role("button", name="Withdraw the consent now").click()
    expect(municipal.get_by_text("withdrawn").first).to_be_visible()
    screenshot(municipal, "consent-revocation/02-municipal-withdrew")

    # 4. Its trajectory page: the detention details are gone at once.
    municipal.goto(trajectory_url)
    expect(municipal.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(municipal.get_by_text(PLACE)).to_have_count(0)
    expect(municipal.get_by_text("Not shared with your organisation").first).to_be_visible()
    screenshot(municipal, "consent-revocation/03-municipal-after")
