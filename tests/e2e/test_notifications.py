"""Notifications in the browser: the header count, the list, opening a signal; WCAG and 360 px."""

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


def notify(relay: Relay) -> int:
    """Raise the trajectory's signals and notify; the coordinator's unread count."""
    from estafette.signals.evaluate import signals_evaluate
    from estafette.signals.notifications.models import Notification
    from estafette.signals.notifications.services import notifications_fan_out

    signals_evaluate([relay.trajectory.pk])
    notifications_fan_out()
    return Notification.objects.filter(user=relay.coordinator, read_at__isnull=True).count()


def test_from_the_header_count_to_the_signal(page: Page, relay: Relay) -> None:
    unread = notify(relay)
    assert unread >= 1
    log_in(page, relay.coordinator.username)

    link = page.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(link).to_contain_text(f"{unread} unread")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    screenshot(page, "notifications-list")

    page.get_by_role("button", name=re.compile(r"^Open the signal")).first.click()
    page.wait_for_url(re.compile(r"/signals/\d+/"))
    from estafette.signals.notifications.models import Notification

    assert Notification.objects.filter(user=relay.coordinator, read_at__isnull=True).count() == (
        unread - 1
    )


def test_choosing_how_often_to_get_email(page: Page, relay: Relay) -> None:
    log_in(page, relay.coordinator.username)
    page.get_by_role("link", name="E-mail settings").click()
    expect(page.get_by_role("radio", name=re.compile("^Once a day"))).to_be_checked()
    page.get_by_role("radio", name=re.compile("^Straight away")).check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Saved: how often you get e-mail about new signals and handovers.")
    ).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("^Straight away"))).to_be_checked()
    screenshot(page, "notifications-settings")


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/settings/"])
@pytest.mark.parametrize("locale", ["en-US", "nl-NL"])
def test_no_wcag_violations_and_no_sideways_scrolling(
    new_context: Callable[..., BrowserContext], relay: Relay, path: str, locale: str
) -> None:
    notify(relay)
    page = new_context(
        locale=locale, bypass_csp=True, viewport={"width": 360, "height": 780}
    ).new_page()
    log_in(page, relay.coordinator.username, language=locale[:2])
    page.goto(path)
    width, viewport = page_width(page)
    assert width <= viewport, f"{path} scrolls sideways at 360 px ({width} > {viewport})"
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core found {len(violations)} violation(s) on {path} ({locale}):\n"
        + format_violations(violations)
    )
