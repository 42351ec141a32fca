"""The person's journey through their own pages, and the contact person's window (issue 13).

"Checks that must exist": a person signs in with a code handed to them, reads their race,
writes a wish, ticks off a step, asks to withdraw a consent; the holder sees the wish and the
withdrawal. A contact person sees exactly what was consented and nothing else, and sees less
after the person withdraws.

Everything goes through the browser as it happens: the coordinator prints the paper code
from the person's details (the code is read off the sheet), the person types it on a 320 px
phone, and so on. Every page the person, the contact person and the coordinator open passes
axe-core (WCAG 2.1 A and AA, zero violations), and no page of the phones is wider than 320 px.
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

WIDTH = 360
PHONE = {
    "viewport": {"width": WIDTH, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "bypass_csp": True,  # axe-core is injected as a script; the pages themselves need none
}
WISH = "A room of my own near my sister, and work with my hands."
PROPOSAL = "Bring your passport to the municipal desk"
HOME_FRONT_PURPOSE = "Contact with your contact person at home"


def check(page: Page, name: str, *, width: int | None = WIDTH) -> None:
    """Zero axe violations; on a phone, nothing wider than the phone."""
    screenshot(page, f"portal-journey/{name}")
    violations = axe_violations(page)
    assert not violations, f"{name}:\n{format_violations(violations)}"
    if width is not None:
        scroll_width, _inner = page_width(page)
        assert scroll_width <= width + 1, f"{name} is {scroll_width}px wide at {width}px"


def paper_code(worker: Page, relay: Relay, whom: str) -> str:
    """The coordinator prints a paper code for ``whom`` (the radio's label) and reads it."""
    worker.goto(f"/trajectories/{relay.trajectory.pk}/person/")
    worker.get_by_role("link", name="Sign-in code on paper for the person's own pages").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Sign-in code on paper")
    worker.get_by_label(whom).check()
    worker.get_by_label("English").check()
    check(worker, f"paper-code-{whom.split(':')[0].lower().replace(' ', '-')}", width=None)
    worker.get_by_role("button", name="Make the code and show the sheet").click()
    expect(worker.get_by_role("heading", name="Your code for Estafette")).to_be_visible()
    check(worker, "paper-code-sheet", width=None)
    code = worker.locator(".paper-sheet__code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    return code


def sign_in_with(page: Page, code: str, name: str) -> None:
    """On the phone: the sign-in page, "Type my code", the code, and the subject's page."""
    page.goto("/my/sign-in/")
    check(page, f"{name}-sign-in")
    page.get_by_role("link", name="Type my code").click()
    page.wait_for_url("**/my/code/")
    check(page, f"{name}-code")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/my/$"))


def test_the_person_signs_in_writes_ticks_withdraws_and_the_holder_sees_it(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.consent.models import Consent
    from estafette.personal_plan.services import step_propose

    step_propose(actor=relay.actor(relay.coordinator), trajectory=relay.trajectory, text=PROPOSAL)
    worker = new_context(bypass_csp=True).new_page()
    log_in(worker, relay.coordinator.username)
    code = paper_code(worker, relay, f"The person: {relay.person.full_name}")

    # The person, on a phone, with the code from the paper.
    page = new_context(**PHONE).new_page()
    sign_in_with(page, code, "person")
    expect(page.get_by_role("heading", level=1)).to_have_text("My page")
    # Their race: who helps now, what is arranged and open, the day they are free.
    helps = re.compile(rf"{re.escape(relay.bureau.name)}\s+helps you now")
    expect(page.get_by_text(helps)).to_be_visible()
    expect(page.get_by_text("The day you are free")).to_be_visible()
    expect(page.get_by_text("A place to live")).to_be_visible()
    check(page, "person-race")

    # A wish in their own words, and a step ticked off (the one the coordinator proposed).
    page.get_by_role("link", name="My plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My plan")
    check(page, "person-plan")
    page.get_by_label("What I want").fill(WISH)
    page.get_by_role("button", name="Save my words").click()
    expect(page.get_by_text("Your words are saved.")).to_be_visible()
    page.get_by_role("button", name=f"Done ({PROPOSAL})").click()
    expect(page.get_by_text("Well done! The step is ticked off.")).to_be_visible()
    check(page, "person-plan-written")

    # Ask to withdraw a consent: the referral to the after-care desk.
    page.get_by_role("link", name="My consents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My consents")
    check(page, "person-consents")
    card = page.locator("article.my-consent", has_text=relay.aftercare.name).first
    card.get_by_role("link", name=re.compile("Ask to withdraw this consent")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw this consent?")
    check(page, "person-withdraw-confirm")
    page.get_by_role("button", name="Yes, withdraw this consent").click()
    expect(page.get_by_text("You withdrew this consent.")).to_be_visible()
    check(page, "person-withdrawn")
    withdrawn = Consent.objects.get(person=relay.person, revoked_by_person=True)
    assert withdrawn.recipient_organisation == relay.aftercare

    # The holder sees the wish on the plan's page, and the withdrawal on the caseload and
    # in the person's consent overview.
    worker.goto(f"/trajectories/{relay.trajectory.pk}/plan/")
    expect(worker.get_by_text(WISH)).to_be_visible()
    check(worker, "holder-plan", width=None)
    worker.goto("/caseload/")
    notices = worker.locator(".consent-notices")
    expect(notices).to_contain_text(f"{relay.person.full_name} withdrew the consent")
    check(worker, "holder-caseload", width=None)
    worker.goto(f"/people/{relay.person.pk}/consents/")
    expect(
        worker.get_by_text("withdrawn by the person themself, on their own pages in Estafette")
    ).to_be_visible()
    check(worker, "holder-consent-overview", width=None)


def test_the_contact_person_sees_what_was_shared_and_less_after_a_withdrawal(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.core.data_classes import DataClass
    from estafette.people.models import NetworkMember, Relation
    from estafette.testing.consent import give_consent

    sister = NetworkMember.objects.create(
        person=relay.person,
        name="Ilse Jansen",
        relation=Relation.SIBLING,
        is_contact_person=True,
        phone="06 11 22 33 44",
    )
    # Bram shares the basic conditions with his sister; not where he is, nor his plan.
    give_consent(
        person=relay.person,
        purpose_code="contact_person",
        recipient=relay.bureau,
        data_classes=[DataClass.IDENTITY, DataClass.NETWORK, DataClass.CONDITIONS],
    )
    worker = new_context(bypass_csp=True).new_page()
    log_in(worker, relay.coordinator.username)
    sisters_code = paper_code(worker, relay, f"The contact person: {sister.name}")
    persons_code = paper_code(worker, relay, f"The person: {relay.person.full_name}")

    contact = new_context(**PHONE).new_page()
    sign_in_with(contact, sisters_code, "contact")
    expect(contact.get_by_role("heading", level=1)).to_have_text("My page as contact person")
    window = contact.locator("main")
    expect(window).to_contain_text("A place to live")  # the basic conditions: shared
    expect(window).to_contain_text(relay.bureau.name)  # who to call: always
    not_shared = (
        "Spain",
        "Madrid",
        "The day you are free",  # the release: detention, not shared
        "helps you now",
        relay.aftercare.name,  # the next runner tells the phase
        relay.coordinator.first_name,
        relay.trajectory.detention_place,
    )
    for text in not_shared:
        expect(window).not_to_contain_text(text)
    # Only the race: no link to the person's plan, consents or log.
    nav = contact.get_by_role("navigation", name="Your pages")
    for link in ("My plan", "My consents", "Who looked"):
        expect(nav.get_by_role("link", name=link)).to_have_count(0)
    check(contact, "contact-window")
    contact.goto("/my/plan/")
    expect(contact.locator("main")).not_to_contain_text("What I want")
    check(contact, "contact-plan-refused")
    contact.goto("/my/consents/")
    expect(contact.get_by_role("heading", level=1)).to_have_text("This page is not here")
    check(contact, "contact-consents-refused")

    # Bram withdraws what he shared with his sister.
    person = new_context(**PHONE).new_page()
    sign_in_with(person, persons_code, "person")
    person.get_by_role("link", name="My consents").click()
    card = person.locator("article.my-consent", has_text=HOME_FRONT_PURPOSE).first
    card.get_by_role("link", name=re.compile("Ask to withdraw this consent")).click()
    check(person, "person-withdraw-home-front")
    person.get_by_role("button", name="Yes, withdraw this consent").click()
    expect(person.get_by_text("You withdrew this consent.")).to_be_visible()

    # The sister reloads: the basic conditions are gone, who to call stays.
    contact.goto("/my/")
    window = contact.locator("main")
    expect(window).to_contain_text(relay.bureau.name)
    expect(window).not_to_contain_text("A place to live")
    for text in not_shared:
        expect(window).not_to_contain_text(text)
    check(contact, "contact-window-after-withdrawal")
