"""The demo's consent ledger: what each person agreed to, and what was shared under it.

Support is voluntary (DOMAIN.md §6): every handover that shares data needs a
consent in force for its purpose that covers the receiver
(:data:`~estafette.consent.policy.HANDOVER_PURPOSE_CONSENT`), and an
organisation other than a prison or probation sees a file only under a
consent. :func:`consent_terms` says which consent the demo records for each
purpose: the named examples record them through ``consent_record``, and
:class:`BulkLedger` writes the same consents for the bulk, with the
disclosures and notices the services would have written.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from estafette.consent.models import (
    Consent,
    ConsentDisclosure,
    ConsentNotice,
    ConsentPurpose,
    EvidenceKind,
    NoticeKind,
)
from estafette.consent.policy import FALLBACK_PURPOSE, HANDOVER_PURPOSE_CONSENT
from estafette.consent.rules import ConsentState
from estafette.core.clock import LOCAL_ZONE
from estafette.core.data_classes import DataClass as D
from estafette.demo import names
from estafette.demo.relay import Relay, Run, days
from estafette.demo.vocabulary import (
    CLOSE_REASONS_LOST,
    OFFENCES_ABROAD,
    OFFENCES_DOMESTIC,
    REVOKE_AFTERCARE,
    REVOKE_ON_CLOSING,
    REVOKE_VISITS,
)
from estafette.handovers.models import Purpose
from estafette.organisations.models import Membership, Organisation, Role
from estafette.organisations.models import OrganisationKind as K
from estafette.trajectories.models import ParticipantRole, Phase, Route

CONSULAR = "consular"
GUIDANCE = "bb_guidance"
PARTNER = "partner_sharing"
CONTACT_PERSON = "contact_person"
VISITS = "volunteer_visits"
AFTERCARE = "aftercare_referral"
BUDDY = "buddy_programme"

ALL_CLASSES: tuple[str, ...] = tuple(D.values)
CLOSE_WANTS_NOTHING = CLOSE_REASONS_LOST[1]
"""Closing because the person wants no further support: the after-care consent is withdrawn."""

CONSENT_RECIPIENT_KIND: dict[str, str] = {
    CONSULAR: K.CONSULAR_POST,
    GUIDANCE: K.BB_REGIONAL_DESK,
    VISITS: K.VOLUNTEER_ORGANISATION,
    AFTERCARE: K.MUNICIPAL_AFTERCARE,
    BUDDY: K.BUDDY_PROGRAMME,
    # Recorded by the BB desk that keeps the home front informed (issue 13).
    CONTACT_PERSON: K.BB_REGIONAL_DESK,
}
"""The kind of organisation each consent names; ``partner_sharing`` names one organisation."""

CONSENT_CLASSES: dict[str, tuple[str, ...]] = {
    # The consulate knows why and where the person is held, and the one contact person.
    CONSULAR: (D.IDENTITY, D.DETENTION, D.OFFENCE, D.NETWORK),
    # The BB form: guidance covers the whole stay abroad (BB may report to the court).
    GUIDANCE: ALL_CLASSES,
    # Volunteers prepare the return; never the offence, nor health (DOMAIN.md §2).
    VISITS: (D.IDENTITY, D.DETENTION, D.CONDITIONS, D.NETWORK, D.NOTES),
    # The after-care consent: what the municipality needs for the basic conditions.
    AFTERCARE: (D.IDENTITY, D.DETENTION, D.CONDITIONS, D.HEALTH, D.NETWORK),
    BUDDY: (D.IDENTITY, D.DETENTION, D.CONDITIONS, D.NETWORK),
    # What the person shares with their contact person on their own pages (issue 13):
    # where they stand and the basic conditions, never the offence, health or notes.
    CONTACT_PERSON: (D.IDENTITY, D.DETENTION, D.CONDITIONS),
}
PARTNER_CLASSES: dict[str, tuple[str, ...]] = {
    K.LANDING_PLACE: (D.IDENTITY, D.DETENTION, D.CONDITIONS, D.HEALTH),
    K.PROBATION: (D.IDENTITY, D.DETENTION, D.CONDITIONS, D.HEALTH, D.OFFENCE, D.NETWORK),
}
PARTNER_DEFAULT = (D.IDENTITY, D.DETENTION, D.CONDITIONS)

CONSENT_REASONS: dict[str, str] = {
    CONSULAR: "De consulaire post helpt met het contact met de familie en kent de zaak.",
    GUIDANCE: "Bureau Buitenland begeleidt het hele verblijf en schrijft zo nodig een rapport.",
    VISITS: "De vrijwilliger helpt met ID en wonen en belt met de contactpersoon thuis.",
    AFTERCARE: "Betrokkene heeft zorg nodig direct na vrijlating; de nazorg regelt die mee.",
    BUDDY: "De buddy gaat vlak na vrijlating mee naar afspraken en moet de datum weten.",
    PARTNER: "De partner bereidt de opvang voor en moet weten wanneer en waar betrokkene vrijkomt.",
    CONTACT_PERSON: "Zijn zus bereidt de terugkeer voor en wil weten wanneer hij vrijkomt.",
}
"""Why a demo consent covers more than its purpose's default classes (a consent beyond the
default needs a stated reason; ``consent.policy.purpose_bounds_check``)."""

WITHDRAWAL_HEARD_WHERE = "telefonisch contact"
"""Where a bulk withdrawal was heard: the person called (the evidence a withdrawal needs)."""

CONSENT_LEAD_DAYS: dict[str, tuple[int, int]] = {
    AFTERCARE: (3, 40),
    BUDDY: (0, 10),
    PARTNER: (0, 14),
}
"""How many days before the first handover the person agreed, for consents asked for then."""


def consent_terms(code: str, receiver_kind: str = "") -> tuple[str, tuple[str, ...]]:
    """The consent the demo records for purpose ``code``: ``(recipient kind, data classes)``.

    An empty kind means the consent names the receiving organisation itself
    (``partner_sharing``, whose classes depend on the ``receiver_kind``).
    """
    if code == PARTNER or code not in CONSENT_CLASSES:
        return "", PARTNER_CLASSES.get(receiver_kind, PARTNER_DEFAULT)
    return CONSENT_RECIPIENT_KIND[code], CONSENT_CLASSES[code]


def _local(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_ZONE).date()


class BulkLedger:
    """Writes the consent ledger of each bulk story into the relay's buffers.

    Contract: :meth:`record` is called once per finished run, before the
    run's rows are written. It adds, per person and trajectory:

    * a ``consular`` consent when a consular post opened the trajectory (the
      person asked for consular assistance), an after-care consent naming the
      desk that opened it (returned on own strength);
    * a ``bb_guidance`` consent (kind: BB regional desk, all classes) for a
      BB-guided trajectory or one with a guidance handover, from the day it opened;
    * a ``volunteer_visits`` consent from the first visit (visits end at release);
    * for every handover whose purpose needs consent, a consent in force on the
      day it was sent that covers the receiver and every class sent, and a
      disclosure of those classes at ``sent_at``;
    * a few withdrawals (with a "withdrawn" notice to every organisation that
      received data) and end dates, with "ended" notices where data was
      shared, so ``consent_expire_sweep`` finds nothing left to do;
    * the offence, for most trajectories.

    Draws only from its own ``rng``, so the rest of the bulk is the same
    with or without the ledger. Every date lies before ``now``.
    """

    def __init__(self, relay: Relay, rng: random.Random, now: dt.datetime) -> None:
        self.r = relay
        self.rng = rng
        self.today = relay.today
        self.now = now
        self.kind = dict(Organisation.objects.values_list("pk", "kind"))
        self.purpose = dict(ConsentPurpose.objects.values_list("code", "pk"))
        self.code = {pk: code for code, pk in self.purpose.items()}
        volunteers = Membership.objects.filter(
            organisation=relay.d.volunteers, role=Role.VISITING_VOLUNTEER
        ).order_by("user__username")
        self.volunteer_names = [
            f"{first} {last}"
            for first, last in volunteers.values_list("user__first_name", "user__last_name")
        ] or ["Vera Bezoek"]
        self.staff_names = [" ".join(names.full_name(rng)) for _ in range(80)]
        self.offences = {
            True: (list(OFFENCES_ABROAD), list(accumulate(OFFENCES_ABROAD.values()))),
            False: (list(OFFENCES_DOMESTIC), list(accumulate(OFFENCES_DOMESTIC.values()))),
        }
        # Per run; reset by record().
        self.made: list[Consent] = []
        self.shared: dict[int, list[tuple[int, dt.date]]] = {}

    # ---------------------------------------------------------------- rows

    def _moment(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(
            day, dt.time(self.rng.randint(8, 16), self.rng.randint(0, 59)), tzinfo=LOCAL_ZONE
        )

    def _consent(
        self,
        run: Run,
        code: str,
        *,
        given: dt.date,
        heard_by: str,
        place: str,
        recorded_by: int,
        receiver: int | None = None,
        named: bool = False,
        ends_on: dt.date | None = None,
    ) -> Consent:
        """A verbal consent given on ``given``; ``named``: to ``receiver`` itself, not its kind."""
        kind, classes = consent_terms(code, self.kind[receiver] if receiver else "")
        if named:
            kind = ""
        consent = self.r._new(
            Consent,
            person_id=run.trajectory.person_id,
            purpose_id=self.purpose[code],
            recipient_organisation_id=None if kind else receiver,
            recipient_kind=kind,
            data_classes=sorted(classes),
            given_on=given,
            ends_on=ends_on if ends_on is None or ends_on >= given else None,
            evidence_kind=EvidenceKind.VERBAL,
            verbal_by=heard_by,
            verbal_on=given,
            verbal_place=place[:160],
            recorded_at=self._moment(given),
            recorded_by_organisation_id=recorded_by,
        )
        self.made.append(consent)
        return consent

    def _covers(self, consent: Consent, organisation: int) -> bool:
        if consent.recipient_organisation_id is not None:
            return bool(consent.recipient_organisation_id == organisation)
        return bool(consent.recipient_kind == self.kind[organisation])

    def _in_force(
        self, code: str, organisation: int, day: dt.date, classes: set[str]
    ) -> Consent | None:
        for consent in self.made:
            if (
                self.code[consent.purpose_id] == code
                and self._covers(consent, organisation)
                and consent.state_on(day) == ConsentState.ACTIVE
                and classes <= set(consent.data_classes)
            ):
                return consent
        return None

    def _notice(self, consent: Consent, organisation: int, kind: str, at: dt.datetime) -> None:
        at = min(at, self.now - dt.timedelta(minutes=1))
        read = at + dt.timedelta(hours=self.rng.randint(1, 200))
        unread = read >= self.now or self.rng.random() < 0.2
        seen = None if unread else read
        self.r._new(
            ConsentNotice,
            organisation_id=organisation,
            consent_id=consent.pk,
            kind=kind,
            created_at=at,
            seen_at=seen,
        )

    def _revoke(self, consent: Consent, at: dt.datetime, reason: str, by: int) -> bool:
        """Withdraw ``consent`` at ``at`` if nothing relied on it that day or later."""
        day = _local(at)
        last_shared = max((d for _, d in self.shared.get(consent.pk, [])), default=None)
        if last_shared is not None and day <= last_shared:
            return False
        if consent.ends_on is not None and consent.ends_on < day:
            return False  # it had ended already; the end's notice says enough
        consent.revoked_at = at
        consent.revoked_by_organisation_id = by
        consent.revoke_reason = reason
        # A withdrawal is recorded on evidence, like the consent: who heard it, when, where.
        consent.revocation_evidence_kind = EvidenceKind.VERBAL
        consent.revoked_heard_by = consent.verbal_by
        consent.revoked_heard_on = day
        consent.revoked_heard_where = WITHDRAWAL_HEARD_WHERE
        for organisation in sorted({o for o, _ in self.shared.get(consent.pk, [])}):
            self._notice(consent, organisation, NoticeKind.REVOKED, at)
        return True

    # ---------------------------------------------------------------- one story

    def record(self, run: Run) -> None:
        """Write the consents, disclosures and notices of ``run``, and its offence."""
        self.made, self.shared = [], {}
        t = run.trajectory
        opened = _local(t.opened_at)
        opener_kind = self.kind[run.opened_by]
        place = t.detention_place or self.r.org_name[run.opened_by]
        guided = [h for h in run.handovers if h.purpose == Purpose.GUIDANCE]
        desk = guided[0].receiver_id if guided else run.opened_by
        if opener_kind == K.CONSULAR_POST:
            ends = None
            release = t.release_on
            if (
                t.phase == Phase.CLOSED
                and release is not None
                and release < self.today
                and self.rng.random() < 0.3
            ):
                ends = release  # "for as long as I am detained"
            self._consent(
                run,
                CONSULAR,
                given=opened,
                heard_by=self._staff(),
                place=place,
                recorded_by=run.opened_by,
                ends_on=ends,
            )
        elif opener_kind == K.MUNICIPAL_AFTERCARE:
            # Came back on own strength and asked the desk for help: consent to that desk.
            self._consent(
                run,
                AFTERCARE,
                given=opened,
                heard_by=self._staff(),
                place=self.r.org_name[run.opened_by],
                recorded_by=run.opened_by,
                receiver=run.opened_by,
                named=True,
            )
        if t.route == Route.ABROAD_BB or guided:
            # The BB form: the consulate hears the request and forwards the signed form.
            self._consent(
                run,
                GUIDANCE,
                given=opened,
                heard_by=self._staff(),
                place=place,
                recorded_by=run.opened_by,
            )
        self._visits(run, place, desk)
        for handover in run.handovers:
            self._handover(run, handover, opened, place)
        self._withdrawals(run)
        self._expiry_notices()
        self._offence(run)

    def _staff(self) -> str:
        return self.rng.choice(self.staff_names)

    def _volunteer(self) -> str:
        return self.rng.choice(self.volunteer_names)

    def _visits(self, run: Run, place: str, desk: int) -> None:
        """Consent at the first visit (BB's visiting volunteers or Epafras); a few withdraw."""
        for participant in run.participants:
            if participant.role not in (
                ParticipantRole.VISITING_VOLUNTEER,
                ParticipantRole.SPIRITUAL_CARE,
            ):
                continue
            org = participant.organisation_id
            if self._in_force(VISITS, org, participant.since, set()) is not None:
                continue
            visiting = participant.role == ParticipantRole.VISITING_VOLUNTEER
            consent = self._consent(
                run,
                VISITS,
                given=participant.since,
                heard_by=self._volunteer(),
                place=place,
                recorded_by=desk,
                # Visiting volunteers: BB's volunteers as a kind; spiritual care names Epafras.
                receiver=org,
                named=not visiting,
                ends_on=participant.until,  # visits end with the detention abroad
            )
            if (
                visiting
                and participant.until is None
                and run.trajectory.phase == Phase.DETENTION
                and self.rng.random() < 0.03
            ):
                day = participant.since + days(self.rng.randint(30, 400))
                if day < self.today and self._revoke(
                    consent, self._moment(day), self.rng.choice(REVOKE_VISITS), desk
                ):
                    participant.until = day

    def _handover(self, run: Run, handover: Any, opened: dt.date, place: str) -> None:
        """The consent ``handover`` relied on (recorded if none was in force); its disclosure."""
        code = HANDOVER_PURPOSE_CONSENT.get(handover.purpose, FALLBACK_PURPOSE)
        if code is None:
            return  # a sentence transfer rests on law
        day = _local(handover.sent_at)
        receiver = handover.receiver_id
        _, classes = consent_terms(code, self.kind[receiver])
        if not handover.data_classes:
            handover.data_classes = sorted(set(classes) & {D.IDENTITY, D.DETENTION, D.CONDITIONS})
        consent = self._in_force(code, receiver, day, set(handover.data_classes))
        if consent is None:
            lead = CONSENT_LEAD_DAYS.get(code)
            given = max(opened, day - days(self.rng.randint(*lead))) if lead else opened
            sender = handover.sender_id
            abroad_or_prison = self.kind[sender] in (
                K.CONSULAR_POST,
                K.BB_REGIONAL_DESK,
                K.PRISON,
            )
            volunteer = any(
                p.role == ParticipantRole.VISITING_VOLUNTEER and p.since <= given
                for p in run.participants
            )
            ends = None
            if code == AFTERCARE and self.rng.random() < 0.2:
                candidate = given + days(365)  # "for one year after my return"
                if run.trajectory.phase == Phase.CLOSED or candidate >= self.today:
                    ends = candidate
            consent = self._consent(
                run,
                code,
                given=given,
                heard_by=self._volunteer() if volunteer else self._staff(),
                place=place if abroad_or_prison else self.r.org_name[sender],
                recorded_by=sender,
                receiver=receiver,
                ends_on=ends,
            )
        self.r._new(
            ConsentDisclosure,
            consent_id=consent.pk,
            recipient_id=receiver,
            data_classes=sorted(handover.data_classes),
            message=True,  # the handover's message travelled under it too (issue 10)
            disclosed_at=handover.sent_at,
            handover_id=handover.pk,
            by_organisation_id=handover.sender_id,
        )
        self.shared.setdefault(consent.pk, []).append((receiver, day))

    def _withdrawals(self, run: Run) -> None:
        """A person who wants no further support withdraws the after-care consent; a few others."""
        t = run.trajectory
        aftercare = [
            c for c in self.made if self.code[c.purpose_id] == AFTERCARE and c.pk in self.shared
        ]
        if not aftercare:
            return
        if t.phase == Phase.CLOSED and t.closed_at is not None:
            if run.close_reason == CLOSE_WANTS_NOTHING:
                at = t.closed_at - dt.timedelta(minutes=self.rng.randint(10, 90))
                for consent in aftercare:
                    self._revoke(consent, at, REVOKE_ON_CLOSING, t.baton_holder_id)
        elif t.phase in (Phase.RETURN, Phase.REINTEGRATION) and self.rng.random() < 0.04:
            at = self._moment(self.today - days(self.rng.randint(1, 30)))
            reason = self.rng.choice(REVOKE_AFTERCARE)
            for consent in aftercare:
                self._revoke(consent, at, reason, t.baton_holder_id)

    def _expiry_notices(self) -> None:
        """The "ended" notices the expiry sweep would have sent for consents that ran out."""
        for consent in self.made:
            ends = consent.ends_on
            if ends is None or ends >= self.today or consent.revoked_at is not None:
                continue
            at = dt.datetime.combine(ends + days(1), dt.time(6, 0), tzinfo=LOCAL_ZONE)
            for organisation in sorted({o for o, _ in self.shared.get(consent.pk, [])}):
                self._notice(consent, organisation, NoticeKind.EXPIRED, at)

    def _offence(self, run: Run) -> None:
        abroad = run.trajectory.route != Route.DOMESTIC
        if self.rng.random() < (0.85 if abroad else 0.8):
            labels, cum = self.offences[abroad]
            index = min(bisect_right(cum, self.rng.random() * cum[-1]), len(cum) - 1)
            run.trajectory.offence = labels[index]
