"""Who looked at my file, for the person (/my/who-looked/ and its PDF; issue 13)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from estafette.access import person_log
from estafette.access.services import emergency_access_open
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import OrganisationKind, Role
from estafette.people.models import NetworkMember, Person
from estafette.portal import session_limits
from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind, subject_audit
from estafette.testing.auth import login_verified
from estafette.trajectories.models import Trajectory

from .helpers import bb_desk, client_for, consent_for, make_actor, make_org, open_file

pytestmark = pytest.mark.usefixtures("frozen_clock")

PAGE = "/my/who-looked/"
PDF = "/my/who-looked.pdf"
REASON = "Crisismelding vannacht; wij moeten de begeleider bereiken."


def signed_in(subject: Subject) -> Client:
    """A browser with ``subject`` signed in to the portal (no staff user)."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = subject.session_value()
    session_limits.start(session)
    session.save()
    return client


def person_subject(person: Person) -> Subject:
    return Subject(kind=SubjectKind.PERSON, person=person)


def contact_subject(person: Person) -> Subject:
    member = NetworkMember.objects.get(person=person, is_contact_person=True)
    return Subject(kind=SubjectKind.CONTACT_PERSON, person=person, member=member)


def english(client: Client, url: str) -> Any:
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def holder(db: None) -> Actor:
    return make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)


@pytest.fixture
def trajectory(holder: Actor) -> Trajectory:
    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    return trajectory


@pytest.fixture
def person(trajectory: Trajectory) -> Person:
    return trajectory.person


@pytest.fixture
def client(person: Person) -> Client:
    return signed_in(person_subject(person))


@pytest.fixture
def looked(holder: Actor, trajectory: Trajectory) -> Actor:
    """The holder opened the file today; a probation officer broke the glass; the contact
    person read what the person shares; Estafette itself swept; the person read their page."""
    client_for(holder).get(f"/trajectories/{trajectory.pk}/")
    stranger = make_actor(
        make_org(OrganisationKind.PROBATION, "Reclassering"), Role.PROBATION_OFFICER
    )
    emergency_access_open(actor=stranger, trajectory_pk=trajectory.pk, reason=REASON)
    subject_audit(contact_subject(trajectory.person), AuditAction.VIEW, object_type="portal.race")
    audit_record(
        actor=None,
        action=AuditAction.TRANSITION,
        object_type="consent.consent",
        person_id=trajectory.person_id,
        transition="expired",
    )
    subject_audit(person_subject(trajectory.person), AuditAction.VIEW, object_type="portal.race")
    return stranger


def test_the_person_reads_who_looked_in_sentences_by_organisation_and_date(
    client: Client, person: Person, holder: Actor, looked: Actor
) -> None:
    response = english(client, PAGE)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Who looked at my file" in html
    assert "March 2025" in html  # the month's heading
    assert (
        f"On 3 March 2025 {holder.organisation.name} (regional coordinator) looked at your file."
        in html
    )
    assert (
        f"On 3 March 2025 {looked.organisation.name} (probation officer) opened your file "
        "in an emergency." in html
    )
    assert "On 3 March 2025 your contact person looked at your file." in html
    # Never a staff member's name, never the reason given, never the offence.
    for secret in ("Medewerker", "Nummer", REASON):
        assert secret not in html
    # Neither Estafette's own sweep nor the person's own visits count as "someone looked".
    assert "Estafette, automatically" not in html
    # (Either would read as the contact person's: no organisation, no staff member.)
    assert html.count("your contact person") == 1
    assert "your contact person wrote" not in html


def test_reading_the_log_is_audited_and_never_shows_up_as_someone_looking(
    client: Client, person: Person
) -> None:
    english(client, PAGE)
    english(client, PAGE)
    html = english(client, PAGE).content.decode()

    reads = AuditEvent.objects.filter(
        person_id=person.pk, object_type="access.log", action=AuditAction.VIEW
    )
    assert reads.count() == 3
    assert all(entry.detail["subject"] == "person" and entry.user is None for entry in reads)
    # Only the holder's opening of the file is listed; nobody looked.
    assert "looked at your file.</li>" not in html
    assert "wrote or changed something in your file.</li>" in html


