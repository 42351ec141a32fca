"""Every read of signals goes through the actor: the inbox, one signal, a trajectory's signals.

A signal is addressed to one organisation (``Signal.addressee``); only that
organisation reads and acts on it. Anyone else asking for a signal by number
gets 404, whether it exists or not, and the attempt is audited (like a guessed
trajectory). What a row says about the *person* is decided by the access
policy, never here:

* the name only with the IDENTITY class of that trajectory, otherwise
  "Trajectory 123";
* the reason (which names facts: release dates, the municipality, how many
  vulnerability markers, which basic conditions are open) only with every data
  class those facts belong to (:meth:`Rule.classes_for_reason`); otherwise the
  rule's title, the due date and the norm, which say what to do and by when but
  nothing of the person's file;
* the title and the suggested action only with the classes the title itself
  reveals (:attr:`Rule.title_classes`: "no valid ID while …" tells that the ID is
  missing); otherwise one neutral line (:func:`access.policy.signal_neutral_line`).

The weighing itself is the access policy's (:func:`access.policy.signal_disclosure`),
the same for the inbox, the signal page, the trajectory page and the notifications.

Query count of a page of the inbox is constant: count, page, at most two for
the data classes per row (:func:`access.policy.classes_for_page`), one
override lookup per norm the page cites, and the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.norms import deadlines
from estafette.norms.catalogue import NORMS, Norm, NormKind
from estafette.norms.labels import BASIS_LABELS
from estafette.norms.models import NormOverride
from estafette.norms.selectors import norm_effective, params_within_bounds
from estafette.people.models import VULNERABILITY_MARKERS
from estafette.signals.lifecycle import LIVE, SignalState
from estafette.signals.models import Signal, SignalEvent, State
from estafette.signals.rules import REGISTRY
from estafette.signals.rules.base import BEFORE_RELEASE_PHASES, Rule, still_detained_q
from estafette.trajectories.models import Participant, ParticipantRole, Trajectory
from estafette.visits.models import ContactKind, ContactMoment

NOT_FOUND = _("No signal found that is addressed to your organisation.")

SEVERITY_RANK = {"urgent": 0, "warning": 1, "info": 2}

SCOPE_ROLE = "role"
SCOPE_ORGANISATION = "organisation"


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
    holder: bool = False
    """Whether the reader's organisation holds the baton (the neutral line then says how
    to see more: the person's consent)."""

    @property
    def trajectory(self) -> Trajectory:
        return self.signal.trajectory

    @property
    def disclosure(self) -> policy.SignalDisclosure:
        """What the reader sees of this signal: the access policy decides, from what the
        rule declares its title and reason reveal (a rule the product no longer knows
        reveals nothing: neutral)."""
        if self.rule is None:
            return policy.SignalDisclosure.NEUTRAL
        return policy.signal_disclosure(
            title_classes=self.rule.title_classes,
            reason_classes=self.rule.classes_for_reason(self.signal.facts or {}),
            classes=self.classes,
        )

    @property
    def sees_title(self) -> bool:
        return self.disclosure is not policy.SignalDisclosure.NEUTRAL

    @property
    def title(self) -> str:
        """The rule's title, or the neutral line when the title would reveal a class not seen."""
        if self.rule is None or not self.sees_title:
            return policy.signal_neutral_line(holder=self.holder)
        return str(self.rule.title)

    @property
    def norm(self) -> Norm | None:
        """The rule's norm, unless its title would say what a neutral title hides."""
        if self.rule is None or not self.sees_title:
            return None
        return self.rule.norm

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
        return self.disclosure is policy.SignalDisclosure.FULL

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
        if self.rule is None or not self.sees_title:
            return ""
        return self.rule.action_text(self.signal.facts or {})

    @property
    def action_url(self) -> str:
        if self.rule is None or not self.sees_title:
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
        row = SignalRow(
            signal=signal,
            rule=rule,
            classes=classes.get(signal.trajectory_id, frozenset()),
            holder=signal.trajectory.baton_holder_id == actor.organisation_id,
        )
        deadline = deadline_words(signal, rule)
        if deadline is not None and not row.sees_title:
            deadline = replace(
                deadline, norm=None
            )  # the norm's title would say what the title hides
        row.deadline = deadline
        rows.append(row)
    return rows


def open_signals_q(actor: Actor) -> Q:
    """Trajectories with an open signal addressed to the actor's organisation and role (as
    the inbox shows them by default): a term of the caseload's "needs action first" order
    (:mod:`core.attention`). Open only: an acknowledged or snoozed signal is in hand."""
    return Q(
        Exists(
            Signal.objects.filter(
                trajectory=OuterRef("pk"),
                addressee_id=actor.organisation_id,
                addressee_role=actor.role,
                state=State.OPEN,
            )
        )
    )


