"""The background tasks: evaluate one trajectory, the daily sweep and its self-scheduling.

Most tests use the test settings' immediate backend (tasks run when enqueued).
The scheduling tests switch to the real database backend of django-tasks-db and
run its worker in-process in batch mode, as ``manage.py db_worker`` would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from estafette.core.actor import Actor
from estafette.people.models import Person
from estafette.signals import tasks
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.signals.notifications.models import Notification
from estafette.signals.tasks import (
    NOTIFICATIONS_EVERY,
    evaluate_trajectory,
    notifications_schedule,
    notifications_send,
    sweep,
    sweep_next_at,
    sweep_schedule,
)
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.factories import PersonFactory, TrajectoryFactory
from estafette.testing.tasks import database_backend as real_queue
from estafette.testing.tasks import run_worker
from estafette.trajectories.models import Trajectory

AMS = ZoneInfo("Europe/Amsterdam")


def make(**fields: Any) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(**fields))


def new_person(**fields: Any) -> Person:
    return cast(Person, PersonFactory(**fields))


def waiting_sweeps() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(
            task_path="estafette.signals.tasks.sweep", status=TaskResultStatus.READY
        ).order_by("run_after")
    )


@pytest.fixture
def database_backend() -> Iterator[None]:
    with real_queue():
        yield


# -- the tasks themselves (immediate backend) --------------------------------------------


def test_evaluate_trajectory_raises_the_signals_of_that_trajectory_only(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    one = make(actor=actor_a)  # release in 90 days: referral due
    other = make(actor=actor_a)
    result = evaluate_trajectory.enqueue(one.pk)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value is not None and result.return_value["raised"] >= 1
    assert live(one, "aftercare_referral_missing") is not None
    assert not Signal.objects.filter(trajectory=other).exists()
    again = evaluate_trajectory.enqueue(one.pk)
    assert again.return_value is not None
    assert again.return_value["raised"] == again.return_value["resolved"] == 0


def test_a_raised_signal_notifies_the_people_who_can_act(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor=actor_a)
    evaluate_trajectory.enqueue(t.pk)
    signal = live(t, "aftercare_referral_missing")
    assert Notification.objects.filter(user=actor_a.user, signal=signal).exists()
    # Nothing new the second time: no second notification.
    count = Notification.objects.count()
    evaluate_trajectory.enqueue(t.pk)
    assert Notification.objects.count() == count


def test_evaluation_retries_when_it_lost_a_race(
    frozen_clock: ClockControl, actor_a: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = make(actor=actor_a)
    calls = []

    def racing(ids: Any = None, **kwargs: Any) -> Any:
        calls.append(ids)
        if len(calls) == 1:  # another worker raised the same signal a moment earlier
            raise IntegrityError(
                "UNIQUE constraint failed: one_live_signal_per_rule_trajectory_addressee"
            )
        return signals_evaluate(ids, **kwargs)

    monkeypatch.setattr(tasks, "signals_evaluate", racing)
    result = evaluate_trajectory.enqueue(t.pk)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert calls == [[t.pk], [t.pk]]
    assert live(t, "aftercare_referral_missing") is not None


def test_sweep_evaluates_every_live_trajectory(frozen_clock: ClockControl, actor_a: Actor) -> None:
    ts = [make(actor=actor_a) for _ in range(3)]
    result = sweep.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert all(live(t, "aftercare_referral_missing") for t in ts)
    # The immediate backend keeps no queue: nothing to schedule, and no endless loop.
    assert sweep_schedule() is None


# -- when the next sweep runs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2025, 3, 3, 5, 59, tzinfo=AMS), dt.datetime(2025, 3, 3, 6, 0, tzinfo=AMS)),
        (dt.datetime(2025, 3, 3, 6, 0, tzinfo=AMS), dt.datetime(2025, 3, 4, 6, 0, tzinfo=AMS)),
        (dt.datetime(2025, 3, 3, 23, 30, tzinfo=AMS), dt.datetime(2025, 3, 4, 6, 0, tzinfo=AMS)),
        # Across the change to summer time the sweep stays at 06:00 Dutch time.
        (dt.datetime(2025, 3, 29, 7, 0, tzinfo=AMS), dt.datetime(2025, 3, 30, 6, 0, tzinfo=AMS)),
    ],
)
@override_settings(ESTAFETTE_SWEEP_HOUR=6)
def test_next_sweep_is_at_the_set_hour_dutch_time(now: dt.datetime, expected: dt.datetime) -> None:
    at = sweep_next_at(now)
    assert at == expected
    assert at.tzinfo == dt.UTC


# -- the waiting sweep (database backend) ------------------------------------------------


@pytest.mark.django_db
def test_scheduling_is_idempotent(database_backend: None) -> None:
    now = dt.datetime(2025, 3, 3, 12, 0, tzinfo=AMS)
    first = sweep_schedule(now=now)
    second = sweep_schedule(now=now)
    assert first is not None and second is not None
    assert first.id == second.id
    [row] = waiting_sweeps()
    assert row.run_after == sweep_next_at(now)


@pytest.mark.django_db
def test_duplicate_waiting_sweeps_are_trimmed_to_the_earliest(database_backend: None) -> None:
    now = dt.datetime(2025, 3, 3, 12, 0, tzinfo=AMS)
    later = sweep.using(run_after=now + dt.timedelta(days=2)).enqueue()
    earlier = sweep.using(run_after=now + dt.timedelta(hours=3)).enqueue()
    kept = sweep_schedule(now=now)
    assert kept is not None and kept.id == earlier.id
    assert [str(row.id) for row in waiting_sweeps()] == [earlier.id]
    assert later.id != earlier.id


@pytest.mark.django_db
def test_the_notifications_clock_keeps_one_run_waiting(database_backend: None) -> None:
    now = dt.datetime(2025, 3, 3, 12, 0, tzinfo=AMS)
    first = notifications_schedule(now=now)
    second = notifications_schedule(now=now)
    assert first is not None and second is not None and first.id == second.id
    [row] = DBTaskResult.objects.filter(task_path=notifications_send.module_path)
    assert row.run_after == now + NOTIFICATIONS_EVERY


@pytest.mark.django_db
def test_run_now_brings_the_waiting_sweep_forward(database_backend: None) -> None:
    sweep_schedule()
    [row] = waiting_sweeps()
    assert row.run_after > dt.datetime.now(tz=dt.UTC)
    sweep_schedule(run_now=True)
    [row] = waiting_sweeps()
    assert row.run_after <= dt.datetime.now(tz=dt.UTC)


def test_the_worker_runs_the_sweep_which_schedules_exactly_one_next(
    frozen_clock: ClockControl,
    actor_a: Actor,
    database_backend: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    t = make(actor=actor_a, person=new_person())
    out = StringIO()
    call_command("tasks_schedule", "--sweep-now", stdout=out)
    call_command("tasks_schedule", "--sweep-now", stdout=out)  # make run twice: still one
    assert len(waiting_sweeps()) == 1
    run_worker(monkeypatch)
    assert live(t, "aftercare_referral_missing") is not None
    done = DBTaskResult.objects.get(
        task_path="estafette.signals.tasks.sweep", status=TaskResultStatus.SUCCESSFUL
    )
    assert done.return_value is not None and done.return_value["raised"] >= 1
    [next_one] = waiting_sweeps()
    assert next_one.run_after == sweep_next_at(done.finished_at)


def test_a_change_enqueues_an_evaluation_the_worker_runs(
    frozen_clock: ClockControl,
    actor_a: Actor,
    database_backend: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = make(actor=actor_a)
    [row] = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert row.task_path == "estafette.signals.tasks.evaluate_trajectory"
    assert row.args_kwargs == {"args": [t.pk], "kwargs": {}}
    assert live(t, "aftercare_referral_missing") is None  # the request did not wait for it
    run_worker(monkeypatch)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert live(t, "aftercare_referral_missing") is not None


@pytest.mark.django_db
def test_tasks_schedule_keeps_one_run_of_every_periodic_task_waiting(
    database_backend: None,
) -> None:
    periodic = {
        "estafette.signals.tasks.sweep",
        "estafette.signals.tasks.notifications_send",
        "estafette.handovers.tasks.handovers_expire",
        "estafette.consent.tasks.consent_expire",
        "estafette.core.tasks.audit_head_export_daily",
    }
    out = StringIO()
    call_command("tasks_schedule", stdout=out)
    call_command("tasks_schedule", stdout=out)  # make run, twice: still one of each
    rows = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert sorted(row.task_path for row in rows) == sorted(periodic)
    assert "handover expiry: waits for the worker" in out.getvalue()
    assert "consent expiry: waits for the worker" in out.getvalue()
    assert "audit head export: waits for the worker" in out.getvalue()
