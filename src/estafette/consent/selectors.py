"""Every read of the consent ledger goes through the actor.

An organisation sees a person's consents while it has a part in one of the
person's trajectories (:func:`trajectories.selectors.trajectory_scope`).
Anything else answers 404, and the attempt is audited.

The policy questions ("may X receive Y for purpose P?") live in
:mod:`estafette.consent.policy` and are re-exported here, so callers have one
place to import consent reads from.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404

from estafette.access.policy import (
    assigned_to_person_q,
    consent_fields_visible,
    holds_a_trajectory_of,
    may_record_consent,
    may_review_emergency_access,
    may_review_self_recorded_consent,
    may_see_purpose,
    may_withdraw_consent,
    needs_assignment,
    person_classes,
)
from estafette.consent import messages
from estafette.consent.models import Consent, ConsentNotice, EvidenceKind
from estafette.consent.policy import (
    FALLBACK_PURPOSE,
    HANDOVER_PURPOSE_CONSENT,
    consent_check_handover,
    consent_check_share,
    consent_covering,
    consent_is_effective,
    covered_data_classes,
    effective_q,
    recipient_q,
)
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.errors import NotPermitted
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.people.models import Person
from estafette.portal.subject import Subject, subject_audit
from estafette.trajectories.selectors import trajectory_scope

__all__ = [
    "FALLBACK_PURPOSE",
    "HANDOVER_PURPOSE_CONSENT",
    "can_manage_consent",
    "consent_check_handover",
    "consent_check_share",
    "consent_covering",
    "consent_evidence_get",
    "consent_get",
    "consent_get_for_review",
    "consent_is_effective",
    "consent_list",
    "consent_notice_get",
    "consent_notices_for",
    "consent_notices_unread",
    "consent_person_get",
    "consent_reader_classes",
    "consent_visibility",
    "consents_in_force",
    "consents_to_review",
    "consents_unreviewed_count",
    "covered_data_classes",
    "effective_q",
    "my_consent_get",
    "my_consents",
    "person_identity_visible",
    "person_in_scope",
    "recipient_q",
]


def can_manage_consent(actor: Actor) -> bool:
    """True for the roles that record consent and open the evidence (the access policy's
    ``may_record_consent``); volunteers see the overview (they bring the paper) but never
    record, withdraw or open evidence (DOMAIN.md §2, §10)."""
    return may_record_consent(actor)


def person_in_scope(*, actor: Actor, person: Any) -> bool:
    """True while the actor's organisation has a part in one of the person's trajectories."""
    return trajectory_scope(actor).filter(person_id=person.pk).exists()


def person_identity_visible(*, actor: Actor, person: Any) -> bool:
    """True if the actor may see who the person is (the identity class) in any shared trajectory.

    A part in the trajectory is not enough to see the name: the ground (consent
    or legal basis) must cover identity too (``access.policy.access_for``).
    """
    return DataClass.IDENTITY in person_classes(actor, person.pk)


def consent_reader_classes(*, actor: Actor, person: Any) -> frozenset[str]:
    """What the actor sees of the person on the consent pages (``access.policy.person_classes``)."""
    return person_classes(actor, person.pk)


def consent_visibility(
    *, actor: Actor, person: Any, consents: list[Consent]
) -> tuple[dict[int, frozenset[str]], set[int]]:
    """For a page of the person's consents: the fields the actor sees of each (by id), and
    the consents the actor may withdraw. Both answers are the access policy's
    (``consent_fields_visible``, ``may_withdraw_consent``); this only asks it once per page."""
    classes = person_classes(actor, person.pk)
    holder = holds_a_trajectory_of(actor, person.pk)
    fields = {c.pk: consent_fields_visible(actor, c, classes) for c in consents}
    withdrawable = {
        c.pk for c in consents if not c.is_revoked and may_withdraw_consent(actor, c, holder=holder)
    }
    return fields, withdrawable


def _scoped_consents(actor: Actor) -> QuerySet[Consent]:
    return Consent.objects.filter(
        Exists(trajectory_scope(actor).filter(person_id=OuterRef("person_id")))
    )


def consent_person_get(*, actor: Actor, pk: int) -> Person:
    """The person ``pk`` if the actor has a part in one of their trajectories, else 404 (audited).

    Not audited as a view on success: the caller's read (the consent list,
    the receipt) is the audited one.
    """
    person = Person.objects.filter(pk=pk).first()
    if person is None or not person_in_scope(actor=actor, person=person):
        refuse_not_found(
            actor=actor,
            object_type="people.person",
            object_id=pk,
            message=messages.NO_PERSON_FOUND,
            person_id=person.pk if person is not None else None,
            what="consents",
        )
    return person


def consent_list(*, actor: Actor, person: Person, reason: str = "overview") -> list[Consent]:
    """Every consent of ``person`` the actor may know of, newest first, with what was shared.

    Contract: only for an actor with a part in one of the person's
    trajectories; otherwise 404 and an audited refusal. A successful read is
    audited as a view of the person's consents (``reason`` says which page).
    A mayor notification (BIJ) consent is left out for everyone but its
    handlers (``access.policy.may_see_purpose``): even its existence is
    confidential.
    """
    if not person_in_scope(actor=actor, person=person):
        refuse_not_found(
            actor=actor,
            object_type="people.person",
            object_id=person.pk,
            message=messages.NO_PERSON_FOUND,
            person_id=person.pk,
            what="consents",
        )
    consents = list(
        Consent.objects.filter(person=person)
        .select_related(
            "purpose",
            "recipient_organisation",
            "recorded_by_organisation",
            "revoked_by_organisation",
            "reviewed_by",
        )
        .prefetch_related("disclosures__recipient")
        .order_by("-given_on", "-id")
    )
    consents = [c for c in consents if may_see_purpose(actor, c.purpose.code)]
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="consent.consent",
        object_id="",
        person_id=person.pk,
        what=reason,
        count=len(consents),
    )
    return consents


def consents_in_force(*, actor: Actor, person_id: int) -> list[Consent]:
    """The person's consents in force today that the actor may know of, newest first.

    For a page the actor opened through a scoped selector (the handover form
    gets its trajectory from ``relay_get``, which checks the part and audits
    the view); this read adds no check and no audit entry of its own. One
    query; purpose and named recipient are loaded. A mayor notification (BIJ)
    consent is left out for everyone but its handlers, as in :func:`consent_list`.
    """
    consents = (
        Consent.objects.filter(effective_q(clock.today()), person_id=person_id)
        .select_related("purpose", "recipient_organisation")
        .order_by("-given_on", "-id")
    )
    return [c for c in consents if may_see_purpose(actor, c.purpose.code)]


def consent_get(*, actor: Actor, pk: int) -> Consent:
    """One consent if the actor has a part in the person's trajectories, else 404 (audited).

    Not audited on success: the caller audits what it does with it (a
    withdrawal, an evidence download).
    """
    consent = (
        _scoped_consents(actor)
        .select_related("purpose", "person", "recipient_organisation")
        .filter(pk=pk)
        .first()
    )
    if consent is None or not may_see_purpose(actor, consent.purpose.code):
        refuse_not_found(
            actor=actor,
            object_type="consent.consent",
            object_id=pk,
            message=messages.NO_CONSENT_FOUND,
        )
    return consent


def consent_evidence_get(*, actor: Actor, pk: int) -> Consent:
    """A consent whose signed form the actor may open; the opening is audited.

    Contract: 404 (audited) without a part in the person's trajectories;
    :class:`NotPermitted` (audited) for volunteers and buddies; 404 for a
    verbal consent, which has no file.
    """
    consent = consent_get(actor=actor, pk=pk)
    if not can_manage_consent(actor):
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            target=consent,
            person_id=consent.person_id,
            what="evidence",
        )
        raise NotPermitted(messages.EVIDENCE_PROFESSIONALS_ONLY)
    if consent.evidence_kind != EvidenceKind.DOCUMENT or not consent.evidence:
        raise Http404(messages.NO_EVIDENCE_FILE)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        target=consent,
        person_id=consent.person_id,
        what="evidence",
    )
    return consent


def consent_notices_unread(*, actor: Actor) -> QuerySet[ConsentNotice]:
    """Unread notices for the actor's organisation: consents withdrawn or ended, newest first.

    The person's name is shown with each notice: the organisation received
    that person's data and must know whose data it may no longer use.
    """
    notices = ConsentNotice.objects.filter(
        organisation_id=actor.organisation_id, seen_at__isnull=True
    )
    if needs_assignment(actor):
        # A volunteer hears only of the people assigned to it (decision 0016).
        notices = notices.filter(assigned_to_person_q(actor, "consent__person_id"))
    return notices.select_related("consent__purpose", "consent__person").order_by(
        "-created_at", "-id"
    )


def consent_notices_for(*, actor: Actor, limit: int | None = None) -> list[ConsentNotice]:
    """The newest ``limit`` unread notices (all without a limit), as a list."""
    notices = consent_notices_unread(actor=actor)
    return list(notices if limit is None else notices[:limit])


def consent_notice_get(*, actor: Actor, pk: int) -> ConsentNotice:
    """A notice addressed to the actor's organisation, else 404 (audited)."""
    notice = (
        ConsentNotice.objects.filter(pk=pk, organisation_id=actor.organisation_id)
        .select_related("consent")
        .first()
    )
    if notice is None:
        refuse_not_found(
            actor=actor,
            object_type="consent.consentnotice",
            object_id=pk,
            message=messages.NO_CONSENT_FOUND,
        )
    return notice


