"""Recording a consent: evidence required, dates in order, real file types only.

On every refusal nothing is left: no row, no audit entry, no file on disk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from estafette.consent import messages
from estafette.consent.models import Consent, ConsentPurpose, EvidenceKind
from estafette.consent.tests.helpers import (
    PDF_BYTES,
    TODAY,
    image_upload,
    make_actor,
    pdf_upload,
    stored_files,
)
from estafette.core.actor import Actor
from estafette.core.errors import DomainError, InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind, Role

Record = Callable[..., Consent]
DOCUMENT: dict[str, Any] = {
    "evidence_kind": EvidenceKind.DOCUMENT,
    "verbal_by": "",
    "verbal_on": None,
    "verbal_place": "",
}


def creates() -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="consent.consent"
    ).count()


def assert_refused(
    record: Record,
    media_root: Path,
    message: object,
    error: type[DomainError] = InvalidInput,
    **overrides: Any,
) -> DomainError:
    """The refusal carries ``message``; no consent row, no audit 'create', no file on disk."""
    with pytest.raises(error) as caught:
        record(**overrides)
    assert caught.value.message is message
    assert Consent.objects.count() == 0
    assert creates() == 0
    assert stored_files(media_root) == []
    return caught.value


# --------------------------------------------------------------------------- accepted


def test_verbal_consent_is_recorded_and_audited(record: Record, person: Any) -> None:
    consent = record(ends_on=TODAY + dt.timedelta(days=30))
    assert consent.person == person
    assert consent.purpose.code == "aftercare_referral"
    assert consent.recipient_kind == OrganisationKind.MUNICIPAL_AFTERCARE
    assert consent.recipient_organisation is None
    assert consent.data_classes == ["detention", "identity"]
    assert consent.verbal_by == "Joke de Vrijwilliger"
    assert not consent.evidence
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="consent.consent")
    assert event.person_id == person.pk
    assert event.detail["purpose"] == "aftercare_referral"


@pytest.mark.parametrize(
    ("upload", "content_type", "extension"),
    [
        (lambda: pdf_upload("Handtekening Sanne K.pdf"), "application/pdf", ".pdf"),
        (lambda: image_upload("PNG", "scan.png"), "image/png", ".png"),
        (lambda: image_upload("JPEG", "photo.jpeg"), "image/jpeg", ".jpg"),
    ],
)
def test_document_is_stored_under_a_random_name_with_the_detected_type(
    record: Record, media_root: Path, upload: Any, content_type: str, extension: str
) -> None:
    consent = record(**DOCUMENT, evidence_file=upload())
    assert consent.evidence_content_type == content_type
    name = Path(consent.evidence.name)
    assert name.suffix == extension
    assert str(name.parent) == f"consent/evidence/{TODAY:%Y}/{TODAY:%m}"
    assert "Sanne" not in name.name and "scan" not in name.name and "photo" not in name.name
    assert len(name.stem) == 32  # a uuid4 hex
    assert stored_files(media_root) == [media_root / name]


def test_document_ignores_verbal_fields(record: Record) -> None:
    consent = record(evidence_kind=EvidenceKind.DOCUMENT, evidence_file=pdf_upload())
    assert (consent.verbal_by, consent.verbal_on, consent.verbal_place) == ("", None, "")


def test_named_organisation_as_recipient(record: Record, aftercare: Organisation) -> None:
    consent = record(recipient_kind="", recipient_organisation=aftercare)
    assert consent.recipient_organisation == aftercare
    assert consent.recipient_label == aftercare.name


def test_a_past_consent_with_a_past_end_can_be_recorded(record: Record) -> None:
    consent = record(given_on=TODAY - dt.timedelta(days=100), ends_on=TODAY - dt.timedelta(days=10))
    assert consent.state == "ended"


def test_end_on_the_start_day_is_allowed(record: Record) -> None:
    assert record(ends_on=TODAY).ends_on == TODAY


def test_a_purpose_added_by_an_administrator_can_be_used(record: Record) -> None:
    ConsentPurpose.objects.create(
        code="housing_corporation",
        name_en="Contact with a housing corporation",
        name_nl="Contact met een woningcorporatie",
        description_en="We may ask a housing corporation for a home for you.",
        description_nl="Wij mogen een woningcorporatie om een woning voor u vragen.",
    )
    consent = record(purpose_code="housing_corporation", data_classes=["identity"])
    assert consent.purpose.code == "housing_corporation"
    # A new purpose covers identity by default: anything more needs a reason.
    with pytest.raises(InvalidInput) as refused:
        record(purpose_code="housing_corporation")
    assert refused.value.message is messages.CLASSES_REASON_REQUIRED


def test_nine_builtin_purposes_are_seeded(db: None) -> None:
    codes = set(ConsentPurpose.objects.filter(built_in=True).values_list("code", flat=True))
    assert codes == {
        "consular",
        "bb_guidance",
        "partner_sharing",
        "contact_person",
        "volunteer_visits",
        "aftercare_referral",
        "mayor_notification",
        "buddy_programme",
        "infosheet",
    }
    for purpose in ConsentPurpose.objects.all():
        assert purpose.name_nl and purpose.name_en
        assert purpose.description_nl and purpose.description_en


# --------------------------------------------------------------------------- refused


def test_document_without_a_file_is_refused(record: Record, media_root: Path) -> None:
    assert_refused(record, media_root, messages.EVIDENCE_FILE_REQUIRED, **DOCUMENT)


@pytest.mark.parametrize("missing", ["verbal_by", "verbal_on", "verbal_place"])
def test_verbal_without_who_when_where_is_refused(
    record: Record, media_root: Path, missing: str
) -> None:
    blank = None if missing == "verbal_on" else "  "
    assert_refused(record, media_root, messages.EVIDENCE_VERBAL_REQUIRED, **{missing: blank})


def test_unknown_evidence_kind_is_refused(record: Record, media_root: Path) -> None:
    assert_refused(record, media_root, messages.UNKNOWN_EVIDENCE_KIND, evidence_kind="rumour")


def test_end_before_start_is_refused(record: Record, media_root: Path) -> None:
    assert_refused(
        record,
        media_root,
        messages.END_BEFORE_START,
        **DOCUMENT,
        evidence_file=pdf_upload(),
        ends_on=TODAY - dt.timedelta(days=1),
    )


def test_given_in_the_future_is_refused(record: Record, media_root: Path) -> None:
    assert_refused(
        record, media_root, messages.GIVEN_ON_FUTURE, given_on=TODAY + dt.timedelta(days=1)
    )


def test_verbal_in_the_future_is_refused(record: Record, media_root: Path) -> None:
    assert_refused(
        record, media_root, messages.VERBAL_ON_FUTURE, verbal_on=TODAY + dt.timedelta(days=1)
    )


def test_unknown_purpose_is_refused(record: Record, media_root: Path) -> None:
    assert_refused(
        record,
        media_root,
        messages.UNKNOWN_PURPOSE,
        **DOCUMENT,
        evidence_file=pdf_upload(),
        purpose_code="tell_everyone",
    )


def test_purpose_no_longer_in_use_is_refused(record: Record, media_root: Path) -> None:
    ConsentPurpose.objects.filter(code="buddy_programme").update(is_active=False)
    assert_refused(record, media_root, messages.UNKNOWN_PURPOSE, purpose_code="buddy_programme")


def test_both_or_no_recipient_is_refused(
    record: Record, media_root: Path, aftercare: Organisation
) -> None:
    assert_refused(
        record, media_root, messages.RECIPIENT_EXACTLY_ONE, recipient_organisation=aftercare
    )
    assert_refused(record, media_root, messages.RECIPIENT_EXACTLY_ONE, recipient_kind="")


def test_unknown_recipient_kind_is_refused(record: Record, media_root: Path) -> None:
    assert_refused(record, media_root, messages.UNKNOWN_RECIPIENT_KIND, recipient_kind="press")


def test_inactive_recipient_is_refused(
    record: Record, media_root: Path, aftercare: Organisation
) -> None:
    aftercare.is_active = False
    aftercare.save()
    assert_refused(
        record,
        media_root,
        messages.RECIPIENT_INACTIVE,
        recipient_kind="",
        recipient_organisation=aftercare,
    )


def test_no_data_classes_is_refused(record: Record, media_root: Path) -> None:
    assert_refused(record, media_root, messages.DATA_CLASSES_REQUIRED, data_classes=[])


def test_unknown_data_class_is_refused(record: Record, media_root: Path) -> None:
    error = assert_refused(
        record, media_root, messages.UNKNOWN_DATA_CLASS, data_classes=["identity", "bank"]
    )
    assert "bank" in str(error)


def test_a_program_renamed_pdf_is_refused(record: Record, media_root: Path) -> None:
    exe = SimpleUploadedFile(
        "consent.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "application/pdf"
    )
    assert_refused(record, media_root, messages.EVIDENCE_WRONG_TYPE, **DOCUMENT, evidence_file=exe)


def test_html_claiming_to_be_an_image_is_refused(record: Record, media_root: Path) -> None:
    html = SimpleUploadedFile("form.png", b"<html><script>alert(1)</script>", "image/png")
    assert_refused(record, media_root, messages.EVIDENCE_WRONG_TYPE, **DOCUMENT, evidence_file=html)


def test_a_file_that_only_starts_like_a_png_is_refused(record: Record, media_root: Path) -> None:
    fake = SimpleUploadedFile("form.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "image/png")
    assert_refused(record, media_root, messages.EVIDENCE_UNREADABLE, **DOCUMENT, evidence_file=fake)


def test_an_empty_file_is_refused(record: Record, media_root: Path) -> None:
    empty = SimpleUploadedFile("form.pdf", b"", "application/pdf")
    assert_refused(record, media_root, messages.EVIDENCE_EMPTY, **DOCUMENT, evidence_file=empty)


def test_a_file_above_the_limit_is_refused(record: Record, media_root: Path, settings: Any) -> None:
    settings.ESTAFETTE_EVIDENCE_MAX_BYTES = len(PDF_BYTES) - 1
    error = assert_refused(
        record, media_root, messages.EVIDENCE_TOO_LARGE, **DOCUMENT, evidence_file=pdf_upload()
    )
    assert "bytes" in str(error)


def test_a_file_at_the_limit_is_accepted(record: Record, settings: Any) -> None:
    settings.ESTAFETTE_EVIDENCE_MAX_BYTES = len(PDF_BYTES)
    assert record(**DOCUMENT, evidence_file=pdf_upload()).evidence


def test_the_default_limit_is_ten_megabytes(settings: Any) -> None:
    from estafette.consent.evidence import evidence_max_bytes

    if hasattr(settings, "ESTAFETTE_EVIDENCE_MAX_BYTES"):
        del settings.ESTAFETTE_EVIDENCE_MAX_BYTES
    assert evidence_max_bytes() == 10 * 1024 * 1024


def test_a_failure_after_the_file_was_written_removes_it(
    record: Record, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("estafette.consent.services.audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        record(**DOCUMENT, evidence_file=pdf_upload())
    assert Consent.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_volunteer_cannot_record(record: Record, media_root: Path, volunteer: Actor) -> None:
    assert_refused(record, media_root, messages.PROFESSIONALS_ONLY, NotPermitted, actor=volunteer)


def test_an_organisation_without_a_part_cannot_record(
    record: Record, media_root: Path, outsider: Actor
) -> None:
    assert_refused(record, media_root, messages.NOT_YOUR_PERSON, NotPermitted, actor=outsider)


def test_a_professional_of_another_role_in_the_same_organisation_can_record(
    record: Record, bb: Organisation
) -> None:
    admin = make_actor(bb, Role.ORGANISATION_ADMIN)
    assert record(actor=admin).recorded_by == admin.user
