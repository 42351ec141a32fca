"""Every change to the consent ledger: one audited function each, inside a transaction.

A refusal raises a domain error with a sentence from :mod:`messages` and
leaves nothing behind: no row, no audit "create", no file on disk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.formats import date_format

from estafette.access.policy import (
    may_review_self_recorded_consent,
    may_withdraw_consent,
    records_own_access,
)
from estafette.consent import messages
from estafette.consent.evidence import evidence_validate
from estafette.consent.models import (
    Consent,
    ConsentDisclosure,
    ConsentNotice,
    ConsentPurpose,
    EvidenceKind,
    NoticeKind,
    ReviewOutcome,
    data_class_labels,
)
from estafette.consent.policy import (
    consent_is_effective,
    data_classes_clean,
    purpose_bounds_check,
)
from estafette.consent.rules import ConsentState
from estafette.consent.selectors import can_manage_consent, person_in_scope
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import person_changed_after_commit
from estafette.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from estafette.core.isolation import Report, isolated
from estafette.core.models import AuditAction
from estafette.handovers.models import Handover
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.portal.subject import Subject, subject_audit
from estafette.trajectories.models import Participant, Stretch, Trajectory


def _require_professional_with_part(actor: Actor, person: Any) -> None:
    if not can_manage_consent(actor):
        raise NotPermitted(messages.PROFESSIONALS_ONLY)
    if not person_in_scope(actor=actor, person=person):
        raise NotPermitted(messages.NOT_YOUR_PERSON)


def _clean_recipient(organisation: Any, kind: str) -> tuple[Any, str]:
    kind = (kind or "").strip()
    if (organisation is None) == (not kind):
        raise InvalidInput(messages.RECIPIENT_EXACTLY_ONE)
    if organisation is not None and not organisation.is_active:
        raise InvalidInput(messages.RECIPIENT_INACTIVE, organisation=str(organisation))
    if kind and kind not in OrganisationKind.values:
        raise InvalidInput(messages.UNKNOWN_RECIPIENT_KIND)
    return organisation, kind


def _clean_dates(given_on: dt.date | None, ends_on: dt.date | None, today: dt.date) -> dt.date:
    if given_on is None:
        raise InvalidInput(messages.GIVEN_ON_REQUIRED)
    bounds.check_date(
        bounds.CONSENT_GIVEN, given_on, today=today, too_late=messages.GIVEN_ON_FUTURE
    )
    if ends_on is not None and ends_on < given_on:
        raise InvalidInput(messages.END_BEFORE_START)
    bounds.check_date(bounds.CONSENT_ENDS, ends_on, today=today)
    return given_on


@dataclass(frozen=True)
class _EvidenceSentences:
    """The refusals of one kind of evidence (a consent's, or a withdrawal's)."""

    file_required: Any
    verbal_required: Any
    heard_in_future: Any
    unknown_kind: Any


CONSENT_EVIDENCE = _EvidenceSentences(
    messages.EVIDENCE_FILE_REQUIRED,
    messages.EVIDENCE_VERBAL_REQUIRED,
    messages.VERBAL_ON_FUTURE,
    messages.UNKNOWN_EVIDENCE_KIND,
)
WITHDRAWAL_EVIDENCE = _EvidenceSentences(
    messages.WITHDRAWAL_EVIDENCE_FILE_REQUIRED,
    messages.WITHDRAWAL_EVIDENCE_VERBAL_REQUIRED,
    messages.WITHDRAWAL_HEARD_FUTURE,
    messages.UNKNOWN_WITHDRAWAL_EVIDENCE_KIND,
)


def _clean_evidence(
    kind: str,
    upload: Any,
    verbal_by: str,
    verbal_on: dt.date | None,
    verbal_place: str,
    today: dt.date,
    sentences: _EvidenceSentences = CONSENT_EVIDENCE,
) -> str:
    """Validate the evidence — a signed paper, or who heard it, when and where; the
    detected content type for a paper, else ''. ``sentences``: whose evidence it is."""
    if kind == EvidenceKind.DOCUMENT:
        if upload is None:
            raise InvalidInput(sentences.file_required)
        return evidence_validate(upload)
    if kind == EvidenceKind.VERBAL:
        if not verbal_by.strip() or verbal_on is None or not verbal_place.strip():
            raise InvalidInput(sentences.verbal_required)
        bounds.check_date(
            bounds.CONSENT_HEARD, verbal_on, today=today, too_late=sentences.heard_in_future
        )
        return ""
    raise InvalidInput(sentences.unknown_kind)


def _refused(actor: Actor, error: DomainError, *, person_id: int, what: str, **detail: Any) -> None:
    """Audit a refused change (outside the change's transaction, so the entry stays)."""
    audit_record(
        actor=actor,
        action=AuditAction.DENIED,
        object_type="consent.consent",
        object_id=detail.pop("consent_id", ""),
        person_id=person_id,
        what=what,
        refusal=type(error).__name__,
        sentence=str(error),
        **detail,
    )


def consent_record(*, actor: Actor, person: Any, **arguments: Any) -> Consent:
    """Record a consent the person gave (see :func:`_consent_record` for the contract).

    A refusal is audited (``denied``, what="record", with its sentence) and raised
    unchanged; the refused consent leaves nothing else behind.
    """
    try:
        return _consent_record(actor=actor, person=person, **arguments)
    except DomainError as error:
        _refused(actor, error, person_id=person.pk, what="record")
        raise


@transaction.atomic
def _consent_record(
    *,
    actor: Actor,
    person: Any,
    purpose_code: str,
    recipient_organisation: Any = None,
    recipient_kind: str = "",
    data_classes: Iterable[str],
    classes_reason: str = "",
    given_on: dt.date | None,
    ends_on: dt.date | None = None,
    evidence_kind: str,
    evidence_file: Any = None,
    verbal_by: str = "",
    verbal_on: dt.date | None = None,
    verbal_place: str = "",
) -> Consent:
    """Record a consent the person gave, with its evidence.

    Contract:

    1. only a professional whose organisation has a part in one of the
       person's trajectories may record (else :class:`NotPermitted`);
    2. the purpose must exist and be in use; the recipient is exactly one of
       an active organisation or a kind of organisation; at least one known
       data class; ``given_on`` not in the future; ``ends_on`` not before it;
       every date inside its plausible range (:mod:`core.bounds`: given and
       heard at most twenty years back, an end at most ten years ahead) (else
       :class:`InvalidInput`);
    2a. the classes stay within the purpose's bounds
       (:func:`policy.purpose_bounds_check`): never beyond its maximum, and
       beyond its default only with ``classes_reason`` (else :class:`InvalidInput`);
    3. evidence is required: a document needs a file that is a PDF, PNG or
       JPEG by its content and within the size limit; verbal consent needs
       who heard it, when (not in the future) and where. The fields of the
       other evidence kind are ignored, not stored;
    4. a consent that covers the recording organisation itself (by name or by
       kind, ``access.policy.records_own_access``) is marked ``self_recorded``
       and waits for review by a colleague (:func:`consent_review`);
    5. the file is stored under a random name; the row, the file and the
       audit entry are saved together. If saving fails after the file was
       written, the file is removed again, so a refusal leaves nothing. (A
       rollback of a transaction the *caller* opened around this call cannot
       be seen here; the views call it outside one.)
    """
    today = clock.today()
    _require_professional_with_part(actor, person)
    purpose = ConsentPurpose.objects.filter(code=purpose_code, is_active=True).first()
    if purpose is None:
        raise InvalidInput(messages.UNKNOWN_PURPOSE)
    organisation, kind = _clean_recipient(recipient_organisation, recipient_kind)
    classes = data_classes_clean(data_classes)
    if not classes:
        raise InvalidInput(messages.DATA_CLASSES_REQUIRED)
    purpose_bounds_check(purpose, classes, classes_reason)
    given_on = _clean_dates(given_on, ends_on, today)
    content_type = _clean_evidence(
        evidence_kind, evidence_file, verbal_by, verbal_on, verbal_place, today
    )
    is_document = evidence_kind == EvidenceKind.DOCUMENT

    consent = Consent(
        person=person,
        purpose=purpose,
        recipient_organisation=organisation,
        recipient_kind=kind,
        data_classes=sorted(classes),
        # The reason is kept only where it is needed: beyond the purpose's default.
        classes_reason=classes_reason.strip() if classes - set(purpose.default_classes) else "",
        self_recorded=records_own_access(actor, organisation, kind),
        given_on=given_on,
        ends_on=ends_on,
        evidence_kind=evidence_kind,
        evidence_content_type=content_type,
        verbal_by="" if is_document else verbal_by.strip(),
        verbal_on=None if is_document else verbal_on,
        verbal_place="" if is_document else verbal_place.strip(),
        recorded_at=clock.now(),
        recorded_by=actor.user,
        recorded_by_organisation=actor.organisation,
    )
    try:
        with transaction.atomic():
            if is_document:
                # The name is chosen by evidence_upload_to; the uploaded name is dropped.
                consent.evidence.save("evidence", evidence_file, save=False)
            consent.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=consent,
                person_id=person.pk,
                purpose=purpose.code,
                recipient_organisation=organisation.pk if organisation else None,
                recipient_kind=kind,
                data_classes=sorted(classes),
                classes_reason=bool(consent.classes_reason),
                self_recorded=consent.self_recorded,
                evidence_kind=evidence_kind,
            )
            person_changed_after_commit(person.pk)
    except Exception:
        if consent.evidence.name:
            consent.evidence.storage.delete(consent.evidence.name)
        raise
    return consent


