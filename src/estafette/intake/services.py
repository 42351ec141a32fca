"""The four intakes: one audited service each, all or nothing (issue 12, docs/intake.md).

Every service:

1. refuses a role or organisation that does not do this intake
   (:func:`access.policy.may_do_intake`, :class:`NotPermitted`);
2. registers the person through :func:`people.registration.person_register` (which refuses
   a probable duplicate without saying whose) or continues on a trajectory the actor may
   open (found by find-before-create);
3. opens or continues the trajectory through the trajectories and handovers services,
   records the consents through the consent ledger, writes an :class:`Intake` row and its
   audit entry, and plans the first next step — inside one transaction, so a refusal at
   any step leaves no person, trajectory, consent or intake behind;
4. audits a refusal outside that transaction (DENIED ``intake.intake``), so the attempt
   stays in the log although nothing else does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.consent.models import ConsentPurpose, EvidenceKind
from estafette.consent.services import consent_record
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import person_changed_after_commit, trajectory_changed_after_commit
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import handover_accept
from estafette.handovers.workflow import State
from estafette.intake.models import Intake, IntakeKind, IntakeSource
from estafette.organisations.models import OrganisationKind
from estafette.people.models import NetworkMember, Person, PersonIdentifier, Relation
from estafette.people.registration import Criteria, DuplicatePerson, person_register
from estafette.trajectories.models import EventKind, Phase, Route, Trajectory
from estafette.trajectories.services import (
    event_record,
    trajectory_change_route,
    trajectory_open,
    trajectory_plan_next_step,
    trajectory_record_domestic_entry,
)
from estafette.visits.services import volunteer_request_open

T = TypeVar("T")

NOT_YOUR_INTAKE = _("Your organisation does not do this intake.")
ARRESTED_IN_THE_FUTURE = _("A date of arrest cannot lie in the future.")
ENTERED_IN_THE_FUTURE = _("A date of entry cannot lie in the future.")
GUIDANCE_AGREEMENT_REQUIRED = _(
    "Bureau Buitenland starts guidance only with the signed guidance agreement."
)
CONTINUE_NEEDS_HANDOVER = _(
    "Your organisation does not hold this file and no handover to you is waiting. Ask the "
    "organisation that holds the baton to hand it over, or to give you a part."
)
TRANSFER_NEEDS_HANDOVER = _(
    "This file is not handed over to your prison for a sentence transfer. Ask the "
    "organisation that holds the baton to send the transfer handover."
)
AFTERCARE_PHASES = (Phase.RETURN, Phase.REINTEGRATION)
PHASE_NOT_AFTER_RELEASE = _("Choose the return or the re-integration phase.")
AFTERCARE_SOURCES = (
    IntakeSource.SELF_REGISTRATION,
    IntakeSource.BENEFITS_DESK,
    IntakeSource.RELEASED_WITHOUT_REFERRAL,
)
UNKNOWN_SOURCE = _("Choose how the person came to the desk.")

# The first next step of each intake, planned for the new holder (days from today).
NEXT_STEPS: dict[str, tuple[Any, int]] = {
    IntakeKind.CONSULAR: (_("Send the information package and offer a consular visit"), 14),
    IntakeKind.GUIDANCE: (_("Inform the contact person and send the “Return” booklet"), 14),
    IntakeKind.PRISON: (_("Screen the five life domains"), 14),
    IntakeKind.AFTERCARE: (_("Arrange a valid ID and a first income"), 7),
}


@dataclass(frozen=True)
class ContactPerson:
    """The one contact person at home the person names (optional on every intake)."""

    name: str
    relation: str = Relation.OTHER
    phone: str = ""

    def __bool__(self) -> bool:
        return bool(self.name.strip())


def _require(actor: Actor, kind: str) -> None:
    if not policy.may_do_intake(actor, kind):
        raise NotPermitted(NOT_YOUR_INTAKE)


def _audited(actor: Actor, kind: str, run: Callable[[], T]) -> T:
    """Run ``run`` in one transaction; audit a refusal outside it, then raise it unchanged."""
    try:
        with transaction.atomic():
            return run()
    except DomainError as error:
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            object_type="intake.intake",
            what=kind,
            refusal=type(error).__name__,
            sentence=str(error),
            duplicate_of=error.person_ids if isinstance(error, DuplicatePerson) else None,
        )
        raise


def _record_intake(
    actor: Actor, trajectory: Trajectory, kind: str, source: str, **fields: Any
) -> Intake:
    intake = Intake.objects.create(
        trajectory=trajectory,
        kind=kind,
        source=source,
        recorded_by=actor.user,
        organisation=actor.organisation,
        at=clock.now(),
        **fields,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=intake,
        person_id=trajectory.person_id,
        kind=kind,
        source=source,
        bare_fact_only=intake.bare_fact_only,
    )
    # The file says how it began, and whether only the bare fact may be kept.
    event_record(
        trajectory=trajectory,
        kind=EventKind.INTAKE,
        actor=actor,
        intake=kind,
        bare_fact_only=intake.bare_fact_only,
    )
    return intake


def _plan_first_step(actor: Actor, trajectory: Trajectory, kind: str) -> Trajectory:
    text, days = NEXT_STEPS[kind]
    return trajectory_plan_next_step(
        actor=actor,
        trajectory=trajectory,
        next_step=str(text),
        due=clock.today() + dt.timedelta(days=days),
    )


def _contact_person_add(actor: Actor, person: Person, contact: ContactPerson) -> NetworkMember:
    """Name the person's one contact person (replacing none: refused if one exists)."""
    if NetworkMember.objects.filter(person=person, is_contact_person=True).exists():
        raise Conflict(_("This person has a contact person already; change it on their page."))
    member = NetworkMember.objects.create(
        person=person,
        name=contact.name.strip()[:160],
        relation=contact.relation if contact.relation in Relation.values else Relation.OTHER,
        is_contact_person=True,
        phone=contact.phone.strip()[:40],
    )
    audit_record(
        actor=actor, action=AuditAction.CREATE, target=member, person_id=person.pk, field="network"
    )
    return member


