"""The consent pages: overview, record form, withdraw, evidence download, receipt PDF, notices."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from estafette.consent import messages
from estafette.consent.models import Consent, ConsentNotice, EvidenceKind
from estafette.consent.services import consent_disclose, consent_revoke
from estafette.consent.tests.helpers import PDF_BYTES, TODAY, pdf_upload, stored_files
from estafette.core.actor import Actor
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation
from estafette.testing.auth import login_verified
from estafette.testing.consent import withdrawal_heard

Record = Callable[..., Consent]

HEARD = {
    "evidence_kind": "verbal",
    "heard_by": "Joke de Vrijwilliger",
    "heard_on": TODAY.isoformat(),
    "heard_where": "Centro Penitenciario Madrid VII",
}
"""The withdraw form's evidence: who heard the person withdraw, when and where."""


def client_for(actor: Actor, language: str = "nl") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    login_verified(client, actor.user)
    return client


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


# --------------------------------------------------------------------------- overview


def test_overview_in_plain_dutch(record: Record, coordinator: Actor, person: Any) -> None:
    record(ends_on=TODAY.replace(month=6, day=30))
    response = client_for(coordinator).get(reverse("consent-overview", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Verwijzing naar gemeentelijke nazorg" in html
    assert reverse("consent-record", args=[person.pk]) in html
    assert "Cache-Control" in response and "no-store" in response["Cache-Control"]
    assert "style=" not in html and "<script>" not in html


@pytest.mark.usefixtures("bb_ground")
def test_overview_in_plain_english(record: Record, coordinator: Actor, person: Any) -> None:
    record(ends_on=TODAY.replace(month=6, day=30))
    response = client_for(coordinator, "en").get(reverse("consent-overview", args=[person.pk]))
    html = response.content.decode()
    assert "Referral to municipal after-care" in html
    assert "You agreed that an organisation of the kind" in html
    assert "until 30 Jun 2025" in html


@pytest.mark.usefixtures("bb_ground")
def test_overview_shows_withdrawn_and_what_was_shared(
    record: Record, coordinator: Actor, person: Any, aftercare: Organisation
) -> None:
    consent = record()
    consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
    )
    consent_revoke(
        actor=coordinator, consent=consent, reason="wil dit niet meer", **withdrawal_heard()
    )
    html = client_for(coordinator, "en").get(reverse("consent-overview", args=[person.pk]))
    text = html.content.decode()
    assert "You withdrew this consent on 3 Mar 2025" in text
    assert aftercare.name in text
    assert "identity and contact" in text
    assert reverse("consent-revoke", args=[consent.pk]) not in text


def test_volunteer_sees_the_overview_without_actions(
    record: Record, volunteer: Actor, person: Any
) -> None:
    consent = record()
    html = client_for(volunteer).get(reverse("consent-overview", args=[person.pk]))
    assert html.status_code == 200
    text = html.content.decode()
    assert reverse("consent-record", args=[person.pk]) not in text
    assert reverse("consent-revoke", args=[consent.pk]) not in text


def test_overview_404_and_audited_for_an_unrelated_organisation(
    record: Record, outsider: Actor, person: Any
) -> None:
    record()
    response = client_for(outsider).get(reverse("consent-overview", args=[person.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, organisation=outsider.organisation, person_id=person.pk
    ).exists()


def test_anonymous_is_sent_to_login(person: Any) -> None:
    response = Client().get(reverse("consent-overview", args=[person.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --------------------------------------------------------------------------- record


def test_record_form_renders_with_labels_and_fieldsets(
    coordinator: Actor, trajectory: Any, person: Any
) -> None:
    response = client_for(coordinator).get(reverse("consent-record", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert html.count("<fieldset") >= 6
    for name in ("recipient_organisation", "recipient_kind", "evidence_file", "verbal_by"):
        assert f'for="id_{name}"' in html


def test_record_post_verbal_then_redirect(coordinator: Actor, trajectory: Any, person: Any) -> None:
    response = client_for(coordinator).post(
        reverse("consent-record", args=[person.pk]),
        {
            "purpose": "aftercare_referral",
            "recipient_mode": "kind",
            "recipient_kind": "municipal_aftercare",
            "data_classes": ["identity", "detention"],
            "given_on": "2025-03-01",
            "evidence_kind": "verbal",
            "verbal_by": "Joke de Vrijwilliger",
            "verbal_on": "2025-03-01",
            "verbal_place": "Madrid VII",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("consent-overview", args=[person.pk])
    consent = Consent.objects.get()
    assert consent.recipient_kind == "municipal_aftercare"
    assert consent.verbal_place == "Madrid VII"


def test_record_post_with_a_file(
    coordinator: Actor, trajectory: Any, person: Any, aftercare: Organisation, media_root: Path
) -> None:
    response = client_for(coordinator).post(
        reverse("consent-record", args=[person.pk]),
        {
            "purpose": "partner_sharing",
            "recipient_mode": "organisation",
            "recipient_organisation": aftercare.pk,
            "recipient_kind": "landing_place",  # ignored: the mode says organisation
            "data_classes": ["identity"],
            "given_on": "2025-03-03",
            "evidence_kind": "document",
            "evidence_file": pdf_upload(),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.recipient_organisation, consent.recipient_kind) == (aftercare, "")
    assert len(stored_files(media_root)) == 1


def test_record_post_refusal_is_shown_on_the_field_and_nothing_is_stored(
    coordinator: Actor, trajectory: Any, person: Any, media_root: Path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(coordinator, "en").post(
        reverse("consent-record", args=[person.pk]),
        {
            "purpose": "aftercare_referral",
            "recipient_mode": "kind",
            "recipient_kind": "municipal_aftercare",
            "data_classes": ["identity"],
            "given_on": "2025-03-03",
            "ends_on": "2025-03-01",
            "evidence_kind": "document",
            "evidence_file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00" * 10),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert str(messages.END_BEFORE_START).replace("'", "&#x27;") in html
    assert Consent.objects.count() == 0
    assert stored_files(media_root) == []


def test_record_page_refused_for_a_volunteer(
    volunteer: Actor, trajectory: Any, person: Any
) -> None:
    response = client_for(volunteer).get(reverse("consent-record", args=[person.pk]))
    assert response.status_code == 403


def test_record_page_404_for_an_unrelated_organisation(outsider: Actor, person: Any) -> None:
    response = client_for(outsider).get(reverse("consent-record", args=[person.pk]))
    assert response.status_code == 404


# --------------------------------------------------------------------------- revoke


def test_revoke_post_twice(record: Record, coordinator: Actor, person: Any) -> None:
    consent = record()
    client = client_for(coordinator)
    url = reverse("consent-revoke", args=[consent.pk])
    first = client.post(url, {"reason": "Wil het niet meer", **HEARD})
    assert first.status_code == 302
    consent.refresh_from_db()
    assert consent.is_revoked and consent.revoke_reason == "Wil het niet meer"
    second = client.post(url, {"reason": "", **HEARD}, follow=True)
    assert second.status_code == 200
    consent.refresh_from_db()
    assert consent.revoke_reason == "Wil het niet meer"


def test_revoke_is_post_only(record: Record, coordinator: Actor) -> None:
    consent = record()
    assert (
        client_for(coordinator).get(reverse("consent-revoke", args=[consent.pk])).status_code == 405
    )


def test_revoke_404_for_an_unrelated_organisation(record: Record, outsider: Actor) -> None:
    consent = record()
    response = client_for(outsider).post(reverse("consent-revoke", args=[consent.pk]))
    assert response.status_code == 404
    consent.refresh_from_db()
    assert not consent.is_revoked


# --------------------------------------------------------------------------- evidence


def test_evidence_download_headers(record: Record, coordinator: Actor) -> None:
    consent = record(evidence_kind=EvidenceKind.DOCUMENT, evidence_file=pdf_upload())
    response = client_for(coordinator).get(reverse("consent-evidence", args=[consent.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="consent-{consent.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_id=str(consent.pk), detail__what="evidence"
    ).exists()


def test_evidence_refused_for_a_volunteer_and_an_outsider(
    record: Record, volunteer: Actor, outsider: Actor
) -> None:
    consent = record(evidence_kind=EvidenceKind.DOCUMENT, evidence_file=pdf_upload())
    url = reverse("consent-evidence", args=[consent.pk])
    assert client_for(volunteer).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404


# --------------------------------------------------------------------------- receipt


@pytest.mark.parametrize(
    ("language", "purpose", "phrase"),
    [
        ("nl", "Verwijzing naar gemeentelijke nazorg", "Handtekening"),
        ("en", "Referral to municipal after-care", "Signature"),
    ],
)
def test_receipt_is_a_real_pdf_in_the_chosen_language(
    record: Record,
    coordinator: Actor,
    person: Any,
    language: str,
    purpose: str,
    phrase: str,
) -> None:
    record(ends_on=TODAY.replace(month=12, day=31))
    record(purpose_code="volunteer_visits")
    response = client_for(coordinator, "nl").get(
        reverse("consent-receipt", args=[person.pk]), {"lang": language}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(pdf_text(response.content).split())
    assert person.full_name in text
    assert purpose in text
    assert phrase in text
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, person_id=person.pk, detail__what=f"receipt-{language}"
    ).exists()


def test_receipt_without_consents_and_with_an_unknown_language(
    coordinator: Actor, trajectory: Any, person: Any
) -> None:
    # Neither ?lang nor the person's language (Turkish) is one the product has: the page's.
    type(person).objects.filter(pk=person.pk).update(language="tr")
    response = client_for(coordinator, "en").get(
        reverse("consent-receipt", args=[person.pk]), {"lang": "xx"}
    )
    assert response.status_code == 200
    assert "consent-receipt" in response["Content-Disposition"]
    assert "No consent has been recorded yet" in " ".join(pdf_text(response.content).split())


def test_receipt_404_for_an_unrelated_organisation(outsider: Actor, person: Any) -> None:
    response = client_for(outsider).get(reverse("consent-receipt", args=[person.pk]))
    assert response.status_code == 404


# --------------------------------------------------------------------------- notices


def test_notices_page_and_mark_seen(
    record: Record, coordinator: Actor, aftercare: Organisation, aftercare_worker: Actor
) -> None:
    consent = record()
    consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
    )
    consent_revoke(actor=coordinator, consent=consent, **withdrawal_heard())
    client = client_for(aftercare_worker, "en")
    page = client.get(reverse("consent-notices"))
    assert page.status_code == 200
    assert "withdrew the consent for “Referral to municipal after-care”" in page.content.decode()
    notice = ConsentNotice.objects.get()
    done = client.post(reverse("consent-notice-seen", args=[notice.pk]))
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.seen_at is not None
    assert "No unread notices" in client.get(reverse("consent-notices")).content.decode()


def test_mark_seen_404_for_another_organisation(
    record: Record, coordinator: Actor, aftercare: Organisation, outsider: Actor
) -> None:
    consent = record()
    consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
    )
    consent_revoke(actor=coordinator, consent=consent, **withdrawal_heard())
    notice = ConsentNotice.objects.get()
    response = client_for(outsider).post(reverse("consent-notice-seen", args=[notice.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED,
        organisation=outsider.organisation,
        object_type="consent.consentnotice",
        object_id=str(notice.pk),
    ).exists()


def test_a_partner_whose_consent_does_not_cover_identity_sees_no_name(
    record: Record,
    coordinator: Actor,
    trajectory: Any,
    person: Any,
    stranger: Organisation,
    outsider: Actor,
) -> None:
    """A part plus a consent for basic conditions only: the ledger, but not who it is about."""
    from estafette.testing.consent import give_consent
    from estafette.trajectories.models import ParticipantRole
    from estafette.trajectories.services import participant_add

    record()
    participant_add(
        actor=coordinator, trajectory=trajectory, organisation=stranger, role=ParticipantRole.OTHER
    )
    give_consent(
        person=person,
        purpose_code="partner_sharing",
        recipient=stranger,
        data_classes=["conditions"],
    )
    response = client_for(outsider, "en").get(reverse("consent-overview", args=[person.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert person.family_name not in html
    assert "name not shared with you" in html
    assert reverse("consent-receipt", args=[person.pk]) not in html
    receipt = client_for(outsider, "en").get(reverse("consent-receipt", args=[person.pk]))
    assert receipt.status_code == 403
    assert (
        person.family_name
        in client_for(coordinator)
        .get(reverse("consent-overview", args=[person.pk]))
        .content.decode()
    )


def test_the_notices_page_costs_the_same_queries_for_few_or_many_notices(
    record: Record, coordinator: Actor, aftercare: Organisation, aftercare_worker: Actor
) -> None:
    """Issue 9 point 8: a list page's query count does not grow with its rows (both engines)."""

    def withdrawn(count: int) -> None:
        for _ in range(count):
            consent = record()
            consent_disclose(
                actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
            )
            consent_revoke(actor=coordinator, consent=consent, **withdrawal_heard())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("consent-notices")).status_code == 200
        return len(captured.captured_queries)

    client = client_for(aftercare_worker, "en")
    withdrawn(2)
    few = queries()
    withdrawn(6)
    assert ConsentNotice.objects.filter(seen_at__isnull=True).count() == 8
    assert queries() == few


def test_the_caseload_shows_the_newest_notices_and_links_to_all_of_them(
    record: Record, coordinator: Actor, aftercare: Organisation, aftercare_worker: Actor
) -> None:
    """A desk with many unread notices still sees its caseload first (issue 9)."""
    for _ in range(5):
        consent = record()
        consent_disclose(
            actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
        )
        consent_revoke(actor=coordinator, consent=consent, **withdrawal_heard())
    client = client_for(aftercare_worker, "en")
    html = client.get(reverse("caseload")).content.decode()
    assert html.count('action="/consent-notices/') == 3
    assert "See all 5 unread notices" in html
    assert 'href="/consent-notices/"' in html
    page = client.get(reverse("consent-notices")).content.decode()
    assert page.count('action="/consent-notices/') == 5
    assert "See all" not in page


@pytest.mark.parametrize("with_ground", [False, True], ids=["identity-only", "full-ground"])
def test_the_printed_receipt_shows_each_field_under_its_class(
    record: Record, coordinator: Actor, person: Any, request: Any, with_ground: bool
) -> None:
    """The real PDF (WeasyPrint, read back with pypdf), not only its HTML: a holder that may
    see only who the person is prints purposes and states, never the withdrawal's reason
    (notes) or where it was heard (detention); with a ground covering them, it prints both."""
    from estafette.consent.services import consent_revoke

    if with_ground:
        request.getfixturevalue("bb_ground")
    consent = record(verbal_place="Centro Kampeerplaats Zeven")
    consent_revoke(
        actor=coordinator,
        consent=consent,
        reason="Gaat bij zijn broer Teunis wonen",
        **withdrawal_heard(heard_where="Bezoekzaal Zeven"),
    )
    response = client_for(coordinator, "nl").get(
        reverse("consent-receipt", args=[person.pk]), {"lang": "nl"}
    )
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    assert "Verwijzing naar nazorg" in text or "nazorg" in text.lower()
    for sentinel in ("Kampeerplaats", "Teunis", "Bezoekzaal Zeven"):
        assert (sentinel in text) is with_ground, sentinel