def consent_revoke(
    *,
    actor: Actor,
    consent: Consent,
    reason: str = "",
    evidence_kind: str = "",
    evidence_file: Any = None,
    heard_by: str = "",
    heard_on: dt.date | None = None,
    heard_where: str = "",
) -> Consent:
    """Record that the person withdrew a consent (see :func:`_consent_revoke`).

    A refusal is audited (``denied``, what="withdraw", with its sentence) and
    raised unchanged; nothing else is left behind.
    """
    try:
        return _consent_revoke(
            actor=actor,
            consent=consent,
            reason=reason,
            evidence_kind=evidence_kind,
            evidence_file=evidence_file,
            heard_by=heard_by,
            heard_on=heard_on,
            heard_where=heard_where,
        )
    except DomainError as error:
        _refused(actor, error, person_id=consent.person_id, what="withdraw", consent_id=consent.pk)
        raise


def _clean_withdrawal_evidence(
    consent: Consent,
    kind: str,
    upload: Any,
    heard_by: str,
    heard_on: dt.date | None,
    heard_where: str,
    today: dt.date,
) -> str:
    """Validate the withdrawal's evidence (as a consent's, and never heard before the consent
    was given); the detected content type of a letter, else ''."""
    content_type = _clean_evidence(
        kind, upload, heard_by, heard_on, heard_where, today, WITHDRAWAL_EVIDENCE
    )
    if kind == EvidenceKind.VERBAL and heard_on is not None and heard_on < consent.given_on:
        raise InvalidInput(
            messages.WITHDRAWAL_HEARD_BEFORE_GIVEN, date=date_format(consent.given_on)
        )
    return content_type


