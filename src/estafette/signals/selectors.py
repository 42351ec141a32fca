"""Every read of signals goes through the actor: the inbox, one signal, a trajectory's signals.

A signal is addressed to one organisation (``Signal.addressee``); only that
organisation reads and acts on it. Anyone else asking for a signal by number
gets 404, whether it exists or not, and the attempt is audited (like a guessed
trajectory). What a row says about the *person* is decided by the access
policy, never here:

* the name only with the IDENTITY class of that trajectory, otherwise
  "Trajectory 123";
* the reason (which names facts: release dates, the municipality, how many
  vulnerability markers) only with the data class those facts belong to
  (:data:`REASON_CLASSES`); otherwise the rule's title, the due date and the
  norm, which say what to do and by when but nothing of the person's file.

Query count of a page of the inbox is constant: count, page, at most two for
the data classes per row (:func:`access.policy.classes_for_page`), one
override lookup per norm the page cites, and the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction
from estafette.norms import deadlines
from estafette.norms.catalogue import NORMS, Norm, NormKind
from estafette.norms.labels import BASIS_LABELS
from estafette.norms.models import NormOverride
from estafette.norms.selectors import params_within_bounds
from estafette.people.models import VULNERABILITY_MARKERS
from estafette.signals.lifecycle import LIVE, SignalState
from estafette.signals.models import Signal, SignalEvent
from estafette.signals.rules import REGISTRY
from estafette.signals.rules.base import BEFORE_RELEASE_PHASES, Rule
from estafette.trajectories.models import Trajectory

NOT_FOUND = _("No signal found that is addressed to your organisation.")

REASON_CLASSES: dict[str, str | None] = {
    "release_date_unknown": DataClass.DETENTION,
    "aftercare_referral_missing": DataClass.DETENTION,
    "registration_unknown": DataClass.DETENTION,
    # Who handed over to whom and when is the relay itself: everyone with a part sees it.
    "handover_unanswered": None,
    "returned_no_show": None,
    "vulnerable_without_support": DataClass.HEALTH,
    "no_contact_person": DataClass.NETWORK,
}
"""The data class the facts in a rule's reason belong to (``None``: only the relay).

A rule not listed here (added later) counts as DETENTION: the safe default,
since most rules count from the release date.
"""

SEVERITY_RANK = {"urgent": 0, "warning": 1, "info": 2}

SCOPE_ROLE = "role"
SCOPE_ORGANISATION = "organisation"


def reason_class(rule_code: str) -> str | None:
    return REASON_CLASSES.get(rule_code, DataClass.DETENTION)


# ------------------------------------------------------------------ deadlines in words


@dataclass(frozen=True)
class DeadlineWords:
    """A signal's deadline with the norm that produced it and the date it was counted from."""

    due: dt.date
    norm: Norm | None
    counted_from: dt.date | None = None
    basis_label: str = ""
    is_estimate: bool = False
    set_by_sender: bool = False  # a handover's answer date, chosen by its sender
    days_before_release: int | None = None  # the (organisation's) value of the norm

    @property
    def overdue(self) -> bool:
        return self.due < clock.today()

    @property
    def days_left(self) -> int:
        return (self.due - clock.today()).days


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def deadline_words(signal: Signal, rule: Rule | None) -> DeadlineWords | None:
    """Where the signal's due date comes from, re-counted with the pure deadline module.

    A release-based rule keeps the release facts it counted from; the anchor
    (known date, estimate, earliest day of a window) is found again by
    :func:`norms.deadlines.release_anchor`, so the page and the rule agree.
    """
    if signal.due is None:
        return None
    facts = signal.facts or {}
    norm = rule.norm if rule is not None else None
    if facts.get("release_certainty"):
        anchor = deadlines.release_anchor(
            deadlines.Release(
                certainty=facts["release_certainty"],
                date=_date(facts.get("release_date")),
                earliest=_date(facts.get("release_earliest")),
                latest=_date(facts.get("release_latest")),
            )
        )
        if anchor is not None:
            return DeadlineWords(
                due=signal.due,
                norm=norm,
                counted_from=anchor.date,
                basis_label=str(BASIS_LABELS[anchor.basis]),
                is_estimate=anchor.is_estimate,
            )
    if facts.get("respond_by"):
        return DeadlineWords(
            due=signal.due,
            norm=norm,
            counted_from=_date(facts.get("sent_on")),
            basis_label=str(_("the day the handover was sent")),
            set_by_sender=True,
        )
    return DeadlineWords(due=signal.due, norm=norm)


