"""Sentence transfer: the domestic norms run from the day the person entered the Dutch prison.

Screening within 14 days, a mentor conversation every 14 days and the D&R plan
within 28 days count from ``domestic_entry`` on the route "abroad, sentence
transfer" (and from ``detention_start`` on the domestic route); before that day
is known no signal speaks: the norms are the Dutch prison's, not the foreign one's.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.utils import translation

from estafette.core.actor import Actor
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import handover_accept
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.signals.rules import REGISTRY
from estafette.signals.rules.base import prefilter_rows
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import OrganisationFactory, TrajectoryFactory, make_actor
from estafette.trajectories.models import Route, Trajectory
from estafette.trajectories.services import trajectory_record_domestic_entry
from estafette.visits.models import Channel, ContactKind
from estafette.visits.services import contact_record

DOMESTIC_CODES = (
    "domestic_screening_overdue",
    "mentor_conversation_overdue",
    "dr_plan_overdue",
    "no_professional_contact",
)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture
def case_manager(db: None) -> Actor:
    prison = cast(Organisation, OrganisationFactory(name="PI Vught (test)", kind="prison"))
    return make_actor(prison, Role.CASE_MANAGER)


def transferred(actor_a: Actor, case_manager: Actor, today: dt.date) -> Trajectory:
    """Detained in Spain for 300 days; BB hands over the transfer and the prison accepts it
    (the baton passes on acceptance: a during-detention purpose), the day of entry not
    yet recorded."""
    t = cast(
        Trajectory,
        TrajectoryFactory(
            actor=actor_a,
            route=Route.ABROAD_TRANSFER,
            transfer_law="WETS",
            detention_start=today - days(300),
            release_date=today + days(400),
        ),
    )
    handover = cast(
        Handover,
        send_with_consent(
            actor=actor_a,
            trajectory=t,
            receiver=case_manager.organisation,
            purpose=Purpose.SENTENCE_TRANSFER,
            message="Overbrenging WETS.",
        ),
    )
    handover_accept(actor=case_manager, handover=handover)
    t.refresh_from_db()
    assert t.baton_holder_id == case_manager.organisation_id
    return t


def live_codes(trajectory: Trajectory) -> set[str]:
    signals_evaluate([trajectory.pk])
    return set(
        Signal.objects.filter(trajectory=trajectory, rule_code__in=DOMESTIC_CODES)
        .exclude(state="resolved")
        .values_list("rule_code", flat=True)
    )


def test_no_domestic_signal_for_a_transfer_before_the_day_of_entry_is_known(
    frozen_clock: ClockControl, actor_a: Actor, case_manager: Actor
) -> None:
    t = transferred(actor_a, case_manager, frozen_clock.today)
    # 300 days in detention abroad, two months in the prison's hands: nothing is overdue
    # that the Dutch prison could have done, since nobody knows when it began.
    frozen_clock.advance(days=60)
    assert live_codes(t) == set()
    # The fast path after a change agrees: none of these rules is even asked.
    [row] = prefilter_rows([t.pk])
    assert not any(REGISTRY[code].may_apply(row, frozen_clock.today) for code in DOMESTIC_CODES)


@pytest.mark.parametrize(
    ("code", "norm_days"),
    [
        ("domestic_screening_overdue", 14),
        ("mentor_conversation_overdue", 14),
        ("dr_plan_overdue", 28),
        ("no_professional_contact", 28),
    ],
)
def test_the_domestic_norms_count_from_the_day_of_entry(
    frozen_clock: ClockControl, actor_a: Actor, case_manager: Actor, code: str, norm_days: int
) -> None:
    today = frozen_clock.today
    t = transferred(actor_a, case_manager, today)
    entered = today - days(5)
    trajectory_record_domestic_entry(actor=case_manager, trajectory=t, entered_on=entered)
    frozen_clock.set(entered + days(norm_days))
    signals_evaluate([t.pk])
    assert live(t, code) is None  # due today: on time
    frozen_clock.set(entered + days(norm_days + 1))
    signals_evaluate([t.pk])
    signal = live(t, code)
    assert signal is not None
    assert signal.due == entered + days(norm_days)
    assert signal.facts["entry_on"] == entered.isoformat() and signal.facts["transferred"]
    assert signal.addressee_id == case_manager.organisation_id
    with translation.override("en"):
        reason = REGISTRY[code].reason_text(signal.facts)
    assert reason.startswith(f"In the Dutch prison since {entered:%-d %B %Y} (sentence transfer)")


def test_contacts_abroad_before_the_day_of_entry_do_not_count(
    frozen_clock: ClockControl, actor_a: Actor, case_manager: Actor
) -> None:
    today = frozen_clock.today
    t = transferred(actor_a, case_manager, today)
    # A mentor conversation recorded with a date before the entry into the Dutch prison.
    contact_record(
        actor=case_manager,
        trajectory=t,
        kind=ContactKind.MENTOR_CONVERSATION,
        happened_on=today - days(10),
        channel=Channel.FACE_TO_FACE,
    )
    trajectory_record_domestic_entry(actor=case_manager, trajectory=t, entered_on=today)
    frozen_clock.set(today + days(15))
    signals_evaluate([t.pk])
    signal = live(t, "mentor_conversation_overdue")
    assert signal is not None and signal.facts["last_on"] is None
    assert signal.due == today + days(14)


def test_the_domestic_route_still_counts_from_the_start_of_detention(
    frozen_clock: ClockControl, case_manager: Actor
) -> None:
    entered = frozen_clock.today
    t = cast(
        Trajectory,
        TrajectoryFactory(
            actor=case_manager,
            route=Route.DOMESTIC,
            country=None,
            detention_place="PI Vught",
            detention_start=entered,
        ),
    )
    frozen_clock.set(entered + days(14))
    assert "domestic_screening_overdue" not in live_codes(t)
    frozen_clock.set(entered + days(15))
    assert "domestic_screening_overdue" in live_codes(t)
    signal = live(t, "domestic_screening_overdue")
    assert signal is not None and "transferred" not in signal.facts


def test_a_transfer_still_held_abroad_raises_no_domestic_signal(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    """The day of entry known, but BB still holds the baton: the prison cannot act yet."""
    t = cast(
        Trajectory,
        TrajectoryFactory(
            actor=actor_a,
            route=Route.ABROAD_TRANSFER,
            transfer_law="WETS",
            detention_start=frozen_clock.today - days(300),
            release_date=frozen_clock.today + days(400),
        ),
    )
    trajectory_record_domestic_entry(
        actor=actor_a, trajectory=t, entered_on=frozen_clock.today - days(40)
    )
    assert live_codes(t) == set()
    assert t.baton_holder.kind == OrganisationKind.BB_REGIONAL_DESK
