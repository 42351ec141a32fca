"""Snoozing a signal: from tomorrow to at most a year ahead. Service and form, at both ends and
one day beyond; a refusal leaves the signal, its history and the audit log as they were."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest

from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal, SignalEvent
from estafette.signals.services import SNOOZE_IN_FUTURE, signal_snooze
from estafette.signals.tests.conftest import live
from estafette.testing.bounds import EDGES, audited_changes, date_sentence, edge, nl_sentence
from estafette.testing.factories import TrajectoryFactory
from estafette.testing.views import client_for
from estafette.trajectories.models import Trajectory

TODAY = dt.date(2025, 3, 3)

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def signal(actor_a: Actor) -> Signal:
    trajectory = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    signals_evaluate([trajectory.pk])
    found = live(trajectory, "no_contact_person")
    assert found is not None
    return found


def snapshot(signal: Signal) -> tuple[Any, ...]:
    row = Signal.objects.filter(pk=signal.pk).values("state", "snoozed_until").get()
    return row, SignalEvent.objects.filter(signal=signal).count(), audited_changes()


@pytest.mark.parametrize("which", EDGES)
def test_the_service_snoozes_until_a_day_inside_its_range(
    actor_a: Actor, signal: Signal, which: str
) -> None:
    day, accepted = edge(bounds.SNOOZE_UNTIL, which, TODAY)
    if accepted:
        assert signal_snooze(actor=actor_a, signal=signal, until=day, reason="Later.").state == (
            "snoozed"
        )
        return
    before = snapshot(signal)
    with pytest.raises(InvalidInput) as refused:
        signal_snooze(actor=actor_a, signal=signal, until=day, reason="Later.")
    assert refused.value.message is (SNOOZE_IN_FUTURE if day <= TODAY else bounds.DATE_OUT_OF_RANGE)
    assert snapshot(signal) == before


@pytest.mark.parametrize("which", EDGES)
def test_the_snooze_form_takes_a_day_inside_its_range(
    actor_a: Actor, signal: Signal, which: str
) -> None:
    day, accepted = edge(bounds.SNOOZE_UNTIL, which, TODAY)
    before = snapshot(signal)
    response = client_for(actor_a).post(
        f"/signals/{signal.pk}/snooze/",
        {"snooze-until": day.isoformat(), "snooze-reason": "Wacht op de zus."},
    )
    if accepted:
        assert response.status_code == 302
        signal.refresh_from_db()
        assert signal.snoozed_until == day
        return
    assert response.status_code == 400
    html = response.content.decode()
    if day <= TODAY:
        assert nl_sentence(SNOOZE_IN_FUTURE) in html
    else:
        assert date_sentence(bounds.SNOOZE_UNTIL, TODAY) in html
    assert snapshot(signal) == before