def _consent(
    actor: Actor,
    person: Person,
    purpose: str,
    *,
    given_on: dt.date,
    where: str,
    classes: Iterable[str] | None = None,
    reason: str = "",
    recipient_kind: str = "",
) -> None:
    """Record one consent heard at intake: verbal, heard by the recording user, on
    ``given_on``, at ``where`` (the consent ledger checks purpose, bounds and part)."""
    if classes is None:
        found = ConsentPurpose.objects.filter(code=purpose).values_list(
            "default_classes", flat=True
        )
        classes = list(found.first() or [DataClass.IDENTITY])
    name = actor.user.get_full_name() or actor.user.get_username()
    consent_record(
        actor=actor,
        person=person,
        purpose_code=purpose,
        recipient_organisation=None if recipient_kind else actor.organisation,
        recipient_kind=recipient_kind,
        data_classes=list(classes),
        classes_reason=reason,
        given_on=given_on,
        evidence_kind=EvidenceKind.VERBAL,
        verbal_by=name,
        verbal_on=given_on,
        verbal_place=where or "—",
    )


def _check_past(value: dt.date | None, bound: bounds.DateBound, too_late: Any) -> None:
    bounds.check_date(bound, value, too_late=too_late)


# --- 1. Consular post: the arrest notification ----------------------------------------------


@dataclass(frozen=True)
class ArrestNotification:
    criteria: Criteria
    nationalities: tuple[Any, ...]
    country: Any
    place: str
    prison: str
    arrested_on: dt.date
    consular_assistance_wanted: bool
    registration_consent: bool
    contact: ContactPerson = ContactPerson("")