def _holder_names(person_id: int) -> str:
    names = sorted(
        set(
            Trajectory.objects.filter(person_id=person_id).values_list(
                "baton_holder__name", flat=True
            )
        )
        - {None}
    )
    return ", ".join(names) or str(messages.THE_HOLDER)


@transaction.atomic
def _consent_revoke(
    *,
    actor: Actor,
    consent: Consent,
    reason: str,
    evidence_kind: str,
    evidence_file: Any,
    heard_by: str,
    heard_on: dt.date | None,
    heard_where: str,
) -> Consent:
    """Withdraw a consent, at once, on evidence; notify every recipient and the holder.

    Contract:

    1. only a professional with a part in the person's trajectories (else
       :class:`NotPermitted`), and of those only the organisation that holds
       one of the person's trajectories or an organisation the consent covers
       (``access.policy.may_withdraw_consent``; else :class:`NotPermitted`
       naming the holder to tell);
    2. evidence is required, as for recording a consent: the person's signed
       letter (a PDF, PNG or JPEG by its content, within the size limit) or who
       heard the withdrawal, when (not in the future, not before the consent
       was given) and where (else :class:`InvalidInput`). The person need not
       give a reason, so ``reason`` may be empty;
    3. from this moment the consent no longer counts (see :mod:`rules`):
       checks refuse new sharing and :func:`policy.covered_data_classes`
       drops its classes;
    4. a "withdrawn" :class:`ConsentNotice` goes to every organisation the
       consent named or covered (by kind, among those with a part in the
       person's trajectories), every organisation with a
       :class:`ConsentDisclosure` under it, and the holder of each of the
       person's trajectories. The withdrawing organisation is told only when it
       received data under the consent (its copies must go too); the
       disclosures stay;
    5. withdrawing a consent that is already withdrawn returns it unchanged,
       with no error and no second audit entry.
    """
    today = clock.today()
    consent = Consent.objects.select_for_update().select_related("person").get(pk=consent.pk)
    _require_professional_with_part(actor, consent.person)
    if consent.revoked_at is not None:
        return consent
    if not may_withdraw_consent(actor, consent):
        raise NotPermitted(messages.NOT_YOURS_TO_WITHDRAW, holder=_holder_names(consent.person_id))
    content_type = _clean_withdrawal_evidence(
        consent, evidence_kind, evidence_file, heard_by, heard_on, heard_where, today
    )
    is_document = evidence_kind == EvidenceKind.DOCUMENT
    consent.revoked_at = clock.now()
    consent.revoked_by = actor.user
    consent.revoked_by_organisation = actor.organisation
    consent.revoke_reason = reason.strip()
    consent.revocation_evidence_kind = evidence_kind
    consent.revocation_letter_content_type = content_type
    consent.revoked_heard_by = "" if is_document else heard_by.strip()
    consent.revoked_heard_on = None if is_document else heard_on
    consent.revoked_heard_where = "" if is_document else heard_where.strip()
    try:
        with transaction.atomic():
            if is_document:
                # The name is chosen by revocation_letter_upload_to; the uploaded name is dropped.
                consent.revocation_letter.save("letter", evidence_file, save=False)
            consent.save(
                update_fields=[
                    "revoked_at",
                    "revoked_by",
                    "revoked_by_organisation",
                    "revoke_reason",
                    "revocation_evidence_kind",
                    "revocation_letter",
                    "revocation_letter_content_type",
                    "revoked_heard_by",
                    "revoked_heard_on",
                    "revoked_heard_where",
                ]
            )
            notified = _notify_holders(
                consent,
                NoticeKind.REVOKED,
                also=_withdrawal_recipients(consent) - {actor.organisation_id},
            )
            audit_record(
                actor=actor,
                action=AuditAction.CHANGE,
                target=consent,
                person_id=consent.person_id,
                field="revoked",
                evidence_kind=evidence_kind,
                notified=notified,
            )
    except Exception:
        if consent.revocation_letter.name:
            consent.revocation_letter.storage.delete(consent.revocation_letter.name)
        raise
    person_changed_after_commit(consent.person_id)
    return consent


