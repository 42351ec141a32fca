"""The home front's services (portal/home_front.py): the desk by consent, the message on the
timeline, children left behind, refusals. Real database; the signals app listens as in
production (core.changes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from estafette.consent.models import Consent
from estafette.consent.services import consent_revoke
from estafette.core import changes, clock
from estafette.core.actor import Actor
from estafette.core.attention import attention_q
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.organisations.selectors import aftercare_desk_for
from estafette.people.models import MemberOrigin, NetworkMember, Person, Relation
from estafette.portal import home_front
from estafette.portal.home_front import (
    CHILDREN_NOT_SHARED,
    MESSAGE_EMPTY,
    MESSAGES_PER_DAY,
    child_register,
    home_front_for,
    home_front_message_send,
)
from estafette.portal.subject import Subject, SubjectKind
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent, withdrawal_heard
from estafette.testing.factories import TrajectoryFactory, make_actor
from estafette.trajectories.models import EventKind, Phase, Trajectory, TrajectoryEvent

pytestmark = pytest.mark.django_db


def contact_of(person: Person, name: str = "Ilse") -> Subject:
    member = NetworkMember.objects.create(
        person=person, name=name, relation=Relation.SIBLING, is_contact_person=True
    )
    return Subject(kind=SubjectKind.CONTACT_PERSON, person=person, member=member)


def share(person: Person, recipient: Organisation, *classes: str) -> Consent:
    """The person lets their contact person see ``classes`` (purpose contact_person)."""
    return give_consent(
        person=person,
        purpose_code="contact_person",
        recipient=recipient,
        data_classes=[DataClass.IDENTITY, *classes],
    )


@pytest.fixture
def contact(trajectory: Trajectory) -> Subject:
    return contact_of(trajectory.person)


@pytest.fixture
def desk(arnhem: Any) -> Organisation:
    """Arnhem's after-care desk (the trajectory's municipality of registration), with its
    public details (issue 12)."""
    org_b = aftercare_desk_for(arnhem)
    assert org_b is not None
    org_b.phone = "026 377 49 11"
    org_b.email = "nazorg@arnhem.example"
    org_b.street = "Koningstraat 38"
    org_b.city = "Arnhem"
    org_b.opening_hours = "ma–vr 9:00–17:00"
    org_b.save()
    return org_b


# --- the desk ---------------------------------------------------------------------------


def test_without_the_detention_class_the_desk_is_not_named(
    contact: Subject, desk: Organisation, org_a: Organisation
) -> None:
    share(contact.person, org_a, DataClass.NETWORK, DataClass.CONDITIONS)
    page = home_front_for(subject=contact)
    assert page.running and not page.desk_shared and page.desk is None


def test_with_the_detention_class_the_desk_of_the_municipality_is_named(
    contact: Subject, desk: Organisation, org_a: Organisation
) -> None:
    share(contact.person, org_a, DataClass.DETENTION)
    page = home_front_for(subject=contact)
    assert page.desk is not None
    assert page.desk.name == desk.name and page.desk.phone == "026 377 49 11"


def test_the_municipality_of_settlement_goes_before_that_of_registration(
    contact: Subject,
    trajectory: Trajectory,
    desk: Organisation,
    org_a: Organisation,
    amsterdam: Any,
) -> None:
    amsterdam_desk = aftercare_desk_for(amsterdam)
    assert amsterdam_desk is not None
    Trajectory.objects.filter(pk=trajectory.pk).update(settlement_municipality=amsterdam)
    share(contact.person, org_a, DataClass.DETENTION)
    page = home_front_for(subject=contact)
    assert page.desk is not None and page.desk.name == amsterdam_desk.name


def test_after_a_withdrawal_the_desk_is_no_longer_named(
    contact: Subject, desk: Organisation, org_a: Organisation, actor_a: Actor
) -> None:
    consent = share(contact.person, org_a, DataClass.DETENTION)
    assert home_front_for(subject=contact).desk is not None
    consent_revoke(actor=actor_a, consent=consent, reason="Zegt het zelf", **withdrawal_heard())
    page = home_front_for(subject=contact)
    assert page.desk is None and not page.desk_shared


def test_the_page_read_is_audited_with_the_parts_shown(
    contact: Subject, desk: Organisation, org_a: Organisation
) -> None:
    share(contact.person, org_a, DataClass.DETENTION)
    home_front_for(subject=contact)
    event = AuditEvent.objects.filter(object_type="portal.home_front").latest("id")
    assert event.action == AuditAction.VIEW and event.person_id == contact.person.pk
    assert event.detail["parts"] == ["advice", "desk"]
    assert event.detail["subject"] == "contact_person"
    assert event.detail["member_id"] == contact.member.pk  # type: ignore[union-attr]


def test_the_person_themself_is_refused_everything_here(trajectory: Trajectory) -> None:
    person = Subject(kind=SubjectKind.PERSON, person=trajectory.person)
    with pytest.raises(NotPermitted):
        home_front_for(subject=person)
    with pytest.raises(NotPermitted):
        home_front_message_send(subject=person, text="Hallo")
    with pytest.raises(NotPermitted):
        child_register(subject=person, name="Noor")
    assert TrajectoryEvent.objects.filter(kind=EventKind.HOME_FRONT_MESSAGE).count() == 0
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DENIED, object_type="portal.home_front", person_id=person.person.pk
        ).count()
        == 3
    )


# --- the message -------------------------------------------------------------------------


def test_the_message_lands_on_the_timeline_with_the_contact_persons_words(
    contact: Subject, trajectory: Trajectory
) -> None:
    event = home_front_message_send(subject=contact, text="  Hij heeft een slaapplek bij mij.  ")
    assert event.trajectory_id == trajectory.pk
    assert event.kind == EventKind.HOME_FRONT_MESSAGE
    assert event.data["text"] == "Hij heeft een slaapplek bij mij."
    assert event.data["by"] == "contact_person" and event.user is None
    audit = AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(event.pk)).get()
    assert audit.detail["length"] == len("Hij heeft een slaapplek bij mij.")
    assert "slaapplek" not in str(audit.detail)  # the audit log never holds the words


@pytest.mark.parametrize(
    ("text", "sentence"),
    [("", MESSAGE_EMPTY), ("   \n ", MESSAGE_EMPTY), ("x" * 1001, home_front.MESSAGE_TOO_LONG)],
)
def test_bad_messages_are_refused_and_nothing_is_written(
    contact: Subject, text: str, sentence: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        home_front_message_send(subject=contact, text=text)
    assert refused.value.message == sentence
    assert not TrajectoryEvent.objects.filter(kind=EventKind.HOME_FRONT_MESSAGE).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="portal.home_front"
    ).exists()


def test_a_message_of_exactly_the_limit_is_taken(contact: Subject) -> None:
    event = home_front_message_send(subject=contact, text="x" * home_front.MESSAGE_MAX_LENGTH)
    assert len(event.data["text"]) == 1000


def test_messages_are_limited_per_day(contact: Subject, frozen_clock: ClockControl) -> None:
    for n in range(MESSAGES_PER_DAY):
        home_front_message_send(subject=contact, text=f"Bericht {n}")
    assert home_front_for(subject=contact).messages_left == 0
    with pytest.raises(Conflict):
        home_front_message_send(subject=contact, text="Nog een")
    assert TrajectoryEvent.objects.filter(kind=EventKind.HOME_FRONT_MESSAGE).count() == 5
    frozen_clock.advance(days=1)
    home_front_message_send(subject=contact, text="Een nieuwe dag")


def test_nothing_running_refuses_the_message(contact: Subject, trajectory: Trajectory) -> None:
    Trajectory.objects.filter(pk=trajectory.pk).update(phase=Phase.CLOSED)
    with pytest.raises(Conflict):
        home_front_message_send(subject=contact, text="Hallo")
    page = home_front_for(subject=contact)
    assert not page.running and not page.may_message


def test_the_holders_caseload_lifts_the_file_and_only_where_it_sees_the_network(
    actor_a: Actor, org_a: Organisation, frozen_clock: ClockControl
) -> None:
    def is_lifted(trajectory: Trajectory) -> bool:
        q = attention_q(actor_a)
        return q is not None and Trajectory.objects.filter(pk=trajectory.pk).filter(q).exists()

    # Opened without an intake consent: the holder sees identity, and what a consent adds.
    trajectory = TrajectoryFactory(actor=actor_a, with_consent=False)
    contact = contact_of(trajectory.person)
    give_consent(
        person=trajectory.person,
        purpose_code="bb_guidance",
        recipient=org_a,
        data_classes=[DataClass.IDENTITY, DataClass.DETENTION],
    )
    home_front_message_send(subject=contact, text="Er is iets veranderd thuis.")
    assert not is_lifted(trajectory)  # the holder does not see the network: the order says nothing
    give_consent(
        person=trajectory.person,
        purpose_code="bb_guidance",
        recipient=org_a,
        data_classes=[DataClass.IDENTITY, DataClass.NETWORK],
    )
    assert is_lifted(trajectory)
    frozen_clock.advance(days=home_front.ATTENTION_DAYS + 1)
    assert not is_lifted(trajectory)


# --- children ----------------------------------------------------------------------------


def test_a_child_is_refused_without_the_network_class_and_nothing_is_saved(
    contact: Subject, org_a: Organisation
) -> None:
    share(contact.person, org_a, DataClass.DETENTION, DataClass.CONDITIONS)
    with pytest.raises(NotPermitted) as refused:
        child_register(subject=contact, name="Noor", birth_year=2016)
    assert refused.value.message == CHILDREN_NOT_SHARED
    assert not NetworkMember.objects.filter(is_minor=True).exists()
    assert not TrajectoryEvent.objects.filter(kind=EventKind.HOME_FRONT_CHILD).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="portal.home_front", detail__consent=False
    ).exists()
    assert not home_front_for(subject=contact).children_shared


def test_a_child_is_saved_with_the_network_class(
    contact: Subject, org_a: Organisation, trajectory: Trajectory
) -> None:
    share(contact.person, org_a, DataClass.NETWORK)
    child = child_register(subject=contact, name=" Noor ", birth_year=2016, cared_for_by="oma Ria")
    assert (child.name, child.relation, child.is_minor) == ("Noor", Relation.CHILD, True)
    assert child.origin == MemberOrigin.CONTACT_PERSON
    assert (child.birth_year, child.cared_for_by) == (2016, "oma Ria")
    assert not child.is_contact_person
    event = TrajectoryEvent.objects.get(kind=EventKind.HOME_FRONT_CHILD)
    assert event.trajectory_id == trajectory.pk and event.data["child_id"] == child.pk
    with translation.override("en"):
        from estafette.trajectories.timeline import event_texts

        assert event_texts([event]) == [
            "Noor (child) added by the contact person, born in 2016, cared for by: oma Ria"
        ]
    audit = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="people.networkmember")
    assert audit.detail["fields"] == ["name", "birth_year", "cared_for_by"]
    assert "Noor" not in str(audit.detail)
    page = home_front_for(subject=contact)
    assert [c.name for c in page.children] == ["Noor"]


def test_after_a_withdrawal_no_child_can_be_added(
    contact: Subject, org_a: Organisation, actor_a: Actor
) -> None:
    consent = share(contact.person, org_a, DataClass.NETWORK)
    child_register(subject=contact, name="Noor")
    consent_revoke(actor=actor_a, consent=consent, reason="Zegt het zelf", **withdrawal_heard())
    with pytest.raises(NotPermitted):
        child_register(subject=contact, name="Daan")
    page = home_front_for(subject=contact)
    assert page.children == () and not page.children_shared


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "Noor", "birth_year": clock.today().year + 1}, "birth_year"),
        ({"name": "Noor", "birth_year": 1990}, "birth_year"),
        ({"name": "Noor", "cared_for_by": "y" * 161}, "cared_for_by"),
    ],
)
def test_bad_children_are_refused_with_the_field_named(
    contact: Subject, org_a: Organisation, fields: dict[str, Any], field: str
) -> None:
    share(contact.person, org_a, DataClass.NETWORK)
    with pytest.raises(InvalidInput) as refused:
        child_register(subject=contact, **fields)
    assert refused.value.params["field"] == field
    assert not NetworkMember.objects.filter(is_minor=True).exists()


def test_children_are_limited_per_day(contact: Subject, org_a: Organisation) -> None:
    share(contact.person, org_a, DataClass.NETWORK)
    for n in range(home_front.CHILDREN_PER_DAY):
        child_register(subject=contact, name=f"Kind {n}")
    with pytest.raises(Conflict):
        child_register(subject=contact, name="Nog een")
    assert NetworkMember.objects.filter(is_minor=True).count() == home_front.CHILDREN_PER_DAY


def test_the_signals_see_the_child_through_core_changes(
    actor_a: Actor,
    org_a: Organisation,
    frozen_clock: ClockControl,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The change is announced to core.changes (the signals app re-evaluates at the commit),
    and the children-out-of-view rule counts a child the contact person registered."""
    with django_capture_on_commit_callbacks(execute=True):  # the set-up's own announcements
        trajectory = TrajectoryFactory(actor=actor_a)
        person = trajectory.person
        contact = contact_of(person)
        share(person, org_a, DataClass.NETWORK)
    heard: list[changes.TrajectoryChanges] = []
    changes.on_trajectory_changed(heard.append)
    try:
        # Its own transaction, as in a request: the announcement goes out at its commit.
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            child_register(subject=contact, name="Noor")
    finally:
        changes._TRAJECTORY_LISTENERS.remove(heard.append)
    assert any(person.pk in told.person_ids for told in heard)
    # The contact person is an adult of the network: the rule holds off.
    assert not Signal.objects.filter(rule_code="children_out_of_view").exists()
    # Without an adult in the network, the child the home front registered raises it.
    NetworkMember.objects.filter(pk=contact.member.pk).delete()  # type: ignore[union-attr]
    signals_evaluate(trajectory_ids=[trajectory.pk])
    assert Signal.objects.filter(rule_code="children_out_of_view", trajectory=trajectory).exists()


