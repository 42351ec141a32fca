"""Withdrawal at once, notices to earlier recipients, expiry on the end date, the sweep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from estafette.consent import messages
from estafette.consent.models import Consent, ConsentDisclosure, ConsentNotice, NoticeKind
from estafette.consent.policy import consent_is_effective, covered_data_classes
from estafette.consent.services import (
    consent_disclose,
    consent_expire_sweep,
    consent_notice_mark_seen,
    consent_revoke,
)
from estafette.consent.tests.helpers import TODAY
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.errors import NotPermitted
from estafette.core.models import AppendOnlyError, AuditAction, AuditEvent
from estafette.organisations.models import Organisation
from estafette.testing.consent import withdrawal_heard

Record = Callable[..., Consent]


def audit_changes(consent: Consent) -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_type="consent.consent", object_id=str(consent.pk)
    ).count()


@pytest.fixture
def shared(
    record: Record, coordinator: Actor, aftercare: Organisation, aftercare_2: Organisation
) -> Consent:
    """A consent by kind, given a month ago, under which data went to two after-care desks."""
    consent = record(given_on=TODAY - dt.timedelta(days=30))
    consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
    )
    consent_disclose(
        actor=coordinator,
        consent=consent,
        recipient=aftercare_2,
        data_classes=["identity", "detention"],
    )
    return consent


# --------------------------------------------------------------------------- revoke


def test_revoke_takes_effect_at_once(
    shared: Consent, coordinator: Actor, person: Any, aftercare: Organisation
) -> None:
    assert covered_data_classes(person=person, recipient=aftercare) == {"identity", "detention"}
    consent = consent_revoke(
        actor=coordinator, consent=shared, reason="Wil het zelf regelen", **withdrawal_heard()
    )
    assert consent.revoked_at == pytest.approx(clock.now(), abs=dt.timedelta(seconds=5))
    assert consent.revoked_by == coordinator.user
    assert consent.revoked_by_organisation == coordinator.organisation
    assert consent.revoke_reason == "Wil het zelf regelen"
    assert not consent_is_effective(consent)
    assert consent.state == "withdrawn"
    assert covered_data_classes(person=person, recipient=aftercare) == set()
    # Yesterday it was in force: the record of what was shared then stays explainable.
    assert consent_is_effective(consent, TODAY - dt.timedelta(days=1))
    assert audit_changes(consent) == 1


def test_revoke_notifies_every_organisation_that_received_data(
    shared: Consent,
    coordinator: Actor,
    aftercare: Organisation,
    aftercare_2: Organisation,
    landing: Organisation,
) -> None:
    consent_revoke(actor=coordinator, consent=shared, **withdrawal_heard())
    notices = ConsentNotice.objects.filter(consent=shared, kind=NoticeKind.REVOKED)
    assert {notice.organisation_id for notice in notices} == {aftercare.pk, aftercare_2.pk}
    assert not ConsentNotice.objects.filter(organisation=landing).exists()
    # The record of what was shared stays, for accountability.
    assert ConsentDisclosure.objects.filter(consent=shared).count() == 2


def test_disclosures_are_append_only(shared: Consent) -> None:
    disclosure = ConsentDisclosure.objects.filter(consent=shared).first()
    assert disclosure is not None
    with pytest.raises(AppendOnlyError):
        disclosure.delete()
    with pytest.raises(AppendOnlyError):
        ConsentDisclosure.objects.filter(consent=shared).update(data_classes=[])


def test_revoking_twice_is_harmless(shared: Consent, coordinator: Actor) -> None:
    first = consent_revoke(
        actor=coordinator, consent=shared, reason="eerste keer", **withdrawal_heard()
    )
    second = consent_revoke(
        actor=coordinator, consent=shared, reason="tweede keer", **withdrawal_heard()
    )
    assert second.revoked_at == first.revoked_at
    assert second.revoke_reason == "eerste keer"
    assert audit_changes(shared) == 1
    assert ConsentNotice.objects.filter(consent=shared).count() == 2


def test_another_consent_still_in_force_keeps_its_classes(
    record: Record, coordinator: Actor, person: Any, aftercare: Organisation
) -> None:
    by_kind = record(data_classes=["identity", "detention"])
    by_name = record(
        purpose_code="partner_sharing",
        recipient_kind="",
        recipient_organisation=aftercare,
        data_classes=["identity", "conditions"],
    )
    consent_revoke(actor=coordinator, consent=by_kind, **withdrawal_heard())
    assert covered_data_classes(person=person, recipient=aftercare) == {"identity", "conditions"}
    consent_revoke(actor=coordinator, consent=by_name, **withdrawal_heard())
    assert covered_data_classes(person=person, recipient=aftercare) == set()


def test_a_volunteer_cannot_revoke(shared: Consent, volunteer: Actor) -> None:
    with pytest.raises(NotPermitted) as caught:
        consent_revoke(actor=volunteer, consent=shared, **withdrawal_heard())
    assert caught.value.message is messages.PROFESSIONALS_ONLY
    shared.refresh_from_db()
    assert shared.revoked_at is None


def test_an_organisation_without_a_part_cannot_revoke(shared: Consent, outsider: Actor) -> None:
    with pytest.raises(NotPermitted):
        consent_revoke(actor=outsider, consent=shared, **withdrawal_heard())


# --------------------------------------------------------------------------- notices


def test_mark_seen_once_and_only_by_the_addressee(
    shared: Consent, coordinator: Actor, aftercare_worker: Actor, outsider: Actor
) -> None:
    consent_revoke(actor=coordinator, consent=shared, **withdrawal_heard())
    notice = ConsentNotice.objects.get(consent=shared, organisation=aftercare_worker.organisation)
    with pytest.raises(NotPermitted):
        consent_notice_mark_seen(actor=outsider, notice=notice)
    seen = consent_notice_mark_seen(actor=aftercare_worker, notice=notice)
    assert seen.seen_at is not None and seen.seen_by == aftercare_worker.user
    again = consent_notice_mark_seen(actor=aftercare_worker, notice=notice)
    assert again.seen_at == seen.seen_at
    assert (
        AuditEvent.objects.filter(
            object_type="consent.consentnotice", object_id=str(notice.pk)
        ).count()
        == 1
    )


# --------------------------------------------------------------------------- expiry


def test_in_force_through_the_end_date(record: Record, person: Any, aftercare: Any) -> None:
    end = TODAY + dt.timedelta(days=10)
    consent = record(ends_on=end)
    day = dt.timedelta(days=1)
    assert consent_is_effective(consent, end - day)
    assert consent_is_effective(consent, end)
    assert not consent_is_effective(consent, end + day)
    assert covered_data_classes(person=person, recipient=aftercare, on=end) == {
        "identity",
        "detention",
    }
    assert covered_data_classes(person=person, recipient=aftercare, on=end + day) == set()
    with clock.frozen(end + day):
        assert consent.state == "ended"


def test_sweep_notifies_holders_the_day_after_the_end_and_is_idempotent(
    record: Record, coordinator: Actor, aftercare: Organisation
) -> None:
    end = TODAY + dt.timedelta(days=10)
    consent = record(ends_on=end)
    consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
    )
    assert consent_expire_sweep(today=end) == 0  # still in force on its last day
    assert consent_expire_sweep(today=end + dt.timedelta(days=1)) == 1
    notice = ConsentNotice.objects.get(consent=consent)
    assert (notice.kind, notice.organisation) == (NoticeKind.EXPIRED, aftercare)
    assert consent_expire_sweep(today=end + dt.timedelta(days=2)) == 0
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.TRANSITION, object_type="consent.consent", object_id=str(consent.pk)
        ).count()
        == 1
    )


def test_sweep_skips_withdrawn_and_undisclosed_consents(
    shared: Consent, record: Record, coordinator: Actor
) -> None:
    Consent.objects.filter(pk=shared.pk).update(ends_on=TODAY)
    consent_revoke(actor=coordinator, consent=shared, **withdrawal_heard())
    record(ends_on=TODAY)  # never shared: nobody to tell
    assert consent_expire_sweep(today=TODAY + dt.timedelta(days=5)) == 0
    assert not ConsentNotice.objects.filter(kind=NoticeKind.EXPIRED).exists()


def test_sweep_command_runs(shared: Consent, capsys: Any) -> None:
    from django.core.management import call_command

    Consent.objects.filter(pk=shared.pk).update(ends_on=TODAY)
    call_command("consent_expire_sweep", "--today", "2025-03-04")
    assert "2 notice(s) created" in capsys.readouterr().out
