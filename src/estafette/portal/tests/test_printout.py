"""The person's own pages on paper (portal/printout.py, printout_views.py; decision 0020).

Real database, real WeasyPrint: every PDF is opened with pypdf and its text read back.
The fixture gives the trajectory an offence and a colleagues' next step, and the plan an
own wish, a proposal and an answer: the paper shows the person's pages, never the rest.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from estafette.conditions.models import Condition, Status
from estafette.conditions.services import condition_record
from estafette.consent.models import Consent
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction, AuditEvent
from estafette.demo.build import build
from estafette.organisations.models import Organisation, Role
from estafette.people.models import NetworkMember, Person, Relation
from estafette.personal_plan.models import Answer, StepOwner
from estafette.personal_plan.services import (
    own_step_add,
    own_words_write,
    proposal_answer,
    step_propose,
)
from estafette.portal import session_limits
from estafette.portal.printout import (
    PRINTOUT_OBJECT,
    printout_for_person,
    printout_pdf,
)
from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent
from estafette.testing.factories import assign
from estafette.trajectories.models import Phase, Trajectory

pytestmark = pytest.mark.django_db

OFFENCE = "Smokkel van verdovende middelen"
NEXT_STEP = "Intern: zus bellen over schuldeisers, niet met cliënt bespreken"
WISH = "Ik wil weer bij mijn dochter in de buurt wonen"
OWN_STEP = "Mijn ID-kaart ophalen bij de balie"
PROPOSAL = "Afspraak maken met de woningcorporatie"
COMMENT = "Liever in de ochtend"

DEMO_TODAY = dt.date(2026, 3, 2)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def world(
    frozen_clock: ClockControl, trajectory: Trajectory, actor_a: Actor, org_a: Organisation
) -> dict[str, Any]:
    """A running race held by org_a, with an offence and a next step colleagues wrote, a
    plan with the person's words, their own step and a proposal they answered, a consent,
    and a staff member who looked at the file."""
    org_a.phone = "030 123 45 67"
    org_a.save()
    Trajectory.objects.filter(pk=trajectory.pk).update(
        offence=OFFENCE, next_step=NEXT_STEP, next_step_due=clock.today() + dt.timedelta(days=10)
    )
    trajectory.refresh_from_db()
    person = trajectory.person
    Person.objects.filter(pk=person.pk).update(language="en")
    person.refresh_from_db()
    actor_a.user.first_name = "Sanne"
    actor_a.user.save()
    assign(actor_a, trajectory)
    condition_record(
        actor=actor_a, trajectory=trajectory, condition=Condition.ID, status=Status.ARRANGED
    )
    condition_record(
        actor=actor_a, trajectory=trajectory, condition=Condition.HOUSING, status=Status.OPEN
    )
    subject = Subject(kind=SubjectKind.PERSON, person=person)
    own_words_write(subject=subject, words={"want": WISH})
    own_step_add(subject=subject, text=OWN_STEP)
    proposal = step_propose(
        actor=actor_a, trajectory=trajectory, text=PROPOSAL, owner=StepOwner.PERSON
    )
    proposal_answer(subject=subject, step_id=proposal.pk, answer=Answer.COMMENT, comment=COMMENT)
    consent = give_consent(
        person=person,
        purpose_code="contact_person",
        recipient=org_a,
        data_classes=[DataClass.IDENTITY, DataClass.CONDITIONS],
    )
    member = NetworkMember.objects.create(
        person=person,
        name="Ilse de Zus",
        relation=Relation.SIBLING,
        is_contact_person=True,
        phone="06 11 22 33 44",
    )
    staff(actor_a).get(reverse("trajectory-detail", kwargs={"pk": trajectory.pk}))
    return {
        "trajectory": trajectory,
        "person": subject,
        "consent": consent,
        "contact": Subject(kind=SubjectKind.CONTACT_PERSON, person=person, member=member),
    }


def staff(actor: Actor) -> Client:
    client = Client()
    login_verified(client, actor.user)
    return client


def signed_in(subject: Subject, language: str = "nl") -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = subject.session_value()
    session_limits.start(session)
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def staff_url(trajectory: Trajectory) -> str:
    return reverse("person-printout", kwargs={"pk": trajectory.pk})


NEVER_ON_PAPER = (OFFENCE, NEXT_STEP, "gedetineerde", "detainee", "offender", "Vrijwilliger Jansen")


def assert_never_on_paper(text: str) -> None:
    for phrase in NEVER_ON_PAPER:
        assert phrase.lower() not in text.lower(), phrase


def test_the_person_prints_their_own_pages_in_english(world: dict[str, Any]) -> None:
    response = signed_in(world["person"], "nl").get(reverse("portal:print"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="my-return-en.pdf"'
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    text = pdf_text(response.content)
    # The person's language (en) wins over the page's (nl).
    for heading in ("My return on paper", "My race", "My plan", "My consents"):
        assert heading in text, heading
    assert "Who looked at my file" in text
    assert "Printed on 3 March 2025" in text
    assert "Printed by" not in text  # the person printed it themself
    assert "Bureau Buitenland, regio Oost helps you now." in text
    assert "Sanne, your coordinator at Bureau Buitenland, regio Oost" in text
    assert "030 123 45 67" in text
    assert "Your ID card or passport" in text and "A place to live" in text
    assert WISH in text and OWN_STEP in text and PROPOSAL in text and COMMENT in text
    assert "Your own wish" in text and "Proposed by Bureau Buitenland, regio Oost" in text
    assert "Your answer: I have a comment" in text
    assert "Contact with your contact person at home" in text
    assert "looked at your file" in text and "Bureau Buitenland, regio Oost" in text
    assert "Page 1 of" in text
    assert_never_on_paper(text)


def test_in_dutch_and_the_language_can_be_chosen(world: dict[str, Any]) -> None:
    client = signed_in(world["person"], "en")
    text = pdf_text(client.get(reverse("portal:print") + "?lang=nl").content)
    for heading in ("Mijn terugkeer op papier", "Mijn plan", "Mijn toestemmingen"):
        assert heading in text, heading
    assert "Geprint op 3 maart 2025" in text
    assert "Pagina 1 van" in text
    assert "My race" not in text and "Who helps you now" not in text
    assert_never_on_paper(text)
    # The person's own language where the product has it; else the page's.
    Person.objects.filter(pk=world["person"].person.pk).update(language="ar")
    response = client.get(reverse("portal:print"))
    assert response["Content-Disposition"] == 'inline; filename="my-return-en.pdf"'
    Person.objects.filter(pk=world["person"].person.pk).update(language="nl")
    response = client.get(reverse("portal:print"))
    assert response["Content-Disposition"] == 'inline; filename="my-return-nl.pdf"'


def test_the_persons_print_is_audited_once_without_content(world: dict[str, Any]) -> None:
    before = AuditEvent.objects.count()
    signed_in(world["person"]).get(reverse("portal:print"))
    entries = list(AuditEvent.objects.order_by("id")[before:])
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == AuditAction.EXPORT and entry.object_type == PRINTOUT_OBJECT
    assert entry.user_id is None and entry.person_id == world["person"].person.pk
    assert entry.detail["subject"] == "person"
    assert "race" in entry.detail["sections"] and "race.conditions" in entry.detail["sections"]
    flat = str(entry.detail)
    for content in (WISH, OWN_STEP, PROPOSAL, COMMENT, "A place to live"):
        assert content not in flat


def test_a_contact_person_has_no_printout(world: dict[str, Any]) -> None:
    response = signed_in(world["contact"]).get(reverse("portal:print"))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, detail__subject="contact_person"
    ).exists()
    with pytest.raises(Exception) as refused:
        printout_for_person(subject=world["contact"], language="en")
    assert type(refused.value).__name__ == "Http404"


def test_no_subject_goes_to_sign_in(world: dict[str, Any], actor_a: Actor) -> None:
    assert Client().get(reverse("portal:print")).status_code == 302
    # A staff session is never the person.
    response = staff(actor_a).get(reverse("portal:print"))
    assert response.status_code == 302 and reverse("portal:sign-in") in response["Location"]


def test_the_holder_prints_the_persons_pages_to_hand_over(
    world: dict[str, Any], actor_a: Actor
) -> None:
    trajectory = world["trajectory"]
    client = staff(actor_a)
    details = client.get(reverse("person-details", kwargs={"pk": trajectory.pk}))
    assert staff_url(trajectory) in details.content.decode()
    before = AuditEvent.objects.count()
    response = client.get(staff_url(trajectory))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Printed by Bureau Buitenland, regio Oost, 030 123 45 67" in text
    assert "My race" in text and WISH in text and PROPOSAL in text
    assert_never_on_paper(text)
    entries = list(AuditEvent.objects.order_by("id")[before:])
    assert len(entries) == 1  # the export, not a view per part
    entry = entries[0]
    assert entry.action == AuditAction.EXPORT and entry.object_type == PRINTOUT_OBJECT
    assert entry.user_id == actor_a.user.pk and entry.organisation_id == actor_a.organisation.pk
    assert entry.person_id == trajectory.person_id
    assert entry.detail["trajectory_id"] == trajectory.pk and entry.detail["language"] == "en"
    assert WISH not in str(entry.detail)
    # The person reads it in who looked at my file.
    again = pdf_text(signed_in(world["person"]).get(reverse("portal:print")).content)
    assert "Bureau Buitenland, regio Oost" in again


def test_the_professionals_print_follows_the_persons_language(
    world: dict[str, Any], actor_a: Actor
) -> None:
    Person.objects.filter(pk=world["person"].person.pk).update(language="nl")
    client = staff(actor_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = pdf_text(client.get(staff_url(world["trajectory"])).content)
    assert "Mijn terugkeer op papier" in text and "Geprint door" in text
    text = pdf_text(client.get(staff_url(world["trajectory"]) + "?lang=en").content)
    assert "My return on paper" in text


def test_an_organisation_without_a_part_gets_not_found(
    world: dict[str, Any], org_c: Organisation, actor_for: Callable[..., Actor]
) -> None:
    stranger = actor_for(org_c, Role.LANDING_PLACE_WORKER)
    assert staff(stranger).get(staff_url(world["trajectory"])).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, user=stranger.user).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT, user=stranger.user).exists()


@pytest.mark.parametrize("role", [Role.PARTNER_WORKER])
def test_a_role_that_hands_no_codes_is_refused(
    world: dict[str, Any], org_a: Organisation, actor_for: Callable[..., Actor], role: str
) -> None:
    actor = actor_for(org_a, role)
    client = staff(actor)
    trajectory = world["trajectory"]
    details = client.get(reverse("person-details", kwargs={"pk": trajectory.pk}))
    assert details.status_code == 200
    assert staff_url(trajectory) not in details.content.decode()
    assert client.get(staff_url(trajectory)).status_code == 403
    refusal = AuditEvent.objects.get(action=AuditAction.DENIED, user=actor.user)
    assert refusal.object_type == PRINTOUT_OBJECT and refusal.person_id == trajectory.person_id
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT, user=actor.user).exists()


def test_an_administrator_is_refused(
    world: dict[str, Any], org_a: Organisation, actor_for: Callable[..., Actor]
) -> None:
    admin = actor_for(org_a, Role.ORGANISATION_ADMIN)
    assert staff(admin).get(staff_url(world["trajectory"])).status_code in (403, 404)
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT, user=admin.user).exists()


def test_only_from_the_running_file(world: dict[str, Any], actor_a: Actor) -> None:
    trajectory = world["trajectory"]
    Trajectory.objects.filter(pk=trajectory.pk).update(phase=Phase.CLOSED)
    response = staff(actor_a).get(staff_url(trajectory))
    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT, user=actor_a.user).exists()


def test_a_person_with_nothing_running_still_gets_their_paper(
    world: dict[str, Any],
) -> None:
    Trajectory.objects.filter(pk=world["trajectory"].pk).update(phase=Phase.CLOSED)
    text = pdf_text(signed_in(world["person"]).get(reverse("portal:print")).content)
    assert "Nothing is running now" in text and WISH in text
    assert "Bureau Buitenland, regio Oost helps you now" not in text
    assert_never_on_paper(text)


def test_the_consent_receipt_follows_the_persons_language(
    world: dict[str, Any], actor_a: Actor
) -> None:
    """The professional's consent receipt without ?lang: the person's language (en here)
    over the page's (nl); ?lang still chooses; a language the product lacks: the page's."""
    person = world["person"].person
    client = staff(actor_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    url = reverse("consent-receipt", kwargs={"person_pk": person.pk})
    response = client.get(url)
    assert "-en.pdf" in response["Content-Disposition"]
    assert "Your consents" in pdf_text(response.content)
    response = client.get(url + "?lang=nl")
    assert "-nl.pdf" in response["Content-Disposition"]
    assert "Your consents" not in pdf_text(response.content)
    Person.objects.filter(pk=person.pk).update(language="tr")
    response = client.get(url)
    assert "-nl.pdf" in response["Content-Disposition"]
    assert "Your consents" not in pdf_text(response.content)


def test_every_section_survives_a_sample_of_the_tiny_demo() -> None:
    """A seeded sample of the bulk tiny demo: every paper renders in both languages, and
    none shows a running file's offence or next step."""
    with clock.frozen(DEMO_TODAY):
        build(scale="tiny", seed=2025, say=lambda _: None)
        people = list(Person.objects.order_by("pk"))
        sample = random.Random(13).sample(people, min(25, len(people)))
        running = 0
        for person in sample:
            subject = Subject(kind=SubjectKind.PERSON, person=person)
            for language in ("nl", "en"):
                printout = printout_for_person(subject=subject, language=language)
                text = pdf_text(printout_pdf(printout))
                assert "Estafette" in text
                running += printout.race.running
                for trajectory in Trajectory.objects.filter(person=person):
                    for secret in (trajectory.offence, trajectory.next_step):
                        if secret and len(secret) > 12:
                            assert " ".join(secret.split()) not in text, secret
    assert running > 0
    with translation.override("en"):
        assert Consent.objects.exists()