def consents_to_review(*, actor: Actor) -> QuerySet[Consent]:
    """Consents the actor's organisation recorded for itself, unreviewed first, newest first.

    Empty for roles that do not review (``access.policy.may_review_emergency_access``:
    the same people who review emergency access). The actor's own consents are listed
    too (so the recorder sees they wait), but only a colleague may review them
    (``access.policy.may_review_self_recorded_consent``).
    """
    if not may_review_emergency_access(actor):
        return Consent.objects.none()
    return (
        Consent.objects.filter(
            self_recorded=True, recorded_by_organisation_id=actor.organisation_id
        )
        .select_related(
            "purpose",
            "person",
            "recipient_organisation",
            "recorded_by",
            "recorded_by_organisation",
            "reviewed_by",
        )
        .order_by(F("reviewed_at").asc(nulls_first=True), "-recorded_at", "-id")
    )


REVIEW_PAGE_SIZE = 50
"""Self-recorded consents per page of the review list."""


def consent_review_page(*, actor: Actor, page: Any = 1) -> tuple[Page, list[dict[str, Any]]]:
    """One page of :func:`consents_to_review`, each consent as the reviewer may see it.

    Per consent: the person's name only with identity, each field only under its class
    (``access.policy.consent_fields_visible``, as on the overview), and whether this
    reviewer may review it (never the recorder). The read is audited: which consents,
    and whose names were on the page. The reader's classes are asked once per person.
    """
    page_obj = Paginator(consents_to_review(actor=actor), REVIEW_PAGE_SIZE).get_page(page)
    classes: dict[int, frozenset[str]] = {}
    items = []
    for consent in page_obj.object_list:
        if consent.person_id not in classes:
            classes[consent.person_id] = person_classes(actor, consent.person_id)
        seen = classes[consent.person_id]
        items.append(
            {
                "consent": consent,
                "name": str(consent.person.full_name)
                if DataClass.IDENTITY in seen
                else str(messages.NAME_NOT_SHARED),
                "shows": dict.fromkeys(consent_fields_visible(actor, consent, seen), True),
                "may_review": may_review_self_recorded_consent(actor, consent),
            }
        )
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="consent.review",
        object_id=actor.organisation_id,
        consents=[item["consent"].pk for item in items],
        people=sorted(pk for pk, seen in classes.items() if DataClass.IDENTITY in seen),
    )
    return page_obj, items


