"""Correcting a person's details and network: allowed by class, refused otherwise, audited
without values, written in every timeline the actor may open."""

from __future__ import annotations

from typing import cast

import pytest
from django.http import Http404

from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, Role
from estafette.people import services
from estafette.people.models import NetworkMember, Person, PersonIdentifier, Relation
from estafette.testing.clock import ClockControl
from estafette.testing.factories import PersonFactory, TrajectoryFactory, make_actor
from estafette.trajectories.models import EventKind, Trajectory, TrajectoryEvent

pytestmark = pytest.mark.django_db

BSN = "123456782"  # passes the eleven-test
OTHER_BSN = "111222333"


@pytest.fixture
def file(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    """A file held by org_a's regional coordinator (every class, with BB's consent)."""
    return cast(Trajectory, TrajectoryFactory(actor=actor_a))


@pytest.fixture
def identity_only(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    """A file org_a holds without any consent: the holder sees the identity only."""
    return cast(Trajectory, TrajectoryFactory(actor=actor_a, with_consent=False))


def entries(person: Person) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(person_id=person.pk)
        .exclude(action=AuditAction.VIEW)
        .exclude(object_type="trajectories.trajectory")
        .order_by("id")
    )


def lines(trajectory: Trajectory, kind: str) -> list[TrajectoryEvent]:
    return list(TrajectoryEvent.objects.filter(trajectory=trajectory, kind=kind).order_by("id"))


# --- contact details, profile, markers ----------------------------------------------------


def test_contact_details_are_saved_audited_by_name_and_in_the_timeline(
    file: Trajectory, actor_a: Actor
) -> None:
    person = file.person
    changed = services.person_details_update(
        actor=actor_a,
        person=person,
        address="Steenstraat 12",
        postcode="6828ca",
        place="Arnhem",
        phone="+31 6 1234 5678",
        email="anouk@example.nl",
    )
    assert changed == ["address", "postcode", "place", "phone", "email"]
    person.refresh_from_db()
    assert (person.postcode, person.phone) == ("6828 CA", "+31 6 1234 5678")
    (entry,) = entries(person)
    assert entry.action == AuditAction.CHANGE
    assert entry.detail["fields"] == changed
    # Never a value, old or new, in the audit entry.
    for value in ("Steenstraat", "6828", "Arnhem", "1234", "anouk@"):
        assert value not in str(entry.detail)
    (line,) = lines(file, EventKind.PERSON_CHANGED)
    assert line.data == {"fields": changed}
    assert "Steenstraat" not in str(line.data) + line.summary


def test_nothing_changed_writes_nothing(file: Trajectory, actor_a: Actor) -> None:
    assert services.person_details_update(actor=actor_a, person=file.person, phone="") == []
    assert entries(file.person) == []
    assert lines(file, EventKind.PERSON_CHANGED) == []


def test_every_trajectory_the_actor_may_open_gets_the_line(
    frozen_clock: ClockControl, actor_a: Actor, actor_c: Actor
) -> None:
    person = PersonFactory()
    mine = TrajectoryFactory(actor=actor_a, person=person)
    also_mine = TrajectoryFactory(actor=actor_a, person=person)
    not_mine = TrajectoryFactory(actor=actor_c, person=person)
    services.person_details_update(actor=actor_a, person=person, phone="0612345678")
    assert len(lines(mine, EventKind.PERSON_CHANGED)) == 1
    assert len(lines(also_mine, EventKind.PERSON_CHANGED)) == 1
    assert lines(not_mine, EventKind.PERSON_CHANGED) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "call me", services.PHONE_INVALID),
        ("phone", "12", services.PHONE_INVALID),
        ("email", "anouk-at-example", services.EMAIL_INVALID),
        ("postcode", "1234567890123", services.POSTCODE_INVALID),
        ("literacy", "fluent", services.CHOICE_INVALID),
        ("preferred_channel", "pigeon", services.CHOICE_INVALID),
        ("language", "klingon", services.LANGUAGE_INVALID),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    file: Trajectory, actor_a: Actor, field: str, value: str, message: object
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.person_details_update(
            actor=actor_a, person=file.person, place="Arnhem", **{field: value}
        )
    assert refused.value.message == message
    assert refused.value.params["field"] == field
    assert Person.objects.get(pk=file.person_id).place == ""
    assert entries(file.person) == []


def test_health_markers_have_their_own_kind_and_the_identity_marker_the_person_kind(
    file: Trajectory, actor_a: Actor
) -> None:
    services.person_details_update(
        actor=actor_a, person=file.person, cannot_read_write=True, addiction=True
    )
    (identity,) = lines(file, EventKind.PERSON_CHANGED)
    (health,) = lines(file, EventKind.PERSON_HEALTH_CHANGED)
    assert identity.data == {"fields": ["cannot_read_write"]}
    assert health.data == {"fields": ["addiction"]}
    person = Person.objects.get(pk=file.person_id)
    assert person.cannot_read_write and person.addiction