def intake_arrest_notification(*, actor: Actor, notification: ArrestNotification) -> Trajectory:
    """A consular post registers an arrest: route "abroad, own strength", the post holding.

    Without ``registration_consent`` only the bare fact is kept — the name and date of birth,
    the country, place and prison, the date of arrest — and the :class:`Intake` row says so;
    the foreign prison number, nationality, consular wish and contact person are dropped.
    With it: the number (with the country), the nationality, the contact person, and the
    consent "consular assistance and registration" to the post (verbal, from the
    notification; the network class when a contact person is named).
    """
    _require(actor, IntakeKind.CONSULAR)
    n = notification

    def run() -> Trajectory:
        _check_past(n.arrested_on, bounds.DETENTION_START, ARRESTED_IN_THE_FUTURE)
        full = n.registration_consent
        criteria = n.criteria if full else _without_identifier(n.criteria)
        person = person_register(
            actor=actor,
            criteria=criteria,
            nationalities=n.nationalities if full else (),
            identifier_country=n.country,
            duplicate_criteria=n.criteria,
        )
        place = ", ".join(part for part in (n.prison.strip(), n.place.strip()) if part)
        trajectory = trajectory_open(
            actor=actor,
            person=person,
            route=Route.ABROAD_OWN,
            country=n.country,
            detention_place=place[:160],
            detention_start=n.arrested_on,
        )
        if full:
            if n.contact:
                _contact_person_add(actor, person, n.contact)
            classes = [DataClass.IDENTITY, DataClass.DETENTION]
            reason = ""
            if n.contact:
                classes.append(DataClass.NETWORK)
                reason = gettext("The person named a contact person in the Netherlands.")
            _consent(
                actor,
                person,
                "consular",
                given_on=clock.today(),
                where=gettext("arrest notification"),
                classes=classes,
                reason=reason,
            )
        _record_intake(
            actor,
            trajectory,
            IntakeKind.CONSULAR,
            IntakeSource.ARREST_NOTIFICATION,
            consular_assistance_wanted=n.consular_assistance_wanted if full else None,
            registration_consent=full,
        )
        return _plan_first_step(actor, trajectory, IntakeKind.CONSULAR)

    return _audited(actor, IntakeKind.CONSULAR, run)


def _without_identifier(criteria: Criteria) -> Criteria:
    return Criteria(criteria.given_names, criteria.family_name, criteria.date_of_birth)


# --- 2. Bureau Buitenland: the guidance request -----------------------------------------------


@dataclass(frozen=True)
class GuidanceRequest:
    guidance_agreement: bool
    data_sharing: bool
    volunteer_visits: bool
    signed_on: dt.date
    contact: ContactPerson = ContactPerson("")
    # A new person (letter from prison): who and where. Ignored when continuing.
    criteria: Criteria | None = None
    country: Any = None
    detention_place: str = ""
    detained_since: dt.date | None = None