# ------------------------------------------------------------------------- the inbox


@dataclass
class InboxFilters:
    scope: str = SCOPE_ROLE  # "role": for my role; "organisation": the whole organisation
    rule: str = ""
    country: str = ""  # ISO2 of the country of detention
    municipality: int | None = None  # municipality of registration
    state: str = ""  # "" = every live state; or open / acknowledged / snoozed / resolved


@dataclass
class SignalRow:
    """One signal as the actor may see it."""

    signal: Signal
    rule: Rule | None
    classes: frozenset[str]
    deadline: DeadlineWords | None = None

    @property
    def trajectory(self) -> Trajectory:
        return self.signal.trajectory

    @property
    def title(self) -> str:
        return str(self.rule.title) if self.rule is not None else self.signal.rule_code

    @property
    def sees_identity(self) -> bool:
        return DataClass.IDENTITY in self.classes

    @property
    def subject(self) -> str:
        """The person's name, or a neutral label when identity is not shared."""
        if self.sees_identity:
            return self.trajectory.person.full_name
        return str(_("Trajectory %(number)s")) % {"number": self.trajectory.pk}

    @property
    def sees_reason(self) -> bool:
        needed = reason_class(self.signal.rule_code)
        return needed is None or needed in self.classes

    @property
    def reason(self) -> str:
        """The reason in the reader's language (re-rendered from the facts), if shared."""
        if not self.sees_reason:
            return ""
        if self.rule is not None:
            try:
                return self.rule.reason_text(self.signal.facts or {})
            except (KeyError, ValueError, TypeError):
                pass  # facts written by an older rule version: the stored sentence still holds
        return self.signal.reason

    @property
    def markers(self) -> list[str]:
        """Which vulnerability markers, for "vulnerable without support": the facts keep only
        how many; the names come from the person, each only with its class
        (:data:`access.policy.MARKER_CLASSES`)."""
        if self.signal.rule_code != "vulnerable_without_support" or not self.sees_reason:
            return []
        person = self.trajectory.person
        return [
            str(label)
            for name, label in VULNERABILITY_MARKERS.items()
            if getattr(person, name) and policy.MARKER_CLASSES[name] in self.classes
        ]

    @property
    def suggested_action(self) -> str:
        return str(self.rule.suggested_action) if self.rule is not None else ""

    @property
    def action_url(self) -> str:
        if self.rule is None:
            return ""
        return self.rule.link(self.trajectory.pk)

    @property
    def is_live(self) -> bool:
        return self.signal.state in LIVE


def _rows(
    actor: Actor, signals: list[Signal], classes: dict[int, frozenset[str]]
) -> list[SignalRow]:
    rows = []
    for signal in signals:
        rule = REGISTRY.get(signal.rule_code)
        rows.append(
            SignalRow(
                signal=signal,
                rule=rule,
                classes=classes.get(signal.trajectory_id, frozenset()),
                deadline=deadline_words(signal, rule),
            )
        )
    return rows


