"""Purposes have default and maximum classes; a consent for oneself is reviewed (issue 11, 4).

The issue's example: with only verbal evidence, an identity-only holder recorded an
after-care consent naming itself with all classes, notes included, and saw
everything again. Now a class beyond the purpose's maximum is refused, beyond its
default needs a stated reason, and a consent that covers the recording
organisation is marked self-recorded and reviewed by a colleague.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from estafette.access.policy import ALL_CLASSES
from estafette.consent import messages
from estafette.consent.models import Consent, ConsentPurpose, ReviewOutcome
from estafette.consent.services import consent_record, consent_review
from estafette.consent.tests.helpers import TODAY, VERBAL, make_actor
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.people.models import Person
from estafette.testing.auth import login_verified
from estafette.trajectories.models import Route, Trajectory
from estafette.trajectories.services import trajectory_open

Record = Callable[..., Consent]
REASON = "Heeft een verslaving; de nazorg regelt de zorg direct na vrijlating."


def client_for(actor: Actor) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, actor.user)
    return client


@pytest.fixture
def desk_holder(aftercare: Organisation, person: Person) -> Actor:
    """An after-care desk that holds the person's trajectory, without any consent: identity only."""
    actor = make_actor(aftercare, Role.AFTERCARE_COORDINATOR)
    trajectory_open(actor=actor, person=person, route=Route.DOMESTIC)
    return actor


@pytest.fixture
def colleague(aftercare: Organisation) -> Actor:
    return make_actor(aftercare, Role.AFTERCARE_COORDINATOR)


def self_consent(actor: Actor, person: Person, **overrides: Any) -> Consent:
    arguments: dict[str, Any] = {
        "actor": actor,
        "person": person,
        "purpose_code": "aftercare_referral",
        "recipient_kind": OrganisationKind.MUNICIPAL_AFTERCARE,
        "data_classes": ["identity", "detention", "conditions", "health", "network", "notes"],
        "classes_reason": REASON,
        "given_on": TODAY,
        **VERBAL,
        **overrides,
    }
    return consent_record(**arguments)


# --------------------------------------------------------------------------- the bounds


def test_the_builtin_purposes_have_bounds(db: None) -> None:
    for purpose in ConsentPurpose.objects.filter(built_in=True):
        assert purpose.default_classes, purpose.code
        assert set(purpose.default_classes) <= set(purpose.max_classes) <= ALL_CLASSES
    aftercare = ConsentPurpose.objects.get(code="aftercare_referral")
    assert set(aftercare.default_classes) == {"identity", "detention", "conditions", "network"}
    assert "offence" not in aftercare.max_classes
    assert {"health", "notes"} <= set(aftercare.max_classes)
    consular = ConsentPurpose.objects.get(code="consular")
    assert not {"health", "notes"} & set(consular.max_classes)


def test_beyond_the_maximum_is_refused_even_with_a_reason(
    desk_holder: Actor, person: Person
) -> None:
    """The issue's example: all classes, the offence included, for after-care."""
    with pytest.raises(InvalidInput) as refused:
        self_consent(desk_holder, person, data_classes=sorted(ALL_CLASSES))
    assert refused.value.message is messages.CLASSES_BEYOND_MAXIMUM
    assert "offence" in str(refused.value) or "delict" in str(refused.value)
    assert Consent.objects.count() == 0
    entry = AuditEvent.objects.get(action=AuditAction.DENIED, detail__what="record")
    assert entry.person_id == person.pk and entry.detail["refusal"] == "InvalidInput"


@pytest.mark.parametrize("reason", ["", "   ", "zie dossier"])
def test_beyond_the_default_needs_a_stated_reason(
    record: Record, reason: str, person: Person
) -> None:
    with pytest.raises(InvalidInput) as refused:
        record(data_classes=["identity", "health"], classes_reason=reason)
    assert refused.value.message is messages.CLASSES_REASON_REQUIRED
    assert Consent.objects.count() == 0
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, person_id=person.pk).exists()


def test_with_a_reason_the_consent_is_recorded_and_keeps_it(record: Record) -> None:
    consent = record(data_classes=["identity", "health"], classes_reason=f"  {REASON} ")
    assert consent.classes_reason == REASON
    assert AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="consent.consent", object_id=str(consent.pk)
    ).detail["classes_reason"]


def test_within_the_default_no_reason_is_kept(record: Record) -> None:
    consent = record(data_classes=["identity", "detention"], classes_reason=REASON)
    assert consent.classes_reason == ""


# --------------------------------------------------------------------------- self-recorded


def test_a_consent_naming_the_recorder_is_self_recorded(
    desk_holder: Actor, person: Person, aftercare: Organisation, record: Record
) -> None:
    by_kind = self_consent(desk_holder, person)
    by_name = self_consent(
        desk_holder,
        person,
        recipient_kind="",
        recipient_organisation=aftercare,
        data_classes=["identity"],
    )
    assert by_kind.self_recorded and by_name.self_recorded
    other = record()  # the BB desk records a consent for the after-care desks
    assert not other.self_recorded
    created = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="consent.consent", object_id=str(by_kind.pk)
    )
    assert created.detail["self_recorded"] is True


