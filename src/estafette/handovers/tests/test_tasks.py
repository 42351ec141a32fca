"""Handovers left unanswered expire in the task worker, hourly, one failure at a time (issue #9).

The worker's runs use the database backend of django-tasks-db and its real
worker, in-process (:mod:`estafette.testing.tasks`); the runs of the immediate
backend (``.enqueue()`` under the test settings) run the same task body.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.periodic import next_full_hour
from estafette.handovers import services
from estafette.handovers.models import Handover, HandoverTransition
from estafette.handovers.tasks import (
    EXPIRE_AFTER,
    handovers_expire,
    handovers_expire_schedule,
)
from estafette.handovers.workflow import State
from estafette.organisations.models import Organisation
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.factories import HandoverFactory, TrajectoryFactory
from estafette.testing.tasks import database_backend, finished, run_worker, waiting

PATH = "estafette.handovers.tasks.handovers_expire"


def unanswered(actor: Actor, receiver: Organisation, *, days_past_answer: int) -> Handover:
    """A handover in the air whose answer date lies ``days_past_answer`` days back."""
    handover = HandoverFactory(
        actor=actor, trajectory=TrajectoryFactory(actor=actor), receiver=receiver
    )
    answer_date = clock.today() - dt.timedelta(days=days_past_answer)
    Handover.objects.filter(pk=handover.pk).update(respond_by=answer_date)
    handover.refresh_from_db()
    return handover


def state(handover: Handover) -> str:
    handover.refresh_from_db()
    return handover.state


def test_the_worker_expires_what_waited_too_long_and_schedules_the_next_hour(
    frozen_clock: ClockControl,
    actor_a: Actor,
    org_b: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    too_long = unanswered(actor_a, org_b, days_past_answer=EXPIRE_AFTER.days + 1)
    recent = unanswered(actor_a, org_b, days_past_answer=3)
    with database_backend():
        handovers_expire_schedule(run_now=True)
        handovers_expire_schedule(run_now=True)  # kept single
        assert len(waiting(PATH)) == 1
        run_worker(monkeypatch)
        done = finished(PATH)
        assert done.return_value == {"expired": 1, "failed": 0}
        [next_run] = waiting(PATH)
        assert next_run.run_after == next_full_hour(done.finished_at)
    assert state(too_long) == State.EXPIRED
    assert state(recent) == State.SENT


def test_the_receivers_unanswered_signal_lives_until_the_handover_expires(
    frozen_clock: ClockControl, actor_a: Actor, org_b: Organisation
) -> None:
    handover = unanswered(actor_a, org_b, days_past_answer=1)
    signals_evaluate()
    assert live(handover.trajectory, "handover_unanswered") is not None

    handovers_expire.enqueue()  # the day after the answer date: not yet
    assert state(handover) == State.SENT
    assert live(handover.trajectory, "handover_unanswered") is not None

    frozen_clock.advance(days=EXPIRE_AFTER.days)
    result = handovers_expire.enqueue()
    assert result.return_value == {"expired": 1, "failed": 0}
    assert state(handover) == State.EXPIRED
    signals_evaluate()
    assert live(handover.trajectory, "handover_unanswered") is None


def test_one_handover_that_cannot_be_expired_holds_back_no_other(
    frozen_clock: ClockControl,
    actor_a: Actor,
    org_b: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handovers = [unanswered(actor_a, org_b, days_past_answer=40) for _ in range(3)]
    stuck = handovers[1]
    real = services.handover_transition

    def planted(*, handover: Handover, **kwargs: Any) -> Handover:
        if handover.pk == stuck.pk:
            raise ValueError("planted: this handover's transition raises")
        return real(handover=handover, **kwargs)

    monkeypatch.setattr(services, "handover_transition", planted)

    result = handovers_expire.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL  # partial, not failed
    assert result.return_value == {
        "expired": 2,
        "failed": 1,
        "partial": "partial: 1 of 3 could not be expired",
        "failures": [f"#{stuck.pk}: ValueError: planted: this handover's transition raises"],
    }
    assert [state(h) for h in handovers] == [State.EXPIRED, State.SENT, State.EXPIRED]
    # Nothing of the failed expiry was half-written.
    assert not HandoverTransition.objects.filter(handover=stuck, action="expire").exists()

    monkeypatch.undo()  # the next run tries it again
    again = handovers_expire.enqueue()
    assert again.return_value == {"expired": 1, "failed": 0}
    assert state(stuck) == State.EXPIRED


def test_the_cron_command_does_the_same_and_says_partial(
    frozen_clock: ClockControl,
    actor_a: Actor,
    org_b: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fine = unanswered(actor_a, org_b, days_past_answer=40)
    stuck = unanswered(actor_a, org_b, days_past_answer=40)
    real = services.handover_transition

    def planted(*, handover: Handover, **kwargs: Any) -> Handover:
        if handover.pk == stuck.pk:
            raise ValueError("planted")
        return real(handover=handover, **kwargs)

    monkeypatch.setattr(services, "handover_transition", planted)
    out = StringIO()
    call_command("handovers_expire", stdout=out)
    assert out.getvalue().splitlines() == [
        "1 handover(s) expired",
        "partial: 1 of 2 could not be expired",
        f"  handover #{stuck.pk}: ValueError: planted",
    ]
    assert state(fine) == State.EXPIRED
