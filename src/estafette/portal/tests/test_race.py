"""The person's race and the contact person's window on it (portal/race.py, portal/_race.html).

Real database, real rendering. The contact person's cases assert on the rendered include:
what a consent does not cover must not appear in the HTML at all.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from estafette.conditions.models import Condition, Status
from estafette.conditions.services import condition_record
from estafette.consent.models import Consent
from estafette.consent.services import consent_revoke
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditEvent
from estafette.demo.build import build
from estafette.handovers.models import Handover
from estafette.handovers.services import handover_accept
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.people.models import NetworkMember, Person, Relation
from estafette.portal import session_limits
from estafette.portal.race import (
    APPOINTMENTS,
    CALL,
    CONDITION_WORDS,
    CONDITIONS,
    HELPERS,
    NEXT,
    NOW,
    PART_WORDS,
    PART_WORDS_HOME_FRONT,
    SECTION_CLASSES,
    SECTIONS,
    STATUS_WORDS,
    Race,
    race_for,
    sections_for,
    shared_with_home_front,
)
from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent, withdrawal_heard
from estafette.testing.factories import HandoverFactory, OrganisationFactory, assign, make_actor
from estafette.trajectories.models import Participant, ParticipantRole, Phase, Trajectory

pytestmark = pytest.mark.django_db

OFFENCE = "Smokkel van verdovende middelen"
NEXT_STEP = "Intern: zus bellen over schuldeisers, niet met cliënt bespreken"


def render(race: Race) -> str:
    return render_to_string("portal/_race.html", {"race": race})


@pytest.fixture
def world(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    org_a: Organisation,
    org_b: Organisation,
    actor_a: Actor,
    actor_b: Actor,
) -> dict[str, Any]:
    """A full race: BB holds the baton, Arnhem's after-care committed, conditions recorded."""
    org_a.phone = "030 123 45 67"
    org_a.email = "oost@bureaubuitenland.example"
    org_a.street = "Stationsplein 1"
    org_a.postal_code = "3511 AA"
    org_a.city = "Utrecht"
    org_a.opening_hours = "ma–do 9:00–12:00"
    org_a.save()
    Trajectory.objects.filter(pk=trajectory.pk).update(
        offence=OFFENCE, next_step=NEXT_STEP, next_step_due=clock.today() + dt.timedelta(days=10)
    )
    trajectory.refresh_from_db()
    actor_a.user.first_name = "Sanne"
    actor_a.user.save()
    assign(actor_a, trajectory)
    condition_record(
        actor=actor_a, trajectory=trajectory, condition=Condition.ID, status=Status.ARRANGED
    )
    condition_record(
        actor=actor_a, trajectory=trajectory, condition=Condition.HOUSING, status=Status.OPEN
    )
    handover = cast(Handover, HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=org_b))
    handover_accept(actor=actor_b, handover=handover)
    volunteers = cast(
        Organisation,
        OrganisationFactory(
            name="Vrijwilligers Zuid-Europa", kind=OrganisationKind.VOLUNTEER_ORGANISATION
        ),
    )
    Participant.objects.create(
        trajectory=trajectory,
        organisation=volunteers,
        role=ParticipantRole.VISITING_VOLUNTEER,
        since=clock.today() - dt.timedelta(days=20),
    )
    embassy = cast(
        Organisation,
        OrganisationFactory(
            name="Nederlandse ambassade Madrid", kind=OrganisationKind.CONSULAR_POST
        ),
    )
    Participant.objects.create(
        trajectory=trajectory,
        organisation=embassy,
        role=ParticipantRole.CONSULAR_POST,
        since=clock.today() - dt.timedelta(days=200),
    )
    assign(make_actor(volunteers), trajectory)  # a volunteer whose first name is not known
    member = NetworkMember.objects.create(
        person=trajectory.person,
        name="Ilse de Zus",
        relation=Relation.SIBLING,
        is_contact_person=True,
        phone="06 11 22 33 44",
    )
    return {
        "trajectory": trajectory,
        "person": Subject(kind=SubjectKind.PERSON, person=trajectory.person),
        "contact": Subject(
            kind=SubjectKind.CONTACT_PERSON, person=trajectory.person, member=member
        ),
    }


NEVER_FOR_ANYONE = (OFFENCE, NEXT_STEP, "gedetineerde", "detainee", "offender")


