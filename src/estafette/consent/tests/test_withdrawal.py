"""Recording a withdrawal (issue 11, point 3): on evidence, by whom, and who is told.

The municipal desk withdrew a consular consent and the embassy lost the file at
once. Now a withdrawal needs what a consent needs (who heard it, when and where,
or the signed letter), is open only to the holder and to organisations the
consent covers, and tells every recipient and the holder. A refusal is a
sentence, audited, never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from estafette.consent import messages
from estafette.consent.models import Consent, ConsentNotice, EvidenceKind, NoticeKind
from estafette.consent.services import consent_disclose, consent_revoke
from estafette.consent.tests.helpers import (
    TODAY,
    make_actor,
    make_org,
    pdf_upload,
    stored_files,
)
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.people.models import Person
from estafette.testing.auth import login_verified
from estafette.testing.consent import give_consent, withdrawal_heard
from estafette.trajectories.models import ParticipantRole, Trajectory
from estafette.trajectories.services import participant_add

Record = Callable[..., Consent]


@pytest.fixture
def consulate(db: None) -> Organisation:
    return make_org(OrganisationKind.CONSULAR_POST, "Consulaat Madrid")


@pytest.fixture
def consul(consulate: Organisation) -> Actor:
    return make_actor(consulate, Role.CONSULAR_OFFICER)


@pytest.fixture
def desk(
    coordinator: Actor, trajectory: Trajectory, aftercare: Organisation, aftercare_worker: Actor
) -> Actor:
    """The municipal desk runs alongside on an after-care consent (by kind)."""
    participant_add(
        actor=coordinator,
        trajectory=trajectory,
        organisation=aftercare,
        role=ParticipantRole.OTHER,
    )
    return aftercare_worker


@pytest.fixture
def consular(
    coordinator: Actor, trajectory: Trajectory, consulate: Organisation, person: Person
) -> Consent:
    """The embassy runs alongside on the person's consular consent (naming it)."""
    participant_add(
        actor=coordinator,
        trajectory=trajectory,
        organisation=consulate,
        role=ParticipantRole.CONSULAR_POST,
    )
    return give_consent(
        person=person,
        purpose_code="consular",
        recipient=consulate,
        data_classes=["identity", "detention"],
    )


@pytest.fixture
def aftercare_consent(person: Person, trajectory: Trajectory) -> Consent:
    return give_consent(
        person=person,
        purpose_code="aftercare_referral",
        recipient_kind=OrganisationKind.MUNICIPAL_AFTERCARE,
        data_classes=["identity", "detention", "conditions"],
    )


def denied(actor: Actor, what: str = "withdraw") -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.DENIED, organisation=actor.organisation, detail__what=what
        )
    )


def client_for(actor: Actor) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, actor.user)
    return client


# --------------------------------------------------------------------------- evidence


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ({}, messages.UNKNOWN_WITHDRAWAL_EVIDENCE_KIND),
        ({"evidence_kind": EvidenceKind.DOCUMENT}, messages.WITHDRAWAL_EVIDENCE_FILE_REQUIRED),
        ({"evidence_kind": EvidenceKind.VERBAL}, messages.WITHDRAWAL_EVIDENCE_VERBAL_REQUIRED),
    ],
    ids=["no evidence", "letter without a file", "verbal without who, when, where"],
)
def test_a_withdrawal_without_evidence_is_refused_and_audited(
    aftercare_consent: Consent, coordinator: Actor, evidence: dict[str, Any], message: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        consent_revoke(actor=coordinator, consent=aftercare_consent, reason="weg", **evidence)
    assert refused.value.message is message
    aftercare_consent.refresh_from_db()
    assert aftercare_consent.revoked_at is None
    assert ConsentNotice.objects.count() == 0
    [entry] = denied(coordinator)
    assert entry.object_id == str(aftercare_consent.pk)
    assert entry.detail["refusal"] == "InvalidInput"
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGE).exists()