def consent_withdraw_by_person(*, subject: Subject, consent: Consent, reason: str = "") -> Consent:
    """The person withdraws one of their own consents, signed in (see :func:`_withdraw_by_person`).

    A refusal is audited (``denied``, what="withdraw", through ``subject_audit``) and
    raised unchanged; nothing else is left behind.
    """
    try:
        return _withdraw_by_person(subject=subject, consent=consent, reason=reason)
    except DomainError as error:
        subject_audit(
            subject,
            AuditAction.DENIED,
            object_type="consent.consent",
            object_id=consent.pk,
            what="withdraw",
            refusal=type(error).__name__,
            sentence=str(error),
        )
        raise


@transaction.atomic
def _withdraw_by_person(*, subject: Subject, consent: Consent, reason: str) -> Consent:
    """Withdraw a consent at the person's own request, made on their own pages.

    Contract:

    1. only the person themself, and only their own consent (a contact person, or a
       consent of anyone else: :class:`NotPermitted`; the pages answer 404 before it
       comes to this, ``selectors.my_consent_get``);
    2. a consent that has already ended cannot be withdrawn (:class:`Conflict`): it no
       longer counts. One that has not started yet can: it will then never count;
    3. the ledger's rules for a withdrawal hold as for :func:`_consent_revoke`: from this
       moment the consent no longer counts, and a "withdrawn" :class:`ConsentNotice` goes
       at once to every organisation the consent named or covered, every organisation that
       received data under it, and the holder of each of the person's trajectories;
    4. the withdrawal is recorded as the person's own: ``revoked_by_person`` is set, no
       staff member or organisation is named, and the signed-in request is its evidence
       (no letter, nobody "heard" it). ``reason`` is optional; the holder reads it;
    5. audited as a change "revoked" with no staff actor, the person's id and
       ``subject="person"``, listing the organisations notified;
    6. withdrawing a consent that is already withdrawn returns it unchanged, with no
       error and no second audit entry.
    """
    if not subject.is_person or consent.person_id != subject.person.pk:
        raise NotPermitted(messages.NOT_YOUR_CONSENT)
    # Lock the consent row only (its named recipient is a nullable join).
    consent = (
        Consent.objects.select_for_update(of=("self",))
        .select_related("purpose", "recipient_organisation")
        .get(pk=consent.pk)
    )
    if consent.revoked_at is not None:
        return consent
    if consent.state == ConsentState.ENDED:
        raise Conflict(messages.ALREADY_ENDED)
    consent.revoked_at = clock.now()
    consent.revoked_by = None
    consent.revoked_by_organisation = None
    consent.revoked_by_person = True
    consent.revoke_reason = reason.strip()
    consent.save(
        update_fields=[
            "revoked_at",
            "revoked_by",
            "revoked_by_organisation",
            "revoked_by_person",
            "revoke_reason",
        ]
    )
    notified = _notify_holders(consent, NoticeKind.REVOKED, also=_withdrawal_recipients(consent))
    subject_audit(
        subject,
        AuditAction.CHANGE,
        object_type="consent.consent",
        object_id=consent.pk,
        field="revoked",
        by_person=True,
        reason_given=bool(consent.revoke_reason),
        notified=notified,
    )
    person_changed_after_commit(consent.person_id)
    return consent


