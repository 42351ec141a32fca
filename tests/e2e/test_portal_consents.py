"""My consents and who looked at my file, in the browser: a 320 px phone, keyboard, axe-core.

The person (signed in as the portal leaves a subject in the session) reads their consents,
asks to withdraw one by keyboard, confirms, and reads the result; then reads who looked at
their file. Every page: zero axe violations, nothing wider than the phone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import Relay, axe_violations, format_violations, page_width, screenshot

pytestmark = pytest.mark.e2e

WIDTH = 320
PHONE = {
    "viewport": {"width": WIDTH, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "bypass_csp": True,  # axe-core is injected as a script; the pages themselves need none
    "locale": "en-GB",
}


def check_page(page: Page, name: str) -> None:
    """Zero axe violations, and nothing wider than the phone."""
    screenshot(page, f"portal-consents/{name}")
    violations = axe_violations(page)
    assert not violations, f"{name}:\n{format_violations(violations)}"
    scroll_width, _inner = page_width(page)
    assert scroll_width <= WIDTH + 1, f"{name} is {scroll_width}px wide at {WIDTH}px"


def signed_in_person(new_context: Callable[..., BrowserContext], url: str, relay: Relay) -> Page:
    from estafette.portal import session_limits
    from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind

    session = SessionStore()
    session[SESSION_KEY] = Subject(kind=SubjectKind.PERSON, person=relay.person).session_value()
    session_limits.start(session)
    session.save()
    context = new_context(**PHONE)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key or "", "url": url}]
    )
    return context.new_page()


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