def intake_guidance_request(
    *, actor: Actor, request: GuidanceRequest, trajectory: Trajectory | None = None
) -> Trajectory:
    """Bureau Buitenland takes a guidance request: the start of its stretch, route "abroad
    with BB".

    ``trajectory`` (found by find-before-create, in the actor's scope): the consulate's
    file. When BB is the receiver of a pending handover on it, BB accepts it (the baton
    passes through the handover, the one way it moves); when BB holds it already, it
    continues; otherwise :data:`CONTINUE_NEEDS_HANDOVER` (409). Without ``trajectory``: a
    new person and trajectory (a letter from prison). Then the route becomes "abroad with
    BB" (a route change with its reason, when it was another), and the form's answers are
    recorded as consents to BB: guidance (always; refused without it), contact person
    (with the named contact person), data sharing with the consular post (by kind),
    volunteer visits (to volunteer organisations, by kind) — which also opens the request
    for a visiting volunteer.
    """
    _require(actor, IntakeKind.GUIDANCE)
    r = request

    def run() -> Trajectory:
        if not r.guidance_agreement:
            raise InvalidInput(GUIDANCE_AGREEMENT_REQUIRED)
        bounds.check_date(bounds.CONSENT_GIVEN, r.signed_on)
        if trajectory is None:
            if r.criteria is None:
                raise InvalidInput(_("Fill in who the person is."))
            _check_past(r.detained_since, bounds.DETENTION_START, ARRESTED_IN_THE_FUTURE)
            person = person_register(actor=actor, criteria=r.criteria, identifier_country=r.country)
            current = trajectory_open(
                actor=actor,
                person=person,
                route=Route.ABROAD_BB,
                country=r.country,
                detention_place=r.detention_place[:160],
                detention_start=r.detained_since,
            )
            source = IntakeSource.LETTER_FROM_PRISON
        else:
            current = _take_over(actor, trajectory)
            person = current.person
            source = IntakeSource.CONSULATE_REGISTERED
        where = current.detention_place or gettext("guidance request")
        _consent(actor, person, "bb_guidance", given_on=r.signed_on, where=where)
        if r.contact:
            _contact_person_add(actor, person, r.contact)
            _consent(actor, person, "contact_person", given_on=r.signed_on, where=where)
        if r.data_sharing:
            _consent(
                actor,
                person,
                "partner_sharing",
                given_on=r.signed_on,
                where=where,
                recipient_kind=OrganisationKind.CONSULAR_POST,
            )
        if current.route != Route.ABROAD_BB:
            current = trajectory_change_route(
                actor=actor,
                trajectory=current,
                route=Route.ABROAD_BB,
                reason=gettext("Guidance agreement signed with Bureau Buitenland."),
            )
        if r.volunteer_visits:
            _consent(
                actor,
                person,
                "volunteer_visits",
                given_on=r.signed_on,
                where=where,
                recipient_kind=OrganisationKind.VOLUNTEER_ORGANISATION,
            )
            if policy.may_ask_for_volunteer(actor):
                volunteer_request_open(actor=actor, trajectory=current)
        _record_intake(actor, current, IntakeKind.GUIDANCE, source)
        return _plan_first_step(actor, current, IntakeKind.GUIDANCE)

    return _audited(actor, IntakeKind.GUIDANCE, run)


def _pending_to(
    actor: Actor, trajectory: Trajectory, purpose: str | None = None
) -> Handover | None:
    handovers = Handover.objects.filter(
        trajectory=trajectory, receiver_id=actor.organisation_id, state=State.SENT
    )
    if purpose:
        handovers = handovers.filter(purpose=purpose)
    return handovers.first()


def _take_over(actor: Actor, trajectory: Trajectory) -> Trajectory:
    """The trajectory with the actor holding it: accept a handover waiting for it, if any."""
    trajectory = Trajectory.objects.get(pk=trajectory.pk)
    if trajectory.baton_holder_id == actor.organisation_id:
        return trajectory
    handover = _pending_to(actor, trajectory)
    if handover is None:
        raise Conflict(CONTINUE_NEEDS_HANDOVER)
    handover_accept(actor=actor, handover=handover)
    trajectory = Trajectory.objects.get(pk=trajectory.pk)
    if trajectory.baton_holder_id != actor.organisation_id:
        # Accepted during detention for a later purpose: committed, not holding (decision 0011).
        raise Conflict(CONTINUE_NEEDS_HANDOVER)
    return trajectory


# --- 3. Prison: entry -----------------------------------------------------------------------


