"""Every change to the consent ledger: one audited function each, inside a transaction.

A refusal raises a domain error with a sentence from :mod:`messages` and
leaves nothing behind: no row, no audit "create", no file on disk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef

from estafette.consent import messages
from estafette.consent.evidence import evidence_validate
from estafette.consent.models import (
    Consent,
    ConsentDisclosure,
    ConsentNotice,
    ConsentPurpose,
    EvidenceKind,
    NoticeKind,
    data_class_labels,
)
from estafette.consent.policy import consent_is_effective, data_classes_clean
from estafette.consent.selectors import can_manage_consent, person_in_scope
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import person_changed_after_commit
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.isolation import Report, isolated
from estafette.core.models import AuditAction
from estafette.organisations.models import OrganisationKind


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


def _clean_evidence(
    kind: str,
    upload: Any,
    verbal_by: str,
    verbal_on: dt.date | None,
    verbal_place: str,
    today: dt.date,
) -> str:
    """Validate the evidence; the detected content type for a document, else ''."""
    if kind == EvidenceKind.DOCUMENT:
        if upload is None:
            raise InvalidInput(messages.EVIDENCE_FILE_REQUIRED)
        return evidence_validate(upload)
    if kind == EvidenceKind.VERBAL:
        if not verbal_by.strip() or verbal_on is None or not verbal_place.strip():
            raise InvalidInput(messages.EVIDENCE_VERBAL_REQUIRED)
        bounds.check_date(
            bounds.CONSENT_HEARD, verbal_on, today=today, too_late=messages.VERBAL_ON_FUTURE
        )
        return ""
    raise InvalidInput(messages.UNKNOWN_EVIDENCE_KIND)


@transaction.atomic
def consent_record(
    *,
    actor: Actor,
    person: Any,
    purpose_code: str,
    recipient_organisation: Any = None,
    recipient_kind: str = "",
    data_classes: Iterable[str],
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
    3. evidence is required: a document needs a file that is a PDF, PNG or
       JPEG by its content and within the size limit; verbal consent needs
       who heard it, when (not in the future) and where. The fields of the
       other evidence kind are ignored, not stored;
    4. the file is stored under a random name; the row, the file and the
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
                evidence_kind=evidence_kind,
            )
            person_changed_after_commit(person.pk)
    except Exception:
        if consent.evidence.name:
            consent.evidence.storage.delete(consent.evidence.name)
        raise
    return consent


@transaction.atomic
def consent_revoke(*, actor: Actor, consent: Consent, reason: str = "") -> Consent:
    """Withdraw a consent, at once; notify every organisation that received data under it.

    Contract:

    1. only a professional with a part in the person's trajectories (else
       :class:`NotPermitted`); the person need not give a reason, so
       ``reason`` may be empty;
    2. from this moment the consent no longer counts (see :mod:`rules`):
       checks refuse new sharing and :func:`policy.covered_data_classes`
       drops its classes;
    3. every organisation with a :class:`ConsentDisclosure` under it gets a
       "withdrawn" :class:`ConsentNotice`; the disclosures themselves stay;
    4. withdrawing a consent that is already withdrawn returns it unchanged,
       with no error and no second audit entry.
    """
    consent = Consent.objects.select_for_update().select_related("person").get(pk=consent.pk)
    _require_professional_with_part(actor, consent.person)
    if consent.revoked_at is not None:
        return consent
    consent.revoked_at = clock.now()
    consent.revoked_by = actor.user
    consent.revoked_by_organisation = actor.organisation
    consent.revoke_reason = reason.strip()
    consent.save(
        update_fields=["revoked_at", "revoked_by", "revoked_by_organisation", "revoke_reason"]
    )
    notified = _notify_holders(consent, NoticeKind.REVOKED)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=consent,
        person_id=consent.person_id,
        field="revoked",
        notified=notified,
    )
    person_changed_after_commit(consent.person_id)
    return consent


def _notify_holders(consent: Consent, kind: str) -> list[int]:
    """Create a notice of ``kind`` for each organisation that received data; new ones' ids."""
    recipients = sorted(
        set(
            ConsentDisclosure.objects.filter(consent=consent).values_list("recipient_id", flat=True)
        )
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
