"""Reads of the ledger go through the actor: two-organisation isolation, audited refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404

from estafette.consent.models import Consent, ConsentNotice
from estafette.consent.selectors import (
    consent_evidence_get,
    consent_get,
    consent_list,
    consent_notice_get,
    consent_notices_for,
    consent_person_get,
)
from estafette.consent.services import consent_disclose, consent_revoke
from estafette.consent.tests.helpers import make_actor
from estafette.core.actor import Actor
from estafette.core.errors import NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, Role
from estafette.testing.consent import give_consent, withdrawal_heard
from estafette.trajectories.models import ParticipantRole
from estafette.trajectories.services import participant_add

Record = Callable[..., Consent]


def test_consent_list_for_an_organisation_with_a_part(
    record: Record, coordinator: Actor, person: Any, django_assert_max_num_queries: Any
) -> None:
    first = record()
    second = record(purpose_code="volunteer_visits")
    with django_assert_max_num_queries(8):
        consents = consent_list(actor=coordinator, person=person)
        for consent in consents:
            _ = (consent.purpose.name, consent.recipient_label, list(consent.disclosures.all()))
    assert {c.pk for c in consents} == {first.pk, second.pk}
    event = AuditEvent.objects.filter(action=AuditAction.VIEW, person_id=person.pk).first()
    assert event is not None and event.object_type == "consent.consent"


def test_consent_list_404_and_audited_for_an_unrelated_organisation(
    record: Record, outsider: Actor, person: Any
) -> None:
    record()
    with pytest.raises(Http404):
        consent_list(actor=outsider, person=person)
    denied = AuditEvent.objects.get(action=AuditAction.DENIED, person_id=person.pk)
    assert denied.organisation == outsider.organisation
    assert denied.detail["what"] == "consents"
    assert not AuditEvent.objects.filter(
        action=AuditAction.VIEW, organisation=outsider.organisation
    ).exists()


def test_a_participant_sees_the_consents(
    record: Record,
    coordinator: Actor,
    trajectory: Any,
    person: Any,
    stranger: Organisation,
    outsider: Actor,
) -> None:
    record()
    participant_add(
        actor=coordinator, trajectory=trajectory, organisation=stranger, role=ParticipantRole.OTHER
    )
    with pytest.raises(Http404):  # a part without a consent covering it is not enough
        consent_list(actor=outsider, person=person)
    give_consent(person=person, purpose_code="partner_sharing", recipient=stranger)
    assert len(consent_list(actor=outsider, person=person)) == 2


def test_consent_person_get_isolation(
    person: Any, trajectory: Any, coordinator: Actor, outsider: Actor
) -> None:
    assert consent_person_get(actor=coordinator, pk=person.pk) == person
    with pytest.raises(Http404):
        consent_person_get(actor=outsider, pk=person.pk)
    with pytest.raises(Http404):
        consent_person_get(actor=coordinator, pk=person.pk + 999)
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 2


def test_consent_get_isolation(record: Record, coordinator: Actor, outsider: Actor) -> None:
    consent = record()
    assert consent_get(actor=coordinator, pk=consent.pk) == consent
    with pytest.raises(Http404):
        consent_get(actor=outsider, pk=consent.pk)
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="consent.consent", object_id=str(consent.pk)
    ).exists()


def test_evidence_only_for_professionals_and_audited(
    record: Record, coordinator: Actor, volunteer: Actor, outsider: Actor
) -> None:
    from estafette.consent.models import EvidenceKind
    from estafette.consent.tests.helpers import pdf_upload

    consent = record(evidence_kind=EvidenceKind.DOCUMENT, evidence_file=pdf_upload())
    assert consent_evidence_get(actor=coordinator, pk=consent.pk) == consent
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_id=str(consent.pk), detail__what="evidence"
    ).exists()
    with pytest.raises(NotPermitted):
        consent_evidence_get(actor=volunteer, pk=consent.pk)
    with pytest.raises(Http404):
        consent_evidence_get(actor=outsider, pk=consent.pk)


def test_verbal_consent_has_no_evidence_file(record: Record, coordinator: Actor) -> None:
    consent = record()
    with pytest.raises(Http404):
        consent_evidence_get(actor=coordinator, pk=consent.pk)


def test_notices_only_for_the_addressed_organisation(
    record: Record,
    coordinator: Actor,
    aftercare: Organisation,
    aftercare_worker: Actor,
    outsider: Actor,
) -> None:
    consent = record()
    consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
    )
    consent_revoke(actor=coordinator, consent=consent, **withdrawal_heard())
    notices = consent_notices_for(actor=aftercare_worker)
    assert [n.consent_id for n in notices] == [consent.pk]
    assert consent_notices_for(actor=outsider) == []
    assert consent_notices_for(actor=coordinator) == []
    notice = ConsentNotice.objects.get()
    assert consent_notice_get(actor=aftercare_worker, pk=notice.pk) == notice
    with pytest.raises(Http404):
        consent_notice_get(actor=outsider, pk=notice.pk)
    colleague = make_actor(aftercare, Role.AFTERCARE_COORDINATOR)
    assert len(consent_notices_for(actor=colleague)) == 1


def test_a_mayor_notification_consent_is_shown_only_to_its_handlers(
    record: Record, coordinator: Actor, volunteer: Actor, person: Any
) -> None:
    """BIJ is confidential: a volunteer of the same desk does not even learn that it exists."""
    ordinary = record()
    bij = record(purpose_code="mayor_notification")
    assert {c.pk for c in consent_list(actor=coordinator, person=person)} == {ordinary.pk, bij.pk}
    assert [c.pk for c in consent_list(actor=volunteer, person=person)] == [ordinary.pk]
    assert consent_get(actor=coordinator, pk=bij.pk) == bij
    with pytest.raises(Http404):
        consent_get(actor=volunteer, pk=bij.pk)
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="consent.consent", object_id=str(bij.pk)
    ).exists()
