"""The demo holds basic conditions, and every condition rule has something to say in it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import F

from estafette.conditions.models import ConditionStatus
from estafette.core import clock
from estafette.demo.build import BuildReport, build
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal

TODAY = dt.date(2026, 3, 2)
RULES = (
    "condition_open_after_return",
    "id_missing_after_return",
    "no_way_home",
    "unnoticed_risk",
    "children_out_of_view",
    "accepted_not_taken_up",
)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[BuildReport]:
    with django_db_blocker.unblock(), clock.frozen(TODAY), transaction.atomic():  # type: ignore[attr-defined]
        report = build(scale="tiny", seed=7, say=lambda _: None)
        signals_evaluate(today=TODAY)
        yield report
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_holds_condition_histories(demo: BuildReport) -> None:
    assert demo.counts  # built
    rows = ConditionStatus.objects.all()
    assert rows.count() > 500
    assert not rows.filter(since__gt=TODAY).exists()
    assert not rows.filter(until__lt=F("since")).exists()
    assert rows.filter(until__isnull=False).exists()  # history, not only current rows
    assert rows.filter(recorded_by__isnull=False).exists()  # the named examples' recordings


@pytest.mark.django_db
def test_every_condition_rule_fires_in_the_demo(demo: BuildReport) -> None:
    live = Signal.objects.exclude(state="resolved")
    for code in RULES:
        assert live.filter(rule_code=code).exists(), code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "family", "code"),
    [
        ("Peter", "de Graaf", "id_missing_after_return"),
        ("Peter", "de Graaf", "condition_open_after_return"),
        ("Ricardo", "Brouwer", "no_way_home"),
        ("Hakan", "Kaya", "condition_open_after_return"),
        ("Jeroen", "Bos", "unnoticed_risk"),
        ("Saskia", "Meijer", "children_out_of_view"),
    ],
)
def test_the_named_examples_show_their_signal(
    demo: BuildReport, given: str, family: str, code: str
) -> None:
    assert (
        Signal.objects.exclude(state="resolved")
        .filter(
            rule_code=code,
            trajectory__person__given_names=given,
            trajectory__person__family_name=family,
        )
        .exists()
    )
