"""The access policy: the one place that answers "may this actor see or do this?".

Every selector, view, export, PDF and notification asks here; no view decides
access on its own. The rule (issue 4, DOMAIN.md §6 and §10):

1. **A part in the trajectory.** The actor's organisation holds the baton,
   held it within the last ``ESTAFETTE_EARLIER_HOLDER_DAYS`` days, is the
   receiver of a pending handover, is committed to take the baton at release
   (an accepted handover whose baton has not yet passed, decision 0011), or runs
   alongside as a participant.
2. **And a ground.** A consent of the person covers the organisation (by name
   or by kind) and is in force today, or the organisation has a legal basis
   (prisons and probation execute a sentence or supervision). The current
   holder always sees the person's identity, so it can ask for and record
   consent; nothing more without a ground.
3. **Within the role's data classes.** A visiting volunteer never sees the
   offence; a buddy's notes never reach justice roles; a mayor notification
   (BIJ) is seen only by those who must handle it.
4. **Emergency access** overrides 1–2 for one user of a professional role
   (never a volunteer or a buddy), for a stated reason and a limited time; it
   is shown to the holder and listed for review.
5. **A volunteer sees only the people assigned to them** (issue 12, decision
   0016): for :data:`VOLUNTEER_ROLES` every rule above additionally needs an
   active :class:`~estafette.trajectories.models.Assignment` of the actor's own
   user, in the actor's organisation, on the trajectory. The organisation's part
   makes the file openable for its volunteers; the assignment picks which of them.

Consent is evaluated at the moment of the read, so a revoked or expired
consent stops showing its classes at once.

The policy also says which field of a file belongs to which data class
(:data:`MARKER_CLASSES`, :data:`EVENT_KIND_CLASSES`, :data:`TEXT_CLASS`), so a
template only asks ``access.sees_<class>`` and never decides on its own. What
is not personal data of a class — the relay itself: who held the baton when,
handover states, purposes and answer dates, the planned next step and runner,
who runs alongside — is shown to everyone who may open the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from estafette.access import messages
from estafette.access.models import EmergencyAccess
from estafette.consent.models import Consent
from estafette.consent.policy import (
    FALLBACK_PURPOSE,
    HANDOVER_PURPOSE_CONSENT,
    consent_check_handover,
    effective_q,
    recipient_q,
)
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.errors import DomainError
from estafette.handovers.exchange import committed_q
from estafette.handovers.models import Handover
from estafette.handovers.workflow import PENDING
from estafette.intake.models import IntakeKind
from estafette.organisations.models import Membership, Organisation, OrganisationKind, Role
from estafette.trajectories.models import (
    Assignment,
    AssignmentKind,
    EventKind,
    Participant,
    Stretch,
    Trajectory,
)
from estafette.visits.models import ContactKind


class Relationship(StrEnum):
    """How the actor's organisation stands to a trajectory, strongest first."""

    HOLDER = "holder"
    PENDING_RECEIVER = "pending_receiver"
    COMMITTED = "committed"
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
    # The consular post runs the stretch abroad when BB does not (DOMAIN.md §2) and issues the
    # emergency travel document: it reads and records the basic conditions, the way home
    # (travel documents, money for the journey) among them; never health or notes
    # (decision 0012). Its consent still bounds what it sees of one person.
    Role.CONSULAR_OFFICER: frozenset({D.IDENTITY, D.DETENTION, D.CONDITIONS, D.OFFENCE, D.NETWORK}),
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

# --- who is who: the role sets every app asks (issue 11: each defined once) ------------

ALL_ROLES: frozenset[str] = frozenset(Role)

VOLUNTEER_ROLES: frozenset[str] = frozenset({Role.VISITING_VOLUNTEER, Role.BUDDY})
"""Volunteers: the visiting volunteer and the buddy. They help, and see what their role's
classes allow, but never carry administration, a duty to report or the load of acting on a
signal or a notification (DOMAIN.md §2, §10)."""

ADMINISTRATOR_ROLES: frozenset[str] = frozenset({Role.ORGANISATION_ADMIN})
"""The organisation's administrator: manages accounts and the organisation's own norms, not
care."""

PROFESSIONAL_ROLES: frozenset[str] = ALL_ROLES - VOLUNTEER_ROLES - ADMINISTRATOR_ROLES
"""Professionals: who works on a person's case as their job. Not a volunteer or a buddy,
not the administrator."""

CASE_ROLES: frozenset[str] = PROFESSIONAL_ROLES | VOLUNTEER_ROLES
"""Everyone who works on a person's case, volunteers included: every role but the
administrator."""

NORM_ADMIN_ROLES: frozenset[str] = ADMINISTRATOR_ROLES
"""The administrator of norms: who sets the organisation's own norm values (norms app)."""

NOTIFIED_ROLES: frozenset[str] = PROFESSIONAL_ROLES
"""Who may be notified of signals and handover steps, and is shown the handovers to act on.
Never a volunteer, a buddy or the administrator, not even when nobody of the organisation
has the addressee role (signals.notifications)."""

CONSENT_RECORDING_ROLES: frozenset[str] = PROFESSIONAL_ROLES | ADMINISTRATOR_ROLES
"""Who records a consent (with a part in one of the person's trajectories) and opens its
evidence: not volunteers or buddies — they bring the paper, but must not be burdened with
administration (DOMAIN.md §2, §10). The administrator may, as before issue 11."""

CONDITION_RECORDING_ROLES: frozenset[str] = PROFESSIONAL_ROLES
"""Who records basic conditions (with the class and a part that runs now, conditions.policy):
volunteers and buddies may see them, to help, but the professional holds the overview."""

SIGN_IN_CODE_ROLES: frozenset[str] = CASE_ROLES - {Role.PARTNER_WORKER}
"""Who hands the person (or their contact person) a sign-in code on paper (portal, issue 13):
the roles that meet the person face to face over time — the volunteer and the buddy who visit,
the coordinators, the case manager, probation, after-care, the landing place. Not a partner
worker (one task alongside, no ongoing contact) and not the administrator (no care)."""

PERSONAL_PLAN_CLASS: str = D.CONDITIONS
"""The class of the person's own plan (personal_plan: own words, steps, answers to proposals).

The plan is the person's own direction for the way back: what they want, what they are good
at, what worries them, and the steps to get there — ID, a place to stay, income, debts, care,
the network. That is what the basic conditions are about (DOMAIN.md §5, §10), and a consent
that shares the basic conditions with an organisation is the one that lets it help with
them. Every role that works on a case has the class; the administrator has not."""

