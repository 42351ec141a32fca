"""Evaluating the rules: open, update, reopen and auto-resolve signals, set-based and idempotent.

``signals_evaluate`` is what both the sweep (all live trajectories, for the
time-driven rules) and the after-commit hook of a change (one trajectory)
call. Running it twice in a row changes nothing the second time.

Faults stay local: the evaluation is set-based (each rule queries every
trajectory of the batch at once), so one trajectory whose facts make a rule
raise would fail the whole batch. When that happens, and only then, the batch
is split and evaluated in parts until the culprits are found
(:func:`_isolate`); every other trajectory is still evaluated, the culprits are
logged and listed for administrators (:class:`~estafette.signals.models.EvaluationFailure`)
and tried again by the next run. The normal run pays one savepoint for this.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation

from estafette.core import clock, isolation
from estafette.core.isolation import NOT_LOCAL, describe
from estafette.norms.selectors import norm_overrides_snapshot
from estafette.signals.failures import evaluation_failures_clear, evaluation_failures_record
from estafette.signals.lifecycle import LIVE, SignalState
from estafette.signals.models import EventKind, ResolvedHow, Signal, SignalEvent
from estafette.signals.rules import REGISTRY, Candidate, Rule
from estafette.signals.rules.base import LIVE_PHASES, prefilter_rows
from estafette.trajectories.models import Trajectory

logger = logging.getLogger(__name__)

Key = tuple[str, int, int]
"""(rule code, trajectory, addressee): what identifies a live signal (the database's
constraint ``one_live_signal_per_rule_trajectory_addressee``)."""


def key_of(candidate: Candidate) -> Key:
    return (candidate.rule_code, candidate.trajectory_id, candidate.addressee_id)


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
    failed: tuple[int, ...] = field(default=())
    """Trajectories that could not be evaluated (their signals were left as they were)."""
    of: int = 0
    """Trajectories in the run, when counted (always when one failed; 0 when not counted)."""

    @property
    def changed(self) -> int:
        return self.raised + self.updated + self.reopened + self.resolved

    @property
    def partial(self) -> str:
        """``"partial: N of M could not be evaluated"``, or ``""`` when every one was."""
        return isolation.partial(len(self.failed), self.of, "evaluated") if self.failed else ""

    def __add__(self, other: EvaluationResult) -> EvaluationResult:
        return EvaluationResult(
            raised=self.raised + other.raised,
            updated=self.updated + other.updated,
            reopened=self.reopened + other.reopened,
            resolved=self.resolved + other.resolved,
            unchanged=self.unchanged + other.unchanged,
            held_by_manual_resolution=self.held_by_manual_resolution
            + other.held_by_manual_resolution,
            failed=self.failed + other.failed,
            of=self.of + other.of,
        )


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

    A trajectory whose evaluation raises does not stop the others: it is set
    aside (``result.failed``), logged with its id and listed for administrators
    until a later run evaluates it fine (:func:`_isolate`). Only errors of the
    database itself (:data:`~estafette.core.isolation.NOT_LOCAL`) are raised.
    """
    ids = None if trajectory_ids is None else sorted(set(trajectory_ids))
    today = today or clock.today()  # one day for every part, should isolating outlast midnight
    active_rules = list(rules) if rules is not None else list(REGISTRY.values())
    every_rule = rules is None  # only an evaluation by every rule clears a trajectory's failure
    with translation.override(settings.LANGUAGE_CODE):
        # 1. The normal case: the whole batch, set-based, in one savepoint.
        try:
            with transaction.atomic():
                result = _evaluate(ids, today, active_rules)
                if every_rule:
                    evaluation_failures_clear(ids)
        except NOT_LOCAL:
            raise
        except Exception as error:
            failed = error
        else:
            return replace(result, of=len(ids) if ids is not None else 0)
        # 2. Something in the batch raised: find the culprits, evaluate the rest. (Outside
        # the ``except``, so that the parts' errors are not chained to this one.)
        return _isolate(ids, today, active_rules, failed, every_rule=every_rule)