def _withdrawal_recipients(consent: Consent) -> set[int]:
    """Whom a withdrawal concerns besides those that received data under the consent.

    The organisation the consent names; for a consent to a kind, the organisations of
    that kind with a part in one of the person's trajectories (holder now or before, a
    handover's receiver, running alongside); and the holder of each of the trajectories.
    """
    trajectories = Trajectory.objects.filter(person_id=consent.person_id)
    holders = set(trajectories.values_list("baton_holder_id", flat=True)) - {None}
    found = set(holders)
    if consent.recipient_organisation_id is not None:
        found.add(consent.recipient_organisation_id)
    elif consent.recipient_kind:
        parties = (
            holders
            | set(
                Stretch.objects.filter(trajectory__in=trajectories).values_list(
                    "organisation_id", flat=True
                )
            )
            | set(
                Participant.objects.filter(trajectory__in=trajectories).values_list(
                    "organisation_id", flat=True
                )
            )
            | set(
                Handover.objects.filter(trajectory__in=trajectories).values_list(
                    "receiver_id", flat=True
                )
            )
        )
        found |= set(
            Organisation.objects.filter(pk__in=parties, kind=consent.recipient_kind).values_list(
                "pk", flat=True
            )
        )
    return found


def withdrawal_would_notify(consent: Consent) -> list[Organisation]:
    """The organisations a withdrawal of ``consent`` now would tell, by name.

    The same rule as the withdrawal itself (:func:`_withdrawal_recipients` and every
    organisation that received data under it), so the person's confirm page names exactly
    whom the withdrawal will reach. Reads only; changes nothing.
    """
    ids = _withdrawal_recipients(consent) | set(
        ConsentDisclosure.objects.filter(consent=consent).values_list("recipient_id", flat=True)
    )
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def _notify_holders(consent: Consent, kind: str, *, also: Iterable[int] = ()) -> list[int]:
    """Create a notice of ``kind`` for each organisation that received data (and ``also``);
    the ids of the organisations newly notified."""
    recipients = sorted(
        set(
            ConsentDisclosure.objects.filter(consent=consent).values_list("recipient_id", flat=True)
        )
        | set(also)
    )
    created_for = []
    for organisation_id in recipients:
        _, created = ConsentNotice.objects.get_or_create(
            consent=consent,
            organisation_id=organisation_id,
            kind=kind,
            defaults={"created_at": clock.now()},
        )
        if created:
            created_for.append(organisation_id)
    return created_for