PERSONAL_PLAN_ROLES: frozenset[str] = CASE_ROLES
"""Who reads the person's plan and proposes steps in it (with :data:`PERSONAL_PLAN_CLASS` in
its view of the file): everyone who works on the case, volunteers included — a buddy makes
the plan with the person (DOMAIN.md §10) — never the organisation's administrator."""

K = ContactKind
CONTACT_KINDS_BY_ROLE: dict[str, tuple[str, ...]] = {
    Role.VISITING_VOLUNTEER: (K.VOLUNTEER_VISIT,),
    # The coordinator records a visit reported by phone, and sends the booklet.
    Role.REGIONAL_COORDINATOR: (K.VOLUNTEER_VISIT, K.RETURN_BOOKLET, K.PROFESSIONAL_CONTACT),
    Role.CONSULAR_OFFICER: (K.CONSULAR_VISIT, K.PROFESSIONAL_CONTACT),
    Role.CASE_MANAGER: (
        K.DOMESTIC_SCREENING,
        K.MENTOR_CONVERSATION,
        K.DR_PLAN,
        K.PROFESSIONAL_CONTACT,
    ),
    # The D&R plan is made by municipality and probation with the case manager (DOMAIN.md §10).
    Role.PROBATION_OFFICER: (K.DR_PLAN, K.PROFESSIONAL_CONTACT),
    Role.AFTERCARE_COORDINATOR: (K.DR_PLAN, K.PROFESSIONAL_CONTACT),
    Role.BUDDY: (K.BUDDY_CONTACT,),
    Role.BUDDY_PROFESSIONAL: (K.BUDDY_CONTACT, K.PROFESSIONAL_CONTACT),
    Role.LANDING_PLACE_WORKER: (K.PROFESSIONAL_CONTACT,),
    Role.PARTNER_WORKER: (K.PROFESSIONAL_CONTACT,),
}
"""Which kinds of contact each role may record (the form offers only these); the
administrator records none."""

VOLUNTEER_REQUEST_ROLES: frozenset[str] = frozenset({Role.REGIONAL_COORDINATOR})
"""Who asks for a visiting volunteer and records the answer (BB's or a volunteer
organisation's coordinator; matching itself is roadmap item 1)."""

EMERGENCY_ACCESS_ROLES: frozenset[str] = PROFESSIONAL_ROLES
"""Professionals who may open a file outside the rules in an emergency.

Not volunteers or buddies (they must not carry that responsibility), and not
the organisation's administrator (who manages accounts, not care).
"""

ACCESS_LOG_ROLES: frozenset[str] = frozenset(
    {
        Role.REGIONAL_COORDINATOR,
        Role.AFTERCARE_COORDINATOR,
        Role.CASE_MANAGER,
        Role.PROBATION_OFFICER,
        Role.BUDDY_PROFESSIONAL,
        Role.CONSULAR_OFFICER,
        Role.ORGANISATION_ADMIN,
    }
)
"""Roles that may answer a person's question "who looked at my file?" (and review emergency
access to the files their organisation holds)."""

# --- which field belongs to which class -------------------------------------------------

MARKER_CLASSES: dict[str, str] = {
    # How to write to someone is part of the communication profile (identity) ...
    "cannot_read_write": D.IDENTITY,
    # ... a diagnosis, an addiction or psychiatric problems are health data.
    "intellectual_disability": D.HEALTH,
    "addiction": D.HEALTH,
    "psychiatric_problems": D.HEALTH,
}
"""The class of each vulnerability marker of :class:`people.models.Person`."""

EVENT_KIND_CLASSES: dict[str, str] = {
    EventKind.ROUTE_CHANGED: D.DETENTION,
    EventKind.PHASE_CHANGED: D.DETENTION,
    EventKind.RELEASE_CHANGED: D.DETENTION,
    # The person's details (issue 12): the line names the fields changed, so it is of their
    # class; a change of health markers has its own kind (same label), shown under HEALTH.
    EventKind.PERSON_CHANGED: D.IDENTITY,
    EventKind.PERSON_HEALTH_CHANGED: D.HEALTH,
    EventKind.NETWORK_CHANGED: D.NETWORK,
    # The person's own plan: the line names no words, but that the person is working on a
    # plan is theirs to share (issue 13).
    EventKind.PLAN_WORDS: PERSONAL_PLAN_CLASS,
    EventKind.PLAN_STEP_ADDED: PERSONAL_PLAN_CLASS,
    EventKind.PLAN_STEP_DONE: PERSONAL_PLAN_CLASS,
    EventKind.PLAN_ANSWER: PERSONAL_PLAN_CLASS,
    # The home front writes to the professionals, or registers a child left behind (issue
    # 13, portal.home_front): the line carries the contact person's words or the child.
    EventKind.HOME_FRONT_MESSAGE: D.NETWORK,
    EventKind.HOME_FRONT_CHILD: D.NETWORK,
}
"""Timeline lines whose summary says something of a class; other summaries are the relay."""

TEXT_CLASS: str = D.NOTES
"""Free text people write about a person — the reason of a transition or a timeline line,
and a handover's message and information for whoever is not its sender or receiver — is a
note: only roles with NOTES read it, and a buddy's note never reaches a justice role
(:func:`may_see_notes_of`). A handover's own parties read its message under the consent
that covers the handover instead (:func:`may_read_handover_message`)."""

HANDOVER_MESSAGE_ROLES: frozenset[str] = CASE_ROLES
"""Roles that read a handover's message as its sender or receiver: everyone who works on
the person's case, not the organisation's administrator (who manages accounts, not care)."""


def earlier_holder_days() -> int:
    """How long an organisation that handed the baton on keeps seeing the file."""
    return int(getattr(settings, "ESTAFETTE_EARLIER_HOLDER_DAYS", 90))


def emergency_access_hours() -> int:
    return int(getattr(settings, "ESTAFETTE_EMERGENCY_ACCESS_HOURS", 4))


def role_classes(actor: Actor) -> frozenset[str]:
    return ROLE_DATA_CLASSES.get(actor.role, frozenset())


def has_legal_basis(actor: Actor) -> bool:
    return actor.organisation.kind in LEGAL_BASIS_KINDS


def may_request_emergency_access(actor: Actor) -> bool:
    """Only professionals may open a file outside the rules (never volunteers or buddies)."""
    return actor.role in EMERGENCY_ACCESS_ROLES


def may_see_access_log(actor: Actor) -> bool:
    """Whether the actor's role may read a file's access log (for a file it may open)."""
    return actor.role in ACCESS_LOG_ROLES


def may_review_emergency_access(actor: Actor) -> bool:
    """Whether the actor's role reviews emergency access to the files its organisation holds."""
    return actor.role in ACCESS_LOG_ROLES


