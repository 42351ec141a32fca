"""Steps and checks the journeys share: signing in and out, screenshots, axe-core, overflow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "test-results"  # gitignored: screenshots for a person to look at
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "e2e-wachtwoord-estafette"


@dataclass
class Relay:
    """Two organisations, one worker each, and a trajectory held by the first."""

    coordinator: Any  # User at the Bureau Buitenland regional desk
    aftercare_worker: Any  # User at the municipal after-care desk
    bureau: Any  # Organisation: the regional desk, first baton holder
    aftercare: Any  # Organisation: the municipal after-care desk
    bystander: Any  # Organisation with no part in the trajectory
    trajectory: Any
    person: Any
    password: str = PASSWORD

    def actor(self, user: Any) -> Any:
        from estafette.core.actor import Actor

        membership = user.memberships.select_related("organisation").get()
        return Actor(user=user, organisation=membership.organisation, role=membership.role)

    def hand_over(self) -> Any:
        """Put the baton in the air to the after-care desk, through the real service."""
        from estafette.handovers.models import Purpose
        from estafette.handovers.services import handover_send

        return handover_send(
            actor=self.actor(self.coordinator),
            trajectory=self.trajectory,
            receiver=self.aftercare,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message="Comes back to Arnhem on release; please take up after-care.",
            information="Wants to live near his sister. Has no ID card; a passport expires soon.",
        )


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-results/ for a person to look at."""
    path = RESULTS_DIR / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path


def field(page: Page, label: str) -> Locator:
    """The form control labelled ``label`` (Django adds a ":" to labels; that may follow)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def log_in(page: Page, username: str, password: str = PASSWORD, *, language: str = "en") -> None:
    """Sign in through the login page as a person would: password, then the app's code.

    The second factor is the user's authenticator app (a confirmed TOTP device the
    ``relay`` fixture gives every user); the code it would show is computed from its
    key. Labels are looked up in Django's own catalogues for ``language``, so the same
    step works in every interface language without hard-coding translations here.
    """
    from django.contrib.auth import get_user_model
    from django.utils import translation
    from django.utils.text import capfirst

    from estafette.testing.auth import totp_code

    with translation.override(language):
        username_label = str(capfirst(get_user_model()._meta.get_field("username").verbose_name))
        password_label = translation.gettext("Password")
        sign_in = translation.gettext("Sign in")
        code_label = translation.gettext("Code")
        confirm = translation.gettext("Confirm")
    page.goto("/login/")
    field(page, username_label).fill(username)
    field(page, password_label).fill(password)
    page.get_by_role("button", name=sign_in, exact=True).click()
    page.wait_for_url(re.compile(r"/(caseload|login/verify)/"))
    if "/login/verify/" in page.url:
        user = get_user_model().objects.get(username=username)
        field(page, code_label).fill(totp_code(user))
        page.get_by_role("button", name=confirm, exact=True).click()
    page.wait_for_url(re.compile(r"/caseload/"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/**")


def page_width(page: Page) -> tuple[int, int]:
    """(document scroll width, viewport width): the page scrolls sideways if the first is larger."""
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (from node_modules, as npm installed it) on the page: WCAG 2.1 A and AA."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            }));
        }"""
    )
    return list(result)


def format_violations(violations: list[dict[str, Any]]) -> str:
    """axe's findings as lines a person can act on."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:5]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    at {node['target']}: {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def caseload_row(page: Page, name: str) -> Locator:
    """The caseload table's row for the person called ``name``."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


# --- the person's own pages (issue 13) ---------------------------------------------------

SMALL_PHONE = {
    "viewport": {"width": 320, "height": 640},
    "is_mobile": True,  # honour <meta name="viewport">, as a phone's browser does
    "has_touch": True,
    "device_scale_factor": 2,
    "bypass_csp": True,  # axe-core is injected as a script; the pages themselves need none
}
"""The narrowest phone issue 13 asks the pages to fit (320 CSS pixels)."""


def check_phone_page(page: Page, name: str, *, width: int = 320) -> None:
    """A screenshot, zero axe-core violations, and nothing wider than the phone."""
    screenshot(page, name)
    violations = axe_violations(page)
    assert not violations, f"{name}:\n{format_violations(violations)}"
    scroll_width, _inner = page_width(page)
    assert scroll_width <= width + 1, f"{name} is {scroll_width}px wide at {width}px"


def page_as_subject(new_context: Any, url: str, subject: Any, **options: Any) -> Page:
    """A phone whose session holds ``subject`` (a ``portal.subject.Subject``), as a code
    sign-in leaves it; ``options`` go to the browser context on top of :data:`SMALL_PHONE`."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from estafette.portal import session_limits
    from estafette.portal.subject import SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = subject.session_value()
    session_limits.start(session)
    session.save()
    context = new_context(**{**SMALL_PHONE, **options})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key or "", "url": url}]
    )
    return context.new_page()
