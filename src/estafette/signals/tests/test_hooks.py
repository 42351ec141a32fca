"""The after-commit hook: a change's evaluation runs after its commit, never on a rollback.

The test settings run tasks immediately (``ImmediateBackend``), so once the
captured on-commit callbacks execute, the evaluation has happened: these tests
change facts only through the services and never call ``signals_evaluate``
themselves, except where time passes (that is the sweep's job).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, cast

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks.signals import task_enqueued

from estafette.consent.models import Consent
from estafette.consent.services import consent_record, consent_revoke
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.changes import person_changed_after_commit, trajectory_changed_after_commit
from estafette.handovers.models import Purpose
from estafette.handovers.services import handover_accept
from estafette.organisations.models import Organisation
from estafette.people.models import Person
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import ResolvedHow, Signal
from estafette.signals.notifications.services import notifications_after_evaluation
from estafette.signals.rules import REGISTRY
from estafette.signals.tasks import evaluate_trajectory
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent, send_with_consent, withdrawal_heard
from estafette.testing.factories import PersonFactory, TrajectoryFactory
from estafette.trajectories.models import ReleaseCertainty, Trajectory
from estafette.trajectories.services import trajectory_set_release

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def make(**fields: Any) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(**fields))


def new_person(**fields: Any) -> Person:
    return cast(Person, PersonFactory(**fields))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class Boom(Exception):
    pass


@pytest.fixture
def enqueued() -> Iterator[list[tuple[str, list[Any]]]]:
    """Every task enqueued during the test, as (task name, args)."""
    seen: list[tuple[str, list[Any]]] = []

    def record(sender: Any, task_result: Any, **kwargs: Any) -> None:
        seen.append((task_result.task.name, list(task_result.args)))

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


def far_trajectory(actor: Actor) -> Trajectory:
    """A trajectory whose release is far off: no after-care signal yet."""
    return cast(
        Trajectory,
        make(actor=actor, release_date=clock.today() + days(400)),
    )


def set_release(actor: Actor, t: Trajectory, on: dt.date) -> None:
    trajectory_set_release(
        actor=actor, trajectory=t, certainty=ReleaseCertainty.KNOWN, date=on, reason="Vonnis"
    )


# -- after commit, not on rollback -------------------------------------------------------


def test_evaluation_waits_for_the_commit(
    frozen_clock: ClockControl,
    actor_a: Actor,
    django_capture_on_commit_callbacks: Capture,
    enqueued: list[Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = far_trajectory(actor_a)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        set_release(actor_a, t, frozen_clock.today + days(60))
        # Inside the transaction nothing is evaluated yet, nothing enqueued.
        assert enqueued == []
        assert live(t, "aftercare_referral_missing") is None
    assert len(callbacks) == 1
    assert enqueued == [("evaluate_trajectory", [t.pk])]
    assert live(t, "aftercare_referral_missing") is not None


def test_a_rolled_back_change_evaluates_nothing(
    frozen_clock: ClockControl,
    actor_a: Actor,
    django_capture_on_commit_callbacks: Capture,
    enqueued: list[Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = far_trajectory(actor_a)
    enqueued.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        set_release(actor_a, t, frozen_clock.today + days(60))
        raise Boom
    assert callbacks == []
    assert enqueued == []
    assert live(t, "aftercare_referral_missing") is None


def test_a_rolled_back_savepoint_does_not_swallow_the_outer_change(
    frozen_clock: ClockControl,
    actor_a: Actor,
    django_capture_on_commit_callbacks: Capture,
    enqueued: list[Any],
) -> None:
    """The batch registered inside a savepoint that rolls back is dropped; a later call
    in the surrounding transaction starts a new one, so its evaluation still happens."""
    with django_capture_on_commit_callbacks(execute=True):  # the setup's own evaluations
        one, two = far_trajectory(actor_a), far_trajectory(actor_a)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            trajectory_changed_after_commit(one.pk)
            raise Boom
        trajectory_changed_after_commit(two.pk)
    assert enqueued == [("evaluate_trajectory", [two.pk])]


def test_one_evaluation_per_trajectory_per_transaction(
    frozen_clock: ClockControl,
    actor_a: Actor,
    django_capture_on_commit_callbacks: Capture,
    enqueued: list[Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        one, two = far_trajectory(actor_a), far_trajectory(actor_a)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        set_release(actor_a, one, frozen_clock.today + days(60))
        set_release(actor_a, one, frozen_clock.today + days(50))
        trajectory_changed_after_commit(two.pk)
        person_changed_after_commit(one.person_id)  # the same trajectory again
    assert len(callbacks) == 1
    assert sorted(enqueued) == [
        ("evaluate_trajectory", [one.pk]),
        ("evaluate_trajectory", [two.pk]),
    ]


def test_outside_a_transaction_the_evaluation_is_enqueued_at_once(
    frozen_clock: ClockControl, actor_a: Actor, enqueued: list[Any]
) -> None:
    t = far_trajectory(actor_a)
    enqueued.clear()
    # The test's own transaction is the outer block; leave it out of the picture.
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        trajectory_changed_after_commit(t.pk)
    finally:
        connection.in_atomic_block = saved
    assert enqueued == [("evaluate_trajectory", [t.pk])]


# -- real changes raise and auto-resolve the right signal -------------------------------


def test_release_coming_near_raises_and_the_referral_resolves(
    frozen_clock: ClockControl,
    actor_a: Actor,
    actor_b: Actor,
    org_b: Organisation,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = far_trajectory(actor_a)
    assert live(t, "aftercare_referral_missing") is None

    with django_capture_on_commit_callbacks(execute=True):
        set_release(actor_a, t, frozen_clock.today + days(60))
    signal = live(t, "aftercare_referral_missing")
    assert signal is not None and signal.addressee_id == actor_a.organisation_id

    with django_capture_on_commit_callbacks(execute=True):
        handover = send_with_consent(
            actor=actor_a,
            trajectory=t,
            receiver=org_b,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message="Graag nazorg.",
        )
    assert live(t, "aftercare_referral_missing") is None
    signal.refresh_from_db()
    assert signal.resolved_how == ResolvedHow.AUTO

    with django_capture_on_commit_callbacks(execute=True):
        handover_accept(actor=actor_b, handover=handover)
    assert live(t, "aftercare_referral_missing") is None  # accepted: the referral still counts


def test_accepting_an_unanswered_referral_resolves_the_receivers_signal(
    frozen_clock: ClockControl,
    actor_a: Actor,
    actor_b: Actor,
    org_b: Organisation,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = make(actor=actor_a)
        handover = send_with_consent(
            actor=actor_a,
            trajectory=t,
            receiver=org_b,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message="Graag nazorg.",
            respond_by=frozen_clock.today + days(3),
        )
    frozen_clock.advance(days=4)
    signals_evaluate()  # time passed: the sweep's job
    signal = live(t, "handover_unanswered")
    assert signal is not None and signal.addressee_id == org_b.pk

    with django_capture_on_commit_callbacks(execute=True):
        handover_accept(actor=actor_b, handover=handover)
    assert live(t, "handover_unanswered") is None
    signal.refresh_from_db()
    assert signal.resolved_how == ResolvedHow.AUTO


def test_revoking_and_recording_aftercare_consent_reach_every_trajectory_of_the_person(
    frozen_clock: ClockControl,
    actor_a: Actor,
    org_b: Organisation,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    person = new_person()
    near = frozen_clock.today + days(60)
    with django_capture_on_commit_callbacks(execute=True):
        first = make(actor=actor_a, person=person, release_date=near)
        second = make(actor=actor_a, person=person, release_date=near)
    consent = give_consent(person=person, purpose_code="aftercare_referral", recipient=org_b)
    signals_evaluate()
    for t in (first, second):
        signal = live(t, "aftercare_referral_missing")
        assert signal is not None and signal.facts["has_consent"] is True

    with django_capture_on_commit_callbacks(execute=True):
        consent_revoke(
            actor=actor_a, consent=consent, reason="Wil het niet meer", **withdrawal_heard()
        )
    for t in (first, second):
        signal = live(t, "aftercare_referral_missing")
        assert signal is not None and signal.facts["has_consent"] is False

    with django_capture_on_commit_callbacks(execute=True):
        consent_record(
            actor=actor_a,
            person=person,
            purpose_code="aftercare_referral",
            recipient_organisation=org_b,
            data_classes=["identity", "detention"],
            given_on=frozen_clock.today,
            evidence_kind="verbal",
            verbal_by="Vrijwilliger Jansen",
            verbal_on=frozen_clock.today,
            verbal_place="Bezoekzaal",
        )
    assert Consent.objects.filter(person=person, revoked_at__isnull=True).count() >= 1
    for t in (first, second):
        signal = live(t, "aftercare_referral_missing")
        assert signal is not None and signal.facts["has_consent"] is True


# -- cost of one evaluation --------------------------------------------------------------


def evaluation_queries(trajectory_id: int) -> tuple[int, int]:
    """Queries of the task evaluating one trajectory: first run, then steady state."""
    Signal.objects.filter(trajectory_id=trajectory_id).delete()
    notifications_after_evaluation()  # the others' backlog is not this evaluation's cost
    with CaptureQueriesContext(connection) as first:
        evaluate_trajectory.enqueue(trajectory_id)
    with CaptureQueriesContext(connection) as second:
        evaluate_trajectory.enqueue(trajectory_id)
    return len(first.captured_queries), len(second.captured_queries)


def test_evaluating_one_trajectory_costs_the_same_however_many_others_exist(
    frozen_clock: ClockControl,
    actor_a: Actor,
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[Any]],
) -> None:
    someone = new_person(addiction=True)  # vulnerable, no contact person: several rules fire
    target = make(actor=actor_a, person=someone)
    for _ in range(3):
        make(actor=actor_a, person=new_person(addiction=True))
    signals_evaluate()
    few = evaluation_queries(target.pk)
    assert Signal.objects.filter(trajectory=target).exclude(state="resolved").count() >= 2
    for _ in range(40):
        make(actor=actor_a, person=new_person(addiction=True))
    signals_evaluate()
    many = evaluation_queries(target.pk)
    assert few == many, (few, many)
    # A small, fixed number per rule, whatever the size of the database.
    with django_assert_max_num_queries(3 * len(REGISTRY) + 8):
        evaluate_trajectory.enqueue(target.pk)


def test_an_organisations_new_norm_recomputes_its_deadlines(
    frozen_clock: ClockControl,
    actor_a: Actor,
    actor_for: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    """Four months instead of three: the referral signal appears without waiting for a sweep."""
    from estafette.norms.services import norm_override_set

    with django_capture_on_commit_callbacks(execute=True):  # its own batch, flushed
        t = make(actor=actor_a, release_date=clock.today() + days(140))  # due in 50 days
    assert live(t, "aftercare_referral_missing") is None
    admin = actor_for(actor_a.organisation, "organisation_admin")
    with django_capture_on_commit_callbacks(execute=True):
        norm_override_set(
            actor=admin,
            code="aftercare_referral",
            params={"days_before_release": 120},
            reason="Onze gemeenten vragen vier maanden.",
        )
    signal = live(t, "aftercare_referral_missing")
    assert signal is not None and signal.facts["days"] == 120
