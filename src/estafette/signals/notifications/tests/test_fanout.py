"""Fan-out: who is notified of a raised or reopened signal; idempotent and set-based."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estafette.core.actor import Actor
from estafette.organisations.models import Organisation, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import EventKind, Signal
from estafette.signals.notifications.models import Notification
from estafette.signals.notifications.services import notifications_fan_out
from estafette.signals.notifications.tests.helpers import member, notified_users, raise_signal
from estafette.testing.clock import ClockControl
from estafette.testing.factories import TrajectoryFactory
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db


def test_members_with_the_addressee_role_are_notified_never_volunteers_or_admins(
    trajectory: Trajectory, org_a: Organisation, actor_a: Actor
) -> None:
    colleague = member(org_a, Role.REGIONAL_COORDINATOR)
    volunteer = member(org_a, Role.VISITING_VOLUNTEER)
    admin = member(org_a, Role.ORGANISATION_ADMIN)
    gone = member(org_a, Role.REGIONAL_COORDINATOR, active=False)
    event = raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR)

    assert notifications_fan_out() == 2

    assert notified_users() == {actor_a.user_id, colleague.user_id}
    for actor in (volunteer, admin, gone):
        assert actor.user_id not in notified_users()
    notification = Notification.objects.get(user_id=actor_a.user_id)
    assert (notification.event_id, notification.signal_id, notification.organisation_id) == (
        event.pk,
        event.signal_id,
        org_a.pk,
    )
    assert notification.kind == EventKind.RAISED and notification.read_at is None


def test_without_anyone_in_the_role_every_professional_is_notified_but_no_buddy(
    trajectory: Trajectory, org_c: Organisation
) -> None:
    worker = member(org_c, Role.LANDING_PLACE_WORKER)
    partner = member(org_c, Role.PARTNER_WORKER)
    buddy = member(org_c, Role.BUDDY)
    volunteer = member(org_c, Role.VISITING_VOLUNTEER)
    raise_signal(trajectory, org_c, Role.CASE_MANAGER)  # nobody of org_c has this role

    notifications_fan_out()

    assert notified_users() == {worker.user_id, partner.user_id}
    assert buddy.user_id not in notified_users() and volunteer.user_id not in notified_users()


def test_an_organisation_with_only_volunteers_notifies_nobody(
    trajectory: Trajectory, org_c: Organisation
) -> None:
    member(org_c, Role.VISITING_VOLUNTEER)
    member(org_c, Role.BUDDY)
    raise_signal(trajectory, org_c, Role.LANDING_PLACE_WORKER)
    assert notifications_fan_out() == 0
    assert not Notification.objects.exists()


def test_running_the_fan_out_twice_creates_nothing_new(
    trajectory: Trajectory, org_a: Organisation, actor_a: Actor
) -> None:
    member(org_a, Role.REGIONAL_COORDINATOR)
    raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR)
    notifications_fan_out()
    first = list(Notification.objects.order_by("pk").values_list("pk", "user_id", "event_id"))

    assert notifications_fan_out() == 0
    # Even an explicit re-run over everything meets the unique constraint, not a duplicate.
    notifications_fan_out(since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert list(Notification.objects.order_by("pk").values_list("pk", "user_id", "event_id")) == (
        first
    )


def test_reopened_signals_notify_again_other_events_do_not(
    trajectory: Trajectory, org_a: Organisation, actor_a: Actor
) -> None:
    raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR)
    notifications_fan_out()
    raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR, kind=EventKind.UPDATED)
    raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR, kind=EventKind.ACKNOWLEDGED)
    assert notifications_fan_out() == 0
    raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR, kind=EventKind.REOPENED)
    assert notifications_fan_out() == 1
    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["raised", "reopened"]


def test_a_signal_resolved_before_the_fan_out_notifies_nobody(
    frozen_clock: ClockControl, trajectory: Trajectory, org_a: Organisation, actor_a: Actor
) -> None:
    event = raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR)
    Signal.objects.filter(pk=event.signal_id).update(
        state="resolved", resolved_at=frozen_clock.now()
    )
    assert notifications_fan_out() == 0


def test_events_older_than_the_window_are_left_alone(
    frozen_clock: ClockControl, trajectory: Trajectory, org_a: Organisation, actor_a: Actor
) -> None:
    raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR)
    frozen_clock.advance(days=3)
    assert notifications_fan_out() == 0


def test_the_evaluation_raises_and_the_fan_out_notifies_the_holder(
    frozen_clock: ClockControl, trajectory: Trajectory, actor_a: Actor
) -> None:
    # The trajectory has no contact person: the rule no_contact_person addresses the holder.
    signals_evaluate()
    raised = Signal.objects.filter(trajectory=trajectory, rule_code="no_contact_person").get()
    notifications_fan_out()
    assert notified_users(signal=raised) == {actor_a.user_id}


def test_the_fan_out_is_set_based(
    frozen_clock: ClockControl, org_a: Organisation, actor_a: Actor, org_c: Organisation
) -> None:
    """The same number of queries for 1 event as for 12, over two organisations."""
    member(org_a, Role.REGIONAL_COORDINATOR)
    member(org_c, Role.LANDING_PLACE_WORKER)

    def queries_for(count: int) -> int:
        for i in range(count):
            trajectory = TrajectoryFactory(actor=actor_a)
            raise_signal(trajectory, org_a if i % 2 else org_c, Role.REGIONAL_COORDINATOR)
        with CaptureQueriesContext(connection) as captured:
            notifications_fan_out()
        return len(captured)

    small = queries_for(1)
    large = queries_for(12)
    assert small == large
    # org_a: two coordinators; org_c has none, so its landing place worker (fallback).
    assert Notification.objects.count() == 1 + 6 * 2 + 6 * 1