def signal_inbox_queryset(*, actor: Actor, filters: InboxFilters) -> QuerySet[Signal]:
    """Signals addressed to the actor's organisation (or its role), filtered, most urgent first.

    Order: severity (urgent, warning, information), then the due date (earliest,
    so overdue ones first; no date last), then the newest.

    The country and municipality filters are detention data: they only find
    signals on trajectories whose detention the actor may see, so a filter can
    never reveal what a row masks (as in the caseload).
    """
    qs = Signal.objects.filter(addressee_id=actor.organisation_id)
    if filters.scope != SCOPE_ORGANISATION:
        qs = qs.filter(addressee_role=actor.role)
    if filters.state:
        qs = qs.filter(state=filters.state)
    else:
        qs = qs.filter(state__in=[s.value for s in LIVE])
    if filters.rule:
        qs = qs.filter(rule_code=filters.rule)
    if filters.country or filters.municipality:
        # Per signal row (correlated), never the set of every trajectory whose detention
        # the actor sees: that set would be computed over the country's history.
        visible = Trajectory.objects.filter(
            policy.class_granted_q(actor, DataClass.DETENTION), pk=OuterRef("trajectory_id")
        )
        qs = qs.filter(Exists(visible))
        if filters.country:
            qs = qs.filter(trajectory__country__iso2=filters.country)
        if filters.municipality:
            qs = qs.filter(trajectory__registration_municipality_id=filters.municipality)
    rank = Case(
        *(When(severity=key, then=Value(value)) for key, value in SEVERITY_RANK.items()),
        default=Value(9),
        output_field=IntegerField(),
    )
    return (
        qs.annotate(severity_rank=rank)
        .select_related("trajectory__person", "addressee")
        .order_by("severity_rank", F("due").asc(nulls_last=True), "-first_raised_at", "-id")
    )


def signal_inbox_page(
    *, actor: Actor, filters: InboxFilters, page: int = 1, per_page: int = 25
) -> tuple[Page, list[SignalRow]]:
    """One page of the inbox, with what the actor may see of each row; the read is audited.

    One audit entry per page read (not per row, so the count of queries stays
    flat): the signals shown and the people whose name was on the page.
    """
    paginator = Paginator(signal_inbox_queryset(actor=actor, filters=filters), per_page)
    page_obj = paginator.get_page(page)
    signals = list(page_obj.object_list)
    classes = policy.classes_for_page(actor, [s.trajectory for s in signals])
    rows = _rows(actor, signals, classes)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="signals.inbox",
        object_id=actor.organisation_id,
        signals=[row.signal.pk for row in rows],
        people=sorted({row.trajectory.person_id for row in rows if row.sees_identity}),
    )
    return page_obj, rows


def signal_rule_choices() -> list[tuple[str, str]]:
    """Every rule in the registry as (code, title), for the inbox's filter."""
    return sorted(((code, str(rule.title)) for code, rule in REGISTRY.items()), key=lambda c: c[1])


# ------------------------------------------------------------------------ one signal


@dataclass
class SignalView:
    row: SignalRow
    events: list[SignalEvent] = field(default_factory=list)

    @property
    def signal(self) -> Signal:
        return self.row.signal


def signal_get(*, actor: Actor, pk: int) -> SignalView:
    """The signal ``pk`` with its history, if addressed to the actor's organisation; else 404.

    A refusal is audited (a guessed number is worth knowing about); a read is
    audited as a view of the person's file.
    """
    signal = (
        Signal.objects.filter(pk=pk, addressee_id=actor.organisation_id)
        .select_related("trajectory__person", "addressee")
        .first()
    )
    if signal is None:
        audit_record(
            actor=actor, action=AuditAction.DENIED, object_type="signals.signal", object_id=pk
        )
        raise Http404(NOT_FOUND)
    access = policy.access_for(actor, signal.trajectory)
    row = _rows(actor, [signal], {signal.trajectory_id: access.classes})[0]
    events = list(
        SignalEvent.objects.filter(signal=signal)
        .select_related("user", "organisation")
        .order_by("at", "id")
    )
    audit_record(
        actor=actor, action=AuditAction.VIEW, target=signal, person_id=signal.trajectory.person_id
    )
    return SignalView(row=row, events=events)


def signal_for_action(*, actor: Actor, pk: int) -> Signal:
    """The signal to act on (the service checks again, under a lock); 404 and audit otherwise."""
    signal = Signal.objects.filter(pk=pk, addressee_id=actor.organisation_id).first()
    if signal is None:
        audit_record(
            actor=actor, action=AuditAction.DENIED, object_type="signals.signal", object_id=pk
        )
        raise Http404(NOT_FOUND)
    return signal


# ----------------------------------------------------------- on the trajectory page


@dataclass
class NormDeadlines:
    """The deadlines the norms give a trajectory before release, or why there are none."""

    deadlines: list[DeadlineWords] = field(default_factory=list)
    release_unknown: bool = False


