"""Faults stay local: a trajectory whose evaluation raises stops no other (issue #9, point 4).

The planted fault is a stored value a rule's arithmetic cannot take: a release
date at the end of the calendar, to which a test-only rule adds thirty days
(``OverflowError``). The rule is registered for the test only, so the test does
not depend on which real rule would trip over such a value today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from io import StringIO
from typing import Any, cast

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError
from django.test import Client
from django_tasks import TaskResultStatus

from estafette.core.actor import Actor
from estafette.signals import evaluate
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import EvaluationFailure, Signal
from estafette.signals.rules import REGISTRY, Candidate, Rule
from estafette.signals.rules.base import iso
from estafette.signals.tasks import evaluate_trajectory, sweep
from estafette.signals.tests.conftest import live
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.testing.factories import TrajectoryFactory
from estafette.trajectories.models import Phase, Trajectory

CALENDAR_END = dt.date(9999, 12, 31)


class FollowUpAfterRelease(Rule):
    """Test-only: a follow-up 30 days after the release date (date arithmetic per row)."""

    code = "test_follow_up_after_release"
    title = "Follow up after release"
    reason_template = "Follow up by %(due)s."
    suggested_action = "Call."
    trips: set[int]  # trajectories for which the rule raises once more (a lost race)

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        rows = (
            self.trajectories(trajectory_ids)
            .exclude(release_date=None)
            .values("pk", "baton_holder_id", "baton_holder__kind", "release_date")
        )
        found = []
        for row in rows:
            if row["pk"] in self.trips:
                self.trips.discard(row["pk"])
                raise IntegrityError(
                    "UNIQUE constraint failed: one_live_signal_per_rule_trajectory_addressee"
                )
            due = row["release_date"] + dt.timedelta(days=30)  # OverflowError at the calendar's end
            found.append(self.candidate_for_holder(row, facts={"due": iso(due)}, due=due))
        return found


@pytest.fixture
def follow_up(monkeypatch: pytest.MonkeyPatch) -> Iterator[FollowUpAfterRelease]:
    rule = FollowUpAfterRelease()
    rule.trips = set()
    monkeypatch.setitem(REGISTRY, rule.code, rule)
    yield rule


def make(actor: Actor, **fields: Any) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


def plant(trajectory: Trajectory, release_date: dt.date = CALENDAR_END) -> None:
    """A stored value the rule's arithmetic cannot take (as imported before validation)."""
    Trajectory.objects.filter(pk=trajectory.pk).update(release_date=release_date)


def test_the_sweep_evaluates_every_other_trajectory_and_lists_the_culprit(
    frozen_clock: ClockControl, actor_a: Actor, follow_up: FollowUpAfterRelease
) -> None:
    good = [make(actor_a) for _ in range(5)]
    bad = make(actor_a)
    plant(bad)

    result = signals_evaluate()

    assert result.failed == (bad.pk,)
    assert result.of == 6
    assert result.partial == "partial: 1 of 6 could not be evaluated"
    for t in good:  # the others' signals are raised, by every rule
        assert live(t, "aftercare_referral_missing") is not None
        assert live(t, follow_up.code) is not None
    assert not Signal.objects.filter(trajectory=bad).exists()
    failure = EvaluationFailure.objects.get()
    assert failure.trajectory_id == bad.pk
    assert failure.error.startswith("OverflowError: ")
    assert "OverflowError" in failure.traceback and "candidates" in failure.traceback
    assert failure.attempts == 1
    assert failure.first_failed_at == failure.last_failed_at


def test_the_next_run_tries_again_and_clears_the_entry_once_it_evaluates(
    frozen_clock: ClockControl, actor_a: Actor, follow_up: FollowUpAfterRelease
) -> None:
    good = make(actor_a)
    bad = make(actor_a)
    plant(bad)
    signals_evaluate()
    first = EvaluationFailure.objects.get(trajectory=bad)

    frozen_clock.advance(days=1)
    again = signals_evaluate()  # still broken: tried again, counted again
    assert again.failed == (bad.pk,)
    second = EvaluationFailure.objects.get(trajectory=bad)
    assert second.attempts == 2
    assert second.first_failed_at == first.first_failed_at
    assert second.last_failed_at > first.last_failed_at

    plant(bad, frozen_clock.today + dt.timedelta(days=90))  # someone corrects the date
    fixed = signals_evaluate()
    assert fixed.failed == () and fixed.partial == ""
    assert live(bad, "aftercare_referral_missing") is not None
    assert live(good, "aftercare_referral_missing") is not None
    assert not EvaluationFailure.objects.exists()


def test_a_culprits_signals_are_left_as_the_last_good_run_made_them(
    frozen_clock: ClockControl, actor_a: Actor, follow_up: FollowUpAfterRelease
) -> None:
    bad = make(actor_a)
    closed = make(actor_a)
    signals_evaluate()
    before = live(bad, "aftercare_referral_missing")
    assert before is not None and live(closed, "aftercare_referral_missing") is not None
    plant(bad)
    Trajectory.objects.filter(pk=closed.pk).update(phase=Phase.CLOSED)

    result = signals_evaluate()

    assert result.failed == (bad.pk,)
    # Not resolved for want of facts: the evaluation never saw them.
    after = live(bad, "aftercare_referral_missing")
    assert after is not None and after.pk == before.pk
    # A closed trajectory's live signal still resolves on the isolating path.
    assert live(closed, "aftercare_referral_missing") is None


