"""The people search: only files the actor may open, matched only with identity; bounded; audited.

Two organisations and an outsider (the root conftest): ``org_a`` (a BB desk) holds
the file of Anouk de Vries; ``org_b`` (a municipal desk) runs alongside with a
consent that shares detention but not identity; ``org_c`` has no part.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estafette.access.services import emergency_access_open
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, Role
from estafette.people.identifiers import IdentifierKind
from estafette.people.models import Person, PersonIdentifier
from estafette.people.selectors import AUDIT_OBJECT_TYPE, person_search
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent
from estafette.testing.factories import (
    HandoverFactory,
    PersonFactory,
    TrajectoryFactory,
    make_actor,
)
from estafette.trajectories.models import Assignment, Participant, ParticipantRole, Trajectory

pytestmark = pytest.mark.django_db

BORN = dt.date(1988, 5, 17)


@pytest.fixture
def anouk(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    person = PersonFactory(given_names="Anouk Maria", family_name="de Vries", date_of_birth=BORN)
    PersonIdentifier.objects.create(person=person, kind=IdentifierKind.BSN, value="123456782")
    return cast(Trajectory, TrajectoryFactory(actor=actor_a, person=person))


def _alongside(trajectory: Trajectory, org: Organisation, classes: list[str]) -> None:
    """``org`` runs alongside ``trajectory`` with a consent of the person naming ``classes``."""
    Participant.objects.create(
        trajectory=trajectory,
        organisation=org,
        role=ParticipantRole.OTHER,
        since=dt.date(2025, 1, 1),
    )
    give_consent(
        person=trajectory.person,
        purpose_code="partner_sharing",
        recipient=org,
        data_classes=classes,
    )


def _names(result: Any) -> list[str]:
    return [row.person.full_name for row in result.rows]


def test_the_holder_finds_by_name_words_date_of_birth_and_identifier(
    anouk: Trajectory, actor_a: Actor
) -> None:
    for query, born in [
        ("anouk", None),
        ("VRIES anouk", None),
        ("de vri", None),
        ("", BORN),
        ("Anouk", BORN),
        ("1234.56.782", None),
        ("123 456 782", BORN),
    ]:
        result = person_search(actor=actor_a, query=query, date_of_birth=born)
        assert _names(result) == ["Anouk Maria de Vries"], (query, born)
        assert result.rows[0].trajectory == anouk
        assert result.rows[0].sees_identity
    assert person_search(actor=actor_a, query="anouk jansen").rows == []
    assert person_search(actor=actor_a, query="anouk", date_of_birth=dt.date(1990, 1, 1)).rows == []
    assert person_search(actor=actor_a, query="123456783").rows == []


def test_an_organisation_with_no_part_finds_nothing(anouk: Trajectory, actor_c: Actor) -> None:
    for query, born in [("anouk", None), ("", BORN), ("123456782", None)]:
        assert person_search(actor=actor_c, query=query, date_of_birth=born).rows == []


def test_a_part_without_identity_does_not_confirm_the_person(
    anouk: Trajectory, org_b: Organisation, actor_b: Actor
) -> None:
    _alongside(anouk, org_b, ["detention"])
    for query, born in [("anouk", None), ("de vries", BORN), ("", BORN), ("123456782", None)]:
        assert person_search(actor=actor_b, query=query, date_of_birth=born).rows == []


def test_a_part_with_identity_finds_the_person(
    anouk: Trajectory, org_b: Organisation, actor_b: Actor
) -> None:
    _alongside(anouk, org_b, ["identity"])
    assert _names(person_search(actor=actor_b, query="anouk")) == ["Anouk Maria de Vries"]


def test_the_receiver_of_a_pending_handover_finds_the_person(
    anouk: Trajectory, actor_a: Actor, org_b: Organisation, actor_b: Actor
) -> None:
    assert person_search(actor=actor_b, query="anouk").rows == []
    HandoverFactory(actor=actor_a, trajectory=anouk, receiver=org_b)
    assert _names(person_search(actor=actor_b, query="anouk")) == ["Anouk Maria de Vries"]


def test_emergency_access_counts_and_ends_with_the_grant(
    anouk: Trajectory, org_c: Organisation, frozen_clock: ClockControl
) -> None:
    worker = make_actor(org_c, role=Role.LANDING_PLACE_WORKER)
    assert person_search(actor=worker, query="anouk").rows == []
    emergency_access_open(
        actor=worker,
        trajectory_pk=anouk.pk,
        reason="The police ask whether the person is known here; the holder is away.",
    )
    assert _names(person_search(actor=worker, query="anouk")) == ["Anouk Maria de Vries"]
    frozen_clock.advance(days=2)
    assert person_search(actor=worker, query="anouk").rows == []


def test_the_row_is_the_newest_trajectory_the_actor_sees_the_identity_of(
    anouk: Trajectory, actor_a: Actor, org_b: Organisation, actor_b: Actor
) -> None:
    newer = cast(Trajectory, TrajectoryFactory(actor=actor_a, person=anouk.person))
    [row] = person_search(actor=actor_a, query="anouk").rows
    assert row.trajectory == newer
    # org_b has no part in the newer file: its row is the older one it runs alongside.
    _alongside(anouk, org_b, ["identity"])
    [row] = person_search(actor=actor_b, query="anouk").rows
    assert row.trajectory == anouk


def test_other_people_of_another_organisation_stay_out(
    anouk: Trajectory, org_b: Organisation, actor_a: Actor, actor_b: Actor
) -> None:
    theirs = PersonFactory(given_names="Anouk", family_name="Bakker")
    TrajectoryFactory(actor=actor_b, person=theirs)
    assert _names(person_search(actor=actor_a, query="anouk")) == ["Anouk Maria de Vries"]
    assert _names(person_search(actor=actor_b, query="anouk")) == ["Anouk Bakker"]


def test_the_number_of_queries_does_not_grow_with_the_hits(
    frozen_clock: ClockControl, actor_a: Actor, django_assert_num_queries: Any
) -> None:
    def people(n: int) -> None:
        for _ in range(n):
            TrajectoryFactory(actor=actor_a, person=PersonFactory(given_names="Sem"))

    people(1)
    with CaptureQueriesContext(connection) as one:
        assert len(person_search(actor=actor_a, query="sem").rows) == 1
    people(5)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(person_search(actor=actor_a, query="sem").rows) == 6


def test_more_people_than_the_limit_says_so(frozen_clock: ClockControl, actor_a: Actor) -> None:
    for _ in range(4):
        TrajectoryFactory(actor=actor_a, person=PersonFactory(given_names="Sem"))
    result = person_search(actor=actor_a, query="sem", limit=3)
    assert len(result.rows) == 3 and result.more
    assert not person_search(actor=actor_a, query="sem", limit=4).more


def test_every_search_is_audited_with_the_ids_shown_never_the_words(
    anouk: Trajectory, actor_a: Actor
) -> None:
    person_search(actor=actor_a, query="de Vries", date_of_birth=BORN)
    person_search(actor=actor_a, query="123456782")
    name_search, number_search = AuditEvent.objects.filter(object_type=AUDIT_OBJECT_TYPE).order_by(
        "id"
    )
    assert name_search.action == AuditAction.VIEW
    assert name_search.user_id == actor_a.user.pk
    assert name_search.organisation_id == actor_a.organisation.pk
    assert name_search.detail == {
        "criteria": ["name", "date_of_birth"],
        "hits": 1,
        "more": False,
        "person_ids": [anouk.person_id],
    }
    assert number_search.detail["criteria"] == ["number"]
    logged = str(name_search.detail) + str(number_search.detail)
    assert "Vries" not in logged and "123456782" not in logged and "1988" not in logged


def test_a_search_without_criteria_finds_and_logs_nothing(
    anouk: Trajectory, actor_a: Actor
) -> None:
    assert person_search(actor=actor_a, query="   ").rows == []
    assert not AuditEvent.objects.filter(object_type=AUDIT_OBJECT_TYPE).exists()


def test_refusals(anouk: Trajectory, org_a: Organisation, actor_a: Actor) -> None:
    with pytest.raises(InvalidInput):
        person_search(actor=actor_a, query="x" * 101)
    admin = make_actor(org_a, role=Role.ORGANISATION_ADMIN)
    with pytest.raises(NotPermitted):
        person_search(actor=admin, query="anouk")
    volunteer = make_actor(org_a, role=Role.VISITING_VOLUNTEER)
    # A volunteer finds the people assigned to them (decision 0016), within its role's classes.
    assert person_search(actor=volunteer, query="anouk").rows == []
    Assignment.objects.create(
        trajectory=anouk, organisation=org_a, user=volunteer.user, kind="visiting_volunteer"
    )
    assert _names(person_search(actor=volunteer, query="anouk")) == ["Anouk Maria de Vries"]
    assert Person.objects.count() == 1
