"""What a signal rule is, and the registry that lists them (DESIGN.md §4).

A rule is a small declared object: code, title, reason template, the norm it
cites, whom it addresses, severity, lead time, suggested action and where that
action is done; and :meth:`Rule.candidates`, a *set-based* query that finds
every trajectory where the facts hold in a fixed number of queries, however
many trajectories there are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise

from estafette.consent.models import Consent
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.workflow import State as HandoverState
from estafette.norms.catalogue import Norm, norm_get
from estafette.norms.deadlines import Basis
from estafette.norms.labels import BASIS_LABELS
from estafette.organisations.models import OrganisationKind, Role
from estafette.people.models import VULNERABILITY_MARKERS, NetworkMember
from estafette.trajectories.models import (
    Participant,
    ParticipantRole,
    Phase,
    ReleaseCertainty,
    Trajectory,
)

ROLE_FOR_KIND: dict[str, str] = {
    OrganisationKind.BB_REGIONAL_DESK: Role.REGIONAL_COORDINATOR,
    OrganisationKind.BUREAU_BUITENLAND: Role.REGIONAL_COORDINATOR,
    OrganisationKind.MUNICIPAL_AFTERCARE: Role.AFTERCARE_COORDINATOR,
    OrganisationKind.PROBATION: Role.PROBATION_OFFICER,
    OrganisationKind.PRISON: Role.CASE_MANAGER,
    OrganisationKind.LANDING_PLACE: Role.LANDING_PLACE_WORKER,
    OrganisationKind.CONSULAR_POST: Role.CONSULAR_OFFICER,
    OrganisationKind.VOLUNTEER_ORGANISATION: Role.REGIONAL_COORDINATOR,
    OrganisationKind.BUDDY_PROGRAMME: Role.BUDDY_PROFESSIONAL,
    OrganisationKind.PARTNER: Role.PARTNER_WORKER,
}
"""The professional role that acts on a signal addressed to an organisation of each kind.

Never a volunteer or a buddy: they must not carry that load (DOMAIN.md §2, §10).
"""

BEFORE_RELEASE_PHASES = (Phase.DETENTION, Phase.RETURN)
LIVE_PHASES = tuple(phase for phase in Phase if phase != Phase.CLOSED)


REFERRAL_ALIVE = (HandoverState.SENT, HandoverState.ACCEPTED, HandoverState.TAKEN_UP)
"""An after-care referral in one of these states means the baton is on its way or taken.

*Accepted* includes a committed receiver (accepted while the person is detained, the
baton passing at release: decision 0011).
"""


def committed_q(prefix: str = "") -> Q:
    """Handovers whose receiver is *committed*: accepted, the baton not yet passed (0011)."""
    return Q(**{f"{prefix}state": HandoverState.ACCEPTED, f"{prefix}baton_at__isnull": True})


PREFILTER_FIELDS = (
    "pk",
    "phase",
    "route",
    "release_certainty",
    "release_date",
    "detention_start",
    "domestic_entry",
    "registration_certainty",
    "registration_municipality_id",
    "baton_holder__kind",
)
"""The trajectory's fields :meth:`Rule.may_apply` may read (one query for all rules)."""


def prefilter_rows(trajectory_ids: Iterable[int]) -> list[dict[str, Any]]:
    """:data:`PREFILTER_FIELDS` of each trajectory, plus flags that rules' ``may_apply`` read.

    ``has_buddy`` (ever a buddy alongside), ``has_sent`` / ``has_no_show`` (a
    handover in that state), ``has_referral`` (an after-care referral sent,
    accepted or taken up), ``has_committed`` (a committed receiver),
    ``has_withdrawn`` (the person ever withdrew a consent), ``has_minor`` (a
    child in the network) and ``vulnerable`` (any vulnerability marker of the
    person). Each flag is a necessary condition that does not depend on the day,
    so the rows hold for any ``today``. One query.
    """
    buddy = Participant.objects.filter(trajectory=OuterRef("pk"), role=ParticipantRole.BUDDY)
    handovers = Handover.objects.filter(trajectory=OuterRef("pk"))
    minor = NetworkMember.objects.filter(person=OuterRef("person_id"), is_minor=True)
    withdrawn = Consent.objects.filter(person=OuterRef("person_id"), revoked_at__isnull=False)
    markers = [f"person__{name}" for name in VULNERABILITY_MARKERS]
    flags = (
        "has_buddy",
        "has_sent",
        "has_no_show",
        "has_referral",
        "has_committed",
        "has_withdrawn",
        "has_minor",
    )
    rows = (
        Trajectory.objects.filter(pk__in=list(trajectory_ids))
        .annotate(
            has_buddy=Exists(buddy),
            has_sent=Exists(handovers.filter(state=HandoverState.SENT)),
            has_no_show=Exists(handovers.filter(state=HandoverState.NO_SHOW)),
            has_referral=Exists(
                handovers.filter(purpose=Purpose.AFTERCARE_REFERRAL, state__in=REFERRAL_ALIVE)
            ),
            has_committed=Exists(handovers.filter(committed_q())),
            has_withdrawn=Exists(withdrawn),
            has_minor=Exists(minor),
        )
        .values(*PREFILTER_FIELDS, *flags, *markers)
    )
    return [{**row, "vulnerable": any(row[m] for m in markers)} for row in rows]