def norm_deadlines(*, trajectory: Trajectory, classes: Iterable[str]) -> NormDeadlines:
    """Deadlines of the "N days before release" norms, counted with the holder's own values.

    Only for a viewer who sees the detention class (the dates are counted from
    the release) and only before release. One query (the holder's overrides),
    resolved as :mod:`norms.selectors` does: the latest override wins, ``{}``
    means the default.
    """
    if DataClass.DETENTION not in set(classes) or trajectory.phase not in BEFORE_RELEASE_PHASES:
        return NormDeadlines()
    release = deadlines.Release(
        certainty=trajectory.release_certainty,
        date=trajectory.release_date,
        earliest=trajectory.release_earliest,
        latest=trajectory.release_latest,
    )
    if deadlines.release_is_unknown(release):
        return NormDeadlines(release_unknown=True)
    norms = [n for n in NORMS if n.kind == NormKind.BEFORE_RELEASE and n.has_deadline]
    own: dict[str, dict[str, Any]] = {}
    for code, params in (
        NormOverride.objects.filter(
            organisation_id=trajectory.baton_holder_id, norm_code__in=[n.code for n in norms]
        )
        .order_by("set_at", "id")
        .values_list("norm_code", "params")
    ):
        own[code] = params or {}  # ascending: the latest wins; {} is "back to the default"
    result = []
    for norm in norms:
        params, _flagged = params_within_bounds(norm, own.get(norm.code, {}))
        days = int(params["days_before_release"])
        deadline = deadlines.deadline_before_release(release, norm_code=norm.code, days=days)
        if deadline is None:
            continue
        result.append(
            DeadlineWords(
                due=deadline.date,
                norm=norm,
                counted_from=deadline.counted_from,
                basis_label=str(BASIS_LABELS[deadline.basis]),
                is_estimate=deadline.is_estimate,
                days_before_release=days,
            )
        )
    return NormDeadlines(deadlines=sorted(result, key=lambda d: d.due))


@dataclass
class TrajectorySignals:
    """A trajectory's live signals as one organisation sees them on the trajectory page."""

    mine: list[SignalRow]
    others: dict[str, int]  # addressee name → how many live signals it has here

    @property
    def others_count(self) -> int:
        return sum(self.others.values())


def trajectory_signals(
    *, actor: Actor, trajectory: Trajectory, classes: Iterable[str]
) -> TrajectorySignals:
    """Live signals of a trajectory the actor has already opened (one query).

    ``classes`` is what the actor sees of it (the page's :class:`access.policy.Access`).
    Signals addressed to other organisations are only counted, per organisation:
    who has to act is part of the relay everyone with a part sees, but their
    reasons are written for the addressee's role, and its facts may belong to
    classes this actor does not see; the action is theirs, not ours.
    """
    signals = list(
        Signal.objects.filter(trajectory=trajectory, state__in=[s.value for s in LIVE])
        .select_related("addressee")
        .annotate(
            severity_rank=Case(
                *(When(severity=k, then=Value(v)) for k, v in SEVERITY_RANK.items()),
                default=Value(9),
                output_field=IntegerField(),
            )
        )
        .order_by("severity_rank", F("due").asc(nulls_last=True), "id")
    )
    granted = frozenset(classes)
    mine: list[Signal] = []
    others: dict[str, int] = {}
    for signal in signals:
        signal.trajectory = trajectory  # already read (and audited) by the page
        if signal.addressee_id == actor.organisation_id:
            mine.append(signal)
        else:
            others[signal.addressee.name] = others.get(signal.addressee.name, 0) + 1
    rows = _rows(actor, mine, {trajectory.pk: granted})
    return TrajectorySignals(mine=rows, others=others)


def live_state_q() -> Q:
    return Q(state__in=[s.value for s in LIVE])


STATE_CHOICES = [
    ("", _("Open, acknowledged and snoozed")),
    (SignalState.OPEN.value, _("open")),
    (SignalState.ACKNOWLEDGED.value, _("acknowledged")),
    (SignalState.SNOOZED.value, _("snoozed")),
    (SignalState.RESOLVED.value, _("resolved")),
]