def test_the_person_sees_the_whole_race_in_plain_words(world: dict[str, Any]) -> None:
    with translation.override("en"):
        race = race_for(subject=world["person"])
        html = render(race)
    assert race.sections == SECTIONS
    assert "Bureau Buitenland, regio Oost</strong> helps you now" in html
    assert "030 123 45 67" in html and 'href="tel:0301234567"' in html
    assert "Sanne, your coordinator at Bureau Buitenland, regio Oost" in html
    assert "Your visiting volunteer at Vrijwilligers Zuid-Europa" in html
    assert "Vrijwilligers Zuid-Europa (volunteers who visit)" not in html  # named once
    assert "Nederlandse ambassade Madrid (the embassy or consulate)" in html
    assert "Nazorg Arnhem (test) will help you when you are back." in html
    assert "Your ID card or passport" in html and "A place to live" in html
    assert "Still open" in html and "Arranged" in html
    # The travel papers of a way home from Spain, the release day and the next step's day.
    assert "Papers to travel home" in html
    release = world["trajectory"].release_on
    assert release.strftime("%B") in html and str(release.year) in html
    assert "The day you are free" in html
    assert "Bureau Buitenland, regio Oost plans the next step." in html
    for text in NEVER_FOR_ANYONE:
        assert text.lower() not in html.lower()


def test_the_person_reads_dates_in_dutch_words(world: dict[str, Any]) -> None:
    with translation.override("nl"):
        html = render(race_for(subject=world["person"]))
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
              "september", "oktober", "november", "december"]  # fmt: skip
    release = world["trajectory"].release_on
    assert f"{release.day} {months[release.month - 1]} {release.year}" in html


def contact_html(world: dict[str, Any]) -> tuple[Race, str]:
    with translation.override("en"):
        race = race_for(subject=world["contact"])
        return race, render(race)


def assert_nothing_of_detention_conditions_or_dates(world: dict[str, Any], html: str) -> None:
    trajectory = world["trajectory"]
    hidden = [
        *NEVER_FOR_ANYONE,
        "Spain",
        "Spanje",
        "Madrid",
        trajectory.detention_place,
        "ID card",
        "A place to live",
        "Health insurance",
        "Papers to travel home",
        "Arranged",
        "Still open",
        "Nazorg Arnhem",  # the next runner tells the phase
        "Sanne",
        str(trajectory.release_on.year),
        "<time",
    ]
    lowered = html.lower()
    for text in hidden:
        assert text.lower() not in lowered, text


def test_contact_person_without_consent_sees_only_who_to_call(world: dict[str, Any]) -> None:
    race, html = contact_html(world)
    assert race.sections == (CALL,)
    assert "Someone is helping" in html
    assert "Bureau Buitenland, regio Oost" in html and "030 123 45 67" in html
    assert_nothing_of_detention_conditions_or_dates(world, html)


def test_a_consent_to_another_purpose_does_not_open_the_window(world: dict[str, Any]) -> None:
    # The intake consent (guidance by BB) covers every class, but not the home front.
    assert Consent.objects.filter(person=world["trajectory"].person).exists()
    race, html = contact_html(world)
    assert race.sections == (CALL,)
    assert_nothing_of_detention_conditions_or_dates(world, html)


def test_contact_person_with_conditions_shared_sees_exactly_the_conditions(
    world: dict[str, Any], org_a: Organisation
) -> None:
    give_consent(
        person=world["trajectory"].person,
        purpose_code="contact_person",
        recipient=org_a,
        data_classes=[DataClass.IDENTITY, DataClass.NETWORK, DataClass.CONDITIONS],
    )
    race, html = contact_html(world)
    assert race.sections == (CALL, CONDITIONS)
    assert "Your ID card or passport" in html and "A place to live" in html
    # Travel papers would tell the person is abroad: not without the detention class.
    assert "Papers to travel home" not in html
    for text in (*NEVER_FOR_ANYONE, "Spain", "Madrid", "Nazorg Arnhem", "Sanne", "<time"):
        assert text not in html, text


def test_contact_person_with_detention_shared_sees_who_helps_and_the_dates(
    world: dict[str, Any], org_a: Organisation
) -> None:
    give_consent(
        person=world["trajectory"].person,
        purpose_code="contact_person",
        recipient=org_a,
        data_classes=[DataClass.IDENTITY, DataClass.DETENTION],
    )
    race, html = contact_html(world)
    assert race.sections == (CALL, HELPERS, NOW, NEXT, APPOINTMENTS)
    assert "Nazorg Arnhem (test) will help" in html
    assert "Sanne, coordinator at Bureau Buitenland, regio Oost" in html and "<time" in html
    assert "your coordinator" not in html.lower()  # Sanne is not the contact person's
    assert "A place to live" not in html
    for text in NEVER_FOR_ANYONE:
        assert text not in html


def test_withdrawal_removes_the_sections_at_once(
    world: dict[str, Any], org_a: Organisation, actor_a: Actor, frozen_clock: ClockControl
) -> None:
    consent = give_consent(
        person=world["trajectory"].person,
        purpose_code="contact_person",
        recipient=org_a,
        data_classes=[DataClass.IDENTITY, DataClass.CONDITIONS, DataClass.DETENTION],
    )
    race, html = contact_html(world)
    assert CONDITIONS in race.sections and "A place to live" in html
    consent_revoke(
        actor=actor_a, consent=consent, reason="Wil het zelf vertellen", **withdrawal_heard()
    )
    race, html = contact_html(world)
    assert race.sections == (CALL,)
    assert_nothing_of_detention_conditions_or_dates(world, html)