def intake_prison_entry(
    *,
    actor: Actor,
    entered_on: dt.date,
    criteria: Criteria | None = None,
    trajectory: Trajectory | None = None,
) -> Trajectory:
    """A prison registers an entry; the domestic norms run from ``entered_on``.

    Without ``trajectory``: a new person on the domestic route, the prison holding, detention
    starting on ``entered_on``. With ``trajectory`` (a sentence transfer's arrival, found by
    find-before-create): when the prison is the receiver of the pending sentence-transfer
    handover it accepts it with the day of entry (the handover services record it); when it
    holds the file already it records the day of entry
    (``trajectory_record_domestic_entry``); otherwise :data:`TRANSFER_NEEDS_HANDOVER` (409).
    Prisons see the file on a legal basis: no consent is asked here.
    """
    _require(actor, IntakeKind.PRISON)

    def run() -> Trajectory:
        _check_past(entered_on, bounds.DETENTION_START, ENTERED_IN_THE_FUTURE)
        if trajectory is None:
            if criteria is None:
                raise InvalidInput(_("Fill in who the person is."))
            person = person_register(actor=actor, criteria=criteria)
            current = trajectory_open(
                actor=actor,
                person=person,
                route=Route.DOMESTIC,
                detention_place=actor.organisation.name[:160],
                detention_start=entered_on,
            )
            source = IntakeSource.DOMESTIC_ENTRY
        else:
            current = Trajectory.objects.get(pk=trajectory.pk)
            handover = _pending_to(actor, current, Purpose.SENTENCE_TRANSFER)
            if handover is not None:
                handover_accept(actor=actor, handover=handover, entered_on=entered_on)
                current = Trajectory.objects.get(pk=current.pk)
            elif current.baton_holder_id == actor.organisation_id:
                current = trajectory_record_domestic_entry(
                    actor=actor, trajectory=current, entered_on=entered_on
                )
            else:
                raise Conflict(TRANSFER_NEEDS_HANDOVER)
            if current.baton_holder_id != actor.organisation_id:
                raise Conflict(TRANSFER_NEEDS_HANDOVER)
            source = IntakeSource.SENTENCE_TRANSFER
        _record_intake(actor, current, IntakeKind.PRISON, source)
        return _plan_first_step(actor, current, IntakeKind.PRISON)

    return _audited(actor, IntakeKind.PRISON, run)


# --- 4. Municipal after-care desk: a person who turns up ----------------------------------------


def intake_walk_in(
    *,
    actor: Actor,
    criteria: Criteria,
    source: str,
    route: str,
    phase: str,
    country: Any = None,
    consents_to_aftercare: bool = False,
    contact: ContactPerson = ContactPerson(""),
) -> Trajectory:
    """A municipal after-care desk registers someone who turned up, the desk holding.

    ``source``: self-registration, found through the benefits desk, or released without
    referral; ``route``: domestic or one of the abroad routes (a transfer is refused: it
    has a law and a prison, and comes through the prison); ``phase``: return or
    re-integration. ``consents_to_aftercare``: the consent "referral to municipal
    after-care" to the desk, heard at the desk today (else the desk sees only who the
    person is, as holder, until a consent is recorded).
    """
    _require(actor, IntakeKind.AFTERCARE)

    def run() -> Trajectory:
        if source not in AFTERCARE_SOURCES:
            raise InvalidInput(UNKNOWN_SOURCE)
        if phase not in AFTERCARE_PHASES:
            raise InvalidInput(PHASE_NOT_AFTER_RELEASE)
        if route not in (Route.DOMESTIC, Route.ABROAD_OWN, Route.ABROAD_BB):
            raise InvalidInput(_("Choose the domestic route or a route from abroad."))
        person = person_register(actor=actor, criteria=criteria)
        trajectory = trajectory_open(
            actor=actor,
            person=person,
            route=route,
            phase=phase,
            country=country if route != Route.DOMESTIC else None,
        )
        if consents_to_aftercare:
            _consent(
                actor,
                person,
                "aftercare_referral",
                given_on=clock.today(),
                where=actor.organisation.name,
            )
        if contact:
            _contact_person_add(actor, person, contact)
        _record_intake(actor, trajectory, IntakeKind.AFTERCARE, source)
        return _plan_first_step(actor, trajectory, IntakeKind.AFTERCARE)

    return _audited(actor, IntakeKind.AFTERCARE, run)


# --- 5. An explicit, audited merge of two registrations of one person --------------------

MERGE_SAME_FILE = _("Choose two different people: both files belong to the same person already.")
MERGE_NOT_SEEN = _(
    "You may merge only people whose identity you see in both files, and your organisation "
    "must hold the baton of one of them."
)
MERGE_REASON_REQUIRED = _("Say why these two are one person (for example: the same BSN).")
MERGE_REASON_MIN = 10
MERGED = _("The two registrations are now one person; both files stay, under this person.")


