"""The contact person's page /my/home-front/ (portal/home_front_views.py): real requests, real
rendering; what a consent does not cover must not be in the HTML."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from estafette.consent.services import consent_revoke
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.organisations.selectors import aftercare_desk_for
from estafette.people.models import NetworkMember, Person, Relation
from estafette.portal import session_limits
from estafette.portal.home_front import home_front_message_send
from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent, withdrawal_heard
from estafette.testing.factories import TrajectoryFactory, make_actor
from estafette.testing.views import client_for
from estafette.trajectories.models import EventKind, ParticipantRole, Trajectory, TrajectoryEvent
from estafette.trajectories.services import participant_add

pytestmark = pytest.mark.django_db

PAGE = "/my/home-front/"
MESSAGE = "/my/home-front/message/"
CHILDREN = "/my/home-front/children/"
WORDS = "Zijn oude kamer is klaar. Hij kan de eerste nachten bij mij slapen."


def contact_of(person: Person, name: str = "Ilse") -> Subject:
    member = NetworkMember.objects.create(
        person=person, name=name, relation=Relation.SIBLING, is_contact_person=True
    )
    return Subject(kind=SubjectKind.CONTACT_PERSON, person=person, member=member)


def signed_in(subject: Subject) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = subject.session_value()
    session_limits.start(session)
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def contact(trajectory: Trajectory) -> Subject:
    return contact_of(trajectory.person)


@pytest.fixture
def desk(arnhem: Any) -> Organisation:
    found = aftercare_desk_for(arnhem)
    assert found is not None
    found.phone = "026 377 49 11"
    found.opening_hours = "ma–vr 9:00–17:00"
    found.save()
    return found


def share(person: Person, org: Organisation, *classes: str) -> Any:
    return give_consent(
        person=person,
        purpose_code="contact_person",
        recipient=org,
        data_classes=[DataClass.IDENTITY, *classes],
    )


def test_urls_are_named() -> None:
    assert reverse("portal:home-front") == PAGE
    assert reverse("portal:home-front-message") == MESSAGE
    assert reverse("portal:home-front-child") == CHILDREN


def test_without_a_subject_the_page_sends_to_sign_in(db: None) -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"] == reverse("portal:sign-in")


def test_the_person_themself_gets_404_with_no_hint(trajectory: Trajectory) -> None:
    person = Subject(kind=SubjectKind.PERSON, person=trajectory.person)
    client = signed_in(person)
    for response in (
        client.get(PAGE),
        client.post(MESSAGE, {"text": "Hallo"}),
        client.post(CHILDREN, {"name": "Noor"}),
    ):
        assert response.status_code == 404
    assert not TrajectoryEvent.objects.filter(kind=EventKind.HOME_FRONT_MESSAGE).exists()
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DENIED, object_type="portal.page", person_id=trajectory.person_id
        ).count()
        == 3
    )


def test_the_home_page_links_the_contact_person_to_the_page(
    contact: Subject, trajectory: Trajectory
) -> None:
    with translation.override("en"):
        page = html(signed_in(contact).get(reverse("portal:home")))
        person_page = html(
            signed_in(Subject(kind=SubjectKind.PERSON, person=trajectory.person)).get(
                reverse("portal:home")
            )
        )
    assert PAGE in page and "For the home front" in page
    assert PAGE not in person_page


def test_the_page_gives_advice_and_finds_the_desk_in_general_words_without_consent(
    contact: Subject, desk: Organisation, trajectory: Trajectory
) -> None:
    with translation.override("en"):
        response = signed_in(contact).get(PAGE)
    page = html(response)
    assert response.status_code == 200
    assert "A place to sleep." in page and "Money for the first days." in page
    assert "after-care desk of the municipality" in page and "nazorg" in page
    assert desk.name not in page and "026 377 49 11" not in page
    assert "Arnhem" not in page  # the municipality is detention data
    assert "has not agreed to this yet" in page  # children: the person must agree first
    assert 'name="name"' not in page  # and no form to save them
    assert trajectory.offence not in page or not trajectory.offence
    for word in ("gedetineerde", "detainee", "offender", "ex-con"):
        assert word not in page.lower()


def test_with_consent_the_desk_is_named_and_after_withdrawal_it_is_gone(
    contact: Subject, desk: Organisation, org_a: Organisation, actor_a: Actor
) -> None:
    consent = share(contact.person, org_a, DataClass.DETENTION, DataClass.NETWORK)
    client = signed_in(contact)
    with translation.override("en"):
        page = html(client.get(PAGE))
        assert desk.name in page and "tel:0263774911" in page and "ma–vr 9:00–17:00" in page
        assert 'name="name"' in page  # children can be registered
        consent_revoke(actor=actor_a, consent=consent, reason="Zegt het zelf", **withdrawal_heard())
        page = html(client.get(PAGE))
    assert desk.name not in page and "026 377 49 11" not in page
    assert 'name="name"' not in page


def test_the_message_is_sent_without_javascript_and_read_by_the_holder(
    contact: Subject, trajectory: Trajectory, actor_a: Actor
) -> None:
    client = signed_in(contact)
    with translation.override("en"):
        response = client.post(MESSAGE, {"text": WORDS})
        assert response.status_code == 302 and response["Location"] == PAGE
        assert "Your message is sent" in html(client.get(PAGE))
        staff = html(
            client_for(actor_a).get(f"/trajectories/{trajectory.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        )
    assert "Message from the contact person" in staff
    assert "Zijn oude kamer is klaar." in staff
    assert "the contact person (home front)" in staff


def test_an_organisation_without_the_network_class_does_not_read_the_message(
    contact: Subject, trajectory: Trajectory, actor_a: Actor
) -> None:
    landing = Organisation.objects.create(
        name="Landingsplaats Het Anker", code="anker", kind=OrganisationKind.LANDING_PLACE
    )
    participant_add(
        actor=actor_a, trajectory=trajectory, organisation=landing, role=ParticipantRole.OTHER
    )
    give_consent(
        person=trajectory.person,
        purpose_code="partner_sharing",
        recipient=landing,
        data_classes=[DataClass.IDENTITY, DataClass.CONDITIONS],
    )
    home_front_message_send(subject=contact, text=WORDS)
    with translation.override("en"):
        response = client_for(make_actor(landing)).get(f"/trajectories/{trajectory.pk}/")
    assert response.status_code == 200
    assert "Zijn oude kamer" not in html(response)


@pytest.mark.parametrize(
    ("text", "sentence"),
    [("", "Write your message first."), ("x" * 1001, "Your message is too long.")],
)
def test_a_bad_message_comes_back_with_a_sentence(
    contact: Subject, text: str, sentence: str
) -> None:
    with translation.override("en"):
        response = signed_in(contact).post(MESSAGE, {"text": text})
    assert response.status_code == 400 and sentence in html(response)
    assert not TrajectoryEvent.objects.filter(kind=EventKind.HOME_FRONT_MESSAGE).exists()


def test_too_many_messages_come_back_calmly(contact: Subject, frozen_clock: ClockControl) -> None:
    client = signed_in(contact)
    for n in range(5):
        assert client.post(MESSAGE, {"text": f"Bericht {n}"}).status_code == 302
    with translation.override("en"):
        response = client.post(MESSAGE, {"text": "Nog een"})
        assert response.status_code == 409 and "That is the most for one day" in html(response)
        assert "You sent the most messages for today" in html(client.get(PAGE))


def test_a_child_is_refused_on_the_page_without_consent(contact: Subject) -> None:
    with translation.override("en"):
        response = signed_in(contact).post(CHILDREN, {"name": "Noor", "birth_year": "2016"})
    assert response.status_code == 403
    assert "has not agreed yet" in html(response) and "Nothing was saved" in html(response)
    assert not NetworkMember.objects.filter(is_minor=True).exists()


def test_a_child_is_saved_with_consent_and_shown_to_the_holder(
    contact: Subject, org_a: Organisation, actor_a: Actor, trajectory: Trajectory
) -> None:
    share(contact.person, org_a, DataClass.NETWORK)
    client = signed_in(contact)
    with translation.override("en"):
        response = client.post(
            CHILDREN, {"name": "Noor", "birth_year": "2016", "cared_for_by": "oma Ria"}
        )
        assert response.status_code == 302
        page = html(client.get(PAGE))
        assert "Noor (born in 2016) — cared for by: oma Ria" in page
        staff = html(
            client_for(actor_a).get(f"/trajectories/{trajectory.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        )
    assert "Noor (child) added by the contact person" in staff
    assert "(recorded by the contact person)" in staff


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"name": ""}, "Write the child&#x27;s first name."),
        ({"name": "Noor", "birth_year": "2099"}, "Write a year of birth between"),
        ({"name": "Noor", "birth_year": "twintig"}, "Write the year as four digits"),
        ({"name": "x" * 81}, "Ensure this value has at most 80 characters"),
    ],
)
def test_a_bad_child_comes_back_with_a_sentence(
    contact: Subject, org_a: Organisation, fields: dict[str, str], sentence: str
) -> None:
    share(contact.person, org_a, DataClass.NETWORK)
    with translation.override("en"):
        response = signed_in(contact).post(CHILDREN, fields)
    assert response.status_code == 400 and sentence in html(response)
    assert not NetworkMember.objects.filter(is_minor=True).exists()


def test_the_contact_person_of_another_person_never_reaches_this_one(
    contact: Subject, trajectory: Trajectory, actor_a: Actor, org_a: Organisation
) -> None:
    other = TrajectoryFactory(actor=actor_a)
    other_contact = contact_of(other.person, name="Karin")  # type: ignore[attr-defined]
    share(other.person, org_a, DataClass.NETWORK, DataClass.DETENTION)  # type: ignore[attr-defined]
    client = signed_in(other_contact)
    client.post(MESSAGE, {"text": "Voor mijn eigen broer"})
    client.post(CHILDREN, {"name": "Noor"})
    page = html(client.get(PAGE))
    assert not TrajectoryEvent.objects.filter(
        trajectory=trajectory, kind__in=(EventKind.HOME_FRONT_MESSAGE, EventKind.HOME_FRONT_CHILD)
    ).exists()
    assert not NetworkMember.objects.filter(person=trajectory.person, is_minor=True).exists()
    assert trajectory.person.given_names not in page


def test_the_page_reads_in_a_bounded_number_of_queries(
    contact: Subject,
    org_a: Organisation,
    desk: Organisation,
    django_assert_max_num_queries: Any,
) -> None:
    share(contact.person, org_a, DataClass.NETWORK, DataClass.DETENTION)
    client = signed_in(contact)
    client.post(CHILDREN, {"name": "Noor"})
    with django_assert_max_num_queries(16) as few:
        assert client.get(PAGE).status_code == 200
    first = len(few.captured_queries)
    assert first > 0
    for n in range(6):
        client.post(CHILDREN, {"name": f"Kind {n}"})
    with django_assert_max_num_queries(first):
        assert client.get(PAGE).status_code == 200


def test_in_dutch_the_page_leaves_no_english_sentence(
    contact: Subject, org_a: Organisation, desk: Organisation
) -> None:
    share(contact.person, org_a, DataClass.NETWORK, DataClass.DETENTION)
    client = signed_in(contact)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    with translation.override("nl"):
        page = html(client.get(PAGE))
    assert "Voor het thuisfront" in page and "Het nazorgloket voor" in page
    for english in ("A place to sleep", "Send the message", "First name of the child", " the "):
        assert english not in page, english
