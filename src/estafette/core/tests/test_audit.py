"""audit_record: one entry per call, naming the actor, the object and the person."""

from __future__ import annotations

import datetime as dt

import pytest

from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.models import AuditAction, AuditEvent
from estafette.testing.clock import ClockControl
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db


def test_an_entry_names_user_organisation_object_and_person(
    trajectory: Trajectory, actor_b: Actor
) -> None:
    entry = audit_record(
        actor=actor_b, action=AuditAction.VIEW, target=trajectory, person_id=trajectory.person_id
    )
    entry.refresh_from_db()
    assert entry.user_id == actor_b.user_id
    assert entry.organisation_id == actor_b.organisation_id
    assert entry.action == "view"
    assert (entry.object_type, entry.object_id) == ("trajectories.trajectory", str(trajectory.pk))
    assert entry.person_id == trajectory.person_id


def test_an_entry_without_actor_is_the_system(frozen_clock: ClockControl) -> None:
    entry = audit_record(actor=None, action="transition", object_type="x.y", object_id=7)
    assert entry.user_id is None
    assert entry.organisation_id is None
    assert entry.object_id == "7"


def test_details_are_stored_as_json_even_for_dates_and_nested_values(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    entry = audit_record(
        actor=actor_a,
        action=AuditAction.CHANGE,
        object_type="x.y",
        object_id=1,
        due=dt.date(2025, 6, 1),
        names=("a", 2),
        nested={1: {"when": dt.date(2025, 1, 2)}},
        none=None,
    )
    stored = AuditEvent.objects.get(pk=entry.pk).detail
    assert stored == {
        "due": "2025-06-01",
        "names": ["a", 2],
        "nested": {"1": {"when": "2025-01-02"}},
        "none": None,
    }
