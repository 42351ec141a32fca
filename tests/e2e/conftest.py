"""Browser fixtures for the journeys: Debian's Chromium, headless, driven by Playwright.

Every test here runs against pytest-django's ``live_server`` (a real HTTP server in a
thread of the test process) on a transactional test database, so what the browser
does is committed and visible to the test's own queries, and vice versa.

The browser is Debian's ``chromium`` package, not Playwright's own download (which
cannot be fetched on our machines). Without it the tests skip with a hint, except in
CI (``CI`` set), where a missing browser must fail the run rather than pass it empty.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.helpers import PASSWORD, RESULTS_DIR, Relay

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEFAULT_TIMEOUT_MS = 10_000  # a local page that needs longer than this is a failure anyway


def chromium_path() -> str | None:
    """Debian's Chromium, or whatever ``chromium`` is on the PATH."""
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session (starting one costs about a second)."""
    path = chromium_path()
    if path is None:
        message = (
            "No Chromium found for the browser tests: install Debian's package with "
            "`apt-get install chromium`."
        )
        if os.environ.get("CI"):
            pytest.fail(message + " CI must run them, so this fails.", pytrace=False)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
    # from a thread with a running loop unless told that this is deliberate. The test
    # thread only seeds and checks data between browser steps, never concurrently.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def django_db_setup(browser: Browser, django_db_setup: None) -> None:
    """Create the test database only once the browser runs.

    Starting Playwright's sync API switches this thread into another context (it runs
    on greenlets), and Django keeps its database connections per context. A database
    set up before the switch leaves its serialized reference data (below) on a
    connection the tests never see again; set up after it, tests and setup share one.
    """


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: None, django_db_serialized_rollback: None) -> None:
    """Every journey starts from the migrated database, reference data included.

    The live server needs a transactional database, which is flushed after each test;
    serialized rollback loads the migrations' data back before the next. It must hold
    for every test here: a flush without it re-creates content types under new ids,
    which the next test's reload would then collide with.
    """


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can see whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_context(
    browser: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """``new_context(**options)``: a fresh browser context on the live server.

    English by default (``locale="en-US"`` sends ``Accept-Language: en-US``, which
    LocaleMiddleware honours), so selectors match the English source strings; pass
    ``locale=`` to test another language. A failing test leaves a screenshot of each
    open page in ``test-results/failures/``.
    """
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options = {
            "base_url": live_server.url,
            "locale": "en-US",
            "viewport": {"width": 1280, "height": 900},
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = RESULTS_DIR / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                page.screenshot(path=folder / f"{request.node.name}-{c}-{p}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a fresh English browser context."""
    return new_context().new_page()


# --- the relay the journeys run on -------------------------------------------------------


@pytest.fixture
def relay(_reference_data: None) -> Relay:
    """Seed a small relay through the real services (the invariants hold as in production).

    The reference data the migrations load (municipalities with their after-care desks,
    countries, consent purposes) is there (see ``_reference_data``). The person's
    consents are recorded as an intake would have: to be guided by the regional desk,
    and to be referred to the after-care desk of their municipality.
    """
    import datetime as dt

    from django.contrib.auth import get_user_model

    from estafette.core import clock
    from estafette.core.actor import Actor
    from estafette.handovers.models import Purpose
    from estafette.organisations.models import (
        Country,
        Membership,
        Municipality,
        Organisation,
        OrganisationKind,
        Role,
    )
    from estafette.organisations.selectors import aftercare_desk_for
    from estafette.people.models import Person
    from estafette.testing.auth import totp_device
    from estafette.testing.consent import consent_for_handover, intake_consent
    from estafette.trajectories.models import ReleaseCertainty, Route
    from estafette.trajectories.services import trajectory_open

    users = get_user_model().objects
    arnhem = Municipality.objects.get(cbs_code="GM0202")
    spain = Country.objects.get(iso2="ES")
    aftercare = aftercare_desk_for(arnhem)
    assert aftercare is not None, "the data migration gives Arnhem an after-care desk"
    bureau = Organisation.objects.create(
        name="Bureau Buitenland, regio Oost",
        code="e2e-bb-oost",
        kind=OrganisationKind.BB_REGIONAL_DESK,
    )
    bystander = Organisation.objects.create(
        name="Landingsplaats De Overstap",
        code="e2e-overstap",
        kind=OrganisationKind.LANDING_PLACE,
    )
    coordinator = users.create_user(
        "coordinator", password=PASSWORD, first_name="Carla", last_name="Coördinator"
    )
    aftercare_worker = users.create_user(
        "nazorg", password=PASSWORD, first_name="Nadia", last_name="Nazorg"
    )
    Membership.objects.create(user=coordinator, organisation=bureau, role=Role.REGIONAL_COORDINATOR)
    Membership.objects.create(
        user=aftercare_worker, organisation=aftercare, role=Role.AFTERCARE_COORDINATOR
    )
    for user in (coordinator, aftercare_worker):
        totp_device(user)  # their authenticator app: log_in() types the code it shows
    person = Person.objects.create(
        given_names="Bram", family_name="Jansen", date_of_birth=dt.date(1988, 5, 17)
    )
    trajectory = trajectory_open(
        actor=Actor(user=coordinator, organisation=bureau, role=Role.REGIONAL_COORDINATOR),
        person=person,
        route=Route.ABROAD_BB,
        country=spain,
        detention_place="Centro Penitenciario Madrid VII",
        release_certainty=ReleaseCertainty.KNOWN,
        release_date=clock.today() + dt.timedelta(days=60),
        registration_municipality=arnhem,
        registration_certainty="confirmed",
    )
    intake_consent(trajectory=trajectory, organisation=bureau)
    consent_for_handover(
        trajectory=trajectory, receiver=aftercare, purpose=Purpose.AFTERCARE_REFERRAL
    )
    return Relay(
        coordinator=coordinator,
        aftercare_worker=aftercare_worker,
        bureau=bureau,
        aftercare=aftercare,
        bystander=bystander,
        trajectory=trajectory,
        person=person,
    )