ISOLATION_CHUNK = 1000
"""A failed batch is split into parts of at most this many trajectories, else in halves."""

ISOLATION_BUDGET = 64
"""Failed attempts allowed while isolating; past it, failing parts are set aside whole.

One culprit among 5,000 trajectories costs about 15 failed attempts (the halving),
so a handful of culprits are each found exactly; a fault that hits every
trajectory (a rule broken for all) stops after this many instead of evaluating
every trajectory on its own.
"""


def _batch_universe(ids: list[int] | None, rules: list[Rule]) -> list[int]:
    """The trajectories a batch covers: ``ids``, or for a sweep every live trajectory and
    every trajectory with a live signal of these rules (which the sweep would resolve)."""
    if ids is not None:
        return ids
    live = Trajectory.objects.filter(phase__in=LIVE_PHASES).values_list("pk", flat=True)
    with_signals = Signal.objects.filter(
        state__in=[s.value for s in LIVE], rule_code__in=[rule.code for rule in rules]
    ).values_list("trajectory_id", flat=True)
    return sorted(set(live) | set(with_signals))


def _split(batch: list[int]) -> list[list[int]]:
    if len(batch) > ISOLATION_CHUNK:
        return [batch[i : i + ISOLATION_CHUNK] for i in range(0, len(batch), ISOLATION_CHUNK)]
    middle = len(batch) // 2
    return [batch[:middle], batch[middle:]]


def _isolate(
    ids: list[int] | None,
    today: dt.date,
    rules: list[Rule],
    error: Exception,
    *,
    every_rule: bool,
) -> EvaluationResult:
    """Evaluate a batch that raised in parts, so that only its culprits are set aside.

    1. The batch (for a sweep: every live trajectory and every one with a live
       signal) is split; each part is evaluated on its own, in a savepoint.
    2. A part that raises is split again, down to single trajectories.
    3. A single trajectory that raises is tried once more (a race with another
       worker raising the same signal is over by then); if it raises again it is
       set aside: logged with its id, listed in :class:`EvaluationFailure`.
    4. Past :data:`ISOLATION_BUDGET` failed attempts, each failing part is set
       aside whole, with its error.
    Parts that evaluate fine are taken off the failure list. Returns the sum of
    the parts, with the trajectories set aside in ``failed``.
    """
    universe = _batch_universe(ids, rules)
    if not universe:
        raise error  # no trajectory to blame: the run itself failed
    logger.warning(
        "evaluating %d trajectories raised %s; isolating the culprits",
        len(universe),
        describe(error),
    )
    total = EvaluationResult()
    culprits: dict[int, BaseException] = {}  # found one by one
    set_aside: dict[int, BaseException] = {}  # in a part not isolated further (4.)
    failed_attempts = 1
    pending: list[tuple[list[int], BaseException]] = [(universe, error)]
    while pending:
        batch, batch_error = pending.pop()
        if len(batch) == 1:
            outcome = _attempt(batch, today, rules, every_rule=every_rule)  # 3. once more
            if isinstance(outcome, EvaluationResult):
                total += outcome
                continue
            logger.error(
                "signals of trajectory %s could not be evaluated: %s",
                batch[0],
                describe(outcome),
                exc_info=outcome,
            )
            culprits[batch[0]] = outcome
            continue
        if failed_attempts >= ISOLATION_BUDGET:  # 4.
            logger.error(
                "signals of %d trajectories (%s, …) could not be evaluated: %s",
                len(batch),
                batch[0],
                describe(batch_error),
                exc_info=batch_error,
            )
            set_aside.update(dict.fromkeys(batch, batch_error))
            continue
        for part in _split(batch):  # 1., 2.
            outcome = _attempt(part, today, rules, every_rule=every_rule)
            if isinstance(outcome, EvaluationResult):
                total += outcome
            else:
                failed_attempts += 1
                pending.append((part, outcome))
    evaluation_failures_record(culprits)
    evaluation_failures_record(
        set_aside, note="Not isolated further: too many failures in one run; may be fine itself."
    )
    return replace(total, failed=tuple(sorted({*culprits, *set_aside})), of=len(universe))