def test_a_verbal_withdrawal_needs_who_when_and_where(
    aftercare_consent: Consent, coordinator: Actor
) -> None:
    for missing in ("heard_by", "heard_where"):
        with pytest.raises(InvalidInput) as refused:
            consent_revoke(
                actor=coordinator, consent=aftercare_consent, **withdrawal_heard(**{missing: " "})
            )
        assert refused.value.message is messages.WITHDRAWAL_EVIDENCE_VERBAL_REQUIRED
    with pytest.raises(InvalidInput) as refused:
        consent_revoke(
            actor=coordinator,
            consent=aftercare_consent,
            **withdrawal_heard(heard_on=TODAY + dt.timedelta(days=1)),
        )
    assert refused.value.message is messages.WITHDRAWAL_HEARD_FUTURE
    with pytest.raises(InvalidInput) as refused:
        consent_revoke(
            actor=coordinator,
            consent=aftercare_consent,
            **withdrawal_heard(heard_on=aftercare_consent.given_on - dt.timedelta(days=1)),
        )
    assert refused.value.message is messages.WITHDRAWAL_HEARD_BEFORE_GIVEN
    aftercare_consent.refresh_from_db()
    assert aftercare_consent.revoked_at is None


def test_a_verbal_withdrawal_is_stored_with_its_evidence(
    aftercare_consent: Consent, coordinator: Actor
) -> None:
    consent = consent_revoke(
        actor=coordinator,
        consent=aftercare_consent,
        reason="Gaat bij zijn broer wonen",
        **withdrawal_heard(heard_by="Joke", heard_where="Bezoekzaal PI Zwolle"),
    )
    consent.refresh_from_db()
    assert consent.revocation_evidence_kind == EvidenceKind.VERBAL
    assert (consent.revoked_heard_by, consent.revoked_heard_on, consent.revoked_heard_where) == (
        "Joke",
        TODAY,
        "Bezoekzaal PI Zwolle",
    )
    entry = AuditEvent.objects.get(
        action=AuditAction.CHANGE, object_type="consent.consent", object_id=str(consent.pk)
    )
    assert entry.detail["field"] == "revoked" and entry.detail["evidence_kind"] == "verbal"


def test_a_signed_letter_is_stored_under_a_random_name(
    aftercare_consent: Consent, coordinator: Actor, media_root: Path
) -> None:
    consent = consent_revoke(
        actor=coordinator,
        consent=aftercare_consent,
        evidence_kind=EvidenceKind.DOCUMENT,
        evidence_file=pdf_upload("brief van Sanne.pdf"),
        heard_by="ignored",
    )
    consent.refresh_from_db()
    assert consent.revocation_letter.name.startswith("consent/withdrawals/")
    assert "Sanne" not in consent.revocation_letter.name
    assert consent.revocation_letter_content_type == "application/pdf"
    assert consent.revoked_heard_by == ""
    assert len(stored_files(media_root)) == 1


def test_a_letter_that_is_no_pdf_or_image_leaves_nothing(
    aftercare_consent: Consent, coordinator: Actor, media_root: Path
) -> None:
    with pytest.raises(InvalidInput) as refused:
        consent_revoke(
            actor=coordinator,
            consent=aftercare_consent,
            evidence_kind=EvidenceKind.DOCUMENT,
            evidence_file=pdf_upload("letter.pdf", b"MZ not a pdf at all"),
        )
    assert refused.value.message is messages.EVIDENCE_WRONG_TYPE
    assert stored_files(media_root) == []


# --------------------------------------------------------------------------- who


def test_the_municipal_desk_cannot_withdraw_the_consular_consent(
    consular: Consent, desk: Actor, aftercare_consent: Consent, consul: Actor
) -> None:
    """The issue's example: the embassy keeps its file."""
    with pytest.raises(NotPermitted) as refused:
        consent_revoke(actor=desk, consent=consular, **withdrawal_heard())
    assert refused.value.message is messages.NOT_YOURS_TO_WITHDRAW
    assert "Bureau Buitenland Oost" in str(refused.value)  # whom to tell: the holder
    consular.refresh_from_db()
    assert consular.revoked_at is None
    [entry] = denied(desk)
    assert entry.detail["refusal"] == "NotPermitted"
    # ... but the desk may record the withdrawal of the consent that covers it,
    consent_revoke(actor=desk, consent=aftercare_consent, **withdrawal_heard())
    # and the embassy that of its own.
    consent_revoke(actor=consul, consent=consular, **withdrawal_heard())
    consular.refresh_from_db()
    assert consular.revoked_by_organisation == consul.organisation


