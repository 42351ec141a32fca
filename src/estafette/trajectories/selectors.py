"""Every read of a trajectory goes through the actor (pattern from Zulip's access_*_by_id).

Who may open which file, and which data classes of it, is decided by the one
access policy (:mod:`estafette.access.policy`): a part in the trajectory plus
a consent in force or a legal basis, within the role's data classes.
Anything outside answers 404 — and the attempt is audited, because a guessed
URL to a person's file is worth knowing about.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.attention import attention_q
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.handovers.exchange import committed_q, is_committed
from estafette.handovers.models import Handover
from estafette.handovers.workflow import AWAITING_OUTCOME, PENDING, State
from estafette.people.models import NetworkMember
from estafette.trajectories.models import (
    Assignment,
    Participant,
    Phase,
    Stretch,
    Trajectory,
    TrajectoryEvent,
)

OUTCOME_STATES = (State.DECLINED, State.EXPIRED, State.TAKEN_UP, State.NO_SHOW)

ROW_RELATIONS = (
    "person",
    "baton_holder",
    "country",
    "registration_municipality",
    "settlement_municipality",
    "next_runner",
)
"""What a trajectory shows beside itself (its page's header, a caseload row): read with it."""

NO_TRAJECTORY = _("No trajectory found that you have a part in.")
"""The refusal of a trajectory the reader may not open, or that does not exist: the same."""


def trajectory_scope(actor: Actor) -> QuerySet[Trajectory]:
    """All trajectories the actor may open (delegates to the access policy)."""
    return policy.trajectory_scope(actor)


def trajectory_get(*, actor: Actor, pk: int, audit: bool = True) -> Trajectory:
    """The trajectory ``pk`` if the actor may see it, else 404 (and an audited refusal).

    Every successful read is audited as a view of the person's file.
    """
    trajectory = trajectory_scope(actor).select_related(*ROW_RELATIONS).filter(pk=pk).first()
    if trajectory is None:
        refuse_not_found(
            actor=actor,
            object_type="trajectories.trajectory",
            object_id=pk,
            message=NO_TRAJECTORY,
        )
    if audit:
        audit_record(
            actor=actor, action=AuditAction.VIEW, target=trajectory, person_id=trajectory.person_id
        )
    return trajectory


@dataclass
class RelayView:
    """What the trajectory page needs, read in a bounded number of queries."""

    trajectory: Trajectory
    stretches: list[Stretch]
    handovers: list[Handover]
    pending: Handover | None
    events: list[TrajectoryEvent]
    participants: list[Participant]
    access: policy.Access
    network: list[NetworkMember] = field(default_factory=list)
    """The person's network, read only when the actor sees the NETWORK class."""


def relay_get(*, actor: Actor, pk: int) -> RelayView:
    """The trajectory with its stretches, handovers (with history), timeline and participants.

    ``access`` says which data classes of the person the actor sees; data of a
    class the actor may not see is not even read (the network).
    """
    trajectory = trajectory_get(actor=actor, pk=pk)
    access = policy.access_for(actor, trajectory)
    stretches = list(
        Stretch.objects.filter(trajectory=trajectory)
        .select_related("organisation")
        .order_by("started_at", "id")
    )
    handovers = list(
        Handover.objects.filter(trajectory=trajectory)
        .select_related("sender", "receiver", "sent_by")
        .prefetch_related("transitions__user", "transitions__organisation")
        .order_by("sent_at", "id")
    )
    pending = next((h for h in handovers if h.state in PENDING), None)
    events = list(
        TrajectoryEvent.objects.filter(trajectory=trajectory)
        .select_related("user", "organisation")
        .order_by("at", "id")
    )
    participants = list(
        Participant.objects.filter(trajectory=trajectory).select_related("organisation")
    )
    network = (
        list(NetworkMember.objects.filter(person_id=trajectory.person_id))
        if access.sees(DataClass.NETWORK)
        else []
    )
    return RelayView(
        trajectory, stretches, handovers, pending, events, participants, access, network
    )


class CaseRelation(StrEnum):
    """How the actor's organisation stands to a trajectory in its caseload."""

    HOLDING = "holding"
    HANDING_OVER = "handing_over"
    INCOMING = "incoming"
    AWAITING_OUTCOME = "awaiting_outcome"
    OUTCOME_TO_REVIEW = "outcome_to_review"
    ALONGSIDE = "alongside"
    # The exchange zone (decision 0011): an accepted referral while the person is detained.
    HANDING_OVER_AT_RELEASE = "handing_over_at_release"
    PREPARING = "preparing"


RELATION_LABELS = {
    CaseRelation.HOLDING: _("holds the baton"),
    CaseRelation.HANDING_OVER: _("handed over, waiting for acceptance"),
    CaseRelation.INCOMING: _("about to receive"),
    CaseRelation.AWAITING_OUTCOME: _("handed on, awaiting the outcome"),
    CaseRelation.OUTCOME_TO_REVIEW: _("outcome to review"),
    CaseRelation.ALONGSIDE: _("runs alongside"),
    CaseRelation.HANDING_OVER_AT_RELEASE: _("holds the baton until release"),
    CaseRelation.PREPARING: _("preparing: takes the baton at release"),
}


@dataclass
class Deadline:
    """A date in the caseload, with what it is and where it comes from (``source``).

    The caseload's two dates are chosen by people, not counted by a norm: the
    answer date the sender of a handover set, and the date the holder gave the
    next step. ``source`` says so in words; deadlines counted from a norm are
    shown by the signals, which name the norm and the date they count from.
    """

    date: dt.date
    label: str
    source: str = field(default="", compare=False)

    @property
    def days_left(self) -> int:
        return (self.date - clock.today()).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass
class CaseloadRow:
    trajectory: Trajectory
    relation: CaseRelation
    handover: Handover | None = None
    pending: Handover | None = None
    deadline: Deadline | None = None
    next_runner: Any = None
    related: list[Handover] = field(default_factory=list)
    classes: frozenset[str] = frozenset()
    """The data classes the actor sees of this row (:func:`access.policy.classes_for_page`)."""

    @property
    def sees_identity(self) -> bool:
        return DataClass.IDENTITY in self.classes

    @property
    def sees_detention(self) -> bool:
        return DataClass.DETENTION in self.classes

    @property
    def in_the_air(self) -> bool:
        return self.pending is not None

    @property
    def relation_label(self) -> str:
        return str(RELATION_LABELS[self.relation])


class CaseloadScope(StrEnum):
    """Whose people the caseload shows (issue 12): the actor's own, or the organisation's."""

    MINE = "mine"
    ORGANISATION = "organisation"
    UNASSIGNED = "unassigned"
    """The organisation's people without an active assignment of one of its own workers."""
    STALE = "stale"
    """Files the organisation holds that are long past their last step (to close)."""


SCOPE_LABELS: dict[str, Any] = {
    CaseloadScope.MINE: _("mine"),
    CaseloadScope.ORGANISATION: _("my organisation"),
    CaseloadScope.UNASSIGNED: _("nobody assigned"),
    CaseloadScope.STALE: _("past their last step"),
}


def caseload_scopes(actor: Actor) -> list[str]:
    """The scopes the actor's caseload offers, the default first (the policy decides)."""
    scopes = []
    if policy.has_own_caseload(actor):
        scopes.append(CaseloadScope.MINE.value)
    if policy.may_see_organisation_caseload(actor):
        scopes.append(CaseloadScope.ORGANISATION.value)
    if policy.sees_unassigned(actor):
        scopes.append(CaseloadScope.UNASSIGNED.value)
    if policy.may_close_stale(actor):
        scopes.append(CaseloadScope.STALE.value)
    return scopes or [CaseloadScope.MINE.value]


def stale_after_days() -> int:
    """How long after the release a file with nothing open is offered for closing."""
    return int(getattr(settings, "ESTAFETTE_STALE_AFTER_DAYS", 180))


def stale_q(today: dt.date | None = None) -> Q:
    """Files long past their last step: released more than :func:`stale_after_days` ago
    (return or re-integration phase), no handover pending or committed, and no next step
    due today or later."""
    today = today or clock.today()
    open_handover = Handover.objects.filter(
        Q(state__in=list(PENDING)) | committed_q(), trajectory=OuterRef("pk")
    )
    return (
        Q(phase__in=[Phase.RETURN, Phase.REINTEGRATION])
        & Q(release_on__lt=today - dt.timedelta(days=stale_after_days()))
        & (Q(next_step_due__isnull=True) | Q(next_step_due__lt=today))
        & ~Q(Exists(open_handover))
    )


def _scope_q(actor: Actor, scope: str) -> Q:
    """The rows of the caseload in ``scope`` ("" or "organisation": all of them)."""
    if scope == CaseloadScope.MINE:
        return policy.assigned_q(actor)
    if scope == CaseloadScope.UNASSIGNED:
        own = Assignment.objects.filter(
            trajectory=OuterRef("pk"), organisation_id=actor.organisation_id, until__isnull=True
        )
        return ~Q(Exists(own))
    if scope == CaseloadScope.STALE:
        # Phase and release are detention data: only rows whose detention the actor sees,
        # so the list reveals nothing of a row it masks.
        return (
            stale_q()
            & Q(baton_holder_id=actor.organisation_id)
            & policy.class_granted_q(actor, DataClass.DETENTION)
        )
    return Q()


@dataclass
class CaseloadFilters:
    scope: str = ""
    """"" (or "organisation"): the organisation's whole caseload; the view passes the
    actor's chosen scope (:func:`caseload_scopes`)."""
    relation: str = ""
    phase: str = ""
    route: str = ""
    country: str = ""  # ISO2
    municipality: int | None = None
    release_from: dt.date | None = None
    release_to: dt.date | None = None
    sort: str = "action"


ACTION_SOON_DAYS = 14
"""A deadline this close counts as needing action (the default order's second band)."""

SORTS = {
    # What needs action first (issue 12): overdue, near deadlines, incoming handovers,
    # outcomes to review, open signals; then the nearest deadline and the release (masked,
    # see below).
    "action": (
        "urgency",
        F("nearest_deadline").asc(nulls_last=True),
        F("release_key").asc(nulls_last=True),
        "id",
    ),
    "release": (F("release_on").asc(nulls_last=True), "id"),
    "-release": (F("release_on").desc(nulls_last=True), "id"),
    "deadline": (F("nearest_deadline").asc(nulls_last=True), "id"),
    "person": ("person__family_name", "person__given_names", "id"),
    "phase": ("phase", F("release_on").asc(nulls_last=True), "id"),
    "route": ("route", F("release_on").asc(nulls_last=True), "id"),
    # nulls_last: SQLite and PostgreSQL disagree on where NULL sorts (no country: domestic)
    "country": (
        F("country__name_en").asc(nulls_last=True),
        F("release_on").asc(nulls_last=True),
        "id",
    ),
}


def _relation_handovers(org_id: int) -> QuerySet[Handover]:
    """Handovers that put a trajectory in the caseload without the baton being held."""
    return Handover.objects.filter(
        Q(receiver_id=org_id, state__in=list(PENDING))
        | (Q(receiver_id=org_id) & committed_q())
        # Awaiting the outcome once the baton passed; while the receiver is committed the
        # sender still holds the baton, and a trajectory closed then ends the commitment.
        | Q(sender_id=org_id, state__in=list(AWAITING_OUTCOME), baton_at__isnull=False)
        | Q(sender_id=org_id, state__in=list(OUTCOME_STATES), outcome_seen_at__isnull=True)
    )


def _alongside(org_id: int) -> QuerySet[Participant]:
    """Active participations of the organisation: it runs alongside without the baton."""
    return Participant.objects.filter(
        Q(until__isnull=True) | Q(until__gte=clock.today()), organisation_id=org_id
    )


SORT_CLASSES = {
    "release": DataClass.DETENTION,
    "-release": DataClass.DETENTION,
    "phase": DataClass.DETENTION,
    "route": DataClass.DETENTION,
    "country": DataClass.DETENTION,
    "person": DataClass.IDENTITY,
}
"""Sorts on a class's data: rows whose class the actor may not see sort last, by number only."""


@dataclass(frozen=True)
class _Membership:
    """Which trajectories are in the organisation's caseload, per relation and in all."""

    per_relation: dict[str, Any]  # CaseRelation value -> a Q (or Exists) on Trajectory
    everything: Q
    alongside: Q


def _membership(org_id: int) -> _Membership:
    """The caseload's membership terms for the organisation.

    Written as "id IN (indexed sub-select)" terms, never as correlated EXISTS over every
    trajectory: the database then starts from the organisation's own few rows (partial
    indexes on open trajectories and unseen outcomes), so the caseload costs the same
    with one year or ten years of history (bench/, decision 0009). Every relation's term
    selects a subset of ``everything``.
    """
    related = _relation_handovers(org_id)
    open_held = (
        Trajectory.objects.filter(baton_holder_id=org_id)
        .exclude(phase=Phase.CLOSED)
        .order_by()
        .values("pk")
    )
    alongside_ids = (
        _alongside(org_id)
        .exclude(trajectory__phase=Phase.CLOSED)
        .order_by()
        .values("trajectory_id")
    )
    holding = Q(pk__in=open_held)
    alongside = Q(pk__in=alongside_ids)

    def via(handovers: QuerySet[Handover]) -> Q:
        return Q(pk__in=handovers.order_by().values("trajectory_id"))

    per_relation: dict[str, Any] = {
        CaseRelation.HOLDING: holding,
        CaseRelation.HANDING_OVER: holding
        & Q(Exists(Handover.objects.filter(trajectory=OuterRef("pk"), state__in=list(PENDING)))),
        CaseRelation.INCOMING: via(related.filter(receiver_id=org_id, state__in=list(PENDING))),
        CaseRelation.AWAITING_OUTCOME: via(
            related.filter(
                sender_id=org_id, state__in=list(AWAITING_OUTCOME), baton_at__isnull=False
            )
        ),
        CaseRelation.OUTCOME_TO_REVIEW: via(
            related.filter(sender_id=org_id, state__in=list(OUTCOME_STATES))
        ),
        CaseRelation.ALONGSIDE: alongside & ~Q(baton_holder_id=org_id),
        CaseRelation.HANDING_OVER_AT_RELEASE: holding
        & Q(Exists(Handover.objects.filter(committed_q(), trajectory=OuterRef("pk")))),
        CaseRelation.PREPARING: via(related.filter(committed_q(), receiver_id=org_id)),
    }
    # One id set (UNION ALL), not three OR-ed terms: the database can start from a single
    # sub-select, where an OR of IN terms makes it walk every trajectory.
    everything = Q(
        pk__in=open_held.union(related.order_by().values("trajectory_id"), alongside_ids, all=True)
    )
    return _Membership(per_relation, everything, alongside)


def _detention_filtered(filters: CaseloadFilters) -> bool:
    return any(
        (
            filters.phase,
            filters.route,
            filters.country,
            filters.municipality,
            filters.release_from,
            filters.release_to,
        )
    )


def _caseload_filtered(
    actor: Actor, filters: CaseloadFilters, membership: Any
) -> QuerySet[Trajectory]:
    """The trajectories of ``membership`` the actor may open, under the non-relation filters."""
    qs = policy.trajectory_scope(actor).filter(membership, _scope_q(actor, filters.scope))
    if _detention_filtered(filters):
        qs = qs.filter(policy.class_granted_q(actor, DataClass.DETENTION))
    if filters.phase:
        qs = qs.filter(phase=filters.phase)
    if filters.route:
        qs = qs.filter(route=filters.route)
    if filters.country:
        qs = qs.filter(country__iso2=filters.country)
    if filters.municipality:
        qs = qs.filter(
            Q(registration_municipality_id=filters.municipality)
            | Q(settlement_municipality_id=filters.municipality)
        )
    if filters.release_from:
        qs = qs.filter(release_on__gte=filters.release_from)
    if filters.release_to:
        qs = qs.filter(release_on__lte=filters.release_to)
    return qs


@dataclass(frozen=True)
class CaseloadTallies:
    """The caseload's numbers, from one pass over the organisation's caseload.

    ``scopes``: people per scope the actor has (:func:`caseload_scopes`), under every
    filter but the scope and the relation. ``relations``: for each scope asked for,
    people per relation under every filter but the relation.
    """

    scopes: dict[str, int]
    relations: dict[str, dict[str, int]]

    def total(self, scope: str, relation: str = "") -> int:
        """How many rows :func:`caseload_queryset` gives for ``scope`` and ``relation``."""
        per_relation = self.relations.get(scope, {})
        if relation in per_relation:
            return per_relation[relation]
        # No relation chosen (or one the caseload does not know, which filters nothing).
        return self.scopes[scope]


def caseload_tallies(
    *, actor: Actor, filters: CaseloadFilters, relation_scopes: Sequence[str]
) -> CaseloadTallies:
    """Scope counts and, for each of ``relation_scopes``, the per-relation counts: one query.

    Every scope and every relation selects a subset of the organisation's whole caseload
    (``everything``), so one aggregate over it counts them all, each count with its own
    ``FILTER``. The caseload used to take three passes (scopes, relations, the pager's
    count), each through the access rule; on PostgreSQL with the national dataset those
    were most of the page's time (docs/performance.md).
    """
    membership = _membership(actor.organisation_id)
    whole = dataclasses.replace(filters, scope="")
    scope_terms = {scope: _scope_q(actor, scope) for scope in caseload_scopes(actor)}
    for scope in relation_scopes:
        scope_terms.setdefault(scope, _scope_q(actor, scope))
    aggregates: dict[str, Any] = {
        f"s{index}": Count("pk", filter=term) if term else Count("pk")
        for index, term in enumerate(scope_terms.values())
    }
    relation_keys: dict[str, dict[str, str]] = {}
    for scope in relation_scopes:
        keys = relation_keys.setdefault(scope, {})
        for relation, term in membership.per_relation.items():
            key = f"r{len(aggregates)}"
            scope_term = scope_terms[scope]
            aggregates[key] = Count("pk", filter=(scope_term & term) if scope_term else term)
            keys[str(relation)] = key
    counts = _caseload_filtered(actor, whole, membership.everything).aggregate(**aggregates)
    return CaseloadTallies(
        scopes={scope: int(counts[f"s{index}"] or 0) for index, scope in enumerate(scope_terms)},
        relations={
            scope: {relation: int(counts[key] or 0) for relation, key in keys.items()}
            for scope, keys in relation_keys.items()
        },
    )


def caseload_counts(*, actor: Actor, filters: CaseloadFilters) -> dict[str, int]:
    """How many trajectories per relation under the other filters (the chosen scope
    included, the relation filter itself ignored), in one query."""
    scope = filters.scope or CaseloadScope.ORGANISATION.value
    tallies = caseload_tallies(actor=actor, filters=filters, relation_scopes=[scope])
    return tallies.relations[scope]


def caseload_scope_counts(*, actor: Actor, filters: CaseloadFilters) -> dict[str, int]:
    """How many people each of the actor's scopes holds under the other filters, one query."""
    return caseload_tallies(actor=actor, filters=filters, relation_scopes=[]).scopes


def caseload_queryset(*, actor: Actor, filters: CaseloadFilters) -> QuerySet[Trajectory]:
    """Trajectories in the organisation's caseload, filtered and sorted, not yet paginated.

    A row is in the caseload only while the actor may open it
    (:func:`access.policy.trajectory_scope`): a part *and* a ground. Filters and
    sorts on detention data (phase, route, country, municipality, release) only
    see the rows whose detention the actor may see, so a filter cannot reveal
    what the row itself masks.
    """
    membership = _membership(actor.organisation_id)
    qs = _caseload_filtered(
        actor, filters, membership.per_relation.get(filters.relation, membership.everything)
    )
    alongside = membership.alongside
    detention_filtered = _detention_filtered(filters)
    pending_by = Handover.objects.filter(trajectory=OuterRef("pk"), state__in=list(PENDING)).values(
        "respond_by"
    )[:1]
    qs = qs.annotate(
        pending_respond_by=Subquery(pending_by, output_field=DateField()),
        is_alongside=alongside,
    ).annotate(
        nearest_deadline=Case(
            When(next_step_due__isnull=True, then=F("pending_respond_by")),
            When(pending_respond_by__isnull=True, then=F("next_step_due")),
            When(next_step_due__lt=F("pending_respond_by"), then=F("next_step_due")),
            default=F("pending_respond_by"),
            output_field=DateField(),
        )
    )
    sort = filters.sort if filters.sort in SORTS else "action"
    if sort == "action":
        qs = _action_annotated(actor, qs)
    order = SORTS[sort]
    if sort == "action" and DataClass.DETENTION not in policy.role_classes(actor):
        # A role that never sees a release date has none to order by; its ``release_key``
        # would be the constant NULL, which PostgreSQL refuses in ORDER BY.
        order = tuple(term for term in order if not _orders_by(term, "release_key"))
    sort_class = SORT_CLASSES.get(sort)
    if sort_class is not None and not (sort_class == DataClass.DETENTION and detention_filtered):
        # Rows whose class is not shared sort last, by their number: an order that says nothing.
        qs = qs.annotate(
            sort_hidden=Case(
                When(policy.class_granted_q(actor, sort_class), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        order = ("sort_hidden", *(_masked(term) for term in order))
    return qs.order_by(*order)


def _action_annotated(actor: Actor, qs: QuerySet[Trajectory]) -> QuerySet[Trajectory]:
    """The default order's keys: ``urgency`` (0 overdue, 1 a deadline within
    :data:`ACTION_SOON_DAYS`, 2 an incoming handover, 3 an outcome to review, 4 an open
    signal addressed to the actor — or any other term registered in :mod:`core.attention`,
    as the signals app does without this app importing it (decision 0015) — 5 the rest)
    and ``release_key`` (the release date, only where the actor sees detention data, so
    the order says nothing of a date the row masks).
    """
    today = clock.today()
    org_id = actor.organisation_id
    incoming = Handover.objects.filter(
        trajectory=OuterRef("pk"), receiver_id=org_id, state__in=list(PENDING)
    )
    review = Handover.objects.filter(
        trajectory=OuterRef("pk"),
        sender_id=org_id,
        state__in=list(OUTCOME_STATES),
        outcome_seen_at__isnull=True,
    )
    signalled = attention_q(actor)
    return qs.annotate(
        urgency=Case(
            When(nearest_deadline__lt=today, then=Value(0)),
            When(nearest_deadline__lte=today + dt.timedelta(days=ACTION_SOON_DAYS), then=Value(1)),
            When(Exists(incoming), then=Value(2)),
            When(Exists(review), then=Value(3)),
            *([When(signalled, then=Value(4))] if signalled is not None else []),
            default=Value(5),
            output_field=IntegerField(),
        ),
        release_key=Case(
            When(policy.class_granted_q(actor, DataClass.DETENTION), then=F("release_on")),
            default=None,
            output_field=DateField(),
        ),
    )


def _orders_by(term: Any, name: str) -> bool:
    """Whether the sort ``term`` (a name or an ``OrderBy`` of ``F``) orders by ``name``."""
    if isinstance(term, str):
        return term.lstrip("-") == name
    return getattr(getattr(term, "expression", None), "name", None) == name


def _masked(term: Any) -> Any:
    """A sort term that sorts only the rows whose data is shown (``sort_hidden=0``)."""
    if term == "id":
        return term
    if isinstance(term, str):
        term = F(term).asc()
    return OrderBy(
        Case(When(sort_hidden=0, then=term.expression), default=None),
        descending=term.descending,
        nulls_first=term.nulls_first,
        nulls_last=term.nulls_last,
    )


def caseload_page(
    *,
    actor: Actor,
    filters: CaseloadFilters,
    page: int = 1,
    per_page: int = 50,
    count: int | None = None,
) -> tuple[Page, list[CaseloadRow]]:
    """One page of the caseload with the relation, next runner and nearest deadline per row.

    Query count is constant: count (none when the caller passes ``count``, the number of
    rows it already knows from :func:`caseload_tallies`), page, one query for the page's
    handovers, and at most two for the data classes the actor sees per row
    (:func:`access.policy.classes_for_page`).
    """
    # Two steps: the filtered, sorted page as ids (one narrow query), then those rows with
    # what they show. Joining the six row relations into the scope query made PostgreSQL,
    # which cannot estimate the scope's selectivity, walk them as nested loops (decision 0009).
    ordered = caseload_queryset(actor=actor, filters=filters).values_list(
        "pk",
        "is_alongside",  # type: ignore[misc]  # an annotation django-stubs cannot see
    )
    paginator = Paginator(ordered, per_page)
    if count is not None:
        paginator.count = count  # a cached property: the pager's own COUNT is not run
    page_obj = paginator.get_page(page)
    alongside = dict(page_obj.object_list)
    loaded = Trajectory.objects.select_related(*ROW_RELATIONS).in_bulk(list(alongside))
    trajectories = []
    for pk, is_alongside in alongside.items():
        trajectory = loaded[pk]
        trajectory.is_alongside = is_alongside  # type: ignore[attr-defined]
        trajectories.append(trajectory)
    page_obj.object_list = trajectories
    org_id = actor.organisation_id
    by_trajectory: dict[int, list[Handover]] = {t.pk: [] for t in trajectories}
    if trajectories:
        for handover in (
            Handover.objects.filter(trajectory_id__in=list(by_trajectory))
            .filter(
                Q(state__in=list(PENDING))
                | committed_q()
                | Q(sender_id=org_id, state__in=list(AWAITING_OUTCOME))
                | Q(sender_id=org_id, state__in=list(OUTCOME_STATES), outcome_seen_at__isnull=True)
            )
            .select_related("sender", "receiver")
            .order_by("-sent_at", "-id")
        ):
            by_trajectory[handover.trajectory_id].append(handover)
    classes = policy.classes_for_page(actor, trajectories)
    rows = [_row(t, by_trajectory[t.pk], org_id, classes[t.pk]) for t in trajectories]
    return page_obj, rows


def _row(
    trajectory: Trajectory, handovers: list[Handover], org_id: int, classes: frozenset[str]
) -> CaseloadRow:
    pending = next((h for h in handovers if h.state in PENDING), None)
    closed = trajectory.is_closed
    committed = next((h for h in handovers if is_committed(h, closed=closed)), None)
    mine_awaiting = next(
        (
            h
            for h in handovers
            if h.sender_id == org_id
            and h.state in AWAITING_OUTCOME
            and not is_committed(h, closed=closed)
        ),
        None,
    )
    mine_review = next(
        (h for h in handovers if h.sender_id == org_id and h.state in OUTCOME_STATES), None
    )
    if pending is not None and pending.receiver_id == org_id:
        relation, handover = CaseRelation.INCOMING, pending
    elif mine_review is not None:
        relation, handover = CaseRelation.OUTCOME_TO_REVIEW, mine_review
    elif pending is not None and trajectory.baton_holder_id == org_id:
        relation, handover = CaseRelation.HANDING_OVER, pending
    elif committed is not None and committed.receiver_id == org_id:
        relation, handover = CaseRelation.PREPARING, committed
    elif committed is not None and trajectory.baton_holder_id == org_id:
        relation, handover = CaseRelation.HANDING_OVER_AT_RELEASE, committed
    elif mine_awaiting is not None and trajectory.baton_holder_id != org_id:
        relation, handover = CaseRelation.AWAITING_OUTCOME, mine_awaiting
    elif trajectory.baton_holder_id != org_id and getattr(trajectory, "is_alongside", False):
        relation, handover = CaseRelation.ALONGSIDE, None
    else:
        relation, handover = CaseRelation.HOLDING, None
    candidates = []
    if pending is not None:
        candidates.append(
            Deadline(
                pending.respond_by,
                str(_("answer to the handover")),
                source=str(
                    _("no norm: the answer date %(sender)s chose when handing over on %(date)s")
                )
                % {
                    "sender": pending.sender,
                    "date": date_format(
                        pending.sent_at.astimezone(clock.LOCAL_ZONE).date(), "j M Y"
                    ),
                },
            )
        )
    if trajectory.next_step_due:
        candidates.append(
            Deadline(
                trajectory.next_step_due,
                trajectory.next_step or str(_("next step")),
                source=str(_("no norm: the date the baton holder set for the next step")),
            )
        )
    deadline = min(candidates, key=lambda d: d.date) if candidates else None
    next_runner = (
        pending.receiver
        if pending is not None
        else committed.receiver
        if committed is not None
        else trajectory.next_runner
    )
    return CaseloadRow(
        trajectory=trajectory,
        relation=relation,
        handover=handover,
        pending=pending,
        deadline=deadline,
        next_runner=next_runner,
        related=handovers,
        classes=classes,
    )


# --- assignments (issue 12) ------------------------------------------------------------


def trajectory_assignments(*, trajectory: Trajectory) -> list[Assignment]:
    """The active assignments of a trajectory the caller has already opened (one query):
    who works on this person, in which part, for which organisation."""
    return list(
        Assignment.objects.filter(trajectory=trajectory, until__isnull=True)
        .select_related("user", "organisation")
        .order_by("kind", "since", "id")
    )


def assignable_workers(actor: Actor) -> list[tuple[int, str]]:
    """(user id, "name — role, organisation") of every worker the actor may assign in some
    kind, by name; one query (and one to find a desk's root organisation)."""
    seen: dict[int, str] = {}
    for membership in policy.eligible_memberships(actor).order_by("id"):
        user = membership.user
        name = user.get_full_name() or user.get_username()
        seen.setdefault(
            user.pk, f"{name} — {membership.get_role_display()}, {membership.organisation}"
        )
    return sorted(seen.items(), key=lambda item: item[1].lower())


def reassignable_workers(actor: Actor) -> list[tuple[int, str]]:
    """Workers with active assignments the actor may hand over, plus everyone it may assign."""
    workers = dict(assignable_workers(actor))
    kinds = list(policy.assignable_kinds(actor))
    if kinds:
        for user_id, first, last, username in (
            Assignment.objects.filter(
                Q(organisation_id=actor.organisation_id)
                | Q(
                    organisation__in=policy.organisation_family(actor.organisation),
                    kind__in=list(policy.FAMILY_ASSIGNMENT_KINDS),
                ),
                until__isnull=True,
                kind__in=kinds,
            )
            .values_list("user_id", "user__first_name", "user__last_name", "user__username")
            .distinct()
        ):
            workers.setdefault(user_id, f"{first} {last}".strip() or username)
    return sorted(workers.items(), key=lambda item: item[1].lower())


def assignment_get(*, actor: Actor, pk: int) -> Assignment:
    """An active assignment the actor may see and act on: of its own organisation (or its
    family, for a volunteer kind), on a trajectory it may open. Anything else answers 404,
    audited, whether it exists or not."""
    assignment = (
        Assignment.objects.filter(
            Q(organisation_id=actor.organisation_id)
            | Q(
                organisation__in=policy.organisation_family(actor.organisation),
                kind__in=list(policy.FAMILY_ASSIGNMENT_KINDS),
            ),
            pk=pk,
            until__isnull=True,
            trajectory__in=policy.trajectory_scope(actor).values("pk"),
        )
        .select_related("user", "trajectory")
        .first()
    )
    if assignment is None:
        refuse_not_found(actor=actor, object_type="trajectories.assignment", object_id=pk)
    return assignment
