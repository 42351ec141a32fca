"""A consent an organisation recorded for itself is reviewed by a colleague, on a phone.

The after-care desk's worker records a consent that covers its own desk (issue 11,
point 4): it is marked self-recorded. A colleague opens "Consents to review" at 360 px,
reads the evidence and the reason for more than usual, and records that the evidence
holds. The recorder sees the consent waiting but has no review form. The review page and
the overview with a withdraw form pass axe-core (WCAG 2.1 A/AA) and scroll not sideways.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import (
    PASSWORD,
    Relay,
    axe_violations,
    format_violations,
    log_in,
    page_width,
    screenshot,
)

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "bypass_csp": True}
REASON = "The person asked us to look after the debts and the care appointments as well."


def check(page: Page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name}:\n" + format_violations(violations)
    scroll, viewport = page_width(page)
    assert scroll <= viewport, f"{name}: {scroll} px wide at a {viewport} px viewport"
    screenshot(page, f"consent-review/{name}")


def test_a_colleague_reviews_a_self_recorded_consent_on_a_phone(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from django.contrib.auth import get_user_model

    from estafette.consent.services import consent_record
    from estafette.core import clock
    from estafette.handovers.services import handover_accept
    from estafette.organisations.models import Membership, Role
    from estafette.testing.auth import totp_device

    # The desk accepted the referral: committed, it has a part and may record consent.
    handover_accept(actor=relay.actor(relay.aftercare_worker), handover=relay.hand_over())
    consent = consent_record(
        actor=relay.actor(relay.aftercare_worker),
        person=relay.person,
        purpose_code="aftercare_referral",
        recipient_organisation=relay.aftercare,
        data_classes=["identity", "detention", "conditions", "health", "network"],
        classes_reason=REASON,
        given_on=clock.today(),
        evidence_kind="verbal",
        verbal_by="Nadia Nazorg",
        verbal_on=clock.today(),
        verbal_place="Loket Nazorg Arnhem",
    )
    assert consent.self_recorded
    colleague = get_user_model().objects.create_user(
        "collega", password=PASSWORD, first_name="Kees", last_name="Collega"
    )
    Membership.objects.create(
        user=colleague, organisation=relay.aftercare, role=Role.AFTERCARE_COORDINATOR
    )
    totp_device(colleague)

    # 1. The colleague, on a phone: the consent waits for review, with its evidence.
    page = new_context(**PHONE).new_page()
    log_in(page, "collega")
    page.goto("/consents/review/")
    expect(page.get_by_role("heading", name="Consents to review", level=1)).to_be_visible()
    card = page.get_by_role("article").filter(has_text=relay.person.full_name)
    expect(card).to_contain_text(REASON)
    expect(card).to_contain_text("Loket Nazorg Arnhem")
    check(page, "01-colleague-to-review")

    # 2. The evidence holds: recorded, and the card says so.
    card.get_by_role("radio", name="the evidence holds").check()
    card.get_by_label("Note (optional)").fill("Asked the person again by phone.")
    card.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("The review is recorded.")).to_be_visible()
    check(page, "02-colleague-reviewed")

    # 3. The recorder sees it among the reviewed ones, without a form of its own.
    recorder = new_context(**PHONE).new_page()
    log_in(recorder, relay.aftercare_worker.username)
    recorder.goto("/consents/review/")
    card = recorder.get_by_role("article").filter(has_text=relay.person.full_name)
    expect(card).to_contain_text("reviewed")
    expect(card.get_by_role("button", name="Record the review")).to_have_count(0)

    # 4. The consent overview on the phone, with the withdraw form open.
    recorder.goto(f"/people/{relay.person.pk}/consents/")
    recorder.get_by_text("Withdraw this consent").first.click()
    check(recorder, "03-overview-withdraw-form")
