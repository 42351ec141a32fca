"""The access policy: the one place that answers "may this actor see or do this?".

Every selector, view, export, PDF and notification asks here; no view decides
access on its own. The rule (issue 4, DOMAIN.md §6 and §10):

1. **A part in the trajectory.** The actor's organisation holds the baton,
   held it within the last ``ESTAFETTE_EARLIER_HOLDER_DAYS`` days, is the
   receiver of a pending handover, or runs alongside as a participant.
2. **And a ground.** A consent of the person covers the organisation (by name
   or by kind) and is in force today, or the organisation has a legal basis
   (prisons and probation execute a sentence or supervision). The current
   holder always sees the person's identity, so it can ask for and record
   consent; nothing more without a ground.
3. **Within the role's data classes.** A visiting volunteer never sees the
   offence; a buddy's notes never reach justice roles; a mayor notification
   (BIJ) is seen only by those who must handle it.
4. **Emergency access** overrides 1–2 for one user, for a stated reason and a
   limited time; it is shown to the holder and listed for review.

Consent is evaluated at the moment of the read, so a revoked or expired
consent stops showing its classes at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from estafette.access.models import EmergencyAccess
from estafette.consent.models import Consent
from estafette.consent.policy import effective_q, recipient_q
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Handover
from estafette.handovers.workflow import PENDING
from estafette.organisations.models import OrganisationKind, Role
from estafette.trajectories.models import Participant, Stretch, Trajectory


class Relationship(StrEnum):
    """How the actor's organisation stands to a trajectory, strongest first."""

    HOLDER = "holder"
    PENDING_RECEIVER = "pending_receiver"
    PARTICIPANT = "participant"
    EARLIER_HOLDER = "earlier_holder"
    EMERGENCY = "emergency"
    NONE = "none"


D = DataClass
ALL_CLASSES: frozenset[str] = frozenset(DataClass.values)

ROLE_DATA_CLASSES: dict[str, frozenset[str]] = {
    # Bureau Buitenland guides the whole stay abroad and may write a social report for the court.
    Role.REGIONAL_COORDINATOR: ALL_CLASSES,
    # Volunteers prepare the return; they never see the offence (issue 4) nor health details.
    Role.VISITING_VOLUNTEER: frozenset({D.IDENTITY, D.DETENTION, D.CONDITIONS, D.NETWORK, D.NOTES}),
    Role.CONSULAR_OFFICER: frozenset({D.IDENTITY, D.DETENTION, D.OFFENCE, D.NETWORK}),
    Role.AFTERCARE_COORDINATOR: frozenset(
        {D.IDENTITY, D.DETENTION, D.CONDITIONS, D.HEALTH, D.NETWORK, D.NOTES}
    ),
    Role.CASE_MANAGER: frozenset(
        {D.IDENTITY, D.DETENTION, D.CONDITIONS, D.HEALTH, D.OFFENCE, D.NETWORK, D.NOTES}
    ),
    Role.PROBATION_OFFICER: frozenset(
        {D.IDENTITY, D.DETENTION, D.CONDITIONS, D.HEALTH, D.OFFENCE, D.NETWORK, D.NOTES}
    ),
    Role.BUDDY_PROFESSIONAL: frozenset(
        {D.IDENTITY, D.DETENTION, D.CONDITIONS, D.HEALTH, D.NETWORK, D.NOTES}
    ),
    Role.BUDDY: frozenset({D.IDENTITY, D.CONDITIONS, D.NETWORK, D.NOTES}),
    Role.LANDING_PLACE_WORKER: frozenset({D.IDENTITY, D.CONDITIONS, D.HEALTH, D.NOTES}),
    Role.PARTNER_WORKER: frozenset({D.IDENTITY, D.CONDITIONS}),
    Role.ORGANISATION_ADMIN: frozenset({D.IDENTITY}),
}

JUSTICE_ROLES: frozenset[str] = frozenset({Role.CASE_MANAGER, Role.PROBATION_OFFICER})
"""Roles that may carry a duty to report; a buddy's notes never reach them (DOMAIN.md §10)."""

LEGAL_BASIS_KINDS: frozenset[str] = frozenset({OrganisationKind.PRISON, OrganisationKind.PROBATION})
"""Organisations whose part rests on law (executing a sentence, supervision), not on consent."""

BIJ_PURPOSE = "mayor_notification"
BIJ_HANDLERS: frozenset[tuple[str, str]] = frozenset(
    {
        (OrganisationKind.BB_REGIONAL_DESK, Role.REGIONAL_COORDINATOR),
        (OrganisationKind.BUREAU_BUITENLAND, Role.REGIONAL_COORDINATOR),
        (OrganisationKind.MUNICIPAL_AFTERCARE, Role.AFTERCARE_COORDINATOR),
    }
)
"""Who handles a confidential mayor notification (BIJ): the coordinator and the municipality."""


def earlier_holder_days() -> int:
    """How long an organisation that handed the baton on keeps seeing the file."""
    return int(getattr(settings, "ESTAFETTE_EARLIER_HOLDER_DAYS", 90))


def emergency_access_hours() -> int:
    return int(getattr(settings, "ESTAFETTE_EMERGENCY_ACCESS_HOURS", 4))


def role_classes(actor: Actor) -> frozenset[str]:
    return ROLE_DATA_CLASSES.get(actor.role, frozenset())


def has_legal_basis(actor: Actor) -> bool:
    return actor.organisation.kind in LEGAL_BASIS_KINDS


# ---------------------------------------------------------------------------
# Set-based: querysets the selectors start from
# ---------------------------------------------------------------------------


