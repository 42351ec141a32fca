"""The list of trajectories whose signals could not be evaluated (:class:`EvaluationFailure`).

The evaluation (:mod:`estafette.signals.evaluate`) records here each trajectory
it had to set aside, and clears the entry once that trajectory evaluates fine
again. Administrators read the list in the admin.
"""

from __future__ import annotations

import traceback as tb
from collections.abc import Iterable, Mapping

from estafette.core import clock
from estafette.core.isolation import describe
from estafette.signals.models import EvaluationFailure
from estafette.trajectories.models import Trajectory

TRACEBACK_MAX = 20_000
"""Characters of a traceback kept (its end: the frames nearest the error)."""


def traceback_text(error: BaseException, note: str = "") -> str:
    text = "".join(tb.format_exception(error))[-TRACEBACK_MAX:]
    return f"{note}\n\n{text}" if note else text


def evaluation_failures_record(errors: Mapping[int, BaseException], *, note: str = "") -> None:
    """Record that the trajectories in ``errors`` could not be evaluated, each with its error.

    A trajectory already listed keeps its ``first_failed_at`` and counts one more
    failed run. Trajectories that no longer exist are skipped. Three queries.
    """
    if not errors:
        return
    now = clock.now()
    existing_ids = set(Trajectory.objects.filter(pk__in=list(errors)).values_list("pk", flat=True))
    listed = {
        row.trajectory_id: row
        for row in EvaluationFailure.objects.filter(trajectory_id__in=list(existing_ids))
    }
    texts: dict[int, str] = {}  # one traceback per distinct error (a batch shares one)
    fresh: list[EvaluationFailure] = []
    for trajectory_id in sorted(existing_ids):
        error = errors[trajectory_id]
        if id(error) not in texts:
            texts[id(error)] = traceback_text(error, note)
        row = listed.get(trajectory_id)
        if row is None:
            row = EvaluationFailure(trajectory_id=trajectory_id, first_failed_at=now, attempts=0)
            fresh.append(row)
        row.last_failed_at = now
        row.attempts += 1
        row.error = describe(error)
        row.traceback = texts[id(error)]
    EvaluationFailure.objects.bulk_update(
        list(listed.values()), ["last_failed_at", "attempts", "error", "traceback"], batch_size=500
    )
    EvaluationFailure.objects.bulk_create(fresh, batch_size=500)


def evaluation_failures_clear(trajectory_ids: Iterable[int] | None) -> None:
    """Take ``trajectory_ids`` (``None``: every trajectory) off the list: they evaluated fine.

    One ``DELETE`` (of nothing, almost always).
    """
    rows = EvaluationFailure.objects.all()
    if trajectory_ids is not None:
        rows = rows.filter(trajectory_id__in=list(trajectory_ids))
    rows.delete()