def _attempt(
    batch: list[int], today: dt.date, rules: list[Rule], *, every_rule: bool
) -> EvaluationResult | Exception:
    """Evaluate ``batch`` in a savepoint: its result, or the error it raised (rolled back)."""
    try:
        with transaction.atomic():
            result = _evaluate(batch, today, rules)
            if every_rule:
                evaluation_failures_clear(batch)
            return result
    except NOT_LOCAL:
        raise
    except Exception as error:
        return error


def _evaluate(ids: list[int] | None, today: dt.date, active_rules: list[Rule]) -> EvaluationResult:
    """Bring the signals of ``ids`` (``None``: all) in line with today's facts, set-based.

    The caller holds a transaction (or savepoint): on an error nothing is half-written.

    1. Every rule finds its candidates (a fixed number of queries per rule), keyed by
       (rule, trajectory, addressee): a rule may address several organisations.
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

    When the addressee changes (the baton moved on), the old addressee's signal
    resolves (3.) and the new one's is raised (5.): each organisation's part has its
    own history, and the new holder is told like of any new signal.
    Each change writes a :class:`SignalEvent`; writes are bulk operations.
    """
    now = clock.now()
    codes = [rule.code for rule in active_rules]

    # 1. Keyed like the database's constraint: one live signal per rule, trajectory and
    # addressee, so a rule may address several organisations on one trajectory (each acts
    # on its part) and each part lives, is snoozed and is resolved on its own.
    wanted: dict[Key, tuple[Rule, Candidate]] = {}
    prefilter = _prefilter_rows(ids)
    with norm_overrides_snapshot():  # one read of the overrides for every rule
        for rule in active_rules:
            rule_ids = ids
            if prefilter is not None:
                rule_ids = [row["pk"] for row in prefilter if rule.may_apply(row, today)]
                if not rule_ids:
                    continue  # its live signals on these trajectories resolve in step 3
            for candidate in rule.candidates(today=today, trajectory_ids=rule_ids):
                wanted[key_of(candidate)] = (rule, candidate)

    # 2. Plain rows, not model instances: a sweep reads every live signal, and building
    # a model (with its JSON facts decoded) for each was a third of the sweep's time.
    live_rows = Signal.objects.filter(state__in=[s.value for s in LIVE], rule_code__in=codes)
    if ids is not None:
        live_rows = live_rows.filter(trajectory_id__in=ids)
    live = {
        (row["rule_code"], row["trajectory_id"], row["addressee_id"]): row
        for row in live_rows.values(*LIVE_FIELDS)
    }

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
    keys: list[Key], wanted: dict[Key, tuple[Rule, Candidate]]
) -> set[Key]:
    """The keys whose newest signal was resolved by hand on the very same facts (one query).

    Per addressee: one organisation resolving its part by hand holds only its own part.
    """
    if not keys:
        return set()
    trajectory_ids = {tid for _code, tid, _org in keys}
    rows = (
        Signal.objects.filter(
            state=SignalState.RESOLVED,
            rule_code__in={code for code, _tid, _org in keys},
            trajectory_id__in=trajectory_ids,
        )
        .order_by("rule_code", "trajectory_id", "addressee_id", "resolved_at", "id")
        .values_list("rule_code", "trajectory_id", "addressee_id", "resolved_how", "facts_digest")
    )
    newest: dict[Key, tuple[str, str]] = {}
    for code, tid, org, how, digest in rows:
        newest[(code, tid, org)] = (how, digest)
    held = set()
    for key in keys:
        last = newest.get(key)
        if last and last[0] == ResolvedHow.MANUAL and last[1] == wanted[key][1].facts_digest:
            held.add(key)
    return held
