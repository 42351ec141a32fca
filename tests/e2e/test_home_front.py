"""The contact person's page for the home front, on a 320 px phone, by keyboard, axe-core clean.

Bram's sister is his contact person. Bram agreed that she may see his return and his network.
She opens "For the home front" from her page, reads the advice and finds the after-care desk
of Arnhem, registers Bram's daughter, and writes a message by keyboard. The coordinator then
reads the message and the child on the file's timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import (
    SMALL_PHONE,
    Relay,
    check_phone_page,
    log_in,
    page_as_subject,
)

pytestmark = pytest.mark.e2e

PHONE = SMALL_PHONE
WORDS = "His old room is ready. He can sleep at my place the first nights."


def check_page(page: Page, name: str) -> None:
    check_phone_page(page, f"home-front/{name}")


def signed_in_contact_person(
    new_context: Callable[..., BrowserContext], url: str, relay: Relay
) -> Page:
    """A phone whose session holds Bram's sister as the subject (what a code sign-in leaves)."""
    from estafette.core.data_classes import DataClass
    from estafette.people.models import NetworkMember, Relation
    from estafette.portal.subject import Subject, SubjectKind
    from estafette.testing.consent import give_consent

    member = NetworkMember.objects.create(
        person=relay.person, name="Ilse Jansen", relation=Relation.SIBLING, is_contact_person=True
    )
    give_consent(
        person=relay.person,
        purpose_code="contact_person",
        recipient=relay.bureau,
        data_classes=[DataClass.IDENTITY, DataClass.DETENTION, DataClass.NETWORK],
    )
    subject = Subject(kind=SubjectKind.CONTACT_PERSON, person=relay.person, member=member)
    return page_as_subject(new_context, url, subject)


def test_the_contact_person_reads_advice_registers_a_child_and_writes_to_the_coordinator(
    new_context: Callable[..., BrowserContext], live_server: Any, relay: Relay
) -> None:
    page = signed_in_contact_person(new_context, live_server.url, relay)
    page.goto("/my/")
    page.get_by_role("link", name="Go to the page for the home front").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("For the home front")
    expect(
        page.get_by_text(f"The after-care desk for Bram is {relay.aftercare.name}.")
    ).to_be_visible()
    check_page(page, "page")

    page.get_by_label("First name of the child").fill("Noor")
    page.get_by_label("Year of birth (you may leave this empty)").fill("2016")
    page.get_by_label("Who takes care of the child now? (you may leave this empty)").fill("me")
    page.get_by_role("button", name="Add this child").click()
    expect(page.get_by_text("Thank you. Noor is added.")).to_be_visible()
    expect(page.get_by_text("Noor (born in 2016) — cared for by: me")).to_be_visible()

    # A year of birth in the future comes back beside the field, calmly, at 320 px.
    page.get_by_label("First name of the child").fill("Daan")
    page.get_by_label("Year of birth (you may leave this empty)").fill("2099")
    page.get_by_role("button", name="Add this child").click()
    expect(page.get_by_text("Write a year of birth between")).to_be_visible()
    check_page(page, "refused")

    # Keyboard only: type the message and send it with Tab and Enter.
    page.get_by_label("Your message").focus()
    page.keyboard.type(WORDS)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send the message")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Thank you. Your message is sent.")).to_be_visible()
    check_page(page, "sent")

    worker = new_context(bypass_csp=True).new_page()
    log_in(worker, relay.coordinator.username)
    worker.goto(f"/trajectories/{relay.trajectory.pk}/")
    expect(worker.get_by_text(WORDS)).to_be_visible()
    expect(worker.get_by_text("Noor (child) added by the contact person")).to_be_visible()
