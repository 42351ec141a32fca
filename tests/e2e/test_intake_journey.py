"""Starting the race from the interface (issue 12), in a real browser.

1. The consul, on a phone, registers an arrest notification with the person's consent:
   find before create finds nobody, the short form opens the file on the route "abroad,
   on own strength" with the consulate holding the baton.
2. The consulate hands the person to Bureau Buitenland (seeded through the real service;
   the handover form has its own journey). The regional coordinator starts the guidance
   intake, finds the person by name and date of birth, continues on the consulate's file,
   and assigns a visiting volunteer of Bureau Buitenland's volunteer organisation.
3. That volunteer sees this person, and only their own people: a colleague's person is
   not in the caseload and its page answers "not found".
4. The coordinator finds the person by name with the search box in the header.
5. A municipal after-care desk registers a walk-in who came back on their own.
6. The desk then tries to register the consulate's person a second time: the duplicate
   is caught, and nothing of the consulate's file (its name, the prison, the country) is
   on the page.

Every intake page is checked with axe-core (WCAG 2.1 AA) and for sideways scrolling at
360 px; screenshots go to ``test-results/intake/``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import (
    PASSWORD,
    axe_violations,
    field,
    format_violations,
    log_in,
    page_width,
    screenshot,
)

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "bypass_csp": True}
PRISON = "Centro Penitenciario Madrid VII"


def check(page: Page, name: str) -> None:
    """No axe violation, no sideways scrolling, and a screenshot to look at."""
    violations = axe_violations(page)
    assert not violations, f"{name}:\n" + format_violations(violations)
    scroll, viewport = page_width(page)
    assert scroll <= viewport, f"{name}: {scroll} px wide at a {viewport} px viewport"
    screenshot(page, f"intake/{name}")


@dataclass
class Desks:
    consul: Any
    coordinator: Any
    volunteer: Any
    colleague: Any  # a second volunteer of the same volunteer organisation
    nazorg: Any
    consulate: Any
    bureau: Any
    volunteers: Any
    aftercare: Any
    colleagues_trajectory: Any

    def actor(self, user: Any) -> Any:
        from estafette.core.actor import Actor

        membership = user.memberships.select_related("organisation").get()
        return Actor(user=user, organisation=membership.organisation, role=membership.role)


@pytest.fixture
def desks(_reference_data: None) -> Desks:
    """The first runners: a consulate in Spain, Bureau Buitenland with a regional desk and
    its volunteer organisation (two volunteers), and Arnhem's after-care desk. The
    colleague volunteer is already assigned to someone else."""
    from django.contrib.auth import get_user_model

    from estafette.core import clock
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
    from estafette.testing.consent import give_consent
    from estafette.trajectories.assignments import assignment_create
    from estafette.trajectories.models import AssignmentKind, Route
    from estafette.trajectories.services import trajectory_open

    spain = Country.objects.get(iso2="ES")
    aftercare = aftercare_desk_for(Municipality.objects.get(cbs_code="GM0202"))
    assert aftercare is not None
    consulate = Organisation.objects.create(
        name="Nederlandse ambassade Madrid",
        code="e2e-post-es",
        kind=OrganisationKind.CONSULAR_POST,
        country=spain,
    )
    root = Organisation.objects.create(
        name="Bureau Buitenland", code="e2e-bb", kind=OrganisationKind.BUREAU_BUITENLAND
    )
    bureau = Organisation.objects.create(
        name="Bureau Buitenland, regio Zuid-Europa",
        code="e2e-bb-zuid",
        kind=OrganisationKind.BB_REGIONAL_DESK,
        parent=root,
    )
    volunteers = Organisation.objects.create(
        name="Bureau Buitenland, bezoekvrijwilligers",
        code="e2e-bb-vrijwilligers",
        kind=OrganisationKind.VOLUNTEER_ORGANISATION,
        parent=root,
        volunteer_focus="visiting",
    )
    users = get_user_model().objects
    made = {}
    for username, first, last, organisation, role in (
        ("consul", "Constant", "Madrigal", consulate, Role.CONSULAR_OFFICER),
        ("coordinator", "Carla", "Zuidema", bureau, Role.REGIONAL_COORDINATOR),
        ("volunteer", "Vera", "Bezoek", volunteers, Role.VISITING_VOLUNTEER),
        ("colleague", "Victor", "Vrijwilliger", volunteers, Role.VISITING_VOLUNTEER),
        ("nazorg", "Nora", "Arendsen", aftercare, Role.AFTERCARE_COORDINATOR),
    ):
        user = users.create_user(username, password=PASSWORD, first_name=first, last_name=last)
        Membership.objects.create(user=user, organisation=organisation, role=role)
        totp_device(user)
        made[username] = user
    desks = Desks(
        consul=made["consul"],
        coordinator=made["coordinator"],
        volunteer=made["volunteer"],
        colleague=made["colleague"],
        nazorg=made["nazorg"],
        consulate=consulate,
        bureau=bureau,
        volunteers=volunteers,
        aftercare=aftercare,
        colleagues_trajectory=None,
    )
    # The colleague's person: guided by the regional desk, visited by the colleague.
    other = Person.objects.create(
        given_names="Otto", family_name="Anderman", date_of_birth=dt.date(1970, 6, 1)
    )
    coordinator = desks.actor(desks.coordinator)
    trajectory = trajectory_open(
        actor=coordinator,
        person=other,
        route=Route.ABROAD_BB,
        country=spain,
        detention_start=clock.today() - dt.timedelta(days=200),
    )
    give_consent(person=other, purpose_code="bb_guidance", recipient=volunteers)
    assignment_create(
        actor=coordinator,
        trajectory=trajectory,
        user=desks.colleague,
        kind=AssignmentKind.VISITING_VOLUNTEER,
    )
    desks.colleagues_trajectory = trajectory
    return desks


def find_then_register(page: Page, given: str, family: str, born: str) -> None:
    """Find before create: the search form, then "Register a new person"."""
    field(page, "Given names").fill(given)
    field(page, "Family name").fill(family)
    field(page, "Date of birth").fill(born)
    page.get_by_role("button", name="Look for the person").click()
    page.get_by_role("link", name="Register a new person").click()


def test_the_race_starts_from_the_interface(
    new_context: Callable[..., BrowserContext], desks: Desks
) -> None:
    from estafette.core import clock
    from estafette.handovers.models import Purpose
    from estafette.intake.models import Intake
    from estafette.people.models import Person
    from estafette.testing.consent import send_with_consent
    from estafette.trajectories.models import Assignment, Route, Trajectory

    arrested = (clock.today() - dt.timedelta(days=10)).isoformat()

    # 1. The consul registers the arrest on a phone.
    consul = new_context(**PHONE).new_page()
    log_in(consul, "consul")
    consul.goto("/intake/")
    check(consul, "1-consul-start")
    consul.get_by_role("link", name=re.compile("arrest notification", re.I)).click()
    check(consul, "2-consul-find")
    find_then_register(consul, "Jan Willem", "de Boer", "1990-04-12")
    check(consul, "3-consul-form")
    field(consul, "Country of detention").select_option(label="Spain")
    field(consul, "Place of detention").fill("Madrid")
    field(consul, "Prison").fill(PRISON)
    field(consul, "Date of arrest").fill(arrested)
    field(consul, "Number").fill("MAD-7781")
    consul.get_by_role("group", name=re.compile("consular assistance")).get_by_label("Yes").check()
    consul.get_by_role("group", name=re.compile("consent to registration")).get_by_label(
        "Yes"
    ).check()
    field(consul, "Contact person in the Netherlands").fill("Els de Boer")
    consul.get_by_role("button", name="Save the intake").click()
    consul.wait_for_url(re.compile(r"/trajectories/\d+/$"))
    check(consul, "4-consul-trajectory")
    trajectory = Trajectory.objects.get(person__family_name="de Boer")
    assert trajectory.route == Route.ABROAD_OWN
    assert trajectory.baton_holder == desks.consulate
    assert Intake.objects.get(trajectory=trajectory).registration_consent is True
    expect(consul.get_by_text("Jan Willem de Boer").first).to_be_visible()

    # 2. The consulate hands over to Bureau Buitenland; the coordinator takes the request.
    send_with_consent(
        actor=desks.actor(desks.consul),
        trajectory=trajectory,
        receiver=desks.bureau,
        purpose=Purpose.GUIDANCE,
        message="Vraagt om begeleiding door Bureau Buitenland.",
        data_classes=["identity", "detention"],
    )
    coordinator = new_context(bypass_csp=True).new_page()
    log_in(coordinator, "coordinator")
    coordinator.goto("/intake/")
    coordinator.get_by_role("link", name=re.compile("guidance request", re.I)).click()
    field(coordinator, "Given names").fill("jan willem")
    field(coordinator, "Family name").fill("de boer")
    field(coordinator, "Date of birth").fill("1990-04-12")
    coordinator.get_by_role("button", name="Look for the person").click()
    coordinator.get_by_role("link", name="Continue on this file").click()
    check(coordinator, "5-coordinator-guidance")
    for question in ("guidance agreement", "data", "volunteer"):
        coordinator.get_by_role("group", name=re.compile(question, re.I)).get_by_label(
            "Yes"
        ).check()
    field(coordinator, "Signed on").fill(clock.today().isoformat())
    coordinator.get_by_role("button", name="Save the intake").click()
    coordinator.wait_for_url(re.compile(rf"/trajectories/{trajectory.pk}/$"))
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == desks.bureau
    assert trajectory.route == Route.ABROAD_BB

    # ... and assigns the visiting volunteer by name.
    field(coordinator, "Part").select_option(label="visiting volunteer")
    worker = field(coordinator, "Worker")
    vera = worker.locator("option", has_text="Vera Bezoek").get_attribute("value")
    worker.select_option(value=vera)
    coordinator.get_by_role("button", name="Assign", exact=True).click()
    expect(
        coordinator.locator("#assign").get_by_role("listitem").filter(has_text="Vera Bezoek")
    ).to_be_visible()
    screenshot(coordinator, "intake/6-coordinator-assigned")
    assert Assignment.objects.filter(
        trajectory=trajectory, user=desks.volunteer, until__isnull=True
    ).exists()

    # 3. The volunteer sees this person, and only their own people.
    volunteer = new_context(**PHONE).new_page()
    log_in(volunteer, "volunteer")
    check(volunteer, "7-volunteer-caseload")
    expect(volunteer.get_by_role("link", name="Jan Willem de Boer", exact=True)).to_be_visible()
    # "Record a visit" is one tap from each of the volunteer's people.
    expect(volunteer.get_by_role("link", name=re.compile("Record a visit"))).to_be_visible()
    expect(volunteer.get_by_text("Otto Anderman")).to_have_count(0)
    response = volunteer.goto(f"/trajectories/{desks.colleagues_trajectory.pk}/")
    assert response is not None and response.status == 404
    expect(volunteer.get_by_text("Otto Anderman")).to_have_count(0)

    # 4. The coordinator finds the person by name from the header.
    coordinator.goto("/caseload/")
    search = coordinator.get_by_role("search")
    search.get_by_role("searchbox").fill("de Boer")
    search.get_by_role("searchbox").press("Enter")
    coordinator.wait_for_url(re.compile(r"/people/search/"))
    coordinator.get_by_role("link", name=re.compile("Jan Willem de Boer")).first.click()
    coordinator.wait_for_url(re.compile(rf"/trajectories/{trajectory.pk}/"))

    # 5. The after-care desk registers a walk-in who came back on their own.
    desk = new_context(**PHONE).new_page()
    log_in(desk, "nazorg")
    desk.goto("/intake/")
    desk.get_by_role("link", name=re.compile("turns up|walk", re.I)).first.click()
    find_then_register(desk, "Samira", "El Amrani", "1985-11-02")
    check(desk, "8-desk-walk-in-form")
    desk.get_by_label(re.compile("came to the desk on their own|self", re.I)).first.check()
    desk.get_by_role("group", name=re.compile("come back from", re.I)).get_by_label(
        re.compile("own strength", re.I)
    ).check()
    desk.get_by_role("group", name=re.compile("^Phase", re.I)).get_by_label(
        re.compile("return", re.I)
    ).check()
    desk.get_by_label(re.compile("consents to municipal after-care")).check()
    desk.get_by_role("button", name="Save the intake").click()
    desk.wait_for_url(re.compile(r"/trajectories/\d+/$"))
    walk_in = Trajectory.objects.get(person__family_name="El Amrani")
    assert walk_in.baton_holder == desks.aftercare

    # 6. A second registration of the consulate's person is caught, revealing nothing.
    people_before = Person.objects.count()
    desk.goto("/intake/")
    desk.get_by_role("link", name=re.compile("turns up|walk", re.I)).first.click()
    find_then_register(desk, "Jan Willem", "de Boer", "1990-04-12")
    desk.get_by_label(re.compile("came to the desk on their own|self", re.I)).first.check()
    desk.get_by_role("group", name=re.compile("come back from", re.I)).get_by_label(
        re.compile("own strength", re.I)
    ).check()
    desk.get_by_role("group", name=re.compile("^Phase", re.I)).get_by_label(
        re.compile("return", re.I)
    ).check()
    desk.get_by_role("button", name="Save the intake").click()
    expect(desk.get_by_role("alert").first).to_be_visible()
    check(desk, "9-desk-duplicate-caught")
    body = desk.content()
    for secret in (PRISON, "Madrid", "Nederlandse ambassade", "MAD-7781", "Els de Boer"):
        assert secret not in body, f"the duplicate's page reveals {secret!r}"
    assert Person.objects.count() == people_before