def before_release(row: dict[str, Any]) -> bool:
    return row["phase"] in BEFORE_RELEASE_PHASES


def release_passed(row: Mapping[str, Any], today: dt.date) -> bool:
    """A *known* release date lies before ``today``: the person is out, whatever the phase says.

    Only a known date counts: an estimate or a window that has passed does not mean
    the person was released (release later than expected is common), and on the day
    of release itself the pre-release rules still speak (the last chance).
    """
    return (
        row["release_certainty"] == ReleaseCertainty.KNOWN
        and row["release_date"] is not None
        and row["release_date"] < today
    )


def still_detained(row: Mapping[str, Any], today: dt.date) -> bool:
    """In the detention phase and no known release date passed (see :func:`release_passed`)."""
    return row["phase"] == Phase.DETENTION and not release_passed(row, today)


def still_detained_q(today: dt.date, prefix: str = "") -> Q:
    """:func:`still_detained` as a filter on trajectories (``prefix`` to reach one)."""
    return Q(**{f"{prefix}phase": Phase.DETENTION}) & (
        ~Q(**{f"{prefix}release_certainty": ReleaseCertainty.KNOWN})
        | Q(**{f"{prefix}release_date__isnull": True})
        | Q(**{f"{prefix}release_date__gte": today})
    )


def role_for_kind(kind: str) -> str:
    return ROLE_FOR_KIND.get(kind, Role.PARTNER_WORKER)


