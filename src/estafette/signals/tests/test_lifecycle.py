"""Acknowledge, snooze, resolve by hand: who may, what is required, what the sweep does after."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.db import IntegrityError, transaction

from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditEvent
from estafette.signals import lifecycle
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import EventKind, Signal
from estafette.signals.services import signal_acknowledge, signal_resolve, signal_snooze
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.factories import TrajectoryFactory
from estafette.trajectories.models import Trajectory
from estafette.trajectories.services import trajectory_set_release


def raised(actor: Actor, rule: str = "no_contact_person") -> tuple[Trajectory, Signal]:
    t = cast(Trajectory, TrajectoryFactory(actor=actor))
    signals_evaluate([t.pk])
    signal = live(t, rule)
    assert signal is not None
    return t, signal


def test_acknowledge_needs_a_note_and_the_addressee(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    _t, signal = raised(actor_a)
    with pytest.raises(InvalidInput):
        signal_acknowledge(actor=actor_a, signal=signal, note="  ")
    with pytest.raises(NotPermitted):
        signal_acknowledge(actor=actor_b, signal=signal, note="Gezien.")
    signal = signal_acknowledge(actor=actor_a, signal=signal, note="Ik bel de zus.")
    assert signal.state == "acknowledged"
    event = signal.events.last()
    assert event is not None
    assert event.kind == EventKind.ACKNOWLEDGED and event.note == "Ik bel de zus."
    assert event.user_id == actor_a.user_id
    assert AuditEvent.objects.filter(
        object_type="signals.signal", object_id=str(signal.pk)
    ).exists()
    with pytest.raises(Conflict):
        signal_acknowledge(actor=actor_a, signal=signal, note="Nog eens.")
    # The sweep leaves an acknowledged signal acknowledged while the facts hold.
    assert signals_evaluate().changed == 0
    signal.refresh_from_db()
    assert signal.state == "acknowledged"


def test_snooze_hides_until_the_day_then_reopens(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    _t, signal = raised(actor_a)
    today = frozen_clock.today
    with pytest.raises(InvalidInput):
        signal_snooze(actor=actor_a, signal=signal, until=today, reason="Later.")
    signal = signal_snooze(
        actor=actor_a, signal=signal, until=today + dt.timedelta(days=7), reason="Na het bezoek."
    )
    assert signal.state == "snoozed"
    assert signals_evaluate(today=today + dt.timedelta(days=6)).reopened == 0
    result = signals_evaluate(today=today + dt.timedelta(days=7))
    assert result.reopened == 1
    signal.refresh_from_db()
    assert signal.state == "open" and signal.snoozed_until is None
    assert [e.kind for e in signal.events.all()] == [
        EventKind.RAISED,
        EventKind.SNOOZED,
        EventKind.REOPENED,
    ]


def test_manual_resolution_holds_until_the_facts_change(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t, signal = raised(actor_a, "aftercare_referral_missing")
    with pytest.raises(InvalidInput):
        signal_resolve(actor=actor_a, signal=signal, reason="")
    signal_resolve(actor=actor_a, signal=signal, reason="Persoon wil geen nazorg.")
    result = signals_evaluate([t.pk])
    assert result.raised == 0 and result.held_by_manual_resolution == 1
    assert live(t, "aftercare_referral_missing") is None
    # New facts (the release date moved) deserve a fresh look: a new signal.
    trajectory_set_release(
        actor=actor_a,
        trajectory=t,
        certainty="known",
        date=frozen_clock.today + dt.timedelta(days=70),
    )
    signals_evaluate([t.pk])
    fresh = live(t, "aftercare_referral_missing")
    assert fresh is not None and fresh.pk != signal.pk


def test_a_resolved_signal_cannot_move(frozen_clock: ClockControl, actor_a: Actor) -> None:
    _t, signal = raised(actor_a)
    signal = signal_resolve(actor=actor_a, signal=signal, reason="Geen netwerk.")
    with pytest.raises(Conflict):
        signal_snooze(
            actor=actor_a,
            signal=signal,
            until=frozen_clock.today + dt.timedelta(days=3),
            reason="x",
        )


def test_database_refuses_a_second_live_signal(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t, signal = raised(actor_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signal.objects.create(
            rule_code=signal.rule_code,
            trajectory=t,
            addressee_id=signal.addressee_id,
            reason="dubbel",
        )


def test_lifecycle_table() -> None:
    assert lifecycle.move_for("acknowledge", "open") is not None
    assert lifecycle.move_for("acknowledge", "snoozed") is None
    assert lifecycle.move_for("reopen", "open") is None
    assert lifecycle.move_for("resolve", "resolved") is None
    assert lifecycle.move_for("fly", "open") is None
    for move in lifecycle.MOVES.values():
        assert lifecycle.SignalState.RESOLVED not in move.sources
