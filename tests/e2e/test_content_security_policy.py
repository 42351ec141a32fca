"""The strict Content-Security-Policy holds in a real browser: no page breaks it.

Chromium reports every blocked inline script, inline style (``style=""`` on any
element, SVG included), ``<style>`` block or foreign source on the console.
These journeys visit the sign-in pages (password, adding the authenticator app
with its inline SVG QR code, the code), the caseload with its htmx filter, the
trajectory page with its SVG relay, the handover form with its htmx receiver
field, and the admin, and expect not one such report.

The sign-in pages this work added are also checked with axe-core (WCAG 2.1 A/AA),
in both languages, like the main pages in ``test_accessibility.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.e2e.helpers import Relay

pytestmark = pytest.mark.e2e


def watch_csp(page: Page) -> list[str]:
    """Collect the console's CSP reports (and page errors) for the life of the page."""
    reports: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            reports.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: reports.append(f"{page.url}: page error {error}"))
    return reports


def password_step(page: Page, username: str, password: str) -> None:
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/login/'] button[type=submit]").click()


def test_sign_in_caseload_trajectory_and_handover_form_break_no_policy(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.testing.auth import totp_code, totp_device

    device = totp_device(relay.coordinator)
    page = new_context().new_page()
    reports = watch_csp(page)

    password_step(page, relay.coordinator.username, relay.password)
    page.wait_for_url("**/login/verify/**")
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("form[action='/login/verify/'] button[type=submit]").click()
    page.wait_for_url("**/caseload/**")
    expect(page.get_by_role("heading", name="My caseload", level=1)).to_be_visible()

    # The caseload's filters swap the results in with htmx.
    page.locator("summary", has_text="Filter and sort").click()  # the filters fold away
    page.locator("select").first.select_option(index=1)
    page.wait_for_load_state("networkidle")

    page.goto(f"/trajectories/{relay.trajectory.pk}/")
    expect(page.get_by_role("heading", name=relay.person.full_name, level=1)).to_be_visible()
    page.get_by_role("link", name="Hand over the baton").click()
    page.get_by_label("Receiver", exact=True).select_option(value=str(relay.aftercare.pk))
    page.wait_for_load_state("networkidle")

    assert reports == [], "\n".join(reports)


def test_adding_the_authenticator_app_breaks_no_policy(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from estafette.testing.auth import totp_code

    TOTPDevice.objects.filter(user=relay.aftercare_worker).delete()  # a first sign-in
    page = new_context().new_page()
    reports = watch_csp(page)
    password_step(page, relay.aftercare_worker.username, relay.password)
    page.wait_for_url("**/login/setup/**")
    expect(page.locator("svg.qr-code")).to_be_visible()
    device = TOTPDevice.objects.get(user=relay.aftercare_worker, confirmed=False)
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("form[action='/login/setup/'] button[type=submit]").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.locator("main a.button").click()
    page.wait_for_url("**/caseload/**")

    assert reports == [], "\n".join(reports)


def test_the_admin_breaks_no_policy(
    new_context: Callable[..., BrowserContext], relay: Relay
) -> None:
    from estafette.testing.auth import totp_code, totp_device

    admin = relay.coordinator
    admin.is_staff = admin.is_superuser = True
    admin.save()
    device = totp_device(admin)
    page = new_context().new_page()
    reports = watch_csp(page)
    page.goto("/admin/")
    page.wait_for_url("**/login/?next=/admin/")
    page.locator("input[name=username]").fill(admin.username)
    page.locator("input[name=password]").fill(relay.password)
    page.locator("form[action='/login/'] button[type=submit]").click()
    page.wait_for_url("**/login/verify/**")
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("form[action='/login/verify/'] button[type=submit]").click()
    page.wait_for_url("**/admin/")
    page.goto("/admin/auth/user/")
    page.goto(f"/admin/auth/user/{admin.pk}/change/")
    page.goto("/admin/otp_totp/totpdevice/")
    assert reports == [], "\n".join(reports)


@pytest.mark.parametrize("locale", ["en-US", "nl-NL"])
def test_the_sign_in_pages_have_no_wcag_violations(
    new_context: Callable[..., BrowserContext], relay: Relay, locale: str
) -> None:
    """axe-core on adding the app, the recovery codes, the code page and the lockout page."""
    from django.utils import translation
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from estafette.testing.auth import totp_code, totp_device
    from tests.e2e.helpers import axe_violations, format_violations

    TOTPDevice.objects.filter(user=relay.aftercare_worker).delete()
    totp_device(relay.coordinator)
    found: dict[str, str] = {}

    def check(page: Page, name: str) -> None:
        violations = axe_violations(page)
        if violations:
            found[name] = format_violations(violations)

    page = new_context(locale=locale, bypass_csp=True).new_page()  # CSP forbids injected axe
    password_step(page, relay.aftercare_worker.username, relay.password)
    page.wait_for_url("**/login/setup/**")
    page.locator("input[name=code]").fill("000000")  # wrong: the page with its error
    page.locator("form[action='/login/setup/'] button[type=submit]").click()
    check(page, "adding the app, wrong code")
    page.wait_for_timeout(1100)  # django-otp's back-off after one wrong code
    device = TOTPDevice.objects.get(user=relay.aftercare_worker, confirmed=False)
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("form[action='/login/setup/'] button[type=submit]").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    check(page, "recovery codes")

    page = new_context(locale=locale, bypass_csp=True).new_page()
    password_step(page, relay.coordinator.username, relay.password)
    page.wait_for_url("**/login/verify/**")
    check(page, "entering the code")
    page = new_context(locale=locale, bypass_csp=True).new_page()
    for _ in range(5):
        password_step(page, relay.bystander.code, "wrong")
    with translation.override(locale[:2]):
        paused = translation.gettext("Signing in is paused")
    expect(page.get_by_role("heading", name=paused, level=1)).to_be_visible()
    check(page, "lockout")

    assert not found, "\n".join(f"{name}:\n{text}" for name, text in found.items())