@dataclass(frozen=True)
class Candidate:
    """One (rule, trajectory, addressee) for which the facts hold today.

    A rule may return several for one trajectory, one per organisation that can act
    on its part; evaluation keeps one live signal for each (``signals/evaluate.py``).
    """

    rule_code: str
    trajectory_id: int
    addressee_id: int
    addressee_role: str
    severity: str
    facts: dict[str, Any]
    due: dt.date | None = None
    norm_code: str = ""

    @property
    def facts_digest(self) -> str:
        """Fingerprint of the facts; a manual resolution holds until they change."""
        raw = json.dumps(self.facts, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def shown_date(value: str | dt.date | None) -> str:
    if not value:
        return "?"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return str(date_format(value, "j F Y"))


@dataclass
class Rule:
    """Base of every rule; subclasses set the class attributes and implement ``candidates``."""

    code: ClassVar[str]
    title: ClassVar[str | Promise]
    reason_template: ClassVar[str | Promise]
    suggested_action: ClassVar[str | Promise]
    severity: ClassVar[str] = "warning"
    norm_code: ClassVar[str] = ""
    link_name: ClassVar[str] = "trajectory-detail"
    link_fragment: ClassVar[str] = ""
    """An id on the linked page to land at; the link is a page (GET), never a form's action."""
    title_classes: ClassVar[frozenset[str]]
    """The data classes the title and the suggested action themselves reveal: "no valid
    ID" tells that the ID is missing (conditions), "vulnerable person" that there is a
    marker (health), "release date unknown while release may be near" something of the
    detention. Empty only when the title speaks of the relay alone (who handed over to
    whom). Every rule declares it (:func:`register` refuses a rule that does not); the
    access policy weighs it (:func:`access.policy.signal_disclosure`)."""
    reason_classes: ClassVar[frozenset[str]]
    """The data classes the facts in the reason belong to (release dates: detention; the
    open conditions: conditions; …); a reader needs all of them, and the title's, to read
    it. Every rule declares it, like :attr:`title_classes`."""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def norm(self) -> Norm | None:
        return norm_get(self.norm_code) if self.norm_code else None

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        """A cheap, necessary condition for this rule to hold for one trajectory.

        ``row`` holds :data:`PREFILTER_FIELDS` of the trajectory. When evaluating a
        few trajectories (after a change), rules for which this is False are not
        queried at all: building a rule's query costs more than running it. It
        must never be False where :meth:`candidates` could find the trajectory
        (``signals/tests/test_prefilter.py`` checks every rule on the demo). The
        default, True, is always safe.
        """
        return True

    @property
    def lead_days(self) -> int:
        """How long before the deadline the rule warns."""
        return int(self.params.get("lead_days", 0))

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        raise NotImplementedError

    # -- helpers for subclasses -------------------------------------------------------

    def trajectories(self, trajectory_ids: Iterable[int] | None) -> QuerySet[Trajectory]:
        """Live trajectories (not closed), limited to ``trajectory_ids`` when given."""
        # ``phase IN (…live phases)``, not ``NOT phase = 'closed'``: the database can
        # search the phase index for the few live rows instead of scanning every
        # trajectory ever closed (the national history is twenty times the live ones).
        rows = Trajectory.objects.filter(phase__in=LIVE_PHASES)
        if trajectory_ids is not None:
            rows = rows.filter(pk__in=list(trajectory_ids))
        return rows

    def candidate(
        self,
        *,
        trajectory_id: int,
        addressee_id: int,
        addressee_kind: str,
        facts: dict[str, Any],
        due: dt.date | None = None,
        severity: str | None = None,
    ) -> Candidate:
        return Candidate(
            rule_code=self.code,
            trajectory_id=trajectory_id,
            addressee_id=addressee_id,
            addressee_role=role_for_kind(addressee_kind),
            severity=severity or self.severity,
            facts=facts,
            due=due,
            norm_code=self.norm_code,
        )

    def candidate_for_holder(
        self,
        row: Mapping[str, Any],
        *,
        facts: dict[str, Any],
        due: dt.date | None = None,
        severity: str | None = None,
    ) -> Candidate:
        """:meth:`candidate` addressed to the baton holder of ``row`` (``pk``,
        ``baton_holder_id``, ``baton_holder__kind``): the usual addressee."""
        return self.candidate(
            trajectory_id=row["pk"],
            addressee_id=row["baton_holder_id"],
            addressee_kind=row["baton_holder__kind"],
            facts=facts,
            due=due,
            severity=severity,
        )

    # -- words -------------------------------------------------------------------------

    def classes_for_reason(self, facts: Mapping[str, Any]) -> frozenset[str]:
        """The classes a reader needs to read the reason of a signal with ``facts``."""
        return self.reason_classes

    def action_text(self, facts: Mapping[str, Any]) -> str:
        """The suggested action for the addressee of a signal with ``facts``."""
        return str(self.suggested_action)

    def reason_text(self, facts: dict[str, Any]) -> str:
        """The reason in the active language, naming the facts and the norm with its source."""
        words = {key: self.word(key, value) for key, value in facts.items()}
        words.setdefault("norm", self.norm_words(facts))
        return str(self.reason_template) % words

    def word(self, key: str, value: Any) -> str:
        if key.endswith(("_on", "_date", "_earliest", "_latest", "_by", "_since")) or key in {
            "due",
            "counted_from",
        }:
            return shown_date(value)
        if key == "basis" and value:
            return str(BASIS_LABELS[Basis(value)])
        return "" if value is None else str(value)

    def norm_words(self, facts: dict[str, Any]) -> str:
        norm = self.norm
        if norm is None:
            return ""
        return f"{norm.title} ({norm.source})"

    def link(self, trajectory_id: int) -> str:
        url = reverse(self.link_name, kwargs={"pk": trajectory_id})
        return f"{url}#{self.link_fragment}" if self.link_fragment else url


REGISTRY: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add ``rule`` to :data:`REGISTRY`; a rule must declare what its words reveal."""
    if rule.code in REGISTRY:
        raise ValueError(f"rule {rule.code} registered twice")
    for declared in ("title_classes", "reason_classes"):
        value = getattr(type(rule), declared, None)
        if not isinstance(value, frozenset) or not value <= frozenset(DataClass.values):
            raise TypeError(f"rule {rule.code} must declare {declared} (data classes)")
    REGISTRY[rule.code] = rule
    return rule
