"""The caseload: which trajectories an organisation has on its desk, how it stands to each,
the nearest deadline, and the filters and sorts of the list.

Relations (issue 3): holder → holding; holder with a pending handover →
handing_over (baton in the air); receiver of a pending handover → incoming;
sender after acceptance → awaiting_outcome; sender after a declined, expired,
taken-up or no-show handover → outcome_to_review until acknowledged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from estafette.core.actor import Actor
from estafette.handovers.models import Handover
from estafette.handovers.services import (
    handover_accept,
    handover_acknowledge_outcome,
    handover_decline,
    handover_record_no_show,
    handover_record_taken_up,
    handover_transition,
    handover_withdraw,
)
from estafette.testing.clock import ClockControl
from estafette.testing.factories import (
    HandoverFactory,
    PersonFactory,
    TrajectoryFactory,
    country,
    municipality,
)
from estafette.testing.fixtures import returned_trajectory
from estafette.trajectories.models import Phase, ReleaseCertainty, Route, Trajectory
from estafette.trajectories.selectors import (
    CaseloadFilters,
    CaseRelation,
    Deadline,
    caseload_page,
    caseload_queryset,
)
from estafette.trajectories.services import (
    participant_add,
    trajectory_plan_next_step,
    trajectory_set_phase,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

D = dt.date
REASON = "Geen plek."


@pytest.fixture
def trajectory(frozen_clock: object, actor_a: Actor) -> Trajectory:
    """The relay's general mechanics on a returned person (:mod:`estafette.testing.fixtures`)."""
    return returned_trajectory(actor_a)


def rows_of(actor: Actor, **filters: object) -> dict[int, CaseRelation]:
    _, rows = caseload_page(actor=actor, filters=CaseloadFilters(**filters))
    return {row.trajectory.pk: row.relation for row in rows}


def ids(actor: Actor, **filters: object) -> list[int]:
    qs = caseload_queryset(actor=actor, filters=CaseloadFilters(**filters))
    return list(qs.values_list("pk", flat=True))


def send(sender: Actor, trajectory: Trajectory, receiver: Actor, **kw: object) -> Handover:
    return HandoverFactory(
        actor=sender, trajectory=trajectory, receiver=receiver.organisation, **kw
    )


# --- one relation at a time ------------------------------------------------------------------


def test_the_holder_has_it_as_holding_and_an_outsider_has_an_empty_caseload(
    trajectory: Trajectory, actor_a: Actor, actor_c: Actor
) -> None:
    _, rows = caseload_page(actor=actor_a, filters=CaseloadFilters())
    (row,) = rows
    assert (row.trajectory, row.relation, row.handover, row.pending) == (
        trajectory,
        CaseRelation.HOLDING,
        None,
        None,
    )
    assert not row.in_the_air
    assert row.relation_label
    assert rows_of(actor_c) == {}


