"""When the person withdraws the consent the holder's support rests on (DOMAIN.md §6).

Support is voluntary at every step. The holder's part rests on a consent of the
person for one purpose (:data:`SUPPORT_CONSENT_BY_KIND`: BB guidance for Bureau
Buitenland, after-care for a municipality, …), except where the law is the
ground (a prison, probation). When that consent is withdrawn and no other
consent for the same purpose covers the holder, the holder may no longer look
into the person's basic conditions, and nagging it about them would be wrong:

* the rules on the basic conditions (:mod:`signals.rules.conditions`) stop
  addressing the holder (:func:`holder_support_withdrawn_q`), so their signals
  resolve by themselves at the next evaluation;
* one signal takes their place, :class:`SupportConsentWithdrawn`: "agree with
  the person how to close". Its title and reason name the consent and the day
  it was withdrawn (the holder always sees its own consents and the person's
  identity), never a basic condition, a health marker or anything else of a
  class the holder no longer sees.

"Withdrawn" is a withdrawal (``revoked_at``) recorded on or before today; a
consent that simply reached its end date is not a withdrawal by the person and
does not raise this signal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from estafette.consent.models import Consent
from estafette.consent.policy import HANDOVER_PURPOSE_CONSENT, effective_q
from estafette.core import clock
from estafette.handovers.models import Purpose
from estafette.organisations.models import OrganisationKind
from estafette.signals.rules.base import Candidate, Rule, iso, register
from estafette.trajectories.models import Trajectory

SUPPORT_CONSENT_BY_KIND: dict[str, str] = {
    OrganisationKind.BB_REGIONAL_DESK: str(HANDOVER_PURPOSE_CONSENT[Purpose.GUIDANCE]),
    OrganisationKind.BUREAU_BUITENLAND: str(HANDOVER_PURPOSE_CONSENT[Purpose.GUIDANCE]),
    OrganisationKind.MUNICIPAL_AFTERCARE: str(HANDOVER_PURPOSE_CONSENT[Purpose.AFTERCARE_REFERRAL]),
    OrganisationKind.BUDDY_PROGRAMME: str(HANDOVER_PURPOSE_CONSENT[Purpose.BUDDY]),
    OrganisationKind.CONSULAR_POST: str(HANDOVER_PURPOSE_CONSENT[Purpose.CONSULAR]),
    OrganisationKind.LANDING_PLACE: str(HANDOVER_PURPOSE_CONSENT[Purpose.LANDING_PLACE]),
    OrganisationKind.PARTNER: str(HANDOVER_PURPOSE_CONSENT[Purpose.OTHER]),
}
"""The consent purpose the support of a holder of each kind rests on.

The purpose a handover to such an organisation needs (``consent.policy.
HANDOVER_PURPOSE_CONSENT``): a BB desk guides on "BB guidance", a municipality
on "after-care", a buddy programme on its own purpose, a consular post on
"consular assistance", a landing place or partner on "sharing with a partner".
Prisons and probation are missing on purpose: the law is their ground
(``access.policy.LEGAL_BASIS_KINDS``), no withdrawal ends it.
"""

SUPPORT_PURPOSE_LABELS = {
    "bb_guidance": _("guidance by Bureau Buitenland"),
    "aftercare_referral": _("municipal after-care"),
    "buddy_programme": _("the buddy programme"),
    "consular": _("consular assistance"),
    "partner_sharing": _("sharing data with a partner organisation"),
}


def with_support_purpose(rows: QuerySet[Trajectory]) -> QuerySet[Trajectory]:
    """Annotate ``support_purpose``: the consent purpose the holder's support rests on ("")."""
    return rows.annotate(
        support_purpose=Case(
            *(
                When(baton_holder__kind=kind, then=Value(purpose))
                for kind, purpose in SUPPORT_CONSENT_BY_KIND.items()
            ),
            default=Value(""),
            output_field=CharField(),
        )
    )