def test_the_holder_may_withdraw_any_consent_of_the_person(
    consular: Consent, coordinator: Actor
) -> None:
    consent_revoke(actor=coordinator, consent=consular, **withdrawal_heard())
    consular.refresh_from_db()
    assert consular.is_revoked


def test_an_administrator_does_not_record_withdrawals(consular: Consent, bb: Organisation) -> None:
    admin = make_actor(bb, Role.ORGANISATION_ADMIN)
    with pytest.raises(NotPermitted) as refused:
        consent_revoke(actor=admin, consent=consular, **withdrawal_heard())
    assert refused.value.message is messages.NOT_YOURS_TO_WITHDRAW


# --------------------------------------------------------------------------- notices


def test_every_recipient_and_the_holder_are_told(
    consular: Consent,
    consul: Actor,
    coordinator: Actor,
    landing: Organisation,
) -> None:
    consent_disclose(
        actor=coordinator,
        consent=consular,
        recipient=consul.organisation,
        data_classes=["identity"],
    )
    consent_revoke(actor=consul, consent=consular, **withdrawal_heard())
    told = set(
        ConsentNotice.objects.filter(consent=consular, kind=NoticeKind.REVOKED).values_list(
            "organisation_id", flat=True
        )
    )
    # The holder; and the embassy itself, because it received data under it.
    assert told == {coordinator.organisation_id, consul.organisation_id}


def test_a_consent_to_a_kind_tells_the_organisations_of_that_kind_with_a_part(
    aftercare_consent: Consent,
    desk: Actor,
    coordinator: Actor,
    aftercare_2: Organisation,
) -> None:
    consent_revoke(actor=coordinator, consent=aftercare_consent, **withdrawal_heard())
    told = set(
        ConsentNotice.objects.filter(consent=aftercare_consent).values_list(
            "organisation_id", flat=True
        )
    )
    # The desk that runs alongside; not a desk of the same kind without a part, and not
    # the holder that recorded the withdrawal itself (it received nothing under it).
    assert told == {desk.organisation_id}
    assert aftercare_2.pk not in told


# --------------------------------------------------------------------------- the pages


def test_the_withdraw_form_shows_only_where_the_reader_may_withdraw(
    consular: Consent, aftercare_consent: Consent, desk: Actor, person: Person
) -> None:
    html = client_for(desk).get(reverse("consent-overview", args=[person.pk])).content.decode()
    assert reverse("consent-revoke", args=[aftercare_consent.pk]) in html
    assert reverse("consent-revoke", args=[consular.pk]) not in html
    assert 'enctype="multipart/form-data"' in html


def test_a_withdrawal_without_evidence_comes_back_with_the_work_kept(
    aftercare_consent: Consent, coordinator: Actor, person: Person
) -> None:
    response = client_for(coordinator).post(
        reverse("consent-revoke", args=[aftercare_consent.pk]),
        {"evidence_kind": "verbal", "heard_by": "Joke", "reason": "Gaat bij zijn broer wonen"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert str(messages.WITHDRAWAL_EVIDENCE_VERBAL_REQUIRED) in html
    assert "Gaat bij zijn broer wonen" in html and 'value="Joke"' in html
    assert " open>" in html  # the form stays open where it was
    aftercare_consent.refresh_from_db()
    assert aftercare_consent.revoked_at is None
    assert denied(coordinator)


def test_a_withdrawal_by_someone_who_may_not_is_a_sentence_not_a_500(
    consular: Consent, desk: Actor, aftercare_consent: Consent
) -> None:
    response = client_for(desk).post(
        reverse("consent-revoke", args=[consular.pk]),
        {
            "evidence_kind": "verbal",
            "heard_by": "Loket",
            "heard_on": TODAY.isoformat(),
            "heard_where": "Stadskantoor",
        },
    )
    assert response.status_code == 403
    assert "Only the organisation that holds the person" in response.content.decode()
    consular.refresh_from_db()
    assert consular.revoked_at is None
    assert denied(desk)


def test_a_withdrawal_with_a_letter_through_the_page(
    aftercare_consent: Consent, coordinator: Actor, person: Person
) -> None:
    response = client_for(coordinator).post(
        reverse("consent-revoke", args=[aftercare_consent.pk]),
        {"evidence_kind": "document", "evidence_file": pdf_upload()},
    )
    assert response.status_code == 302
    aftercare_consent.refresh_from_db()
    assert aftercare_consent.revocation_letter.name
