"""Evaluating the rules: open, update, reopen and auto-resolve signals, set-based and idempotent.

``signals_evaluate`` is what both the sweep (all live trajectories, for the
time-driven rules) and, later, the after-commit hook of a change (one
trajectory) call. Running it twice in a row changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation

from estafette.core import clock
from estafette.norms.selectors import norm_overrides_snapshot
from estafette.signals.lifecycle import LIVE, SignalState
from estafette.signals.models import EventKind, ResolvedHow, Signal, SignalEvent
from estafette.signals.rules import REGISTRY, Candidate, Rule
from estafette.signals.rules.base import prefilter_rows

LIVE_FIELDS = (
    "pk",
    "rule_code",
    "trajectory_id",
    "state",
    "snoozed_until",
    "facts_digest",
    "due",
    "severity",
    "addressee_id",
    "addressee_role",
    "norm_code",
)
"""What step 4 compares of each live signal (the facts themselves by their digest)."""


@dataclass(frozen=True)
class EvaluationResult:
    raised: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    unchanged: int = 0
    held_by_manual_resolution: int = 0

    @property
    def changed(self) -> int:
        return self.raised + self.updated + self.reopened + self.resolved


def _render(rule: Rule, candidate: Candidate) -> str:
    """The reason in the default language; the caller has activated it (once, not per signal)."""
    return rule.reason_text(candidate.facts)


def signals_evaluate(
    trajectory_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
    rules: Iterable[Rule] | None = None,
) -> EvaluationResult:
    """Bring the signals of ``trajectory_ids`` (default: all) in line with today's facts.

    See :func:`_evaluate` for the steps. Reasons are rendered in the default
    language (``LANGUAGE_CODE``), whatever language the caller has active.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _evaluate(trajectory_ids, today, rules)