def consents_for_recipient(actor: Actor, *, on: dt.date | None = None) -> QuerySet[Consent]:
    """Consents in force today that cover the actor's organisation (by name or by kind).

    The rule itself lives in the consent ledger (``effective_q``, ``recipient_q``),
    so sharing and seeing can never disagree.
    """
    return Consent.objects.filter(effective_q(on or clock.today()), recipient_q(actor.organisation))


def _part_q(actor: Actor) -> Q:
    org_id = actor.organisation_id
    since = clock.now() - dt.timedelta(days=earlier_holder_days())
    held = Stretch.objects.filter(trajectory=OuterRef("pk"), organisation_id=org_id).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=since)
    )
    receiving = Handover.objects.filter(
        trajectory=OuterRef("pk"), receiver_id=org_id, state__in=list(PENDING)
    )
    alongside = Participant.objects.filter(
        Q(until__isnull=True) | Q(until__gte=clock.today()),
        trajectory=OuterRef("pk"),
        organisation_id=org_id,
    )
    return Q(Exists(held)) | Q(Exists(receiving)) | Q(Exists(alongside))


def _emergency_q(actor: Actor) -> Q:
    now = clock.now()
    grants = EmergencyAccess.objects.filter(
        trajectory=OuterRef("pk"),
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        started_at__lte=now,
        expires_at__gt=now,
    )
    return Q(Exists(grants))


def trajectory_scope(actor: Actor) -> QuerySet[Trajectory]:
    """Every trajectory the actor may open: holder, or a part plus a ground, or emergency access."""
    holder = Q(baton_holder_id=actor.organisation_id)
    if has_legal_basis(actor):
        grounded = _part_q(actor)
    else:
        consented = consents_for_recipient(actor).filter(person_id=OuterRef("person_id"))
        grounded = _part_q(actor) & Q(Exists(consented))
    return Trajectory.objects.filter(holder | grounded | _emergency_q(actor))


# ---------------------------------------------------------------------------
# Per trajectory: what exactly may this actor see?
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """The answer for one actor and one trajectory: the relationship and the visible classes."""

    relationship: Relationship
    classes: frozenset[str]
    emergency: EmergencyAccess | None = None

    def sees(self, data_class: str) -> bool:
        return data_class in self.classes

    def __getattr__(self, name: str) -> bool:
        # Lets templates ask ``access.sees_offence`` etc. without a custom tag.
        if name.startswith("sees_") and name[5:] in ALL_CLASSES:
            return name[5:] in self.classes
        raise AttributeError(name)


def relationship_of(actor: Actor, trajectory: Trajectory) -> Relationship:
    """The strongest relationship of the actor's organisation to ``trajectory``."""
    org_id = actor.organisation_id
    if trajectory.baton_holder_id == org_id:
        return Relationship.HOLDER
    if Handover.objects.filter(
        trajectory=trajectory, receiver_id=org_id, state__in=list(PENDING)
    ).exists():
        return Relationship.PENDING_RECEIVER
    today = clock.today()
    if (
        Participant.objects.filter(trajectory=trajectory, organisation_id=org_id)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .exists()
    ):
        return Relationship.PARTICIPANT
    since = clock.now() - dt.timedelta(days=earlier_holder_days())
    if Stretch.objects.filter(
        trajectory=trajectory, organisation_id=org_id, ended_at__gte=since
    ).exists():
        return Relationship.EARLIER_HOLDER
    return Relationship.NONE


def active_emergency_access(actor: Actor, trajectory: Trajectory) -> EmergencyAccess | None:
    now = clock.now()
    return (
        EmergencyAccess.objects.filter(
            trajectory=trajectory,
            user_id=actor.user_id,
            organisation_id=actor.organisation_id,
            started_at__lte=now,
            expires_at__gt=now,
        )
        .order_by("-expires_at")
        .first()
    )


def covered_classes(actor: Actor, person_id: int, *, on: dt.date | None = None) -> frozenset[str]:
    """Data classes that the person's consents in force give the actor's organisation."""
    classes: set[str] = set()
    for data_classes in (
        consents_for_recipient(actor, on=on)
        .filter(person_id=person_id)
        .values_list("data_classes", flat=True)
    ):
        classes.update(data_classes or [])
    return frozenset(classes)


def access_for(actor: Actor, trajectory: Trajectory) -> Access:
    """What the actor may see of this trajectory's person, right now.

    Contract: the returned classes are always a subset of the role's classes;
    an empty set means the actor may not open the file at all.
    """
    relationship = relationship_of(actor, trajectory)
    allowed_by_role = role_classes(actor)
    grounds: set[str] = set()
    if relationship != Relationship.NONE:
        if has_legal_basis(actor):
            grounds |= ALL_CLASSES
        else:
            grounds |= covered_classes(actor, trajectory.person_id)
        if relationship == Relationship.HOLDER:
            grounds.add(DataClass.IDENTITY)
    emergency = active_emergency_access(actor, trajectory)
    if emergency is not None:
        grounds |= ALL_CLASSES
        if relationship == Relationship.NONE:
            relationship = Relationship.EMERGENCY
    return Access(relationship, frozenset(allowed_by_role & grounds), emergency)


def may_see_purpose(actor: Actor, purpose_code: str) -> bool:
    """A mayor notification (BIJ) is confidential: only its handlers see it exists."""
    if purpose_code != BIJ_PURPOSE:
        return True
    return (actor.organisation.kind, actor.role) in BIJ_HANDLERS


def may_see_notes_of(actor: Actor, author_kind: str) -> bool:
    """A buddy's notes never reach justice roles: buddies must not carry a duty to report."""
    return not (author_kind == OrganisationKind.BUDDY_PROGRAMME and actor.role in JUSTICE_ROLES)


def shareable_classes(actor: Actor, trajectory: Trajectory) -> frozenset[str]:
    """What the actor could pass on at all: never more than it may see itself."""
    return access_for(actor, trajectory).classes