# --- isolation ---------------------------------------------------------------------------


def test_a_contact_person_acts_only_on_their_own_person(
    contact: Subject, trajectory: Trajectory, actor_a: Actor, org_a: Organisation
) -> None:
    other = TrajectoryFactory(actor=actor_a)
    share(contact.person, org_a, DataClass.NETWORK)
    home_front_message_send(subject=contact, text="Voor de eigen persoon")
    child_register(subject=contact, name="Noor")
    assert not TrajectoryEvent.objects.filter(
        trajectory=other, kind__in=home_front.HOME_FRONT_KINDS_OF_EVENT
    ).exists()
    assert not NetworkMember.objects.filter(person=other.person).exists()  # type: ignore[attr-defined]


def test_an_attention_term_for_no_organisation_adds_nothing() -> None:
    assert home_front.home_front_attention_q(None) is None


def test_birth_years_are_the_last_eighteen(frozen_clock: ClockControl) -> None:
    first, last = home_front.birth_years()
    assert last == clock.today().year and first == last - 18
    assert dt.date(first, 1, 1) < clock.today()


def test_make_actor_of_a_volunteer_organisation_never_lifts_without_network(
    contact: Subject, trajectory: Trajectory
) -> None:
    volunteers = Organisation.objects.create(
        name="Vrijwilligers", code="vrijw", kind=OrganisationKind.VOLUNTEER_ORGANISATION
    )
    actor = make_actor(volunteers)
    home_front_message_send(subject=contact, text="Hallo")
    q = attention_q(actor)
    assert q is None or not Trajectory.objects.filter(pk=trajectory.pk).filter(q).exists()