def is_professional(actor: Actor) -> bool:
    """A professional role (:data:`PROFESSIONAL_ROLES`): not a volunteer, a buddy or the
    administrator."""
    return actor.role in PROFESSIONAL_ROLES


def may_be_notified(actor: Actor) -> bool:
    """Whether the actor's role hears of signals and handover steps (:data:`NOTIFIED_ROLES`)."""
    return actor.role in NOTIFIED_ROLES


def may_set_norms(actor: Actor) -> bool:
    """Whether the actor is its organisation's administrator of norms."""
    return actor.role in NORM_ADMIN_ROLES


def may_record_consent(actor: Actor) -> bool:
    """Whether the actor's role records consent and opens its evidence (a part is asked
    separately, by the consent services)."""
    return actor.role in CONSENT_RECORDING_ROLES


def may_record_conditions(actor: Actor) -> bool:
    """Whether the actor's role records basic conditions (the class and a part are asked
    separately, by ``conditions.policy``)."""
    return actor.role in CONDITION_RECORDING_ROLES


def may_work_on_personal_plan(actor: Actor, access: Access | None = None) -> bool:
    """Whether the actor's role reads the person's own plan and proposes steps in it; with
    ``access`` (:func:`access_for` on one of the person's trajectories) also whether that
    file shows it :data:`PERSONAL_PLAN_CLASS`."""
    if actor.role not in PERSONAL_PLAN_ROLES:
        return False
    return access is None or access.sees(PERSONAL_PLAN_CLASS)


def may_hand_sign_in_code(actor: Actor) -> bool:
    """Whether the actor's role may hand a paper sign-in code for the person's own pages (a
    part in the trajectory and the class of whom it is for are asked by ``portal.codes``)."""
    return actor.role in SIGN_IN_CODE_ROLES


def contact_kinds_for(actor: Actor) -> tuple[str, ...]:
    """The kinds of contact the actor's role may record, in the form's order."""
    return CONTACT_KINDS_BY_ROLE.get(actor.role, ())


def may_record_contact(actor: Actor, kind: str) -> bool:
    """Whether the actor's role may record a contact of ``kind``."""
    return kind in contact_kinds_for(actor)


def may_ask_for_volunteer(actor: Actor) -> bool:
    """Whether the actor's role asks for a visiting volunteer and records the answer."""
    return actor.role in VOLUNTEER_REQUEST_ROLES


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
    """A part in the trajectory, as correlated ``EXISTS`` terms (one index probe each).

    Kept correlated on purpose: a list page drives the query from its own id set
    (the caseload's membership), and PostgreSQL then checks these per row through
    the (organisation, trajectory) indexes; as ``IN`` sets they would be hashed
    from every row of the organisation's ten-year history first (decision 0009).
    """
    org_id = actor.organisation_id
    since = clock.now() - dt.timedelta(days=earlier_holder_days())
    held = Stretch.objects.filter(trajectory=OuterRef("pk"), organisation_id=org_id).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=since)
    )
    receiving = Handover.objects.filter(
        Q(state__in=list(PENDING)) | committed_q(), trajectory=OuterRef("pk"), receiver_id=org_id
    )
    alongside = Participant.objects.filter(
        Q(until__isnull=True) | Q(until__gte=clock.today()),
        trajectory=OuterRef("pk"),
        organisation_id=org_id,
    )
    return Q(Exists(held)) | Q(Exists(receiving)) | Q(Exists(alongside))


def needs_assignment(actor: Actor) -> bool:
    """Whether the actor sees a trajectory only while assigned to it (:data:`VOLUNTEER_ROLES`)."""
    return actor.role in VOLUNTEER_ROLES


def assigned_q(actor: Actor) -> Q:
    """An active assignment of the actor's user, in the actor's organisation, on the row.

    A correlated ``EXISTS`` through the partial index ``assignment_active_by_user`` (one
    probe per row, like :func:`_part_q`; decision 0009), so a list page's query count and
    plan stay those of the other roles.
    """
    mine = Assignment.objects.filter(
        trajectory=OuterRef("pk"),
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        until__isnull=True,
    )
    return Q(Exists(mine))


def _need_to_know(actor: Actor, q: Q) -> Q:
    """``q``, and for a volunteer also an active assignment of its own (rule 5)."""
    return q & assigned_q(actor) if needs_assignment(actor) else q


def assigned_to_person_q(actor: Actor, person_ref: str = "person_id") -> Q:
    """An active assignment of the actor on one of the person's trajectories (the person is
    ``OuterRef(person_ref)``): for lists about a person rather than a file (rule 5)."""
    mine = Assignment.objects.filter(
        trajectory__person_id=OuterRef(person_ref),
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        until__isnull=True,
    )
    return Q(Exists(mine))


def is_assigned(actor: Actor, trajectory: Trajectory) -> bool:
    """Whether the actor's user has an active assignment on ``trajectory`` in its organisation."""
    return Assignment.objects.filter(
        trajectory=trajectory,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        until__isnull=True,
    ).exists()


def _emergency_q(actor: Actor) -> Q:
    if not may_request_emergency_access(actor):
        return Q(pk__in=[])  # a grant left from an earlier role opens nothing
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
    """Every trajectory the actor may open: holder, or a part plus a ground, or emergency access.

    A volunteer only those of them it is assigned to (rule 5).
    """
    holder = Q(baton_holder_id=actor.organisation_id)
    if has_legal_basis(actor):
        grounded = _part_q(actor)
    else:
        consented = consents_for_recipient(actor).filter(person_id=OuterRef("person_id"))
        grounded = _part_q(actor) & Q(Exists(consented))
    return Trajectory.objects.filter(_need_to_know(actor, holder | grounded | _emergency_q(actor)))


def class_granted_q(actor: Actor, data_class: str) -> Q:
    """Trajectories of which the actor sees ``data_class``, as a filter (for list filters/sorts).

    The same rule as :func:`visible_classes`, in SQL: within the role's classes,
    the holder always sees identity, a part with a legal basis sees every class,
    a part with a consent in force sees the classes that consent names, and an
    emergency grant sees every class; a volunteer only where it is assigned.
    """
    if data_class not in role_classes(actor):
        return Q(pk__in=[])
    if has_legal_basis(actor):
        granted = _part_q(actor)
    else:
        # The classes are stored as a JSON list of codes; '"code"' matches one whole code.
        covering = consents_for_recipient(actor).filter(
            person_id=OuterRef("person_id"), data_classes__icontains=f'"{data_class}"'
        )
        granted = _part_q(actor) & Q(Exists(covering))
    if data_class == DataClass.IDENTITY:
        granted |= Q(baton_holder_id=actor.organisation_id)
    return _need_to_know(actor, granted | _emergency_q(actor))


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
    """The strongest relationship of the actor's organisation to ``trajectory``.

    For a volunteer not assigned to the trajectory: :attr:`Relationship.NONE` — its
    organisation's part is not its own (rule 5).
    """
    org_id = actor.organisation_id
    if needs_assignment(actor) and not is_assigned(actor, trajectory):
        return Relationship.NONE
    if trajectory.baton_holder_id == org_id:
        return Relationship.HOLDER
    # One query for both: a pending handover to the actor, or one it is committed to.
    receiving = set(
        Handover.objects.filter(
            Q(state__in=list(PENDING)) | committed_q(), trajectory=trajectory, receiver_id=org_id
        ).values_list("state", flat=True)
    )
    if receiving & set(PENDING):
        return Relationship.PENDING_RECEIVER
    if receiving:
        return Relationship.COMMITTED
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
    """The actor's grant in force on ``trajectory`` (only honoured for professional roles)."""
    if not may_request_emergency_access(actor):
        return None
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


