"""The rules on basic conditions, the way home and the first weeks back (signals/rules/conditions).

Each rule: the facts raise it, the boundaries (the day before, on and after a
deadline) hold, and it resolves by itself when the facts change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import cast

from django.utils import translation

from estafette.conditions.models import Condition, Status
from estafette.conditions.services import condition_record
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.handovers.models import Purpose
from estafette.handovers.services import handover_accept, handover_record_taken_up
from estafette.norms.services import norm_override_set
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.people.models import NetworkMember, Relation
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import ResolvedHow, Signal
from estafette.signals.rules import REGISTRY
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import OrganisationFactory, TrajectoryFactory
from estafette.trajectories.models import Phase, ReleaseCertainty, Route, Trajectory
from estafette.trajectories.services import (
    trajectory_change_route,
    trajectory_record_domestic_entry,
    trajectory_set_phase,
    trajectory_set_release,
)

LIFE = (
    Condition.ID,
    Condition.INCOME,
    Condition.HEALTH_INSURANCE,
    Condition.HOUSING,
    Condition.DEBTS,
    Condition.CARE,
)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def make(actor: Actor, **fields: object) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


def record(actor: Actor, trajectory: Trajectory, status: str, *conditions: str) -> None:
    for condition in conditions:
        condition_record(actor=actor, trajectory=trajectory, condition=condition, status=status)


def reason_en(signal: Signal) -> str:
    """The reason as an English reader sees it (the stored one is in the default language)."""
    with translation.override("en"):
        return REGISTRY[signal.rule_code].reason_text(signal.facts)


def resolved_auto(signal: Signal) -> bool:
    signal.refresh_from_db()
    return signal.state == "resolved" and signal.resolved_how == ResolvedHow.AUTO


def back_since(actor: Actor, n: int) -> Trajectory:
    """Released on a known date ``n`` days ago (the phase not yet moved on)."""
    return make(actor, release_date=clock.today() - days(n))


# -- basic condition still open long after return ----------------------------------------


def test_condition_open_after_return_boundaries(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = back_since(actor_a, 27)
    record(actor_a, t, Status.ARRANGED, Condition.ID, Condition.INCOME)
    signals_evaluate()
    assert live(t, "condition_open_after_return") is None  # the day before the deadline
    frozen_clock.advance(days=1)
    signals_evaluate()
    assert live(t, "condition_open_after_return") is None  # on the deadline (28 days)
    frozen_clock.advance(days=1)
    signals_evaluate()
    signal = live(t, "condition_open_after_return")
    assert signal is not None  # the day after
    assert signal.facts["open"] == ["health_insurance", "housing", "debts", "care"]
    assert signal.facts["returned_basis"] == "release_date"
    assert signal.due == frozen_clock.today - days(1)
    assert signal.addressee_id == actor_a.organisation_id
    assert signal.norm_code == "basic_conditions_after_return"
    assert "§3.3" in signal.reason and "health insurance" in reason_en(signal)
    # "Being arranged" is not open: somebody is on it.
    record(actor_a, t, Status.BEING_ARRANGED, Condition.HEALTH_INSURANCE, Condition.HOUSING)
    record(actor_a, t, Status.NOT_NEEDED, Condition.DEBTS)
    signals_evaluate([t.pk])
    assert live(t, "condition_open_after_return") == signal
    signal.refresh_from_db()
    assert signal.facts["open"] == ["care"]
    record(actor_a, t, Status.ARRANGED, Condition.CARE)
    signals_evaluate([t.pk])
    assert resolved_auto(signal)


def test_window_counts_from_the_move_to_reintegration_not_the_window(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a)
    trajectory_set_release(
        actor=actor_a,
        trajectory=t,
        certainty=ReleaseCertainty.WINDOW,
        earliest=today - days(60),
        latest=today + days(10),
    )
    signals_evaluate()
    # In detention with only a window: not counted as back, whatever the window says.
    assert live(t, "condition_open_after_return") is None
    assert live(t, "id_missing_after_return") is None
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.REINTEGRATION)
    signals_evaluate()
    assert live(t, "condition_open_after_return") is None
    assert live(t, "id_missing_after_return") is not None  # ID first, from the first day
    frozen_clock.advance(days=28)
    signals_evaluate()
    assert live(t, "condition_open_after_return") is None
    frozen_clock.advance(days=1)
    signals_evaluate()
    signal = live(t, "condition_open_after_return")
    assert signal is not None
    assert signal.facts["returned_basis"] == "phase_change"
    assert signal.facts["returned_on"] == today.isoformat()


def test_exact_release_date_counts_even_before_the_phase_moves(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = back_since(actor_a, 40)
    signals_evaluate()
    signal = live(t, "condition_open_after_return")
    assert signal is not None
    assert signal.facts["open"] == [c.value for c in LIFE]  # nothing recorded = unknown


def test_the_holders_own_days_are_used(
    frozen_clock: ClockControl, actor_a: Actor, actor_for: Callable[..., Actor]
) -> None:
    t = back_since(actor_a, 15)
    signals_evaluate()
    assert live(t, "condition_open_after_return") is None
    norm_override_set(
        actor=actor_for(actor_a.organisation, "organisation_admin"),
        code="basic_conditions_after_return",
        params={"within_days_after_release": 14},
        reason="Wij kijken na twee weken.",
    )
    signals_evaluate()
    signal = live(t, "condition_open_after_return")
    assert signal is not None and signal.facts["days"] == 14


# -- ID missing while benefit or insurance waits on it -----------------------------------


def test_id_missing_from_the_release_day(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(1))
    signals_evaluate()
    assert live(t, "id_missing_after_return") is None  # the day before release
    frozen_clock.advance(days=1)
    signals_evaluate()
    signal = live(t, "id_missing_after_return")
    assert signal is not None  # on the release day
    assert signal.severity == "urgent"
    assert signal.facts["waiting"] == ["income", "health_insurance"]
    assert signal.facts["id_status"] == "unknown"
    assert "§3.3" in signal.reason
    frozen_clock.advance(days=1)
    signals_evaluate()
    assert live(t, "id_missing_after_return") == signal  # and after
    record(actor_a, t, Status.BEING_ARRANGED, Condition.ID)
    signals_evaluate([t.pk])
    assert resolved_auto(signal)


def test_id_open_but_nothing_waits_raises_nothing(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = back_since(actor_a, 3)
    record(actor_a, t, Status.OPEN, Condition.ID)
    record(actor_a, t, Status.ARRANGED, Condition.INCOME)
    signals_evaluate()
    signal = live(t, "id_missing_after_return")
    assert signal is not None and signal.facts["waiting"] == ["health_insurance"]
    record(actor_a, t, Status.NOT_NEEDED, Condition.HEALTH_INSURANCE)
    signals_evaluate([t.pk])
    assert resolved_auto(signal)


# -- no money or travel documents to come home -------------------------------------------


def test_way_home_boundaries_on_a_known_date(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(32))
    signals_evaluate()
    assert live(t, "no_way_home") is None  # 32 days ahead: the day before the deadline
    frozen_clock.advance(days=1)
    signals_evaluate()
    assert live(t, "no_way_home") is None
    frozen_clock.advance(days=1)  # 30 days ahead: due today
    signals_evaluate()
    signal = live(t, "no_way_home")
    assert signal is not None
    assert signal.due == frozen_clock.today
    assert signal.severity == "warning"
    assert signal.facts["missing"] == ["travel_documents", "journey_money"]
    assert "§3.2" in signal.reason
    frozen_clock.advance(days=24)  # 6 days ahead: urgent
    signals_evaluate()
    signal.refresh_from_db()
    assert signal.severity == "urgent"
    record(actor_a, t, Status.ARRANGED, Condition.TRAVEL_DOCUMENTS)
    signals_evaluate([t.pk])
    signal.refresh_from_db()
    assert signal.facts["missing"] == ["journey_money"]
    record(actor_a, t, Status.ARRANGED, Condition.JOURNEY_MONEY)
    signals_evaluate([t.pk])
    assert resolved_auto(signal)


def test_way_home_window_counts_from_its_earliest_day(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a)
    trajectory_set_release(
        actor=actor_a,
        trajectory=t,
        certainty=ReleaseCertainty.WINDOW,
        earliest=today + days(30),
        latest=today + days(90),
    )
    signals_evaluate()
    signal = live(t, "no_way_home")
    assert signal is not None and signal.facts["release_certainty"] == "window"
    trajectory_set_release(
        actor=actor_a,
        trajectory=t,
        certainty=ReleaseCertainty.WINDOW,
        earliest=today + days(31),
        latest=today + days(90),
    )
    signals_evaluate([t.pk])
    assert resolved_auto(signal)


def test_way_home_only_on_routes_home_on_own_journey(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(10))
    signals_evaluate()
    signal = live(t, "no_way_home")
    assert signal is not None
    # The transfer is granted: the person is brought home, not travelling on their own.
    trajectory_change_route(
        actor=actor_a,
        trajectory=t,
        route=Route.ABROAD_TRANSFER,
        transfer_law="WETS",
        reason="Overdracht toegekend.",
    )
    signals_evaluate([t.pk])
    assert resolved_auto(signal)
    domestic = make(actor_a, route=Route.DOMESTIC, release_date=frozen_clock.today + days(10))
    signals_evaluate()
    assert live(domestic, "no_way_home") is None


def test_way_home_in_the_return_phase_without_a_date(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_certainty=ReleaseCertainty.UNKNOWN, release_date=None)
    signals_evaluate()
    assert live(t, "no_way_home") is None
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.RETURN)
    signals_evaluate()
    signal = live(t, "no_way_home")
    assert signal is not None and signal.severity == "urgent" and signal.due is None
    assert "the return has begun" in reason_en(signal)


# -- at risk of going unnoticed ----------------------------------------------------------


def prison_actor(actor_for: Callable[..., Actor]) -> Actor:
    prison = cast(Organisation, OrganisationFactory(name="PI Test", kind=OrganisationKind.PRISON))
    return actor_for(prison)


def test_unnoticed_first_six_weeks_boundary(
    frozen_clock: ClockControl, actor_for: Callable[..., Actor]
) -> None:
    case_manager = prison_actor(actor_for)
    today = frozen_clock.today
    t = make(
        case_manager,
        route=Route.DOMESTIC,
        country=None,
        detention_start=today - days(40),
        release_date=today + days(300),
    )
    record(case_manager, t, Status.OPEN, Condition.ID)
    signals_evaluate()
    signal = live(t, "unnoticed_risk")
    assert signal is not None  # day 40 of detention: within the first six weeks, and no ID
    assert signal.facts["factors"] == ["first_weeks", "no_valid_id"]
    assert signal.addressee_id == case_manager.organisation_id
    assert signal.addressee_role == "case_manager"
    assert "no valid ID" in reason_en(signal)
    frozen_clock.advance(days=1)  # day 41: the last day of the first six weeks
    signals_evaluate()
    assert live(t, "unnoticed_risk") == signal
    frozen_clock.advance(days=1)  # day 42: the six weeks are over, one sign is left
    signals_evaluate()
    assert resolved_auto(signal)


def test_unnoticed_short_stay_and_several_problems(
    frozen_clock: ClockControl, actor_for: Callable[..., Actor]
) -> None:
    case_manager = prison_actor(actor_for)
    today = frozen_clock.today
    start = today - days(100)
    short = make(
        case_manager,
        route=Route.DOMESTIC,
        country=None,
        detention_start=start,
        release_date=start + days(120),
    )
    longer = make(
        case_manager,
        route=Route.DOMESTIC,
        country=None,
        detention_start=start,
        release_date=start + days(121),
    )
    for t in (short, longer):
        record(case_manager, t, Status.OPEN, Condition.HOUSING, Condition.DEBTS, Condition.INCOME)
    signals_evaluate()
    signal = live(short, "unnoticed_risk")
    assert signal is not None and signal.facts["factors"] == ["short_stay", "several_problems"]
    assert live(longer, "unnoticed_risk") is None  # 121 days is not a short stay
    record(case_manager, short, Status.BEING_ARRANGED, Condition.HOUSING)
    signals_evaluate([short.pk])
    assert resolved_auto(signal)


def test_unnoticed_only_for_domestic_detention(frozen_clock: ClockControl, actor_a: Actor) -> None:
    today = frozen_clock.today
    t = make(actor_a, detention_start=today - days(10), release_date=today + days(50))
    record(actor_a, t, Status.OPEN, Condition.ID)
    signals_evaluate()
    assert live(t, "unnoticed_risk") is None


def test_unnoticed_after_a_sentence_transfer_into_a_dutch_prison(
    frozen_clock: ClockControl, actor_for: Callable[..., Actor]
) -> None:
    case_manager = prison_actor(actor_for)
    today = frozen_clock.today
    t = make(
        case_manager,
        route=Route.ABROAD_TRANSFER,
        transfer_law="WETS",
        detention_start=today - days(200),
        release_date=today + days(60),
    )
    signals_evaluate()
    # The stay and the first weeks count from the day the person entered the Dutch prison:
    # until it is known, neither counts.
    assert live(t, "unnoticed_risk") is None
    trajectory_record_domestic_entry(actor=case_manager, trajectory=t, entered_on=today - days(20))
    signals_evaluate()
    signal = live(t, "unnoticed_risk")
    assert signal is not None and signal.facts["factors"] == ["short_stay", "first_weeks"]
    assert signal.facts["detention_since"] == (today - days(200)).isoformat()


# -- minor children with nobody in view --------------------------------------------------


def test_children_with_nobody_in_view(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = make(actor_a)
    signals_evaluate()
    assert live(t, "children_out_of_view") is None  # no children at all
    for name in ("Noor", "Daan"):
        NetworkMember.objects.create(
            person=t.person, name=name, relation=Relation.CHILD, is_minor=True
        )
    signals_evaluate()
    signal = live(t, "children_out_of_view")
    assert signal is not None and signal.facts == {"children": 2}
    assert signal.addressee_id == actor_a.organisation_id
    assert "2 minor" in reason_en(signal)
    NetworkMember.objects.create(
        person=t.person, name="Oma", relation=Relation.PARENT, is_contact_person=True
    )
    signals_evaluate([t.pk])
    assert resolved_auto(signal)


# -- accepted, but not taken up after release --------------------------------------------


def test_accepted_not_taken_up_boundaries(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a, release_date=today + days(5))
    handover = send_with_consent(
        actor=actor_a,
        trajectory=t,
        receiver=actor_b.organisation,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Graag nazorg.",
    )
    handover_accept(actor=actor_b, handover=handover)
    frozen_clock.advance(days=5 + 14)  # release day + 14: due today
    signals_evaluate()
    assert live(t, "accepted_not_taken_up") is None
    frozen_clock.advance(days=1)
    signals_evaluate()
    signal = live(t, "accepted_not_taken_up")
    assert signal is not None
    assert signal.addressee_id == actor_b.organisation_id
    assert signal.addressee_role == "aftercare_coordinator"
    assert signal.due == today + days(19)
    assert signal.facts["returned_on"] == (today + days(5)).isoformat()
    assert "referral to municipal after-care" in reason_en(signal)
    # The person turns up at the desk: the committed receiver records the move out of
    # detention (the baton passes to it, decision 0011), then that the person is taken up.
    trajectory_set_phase(actor=actor_b, trajectory=t, phase=Phase.REINTEGRATION)
    handover_record_taken_up(actor=actor_b, handover=handover)
    signals_evaluate([t.pk])
    assert resolved_auto(signal)


def test_accepted_after_return_counts_from_the_acceptance(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a, release_date=today - days(30))
    handover = send_with_consent(
        actor=actor_a,
        trajectory=t,
        receiver=actor_b.organisation,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Hij is al terug.",
    )
    handover_accept(actor=actor_b, handover=handover)
    frozen_clock.advance(days=14)
    signals_evaluate()
    assert live(t, "accepted_not_taken_up") is None
    frozen_clock.advance(days=1)
    signals_evaluate()
    signal = live(t, "accepted_not_taken_up")
    assert signal is not None and signal.facts["accepted_on"] == today.isoformat()


def test_accepted_before_release_in_detention_raises_nothing(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(60))
    handover = send_with_consent(
        actor=actor_a,
        trajectory=t,
        receiver=actor_b.organisation,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Graag nazorg.",
    )
    handover_accept(actor=actor_b, handover=handover)
    frozen_clock.advance(days=40)
    signals_evaluate()
    assert live(t, "accepted_not_taken_up") is None


# -- set-based ---------------------------------------------------------------------------


def test_each_rule_runs_a_fixed_number_of_queries(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    codes = [
        "condition_open_after_return",
        "id_missing_after_return",
        "no_way_home",
        "unnoticed_risk",
        "children_out_of_view",
        "accepted_not_taken_up",
    ]

    def counts() -> dict[str, int]:
        result = {}
        for code in codes:
            with CaptureQueriesContext(connection) as captured:
                REGISTRY[code].candidates(today=frozen_clock.today)
            result[code] = len(captured.captured_queries)
        return result

    back_since(actor_a, 40)
    make(actor_a, release_date=frozen_clock.today + days(20))
    few = counts()
    for _ in range(6):
        t = back_since(actor_a, 35)
        record(actor_a, t, Status.OPEN, Condition.ID)
        NetworkMember.objects.create(
            person=t.person, name="Kind", relation=Relation.CHILD, is_minor=True
        )
    assert counts() == few
    assert max(few.values()) <= 2