def _holder_consents() -> QuerySet[Consent]:
    """The person's consents for the holder's support purpose that cover the holder
    (naming it, or its kind), for a trajectory annotated by :func:`with_support_purpose`."""
    return Consent.objects.filter(
        Q(recipient_organisation_id=OuterRef("baton_holder_id"))
        | Q(recipient_organisation__isnull=True, recipient_kind=OuterRef("baton_holder__kind")),
        person_id=OuterRef("person_id"),
        purpose__code=OuterRef("support_purpose"),
    )


def _end_of(today: dt.date) -> dt.datetime:
    # A withdrawal counts for the whole local day it was recorded on (consent.policy).
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=clock.LOCAL_ZONE)


def holder_support_withdrawn_q(today: dt.date) -> Q:
    """Trajectories whose holder's support consent was withdrawn and none is in force.

    Needs :func:`with_support_purpose` on the queryset. Two correlated probes on the
    person's consents, whatever the number of trajectories.
    """
    consents = _holder_consents()
    withdrawn = consents.filter(revoked_at__isnull=False, revoked_at__lt=_end_of(today))
    in_force = consents.filter(effective_q(today))
    return ~Q(support_purpose="") & Q(Exists(withdrawn)) & ~Q(Exists(in_force))


def without_withdrawn_support(rows: QuerySet[Trajectory], today: dt.date) -> QuerySet[Trajectory]:
    """``rows`` without those whose holder's support consent was withdrawn (see the module)."""
    return (
        with_support_purpose(rows)
        .annotate(
            support_withdrawn=ExpressionWrapper(
                holder_support_withdrawn_q(today), output_field=BooleanField()
            )
        )
        .filter(support_withdrawn=False)
    )


class SupportConsentWithdrawn(Rule):
    """The consent the holder's support rests on was withdrawn: agree how to close.

    Applies in every live phase to a holder whose support rests on a consent
    (:data:`SUPPORT_CONSENT_BY_KIND`; never a prison or probation), when the
    person withdrew a consent of that purpose covering the holder and no consent
    of that purpose covering it is in force today. One signal per trajectory,
    addressed to the holder. Stops when a new consent is recorded, when the
    baton moves on, or when the trajectory is closed. The reason names only the
    purpose and the day of the withdrawal (:data:`reason_classes` is empty).
    """

    code = "support_consent_withdrawn"
    title_classes = frozenset()  # that a consent exists and its purpose: every part sees it
    reason_classes = frozenset()
    title = _("Consent for the support withdrawn: agree with the person how to close")
    reason_template = _(
        "The person withdrew their consent for %(purpose)s on %(withdrawn_on)s, and no other "
        "consent for it covers your organisation; your support rests on it. The signals about "
        "the person's basic conditions have stopped."
    )
    suggested_action = _(
        "Agree with the person how to close: what is still to be arranged and by whom, whom "
        "to hand over to (with the person's consent). Then close the trajectory, or record a "
        "new consent if the person gives it again."
    )
    link_fragment = "holder-heading"  # the holder's forms, among them the phase (closing)

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return bool(row["has_withdrawn"]) and row["baton_holder__kind"] in SUPPORT_CONSENT_BY_KIND

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        withdrawn_at = (
            _holder_consents()
            .filter(revoked_at__isnull=False, revoked_at__lt=_end_of(today))
            .order_by()
            .values("person_id")
            .annotate(last=Max("revoked_at"))
            .values("last")[:1]
        )
        rows = (
            with_support_purpose(self.trajectories(trajectory_ids))
            .filter(holder_support_withdrawn_q(today))
            .annotate(withdrawn_at=Subquery(withdrawn_at, output_field=DateTimeField()))
            .values(
                "pk", "baton_holder_id", "baton_holder__kind", "support_purpose", "withdrawn_at"
            )
        )
        return [
            self.candidate_for_holder(
                row,
                facts={
                    "purpose": row["support_purpose"],
                    "withdrawn_on": iso(timezone.localdate(row["withdrawn_at"], clock.LOCAL_ZONE)),
                },
            )
            for row in rows
        ]

    def reason_text(self, facts: dict[str, Any]) -> str:
        purpose = facts.get("purpose", "")
        return super().reason_text(
            {**facts, "purpose": SUPPORT_PURPOSE_LABELS.get(purpose, purpose)}
        )


register(SupportConsentWithdrawn())