def test_a_consent_that_ended_shares_nothing(
    world: dict[str, Any], org_a: Organisation, frozen_clock: ClockControl
) -> None:
    give_consent(
        person=world["trajectory"].person,
        purpose_code="contact_person",
        recipient=org_a,
        data_classes=[DataClass.CONDITIONS],
        given_on=clock.today() - dt.timedelta(days=30),
        ends_on=clock.today() - dt.timedelta(days=1),
    )
    race, _ = contact_html(world)
    assert race.sections == (CALL,)


def test_every_section_has_a_data_class_or_is_the_call() -> None:
    assert set(SECTION_CLASSES) == set(SECTIONS)
    assert [s for s, c in SECTION_CLASSES.items() if c is None] == [CALL]
    assert SECTION_CLASSES[CONDITIONS] == DataClass.CONDITIONS
    # Nothing the home front sees is ever the offence, health or notes.
    assert not {DataClass.OFFENCE, DataClass.HEALTH, DataClass.NOTES} & set(
        SECTION_CLASSES.values()
    )


def test_every_call_is_audited_with_the_sections_never_the_content(
    world: dict[str, Any],
) -> None:
    before = AuditEvent.objects.count()
    race_for(subject=world["contact"])
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert event.action == "view" and event.object_type == "portal.race"
    assert event.person_id == world["trajectory"].person.pk
    assert event.detail["sections"] == [CALL]
    assert event.detail["subject"] == "contact_person"
    assert "Bureau" not in str(event.detail)


def test_nothing_running_is_said_kindly(world: dict[str, Any]) -> None:
    Trajectory.objects.filter(pk=world["trajectory"].pk).update(phase=Phase.CLOSED)
    with translation.override("en"):
        race = race_for(subject=world["person"])
        html = render(race)
    assert not race.running
    assert "Nothing is running now" in html
    assert "Bureau Buitenland" not in html


def test_one_race_costs_a_bounded_number_of_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        render(race_for(subject=world["person"]))
    with django_assert_max_num_queries(12):
        render(race_for(subject=world["contact"]))


# --- The bulk demo: every person, as themself and as their contact person ------------------
#
# The demo has gaps on purpose (people with only closed trajectories, no contact person,
# optional fields empty, organisations without contact details). The race must render for
# every one of them; the demo is never cleaned to make this pass.

DEMO_TODAY = dt.date(2026, 3, 2)
CONDITION_LABELS_EN = (
    "ID card or passport",
    "Money: work or a benefit",
    "Health insurance",
    "A place to live",
    "A plan for your debts",
    "Care and support",
    "Papers to travel home",
    "Money for the trip home",
)


GRANTS: tuple[tuple[str, ...], ...] = (
    (),
    (DataClass.IDENTITY, DataClass.NETWORK),
    (DataClass.IDENTITY, DataClass.CONDITIONS),
    (DataClass.IDENTITY, DataClass.DETENTION, DataClass.CONDITIONS, DataClass.NETWORK),
)
"""What the bulk check lets every n-th person share with their contact person (the demo
records one consent for the home front only, so without these nearly every window would be
the call)."""


def grant_home_front(person: Person, number: int) -> frozenset[str]:
    classes = GRANTS[number % len(GRANTS)]
    if classes:
        give_consent(
            person=person,
            purpose_code="contact_person",
            recipient_kind=OrganisationKind.BB_REGIONAL_DESK,
            data_classes=classes,
        )
    return frozenset(classes)