def visible_classes(
    role: frozenset[str],
    *,
    holder: bool,
    part: bool,
    legal_basis: bool,
    consented: Iterable[str],
    emergency: bool,
) -> frozenset[str]:
    """The rule itself, without the database: what one actor sees of one trajectory.

    ``part`` is any part (holder included); ``consented`` the classes of the
    person's consents in force that cover the actor's organisation.
    """
    grounds: set[str] = set()
    if part or holder:
        grounds |= ALL_CLASSES if legal_basis else set(consented)
    if holder:
        grounds.add(DataClass.IDENTITY)  # the holder may always ask for and record consent
    if emergency:
        grounds |= ALL_CLASSES
    return frozenset(role & grounds)


def access_for(actor: Actor, trajectory: Trajectory) -> Access:
    """What the actor may see of this trajectory's person, right now.

    Contract: the returned classes are always a subset of the role's classes.
    An actor outside :func:`trajectory_scope` gets none. An actor inside it may
    still get none (its ground covers none of its role's classes): it then
    sees the relay only, every class as "not shared".
    """
    relationship = relationship_of(actor, trajectory)
    emergency = active_emergency_access(actor, trajectory)
    legal = has_legal_basis(actor)
    part = relationship != Relationship.NONE
    classes = visible_classes(
        role_classes(actor),
        holder=relationship == Relationship.HOLDER,
        part=part,
        legal_basis=legal,
        consented=() if legal or not part else covered_classes(actor, trajectory.person_id),
        emergency=emergency is not None,
    )
    if emergency is not None and relationship == Relationship.NONE:
        relationship = Relationship.EMERGENCY
    return Access(relationship, classes, emergency)


