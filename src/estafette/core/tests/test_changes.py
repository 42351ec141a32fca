"""The "what changed" registry: told after the commit, once per transaction, never on a rollback.

These tests register their own listeners in place of the signals app's (the registry is
swapped for the test), so they see exactly what core tells.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection, transaction

from estafette.core import changes
from estafette.core.changes import TrajectoryChanges

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


class Boom(Exception):
    pass


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What the listeners registered by the test heard, in order."""
    monkeypatch.setattr(changes, "_TRAJECTORY_LISTENERS", [])
    monkeypatch.setattr(changes, "_HANDOVER_STEP_LISTENERS", [])
    seen: list[Any] = []
    changes.on_trajectory_changed(seen.append)
    changes.on_handover_step_recorded(lambda: seen.append("handover step"))
    return seen


def test_the_signals_app_listens_to_both_kinds_of_change() -> None:
    from estafette.signals.notifications.schedule import notify_handover_steps
    from estafette.signals.schedule import evaluate_changes

    assert evaluate_changes in changes.trajectory_listeners()
    assert notify_handover_steps in changes.handover_step_listeners()


def test_registering_twice_keeps_one(heard: list[Any]) -> None:
    listener = changes.trajectory_listeners()[0]
    changes.on_trajectory_changed(listener)
    assert len(changes.trajectory_listeners()) == 1


@pytest.mark.django_db
def test_one_call_per_transaction_and_kind_after_the_commit(
    heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        changes.trajectory_changed_after_commit(1)
        changes.trajectory_changed_after_commit(1)
        changes.person_changed_after_commit(7)
        changes.organisation_norms_changed_after_commit(3)
        changes.handover_step_recorded_after_commit()
        changes.handover_step_recorded_after_commit()
        assert heard == []  # nothing before the commit
    assert len(callbacks) == 2  # one for the trajectories, one for the handover steps
    assert heard == [
        TrajectoryChanges(frozenset({1}), frozenset({7}), frozenset({3})),
        "handover step",
    ]


@pytest.mark.django_db
def test_a_rollback_tells_nothing(
    heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        changes.trajectory_changed_after_commit(1)
        changes.handover_step_recorded_after_commit()
        raise Boom
    assert callbacks == [] and heard == []


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_swallow_the_outer_change(
    heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            changes.trajectory_changed_after_commit(1)
            raise Boom
        changes.trajectory_changed_after_commit(2)
    assert heard == [TrajectoryChanges(trajectory_ids=frozenset({2}))]


@pytest.mark.django_db
def test_only_handover_steps_tell_only_their_listeners(
    heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        changes.handover_step_recorded_after_commit()
    assert heard == ["handover step"]


@pytest.mark.django_db
def test_outside_a_transaction_the_listeners_hear_at_once(heard: list[Any]) -> None:
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        changes.person_changed_after_commit(5)
    finally:
        connection.in_atomic_block = saved
    assert heard == [TrajectoryChanges(person_ids=frozenset({5}))]


@pytest.mark.django_db
def test_a_failing_listener_stops_no_other(
    heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    def broken(changed: TrajectoryChanges) -> None:
        raise RuntimeError("the queue is down")

    changes._TRAJECTORY_LISTENERS.insert(0, broken)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        changes.trajectory_changed_after_commit(9)
        changes.handover_step_recorded_after_commit()
    assert heard == [TrajectoryChanges(trajectory_ids=frozenset({9})), "handover step"]