def render_every_race() -> dict[str, int]:
    """Render the race of every person of the database as themself and as their contact
    person (who gets a consent of :data:`GRANTS` in turn); check that a contact person sees
    exactly the sections the consent covers and nothing of a class it does not."""
    tally = {"people": 0, "running": 0, "contact_persons": 0, "contact_windows": 0}
    contacts = {
        member.person_id: member for member in NetworkMember.objects.filter(is_contact_person=True)
    }
    for person in Person.objects.order_by("pk").iterator(chunk_size=500):
        tally["people"] += 1
        with translation.override("en"):
            race = race_for(subject=Subject(kind=SubjectKind.PERSON, person=person))
            html = render(race)
        if race.running:
            tally["running"] += 1
            assert race.sections == SECTIONS
            assert race.helper is not None and escape(race.helper.name) in html
        else:
            assert "Nothing is running now" in html
        member = contacts.get(person.pk)
        if member is None:
            continue
        tally["contact_persons"] += 1
        subject = Subject(kind=SubjectKind.CONTACT_PERSON, person=person, member=member)
        # What the demo itself already shares with the home front (Sander Verhoeven's
        # sister, EXAMPLES.md), then one of GRANTS on top.
        already = shared_with_home_front(subject=subject)
        shared = already | grant_home_front(person, tally["contact_persons"])
        with translation.override("en"):
            contact_race = race_for(subject=subject)
            contact_view = render(contact_race)
        with translation.override("nl"):
            render(race_for(subject=subject))
        if not contact_race.running:
            continue
        assert shared_with_home_front(subject=subject) == shared
        assert contact_race.sections == sections_for(subject=subject, classes=shared)
        if len(contact_race.sections) > 1:
            tally["contact_windows"] += 1
        trajectory = (
            Trajectory.objects.filter(person=person)
            .exclude(phase=Phase.CLOSED)
            .select_related("country")
            .order_by("-opened_at", "-id")
            .first()
        )
        assert trajectory is not None
        if trajectory.offence:
            assert escape(trajectory.offence) not in contact_view
        if trajectory.next_step:
            assert escape(trajectory.next_step) not in contact_view
        if DataClass.CONDITIONS not in shared:
            for label in CONDITION_LABELS_EN:
                assert label not in contact_view, label
        if DataClass.DETENTION not in shared:
            assert "<time" not in contact_view
            for label in ("Papers to travel home", "Money for the trip home"):
                assert label not in contact_view
            if trajectory.detention_place:
                assert escape(trajectory.detention_place) not in contact_view
            if trajectory.country is not None:
                assert trajectory.country.name_en not in contact_view
                assert trajectory.country.name_nl not in contact_view
    return tally


def test_every_race_of_the_tiny_demo_renders() -> None:
    with clock.frozen(DEMO_TODAY):
        build(scale="tiny", seed=2025, say=lambda _: None)
        tally = render_every_race()
    assert tally["people"] > 100
    assert 0 < tally["running"] < tally["people"]  # some have only closed trajectories
    assert tally["contact_persons"] > 0 and tally["contact_windows"] > 0


@pytest.mark.crawl
def test_every_race_of_the_small_demo_renders() -> None:
    """The small demo (``manage.py demo --scale small``): thousands of people. Marked
    ``crawl`` so the quick suite leaves it out; run it on its own (docs/portal-race.md)."""
    with clock.frozen(DEMO_TODAY):
        build(scale="small", seed=2025, say=lambda _: None)
        tally = render_every_race()
    assert tally["people"] > 5000
    assert 0 < tally["running"] < tally["people"]
    assert tally["contact_persons"] > 0 and tally["contact_windows"] > 0


def sign_in_as(client: Client, subject: Subject) -> None:
    session = client.session
    session[SESSION_KEY] = subject.session_value()
    session_limits.start(session)
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_home_page_shows_the_race_and_less_at_once_after_a_withdrawal(
    client: Client, world: dict[str, Any], org_a: Organisation, actor_a: Actor
) -> None:
    consent = give_consent(
        person=world["trajectory"].person,
        purpose_code="contact_person",
        recipient=org_a,
        data_classes=[DataClass.IDENTITY, DataClass.CONDITIONS],
    )
    sign_in_as(client, world["contact"])
    with translation.override("en"):
        page = client.get(reverse("portal:home")).content.decode()
        assert "A place to live" in page
        consent_revoke(actor=actor_a, consent=consent, reason="Zegt het zelf", **withdrawal_heard())
        page = client.get(reverse("portal:home")).content.decode()
    assert "A place to live" not in page
    assert "Bureau Buitenland, regio Oost" in page
    assert_nothing_of_detention_conditions_or_dates(world, page)


def test_in_dutch_no_english_sentence_is_left(world: dict[str, Any], org_a: Organisation) -> None:
    give_consent(
        person=world["trajectory"].person,
        purpose_code="contact_person",
        recipient=org_a,
        data_classes=[DataClass.IDENTITY, DataClass.DETENTION, DataClass.CONDITIONS],
    )
    english = (
        " you",
        "You ",
        "Who ",
        " helps",
        "Still",
        "Arranged",
        "Not known",
        " next",
        "The day",
        "When:",
        " at ",
        "Also ",
        "Someone",
        "Phone",
        "Address",
        "Money",
        "Papers",
    )
    for subject in (world["person"], world["contact"]):
        with translation.override("nl"):
            html = render(race_for(subject=subject))
        text = re.sub(r"<[^>]+>", " ", html)
        for word in english:
            assert word not in text, (subject.kind, word)
    for words in (CONDITION_WORDS, STATUS_WORDS, PART_WORDS, PART_WORDS_HOME_FRONT):
        for value in words.values():
            with translation.override("nl"):
                dutch = str(value)
            with translation.override("en"):
                assert dutch != str(value) or dutch in {"mentor", "buddy"}