def test_an_identity_only_actor_changes_contact_but_not_health_markers(
    identity_only: Trajectory, actor_a: Actor
) -> None:
    person = identity_only.person
    services.person_details_update(actor=actor_a, person=person, phone="0612345678")
    services.person_details_update(actor=actor_a, person=person, cannot_read_write=True)
    for marker in ("addiction", "psychiatric_problems", "intellectual_disability"):
        with pytest.raises(NotPermitted) as refused:
            services.person_details_update(actor=actor_a, person=person, **{marker: True})
        assert refused.value.message == services.NOT_YOURS_TO_CHANGE
    with pytest.raises(NotPermitted):
        services.network_member_add(
            actor=actor_a, person=person, name="Marieke", relation=Relation.SIBLING
        )
    person.refresh_from_db()
    assert not person.addiction
    assert NetworkMember.objects.filter(person=person).count() == 0


def test_a_refusal_by_class_saves_none_of_the_fields(
    identity_only: Trajectory, actor_a: Actor
) -> None:
    with pytest.raises(NotPermitted):
        services.person_details_update(
            actor=actor_a, person=identity_only.person, phone="0612345678", addiction=True
        )
    assert Person.objects.get(pk=identity_only.person_id).phone == ""


def test_an_actor_outside_the_file_gets_an_audited_404(file: Trajectory, actor_c: Actor) -> None:
    with pytest.raises(Http404):
        services.person_details_update(actor=actor_c, person=file.person, phone="0612345678")
    denied = AuditEvent.objects.get(action=AuditAction.DENIED, object_type="people.person")
    assert denied.object_id == str(file.person_id)
    assert Person.objects.get(pk=file.person_id).phone == ""


def test_the_administrator_changes_nothing(file: Trajectory, org_a: Organisation) -> None:
    admin = make_actor(org_a, role=Role.ORGANISATION_ADMIN)
    with pytest.raises(NotPermitted):
        services.person_details_update(actor=admin, person=file.person, phone="0612345678")


def test_a_volunteer_changes_what_its_role_sees_never_health(
    file: Trajectory, org_a: Organisation, actor_a: Actor
) -> None:
    from estafette.trajectories.models import Assignment

    volunteer = make_actor(org_a, role=Role.VISITING_VOLUNTEER)
    Assignment.objects.create(
        trajectory=file,
        organisation=org_a,
        user=volunteer.user,
        kind="visiting_volunteer",
        assigned_by=actor_a.user,
    )
    services.person_details_update(actor=volunteer, person=file.person, phone="0612345678")
    services.network_member_add(
        actor=volunteer, person=file.person, name="Marieke", relation=Relation.SIBLING
    )
    with pytest.raises(NotPermitted):
        services.person_details_update(actor=volunteer, person=file.person, addiction=True)


# --- identifiers --------------------------------------------------------------------------


def test_an_identifier_is_recorded_normalised_and_audited_with_its_kind_only(
    file: Trajectory, actor_a: Actor
) -> None:
    identifier = services.identifier_record(
        actor=actor_a, person=file.person, kind="bsn", value="1234.56.782"
    )
    assert identifier.value == BSN
    (entry,) = entries(file.person)
    assert entry.action == AuditAction.CREATE
    assert entry.detail == {"kind": "bsn"}
    (line,) = lines(file, EventKind.PERSON_CHANGED)
    assert line.data == {"fields": ["identifiers"], "identifier": "bsn", "action": "added"}
    assert BSN not in str(line.data)

    services.identifier_remove(actor=actor_a, identifier=identifier)
    assert not PersonIdentifier.objects.filter(person=file.person).exists()
    assert entries(file.person)[-1].detail == {"kind": "bsn", "removed": True}


