"""The sweep: idempotent, set-based (queries do not grow with trajectories), and a CLI."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from estafette.core.actor import Actor
from estafette.people.models import NetworkMember
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal, SignalEvent
from estafette.testing.clock import ClockControl
from estafette.testing.factories import PersonFactory, TrajectoryFactory


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Signal.objects.order_by("pk").values_list(
            "pk", "rule_code", "trajectory_id", "state", "reason", "due", "severity", "facts"
        )
    )


trajectory_specs = st.lists(
    st.fixed_dictionaries(
        {
            "certainty": st.sampled_from(["known", "estimate", "window", "unknown"]),
            "offset": st.integers(-30, 400),
            "span": st.integers(0, 60),
            "detained_days": st.integers(0, 400),
            "registration": st.sampled_from(["confirmed", "doubtful", "unknown"]),
            "addiction": st.booleans(),
            "contact": st.booleans(),
        }
    ),
    min_size=1,
    max_size=5,
)


def build(actor: Actor, spec: dict[str, Any], today: dt.date) -> Any:
    person = PersonFactory(addiction=spec["addiction"])
    if spec["contact"]:
        NetworkMember.objects.create(
            person=person, name="Zus", relation="sibling", is_contact_person=True
        )
    release: dict[str, Any] = {"release_certainty": spec["certainty"], "release_date": None}
    on = today + dt.timedelta(days=spec["offset"])
    if spec["certainty"] in ("known", "estimate"):
        release["release_date"] = on
    elif spec["certainty"] == "window":
        release["release_earliest"] = on
        release["release_latest"] = on + dt.timedelta(days=spec["span"])
    return TrajectoryFactory(
        actor=actor,
        person=person,
        registration_certainty=spec["registration"],
        detention_start=today - dt.timedelta(days=spec["detained_days"]),
        **release,
    )


@hsettings(max_examples=15)
@given(specs=trajectory_specs, later=st.integers(0, 120))
def test_running_the_sweep_twice_changes_nothing_the_second_time(
    frozen_clock: ClockControl, actor_a: Actor, specs: list[dict[str, Any]], later: int
) -> None:
    today = frozen_clock.today
    for spec in specs:
        build(actor_a, spec, today)
    on = today + dt.timedelta(days=later)
    signals_evaluate(today=on)
    before, events = snapshot(), SignalEvent.objects.count()
    result = signals_evaluate(today=on)
    assert result.changed == 0
    assert snapshot() == before
    assert SignalEvent.objects.count() == events
    # Never two live signals for one rule, trajectory and addressee.
    live = Signal.objects.exclude(state="resolved").values_list(
        "rule_code", "trajectory_id", "addressee_id"
    )
    assert len(list(live)) == len(set(live))


def queries_for(n: int, actor: Actor) -> tuple[int, int]:
    for _ in range(n):
        TrajectoryFactory(actor=actor, person=PersonFactory(addiction=True))
    with CaptureQueriesContext(connection) as first:
        signals_evaluate()
    with CaptureQueriesContext(connection) as second:
        signals_evaluate()
    return len(first.captured_queries), len(second.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_trajectories(
    frozen_clock: ClockControl, actor_for: Any, org_a: Any, org_c: Any
) -> None:
    small = queries_for(5, actor_for(org_a))
    Signal.objects.all().delete()  # start the big run from the same (empty) state
    large = queries_for(50, actor_for(org_c))
    # Steady state (nothing to change): exactly the same number of queries.
    assert small[1] == large[1], (small, large)
    # First run: the same, up to the INSERT batches of bulk_create (SQLite takes at most
    # 999 parameters per statement: ~70 signals, ~200 events): O(N / batch), never a query
    # per trajectory. 50 trajectories raise four signals each here (referral, booklet,
    # vulnerable, no contact person): two more signal batches and one more event batch.
    assert large[0] <= small[0] + 4, (small, large)
    # Relative to the steady state, which grows with the number of rules, not trajectories.
    assert large[0] <= large[1] + 10, (small, large)


def test_sweep_command_prints_counts(frozen_clock: ClockControl, actor_a: Actor) -> None:
    TrajectoryFactory(actor=actor_a)
    out = StringIO()
    call_command("sweep", stdout=out)
    # Referral missing, "Return" booklet not sent (both due before a release in 90 days),
    # no contact person.
    assert "raised 3" in out.getvalue()
    out = StringIO()
    call_command("sweep", f"--today={frozen_clock.today.isoformat()}", stdout=out)
    assert "raised 0" in out.getvalue() and "unchanged 3" in out.getvalue()
