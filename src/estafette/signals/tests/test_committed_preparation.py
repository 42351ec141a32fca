"""The committed receiver's own norm: preparation before release (decision 0011, issue 10).

An after-care referral accepted while the person is detained leaves the baton with
the sender; the receiver is committed and prepares the arrival. Its norm (product
default: a first step 28 days before release) raises a signal addressed to the
receiver, never to the holder.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.utils import translation

from estafette.conditions.models import Condition, Status
from estafette.conditions.services import condition_record
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import handover_accept
from estafette.norms.catalogue import norm_get
from estafette.norms.services import norm_override_set
from estafette.organisations.models import Organisation, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.signals.rules import REGISTRY
from estafette.signals.selectors import norm_deadlines
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import TrajectoryFactory, make_actor
from estafette.trajectories.models import Phase, Trajectory
from estafette.trajectories.services import trajectory_set_phase
from estafette.visits.models import Channel, ContactKind
from estafette.visits.services import contact_record

CODE = "committed_preparation_missing"


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def committed(actor_a: Actor, actor_b: Actor, **fields: Any) -> tuple[Trajectory, Handover]:
    """Release known 60 days ahead; the referral to ``actor_b`` accepted today (committed)."""
    t = cast(
        Trajectory,
        TrajectoryFactory(actor=actor_a, **{"release_date": clock.today() + days(60), **fields}),
    )
    handover = cast(
        Handover,
        send_with_consent(
            actor=actor_a,
            trajectory=t,
            receiver=actor_b.organisation,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message="Graag nazorg: ID en uitkering.",
        ),
    )
    handover_accept(actor=actor_b, handover=handover)
    handover.refresh_from_db()
    assert handover.baton_at is None  # committed, the baton stays with BB until release
    return t, handover


def on(clock_control: ClockControl, day: dt.date, trajectory: Trajectory) -> Signal | None:
    clock_control.set(day)
    signals_evaluate([trajectory.pk])
    return live(trajectory, CODE)


def test_the_norm_says_it_is_the_products_default() -> None:
    norm = norm_get("preparation_before_release")
    assert norm.params == {"days_before_release": 28}
    with translation.override("en"):
        assert "product's own default" in str(norm.description)
    with translation.override("nl"):
        assert "eigen standaard van het product" in str(norm.description)


def test_boundaries_and_addressee(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    start = frozen_clock.today
    t, _handover = committed(actor_a, actor_b)
    # Due 28 days before release (start + 32); the receiver hears 14 days ahead.
    assert on(frozen_clock, start, t) is None
    assert on(frozen_clock, start + days(17), t) is None
    signal = on(frozen_clock, start + days(18), t)
    assert signal is not None
    assert signal.addressee_id == actor_b.organisation_id  # the committed receiver ...
    assert signal.addressee_role == Role.AFTERCARE_COORDINATOR
    assert not Signal.objects.filter(rule_code=CODE, addressee=actor_a.organisation).exists()
    assert signal.due == start + days(32)
    assert signal.severity == "warning"
    assert signal.norm_code == "preparation_before_release"
    assert signal.facts["purpose"] == Purpose.AFTERCARE_REFERRAL
    assert signal.facts["accepted_on"] == start.isoformat()
    assert on(frozen_clock, start + days(32), t) is not None
    late = on(frozen_clock, start + days(33), t)
    assert late is not None and late.severity == "urgent"  # overdue
    # The holder's referral warning does not fire: the referral is accepted.
    assert live(t, "aftercare_referral_missing") is None


@pytest.mark.parametrize("step", ["condition", "contact"])
def test_the_receivers_first_step_ends_it(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor, step: str
) -> None:
    start = frozen_clock.today
    t, _handover = committed(actor_a, actor_b)
    assert on(frozen_clock, start + days(20), t) is not None
    # A step of the holder is the holder's, not the receiver's preparation.
    condition_record(
        actor=actor_a, trajectory=t, condition=Condition.TRAVEL_DOCUMENTS, status=Status.OPEN
    )
    assert on(frozen_clock, start + days(20), t) is not None
    if step == "condition":
        condition_record(
            actor=actor_b, trajectory=t, condition=Condition.ID, status=Status.BEING_ARRANGED
        )
    else:
        contact_record(
            actor=actor_b,
            trajectory=t,
            kind=ContactKind.PROFESSIONAL_CONTACT,
            happened_on=start + days(20),
            channel=Channel.PHONE,
        )
    assert on(frozen_clock, start + days(20), t) is None


def test_it_stops_when_the_baton_passes_at_release(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    start = frozen_clock.today
    t, handover = committed(actor_a, actor_b)
    signal = on(frozen_clock, start + days(40), t)
    assert signal is not None
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.RETURN)
    handover.refresh_from_db()
    assert handover.baton_at is not None
    assert on(frozen_clock, start + days(40), t) is None
    signal.refresh_from_db()
    assert signal.state == "resolved" and signal.resolved_how == "auto"


def test_the_receivers_own_value_counts(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    start = frozen_clock.today
    admin = make_actor(cast(Organisation, actor_b.organisation), Role.ORGANISATION_ADMIN)
    norm_override_set(
        actor=admin,
        code="preparation_before_release",
        params={"days_before_release": 42},
        reason="Wij beginnen zes weken voor vrijlating.",
    )
    # The holder's own value of the same norm must not count for the receiver.
    bb_admin = make_actor(cast(Organisation, actor_a.organisation), Role.ORGANISATION_ADMIN)
    norm_override_set(
        actor=bb_admin,
        code="preparation_before_release",
        params={"days_before_release": 7},
        reason="Niet van ons.",
    )
    t, _handover = committed(actor_a, actor_b)
    assert on(frozen_clock, start + days(3), t) is None  # due start + 18, warned from + 4
    signal = on(frozen_clock, start + days(4), t)
    assert signal is not None and signal.due == start + days(18) and signal.facts["days"] == 42


def test_unknown_release_no_deadline_and_not_on_the_holders_panel(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    t, _handover = committed(actor_a, actor_b, release_certainty="unknown", release_date=None)
    assert on(frozen_clock, frozen_clock.today + days(300), t) is None
    shown = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    panel = norm_deadlines(trajectory=shown, classes={"detention"})
    assert "preparation_before_release" not in {d.norm.code for d in panel.deadlines if d.norm}
    assert REGISTRY[CODE].norm_code == "preparation_before_release"
