"""The policy's set-based and per-file answers agree, and stay within their query budgets."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager

import pytest

from estafette.access.policy import (
    ALL_CLASSES,
    JUSTICE_ROLES,
    ROLE_DATA_CLASSES,
    access_for,
    class_granted_q,
    classes_for_page,
    may_see_notes_of,
    trajectory_scope,
    visible_classes,
)
from estafette.access.services import emergency_access_open
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Purpose
from estafette.organisations.models import OrganisationKind, Role
from estafette.trajectories.models import Trajectory
from estafette.trajectories.services import participant_add

from .helpers import TODAY, assign, bb_desk, consent_for, make_actor, make_org, open_file, send

pytestmark = pytest.mark.usefixtures("frozen_clock")


def test_every_role_has_a_row_and_never_more_than_all_classes() -> None:
    assert set(ROLE_DATA_CLASSES) == set(Role)
    for classes in ROLE_DATA_CLASSES.values():
        assert DataClass.IDENTITY in classes
        assert classes <= ALL_CLASSES
    assert DataClass.OFFENCE not in ROLE_DATA_CLASSES[Role.VISITING_VOLUNTEER]
    assert {Role.CASE_MANAGER, Role.PROBATION_OFFICER} == JUSTICE_ROLES
    for role in JUSTICE_ROLES:
        actor = Actor(user=None, organisation=None, role=role)  # type: ignore[arg-type]
        assert not may_see_notes_of(actor, OrganisationKind.BUDDY_PROGRAMME)
        assert may_see_notes_of(actor, OrganisationKind.MUNICIPAL_AFTERCARE)


@pytest.mark.parametrize(
    ("holder", "part", "legal", "consented", "emergency", "expected"),
    [
        (False, False, False, {"offence"}, False, set()),  # a consent without a part: nothing
        (True, True, False, set(), False, {"identity"}),  # the holder may ask for consent
        (False, True, True, set(), False, set(ALL_CLASSES)),  # law is the ground
        (False, True, False, {"network"}, False, {"network"}),
        (False, False, False, set(), True, set(ALL_CLASSES)),
    ],
)
def test_the_rule_without_the_database(
    holder: bool,
    part: bool,
    legal: bool,
    consented: set[str],
    emergency: bool,
    expected: set[str],
) -> None:
    role = frozenset(ALL_CLASSES)
    assert (
        visible_classes(
            role,
            holder=holder,
            part=part,
            legal_basis=legal,
            consented=consented,
            emergency=emergency,
        )
        == expected
    )


@pytest.fixture
def varied(db: None) -> tuple[list[Actor], list[Trajectory]]:
    """Files in every relation to a few actors, with partial, expired and missing consents."""
    holder = make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)
    desk = make_org(OrganisationKind.MUNICIPAL_AFTERCARE)
    prison = make_org(OrganisationKind.PRISON)
    volunteers = make_org(OrganisationKind.VOLUNTEER_ORGANISATION)
    actors = [
        holder,
        make_actor(desk, Role.AFTERCARE_COORDINATOR),
        make_actor(prison, Role.CASE_MANAGER),
        make_actor(volunteers, Role.VISITING_VOLUNTEER),
        make_actor(make_org(OrganisationKind.PARTNER), Role.PARTNER_WORKER),
    ]
    trajectories = []
    for i, classes in enumerate(
        [
            None,
            [DataClass.DETENTION],
            [DataClass.IDENTITY, DataClass.HEALTH],
            [],
            [DataClass.NOTES, DataClass.OFFENCE],
        ]
    ):
        trajectory = open_file(holder)
        if i % 2 == 0:
            consent_for(trajectory, holder.organisation, classes)
        send(holder, trajectory, [desk, prison, desk, prison, desk][i], Purpose.SENTENCE_TRANSFER)
        participant_add(
            actor=holder, trajectory=trajectory, organisation=volunteers, role="visiting_volunteer"
        )
        if classes is not None:
            consent_for(trajectory, desk, classes)
            consent_for(
                trajectory,
                volunteers,
                classes,
                given_on=TODAY - dt.timedelta(days=10),
                ends_on=TODAY - dt.timedelta(days=i),
            )
        trajectories.append(trajectory)
    emergency_access_open(
        actor=actors[4],
        trajectory_pk=trajectories[0].pk,
        reason="Een crisis die niet kan wachten tot maandag.",
    )
    return actors, trajectories


def test_the_bulk_and_the_sql_answers_agree_with_access_for(
    varied: tuple[list[Actor], list[Trajectory]],
    django_assert_max_num_queries: Callable[[int], ContextManager[object]],
) -> None:
    actors, trajectories = varied
    for actor in actors:
        with django_assert_max_num_queries(2):
            bulk = classes_for_page(actor, trajectories)
        in_scope = set(trajectory_scope(actor).values_list("pk", flat=True))
        for trajectory in trajectories:
            single = access_for(actor, trajectory).classes
            assert bulk[trajectory.pk] == single, (actor.role, trajectory.pk)
            if trajectory.pk not in in_scope:
                assert single == frozenset(), (actor.role, trajectory.pk)
        for data_class in DataClass.values:
            granted = set(
                Trajectory.objects.filter(pk__in=[t.pk for t in trajectories])
                .filter(class_granted_q(actor, data_class))
                .values_list("pk", flat=True)
            )
            expected = {t.pk for t in trajectories if data_class in bulk[t.pk]}
            assert granted == expected, (actor.role, data_class)


def test_classes_for_page_of_nothing_costs_nothing(
    django_assert_max_num_queries: Callable[[int], ContextManager[object]], db: None
) -> None:
    actor = make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)
    with django_assert_max_num_queries(0):
        assert classes_for_page(actor, []) == {}


def test_every_role_and_class_combination_of_the_table(db: None) -> None:
    """access_for never returns a class outside the role's row, whatever the grounds."""
    holder = make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)
    trajectory = open_file(holder)
    for role, kind in itertools.product(Role, (OrganisationKind.PRISON, OrganisationKind.PARTNER)):
        organisation = make_org(kind)
        actor = make_actor(organisation, role)
        participant_add(
            actor=holder, trajectory=trajectory, organisation=organisation, role="other"
        )
        consent_for(trajectory, organisation)
        assign(actor, trajectory)  # a volunteer sees only the people assigned to it
        assert access_for(actor, trajectory).classes == ROLE_DATA_CLASSES[role]