def test_the_holder_with_a_pending_handover_is_handing_over_with_the_baton_in_the_air(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    pending = send(actor_a, trajectory, actor_b)
    _, (row,) = caseload_page(actor=actor_a, filters=CaseloadFilters())
    assert row.relation == CaseRelation.HANDING_OVER
    assert (row.handover, row.pending) == (pending, pending)
    assert row.in_the_air
    assert row.next_runner == actor_b.organisation


def test_the_receiver_of_a_pending_handover_has_it_as_incoming(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    pending = send(actor_a, trajectory, actor_b)
    _, (row,) = caseload_page(actor=actor_b, filters=CaseloadFilters())
    assert (row.relation, row.handover) == (CaseRelation.INCOMING, pending)
    assert rows_of(actor_c) == {}


def test_after_acceptance_the_receiver_holds_and_the_sender_awaits_the_outcome(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    handover = handover_accept(actor=actor_b, handover=send(actor_a, trajectory, actor_b))
    _, (row,) = caseload_page(actor=actor_a, filters=CaseloadFilters())
    assert (row.relation, row.handover) == (CaseRelation.AWAITING_OUTCOME, handover)
    assert not row.in_the_air
    assert rows_of(actor_b) == {trajectory.pk: CaseRelation.HOLDING}


@pytest.mark.parametrize("outcome", ["decline", "expire", "no_show", "take_up"])
def test_the_sender_has_an_outcome_to_review_until_it_acknowledges_it(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor, outcome: str
) -> None:
    handover = send(actor_a, trajectory, actor_b)
    if outcome == "decline":
        handover_decline(actor=actor_b, handover=handover, reason=REASON)
    elif outcome == "expire":
        handover_transition(actor=None, handover=handover, action="expire")
    else:
        handover_accept(actor=actor_b, handover=handover)
        if outcome == "no_show":
            handover_record_no_show(actor=actor_b, handover=handover, reason=REASON)
        else:
            handover_record_taken_up(actor=actor_b, handover=handover)
    _, (row,) = caseload_page(actor=actor_a, filters=CaseloadFilters())
    assert (row.relation, row.handover) == (CaseRelation.OUTCOME_TO_REVIEW, handover)

    handover_acknowledge_outcome(actor=actor_a, handover=handover)
    if outcome == "take_up":  # the receiver runs on; the sender's part is done
        assert rows_of(actor_a) == {}
    else:  # the baton is (back) with the sender
        assert rows_of(actor_a) == {trajectory.pk: CaseRelation.HOLDING}


def test_after_a_withdrawal_the_sender_simply_holds_and_the_receiver_has_nothing(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    handover_withdraw(actor=actor_a, handover=send(actor_a, trajectory, actor_b), reason=REASON)
    assert rows_of(actor_a) == {trajectory.pk: CaseRelation.HOLDING}
    assert rows_of(actor_b) == {}


def test_a_closed_trajectory_leaves_the_caseload(trajectory: Trajectory, actor_a: Actor) -> None:
    trajectory_set_phase(actor=actor_a, trajectory=trajectory, phase=Phase.CLOSED, reason="klaar")
    assert rows_of(actor_a) == {}


def test_a_participant_sees_the_trajectory_but_it_is_not_on_its_desk(
    trajectory: Trajectory, actor_a: Actor, actor_c: Actor
) -> None:
    participant_add(
        actor=actor_a, trajectory=trajectory, organisation=actor_c.organisation, role="other"
    )
    assert rows_of(actor_c) == {}


# --- every relation filter at once -----------------------------------------------------------


@dataclass
class Desk:
    holding: Trajectory
    handing_over: Trajectory
    incoming: Trajectory
    awaiting: Trajectory
    review: Trajectory
    closed: Trajectory
    elsewhere: Trajectory
    exchange: Trajectory


@pytest.fixture
def desk(actor_a: Actor, actor_b: Actor, actor_c: Actor) -> Desk:
    """org_a's desk with one trajectory in each relation, plus one closed and one elsewhere."""
    holding = TrajectoryFactory(actor=actor_a)
    handing_over = TrajectoryFactory(actor=actor_a)
    send(actor_a, handing_over, actor_b)
    incoming = TrajectoryFactory(actor=actor_c)
    send(actor_c, incoming, actor_a)
    # Returned: accepting passes the baton at once.
    awaiting = TrajectoryFactory(actor=actor_a, phase=Phase.RETURN)
    handover_accept(actor=actor_b, handover=send(actor_a, awaiting, actor_b))
    review = TrajectoryFactory(actor=actor_a)
    handover_decline(actor=actor_c, handover=send(actor_a, review, actor_c), reason=REASON)
    closed = TrajectoryFactory(actor=actor_a)
    trajectory_set_phase(actor=actor_a, trajectory=closed, phase=Phase.CLOSED, reason="klaar")
    elsewhere = TrajectoryFactory(actor=actor_b)
    # Still detained: accepting commits org_b, org_a holds the baton until release (0011).
    exchange = TrajectoryFactory(actor=actor_a)
    handover_accept(actor=actor_b, handover=send(actor_a, exchange, actor_b))
    return Desk(holding, handing_over, incoming, awaiting, review, closed, elsewhere, exchange)


def test_each_row_on_the_desk_says_how_the_organisation_stands_to_it(
    desk: Desk, actor_a: Actor
) -> None:
    assert rows_of(actor_a) == {
        desk.holding.pk: CaseRelation.HOLDING,
        desk.handing_over.pk: CaseRelation.HANDING_OVER,
        desk.incoming.pk: CaseRelation.INCOMING,
        desk.awaiting.pk: CaseRelation.AWAITING_OUTCOME,
        desk.review.pk: CaseRelation.OUTCOME_TO_REVIEW,
        desk.exchange.pk: CaseRelation.HANDING_OVER_AT_RELEASE,
    }


@pytest.mark.parametrize(
    ("relation", "expected"),
    [
        ("", {"holding", "handing_over", "incoming", "awaiting", "review", "exchange"}),
        (CaseRelation.HOLDING, {"holding", "handing_over", "review", "exchange"}),
        (CaseRelation.HANDING_OVER, {"handing_over"}),
        (CaseRelation.INCOMING, {"incoming"}),
        (CaseRelation.AWAITING_OUTCOME, {"awaiting"}),
        (CaseRelation.OUTCOME_TO_REVIEW, {"review"}),
        (CaseRelation.HANDING_OVER_AT_RELEASE, {"exchange"}),
    ],
)
def test_each_relation_filter_selects_its_trajectories(
    desk: Desk, actor_a: Actor, relation: str, expected: set[str]
) -> None:
    assert set(ids(actor_a, relation=relation)) == {getattr(desk, n).pk for n in expected}


def test_the_other_organisations_desks_are_their_own(
    desk: Desk, actor_b: Actor, actor_c: Actor
) -> None:
    assert rows_of(actor_b) == {
        desk.handing_over.pk: CaseRelation.INCOMING,
        desk.awaiting.pk: CaseRelation.HOLDING,
        desk.elsewhere.pk: CaseRelation.HOLDING,
        desk.exchange.pk: CaseRelation.PREPARING,
    }
    assert set(ids(actor_b, relation=CaseRelation.PREPARING)) == {desk.exchange.pk}
    assert rows_of(actor_c) == {desk.incoming.pk: CaseRelation.HANDING_OVER}


# --- the nearest deadline --------------------------------------------------------------------


def _deadline(actor: Actor) -> Deadline | None:
    _, (row,) = caseload_page(actor=actor, filters=CaseloadFilters())
    return row.deadline


def test_no_pending_handover_and_no_next_step_date_means_no_deadline(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    assert _deadline(actor_a) is None


def test_the_deadline_of_a_pending_handover_is_its_answer_date(
    trajectory: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    send(actor_a, trajectory, actor_b, respond_by=D(2025, 3, 10))
    deadline = _deadline(actor_a)
    assert deadline is not None
    assert deadline.date == D(2025, 3, 10)
    assert deadline.days_left == 7
    assert not deadline.overdue
    assert _deadline(actor_b) == deadline


def test_the_deadline_of_a_next_step_is_its_date_named_by_the_step(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    trajectory_plan_next_step(
        actor=actor_a, trajectory=trajectory, next_step="Terugkeerboekje sturen", due=D(2025, 3, 1)
    )
    deadline = _deadline(actor_a)
    assert deadline == Deadline(D(2025, 3, 1), "Terugkeerboekje sturen")
    assert deadline.days_left == -2
    assert deadline.overdue


@pytest.mark.parametrize(
    ("respond_by", "due", "nearest"),
    [
        (D(2025, 3, 10), D(2025, 3, 20), D(2025, 3, 10)),
        (D(2025, 3, 20), D(2025, 3, 10), D(2025, 3, 10)),
        (D(2025, 3, 15), D(2025, 3, 15), D(2025, 3, 15)),
    ],
)
def test_the_deadline_is_the_earlier_of_the_answer_date_and_the_next_step(
    trajectory: Trajectory,
    actor_a: Actor,
    actor_b: Actor,
    respond_by: dt.date,
    due: dt.date,
    nearest: dt.date,
) -> None:
    trajectory_plan_next_step(actor=actor_a, trajectory=trajectory, next_step="bellen", due=due)
    send(actor_a, trajectory, actor_b, respond_by=respond_by)
    deadline = _deadline(actor_a)
    assert deadline is not None
    assert deadline.date == nearest
    annotated = caseload_queryset(actor=actor_a, filters=CaseloadFilters()).get()
    assert annotated.nearest_deadline == nearest


def test_a_deadline_that_is_today_is_not_overdue_and_tomorrow_it_is(
    trajectory: Trajectory, actor_a: Actor, frozen_clock: ClockControl
) -> None:
    trajectory_plan_next_step(
        actor=actor_a, trajectory=trajectory, next_step="x", due=D(2025, 3, 3)
    )
    deadline = _deadline(actor_a)
    assert deadline is not None
    assert (deadline.days_left, deadline.overdue) == (0, False)
    frozen_clock.advance(days=1)
    assert (deadline.days_left, deadline.overdue) == (-1, True)


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def varied(actor_a: Actor) -> dict[str, Trajectory]:
    """Four trajectories held by org_a that differ in phase, route, country, place and release."""
    es, th = country("ES"), country("TH")
    arnhem, amsterdam, den_haag = (
        municipality("GM0202"),
        municipality("GM0363"),
        municipality("GM0518"),
    )
    spain = TrajectoryFactory(
        actor=actor_a,
        person=PersonFactory(family_name="Aalders"),
        country=es,
        registration_municipality=arnhem,
        release_date=D(2025, 4, 1),
    )
    thailand = TrajectoryFactory(
        actor=actor_a,
        person=PersonFactory(family_name="Zwart"),
        route=Route.ABROAD_TRANSFER,
        transfer_law="WOTS",
        country=th,
        registration_municipality=amsterdam,
        settlement_municipality=den_haag,
        release_certainty=ReleaseCertainty.WINDOW,
        release_date=None,
        release_earliest=D(2025, 6, 1),
        release_latest=D(2025, 9, 1),
    )
    domestic = TrajectoryFactory(
        actor=actor_a,
        person=PersonFactory(family_name="Mulder"),
        route=Route.DOMESTIC,
        country=None,
        registration_municipality=den_haag,
        release_date=D(2025, 5, 1),
    )
    unknown = TrajectoryFactory(
        actor=actor_a,
        person=PersonFactory(family_name="Bakker"),
        route=Route.ABROAD_OWN,
        country=th,
        registration_municipality=None,
        release_certainty=ReleaseCertainty.UNKNOWN,
        release_date=None,
    )
    trajectory_set_phase(actor=actor_a, trajectory=domestic, phase=Phase.RETURN)
    return {"spain": spain, "thailand": thailand, "domestic": domestic, "unknown": unknown}


def _named(varied: dict[str, Trajectory], pks: list[int]) -> list[str]:
    by_pk = {t.pk: name for name, t in varied.items()}
    return [by_pk[pk] for pk in pks]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"phase": Phase.RETURN}, {"domestic"}),
        ({"phase": Phase.DETENTION}, {"spain", "thailand", "unknown"}),
        ({"route": Route.ABROAD_TRANSFER}, {"thailand"}),
        ({"route": Route.ABROAD_OWN}, {"unknown"}),
        ({"country": "TH"}, {"thailand", "unknown"}),
        ({"country": "ES"}, {"spain"}),
        ({"country": "PE"}, set()),
        ({"municipality": "GM0202"}, {"spain"}),
        ({"municipality": "GM0518"}, {"thailand", "domestic"}),  # settlement or registration
        ({"release_from": D(2025, 5, 1)}, {"thailand", "domestic"}),
        ({"release_to": D(2025, 5, 1)}, {"spain", "domestic"}),
        ({"release_from": D(2025, 4, 2), "release_to": D(2025, 5, 31)}, {"domestic"}),
        ({"release_from": D(2025, 6, 1), "release_to": D(2025, 6, 1)}, {"thailand"}),
        ({"country": "TH", "route": Route.ABROAD_TRANSFER}, {"thailand"}),
        ({}, {"spain", "thailand", "domestic", "unknown"}),
    ],
)
def test_filters_narrow_the_caseload(
    varied: dict[str, Trajectory], actor_a: Actor, filters: dict[str, object], expected: set[str]
) -> None:
    if "municipality" in filters:
        filters = {**filters, "municipality": municipality(str(filters["municipality"])).pk}
    assert set(_named(varied, ids(actor_a, **filters))) == expected


def test_filters_never_widen_the_caseload_beyond_the_organisation(
    varied: dict[str, Trajectory], actor_b: Actor
) -> None:
    assert ids(actor_b, country="TH") == []
    assert ids(actor_b, release_from=D(2000, 1, 1)) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("release", ["spain", "domestic", "thailand", "unknown"]),
        ("-release", ["thailand", "domestic", "spain", "unknown"]),
        ("person", ["spain", "unknown", "domestic", "thailand"]),
        ("route", ["spain", "unknown", "thailand", "domestic"]),
        ("phase", ["spain", "thailand", "unknown", "domestic"]),
        ("country", ["spain", "thailand", "unknown", "domestic"]),
        ("no-such-sort", ["spain", "domestic", "thailand", "unknown"]),
    ],
)
def test_sorts_order_the_caseload_with_unknown_release_and_no_country_last(
    varied: dict[str, Trajectory], actor_a: Actor, sort: str, expected: list[str]
) -> None:
    assert _named(varied, ids(actor_a, sort=sort)) == expected


def test_sorting_by_deadline_puts_the_nearest_first_and_none_last(
    varied: dict[str, Trajectory], actor_a: Actor, actor_b: Actor
) -> None:
    trajectory_plan_next_step(
        actor=actor_a, trajectory=varied["unknown"], next_step="x", due=D(2025, 3, 20)
    )
    send(actor_a, varied["spain"], actor_b, respond_by=D(2025, 3, 25))
    trajectory_plan_next_step(
        actor=actor_a, trajectory=varied["domestic"], next_step="y", due=D(2025, 3, 5)
    )
    send(actor_a, varied["domestic"], actor_b, respond_by=D(2025, 3, 30))
    order = _named(varied, ids(actor_a, sort="deadline"))
    assert order == ["domestic", "unknown", "spain", "thailand"]


def test_the_caseload_is_paginated(varied: dict[str, Trajectory], actor_a: Actor) -> None:
    page, rows = caseload_page(actor=actor_a, filters=CaseloadFilters(), page=2, per_page=3)
    assert page.paginator.count == 4
    assert page.number == 2
    assert _named(varied, [r.trajectory.pk for r in rows]) == ["unknown"]
    page, rows = caseload_page(actor=actor_a, filters=CaseloadFilters(), page=99, per_page=3)
    assert page.number == 2  # an out-of-range page shows the last one