def consent_expire_sweep(*, today: dt.date | None = None, report: Report | None = None) -> int:
    """Notify holders of data under consents that ended; returns how many notices were made.

    The expiry itself needs no job: every check compares dates. This sweep
    only sends the "ended" notices, to each organisation that received data
    under a consent whose ``ends_on`` lies before ``today`` (it ran *through*
    ``ends_on``). A withdrawn consent is skipped: its withdrawal already
    notified every holder, whether it came before or after the end date.
    Idempotent: a second run makes no new notices and no audit entry.
    Each consent is its own transaction (a savepoint in the caller's), so one
    failure holds back no other: it is logged with the consent's id, added to
    ``report`` when given, and tried again by the next run.
    """
    today = today or clock.today()
    unnotified = ConsentDisclosure.objects.filter(consent=OuterRef("pk")).exclude(
        Exists(
            ConsentNotice.objects.filter(
                consent=OuterRef("consent"),
                organisation=OuterRef("recipient"),
                kind=NoticeKind.EXPIRED,
            )
        )
    )
    ids = list(
        Consent.objects.filter(
            Exists(unnotified), ends_on__lt=today, revoked_at__isnull=True
        ).values_list("pk", flat=True)
    )
    count = 0
    for pk in ids:
        with isolated("expiry notices of consent", pk, report):
            consent = Consent.objects.select_for_update().get(pk=pk)
            if consent.revoked_at is not None:
                continue  # withdrawn meanwhile: the withdrawal sent its own notices
            notified = _notify_holders(consent, NoticeKind.EXPIRED)
            person_changed_after_commit(consent.person_id)
            if notified:
                audit_record(
                    actor=None,
                    action=AuditAction.TRANSITION,
                    target=consent,
                    person_id=consent.person_id,
                    transition="expired",
                    notified=notified,
                )
            count += len(notified)
    return count