def consent_get_for_review(*, actor: Actor, pk: int) -> Consent:
    """A self-recorded consent of the actor's organisation, else 404 (audited)."""
    consent = consents_to_review(actor=actor).filter(pk=pk).first()
    if consent is None:
        refuse_not_found(
            actor=actor,
            object_type="consent.consent",
            object_id=pk,
            message=messages.NO_CONSENT_FOUND,
            what="review",
        )
    return consent


def consents_unreviewed_count(*, actor: Actor) -> int:
    """How many self-recorded consents of the actor's organisation await review."""
    return consents_to_review(actor=actor).filter(reviewed_at__isnull=True).count()


# --- the person's own consents (issue 13) ------------------------------------------------


def _refuse_subject(
    subject: Subject, *, object_type: str, object_id: object, what: str
) -> NoReturn:
    """Audit a subject's refused read and answer 404: the same for "not yours" and "none"."""
    subject_audit(
        subject, AuditAction.DENIED, object_type=object_type, object_id=object_id, what=what
    )
    raise Http404(str(messages.NO_CONSENT_FOUND))


def my_consents(*, subject: Subject, audit: bool = True) -> list[Consent]:
    """Every consent of the signed-in person, newest first, with what was shared under it.

    Contract: only for the person themself (a contact person gets 404, audited as a
    refusal). Every consent is listed, the mayor notification (BIJ) too: it is the
    person's own request, and the person may know all their consents (GDPR art. 15).
    The read is audited through :func:`portal.subject.subject_audit` (``what="mine"``).
    Three queries: the consents with purpose and named recipient, the disclosures with
    their recipients, and the audit entry. ``audit=False`` only for a caller that audits
    the read itself (the printout, ``portal.printout``).
    """
    if not subject.is_person:
        _refuse_subject(subject, object_type="consent.consent", object_id="", what="mine")
    consents = list(
        Consent.objects.filter(person_id=subject.person.pk)
        .select_related("purpose", "recipient_organisation")
        .prefetch_related("disclosures__recipient")
        .order_by("-given_on", "-id")
    )
    if audit:
        subject_audit(
            subject,
            AuditAction.VIEW,
            object_type="consent.consent",
            object_id="",
            what="mine",
            count=len(consents),
        )
    return consents


def my_consent_get(*, subject: Subject, pk: int) -> Consent:
    """One consent of the signed-in person; else 404 (audited), whether it is another
    person's or does not exist. Not audited on success: the caller audits its act."""
    consent = None
    if subject.is_person:
        consent = (
            Consent.objects.select_related("purpose", "recipient_organisation")
            .filter(pk=pk, person_id=subject.person.pk)
            .first()
        )
    if consent is None:
        _refuse_subject(subject, object_type="consent.consent", object_id=pk, what="mine")
    return consent