@transaction.atomic
def _evaluate(
    trajectory_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
    rules: Iterable[Rule] | None = None,
) -> EvaluationResult:
    """Bring the signals of ``trajectory_ids`` (default: all) in line with today's facts.

    1. Every rule finds its candidates (a fixed number of queries per rule).
    2. One query loads the live signals of those rules (and trajectories).
    3. Live signals whose facts no longer hold are resolved automatically.
    4. Live signals whose facts still hold: a snoozed one whose date has come is
       reopened; changed facts (release moved, norm changed) update reason, due
       date and severity — every deadline recomputes. The facts are compared by
       their digest; only where it differs are the stored facts and reason read
       and the reason rendered again (it is a rendering of the facts): rendering
       every live signal's reason on every sweep was half the sweep's time.
    5. Candidates without a live signal are raised, unless a person resolved the
       same facts by hand (a manual resolution holds until the facts change).
    Each change writes a :class:`SignalEvent`; writes are bulk operations.
    """
    today = today or clock.today()
    now = clock.now()
    ids = None if trajectory_ids is None else sorted(set(trajectory_ids))
    active_rules = list(rules) if rules is not None else list(REGISTRY.values())
    codes = [rule.code for rule in active_rules]

    # 1.
    wanted: dict[tuple[str, int], tuple[Rule, Candidate]] = {}
    prefilter = _prefilter_rows(ids)
    with norm_overrides_snapshot():  # one read of the overrides for every rule
        for rule in active_rules:
            rule_ids = ids
            if prefilter is not None:
                rule_ids = [row["pk"] for row in prefilter if rule.may_apply(row, today)]
                if not rule_ids:
                    continue  # its live signals on these trajectories resolve in step 3
            for candidate in rule.candidates(today=today, trajectory_ids=rule_ids):
                wanted[(rule.code, candidate.trajectory_id)] = (rule, candidate)

    # 2. Plain rows, not model instances: a sweep reads every live signal, and building
    # a model (with its JSON facts decoded) for each was a third of the sweep's time.
    live_rows = Signal.objects.filter(state__in=[s.value for s in LIVE], rule_code__in=codes)
    if ids is not None:
        live_rows = live_rows.filter(trajectory_id__in=ids)
    live = {(row["rule_code"], row["trajectory_id"]): row for row in live_rows.values(*LIVE_FIELDS)}

    events: list[SignalEvent] = []
    changes_by_pk: dict[int, dict[str, Any]] = {}
    counts = {"resolved": 0, "updated": 0, "reopened": 0, "unchanged": 0}

    # 3.
    resolved = [row["pk"] for key, row in live.items() if key not in wanted]
    for pk in resolved:
        events.append(
            SignalEvent(signal_id=pk, kind=EventKind.RESOLVED, at=now, data={"how": "auto"})
        )
    counts["resolved"] = len(resolved)

    # 4. Facts and reason are read (one query) only for signals whose facts digest changed.
    digests = {key: wanted[key][1].facts_digest for key in live if key in wanted}
    stale = [
        live[key]["pk"] for key, digest in digests.items() if digest != live[key]["facts_digest"]
    ]
    stored = (
        {
            pk: (facts, reason)
            for pk, facts, reason in Signal.objects.filter(pk__in=stale).values_list(
                "pk", "facts", "reason"
            )
        }
        if stale
        else {}
    )
    for key, row in live.items():
        if key not in wanted:
            continue
        rule, candidate = wanted[key]
        changes: dict[str, Any] = {}
        if row["state"] == SignalState.SNOOZED and (
            row["snoozed_until"] is None or row["snoozed_until"] <= today
        ):
            changes["state"] = SignalState.OPEN
            changes["snoozed_until"] = None
            events.append(SignalEvent(signal_id=row["pk"], kind=EventKind.REOPENED, at=now))
            counts["reopened"] += 1
        fresh: dict[str, Any] = {
            "due": candidate.due,
            "severity": candidate.severity,
            "addressee_id": candidate.addressee_id,
            "addressee_role": candidate.addressee_role,
            "norm_code": candidate.norm_code,
        }
        current = dict(row)
        if row["pk"] in stored:
            current["facts"], current["reason"] = stored[row["pk"]]
            fresh["facts"] = candidate.facts
            fresh["facts_digest"] = digests[key]
            fresh["reason"] = _render(rule, candidate)
        differs = {k: v for k, v in fresh.items() if current[k] != v}
        if differs:
            changes.update(differs)
            events.append(
                SignalEvent(
                    signal_id=row["pk"],
                    kind=EventKind.UPDATED,
                    at=now,
                    data={"fields": sorted(differs), "due": str(candidate.due or "")},
                )
            )
            counts["updated"] += 1
        if changes:
            changes_by_pk[row["pk"]] = changes
        else:
            counts["unchanged"] += 1

    if resolved:
        Signal.objects.filter(pk__in=resolved).update(
            state=SignalState.RESOLVED, resolved_at=now, resolved_how=ResolvedHow.AUTO
        )
    # One bulk update per set of changed fields (a handful of sets, however many signals).
    groups: dict[tuple[str, ...], list[Signal]] = {}
    for pk, changes in changes_by_pk.items():
        groups.setdefault(tuple(sorted(changes)), []).append(Signal(pk=pk, **changes))
    for fields, objs in groups.items():
        Signal.objects.bulk_update(objs, list(fields))

    # 5.
    new_keys = [key for key in wanted if key not in live]
    held = _held_by_manual_resolution(new_keys, wanted)
    fresh_signals = [
        Signal(
            rule_code=candidate.rule_code,
            trajectory_id=candidate.trajectory_id,
            addressee_id=candidate.addressee_id,
            addressee_role=candidate.addressee_role,
            severity=candidate.severity,
            state=SignalState.OPEN,
            reason=_render(rule, candidate),
            facts=candidate.facts,
            facts_digest=candidate.facts_digest,
            norm_code=candidate.norm_code,
            due=candidate.due,
            first_raised_at=now,
        )
        for key in new_keys
        if key not in held
        for rule, candidate in [wanted[key]]
    ]
    if fresh_signals:
        Signal.objects.bulk_create(fresh_signals)
        events.extend(
            SignalEvent(signal=signal, kind=EventKind.RAISED, at=now) for signal in fresh_signals
        )
    if events:
        SignalEvent.objects.bulk_create(events)

    return EvaluationResult(
        raised=len(fresh_signals),
        updated=counts["updated"],
        reopened=counts["reopened"],
        resolved=counts["resolved"],
        unchanged=counts["unchanged"],
        held_by_manual_resolution=len(held),
    )


PREFILTER_MAX = 200
"""Up to this many trajectories, rules are first asked :meth:`Rule.may_apply` (see there)."""


def _prefilter_rows(ids: list[int] | None) -> list[dict[str, Any]] | None:
    """The trajectories' facts for :meth:`Rule.may_apply`, for a small evaluation; else None.

    A sweep runs every rule's query anyway (the query is set-based); after a
    change, one query here spares the building of the queries of every rule
    that cannot apply to the changed trajectory.
    """
    if ids is None or len(ids) > PREFILTER_MAX:
        return None
    return prefilter_rows(ids)


def _held_by_manual_resolution(
    keys: list[tuple[str, int]], wanted: dict[tuple[str, int], tuple[Rule, Candidate]]
) -> set[tuple[str, int]]:
    """The keys whose newest signal was resolved by hand on the very same facts (one query)."""
    if not keys:
        return set()
    trajectory_ids = {tid for _code, tid in keys}
    rows = (
        Signal.objects.filter(
            state=SignalState.RESOLVED,
            rule_code__in={code for code, _tid in keys},
            trajectory_id__in=trajectory_ids,
        )
        .order_by("rule_code", "trajectory_id", "resolved_at", "id")
        .values_list("rule_code", "trajectory_id", "resolved_how", "facts_digest")
    )
    newest: dict[tuple[str, int], tuple[str, str]] = {}
    for code, tid, how, digest in rows:
        newest[(code, tid)] = (how, digest)
    held = set()
    for key in keys:
        last = newest.get(key)
        if last and last[0] == ResolvedHow.MANUAL and last[1] == wanted[key][1].facts_digest:
            held.add(key)
    return held
