"""The caseload and the trajectory page work at 360 px wide: nothing scrolls sideways.

360 CSS pixels is a common small phone; a worker on the road or a volunteer
abroad reads the relay there. Dutch is checked beside English because its
compound words ("nazorgcoördinator") are the longest that must fit.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext

from tests.e2e.helpers import Relay, log_in, page_width, screenshot

pytestmark = pytest.mark.e2e

WIDTH = 360
PHONE = {
    "viewport": {"width": WIDTH, "height": 740},
    "is_mobile": True,  # honour <meta name="viewport">, as a phone's browser does
    "has_touch": True,
    "device_scale_factor": 2,
}


@pytest.mark.parametrize("locale", ["en-US", "nl-NL"])
@pytest.mark.parametrize("who", ["coordinator", "aftercare_worker"])
def test_no_horizontal_overflow_at_360_px(
    new_context: Callable[..., BrowserContext], relay: Relay, who: str, locale: str
) -> None:
    relay.hand_over()  # the baton in the air adds the most to both pages
    page = new_context(locale=locale, **PHONE).new_page()
    log_in(page, getattr(relay, who).username, language=locale[:2])
    for name, url in (
        ("caseload", "/caseload/"),
        ("trajectory", f"/trajectories/{relay.trajectory.pk}/"),
    ):
        page.goto(url)
        screenshot(page, f"small-screen/{name}-{who}-{locale}")
        scroll_width, inner_width = page_width(page)
        assert inner_width == WIDTH, f"viewport is {inner_width}px wide, not {WIDTH}px"
        assert scroll_width <= WIDTH + 1, (
            f"{name} page ({who}, {locale}) is {scroll_width}px wide at a {WIDTH}px viewport: "
            f"something overflows sideways; see test-results/small-screen/"
        )
