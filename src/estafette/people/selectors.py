"""Finding a person in the register: by name, date of birth or identifier, never beyond scope.

One selector, :func:`person_search`, for the search page and, later, for "find
before create" at intake (issue #12). Its contract:

* **Only files the actor may open.** A person is found only through a trajectory
  in :func:`access.policy.trajectory_scope` — and only one of which the actor sees
  the IDENTITY class (:func:`access.policy.class_granted_q`). A person the actor
  sees only as "Trajectory 123" does not match on name, date of birth or
  identifier at all: a search must not confirm who is behind a number, nor that
  a file exists. An organisation with no part finds nobody.
* **What matches.** Every word of the query in the given names or the family
  name (``icontains``: case-insensitive on both engines for plain letters; accents
  are compared as typed), or the whole query as an identifier's normalised value
  (exact); and, when given, the exact date of birth.
* **What a row shows.** The person and their newest trajectory among those
  matched; the name only when :func:`access.policy.classes_for_page` grants
  IDENTITY on that trajectory (otherwise the row is "Trajectory N").
* **Bounded.** At most ``limit`` rows (``more`` says there were more), in a
  constant number of queries whatever the number of hits.
* **Audited.** Every search writes one VIEW entry (``object_type`` "people.search")
  with the kinds of criteria used, the number of rows and the ids of the people
  shown — never the words or the date typed: a query is often a name, and the
  log must not become a second register of who was looked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.access.models import EmergencyAccess
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.handovers.models import Handover
from estafette.handovers.workflow import PENDING, State
from estafette.people.identifiers import VALUE_MAX_LENGTH, identifier_normalised
from estafette.people.models import NetworkMember, Person, PersonIdentifier
from estafette.trajectories.models import Participant, Stretch, Trajectory
from estafette.trajectories.selectors import trajectory_get

QUERY_MAX_LENGTH = 100
"""The longest query a search takes: a full name with an identifier fits many times over."""

SEARCH_LIMIT = 25
"""Rows a search shows by default: more means the criteria are too wide to pick from."""

AUDIT_OBJECT_TYPE = "people.search"

QUERY_TOO_LONG = _("A search is at most %(limit)s characters long.")
SEARCH_NOT_FOR_ROLE = _(
    "Your role does not search the people register: it is for those who work on a person's case."
)


@dataclass(frozen=True)
class SearchRow:
    """One person found, with the trajectory the row links to."""

    person: Person
    trajectory: Trajectory
    classes: frozenset[str]
    """What the actor sees of ``trajectory`` (:func:`access.policy.classes_for_page`)."""

    @property
    def sees_identity(self) -> bool:
        return DataClass.IDENTITY in self.classes


@dataclass(frozen=True)
class SearchResult:
    rows: list[SearchRow] = field(default_factory=list)
    more: bool = False
    """More people matched than the rows show: narrow the search."""


def search_words(query: str) -> list[str]:
    """The words of ``query`` a name must contain, each once, in the order typed."""
    return list(dict.fromkeys(query.split()))


def criteria_kinds(query: str, date_of_birth: dt.date | None) -> list[str]:
    """What kinds of criteria a search used, for the audit log (never the values)."""
    kinds = []
    normalised = identifier_normalised(query)
    if normalised:
        kinds.append("number" if normalised.isdigit() else "name")
    if date_of_birth is not None:
        kinds.append("date_of_birth")
    return kinds


def _match_q(query: str, date_of_birth: dt.date | None) -> Q:
    """The people the criteria describe, before any question of access."""
    matched = Q()
    words = search_words(query)
    if words:
        names = Q()
        for word in words:
            names &= Q(given_names__icontains=word) | Q(family_name__icontains=word)
        ids = Person.objects.filter(names).order_by().values("pk")
        normalised = identifier_normalised(query)
        if 0 < len(normalised) <= VALUE_MAX_LENGTH:
            # One id set (UNION ALL) of two indexed sub-selects — the names through their
            # trigram indexes on PostgreSQL (people migration 0004), the number through the
            # value index. An OR of the two in one WHERE would make PostgreSQL scan every
            # person, since a sub-plan cannot join a bitmap OR of index scans.
            ids = ids.union(
                PersonIdentifier.objects.filter(value=normalised).order_by().values("person_id"),
                all=True,
            )
        matched &= Q(pk__in=ids)
    if date_of_birth is not None:
        matched &= Q(date_of_birth=date_of_birth)
    return matched


def _candidates_q(actor: Actor) -> Q:
    """People of trajectories the actor's organisation ever had anything to do with.

    A superset of every part :func:`access.policy.trajectory_scope` counts — the holder
    has a stretch, so every holder and earlier holder is among the stretches; pending and
    committed receivers, participants and the user's emergency grants — as one id set from the
    organisation's own rows (indexed), so the per-person check of the rule runs over
    the organisation's people, not the country's. It only narrows: the rule itself is
    applied after it, unchanged.
    """
    org_id = actor.organisation_id
    trajectory_ids = (
        Stretch.objects.filter(organisation_id=org_id)
        .order_by()
        .values("trajectory_id")
        .union(
            # A receiver's part: pending, or committed (accepted, the baton not yet passed;
            # once it passed, the receiver has a stretch). Both through their own indexes.
            Handover.objects.filter(receiver_id=org_id, state__in=list(PENDING))
            .order_by()
            .values("trajectory_id"),
            Handover.objects.filter(receiver_id=org_id, state=State.ACCEPTED, baton_at__isnull=True)
            .order_by()
            .values("trajectory_id"),
            Participant.objects.filter(organisation_id=org_id).order_by().values("trajectory_id"),
            EmergencyAccess.objects.filter(user_id=actor.user_id, organisation_id=org_id)
            .order_by()
            .values("trajectory_id"),
            all=True,
        )
    )
    return Q(pk__in=Trajectory.objects.filter(pk__in=trajectory_ids).order_by().values("person_id"))


def identity_visible_trajectories(actor: Actor) -> QuerySet[Trajectory]:
    """Trajectories the actor may open *and* of which it sees the person's identity."""
    return policy.trajectory_scope(actor).filter(policy.class_granted_q(actor, DataClass.IDENTITY))