def signal_inbox_queryset(*, actor: Actor, filters: InboxFilters) -> QuerySet[Signal]:
    """Signals addressed to the actor's organisation (or its role), filtered, most urgent first.

    Order: severity (urgent, warning, information), then the due date (earliest,
    so overdue ones first; no date last), then the newest.

    The country and municipality filters are detention data: they only find
    signals on trajectories whose detention the actor may see, so a filter can
    never reveal what a row masks (as in the caseload). Likewise the rule filter,
    for a rule whose title reveals a class (:attr:`Rule.title_classes`).
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
        # A rule whose title reveals a class (a missing ID) only finds signals on trajectories
        # of which the actor sees that class: the filter must not say what a row's title hides.
        rule = REGISTRY.get(filters.rule)
        for data_class in sorted(rule.title_classes if rule is not None else ()):
            seen = Trajectory.objects.filter(
                policy.class_granted_q(actor, data_class), pk=OuterRef("trajectory_id")
            )
            qs = qs.filter(Exists(seen))
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
        refuse_not_found(actor=actor, object_type="signals.signal", object_id=pk, message=NOT_FOUND)
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
        refuse_not_found(actor=actor, object_type="signals.signal", object_id=pk, message=NOT_FOUND)
    return signal


# ----------------------------------------------------------- on the trajectory page


RECEIVER_NORMS = frozenset({"preparation_before_release"})
"""Norms of a committed receiver, not of the holder: its signal carries the date."""


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
    norms = [
        n
        for n in NORMS
        if n.kind == NormKind.BEFORE_RELEASE and n.has_deadline and n.code not in RECEIVER_NORMS
    ]
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


# ------------------------------------------------------------- a volunteer's reminders


@dataclass
class VisitReminder:
    """A visit to one of the people a volunteer visits that is due or overdue."""

    trajectory: Trajectory
    subject: str
    volunteer_since: dt.date
    last_visit: dt.date | None
    opens: dt.date  # the norm's window opens ("every 42–56 days": 42 days after)
    due: dt.date  # the window closes: overdue from the next day
    low: int
    high: int

    @property
    def overdue(self) -> bool:
        return self.due < clock.today()

    @property
    def action_url(self) -> str:
        return reverse("contact-create", kwargs={"pk": self.trajectory.pk})


def volunteer_reminders(*, actor: Actor, today: dt.date | None = None) -> list[VisitReminder]:
    """Visits due or overdue to the people the actor's volunteer organisation visits.

    "Own person": a trajectory where the actor's organisation runs alongside as
    visiting volunteer (a participation in force) and the actor is assigned to the
    person (decision 0016), while the person is still
    detained (volunteers visit in detention: ``rules.base.still_detained``). The
    norm is ``volunteer_visit`` with the volunteer organisation's own values:
    due once its window opens (default 42 days after the last visit, or after
    the volunteer started), overdue the day after it closes (56). The
    coordinator's signal ``volunteer_visit_overdue`` is not touched: these are
    reminders, computed when the page is read, never stored or sent.

    The name only with the IDENTITY class (else "Trajectory 123"); the read is
    audited, one entry. Queries: the norm, the rows, at most two for the data
    classes, the audit entry, whatever the number of people.
    """
    today = today or clock.today()
    effective = norm_effective(code=VISIT_NORM, organisation=actor.organisation)
    low, high = (int(v) for v in effective.params["every_days"])
    own = Participant.objects.filter(
        Q(until__isnull=True) | Q(until__gte=today),
        trajectory=OuterRef("pk"),
        organisation_id=actor.organisation_id,
        role=ParticipantRole.VISITING_VOLUNTEER,
        since__lte=today,
    )
    visits = (
        ContactMoment.objects.counting()
        .filter(trajectory=OuterRef("pk"), kind=ContactKind.VOLUNTEER_VISIT)
        .order_by()
        .values("trajectory")
        .annotate(last=Max("happened_on"))
        .values("last")
    )
    mine = Q(Exists(own))
    if policy.needs_assignment(actor):
        # Need-to-know (decision 0016): a volunteer's own people are those assigned to it,
        # not every person its organisation visits.
        mine &= policy.assigned_q(actor)
    trajectories = list(
        Trajectory.objects.filter(still_detained_q(today), mine)
        .annotate(
            volunteer_since=Subquery(
                own.order_by().values("trajectory").annotate(s=Min("since")).values("s")[:1],
                output_field=DateField(),
            ),
            last_visit=Subquery(visits[:1], output_field=DateField()),
        )
        .select_related("person")
        .order_by("pk")
    )
    reminders = []
    for trajectory in trajectories:
        deadline = deadlines.deadline_periodic(
            last=trajectory.last_visit,
            start=trajectory.volunteer_since,
            norm_code=VISIT_NORM,
            every_days=(low, high),
        )
        if deadline is None or deadline.opens is None or today < deadline.opens:
            continue
        reminders.append((trajectory, deadline))
    classes = policy.classes_for_page(actor, [t for t, _d in reminders])
    result = [
        VisitReminder(
            trajectory=trajectory,
            subject=(
                trajectory.person.full_name
                if DataClass.IDENTITY in classes.get(trajectory.pk, frozenset())
                else str(_("Trajectory %(number)s")) % {"number": trajectory.pk}
            ),
            volunteer_since=trajectory.volunteer_since,
            last_visit=trajectory.last_visit,
            opens=deadline.opens,
            due=deadline.date,
            low=low,
            high=high,
        )
        for trajectory, deadline in reminders
        if deadline.opens is not None
    ]
    result.sort(key=lambda r: (r.due, r.trajectory.pk))  # the most overdue first
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="signals.reminders",
        object_id=actor.organisation_id,
        trajectories=[r.trajectory.pk for r in result],
        people=sorted(
            {
                r.trajectory.person_id
                for r in result
                if DataClass.IDENTITY in classes.get(r.trajectory.pk, frozenset())
            }
        ),
    )
    return result


VISIT_NORM = "volunteer_visit"


def live_state_q() -> Q:
    return Q(state__in=[s.value for s in LIVE])


STATE_CHOICES = [
    ("", _("Open, acknowledged and snoozed")),
    (SignalState.OPEN.value, _("open")),
    (SignalState.ACKNOWLEDGED.value, _("acknowledged")),
    (SignalState.SNOOZED.value, _("snoozed")),
    (SignalState.RESOLVED.value, _("resolved")),
]