def test_a_colleague_reviews_it_the_recorder_cannot(
    desk_holder: Actor, colleague: Actor, person: Person
) -> None:
    consent = self_consent(desk_holder, person)
    with pytest.raises(NotPermitted) as refused:
        consent_review(actor=desk_holder, consent=consent, outcome=ReviewOutcome.CONFIRMED)
    assert refused.value.message is messages.NOT_A_CONSENT_REVIEWER
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, detail__what="review").exists()
    with pytest.raises(InvalidInput):
        consent_review(actor=colleague, consent=consent, outcome="maybe")
    reviewed = consent_review(
        actor=colleague, consent=consent, outcome=ReviewOutcome.DOUBTED, note="Vraag het na."
    )
    assert reviewed.reviewed_by == colleague.user and reviewed.review_note == "Vraag het na."
    entry = AuditEvent.objects.get(
        action=AuditAction.CHANGE, object_type="consent.consent", object_id=str(consent.pk)
    )
    assert entry.detail == {"field": "reviewed", "outcome": "doubted"}
    with pytest.raises(Conflict):
        consent_review(actor=colleague, consent=consent, outcome=ReviewOutcome.CONFIRMED)


def test_another_organisation_or_a_volunteer_cannot_review(
    desk_holder: Actor, person: Person, coordinator: Actor, aftercare: Organisation
) -> None:
    consent = self_consent(desk_holder, person)
    for actor in (coordinator, make_actor(aftercare, Role.ORGANISATION_ADMIN)):
        if actor.organisation != aftercare:
            with pytest.raises(NotPermitted):
                consent_review(actor=actor, consent=consent, outcome=ReviewOutcome.CONFIRMED)
    volunteer = make_actor(aftercare, Role.VISITING_VOLUNTEER)
    with pytest.raises(NotPermitted):
        consent_review(actor=volunteer, consent=consent, outcome=ReviewOutcome.CONFIRMED)


# --------------------------------------------------------------------------- the pages


def test_the_review_list_for_a_colleague_and_for_the_recorder(
    desk_holder: Actor, colleague: Actor, person: Person
) -> None:
    consent = self_consent(desk_holder, person)
    save = reverse("consent-review-save", args=[consent.pk])
    html = client_for(colleague).get(reverse("consent-review")).content.decode()
    assert REASON in html and save in html
    html = client_for(desk_holder).get(reverse("consent-review")).content.decode()
    assert save not in html and "a colleague reviews it" in html
    response = client_for(colleague).post(save, {"outcome": "confirmed", "note": "Klopt."})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.review_outcome == ReviewOutcome.CONFIRMED


def test_the_review_pages_refuse_others(
    desk_holder: Actor, person: Person, coordinator: Actor, aftercare: Organisation
) -> None:
    consent = self_consent(desk_holder, person)
    response = client_for(coordinator).post(
        reverse("consent-review-save", args=[consent.pk]), {"outcome": "confirmed"}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, organisation=coordinator.organisation, detail__what="review"
    ).exists()
    volunteer = make_actor(aftercare, Role.VISITING_VOLUNTEER)
    assert client_for(volunteer).get(reverse("consent-review")).status_code == 403


def test_the_emergency_review_page_links_to_the_consent_review(coordinator: Actor) -> None:
    html = client_for(coordinator).get(reverse("emergency-access-review")).content.decode()
    assert reverse("consent-review") in html


def test_the_record_form_keeps_the_work_when_a_reason_is_missing(
    coordinator: Actor, trajectory: Trajectory, person: Person
) -> None:
    response = client_for(coordinator).post(
        reverse("consent-record", args=[person.pk]),
        {
            "purpose": "aftercare_referral",
            "recipient_mode": "kind",
            "recipient_kind": "municipal_aftercare",
            "data_classes": ["identity", "health"],
            "given_on": TODAY.isoformat(),
            "evidence_kind": "verbal",
            "verbal_by": "Joke de Vrijwilliger",
            "verbal_on": TODAY.isoformat(),
            "verbal_place": "Madrid VII",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "does not usually cover" in html
    assert 'href="#id_classes_reason"' in html
    assert 'value="Joke de Vrijwilliger"' in html
    assert Consent.objects.count() == 0
    assert "What each purpose usually covers" in html


def test_the_review_list_shows_each_field_under_its_class_and_is_audited(
    desk_holder: Actor, aftercare: Organisation, person: Person
) -> None:
    """The organisation's administrator reviews too, but sees identity only: the name, the
    purpose — not where the consent was heard (detention) nor the reason (notes)."""
    self_consent(desk_holder, person)
    admin = make_actor(aftercare, Role.ORGANISATION_ADMIN)
    html = client_for(admin).get(reverse("consent-review")).content.decode()
    assert person.full_name in html
    assert REASON not in html and str(VERBAL["verbal_place"]) not in html
    assert "not-shared" in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="consent.review", organisation=aftercare
    ).exists()
