"""``Rule.may_apply`` never hides a signal: the prefilter of a small evaluation is safe.

On the tiny demo (every rule has something to say in it), each rule's
candidates over all live trajectories must satisfy its ``may_apply``; and
evaluating trajectories one by one after a full sweep (with the prefilter)
must change nothing that the sweep (without it) decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction

from estafette.core import clock
from estafette.demo.build import BuildReport, build
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.rules import REGISTRY
from estafette.signals.rules.base import prefilter_rows
from estafette.trajectories.models import Phase, Trajectory

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[BuildReport]:
    with django_db_blocker.unblock(), clock.frozen(TODAY), transaction.atomic():  # type: ignore[attr-defined]
        report = build(scale="tiny", seed=11, say=lambda _: None)
        yield report
        transaction.set_rollback(True)


def _live_ids() -> list[int]:
    return list(
        Trajectory.objects.exclude(phase=Phase.CLOSED).order_by("pk").values_list("pk", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_every_candidate_satisfies_may_apply(demo: BuildReport, code: str) -> None:
    rule = REGISTRY[code]
    for today in (TODAY, TODAY + dt.timedelta(days=60), TODAY + dt.timedelta(days=200)):
        rows = {row["pk"]: row for row in prefilter_rows(_live_ids())}
        for candidate in rule.candidates(today=today, trajectory_ids=None):
            row = rows[candidate.trajectory_id]
            assert rule.may_apply(row, today), (code, candidate.trajectory_id, row)


@pytest.mark.django_db
def test_one_by_one_after_a_sweep_changes_nothing(demo: BuildReport) -> None:
    with clock.frozen(TODAY):
        signals_evaluate(today=TODAY)
        for pk in _live_ids():
            result = signals_evaluate([pk], today=TODAY)
            assert result.changed == 0, (pk, result)
