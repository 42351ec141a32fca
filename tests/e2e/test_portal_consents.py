"""My consents and who looked at my file, in the browser: a 320 px phone, keyboard, axe-core.

The person (signed in as the portal leaves a subject in the session) reads their consents,
asks to withdraw one by keyboard, confirms, and reads the result; then reads who looked at
their file. Every page: zero axe violations, nothing wider than the phone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import SMALL_PHONE, Relay, check_phone_page, page_as_subject

pytestmark = pytest.mark.e2e

PHONE = {**SMALL_PHONE, "locale": "en-GB"}


def check_page(page: Page, name: str) -> None:
    check_phone_page(page, f"portal-consents/{name}")


def signed_in_person(new_context: Callable[..., BrowserContext], url: str, relay: Relay) -> Page:
    from estafette.portal.subject import Subject, SubjectKind

    subject = Subject(kind=SubjectKind.PERSON, person=relay.person)
    return page_as_subject(new_context, url, subject, locale="en-GB")


def test_the_person_withdraws_a_consent_by_keyboard_and_reads_who_looked(
    new_context: Callable[..., BrowserContext], live_server: Any, relay: Relay
) -> None:
    from estafette.consent.models import Consent, ConsentNotice

    page = signed_in_person(new_context, live_server.url, relay)
    page.goto(f"{live_server.url}/my/consents/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My consents")
    check_page(page, "list")

    withdraw = page.get_by_role("link", name="Ask to withdraw this consent").first
    withdraw.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw this consent?")
    expect(page.get_by_text("We tell these organisations at once:")).to_be_visible()
    check_page(page, "confirm")

    page.get_by_role("button", name="Yes, withdraw this consent").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You withdrew this consent.")).to_be_visible()
    expect(page.get_by_text("You withdrew it yourself on")).to_be_visible()
    check_page(page, "withdrawn")
    withdrawn = Consent.objects.get(person=relay.person, revoked_by_person=True)
    assert ConsentNotice.objects.filter(consent=withdrawn, organisation=relay.bureau).exists()

    page.goto(f"{live_server.url}/my/who-looked/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who looked at my file")
    expect(page.get_by_text(relay.bureau.name).first).to_be_visible()
    check_page(page, "who-looked")
