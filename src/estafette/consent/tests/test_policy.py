"""May X receive Y for purpose P? The share check, the handover mapping, recording disclosures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from estafette.consent import messages
from estafette.consent.models import Consent, ConsentDisclosure
from estafette.consent.policy import (
    HANDOVER_PURPOSE_CONSENT,
    consent_check_handover,
    consent_check_share,
    consent_covering,
    covered_data_classes,
    effective_q,
)
from estafette.consent.services import consent_disclose, consent_revoke
from estafette.consent.tests.helpers import TODAY
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput
from estafette.handovers.models import Purpose
from estafette.organisations.models import Organisation
from estafette.testing.consent import withdrawal_heard

Record = Callable[..., Consent]


def share(
    person: Any, recipient: Any, classes: list[str], code: str = "aftercare_referral"
) -> Consent:
    return consent_check_share(
        person=person, purpose_code=code, recipient=recipient, data_classes=classes
    )


# --------------------------------------------------------------------------- refusals


def test_referral_without_aftercare_consent_is_refused_with_the_purpose_and_the_way(
    trajectory: Any, person: Any, aftercare: Organisation
) -> None:
    with translation.override("en"), pytest.raises(Conflict) as caught:
        share(person, aftercare, ["identity"])
    assert caught.value.message is messages.CONSENT_MISSING
    assert caught.value.status == 409
    with translation.override("en"):
        text = str(caught.value)
    assert "“Referral to municipal after-care”" in text
    assert "Record the person's consent for “Referral to municipal after-care”" in text
    assert "on the consent page first" in text
    assert aftercare.name in text


def test_the_refusal_names_the_purpose_in_dutch(
    trajectory: Any, person: Any, aftercare: Organisation
) -> None:
    with translation.override("nl"), pytest.raises(Conflict) as caught:
        share(person, aftercare, ["identity"])
    with translation.override("nl"):
        assert "Verwijzing naar gemeentelijke nazorg" in str(caught.value)


def test_classes_beyond_the_consent_are_refused_by_name(
    record: Record, person: Any, aftercare: Organisation
) -> None:
    record(data_classes=["identity", "detention"])
    with translation.override("en"), pytest.raises(Conflict) as caught:
        share(person, aftercare, ["identity", "health", "offence"])
    assert caught.value.message is messages.CLASSES_NOT_COVERED
    with translation.override("en"):
        text = str(caught.value)
    assert "health and addiction, offence" in text
    assert "identity" not in text.split("does not cover:")[1].split(".")[0]


def test_a_withdrawn_consent_is_refused_saying_so(
    record: Record, coordinator: Actor, person: Any, aftercare: Organisation
) -> None:
    consent = record(given_on=TODAY - dt.timedelta(days=5))
    consent_revoke(actor=coordinator, consent=consent, **withdrawal_heard())
    with pytest.raises(Conflict) as caught:
        share(person, aftercare, ["identity"])
    assert caught.value.message is messages.CONSENT_WITHDRAWN


def test_an_ended_consent_is_refused_saying_so(
    record: Record, person: Any, aftercare: Organisation
) -> None:
    record(given_on=TODAY - dt.timedelta(days=50), ends_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(Conflict) as caught:
        share(person, aftercare, ["identity"])
    assert caught.value.message is messages.CONSENT_ENDED


def test_an_unknown_class_is_invalid_input(
    record: Record, person: Any, aftercare: Organisation
) -> None:
    record()
    with pytest.raises(InvalidInput):
        share(person, aftercare, ["shoe size"])


def test_a_consent_for_another_purpose_does_not_count(
    record: Record, person: Any, aftercare: Organisation
) -> None:
    record(purpose_code="partner_sharing", data_classes=["identity"])
    with pytest.raises(Conflict):
        share(person, aftercare, ["identity"])


def test_a_consent_for_another_person_does_not_count(
    record: Record, person: Any, aftercare: Organisation
) -> None:
    from estafette.people.models import Person

    record()
    other = Person.objects.create(given_names="Karel", family_name="Anders")
    with pytest.raises(Conflict):
        share(other, aftercare, ["identity"])


# --------------------------------------------------------------------------- allowed


def test_a_consent_by_kind_covers_every_organisation_of_that_kind(
    record: Record, person: Any, aftercare: Organisation, aftercare_2: Organisation, landing: Any
) -> None:
    consent = record()
    assert share(person, aftercare, ["identity"]) == consent
    assert share(person, aftercare_2, ["identity", "detention"]) == consent
    with pytest.raises(Conflict):
        share(person, landing, ["identity"])


def test_a_consent_by_name_covers_only_that_organisation(
    record: Record, person: Any, aftercare: Organisation, aftercare_2: Organisation
) -> None:
    consent = record(recipient_kind="", recipient_organisation=aftercare)
    assert share(person, aftercare, []) == consent
    with pytest.raises(Conflict):
        share(person, aftercare_2, [])


def test_the_consent_that_covers_everything_asked_is_chosen(
    record: Record, person: Any, aftercare: Organisation
) -> None:
    record(data_classes=["identity"])
    wide = record(data_classes=["identity", "conditions"], given_on=TODAY - dt.timedelta(days=3))
    assert share(person, aftercare, ["identity", "conditions"]) == wide


def test_sharing_nothing_still_needs_consent(
    trajectory: Any, person: Any, aftercare: Organisation
) -> None:
    with pytest.raises(Conflict):
        share(person, aftercare, [])


def test_consent_covering_and_covered_classes(
    record: Record, person: Any, aftercare: Organisation, landing: Organisation
) -> None:
    assert (
        consent_covering(person=person, purpose_code="aftercare_referral", recipient=aftercare)
        is None
    )
    consent = record(ends_on=TODAY + dt.timedelta(days=5))
    record(
        purpose_code="partner_sharing",
        recipient_kind="",
        recipient_organisation=aftercare,
        data_classes=["conditions"],
    )
    found = consent_covering(person=person, purpose_code="aftercare_referral", recipient=aftercare)
    assert found == consent
    assert covered_data_classes(person=person, recipient=aftercare) == {
        "identity",
        "detention",
        "conditions",
    }
    assert covered_data_classes(person=person, recipient=landing) == set()
    later = TODAY + dt.timedelta(days=6)
    assert (
        consent_covering(
            person=person, purpose_code="aftercare_referral", recipient=aftercare, on=later
        )
        is None
    )
    assert covered_data_classes(person=person, recipient=aftercare, on=later) == {"conditions"}


def test_effective_filter_agrees_with_the_rule_around_a_withdrawal(
    record: Record, coordinator: Actor
) -> None:
    consent = record(given_on=TODAY - dt.timedelta(days=10), ends_on=TODAY + dt.timedelta(days=10))
    consent_revoke(actor=coordinator, consent=consent, **withdrawal_heard())
    consent.refresh_from_db()
    for offset in range(-12, 13):
        day = TODAY + dt.timedelta(days=offset)
        in_db = Consent.objects.filter(effective_q(day), pk=consent.pk).exists()
        assert in_db == (consent.state_on(day) == "active"), day


# --------------------------------------------------------------------------- handovers


def test_every_handover_purpose_is_mapped() -> None:
    assert set(HANDOVER_PURPOSE_CONSENT) == set(Purpose.values)
    assert HANDOVER_PURPOSE_CONSENT[Purpose.AFTERCARE_REFERRAL] == "aftercare_referral"
    assert HANDOVER_PURPOSE_CONSENT[Purpose.SENTENCE_TRANSFER] is None


def test_mapped_consent_purposes_exist(db: None) -> None:
    from estafette.consent.models import ConsentPurpose

    codes = set(ConsentPurpose.objects.values_list("code", flat=True))
    assert {code for code in HANDOVER_PURPOSE_CONSENT.values() if code} <= codes


def test_handover_check_maps_the_purpose(
    record: Record, person: Any, aftercare: Organisation, landing: Organisation
) -> None:
    consent = record()
    found = consent_check_handover(
        person=person,
        handover_purpose=Purpose.AFTERCARE_REFERRAL,
        recipient=aftercare,
        data_classes=["identity"],
    )
    assert found == consent
    with translation.override("en"), pytest.raises(Conflict) as caught:
        consent_check_handover(
            person=person,
            handover_purpose=Purpose.LANDING_PLACE,
            recipient=landing,
            data_classes=["identity"],
        )
    with translation.override("en"):
        assert "Sharing information with a partner organisation" in str(caught.value)


def test_sentence_transfer_needs_no_consent(trajectory: Any, person: Any, landing: Any) -> None:
    assert (
        consent_check_handover(
            person=person,
            handover_purpose=Purpose.SENTENCE_TRANSFER,
            recipient=landing,
            data_classes=["identity", "offence"],
        )
        is None
    )


def test_an_unknown_handover_purpose_falls_back_to_partner_sharing(
    trajectory: Any, person: Any, landing: Any
) -> None:
    with pytest.raises(Conflict):
        consent_check_handover(
            person=person, handover_purpose="gossip", recipient=landing, data_classes=[]
        )


# --------------------------------------------------------------------------- disclosures


def test_disclose_records_what_was_shared(
    record: Record, coordinator: Actor, aftercare: Organisation
) -> None:
    consent = record()
    disclosure = consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
    )
    assert disclosure.data_classes == ["identity"]
    assert (disclosure.by, disclosure.by_organisation) == (
        coordinator.user,
        coordinator.organisation,
    )
    assert disclosure.handover is None


def test_only_a_handover_carries_a_message(
    record: Record, coordinator: Actor, aftercare: Organisation
) -> None:
    """The message flag (issue 10) records a handover's message; without one it is refused."""
    consent = record()
    with pytest.raises(InvalidInput) as caught:
        consent_disclose(
            actor=coordinator,
            consent=consent,
            recipient=aftercare,
            data_classes=["identity"],
            message=True,
        )
    assert caught.value.message is messages.MESSAGE_WITHOUT_HANDOVER
    assert not ConsentDisclosure.objects.exists()
    plain = consent_disclose(
        actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
    )
    assert plain.message is False


