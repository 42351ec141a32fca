"""The person's own consents (/my/consents/): read in plain words, ask to withdraw one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from estafette.consent import messages
from estafette.consent.models import Consent, ConsentNotice, NoticeKind
from estafette.consent.services import consent_disclose, consent_withdraw_by_person
from estafette.consent.tests.helpers import TODAY
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.errors import NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation
from estafette.people.models import NetworkMember, Person, Relation
from estafette.portal import session_limits
from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind
from estafette.testing.auth import login_verified
from estafette.testing.consent import give_consent
from estafette.trajectories.models import Trajectory

LIST = "/my/consents/"


def withdraw_url(consent: Consent) -> str:
    return f"/my/consents/{consent.pk}/withdraw/"


def as_person(person: Person) -> Subject:
    return Subject(kind=SubjectKind.PERSON, person=person)


def as_contact_person(person: Person) -> Subject:
    member = NetworkMember.objects.create(
        person=person, name="Mieke", relation=Relation.SIBLING, is_contact_person=True
    )
    return Subject(kind=SubjectKind.CONTACT_PERSON, person=person, member=member)


def signed_in(subject: Subject) -> Client:
    """A browser with ``subject`` signed in to the portal (no staff user)."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = subject.session_value()
    session_limits.start(session)  # the portal's short session starts at sign-in
    session.save()
    return client


def english(client: Client, url: str, **kwargs: Any) -> Any:
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **kwargs)


@pytest.fixture
def consent(
    record: Callable[..., Consent], trajectory: Trajectory, aftercare: Organisation
) -> Consent:
    """An after-care consent (by kind), in force since today, until 30 June 2025."""
    return record(ends_on=dt.date(2025, 6, 30))


@pytest.fixture
def client(person: Person) -> Client:
    return signed_in(as_person(person))


def test_the_person_reads_each_consent_in_plain_words(
    client: Client, person: Person, consent: Consent, bb: Organisation
) -> None:
    ended = give_consent(
        person=person,
        purpose_code="volunteer_visits",
        recipient=bb,
        given_on=dt.date(2024, 1, 10),
        ends_on=dt.date(2024, 12, 31),
    )
    response = english(client, LIST)
    html = response.content.decode()

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert "My consents" in html
    # What it allows (the purpose's plain description), to whom, from when until when, state.
    assert consent.purpose.description_en in html
    with translation.override("en"):
        assert consent.recipient_label in html  # "an organisation of the kind …"
    assert bb.name in html
    assert "3 March 2025" in html
    assert "30 June 2025 (this day included)" in html
    assert "In force. This information may be shared for this purpose." in html
    assert "Ended after 31 December 2024" in html
    # A way to withdraw the one in force, none for the ended one.
    assert withdraw_url(consent) in html
    assert withdraw_url(ended) not in html
    entry = AuditEvent.objects.filter(person_id=person.pk, action=AuditAction.VIEW).latest("id")
    assert entry.user is None
    assert entry.detail["subject"] == "person"
    assert entry.detail["what"] == "mine"
    assert entry.detail["count"] == 2


def test_the_page_is_in_dutch_by_default(client: Client, consent: Consent) -> None:
    html = client.get(LIST).content.decode()

    assert consent.purpose.description_nl in html
    assert "3 maart 2025" in html


def test_what_was_shared_is_listed_with_whom_and_when(
    client: Client, consent: Consent, coordinator: Actor, aftercare: Organisation
) -> None:
    consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=[DataClass.IDENTITY]
    )
    html = english(client, LIST).content.decode()

    assert "What was shared under this consent" in html
    assert f"On 3 March 2025 with {aftercare.name}:" in html


def test_the_confirm_step_says_what_will_happen_and_whom_we_tell(
    client: Client, consent: Consent, bb: Organisation
) -> None:
    response = english(client, withdraw_url(consent))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Withdraw this consent?" in html
    assert "What will happen" in html
    assert "We tell these organisations at once:" in html
    assert bb.name in html  # the holder of the person's trajectory
    assert 'method="post"' in html
    assert "Yes, withdraw this consent" in html
    assert Consent.objects.get(pk=consent.pk).revoked_at is None  # a GET changes nothing


