"""Values stored out of range before input was bounded break no page and no sweep (issue #9).

Each test plants the issue's values straight in the database, past every
service (as an older version, an import or a database edit could have): a
release date of 0001-01-01, an answer date of 9999-12-31, a norm override of
999,999,999 days, and more. The trajectory page answers 200 for sender and
receiver with the real date in words and a "check this date" mark, the
caseload too, the withdraw button is there, and the sweep evaluates every
trajectory — this one and the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.test import Client

from estafette.conditions.services import condition_record
from estafette.core.actor import Actor
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import handover_accept
from estafette.norms.models import NormOverride
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.people.models import Person
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import HandoverFactory, OrganisationFactory, TrajectoryFactory
from estafette.testing.views import client_for
from estafette.trajectories.models import ParticipantRole, Route, Trajectory
from estafette.trajectories.services import participant_add

YEAR_ONE = dt.date(1, 1, 1)
YEAR_9999 = dt.date(9999, 12, 31)
MARK = "check this date"  # the mark's words (Dutch once the catalogue has them)


def page(client: Client, trajectory: Trajectory) -> str:
    response = client.get(f"/trajectories/{trajectory.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def caseload(client: Client) -> str:
    response = client.get("/caseload/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def swept(*trajectories: Trajectory) -> None:
    """The whole sweep runs, and every trajectory got its evaluation (a fact-only rule holds)."""
    signals_evaluate()
    for trajectory in trajectories:
        assert live(trajectory, "no_contact_person") is not None, trajectory.pk


@pytest.fixture
def other(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    """A trajectory with plausible values, evaluated by the same sweep."""
    return cast(Trajectory, TrajectoryFactory(actor=actor_a))


def test_a_release_date_of_year_one(
    trajectory: Trajectory, other: Trajectory, actor_a: Actor
) -> None:
    # An estimate: a *known* release date that has passed means the person is out, and the
    # pre-release rules (the referral) rightly stay silent (issue 10).
    Trajectory.objects.filter(pk=trajectory.pk).update(
        release_certainty="estimate", release_date=YEAR_ONE, release_on=YEAR_ONE
    )
    client = client_for(actor_a)
    html = page(client, trajectory)
    assert "1 Jan 0001" in html and MARK in html
    assert MARK in caseload(client)
    swept(trajectory, other)
    # Its deadlines are counted at the calendar's edge, not lost: the referral is overdue.
    referral = live(trajectory, "aftercare_referral_missing")
    assert referral is not None and referral.due == YEAR_ONE
    assert live(other, "aftercare_referral_missing") is not None
    signals = client.get("/signals/", HTTP_ACCEPT_LANGUAGE="en")
    assert signals.status_code == 200
    assert client.get(f"/signals/{referral.pk}/").status_code == 200
    page(client, trajectory)  # and the page with its signals


def test_a_release_window_from_year_one_to_9999(
    trajectory: Trajectory, other: Trajectory, actor_a: Actor
) -> None:
    Trajectory.objects.filter(pk=trajectory.pk).update(
        release_certainty="window",
        release_date=None,
        release_earliest=YEAR_ONE,
        release_latest=YEAR_9999,
        release_on=YEAR_ONE,
    )
    html = page(client_for(actor_a), trajectory)
    assert "1 Jan 0001" in html and "31 Dec 9999" in html and MARK in html
    swept(trajectory, other)


def test_an_answer_date_of_9999_breaks_neither_the_drawing_nor_the_withdraw_button(
    trajectory: Trajectory,
    other: Trajectory,
    actor_a: Actor,
    actor_b: Actor,
    org_b: Organisation,
) -> None:
    handover = cast(Handover, HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=org_b))
    Handover.objects.filter(pk=handover.pk).update(respond_by=YEAR_9999)
    sender, receiver = client_for(actor_a), client_for(actor_b)
    for client in (sender, receiver):
        html = page(client, trajectory)
        assert "31 Dec 9999" in html and MARK in html
        assert 'class="relay-svg"' in html
    assert f"/handovers/{handover.pk}/withdraw/" in page(sender, trajectory)
    assert f"/handovers/{handover.pk}/accept/" in page(receiver, trajectory)
    assert MARK in caseload(sender) and MARK in caseload(receiver)
    swept(trajectory, other)
    withdrawn = sender.post(
        f"/handovers/{handover.pk}/withdraw/",
        {f"h{handover.pk}-withdraw-reason": "Datum klopte niet; opnieuw versturen."},
    )
    assert withdrawn.status_code == 302
    handover.refresh_from_db()
    assert handover.state == "withdrawn"


def test_an_answer_date_of_year_one(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor, org_b: Organisation
) -> None:
    handover = cast(Handover, HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=org_b))
    Handover.objects.filter(pk=handover.pk).update(respond_by=YEAR_ONE)
    assert MARK in page(client_for(actor_b), trajectory)
    swept(trajectory)


def make_organisation(kind: str) -> Organisation:
    return cast(Organisation, OrganisationFactory(kind=kind))


@pytest.fixture
def subjects(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    actor_a: Actor,
    actor_b: Actor,
    actor_for: Callable[..., Actor],
    org_b: Organisation,
) -> list[tuple[Actor, Trajectory]]:
    """A trajectory for each family of norms, so every rule counts with the planted value.

    Before release abroad (referral, booklet, way home); a visiting volunteer alongside;
    domestic, entered two months ago (screening, D&R plan, mentor); returned with an open
    basic condition and an accepted referral not yet taken up; a buddy programme holding
    the baton after release (weekly contact, contact after release, length).
    """
    today = frozen_clock.today
    visited = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    participant_add(
        actor=actor_a,
        trajectory=visited,
        organisation=make_organisation(kind=OrganisationKind.VOLUNTEER_ORGANISATION),
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    case_manager = actor_for(make_organisation(kind=OrganisationKind.PRISON))
    domestic = cast(
        Trajectory,
        TrajectoryFactory(
            actor=case_manager,
            route=Route.DOMESTIC,
            country=None,
            detention_start=today - dt.timedelta(days=60),
        ),
    )
    returned = cast(
        Trajectory, TrajectoryFactory(actor=actor_a, release_date=today - dt.timedelta(days=40))
    )
    condition_record(actor=actor_a, trajectory=returned, condition="id", status="open")
    handover_accept(
        actor=actor_b,
        handover=cast(
            Handover, HandoverFactory(actor=actor_a, trajectory=returned, receiver=org_b)
        ),
    )
    buddies = make_organisation(kind=OrganisationKind.BUDDY_PROGRAMME)
    buddy_case = cast(
        Trajectory, TrajectoryFactory(actor=actor_b, release_date=today - dt.timedelta(days=20))
    )
    handover_accept(
        actor=actor_for(buddies, Role.BUDDY_PROFESSIONAL),
        handover=send_with_consent(
            actor=actor_b,
            trajectory=buddy_case,
            receiver=buddies,
            purpose=Purpose.BUDDY,
            message="Aanmelding buddy.",
        ),
    )
    buddy_professional = actor_for(buddies, Role.BUDDY_PROFESSIONAL)
    return [
        (actor_a, trajectory),
        (actor_a, visited),
        (case_manager, domestic),
        (actor_b, returned),
        (buddy_professional, buddy_case),
    ]


PLANTED_NORMS: dict[str, dict[str, Any]] = {
    "aftercare_referral": {"days_before_release": 999_999_999},
    "return_booklet": {"days_before_release": 10**15},
    "way_home_ready": {"days_before_release": 999_999_999},
    "volunteer_visit": {"every_days": [999_999_999, 999_999_999]},
    "domestic_screening": {"within_days": 999_999_999},
    "dr_plan": {"within_days": -999_999_999},
    "mentor_conversation": {"every_days": [5, 2]},
    "buddy_contact": {"every_days": [999_999_999, 10**15]},
    "buddy_contact_after_release": {"within_days_after_release": "zeven"},
    "buddy_trajectory_length": {"about_days": 999_999_999},
    "basic_conditions_after_return": {"within_days_after_release": 999_999_999},
    "taken_up_after_arrival": {"within_days_after_release": None},
}
"""Every norm with a deadline, stored as nothing in the product lets through any more."""


def test_norm_overrides_stored_out_of_range_break_no_page_and_no_sweep(
    subjects: list[tuple[Actor, Trajectory]],
) -> None:
    for organisation in Organisation.objects.all():
        for code, params in PLANTED_NORMS.items():
            NormOverride.objects.create(
                organisation=organisation, norm_code=code, params=params, reason="Van vroeger."
            )
    for actor, trajectory in subjects:
        client = client_for(actor)
        page(client, trajectory)
        caseload(client)
    swept(*(trajectory for _actor, trajectory in subjects))


def test_a_norm_of_a_billion_days_counts_as_its_ranges_end(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    NormOverride.objects.create(
        organisation=actor_a.organisation,
        norm_code="aftercare_referral",
        params={"days_before_release": 999_999_999},
        reason="Van vroeger.",
    )
    signals_evaluate()
    referral = live(trajectory, "aftercare_referral_missing")
    assert referral is not None
    assert trajectory.release_on is not None
    assert referral.due == trajectory.release_on - dt.timedelta(days=730)


def test_other_far_dates_on_the_page(
    trajectory: Trajectory, other: Trajectory, actor_a: Actor
) -> None:
    Trajectory.objects.filter(pk=trajectory.pk).update(
        detention_start=YEAR_ONE, next_step="Bellen", next_step_due=YEAR_9999
    )
    Person.objects.filter(pk=trajectory.person_id).update(date_of_birth=YEAR_ONE)
    client = client_for(actor_a)
    html = page(client, trajectory)
    assert html.count(MARK) >= 3  # start of detention, next step, date of birth
    assert MARK in caseload(client)  # the next step is the nearest deadline
    swept(trajectory, other)


def test_plausible_values_carry_no_mark(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation
) -> None:
    HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=org_b)
    Trajectory.objects.filter(pk=trajectory.pk).update(
        detention_start=dt.date(2024, 5, 1), next_step="Bellen", next_step_due=dt.date(2025, 4, 1)
    )
    client = client_for(actor_a)
    assert MARK not in page(client, trajectory)
    assert MARK not in caseload(client)
    assert not Signal.objects.filter(due__lt=dt.date(1900, 1, 1)).exists()