@transaction.atomic
def consent_disclose(
    *,
    actor: Actor,
    consent: Consent,
    recipient: Any,
    data_classes: Iterable[str],
    handover: Any = None,
    message: bool = False,
) -> ConsentDisclosure:
    """Record that ``data_classes`` of the person were shared with ``recipient`` under ``consent``.

    Contract: the consent must be in force today and name the recipient or
    its kind, and cover every class shared (else :class:`Conflict`); an
    unknown class is :class:`InvalidInput`. ``message``: a handover's message
    and information travelled too (free text bounded by the same consent; it
    needs ``handover``, else :class:`InvalidInput`). Call it in the same
    transaction as the share itself (e.g. inside ``handover_send``), after
    :func:`policy.consent_check_share` picked the consent.
    """
    if message and handover is None:
        raise InvalidInput(messages.MESSAGE_WITHOUT_HANDOVER)
    classes = data_classes_clean(data_classes)
    consent = Consent.objects.select_related("purpose").get(pk=consent.pk)
    if not consent_is_effective(consent):
        raise Conflict(messages.DISCLOSURE_NOT_EFFECTIVE)
    if not consent.covers_recipient(recipient):
        raise Conflict(messages.DISCLOSURE_RECIPIENT_MISMATCH, recipient=str(recipient))
    missing = classes - set(consent.data_classes)
    if missing:
        raise Conflict(
            messages.CLASSES_NOT_COVERED,
            purpose=consent.purpose.name,
            classes=", ".join(data_class_labels(missing)),
        )
    disclosure = ConsentDisclosure.objects.create(
        consent=consent,
        recipient=recipient,
        data_classes=sorted(classes),
        message=message,
        disclosed_at=clock.now(),
        handover=handover,
        by=actor.user,
        by_organisation=actor.organisation,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=disclosure,
        person_id=consent.person_id,
        consent=consent.pk,
        recipient=recipient.pk,
        data_classes=sorted(classes),
        message=message,
        handover=handover.pk if handover is not None else None,
    )
    return disclosure


@transaction.atomic
def consent_notice_mark_seen(*, actor: Actor, notice: ConsentNotice) -> ConsentNotice:
    """The addressed organisation marks a notice as read; marking it again changes nothing."""
    notice = ConsentNotice.objects.select_for_update().select_related("consent").get(pk=notice.pk)
    if notice.organisation_id != actor.organisation_id:
        raise NotPermitted(messages.NOT_YOUR_NOTICE)
    if notice.seen_at is not None:
        return notice
    notice.seen_at = clock.now()
    notice.seen_by = actor.user
    notice.save(update_fields=["seen_at", "seen_by"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=notice,
        person_id=notice.consent.person_id,
        field="seen",
    )
    return notice


def consent_review(*, actor: Actor, consent: Consent, outcome: str, note: str = "") -> Consent:
    """A colleague reviews a consent its organisation recorded for itself.

    The contract is :func:`_consent_review`'s.

    A refusal is audited (``denied``, what="review") and raised unchanged.
    """
    try:
        return _consent_review(actor=actor, consent=consent, outcome=outcome, note=note)
    except DomainError as error:
        _refused(actor, error, person_id=consent.person_id, what="review", consent_id=consent.pk)
        raise


@transaction.atomic
def _consent_review(*, actor: Actor, consent: Consent, outcome: str, note: str) -> Consent:
    """Mark a self-recorded consent as reviewed, with an outcome and an optional note.

    Contract: only a reviewing role of the recording organisation who did not record it
    (``access.policy.may_review_self_recorded_consent``; else :class:`NotPermitted`);
    once only (else :class:`Conflict`); ``outcome`` one of :class:`ReviewOutcome` (else
    :class:`InvalidInput`). Audited as a change "reviewed" with the outcome. A doubted
    consent stays recorded: withdrawing it needs the person's word, like any withdrawal;
    the outcome and note tell the recorder and the organisation what to ask.
    """
    consent = (
        # Lock the consent row only: the recording organisation may be null (an outer join).
        Consent.objects.select_for_update(of=("self",))
        .select_related("purpose", "recorded_by_organisation")
        .get(pk=consent.pk)
    )
    if not may_review_self_recorded_consent(actor, consent):
        raise NotPermitted(messages.NOT_A_CONSENT_REVIEWER)
    if consent.reviewed_at is not None:
        raise Conflict(messages.CONSENT_ALREADY_REVIEWED)
    if outcome not in ReviewOutcome.values:
        raise InvalidInput(messages.UNKNOWN_REVIEW_OUTCOME)
    consent.reviewed_at = clock.now()
    consent.reviewed_by = actor.user
    consent.review_outcome = outcome
    consent.review_note = note.strip()
    consent.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_note"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=consent,
        person_id=consent.person_id,
        field="reviewed",
        outcome=outcome,
    )
    return consent
