"""The consent questions: "may organisation X receive data classes Y for purpose P today?"

These are pure reads on the ledger (no actor: the question is about the
person's consent, not about who asks). Access to the ledger itself goes
through :mod:`estafette.consent.selectors`, which re-exports these.

Recipient matching: a consent names either one organisation or a kind of
organisation. An organisation is covered by a consent that names it, or that
names its kind. A consent naming an organisation does *not* cover that
organisation's desks or parent: the person agreed to the one they were told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils.formats import date_format

from estafette.consent import messages
from estafette.consent.models import Consent, ConsentPurpose, data_class_labels
from estafette.consent.rules import ConsentState
from estafette.core import clock
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput
from estafette.handovers.models import Purpose

HANDOVER_PURPOSE_CONSENT: dict[str, str | None] = {
    Purpose.AFTERCARE_REFERRAL: "aftercare_referral",
    Purpose.GUIDANCE: "bb_guidance",
    Purpose.BUDDY: "buddy_programme",
    Purpose.LANDING_PLACE: "partner_sharing",
    Purpose.PROBATION: "partner_sharing",
    Purpose.OTHER: "partner_sharing",
    Purpose.CONSULAR: "consular",
    Purpose.SENTENCE_TRANSFER: None,
}
"""The consent purpose a handover of each purpose needs (``None``: no consent needed).

Why each:

* after-care referral, BB guidance, buddy programme, consular assistance: each
  has its own consent purpose the person signs for (DOMAIN.md §4, §6; the BB
  form, the after-care consent, the buddy intake, the consular form).
* landing place, probation (without a legal frame), other: a handover to such
  an organisation shares data with a partner, so it needs the general
  "sharing with a named partner organisation" consent, for that organisation
  or its kind.
