"""Consent in tests: record what a real intake would have recorded before a share.

These helpers write real ``Consent`` rows (verbal evidence via a named
volunteer), so the product's consent checks run unchanged in every test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from estafette.access.policy import LEGAL_BASIS_KINDS
from estafette.consent.models import Consent, ConsentPurpose, EvidenceKind
from estafette.consent.policy import FALLBACK_PURPOSE, HANDOVER_PURPOSE_CONSENT
from estafette.core import clock
from estafette.core.data_classes import DataClass
from estafette.handovers.services import handover_send
from estafette.organisations.models import OrganisationKind


def give_consent(
    *,
    person: Any,
    purpose_code: str,
    recipient: Any = None,
    recipient_kind: str = "",
    data_classes: Iterable[str] | None = None,
    given_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Consent:
    """A consent in force from ``given_on`` (default: yesterday) for a named recipient or a kind."""
    return Consent.objects.create(
        person=person,
        purpose=ConsentPurpose.objects.get(code=purpose_code),
        recipient_organisation=recipient,
        recipient_kind="" if recipient is not None else recipient_kind,
        data_classes=sorted(set(data_classes or DataClass.values)),
        given_on=given_on or clock.today() - dt.timedelta(days=1),
        ends_on=ends_on,
        evidence_kind=EvidenceKind.VERBAL,
        verbal_by="Vrijwilliger Jansen",
        verbal_on=given_on or clock.today() - dt.timedelta(days=1),
        verbal_place="Bezoekzaal",
    )


def withdrawal_heard(**overrides: Any) -> dict[str, Any]:
    """The evidence of a withdrawal a volunteer heard today: keyword arguments for
    ``consent.services.consent_revoke`` (a withdrawal needs evidence, like a consent)."""
    return {
        "evidence_kind": EvidenceKind.VERBAL,
        "heard_by": "Vrijwilliger Jansen",
        "heard_on": clock.today(),
        "heard_where": "Bezoekzaal",
        **overrides,
    }


INTAKE_PURPOSE = {
    OrganisationKind.BB_REGIONAL_DESK: "bb_guidance",
    OrganisationKind.BUREAU_BUITENLAND: "bb_guidance",
    OrganisationKind.CONSULAR_POST: "consular",
}


def intake_consent(*, trajectory: Any, organisation: Any) -> Consent | None:
    """The consent an opening organisation records at intake (none where the law is the ground)."""
    if organisation.kind in LEGAL_BASIS_KINDS:
        return None
    code = INTAKE_PURPOSE.get(organisation.kind, "partner_sharing")
    return give_consent(person=trajectory.person, purpose_code=code, recipient=organisation)


def consent_for_handover(*, trajectory: Any, receiver: Any, purpose: str) -> Consent | None:
    """Record the consent a handover of ``purpose`` to ``receiver`` needs (None: none needed)."""
    code = HANDOVER_PURPOSE_CONSENT.get(purpose, FALLBACK_PURPOSE)
    if code is None:
        return None
    return give_consent(person=trajectory.person, purpose_code=code, recipient=receiver)


def send_with_consent(**kwargs: Any) -> Any:
    """``handover_send`` after recording the consent the handover needs (as an intake would)."""
    consent_for_handover(
        trajectory=kwargs["trajectory"],
        receiver=kwargs["receiver"],
        purpose=kwargs.get("purpose", "aftercare_referral"),
    )
    return handover_send(**kwargs)
