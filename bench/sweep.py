"""Worker for bench/run.py: time the signal sweep and one trajectory's evaluation on one dataset.

Run by ``bench/run.py`` in a fresh process per dataset (``--db`` a DATABASE_URL, or the path
of a SQLite file); prints one JSON line with the raw samples (milliseconds). It measures:

1. **first sweep** — ``signals_evaluate()`` over every live trajectory when no signal
   exists yet (every signal raised: bulk inserts), inside a transaction rolled back
   afterwards, so each sample starts from the same state;
2. **steady sweep** — the same once the signals exist (nothing or little changes): what
   the daily sweep costs;
3. **floor** — plain reads of the rows the rules read (live trajectories with their
   release fields and holder, their handovers, their people's consents, contact persons
   and participants, the live signals), materialised in Python: what reading the facts
   costs without any rule logic;
4. **one trajectory after a change** — a trajectory's release date moves (alternately
   near, raising the after-care signal, and far, resolving it), then the task body
   ``evaluate_trajectory`` runs for it (evaluation and, when something was raised, the
   notification fan-out), ``--n`` times over different trajectories.

The dataset is left as a sweep leaves it (signals raised and notified); the moved
release dates are put back.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from pages import setup_django


class Rollback(Exception):
    pass


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return ms(time.perf_counter() - started)


def floor_read() -> int:
    """Plain reads of the rows the rules read; returns how many rows (all materialised)."""
    from estafette.consent.models import Consent
    from estafette.handovers.models import Handover
    from estafette.people.models import NetworkMember
    from estafette.signals.models import Signal
    from estafette.trajectories.models import Participant, Phase, Trajectory

    live = Trajectory.objects.exclude(phase=Phase.CLOSED)
    rows: list[Any] = list(
        live.values_list(
            "pk",
            "person_id",
            "phase",
            "baton_holder_id",
            "baton_holder__kind",
            "release_certainty",
            "release_date",
            "release_earliest",
            "release_latest",
            "release_on",
            "detention_start",
            "registration_certainty",
        )
    )
    rows += list(
        Handover.objects.filter(trajectory__in=live).values_list(
            "trajectory_id", "state", "purpose", "respond_by", "sent_at", "outcome_at"
        )
    )
    people = live.values("person_id")
    rows += list(
        Consent.objects.filter(person__in=people).values_list(
            "person_id", "purpose_id", "given_on", "ends_on", "revoked_at"
        )
    )
    rows += list(
        NetworkMember.objects.filter(person__in=people, is_contact_person=True).values_list(
            "person_id"
        )
    )
    rows += list(
        Participant.objects.filter(trajectory__in=live).values_list("trajectory_id", "until")
    )
    rows += list(
        Signal.objects.exclude(state="resolved").values_list(
            "rule_code", "trajectory_id", "state", "facts_digest", "due"
        )
    )
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a DATABASE_URL, or a SQLite file")
    parser.add_argument("--n", type=int, default=30, help="one-trajectory evaluations")
    parser.add_argument("--sweeps", type=int, default=3, help="steady sweeps (and floors)")
    parser.add_argument("--first", type=int, default=1, help="first sweeps (rolled back)")
    parser.add_argument("--profile", action="store_true", help="cProfile one steady sweep")
    args = parser.parse_args()
    setup_django(args.db)
    name = Path(args.db.rsplit("/", 1)[-1]).stem  # the file or the database

    import datetime as dt

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from estafette.core import clock
    from estafette.signals.evaluate import signals_evaluate
    from estafette.signals.models import Signal
    from estafette.signals.notifications.services import notifications_fan_out
    from estafette.signals.rules import REGISTRY
    from estafette.signals.tasks import evaluate_trajectory
    from estafette.trajectories.models import Phase, Trajectory

    live_ids = list(
        Trajectory.objects.exclude(phase=Phase.CLOSED).order_by("pk").values_list("pk", flat=True)
    )
    result: dict[str, Any] = {"live": len(live_ids), "rules": len(REGISTRY)}

    def log(message: str) -> None:
        print(f"    {name}: {message}", file=sys.stderr, flush=True)

    # 1. first sweeps, from no signals at all, rolled back.
    first = []
    for _ in range(args.first):
        try:
            with transaction.atomic():
                Signal.objects.all().delete()
                started = time.perf_counter()
                outcome = signals_evaluate()
                first.append(ms(time.perf_counter() - started))
                result["first_raised"] = outcome.raised
                raise Rollback
        except Rollback:
            pass
    result["first"] = first
    log(f"first sweep {first} ms")

    # 2. bring the dataset to the steady state, then time steady sweeps and the floor.
    signals_evaluate()
    notifications_fan_out(since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # the backlog
    with CaptureQueriesContext(connection) as captured:
        signals_evaluate()
    result["sweep_queries"] = len(captured.captured_queries)
    steady, floor = [], []
    for _ in range(args.sweeps):
        steady.append(timed(signals_evaluate))
        floor.append(timed(floor_read))
    result["steady"], result["floor"] = steady, floor
    result["floor_rows"] = floor_read()
    result["live_signals"] = Signal.objects.exclude(state="resolved").count()
    log(f"steady sweep {steady} ms, floor {floor} ms")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        signals_evaluate()
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)

    # 4. one trajectory after a change: the release moves near, then far, and so on.
    step = max(1, len(live_ids) // args.n)
    chosen = live_ids[::step][: args.n]
    today = clock.today()
    originals = {
        row["pk"]: row
        for row in Trajectory.objects.filter(pk__in=chosen).values(
            "pk",
            "release_certainty",
            "release_date",
            "release_earliest",
            "release_latest",
            "release_on",
        )
    }
    one, one_queries = [], []
    for i, pk in enumerate(chosen):
        on = today + dt.timedelta(days=60 if i % 2 == 0 else 400)
        Trajectory.objects.filter(pk=pk).update(
            release_certainty="known",
            release_date=on,
            release_earliest=None,
            release_latest=None,
            release_on=on,
        )
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            evaluate_trajectory.call(pk)
            one.append(ms(time.perf_counter() - started))
        one_queries.append(len(captured.captured_queries))
    result["one"], result["one_queries"] = one, one_queries
    for pk, row in originals.items():
        Trajectory.objects.filter(pk=pk).update(**{k: v for k, v in row.items() if k != "pk"})
    signals_evaluate(chosen)
    log(f"one trajectory: median of {len(one)} samples taken")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