def test_disclose_refuses_beyond_the_consent(
    record: Record, coordinator: Actor, aftercare: Organisation, landing: Organisation
) -> None:
    consent = record()
    with pytest.raises(Conflict) as caught:
        consent_disclose(
            actor=coordinator, consent=consent, recipient=aftercare, data_classes=["health"]
        )
    assert caught.value.message is messages.CLASSES_NOT_COVERED
    with pytest.raises(Conflict) as caught:
        consent_disclose(
            actor=coordinator, consent=consent, recipient=landing, data_classes=["identity"]
        )
    assert caught.value.message is messages.DISCLOSURE_RECIPIENT_MISMATCH
    consent_revoke(actor=coordinator, consent=consent, **withdrawal_heard())
    with pytest.raises(Conflict) as caught:
        consent_disclose(
            actor=coordinator, consent=consent, recipient=aftercare, data_classes=["identity"]
        )
    assert caught.value.message is messages.DISCLOSURE_NOT_EFFECTIVE
    assert ConsentDisclosure.objects.count() == 0


def test_disclose_with_a_handover(
    record: Record, coordinator: Actor, trajectory: Any, aftercare: Organisation
) -> None:
    from estafette.handovers.models import Handover

    consent = record()
    handover = Handover.objects.create(
        trajectory=trajectory,
        sender=coordinator.organisation,
        receiver=aftercare,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Graag nazorg",
        respond_by=TODAY + dt.timedelta(days=14),
        data_classes=["identity"],
    )
    disclosure = consent_disclose(
        actor=coordinator,
        consent=consent,
        recipient=aftercare,
        data_classes=handover.data_classes,
        handover=handover,
    )
    assert disclosure.handover == handover


def test_handover_send_checks_consent_and_records_the_disclosure(
    record: Record, coordinator: Actor, trajectory: Any, person: Any, aftercare: Organisation
) -> None:
    """``handover_send`` refuses without after-care consent, and records what it shared."""
    from estafette.handovers.models import Handover
    from estafette.handovers.services import handover_send

    def send() -> Any:
        return handover_send(
            actor=coordinator,
            trajectory=trajectory,
            receiver=aftercare,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message="Graag nazorg bij terugkeer.",
            data_classes=["identity"],
        )

    with pytest.raises(Conflict) as refused:
        send()
    assert "after-care" in str(refused.value) or "nazorg" in str(refused.value)
    assert not Handover.objects.exists()
    assert not ConsentDisclosure.objects.exists()
    consent = record()
    handover = send()
    disclosure = ConsentDisclosure.objects.get()
    assert (disclosure.consent, disclosure.handover) == (consent, handover)
    assert disclosure.data_classes == ["identity"]