* sentence transfer (WETS/WOTS): the transfer runs on a legal basis (the
  transfer law and the court's decision), not on consent; the person's
  consent to the transfer itself is part of that legal procedure. Sharing is
  limited by the handover's own data classes.

A handover purpose missing from this table falls back to ``partner_sharing``
(see :func:`consent_check_handover`): an unknown purpose must never share
without consent.
"""

FALLBACK_PURPOSE = "partner_sharing"


def _today(on: dt.date | None) -> dt.date:
    return on if on is not None else clock.today()


def effective_q(on: dt.date) -> Q:
    """Consents in force on day ``on``, as a filter (same rule as :mod:`rules`).

    A withdrawal counts for the whole local day it was recorded on, so a
    consent withdrawn at any hour of ``on`` is not in force on ``on``.
    """
    next_day = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(0), tzinfo=clock.LOCAL_ZONE)
    return (
        Q(given_on__lte=on)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        & (Q(revoked_at__isnull=True) | Q(revoked_at__gte=next_day))
    )


def recipient_q(organisation: Any) -> Q:
    """Consents that cover ``organisation``: naming it, or naming its kind."""
    return Q(recipient_organisation_id=organisation.pk) | Q(
        recipient_organisation__isnull=True, recipient_kind=organisation.kind
    )


def consent_is_effective(consent: Consent, on: dt.date | None = None) -> bool:
    """True when ``consent`` may be relied on for sharing on ``on`` (default: today).

    In force from ``given_on`` through ``ends_on`` inclusive; a withdrawal ends
    it at once, for the whole day it was recorded (see :mod:`rules`).
    """
    return consent.state_on(_today(on)) == ConsentState.ACTIVE


def consent_covering(
    *, person: Any, purpose_code: str, recipient: Any, on: dt.date | None = None
) -> Consent | None:
    """The newest consent of ``person`` for ``purpose_code`` covering ``recipient`` on ``on``."""
    return (
        Consent.objects.filter(effective_q(_today(on)), recipient_q(recipient), person=person)
        .filter(purpose__code=purpose_code)
        .select_related("purpose", "recipient_organisation")
        .order_by("-given_on", "-id")
        .first()
    )


def covered_data_classes(*, person: Any, recipient: Any, on: dt.date | None = None) -> set[str]:
    """Every data class ``recipient`` may see of ``person`` on ``on``, under any purpose.

    The union over all consents in force that cover the recipient. A screen
    that shows received data shows only these classes: when a consent is
    withdrawn or ends, its classes drop out at once (unless another consent
    in force still covers them).
    """
    rows = Consent.objects.filter(
        effective_q(_today(on)), recipient_q(recipient), person=person
    ).values_list("data_classes", flat=True)
    return {value for classes in rows for value in classes}


def data_classes_clean(data_classes: Iterable[str]) -> set[str]:
    """The requested classes as a set; :class:`InvalidInput` for a value not in the catalogue."""
    requested = set(data_classes)
    for value in sorted(requested):
        if value not in DataClass.values:
            raise InvalidInput(messages.UNKNOWN_DATA_CLASS, value=value)
    return requested


MIN_CLASSES_REASON_LENGTH = 15
"""A reason for more than the purpose's default classes is a sentence, not a word."""


def purpose_bounds_check(purpose: ConsentPurpose, classes: Iterable[str], reason: str) -> None:
    """Refuse classes a purpose can never need, and more than its default without a reason.

    Contract (:class:`InvalidInput`, with a sentence naming the purpose and the classes):

    1. a class outside ``purpose.max_classes`` is refused whatever the reason: the
       purpose cannot need it (a consent for after-care never covers the offence);
    2. a class outside ``purpose.default_classes`` needs ``reason``, a sentence of at
       least :data:`MIN_CLASSES_REASON_LENGTH` characters, saying why this person's
       consent covers more than usual (health for after-care, say).
    """
    chosen = set(classes)
    beyond_max = chosen - set(purpose.max_classes)
    if beyond_max:
        raise InvalidInput(
            messages.CLASSES_BEYOND_MAXIMUM,
            purpose=purpose.name,
            classes=", ".join(data_class_labels(beyond_max)),
        )
    beyond_default = chosen - set(purpose.default_classes)
    if beyond_default and len(reason.strip()) < MIN_CLASSES_REASON_LENGTH:
        raise InvalidInput(
            messages.CLASSES_REASON_REQUIRED,
            purpose=purpose.name,
            classes=", ".join(data_class_labels(beyond_default)),
        )


def purpose_name(code: str) -> str:
    """The purpose's name in the active language (the code itself if it is unknown)."""
    purpose = ConsentPurpose.objects.filter(code=code).first()
    return purpose.name if purpose is not None else code


def consent_check_share(
    *,
    person: Any,
    purpose_code: str,
    recipient: Any,
    data_classes: Iterable[str],
    on: dt.date | None = None,
) -> Consent:
    """The consent that allows sharing ``data_classes`` with ``recipient`` for ``purpose_code``.

    Contract:

    1. an unknown data class is :class:`InvalidInput`;
    2. no consent in force for this purpose and recipient is :class:`Conflict`
       with a sentence that names the purpose (in the active language) and how
       to record it — or that it was withdrawn or ended, and when;
    3. a consent in force that does not cover every requested class is
       :class:`Conflict` naming the classes it does not cover.

    Sharing no data classes still needs the consent: that a handover is made at
    all tells the recipient the person is in the chain.
    """
    on = _today(on)
    requested = data_classes_clean(data_classes)
    candidates = list(
        Consent.objects.filter(recipient_q(recipient), person=person, purpose__code=purpose_code)
        .select_related("purpose", "recipient_organisation")
        .order_by("-given_on", "-id")
    )
    effective = [consent for consent in candidates if consent_is_effective(consent, on)]
    if not effective:
        name = candidates[0].purpose.name if candidates else purpose_name(purpose_code)
        _refuse_missing(candidates, name, recipient, on)
    for consent in effective:
        if requested <= set(consent.data_classes):
            return consent
    closest = min(effective, key=lambda consent: len(requested - set(consent.data_classes)))
    raise Conflict(
        messages.CLASSES_NOT_COVERED,
        purpose=closest.purpose.name,
        classes=", ".join(data_class_labels(requested - set(closest.data_classes))),
    )


def _refuse_missing(candidates: list[Consent], name: str, recipient: Any, on: dt.date) -> None:
    """Raise the most helpful refusal when no consent is in force: why, and what to do."""
    latest = candidates[0] if candidates else None
    if latest is not None:
        state = latest.state_on(on)
        if state == ConsentState.WITHDRAWN and latest.revoked_on is not None:
            raise Conflict(
                messages.CONSENT_WITHDRAWN, purpose=name, date=date_format(latest.revoked_on)
            )
        if state == ConsentState.ENDED and latest.ends_on is not None:
            raise Conflict(messages.CONSENT_ENDED, purpose=name, date=date_format(latest.ends_on))
    raise Conflict(messages.CONSENT_MISSING, purpose=name, recipient=str(recipient))


def consent_check_handover(
    *,
    person: Any,
    handover_purpose: str,
    recipient: Any,
    data_classes: Iterable[str],
    on: dt.date | None = None,
) -> Consent | None:
    """The consent a handover of ``handover_purpose`` relies on; ``None`` if it needs none.

    Maps the handover purpose through :data:`HANDOVER_PURPOSE_CONSENT` (an
    unknown purpose needs ``partner_sharing``) and applies
    :func:`consent_check_share`, raising its refusals unchanged.
    """
    code = HANDOVER_PURPOSE_CONSENT.get(handover_purpose, FALLBACK_PURPOSE)
    if code is None:
        data_classes_clean(data_classes)
        return None
    return consent_check_share(
        person=person,
        purpose_code=code,
        recipient=recipient,
        data_classes=data_classes,
        on=on,
    )
