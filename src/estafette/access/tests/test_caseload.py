"""The caseload under need-to-know: only files in scope, masked per row, "runs alongside"."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager

import pytest

from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Purpose
from estafette.organisations.models import OrganisationKind, Role
from estafette.trajectories.models import ParticipantRole
from estafette.trajectories.selectors import CaseloadFilters, CaseRelation, caseload_page
from estafette.trajectories.services import participant_add

from .helpers import (
    assign,
    bb_desk,
    caseload_rows,
    client_for,
    consent_for,
    make_actor,
    make_org,
    open_file,
    send,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def holder(db: None) -> Actor:
    return make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)


@pytest.fixture
def volunteer(db: None) -> Actor:
    return make_actor(make_org(OrganisationKind.VOLUNTEER_ORGANISATION), Role.VISITING_VOLUNTEER)


def _alongside(holder: Actor, volunteer: Actor, consent: bool = True) -> object:
    """A file the volunteer's organisation runs alongside in, the volunteer assigned to it."""
    trajectory = open_file(holder)
    participant_add(
        actor=holder,
        trajectory=trajectory,
        organisation=volunteer.organisation,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    assign(volunteer, trajectory)  # a volunteer sees only the people assigned to it
    if consent:
        consent_for(trajectory, volunteer.organisation)
    return trajectory


def test_a_visiting_volunteer_finds_the_people_it_runs_alongside(
    holder: Actor, volunteer: Actor
) -> None:
    with_consent = _alongside(holder, volunteer)
    without = _alongside(holder, volunteer, consent=False)
    _, rows = caseload_page(actor=volunteer, filters=CaseloadFilters())
    assert [row.trajectory for row in rows] == [with_consent]
    assert rows[0].relation == CaseRelation.ALONGSIDE
    assert rows[0].classes == {
        DataClass.IDENTITY,
        DataClass.DETENTION,
        DataClass.CONDITIONS,
        DataClass.NETWORK,
        DataClass.NOTES,
    }
    html = client_for(volunteer).get("/caseload/").content.decode()
    assert with_consent.person.family_name in html  # type: ignore[attr-defined]
    assert without.person.family_name not in html  # type: ignore[attr-defined]
    assert "loopt mee" in html
    _, only = caseload_page(actor=volunteer, filters=CaseloadFilters(relation="alongside"))
    assert [row.trajectory for row in only] == [with_consent]


def test_a_volunteer_does_not_see_a_colleagues_person(holder: Actor, volunteer: Actor) -> None:
    """Need-to-know within the volunteer organisation (issue 12): the organisation runs
    alongside, the consent covers it, but only the assigned volunteer sees the person."""
    mine = _alongside(holder, volunteer)
    colleague = make_actor(volunteer.organisation, Role.VISITING_VOLUNTEER)
    theirs = _alongside(holder, colleague)
    _, rows = caseload_page(actor=volunteer, filters=CaseloadFilters())
    assert [row.trajectory for row in rows] == [mine]
    html = client_for(volunteer).get("/caseload/").content.decode()
    assert theirs.person.family_name not in html  # type: ignore[attr-defined]
    assert client_for(volunteer).get(f"/trajectories/{theirs.pk}/").status_code == 404  # type: ignore[attr-defined]


def test_a_receiver_without_a_ground_does_not_see_the_row(holder: Actor) -> None:
    desk = make_org(OrganisationKind.LANDING_PLACE)
    worker = make_actor(desk, Role.LANDING_PLACE_WORKER)
    trajectory = open_file(holder)
    handover = send(holder, trajectory, desk, Purpose.SENTENCE_TRANSFER)  # no consent needed
    _, rows = caseload_page(actor=worker, filters=CaseloadFilters())
    assert rows == []
    consent_for(trajectory, desk, [DataClass.IDENTITY])
    _, rows = caseload_page(actor=worker, filters=CaseloadFilters())
    assert [(row.trajectory, row.relation, row.handover) for row in rows] == [
        (trajectory, CaseRelation.INCOMING, handover)
    ]


def test_detention_columns_are_masked_per_row(holder: Actor) -> None:
    desk = make_org(OrganisationKind.MUNICIPAL_AFTERCARE)
    worker = make_actor(desk, Role.AFTERCARE_COORDINATOR)
    shown, masked = open_file(holder), open_file(holder)
    for trajectory in (shown, masked):
        send(holder, trajectory, desk, Purpose.SENTENCE_TRANSFER)
    consent_for(shown, desk, [DataClass.IDENTITY, DataClass.DETENTION])
    consent_for(masked, desk, [DataClass.IDENTITY])
    _, rows = caseload_page(actor=worker, filters=CaseloadFilters())
    by_trajectory = {row.trajectory: row for row in rows}
    assert by_trajectory[shown].sees_detention and not by_trajectory[masked].sees_detention
    html = caseload_rows(client_for(worker).get("/caseload/").content.decode())
    assert html.count("Spanje") == 1  # only the row with detention shows its country
    assert "Niet gedeeld met uw organisatie" in html


def test_a_filter_on_detention_data_cannot_reveal_a_masked_row(holder: Actor) -> None:
    desk = make_org(OrganisationKind.MUNICIPAL_AFTERCARE)
    worker = make_actor(desk, Role.AFTERCARE_COORDINATOR)
    shown, masked = open_file(holder), open_file(holder)
    for trajectory in (shown, masked):
        send(holder, trajectory, desk, Purpose.SENTENCE_TRANSFER)
    consent_for(shown, desk, [DataClass.IDENTITY, DataClass.DETENTION])
    consent_for(masked, desk, [DataClass.IDENTITY])
    for filters in (
        CaseloadFilters(country="ES"),
        CaseloadFilters(phase="detention"),
        CaseloadFilters(route="abroad_bb"),
    ):
        _, rows = caseload_page(actor=worker, filters=filters)
        assert [row.trajectory for row in rows] == [shown], filters
    # Sorting on detention data puts the masked rows last, ordered by number only.
    _, rows = caseload_page(actor=worker, filters=CaseloadFilters(sort="-release"))
    assert [row.trajectory for row in rows] == [shown, masked]


def test_the_caseload_costs_the_same_queries_for_few_or_many_rows(
    holder: Actor,
    volunteer: Actor,
    django_assert_max_num_queries: Callable[[int], ContextManager[object]],
) -> None:
    _alongside(holder, volunteer)
    with django_assert_max_num_queries(6):  # count, ids, rows, handovers, parts, consents
        caseload_page(actor=volunteer, filters=CaseloadFilters())
    for _ in range(15):
        _alongside(holder, volunteer)
    with django_assert_max_num_queries(6):
        _, rows = caseload_page(actor=volunteer, filters=CaseloadFilters())
    assert len(rows) == 16
    client = client_for(volunteer)
    client.get("/caseload/")
    with django_assert_max_num_queries(20):
        assert client.get("/caseload/").status_code == 200