def test_the_newest_comes_first_with_a_heading_per_month(
    client: Client, holder: Actor, trajectory: Trajectory
) -> None:
    with clock.frozen(dt.date(2025, 1, 20)):
        client_for(holder).get(f"/trajectories/{trajectory.pk}/")
    client_for(holder).get(f"/trajectories/{trajectory.pk}/")

    html = english(client, PAGE).content.decode()

    assert html.index("March 2025") < html.index("January 2025")
    assert html.index("On 3 March 2025") < html.index("On 20 January 2025")


def test_the_page_is_bounded_by_days(
    client: Client, holder: Actor, trajectory: Trajectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(person_log, "DAYS_PER_PAGE", 2)
    for day in (dt.date(2025, 2, 26), dt.date(2025, 2, 27), dt.date(2025, 2, 28)):
        with clock.frozen(day):
            client_for(holder).get(f"/trajectories/{trajectory.pk}/")

    first = english(client, PAGE).content.decode()
    second = english(client, PAGE + "?page=2").content.decode()

    # Four days with entries (the file was opened today): two a page, newest first.
    assert "On 3 March 2025" in first and "On 28 February 2025" in first
    assert "On 27 February 2025" not in first
    assert "?page=2" in first
    assert "On 27 February 2025" in second and "On 26 February 2025" in second
    assert "On 3 March 2025" not in second


def test_the_page_takes_the_same_queries_for_one_day_or_thirty(
    client: Client,
    holder: Actor,
    trajectory: Trajectory,
    django_assert_max_num_queries: Any,
) -> None:
    client_for(holder).get(f"/trajectories/{trajectory.pk}/")
    with django_assert_max_num_queries(14) as one:
        assert client.get(PAGE).status_code == 200
    queries = len(one.captured_queries)  # now: the log of queries is a bounded ring
    viewer = client_for(holder)
    for n in range(1, 30):
        with clock.frozen(dt.date(2025, 3, 3) - dt.timedelta(days=n)):
            viewer.get(f"/trajectories/{trajectory.pk}/")
    with django_assert_max_num_queries(queries):
        assert client.get(PAGE).status_code == 200


def test_the_pdf_is_a_real_pdf_in_the_persons_language(
    client: Client, person: Person, holder: Actor, looked: Actor
) -> None:
    Person.objects.filter(pk=person.pk).update(language="en")
    response = client.get(PDF)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert person.full_name not in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Who looked at my file" in text
    assert person.full_name in text
    assert f"On 3 March 2025 {holder.organisation.name}" in text
    assert "opened your file in an emergency" in text
    assert "Medewerker" not in text and REASON not in text
    export = AuditEvent.objects.filter(
        person_id=person.pk, object_type="access.log", action=AuditAction.EXPORT
    ).get()
    assert export.detail["subject"] == "person"


def test_the_pdf_is_in_dutch_for_a_dutch_speaker_whatever_the_page_language(
    client: Client, person: Person, holder: Actor, looked: Actor
) -> None:
    Person.objects.filter(pk=person.pk).update(language="nl")
    text = pdf_text(english(client, PDF).content)

    assert (
        f"Op 3 maart 2025 keek {holder.organisation.name} (regiocoördinator) in uw dossier." in text
    )
    assert "Wie heeft mijn dossier bekeken" in text


def test_the_pdf_falls_back_to_the_page_language_and_can_be_chosen(
    client: Client, person: Person, looked: Actor
) -> None:
    Person.objects.filter(pk=person.pk).update(language="tr")
    assert "Who looked at my file" in pdf_text(english(client, PDF).content)
    assert "3 maart 2025" in pdf_text(client.get(PDF + "?lang=nl").content)


def test_a_contact_person_gets_404(person: Person, looked: Actor) -> None:
    contact = signed_in(contact_subject(person))

    assert contact.get(PAGE).status_code == 404
    assert contact.get(PDF).status_code == 404
    refusals = AuditEvent.objects.filter(person_id=person.pk, action=AuditAction.DENIED)
    assert refusals.count() == 2
    assert all(entry.detail["subject"] == "contact_person" for entry in refusals)


def test_no_subject_is_sent_to_sign_in_even_with_a_staff_session(holder: Actor) -> None:
    staff = Client()
    login_verified(staff, holder.user)
    for url in (PAGE, PDF):
        assert staff.get(url).status_code == 302
        assert "sign-in" in staff.get(url)["Location"]
        assert Client().get(url).status_code == 302
