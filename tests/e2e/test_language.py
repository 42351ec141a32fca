"""Dutch is the default interface language; English is there for whoever asks for it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

pytestmark = pytest.mark.e2e


def dutch(source: str) -> str:
    from django.utils import translation

    with translation.override("nl"):
        return translation.gettext(source)


@pytest.mark.parametrize("locale", ["de-DE", "nl-NL"])
def test_dutch_by_default(
    new_context: Callable[..., BrowserContext], transactional_db: None, locale: str
) -> None:
    """A browser that asks for Dutch, or for a language we do not offer, gets Dutch."""
    heading = dutch("Sign in to Estafette")
    assert heading != "Sign in to Estafette", "no Dutch translation (run `make messages`)"
    page = new_context(locale=locale).new_page()
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("button", name=dutch("Sign in"), exact=True)).to_be_visible()


def test_english_on_request(
    new_context: Callable[..., BrowserContext], transactional_db: None
) -> None:
    page = new_context(locale="en-GB").new_page()
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Estafette")