def test_several_culprits_are_each_found(
    frozen_clock: ClockControl, actor_a: Actor, follow_up: FollowUpAfterRelease
) -> None:
    ts = [make(actor_a) for _ in range(12)]
    bad = [ts[1], ts[7], ts[8]]
    for t in bad:
        plant(t)

    result = signals_evaluate()

    assert result.failed == tuple(sorted(t.pk for t in bad))
    assert set(EvaluationFailure.objects.values_list("trajectory_id", flat=True)) == {
        t.pk for t in bad
    }
    assert all(live(t, follow_up.code) for t in ts if t not in bad)


def test_a_fault_that_hits_every_trajectory_stops_isolating_within_the_budget(
    frozen_clock: ClockControl,
    actor_a: Actor,
    follow_up: FollowUpAfterRelease,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ts = [make(actor_a) for _ in range(16)]
    for t in ts:
        plant(t)
    attempts = []
    real = evaluate._evaluate

    def counted(*args: Any) -> Any:
        attempts.append(args[0])
        return real(*args)

    monkeypatch.setattr(evaluate, "ISOLATION_BUDGET", 4)
    monkeypatch.setattr(evaluate, "_evaluate", counted)

    result = signals_evaluate()

    assert result.failed == tuple(sorted(t.pk for t in ts))
    assert len(attempts) < len(ts)  # not every trajectory on its own
    assert EvaluationFailure.objects.count() == len(ts)
    assert any("Not isolated further" in f.traceback for f in EvaluationFailure.objects.all())


def test_a_trajectory_that_raises_only_once_is_not_set_aside(
    frozen_clock: ClockControl, actor_a: Actor, follow_up: FollowUpAfterRelease
) -> None:
    """A lost race (another worker raised the same signal first) is over on the retry."""
    t = make(actor_a)
    follow_up.trips = {t.pk}

    result = signals_evaluate([t.pk])

    assert result.failed == ()
    assert live(t, follow_up.code) is not None
    assert not EvaluationFailure.objects.exists()


def test_the_evaluation_after_a_change_reports_partial_and_lists_it(
    frozen_clock: ClockControl, actor_a: Actor, follow_up: FollowUpAfterRelease
) -> None:
    bad = make(actor_a)
    plant(bad)

    result = evaluate_trajectory.enqueue(bad.pk)

    assert result.status == TaskResultStatus.SUCCESSFUL  # partial, not failed
    value = result.return_value
    assert value is not None
    assert value["partial"] == "partial: 1 of 1 could not be evaluated"
    assert value["failed_ids"] == [bad.pk]
    assert EvaluationFailure.objects.filter(trajectory=bad).exists()

    plant(bad, frozen_clock.today + dt.timedelta(days=90))
    fine = evaluate_trajectory.enqueue(bad.pk)
    assert fine.return_value is not None and fine.return_value["failed"] == 0
    assert "partial" not in fine.return_value
    assert not EvaluationFailure.objects.exists()


def test_the_sweep_task_and_command_say_partial(
    frozen_clock: ClockControl, actor_a: Actor, follow_up: FollowUpAfterRelease
) -> None:
    make(actor_a)
    bad = make(actor_a)
    plant(bad)

    result = sweep.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value is not None
    assert result.return_value["partial"] == "partial: 1 of 2 could not be evaluated"

    out = StringIO()
    call_command("sweep", stdout=out)
    assert f"partial: 1 of 2 could not be evaluated (trajectories {bad.pk};" in out.getvalue()


def test_a_normal_run_does_not_isolate(
    frozen_clock: ClockControl, actor_a: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost of the normal case: one set-based pass, no parts."""
    ts = [make(actor_a) for _ in range(4)]
    calls = []
    real = evaluate._evaluate

    def counted(*args: Any) -> Any:
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(evaluate, "_evaluate", counted)
    result = signals_evaluate()
    assert calls == [None] and result.failed == ()
    signals_evaluate([t.pk for t in ts])
    assert calls[1:] == [sorted(t.pk for t in ts)]


def test_the_admin_lists_them_read_only(
    frozen_clock: ClockControl, actor_a: Actor, follow_up: FollowUpAfterRelease
) -> None:
    bad = make(actor_a)
    plant(bad)
    signals_evaluate()
    staff = Client()
    login_verified(
        staff,
        get_user_model().objects.create_superuser("beheer", "beheer@example.org", "s3cret-pass"),
    )

    listing = staff.get("/admin/signals/evaluationfailure/", HTTP_ACCEPT_LANGUAGE="en")

    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"#{bad.pk}" in html and "OverflowError" in html
    assert bad.person.family_name not in html  # the list names no person
    failure = EvaluationFailure.objects.get()
    page = staff.get(f"/admin/signals/evaluationfailure/{failure.pk}/change/")
    assert page.status_code == 200 and "Traceback" in page.content.decode()
    assert staff.get("/admin/signals/evaluationfailure/add/").status_code == 403


def test_a_fault_no_trajectory_is_to_blame_for_fails_the_run(
    db: None, frozen_clock: ClockControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken(FollowUpAfterRelease):
        code = "test_broken"

        def candidates(self, *, today: dt.date, trajectory_ids: Any = None) -> list[Candidate]:
            raise RuntimeError("the rule itself is broken")

    monkeypatch.setitem(REGISTRY, Broken.code, Broken())
    with pytest.raises(RuntimeError, match="the rule itself is broken"):
        signals_evaluate()  # no live trajectory at all: nothing to set aside
    assert not EvaluationFailure.objects.exists()