def person_merge(*, actor: Actor, keep: Trajectory, duplicate: Trajectory, reason: str) -> Person:
    """Merge the person of ``duplicate`` into the person of ``keep``: one person, both files.

    Contract: only an intake role (:func:`access.policy.may_do_intake`), who sees the identity
    of both files' person (:func:`access.policy.access_for`) and whose organisation holds
    the baton of at least one of them (else :class:`NotPermitted`); a reason of a few words
    (else :class:`InvalidInput`); two different people (else :class:`Conflict`). In one
    transaction, with both people locked: the duplicate's trajectories, consents, network
    and numbers move to the kept person (a number the kept person has already is dropped;
    the kept person's contact person stays the one — the duplicate's becomes an ordinary
    member of the network), nationalities are joined, and the duplicate's row is deleted.
    Audited as a CHANGE of the kept person (``merged_from``, the reason, what moved) and a
    CHANGE ``merged_into`` of the duplicate (whose row is gone); every live trajectory of the
    kept person is re-evaluated. The duplicate's earlier access-log entries keep its old id;
    the merge entries link the two ids.
    """
    if not policy.may_do_intake(actor):
        raise NotPermitted(MERGE_NOT_SEEN)
    reason = " ".join((reason or "").split())
    if len(reason) < MERGE_REASON_MIN:
        raise InvalidInput(MERGE_REASON_REQUIRED)

    def run() -> Person:
        if keep.person_id == duplicate.person_id:
            raise Conflict(MERGE_SAME_FILE)
        for trajectory in (keep, duplicate):
            if not policy.access_for(actor, trajectory).sees(DataClass.IDENTITY):
                raise NotPermitted(MERGE_NOT_SEEN)
        if actor.organisation_id not in (keep.baton_holder_id, duplicate.baton_holder_id):
            raise NotPermitted(MERGE_NOT_SEEN)
        people = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(
                pk__in=[keep.person_id, duplicate.person_id]
            )
        }
        kept, gone = people[keep.person_id], people[duplicate.person_id]
        moved: dict[str, int] = {}
        own = set(PersonIdentifier.objects.filter(person=kept).values_list("kind", "value"))
        dropped = [
            i.pk for i in PersonIdentifier.objects.filter(person=gone) if (i.kind, i.value) in own
        ]
        PersonIdentifier.objects.filter(pk__in=dropped).delete()
        if NetworkMember.objects.filter(person=kept, is_contact_person=True).exists():
            NetworkMember.objects.filter(person=gone, is_contact_person=True).update(
                is_contact_person=False
            )
        kept.nationalities.add(*gone.nationalities.all())
        # Every other row that points at the duplicate moves with it (trajectories, consents,
        # network, numbers, and whatever points at a person later), so none is lost.
        for relation in Person._meta.related_objects:
            if relation.many_to_many or not relation.field.concrete:
                continue
            model = relation.related_model
            if isinstance(model, str):  # an unresolved "self": Person points at no Person
                continue
            count = model._default_manager.filter(**{relation.field.name: gone}).update(
                **{relation.field.name: kept}
            )
            if count:
                moved[model._meta.label_lower] = count
        trajectory_ids = list(Trajectory.objects.filter(person=kept).values_list("pk", flat=True))
        gone_pk = gone.pk
        gone.nationalities.clear()
        gone.delete()
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            target=kept,
            person_id=kept.pk,
            field="merged",
            merged_from=gone_pk,
            reason=reason,
            moved=moved,
            dropped_numbers=len(dropped),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type="people.person",
            object_id=gone_pk,
            person_id=gone_pk,
            field="merged_into",
            merged_into=kept.pk,
        )
        person_changed_after_commit(kept.pk)
        for pk in trajectory_ids:
            trajectory_changed_after_commit(pk)
        return kept

    return _audited(actor, "merge", run)