def test_a_failing_eleven_test_is_refused_beside_the_number(
    file: Trajectory, actor_a: Actor
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.identifier_record(actor=actor_a, person=file.person, kind="bsn", value="123456789")
    assert refused.value.params["field"] == "value"
    assert not PersonIdentifier.objects.exists()


def test_another_persons_bsn_is_refused_without_revealing_them(
    frozen_clock: ClockControl, file: Trajectory, actor_a: Actor, actor_c: Actor
) -> None:
    other = PersonFactory(given_names="Kees", family_name="Verborgen")
    other_file = TrajectoryFactory(actor=actor_c, person=other)
    PersonIdentifier.objects.create(person=other, kind="bsn", value=BSN)
    with pytest.raises(InvalidInput) as refused:
        services.identifier_record(actor=actor_a, person=file.person, kind="bsn", value=BSN)
    assert refused.value.message == services.IDENTIFIER_TAKEN
    sentence = str(refused.value)
    for secret in (
        "Kees",
        "Verborgen",
        str(other.pk),
        str(other_file.pk),
        str(actor_c.organisation),
    ):
        assert secret not in sentence
    assert not PersonIdentifier.objects.filter(person=file.person).exists()
    assert entries(file.person) == []
    # The transaction survived the refused insert: the next change goes through.
    services.identifier_record(actor=actor_a, person=file.person, kind="bsn", value=OTHER_BSN)


def test_the_same_number_twice_for_the_person_is_refused(file: Trajectory, actor_a: Actor) -> None:
    services.identifier_record(actor=actor_a, person=file.person, kind="v_number", value="12345")
    with pytest.raises(InvalidInput) as refused:
        services.identifier_record(
            actor=actor_a, person=file.person, kind="v_number", value="12 345"
        )
    assert refused.value.message == services.IDENTIFIER_ALREADY_HERE


# --- the network --------------------------------------------------------------------------


def test_network_member_added_changed_removed_each_audited_and_in_the_timeline(
    file: Trajectory, actor_a: Actor
) -> None:
    member = services.network_member_add(
        actor=actor_a,
        person=file.person,
        name="Marieke de Vries",
        relation=Relation.SIBLING,
        phone="026 123 4567",
    )
    assert services.network_member_update(
        actor=actor_a, member=member, email="marieke@example.nl"
    ) == ["email"]
    services.network_member_remove(actor=actor_a, member=member)
    assert not NetworkMember.objects.filter(person=file.person).exists()
    created, changed, removed = entries(file.person)
    assert created.action == AuditAction.CREATE
    assert created.detail["fields"] == ["name", "relation", "phone"]
    assert changed.detail["fields"] == ["email"]
    assert removed.detail["removed"] is True
    for entry in (created, changed, removed):
        assert "Marieke" not in str(entry.detail)
        assert "026" not in str(entry.detail)
    actions = [line.data["action"] for line in lines(file, EventKind.NETWORK_CHANGED)]
    assert actions == ["added", "changed", "removed"]


def test_contact_person_switch_keeps_exactly_one(file: Trajectory, actor_a: Actor) -> None:
    person = file.person
    sister = services.network_member_add(
        actor=actor_a,
        person=person,
        name="Marieke",
        relation=Relation.SIBLING,
        is_contact_person=True,
    )
    mother = services.network_member_add(
        actor=actor_a, person=person, name="Ans", relation=Relation.PARENT
    )
    assert services.contact_person_designate(actor=actor_a, person=person, member=mother)
    contacts = list(NetworkMember.objects.filter(person=person, is_contact_person=True))
    assert contacts == [mother]
    # Adding a new contact person also unsets the former one.
    friend = services.network_member_add(
        actor=actor_a,
        person=person,
        name="Joost",
        relation=Relation.FRIEND,
        is_contact_person=True,
    )
    assert list(NetworkMember.objects.filter(person=person, is_contact_person=True)) == [friend]
    sister.refresh_from_db()
    assert not sister.is_contact_person
    # The same again changes nothing; nobody is possible.
    assert not services.contact_person_designate(actor=actor_a, person=person, member=friend)
    assert services.contact_person_designate(actor=actor_a, person=person, member=None)
    assert not NetworkMember.objects.filter(person=person, is_contact_person=True).exists()
    actions = [line.data["action"] for line in lines(file, EventKind.NETWORK_CHANGED)]
    assert actions[-1] == "no_contact_person"


def test_a_minor_child_is_recorded_but_never_the_contact_person(
    file: Trajectory, actor_a: Actor
) -> None:
    child = services.network_member_add(
        actor=actor_a, person=file.person, name="Sem", relation=Relation.CHILD, is_minor=True
    )
    assert child.is_minor and child.relation == Relation.CHILD
    with pytest.raises(InvalidInput) as refused:
        services.contact_person_designate(actor=actor_a, person=file.person, member=child)
    assert refused.value.message == services.MINOR_NOT_CONTACT
    with pytest.raises(InvalidInput):
        services.network_member_add(
            actor=actor_a,
            person=file.person,
            name="Noor",
            relation=Relation.CHILD,
            is_minor=True,
            is_contact_person=True,
        )


def test_a_member_of_another_person_cannot_be_designated(
    frozen_clock: ClockControl, file: Trajectory, actor_a: Actor
) -> None:
    other = TrajectoryFactory(actor=actor_a)
    stranger = services.network_member_add(
        actor=actor_a, person=other.person, name="Piet", relation=Relation.FRIEND
    )
    with pytest.raises(InvalidInput) as refused:
        services.contact_person_designate(actor=actor_a, person=file.person, member=stranger)
    assert refused.value.message == services.NOT_OF_THIS_PERSON


def test_the_timeline_line_names_fields_in_the_readers_language(
    file: Trajectory, actor_a: Actor
) -> None:
    from django.utils import translation

    from estafette.trajectories.timeline import event_texts

    services.person_details_update(actor=actor_a, person=file.person, phone="0612345678")
    services.identifier_record(actor=actor_a, person=file.person, kind="bsn", value=BSN)
    services.network_member_add(
        actor=actor_a,
        person=file.person,
        name="Marieke",
        relation=Relation.SIBLING,
        is_contact_person=True,
    )
    events = list(
        TrajectoryEvent.objects.filter(
            trajectory=file, kind__in=[EventKind.PERSON_CHANGED, EventKind.NETWORK_CHANGED]
        ).order_by("id")
    )
    with translation.override("en"):
        texts = event_texts(events)
    assert texts == [
        "phone",
        "citizen service number (BSN) added",
        "Marieke (brother or sister) is the contact person",
    ]