def test_withdrawing_tells_the_holder_at_once_and_is_recorded_as_the_persons_own(
    client: Client,
    person: Person,
    consent: Consent,
    bb: Organisation,
    coordinator: Actor,
    bb_ground: Consent,
) -> None:
    with translation.override("en"):
        response = client.post(
            withdraw_url(consent),
            {"reason": "I want to arrange it myself."},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    html = response.content.decode()

    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert consent.revoked_by_person is True
    assert consent.revoked_by is None and consent.revoked_by_organisation is None
    assert consent.revoke_reason == "I want to arrange it myself."
    assert ConsentNotice.objects.filter(
        consent=consent, organisation=bb, kind=NoticeKind.REVOKED
    ).exists()
    entry = AuditEvent.objects.get(
        person_id=person.pk, action=AuditAction.CHANGE, object_id=str(consent.pk)
    )
    assert entry.user is None and entry.organisation is None
    assert entry.detail["subject"] == "person"
    assert entry.detail["field"] == "revoked"
    assert bb.pk in entry.detail["notified"]
    # The person sees the result: whom we told, and the consent as withdrawn by them.
    assert response.redirect_chain[-1][0].endswith(LIST)
    assert f"We told these organisations: {bb.name}." in html
    assert "You withdrew it yourself on 3 March 2025." in html
    assert withdraw_url(consent) not in html

    # The holder sees the withdrawal as the person's own, and its notice.
    staff = Client()
    login_verified(staff, coordinator.user)
    with translation.override("en"):
        overview = staff.get(f"/people/{person.pk}/consents/", HTTP_ACCEPT_LANGUAGE="en")
        notices = staff.get("/consent-notices/", HTTP_ACCEPT_LANGUAGE="en")
    assert "withdrawn by the person themself" in overview.content.decode()
    assert notices.status_code == 200


def test_withdrawing_twice_changes_nothing_more(
    client: Client, person: Person, consent: Consent
) -> None:
    client.post(withdraw_url(consent), {})
    first = Consent.objects.get(pk=consent.pk).revoked_at

    with translation.override("en"):
        again = client.post(withdraw_url(consent), {}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert Consent.objects.get(pk=consent.pk).revoked_at == first
    with translation.override("en"):
        assert str(messages.ALREADY_WITHDRAWN_BY_YOU) in again.content.decode()
    assert (
        AuditEvent.objects.filter(
            person_id=person.pk, action=AuditAction.CHANGE, object_id=str(consent.pk)
        ).count()
        == 1
    )
    # The service itself is idempotent too.
    consent_withdraw_by_person(subject=as_person(person), consent=consent)
    assert Consent.objects.get(pk=consent.pk).revoked_at == first


def test_an_ended_consent_cannot_be_withdrawn(
    client: Client, person: Person, bb: Organisation
) -> None:
    ended = give_consent(
        person=person,
        purpose_code="volunteer_visits",
        recipient=bb,
        given_on=dt.date(2024, 1, 10),
        ends_on=dt.date(2024, 12, 31),
    )
    response = client.post(withdraw_url(ended), {})

    assert response.status_code == 302
    assert Consent.objects.get(pk=ended.pk).revoked_at is None


def test_a_consent_that_has_not_started_can_be_withdrawn(
    client: Client, person: Person, bb: Organisation
) -> None:
    later = give_consent(
        person=person, purpose_code="volunteer_visits", recipient=bb, given_on=TODAY
    )
    Consent.objects.filter(pk=later.pk).update(given_on=dt.date(2025, 4, 1), ends_on=None)

    assert withdraw_url(later) in english(client, LIST).content.decode()
    client.post(withdraw_url(later), {})
    assert Consent.objects.get(pk=later.pk).revoked_by_person is True


def test_another_persons_consent_answers_404_like_one_that_does_not_exist(
    client: Client, person: Person, bb: Organisation
) -> None:
    other = Person.objects.create(given_names="Ander", family_name="Mens")
    theirs = give_consent(person=other, purpose_code="bb_guidance", recipient=bb)

    for url in (withdraw_url(theirs), f"/my/consents/{theirs.pk + 999}/withdraw/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    assert Consent.objects.get(pk=theirs.pk).revoked_at is None
    refusals = AuditEvent.objects.filter(person_id=person.pk, action=AuditAction.DENIED)
    assert refusals.count() == 4
    assert all(entry.detail["subject"] == "person" for entry in refusals)
    assert not AuditEvent.objects.filter(person_id=other.pk).exists()
    # Nor does the list show it.
    assert withdraw_url(theirs) not in client.get(LIST).content.decode()


def test_the_service_refuses_anyone_but_the_person_themself(
    person: Person, consent: Consent
) -> None:
    contact = as_contact_person(person)
    with pytest.raises(NotPermitted):
        consent_withdraw_by_person(subject=contact, consent=consent)
    other = Person.objects.create(given_names="Ander", family_name="Mens")
    with pytest.raises(NotPermitted):
        consent_withdraw_by_person(subject=as_person(other), consent=consent)

    assert Consent.objects.get(pk=consent.pk).revoked_at is None
    assert AuditEvent.objects.filter(
        person_id=person.pk, action=AuditAction.DENIED, detail__what="withdraw"
    ).exists()


def test_a_contact_person_gets_404_on_the_consent_pages(person: Person, consent: Consent) -> None:
    contact = signed_in(as_contact_person(person))

    assert contact.get(LIST).status_code == 404
    assert contact.get(withdraw_url(consent)).status_code == 404
    assert contact.post(withdraw_url(consent), {}).status_code == 404
    assert Consent.objects.get(pk=consent.pk).revoked_at is None
    refusals = AuditEvent.objects.filter(person_id=person.pk, action=AuditAction.DENIED)
    assert refusals.count() == 3
    assert all(entry.detail["subject"] == "contact_person" for entry in refusals)


def test_no_subject_is_sent_to_sign_in_even_with_a_staff_session(
    coordinator: Actor, consent: Consent
) -> None:
    staff = Client()
    login_verified(staff, coordinator.user)
    for url in (LIST, withdraw_url(consent)):
        response = staff.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/my/sign-in/" or "sign-in" in response["Location"]
        assert Client().get(url).status_code == 302
    assert staff.post(withdraw_url(consent), {}).status_code == 302
    assert Consent.objects.get(pk=consent.pk).revoked_at is None


def test_the_list_takes_the_same_queries_for_one_consent_or_twenty(
    client: Client,
    person: Person,
    bb: Organisation,
    coordinator: Actor,
    trajectory: Trajectory,
    django_assert_max_num_queries: Any,
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            c = give_consent(person=person, purpose_code="bb_guidance", recipient=bb)
            consent_disclose(
                actor=coordinator, consent=c, recipient=bb, data_classes=[DataClass.IDENTITY]
            )

    add(1)
    with django_assert_max_num_queries(14) as one:
        assert client.get(LIST).status_code == 200
    queries = len(one.captured_queries)  # now: the log of queries is a bounded ring
    add(19)
    with django_assert_max_num_queries(queries):
        assert client.get(LIST).status_code == 200