def person_search(
    *,
    actor: Actor,
    query: str,
    date_of_birth: dt.date | None = None,
    limit: int = SEARCH_LIMIT,
) -> SearchResult:
    """The people the actor may see who match ``query`` and ``date_of_birth`` (module contract).

    Refuses a role that does not search (:func:`access.policy.may_search_people`,
    :class:`NotPermitted`) and a query longer than :data:`QUERY_MAX_LENGTH`
    (:class:`InvalidInput`). No criteria: no rows, no query, no audit entry.
    Queries: one for the people, one for their trajectories, at most two for the
    classes (:func:`access.policy.classes_for_page`), and the audit entry.
    """
    if not policy.may_search_people(actor):
        raise NotPermitted(SEARCH_NOT_FOR_ROLE)
    query = (query or "").strip()
    if len(query) > QUERY_MAX_LENGTH:
        raise InvalidInput(QUERY_TOO_LONG, limit=QUERY_MAX_LENGTH)
    if not query and date_of_birth is None:
        return SearchResult()
    visible = identity_visible_trajectories(actor).filter(person_id=OuterRef("pk"))
    people = list(
        Person.objects.filter(_match_q(query, date_of_birth))
        .filter(_candidates_q(actor))
        .filter(Exists(visible))
        .annotate(
            newest_trajectory=Subquery(visible.order_by("-opened_at", "-pk").values("pk")[:1])
        )
        .order_by("family_name", "given_names", "pk")[: limit + 1]
    )
    more = len(people) > limit
    people = people[:limit]
    trajectories = {
        t.pk: t
        for t in Trajectory.objects.filter(
            pk__in=[p.newest_trajectory for p in people]
        ).select_related("baton_holder")
    }
    rows = []
    for person in people:
        trajectory = trajectories.get(person.newest_trajectory)
        if trajectory is None:  # gone between the two reads
            continue
        trajectory.person = person
        rows.append(SearchRow(person=person, trajectory=trajectory, classes=frozenset()))
    classes = policy.classes_for_page(actor, [row.trajectory for row in rows])
    rows = [
        SearchRow(row.person, row.trajectory, classes.get(row.trajectory.pk, frozenset()))
        for row in rows
    ]
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=AUDIT_OBJECT_TYPE,
        criteria=criteria_kinds(query, date_of_birth),
        hits=len(rows),
        more=more,
        person_ids=[row.person.pk for row in rows],
    )
    return SearchResult(rows=rows, more=more)


# --- a person's details, as one trajectory's reader sees them (issue 12) ----------------------


@dataclass
class PersonDetails:
    """The person of one trajectory, with what the reader sees and may change of them.

    ``identifiers`` and ``network`` are read only when their class is visible (otherwise
    empty, never read); ``changeable`` are the keys of
    :data:`access.policy.PERSON_FIELD_CLASSES` the reader may change on this page.
    """

    trajectory: Trajectory
    person: Person
    access: policy.Access
    changeable: frozenset[str]
    identifiers: list[PersonIdentifier] = field(default_factory=list)
    network: list[NetworkMember] = field(default_factory=list)

    def sees(self, name: str) -> bool:
        """Whether the reader sees the detail ``name`` (a key of ``PERSON_FIELD_CLASSES``)."""
        return self.access.sees(policy.PERSON_FIELD_CLASSES[name])

    def may_change(self, *names: str) -> bool:
        return set(names) <= self.changeable


def person_details_get(*, actor: Actor, trajectory_pk: int, audit: bool = True) -> PersonDetails:
    """The person of trajectory ``trajectory_pk`` as the actor sees them on that file.

    A trajectory the actor may not open answers the audited 404 of
    :func:`trajectories.selectors.trajectory_get`; a read is audited there as a view of the
    person's file. Classes are those of this trajectory (:func:`access.policy.access_for`):
    a page of one file shows what that file's ground allows, no more. A bounded number of
    queries, whatever the size of the network. ``audit=False`` for a form's POST, whose
    service audits the change itself.
    """
    trajectory = trajectory_get(actor=actor, pk=trajectory_pk, audit=audit)
    access = policy.access_for(actor, trajectory)
    details = PersonDetails(
        trajectory=trajectory,
        person=trajectory.person,
        access=access,
        changeable=policy.person_fields_changeable(actor, access.classes),
    )
    if details.sees("identifiers"):
        details.identifiers = list(
            PersonIdentifier.objects.filter(person_id=trajectory.person_id).select_related(
                "country"
            )
        )
    if details.sees("network"):
        details.network = list(NetworkMember.objects.filter(person_id=trajectory.person_id))
    return details