def classes_for_page(actor: Actor, trajectories: Iterable[Trajectory]) -> dict[int, frozenset[str]]:
    """:func:`access_for`'s classes for many trajectories at once (a list page's rows).

    At most two queries, whatever the number of rows: one for the parts, emergency
    grants and (for a volunteer) its assignments, one for the consents in force (none
    with a legal basis).
    """
    rows = list(trajectories)
    if not rows:
        return {}
    ids = [t.pk for t in rows]
    assigned: Q = assigned_q(actor) if needs_assignment(actor) else Q(pk__in=ids)
    flags = {
        pk: (bool(part), bool(emergency), bool(mine))
        for pk, part, emergency, mine in Trajectory.objects.filter(pk__in=ids)
        .annotate(
            part=Case(When(_part_q(actor), then=Value(True)), default=Value(False)),
            emergency=Case(
                When(_emergency_q(actor), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            mine=Case(When(assigned, then=Value(True)), default=Value(False)),
        )
        .values_list("pk", "part", "emergency", "mine")
    }
    legal = has_legal_basis(actor)
    consented: dict[int, set[str]] = {}
    if not legal:
        person_ids = {t.person_id for t in rows}
        for person_id, data_classes in (
            consents_for_recipient(actor)
            .filter(person_id__in=person_ids)
            .values_list("person_id", "data_classes")
        ):
            consented.setdefault(person_id, set()).update(data_classes or [])
    role = role_classes(actor)
    result: dict[int, frozenset[str]] = {}
    for trajectory in rows:
        part, emergency, mine = flags.get(trajectory.pk, (False, False, False))
        if not mine:  # a volunteer not assigned to this person sees nothing of it (rule 5)
            result[trajectory.pk] = frozenset()
            continue
        result[trajectory.pk] = visible_classes(
            role,
            holder=trajectory.baton_holder_id == actor.organisation_id,
            part=part,
            legal_basis=legal,
            consented=consented.get(trajectory.person_id, ()),
            emergency=emergency,
        )
    return result


def may_see_purpose(actor: Actor, purpose_code: str) -> bool:
    """A mayor notification (BIJ) is confidential: only its handlers see it exists."""
    if purpose_code != BIJ_PURPOSE:
        return True
    return (actor.organisation.kind, actor.role) in BIJ_HANDLERS


def may_see_notes_of(actor: Actor, author_kind: str) -> bool:
    """A buddy's notes never reach justice roles: buddies must not carry a duty to report."""
    return not (author_kind == OrganisationKind.BUDDY_PROGRAMME and actor.role in JUSTICE_ROLES)


def may_read_handover_message(
    actor: Actor,
    handover: Handover,
    access: Access,
    *,
    in_force: Callable[[], Iterable[Consent]] | None = None,
) -> bool:
    """May the actor read this handover's message and the information that goes with it?

    A handover's message is written *for* its receiver and travels with the handover
    (issue 10); it is not an ordinary note. ``access`` is :func:`access_for` of the actor
    on the handover's trajectory (the caller has already decided the actor may open it).

    1. **Sender and receiver** read it, in every role that works on the person
       (:data:`HANDOVER_MESSAGE_ROLES`), while the ground it travelled on holds *today*:
       a consent in force that covers the handover — its receiver, its purpose and its
       data classes, the very check of sending and acceptance
       (:func:`consent.policy.consent_check_handover`) — or no consent needed (a
       sentence transfer rests on law). Consent is evaluated at the read: once the
       person withdraws it or it ends, neither party reads the message through this
       rule; a new consent for the purpose brings it back. The buddy-notes rule does not
       apply here: a buddy programme that hands over to probation writes *to* probation.
    2. **Everyone else** who may open the file (a later holder, a participant, an
       emergency access) — and a party whose ground has gone — reads it as a note: with
       :data:`TEXT_CLASS` in ``access``, and never a buddy programme's text in a justice
       role (:func:`may_see_notes_of`).

    Costs no query unless rule 1 must look at the consent ledger: one query, or none
    when ``in_force`` is given — a function returning the person's consents in force
    today (purpose loaded), which a page with many handovers calls once for all of
    them. The handover's ``sender``, ``receiver`` and ``trajectory`` should be loaded.
    """
    if access.sees(TEXT_CLASS) and may_see_notes_of(actor, handover.sender.kind):
        return True
    party = actor.organisation_id in (handover.sender_id, handover.receiver_id)
    if not party or actor.role not in HANDOVER_MESSAGE_ROLES:
        return False
    if in_force is not None:
        return _travels_under(handover, in_force)
    try:
        consent_check_handover(
            person=handover.trajectory.person_id,
            handover_purpose=handover.purpose,
            recipient=handover.receiver,
            data_classes=handover.data_classes,
        )
    except DomainError:
        return False  # withdrawn, ended, or never there: the message no longer travels
    return True


def _travels_under(handover: Handover, in_force: Callable[[], Iterable[Consent]]) -> bool:
    """:func:`consent.policy.consent_check_handover`'s answer, over consents already read:
    no consent needed, or one in force for the purpose naming the receiver (or its kind)
    that covers every class of the handover."""
    code = HANDOVER_PURPOSE_CONSENT.get(handover.purpose, FALLBACK_PURPOSE)
    if code is None:
        return True
    wanted = set(handover.data_classes)
    return any(
        consent.purpose.code == code
        and consent.covers_recipient(handover.receiver)
        and wanted <= set(consent.data_classes)
        for consent in in_force()
    )


def shareable_classes(actor: Actor, trajectory: Trajectory) -> frozenset[str]:
    """What the actor could pass on at all: never more than it may see itself."""
    return access_for(actor, trajectory).classes


# --- signals: what a reader sees of a signal ------------------------------------------


class SignalDisclosure(StrEnum):
    """How much of one signal a reader sees (issue 11), from most to least."""

    FULL = "full"
    """The title, the suggested action, the norm and the reason with its facts."""
    TITLE = "title"
    """The title, the suggested action and the norm; the reason's facts are not shared."""
    NEUTRAL = "neutral"
    """One neutral line (:data:`messages.SIGNAL_NEUTRAL_LINE`) with the due date: the title
    itself would say something of the file the reader may not see."""


def signal_disclosure(
    *, title_classes: Iterable[str], reason_classes: Iterable[str], classes: Iterable[str]
) -> SignalDisclosure:
    """What a reader who sees ``classes`` of the person's file sees of a signal.

    Every rule declares the data classes its title (and suggested action) and its reason
    reveal (``signals.rules.base.Rule``); this is the one place that weighs them against
    the reader's classes — the inbox, the signal page, the trajectory page's panel and the
    notifications all ask here. A reason is never shown without its title.
    """
    seen = frozenset(classes)
    if not frozenset(title_classes) <= seen:
        return SignalDisclosure.NEUTRAL
    if not frozenset(reason_classes) <= seen:
        return SignalDisclosure.TITLE
    return SignalDisclosure.FULL


def signal_neutral_line(*, holder: bool) -> str:
    """The line a reader sees instead of a signal's title it may not read.

    The holder is told how to see more (the person's consent); anyone else, whom to ask.
    """
    return str(messages.SIGNAL_NEUTRAL_HOLDER if holder else messages.SIGNAL_NEUTRAL_LINE)


# --- consents: which field belongs to which class, who may withdraw -------------------
#
# The consent overview and the printed receipt (issue 11, point 2) show a consent's
# fields only under the class each belongs to; who may record a withdrawal (point 3) and
# who reviews a consent an organisation recorded for itself (point 4) are decided here,
# not in the consent views or templates.

CONSENT_FIELD_CLASSES: dict[str, str | None] = {
    # That a consent exists, for which purpose, and whether it is in force: every reader
    # of the person's consents sees this (``None``), also with identity only. It is what
    # the holder needs to know in order to ask for a consent, and says nothing of the
    # person beyond what having the file already says.
    "purpose": None,
    "state": None,
    # The terms: the recipient (a consular post of the country of detention, the
    # after-care desk of the municipality of return, the prison), the classes covered,
    # the dates (given, until, withdrawn on — in practice the days of visits in
    # detention), who recorded it and with whom what was shared. Recipients name the
    # route's organisations, country and municipality, which are detention data.
    "recipient": D.DETENTION,
    "data_classes": D.DETENTION,
    "dates": D.DETENTION,
    "recorded_by": D.DETENTION,
    "disclosures": D.DETENTION,
    # The evidence: a signed form, or who heard it, when and where — "where" is usually
    # the prison, "who" the volunteer who visits there, "when" the day of that visit.
    "evidence_kind": D.DETENTION,
    "verbal_by": D.DETENTION,
    "verbal_on": D.DETENTION,
    "verbal_place": D.DETENTION,
    # The withdrawal's evidence, for the same reason.
    "revocation_evidence": D.DETENTION,
    # Free text people write about the person: notes ("goes to live with his brother …").
    "revoke_reason": D.NOTES,
    "classes_reason": D.NOTES,
    "review": D.NOTES,
}
"""The data class of each field of a consent on the overview and the receipt (``None``: the
consent's existence, shown to every reader of the person's consents)."""

OWN_CONSENT_FIELDS: frozenset[str] = frozenset({"recipient", "data_classes", "dates"})
"""The fields of a consent that covers the reader's own organisation it always sees."""

CONSENT_FIELD_AUTHOR: dict[str, str] = {
    "revoke_reason": "revoked_by_organisation",
    "classes_reason": "recorded_by_organisation",
}
"""Who wrote each free-text field: a buddy programme's note never reaches a justice role."""

CONSENT_WITHDRAW_ROLES: frozenset[str] = PROFESSIONAL_ROLES
"""Roles that may record a withdrawal: professionals who work on the person's case, not
volunteers or buddies (no administration for them), not the administrator (accounts, not
care)."""


def person_classes(actor: Actor, person_id: int) -> frozenset[str]:
    """What the actor sees of a person on a page about the person (not one trajectory).

    The union of :func:`access_for` over the person's trajectories the actor may open:
    the consent pages are the person's, and the actor's ground is per trajectory.
    """
    trajectories = list(trajectory_scope(actor).filter(person_id=person_id))
    classes: set[str] = set()
    # Three queries whatever the number of trajectories (the same rule as access_for).
    for visible in classes_for_page(actor, trajectories).values():
        classes |= visible
    return frozenset(classes)


def consent_fields_visible(
    actor: Actor, consent: Consent, classes: Iterable[str]
) -> frozenset[str]:
    """The fields of ``consent`` (keys of :data:`CONSENT_FIELD_CLASSES`) a reader sees.

    ``classes``: what the reader sees of the person (:func:`person_classes`). A field is
    shown only under its class; free text a buddy programme wrote is never shown to a
    justice role (:func:`may_see_notes_of`). The author organisations should be loaded.
    """
    seen = frozenset(classes)
    fields: set[str] = set()
    if consent.covers_recipient(actor.organisation):
        # The terms of the reader's own ground — that it names this organisation, which
        # classes it covers, from when until when — are what the reader must know to keep
        # within it; they tell nothing of the person beyond that.
        fields |= OWN_CONSENT_FIELDS
    for name, data_class in CONSENT_FIELD_CLASSES.items():
        if data_class is not None and data_class not in seen:
            continue
        author_field = CONSENT_FIELD_AUTHOR.get(name)
        author = getattr(consent, author_field) if author_field else None
        if author is not None and not may_see_notes_of(actor, author.kind):
            continue
        fields.add(name)
    return frozenset(fields)


def holds_a_trajectory_of(actor: Actor, person_id: int) -> bool:
    """True while the actor's organisation holds the baton of one of the person's trajectories."""
    return Trajectory.objects.filter(
        person_id=person_id, baton_holder_id=actor.organisation_id
    ).exists()


def may_withdraw_consent(actor: Actor, consent: Consent, *, holder: bool | None = None) -> bool:
    """May the actor record that the person withdrew ``consent``?

    A professional (:data:`CONSENT_WITHDRAW_ROLES`) of the organisation that holds the
    baton of one of the person's trajectories, or of an organisation the consent covers
    (by name or by kind): not any organisation with a part — a municipal desk must not
    withdraw a consular consent and cut the embassy off. The person's own route comes
    with the person's pages. ``holder``: :func:`holds_a_trajectory_of`, when the caller
    has it already (a page with many consents asks once).
    """
    if actor.role not in CONSENT_WITHDRAW_ROLES:
        return False
    if consent.covers_recipient(actor.organisation):
        return True
    if holder is None:
        holder = holds_a_trajectory_of(actor, consent.person_id)
    return holder


def records_own_access(actor: Actor, organisation: object, kind: str) -> bool:
    """Does a consent to ``organisation`` (or to organisations of ``kind``) cover the actor's own?

    Such a consent gives the recording organisation access on its own word: it is marked
    self-recorded and reviewed by a second person of the organisation.
    """
    own = actor.organisation
    if organisation is not None:
        return bool(getattr(organisation, "pk", None) == own.pk)
    return bool(kind) and kind == own.kind


def may_review_self_recorded_consent(actor: Actor, consent: Consent) -> bool:
    """A second person of the recording organisation reviews a self-recorded consent.

    A reviewing role (:func:`may_review_emergency_access`, the same people who review
    emergency access) of the organisation that recorded it — never the recorder.
    """
    return (
        may_review_emergency_access(actor)
        and consent.self_recorded
        and consent.recorded_by_organisation_id == actor.organisation_id
        and consent.recorded_by_id != actor.user_id
    )


# --- the people register: who may search it (issue 12) ------------------------------------

PEOPLE_SEARCH_ROLES: frozenset[str] = CASE_ROLES
"""Who may search the people register: everyone who works on a person's case, volunteers
included (a visiting volunteer looks up the person it visits). Never the organisation's
administrator, who manages accounts, not care. What a search finds is bounded by the rule
itself (``people.selectors.person_search``): files the actor may open, matched only where
it sees their identity."""


def may_search_people(actor: Actor) -> bool:
    """Whether the actor's role searches the people register (:data:`PEOPLE_SEARCH_ROLES`)."""
    return actor.role in PEOPLE_SEARCH_ROLES


# --- the people register: a person's details, and who may change them (issue 12) ------------

PERSON_FIELD_CLASSES: dict[str, str] = {
    # Contact details: how to reach the person is identity ("identity and contact").
    "address": D.IDENTITY,
    "postcode": D.IDENTITY,
    "place": D.IDENTITY,
    "phone": D.IDENTITY,
    "email": D.IDENTITY,
    # The numbers the person is known by (people.identifiers): identity.
    "identifiers": D.IDENTITY,
    # The communication profile says how to write to the person, not why: identity, like
    # the marker "cannot read or write" (MARKER_CLASSES), shown wherever the name is.
    "language": D.IDENTITY,
    "literacy": D.IDENTITY,
    "preferred_channel": D.IDENTITY,
    # The vulnerability markers, each under its class.
    **MARKER_CLASSES,
    # The home front: family, partner, children, the contact person — and their own
    # phone numbers and addresses, which are theirs, not the person's identity.
    "network": D.NETWORK,
}
"""The data class of each detail of a person that can be shown and changed (the person
details page, :mod:`people.services`): a field is shown under its class and changed only by
whom its class is visible to."""

PERSON_CHANGE_ROLES: frozenset[str] = CASE_ROLES
"""Who corrects and completes a person's details: whoever works on the person's case and
sees the field's class (volunteers included: a visiting volunteer hears the new phone
number first). Not the organisation's administrator, who manages accounts, not care."""


def person_fields_changeable(actor: Actor, classes: Iterable[str]) -> frozenset[str]:
    """The keys of :data:`PERSON_FIELD_CLASSES` the actor may change, seeing ``classes``.

    ``classes``: what the actor sees of the person — :func:`person_classes` (the union over
    the person's trajectories it may open) for a change, :func:`access_for`'s classes for
    one trajectory's page.
    """
    if actor.role not in PERSON_CHANGE_ROLES:
        return frozenset()
    seen = frozenset(classes)
    return frozenset(
        name for name, data_class in PERSON_FIELD_CLASSES.items() if data_class in seen
    )


# --- intake and "ask for a part" (issue 12) ----------------------------------------------
# The four first runners' intakes (DOMAIN.md §2–§3, guide 001 §3.1): ``intake.models.IntakeKind``.


INTAKE_KINDS_BY_ORG_KIND: dict[str, tuple[str, ...]] = {
    OrganisationKind.CONSULAR_POST: (IntakeKind.CONSULAR,),
    OrganisationKind.BUREAU_BUITENLAND: (IntakeKind.GUIDANCE,),
    OrganisationKind.BB_REGIONAL_DESK: (IntakeKind.GUIDANCE,),
    OrganisationKind.PRISON: (IntakeKind.PRISON,),
    OrganisationKind.MUNICIPAL_AFTERCARE: (IntakeKind.AFTERCARE,),
}
"""Which intake each kind of organisation does: the first runner of each route."""

INTAKE_ROLES: frozenset[str] = frozenset(
    {
        Role.CONSULAR_OFFICER,
        Role.REGIONAL_COORDINATOR,
        Role.CASE_MANAGER,
        Role.AFTERCARE_COORDINATOR,
    }
)
"""Who registers a person at intake: the professional of the first runner, never a volunteer,
a buddy or the administrator."""

PART_REQUEST_ROLES: frozenset[str] = PROFESSIONAL_ROLES
"""Who asks "give us a part in this file", and who answers such a request as the holder."""


def intake_kinds_for(actor: Actor) -> tuple[str, ...]:
    """The intakes the actor may do: its organisation's kind's, if its role registers."""
    if actor.role not in INTAKE_ROLES:
        return ()
    return INTAKE_KINDS_BY_ORG_KIND.get(actor.organisation.kind, ())


def may_do_intake(actor: Actor, kind: str | None = None) -> bool:
    """Whether the actor does an intake (of ``kind``, or of any kind)."""
    kinds = intake_kinds_for(actor)
    return bool(kinds) if kind is None else kind in kinds


def may_ask_for_part(actor: Actor) -> bool:
    """Whether the actor may ask the organisations involved to give it a part in a file."""
    return actor.role in PART_REQUEST_ROLES


def may_answer_part_request(actor: Actor) -> bool:
    """Whether the actor's role answers part requests to the files its organisation holds."""
    return actor.role in PART_REQUEST_ROLES


# --- a caseload of my own: who assigns whom, who sees which caseload (issue 12) -----------

A = AssignmentKind
ASSIGNING_ROLES: dict[str, frozenset[str]] = {
    # Bureau Buitenland's regional coordinator is responsible for a person abroad and
    # assigns the visiting volunteer (of its volunteer organisation, DOMAIN.md §2).
    Role.REGIONAL_COORDINATOR: frozenset({A.RESPONSIBLE_COORDINATOR, A.VISITING_VOLUNTEER}),
    Role.AFTERCARE_COORDINATOR: frozenset({A.RESPONSIBLE_COORDINATOR}),
    # The prison's case manager: who manages the case, and the mentor.
    Role.CASE_MANAGER: frozenset({A.CASE_MANAGER, A.MENTOR}),
    Role.PROBATION_OFFICER: frozenset({A.RESPONSIBLE_COORDINATOR}),
    Role.CONSULAR_OFFICER: frozenset({A.RESPONSIBLE_COORDINATOR}),
    # The buddy programme's professional matches a buddy.
    Role.BUDDY_PROFESSIONAL: frozenset({A.RESPONSIBLE_COORDINATOR, A.BUDDY}),
}
"""Which kinds of assignment each role may make (the form offers only these). Volunteers,
the administrator, landing places and partners assign nobody."""

ASSIGNEE_ROLES: dict[str, frozenset[str]] = {
    A.RESPONSIBLE_COORDINATOR: frozenset(
        {
            Role.REGIONAL_COORDINATOR,
            Role.AFTERCARE_COORDINATOR,
            Role.CASE_MANAGER,
            Role.PROBATION_OFFICER,
            Role.CONSULAR_OFFICER,
            Role.BUDDY_PROFESSIONAL,
        }
    ),
    A.CASE_MANAGER: frozenset({Role.CASE_MANAGER}),
    A.MENTOR: frozenset({Role.CASE_MANAGER}),
    A.VISITING_VOLUNTEER: frozenset({Role.VISITING_VOLUNTEER}),
    A.BUDDY: frozenset({Role.BUDDY}),
}
"""Which role a worker must have (an active membership) to be assigned in each kind."""

FAMILY_ASSIGNMENT_KINDS: frozenset[str] = frozenset({A.VISITING_VOLUNTEER, A.BUDDY})
"""Kinds whose worker may work for another organisation of the actor's family (the same
root through ``parent``: ``bb-vrijwilligers`` belongs to ``bureau-buitenland``, like its
regional desks). Every other kind assigns a worker of the actor's own organisation."""

VOLUNTEER_PARTICIPANT_ROLE: dict[str, str] = {
    A.VISITING_VOLUNTEER: "visiting_volunteer",
    A.BUDDY: "buddy",
}
"""The part (``ParticipantRole``) an assigned volunteer's organisation runs alongside in."""

ORGANISATION_CASELOAD_ROLES: frozenset[str] = PROFESSIONAL_ROLES | ADMINISTRATOR_ROLES
"""Who also sees the whole organisation's caseload, one click from "mine": professionals
(a coordinator or case manager covers colleagues, takes over) and the administrator (who is
assigned nobody). Volunteers only ever have "mine" (rule 5)."""

MINE_CASELOAD_ROLES: frozenset[str] = CASE_ROLES
"""Who has a caseload of their own ("mine"): everyone who can be assigned to a person."""

STALE_CLOSING_ROLES: frozenset[str] = PROFESSIONAL_ROLES
"""Who is offered the holder's stale files for closing (closing itself is the holder's,
``trajectories.services.trajectory_set_phase``)."""


def assignable_kinds(actor: Actor) -> tuple[str, ...]:
    """The kinds of assignment the actor's role may make, in the choices' order."""
    kinds = ASSIGNING_ROLES.get(actor.role, frozenset())
    return tuple(k for k in AssignmentKind.values if k in kinds)


def may_assign(actor: Actor, kind: str | None = None) -> bool:
    """Whether the actor's role assigns workers at all, or (``kind``) in that kind."""
    kinds = ASSIGNING_ROLES.get(actor.role, frozenset())
    return bool(kinds) if kind is None else kind in kinds


def sees_unassigned(actor: Actor) -> bool:
    """Whether the caseload shows the actor the organisation's people nobody is assigned to
    (as something to act on): those who assign."""
    return may_assign(actor)


def may_see_organisation_caseload(actor: Actor) -> bool:
    """Whether the actor's caseload offers "my organisation" beside "mine"."""
    return actor.role in ORGANISATION_CASELOAD_ROLES


def has_own_caseload(actor: Actor) -> bool:
    """Whether the actor's caseload offers "mine" (and opens on it)."""
    return actor.role in MINE_CASELOAD_ROLES


def may_close_stale(actor: Actor) -> bool:
    """Whether the caseload offers the actor files long past their last step for closing."""
    return actor.role in STALE_CLOSING_ROLES


def organisation_family(organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations with the same root as ``organisation`` through ``parent``.

    Two levels below the root are enough for the chain (Bureau Buitenland → its regional
    desks and its volunteer organisation). A lazy queryset (use it as a sub-select); finding
    the root costs no query for a root and one for a desk.
    """
    root_id = organisation.pk
    if organisation.parent_id is not None:
        grandparent = (
            Organisation.objects.filter(pk=organisation.parent_id)
            .values_list("parent_id", flat=True)
            .first()
        )
        root_id = grandparent or organisation.parent_id
    return Organisation.objects.filter(
        Q(pk=root_id) | Q(parent_id=root_id) | Q(parent__parent_id=root_id)
    )


def eligible_memberships(actor: Actor, kind: str | None = None) -> QuerySet[Membership]:
    """Active memberships of workers the actor may assign in ``kind`` (``None``: in any kind
    its role assigns), in one query: the fitting role (:data:`ASSIGNEE_ROLES`), in the
    actor's own organisation or — for a volunteer kind (:data:`FAMILY_ASSIGNMENT_KINDS`) —
    in its family. Empty when the role may not assign in ``kind``."""
    kinds = assignable_kinds(actor) if kind is None else (kind,) if may_assign(actor, kind) else ()
    own_roles = {r for k in kinds if k not in FAMILY_ASSIGNMENT_KINDS for r in ASSIGNEE_ROLES[k]}
    family_roles = {r for k in kinds if k in FAMILY_ASSIGNMENT_KINDS for r in ASSIGNEE_ROLES[k]}
    if not (own_roles or family_roles):
        return Membership.objects.none()
    where = Q(pk__in=[])
    if own_roles:
        where |= Q(organisation_id=actor.organisation_id, role__in=sorted(own_roles))
    if family_roles:
        where |= Q(
            organisation__in=organisation_family(actor.organisation), role__in=sorted(family_roles)
        )
    return Membership.objects.filter(
        where, is_active=True, user__is_active=True, organisation__is_active=True
    ).select_related("user", "organisation")


# --- running an organisation: its administrator (issue 12) --------------------------------

ORGANISATION_MANAGER_ROLES: frozenset[str] = ADMINISTRATOR_ROLES
"""Who runs an organisation in the product: invites, deactivates, resets a lost second
factor, keeps the organisation's own details. Only the administrator; nobody else even sees
who works there (decision 0018). The pages show accounts and roles, never a person's file."""

ROLES_BY_ORGANISATION_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.CONSULAR_POST: frozenset({Role.CONSULAR_OFFICER}),
    OrganisationKind.BUREAU_BUITENLAND: frozenset({Role.REGIONAL_COORDINATOR}),
    OrganisationKind.BB_REGIONAL_DESK: frozenset({Role.REGIONAL_COORDINATOR}),
    # A volunteer organisation has its volunteers and the coordinator who matches them.
    OrganisationKind.VOLUNTEER_ORGANISATION: frozenset(
        {Role.VISITING_VOLUNTEER, Role.REGIONAL_COORDINATOR}
    ),
    OrganisationKind.MUNICIPAL_AFTERCARE: frozenset({Role.AFTERCARE_COORDINATOR}),
    OrganisationKind.PRISON: frozenset({Role.CASE_MANAGER}),
    OrganisationKind.PROBATION: frozenset({Role.PROBATION_OFFICER}),
    OrganisationKind.LANDING_PLACE: frozenset({Role.LANDING_PLACE_WORKER}),
    # The buddy and the professional who coaches the buddy (DOMAIN.md §10).
    OrganisationKind.BUDDY_PROGRAMME: frozenset({Role.BUDDY_PROFESSIONAL, Role.BUDDY}),
    OrganisationKind.PARTNER: frozenset({Role.PARTNER_WORKER}),
}
"""The care roles that fit an organisation of each kind: an administrator grants only these
(and the administrator role itself, :func:`roles_for_organisation`). A consular officer at a
prison or a case manager at a municipal desk would see the wrong classes of every file."""


def may_manage_organisations(actor: Actor) -> bool:
    """Whether the actor's role runs an organisation at all (:data:`ORGANISATION_MANAGER_ROLES`)."""
    return actor.role in ORGANISATION_MANAGER_ROLES


def managed_organisations_q(actor: Actor) -> Q:
    """The organisations the actor runs, as a filter on ``Organisation``: its own and its
    desks (``Organisation.parent``, one level), never its parent or a sibling desk."""
    if not may_manage_organisations(actor):
        return Q(pk__in=[])
    return Q(pk=actor.organisation_id) | Q(parent_id=actor.organisation_id)


def may_manage_organisation(actor: Actor, organisation: object) -> bool:
    """Whether the actor runs ``organisation``: its administrator, or its parent's."""
    if not may_manage_organisations(actor):
        return False
    pk = getattr(organisation, "pk", None)
    parent_id = getattr(organisation, "parent_id", None)
    return actor.organisation_id in (pk, parent_id)


def roles_for_organisation(organisation: object) -> tuple[str, ...]:
    """The roles that may be granted at ``organisation``, in the order of :class:`Role`: the
    care roles of its kind (:data:`ROLES_BY_ORGANISATION_KIND`) and the administrator."""
    fitting = ROLES_BY_ORGANISATION_KIND.get(str(getattr(organisation, "kind", "")), frozenset())
    return tuple(role for role in Role if role in fitting or role in ADMINISTRATOR_ROLES)


def may_grant_role(actor: Actor, organisation: object, role: str) -> bool:
    """Whether the actor may give someone ``role`` at ``organisation``.

    The organisation is one the actor runs and the role fits its kind. The administrator
    role is among them: an organisation must be able to appoint a second administrator or a
    successor without the Django admin, and a parent appoints its desks' administrators.
    """
    return may_manage_organisation(actor, organisation) and role in roles_for_organisation(
        organisation
    )


def may_give_role_to(actor: Actor, user_id: int) -> bool:
    """An administrator never gives a role to its own account: it would grant itself a care
    role that reads files (or a second organisation), on its own word. Another administrator
    does that."""
    return user_id != actor.user_id


def may_change_membership(actor: Actor, membership: Membership) -> bool:
    """Whether the actor may deactivate or reactivate ``membership``: one of an organisation
    it runs, and never one of its own user (an administrator cannot lock itself out)."""
    return (
        may_manage_organisation(actor, membership.organisation)
        and membership.user_id != actor.user_id
    )


def may_reset_second_factor(actor: Actor, user_memberships: Iterable[Membership]) -> bool:
    """Whether the actor may remove a user's second factor, given all the user's memberships.

    A second factor belongs to the user, not to one membership: an administrator resets it
    only when every active membership of the user is in an organisation it runs, so it can
    never weaken an account another organisation relies on. Never its own (the way back for
    a lost phone of an administrator is a second administrator).
    """
    memberships = list(user_memberships)
    if not memberships or not may_manage_organisations(actor):
        return False
    if any(m.user_id == actor.user_id for m in memberships):
        return False
    active = [m for m in memberships if m.is_active] or memberships
    return all(may_manage_organisation(actor, m.organisation) for m in active)
