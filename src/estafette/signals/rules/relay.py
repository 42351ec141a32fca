"""The first rules: where the baton falls around release (DOMAIN.md §7).

Each ``candidates`` runs a fixed number of queries (one for the subjects, one
for norm overrides where a norm applies), whatever the number of trajectories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from estafette.consent.models import Consent
from estafette.consent.policy import effective_q
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.workflow import State
from estafette.norms import deadlines
from estafette.norms.selectors import norms_effective_by_organisation
from estafette.organisations.models import OrganisationKind
from estafette.people.models import VULNERABILITY_MARKERS, NetworkMember
from estafette.signals.rules.base import (
    BEFORE_RELEASE_PHASES,
    Candidate,
    Rule,
    before_release,
    iso,
    register,
    shown_date,
)
from estafette.trajectories.models import (
    Participant,
    Phase,
    RegistrationCertainty,
    ReleaseCertainty,
)

REFERRAL_ALIVE = (State.SENT, State.ACCEPTED, State.TAKEN_UP)
"""A referral in one of these states means the baton is on its way or taken."""

RELEASE_FIELDS = (
    "pk",
    "baton_holder_id",
    "baton_holder__kind",
    "release_certainty",
    "release_date",
    "release_earliest",
    "release_latest",
    "release_on",
)


def release_words(facts: dict[str, Any]) -> str:
    """Words like "Release expected between 3 and 20 March 2025", "Release estimated on …", …"""
    certainty = facts.get("release_certainty")
    if certainty == ReleaseCertainty.WINDOW:
        return str(_("Release expected between %(earliest)s and %(latest)s")) % {
            "earliest": shown_date(facts.get("release_earliest")),
            "latest": shown_date(facts.get("release_latest")),
        }
    if certainty == ReleaseCertainty.ESTIMATE:
        return str(_("Release estimated on %(date)s (an estimate)")) % {
            "date": shown_date(facts.get("release_date"))
        }
    if certainty == ReleaseCertainty.KNOWN:
        return str(_("Release on %(date)s")) % {"date": shown_date(facts.get("release_date"))}
    return str(_("Release date unknown"))


def release_facts(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "release_certainty": row["release_certainty"],
        "release_date": iso(row["release_date"]),
        "release_earliest": iso(row["release_earliest"]),
        "release_latest": iso(row["release_latest"]),
    }


def release_of(row: dict[str, Any]) -> deadlines.Release:
    return deadlines.Release(
        certainty=row["release_certainty"],
        date=row["release_date"],
        earliest=row["release_earliest"],
        latest=row["release_latest"],
    )


class ReleaseDeadlineRule(Rule):
    """Shared by rules counted "N days before release" from the holder's effective norm."""

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return before_release(row)

    def due_rows(
        self, *, today: dt.date, rows: Any, norm_code: str
    ) -> list[tuple[dict[str, Any], deadlines.Deadline, int]]:
        """``rows`` (values with RELEASE_FIELDS) whose deadline is due, with the norm's days.

        1. One query for every organisation's override of the norm.
        2. Narrow in SQL with the widest cutoff any organisation uses.
        3. Per row in memory: the holder's own days, then the pure deadline check.
        """
        default, by_org = norms_effective_by_organisation(code=norm_code)
        widest = max(
            [default.params["days_before_release"]]
            + [e.params["days_before_release"] for e in by_org.values()]
        )
        cutoff = deadlines.release_cutoff(today, days_before=widest, lead_days=self.lead_days)
        result = []
        for row in rows.filter(release_on__isnull=False, release_on__lte=cutoff):
            effective = by_org.get(row["baton_holder_id"], default)
            days = int(effective.params["days_before_release"])
            deadline = deadlines.deadline_before_release(
                release_of(row), norm_code=norm_code, days=days
            )
            if deadline is not None and deadline.is_due(today, self.lead_days):
                result.append((row, deadline, days))
        return result


class ReleaseDateUnknown(Rule):
    code = "release_date_unknown"
    title = _("Release date unknown while release may be near")
    reason_template = _(
        "Release date unknown; in detention since %(detention_since)s; without a date no "
        "deadline can be counted for ID, benefit, insurance and housing; norm: %(norm)s."
    )
    suggested_action = _("Ask the prison, the consular post or the person for the release date.")
    norm_code = "aftercare_referral"
    link_fragment = "release"  # the holder's release form on the trajectory page

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return before_release(row)

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        since = today - dt.timedelta(days=int(self.params["min_detention_days"]))
        rows = (
            self.trajectories(trajectory_ids)
            .filter(phase__in=BEFORE_RELEASE_PHASES, release_on__isnull=True)
            .filter(
                Q(phase=Phase.RETURN)
                | Q(detention_start__isnull=True)
                | Q(detention_start__lte=since)
            )
            .values("pk", "baton_holder_id", "baton_holder__kind", "detention_start", "phase")
        )
        return [
            self.candidate_for_holder(
                row,
                facts={"detention_since": iso(row["detention_start"]), "phase": row["phase"]},
                severity="urgent" if row["phase"] == Phase.RETURN else None,
            )
            for row in rows
        ]


class AftercareReferralMissing(ReleaseDeadlineRule):
    code = "aftercare_referral_missing"
    title = _("No after-care referral as release approaches")
    reason_template = _(
        "%(release)s; no after-care referral sent; after-care consent: %(consent)s; "
        "deadline %(due)s (%(days)s days before %(basis)s); norm: %(norm)s."
    )
    suggested_action = _(
        "Ask for after-care consent and refer to the municipality of last registration."
    )
    norm_code = "aftercare_referral"
    link_name = "handover-start"

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        referral = Handover.objects.filter(
            trajectory=OuterRef("pk"), purpose=Purpose.AFTERCARE_REFERRAL, state__in=REFERRAL_ALIVE
        )
        consent = Consent.objects.filter(
            effective_q(today), person=OuterRef("person_id"), purpose__code="aftercare_referral"
        )
        rows = (
            self.trajectories(trajectory_ids)
            .filter(phase__in=BEFORE_RELEASE_PHASES)
            .filter(~Exists(referral))
            .annotate(has_consent=Exists(consent))
            .values(*RELEASE_FIELDS, "has_consent")
        )
        found = []
        for row, deadline, days in self.due_rows(today=today, rows=rows, norm_code=self.norm_code):
            facts = {
                **release_facts(row),
                "has_consent": bool(row["has_consent"]),
                "due": iso(deadline.date),
                "days": days,
                "basis": deadline.basis.value,
                "is_estimate": deadline.is_estimate,
            }
            found.append(
                self.candidate_for_holder(
                    row,
                    facts=facts,
                    due=deadline.date,
                    severity="urgent" if deadline.is_overdue(today) else "warning",
                )
            )
        return found

    def reason_text(self, facts: dict[str, Any]) -> str:
        consent = _("recorded") if facts.get("has_consent") else _("not recorded")
        return super().reason_text(
            {
                **{k: v for k, v in facts.items() if not k.startswith("release_")},
                "release": release_words(facts),
                "consent": consent,
            }
        )


class RegistrationUnknown(ReleaseDeadlineRule):
    code = "registration_unknown"
    title = _("Municipality of registration unknown or doubtful as release approaches")
    reason_template = _(
        "%(release)s; municipality of last registration: %(registration)s; the after-care "
        "referral goes there, deadline %(due)s; norm: %(norm)s."
    )
    suggested_action = _(
        "Confirm the municipality of last registration (with the person or the municipality)."
    )
    norm_code = "aftercare_referral"

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        rows = (
            self.trajectories(trajectory_ids)
            .filter(phase__in=BEFORE_RELEASE_PHASES)
            .filter(
                Q(registration_municipality__isnull=True)
                | Q(
                    registration_certainty__in=(
                        RegistrationCertainty.UNKNOWN,
                        RegistrationCertainty.DOUBTFUL,
                    )
                )
            )
            .values(
                *RELEASE_FIELDS,
                "registration_certainty",
                "registration_municipality__common_name",
            )
        )
        found = []
        for row, deadline, _days in self.due_rows(today=today, rows=rows, norm_code=self.norm_code):
            facts = {
                **release_facts(row),
                "registration_certainty": row["registration_certainty"],
                "municipality": row["registration_municipality__common_name"],
                "due": iso(deadline.date),
            }
            found.append(
                self.candidate_for_holder(
                    row,
                    facts=facts,
                    due=deadline.date,
                )
            )
        return found

    def reason_text(self, facts: dict[str, Any]) -> str:
        certainty = RegistrationCertainty(facts["registration_certainty"]).label
        registration = (
            f"{facts['municipality']} ({certainty})"
            if facts.get("municipality")
            else str(certainty)
        )
        return super().reason_text(
            {
                "due": facts.get("due"),
                "release": release_words(facts),
                "registration": registration,
            }
        )


class HandoverUnanswered(Rule):
    code = "handover_unanswered"
    title = _("Handover not answered: the baton is in the air")
    reason_template = _(
        "%(sender)s handed over (%(purpose)s) on %(sent_on)s; an answer was expected by "
        "%(respond_by)s and has not come."
    )
    suggested_action = _("Accept or decline the handover, so the sender knows where the baton is.")
    severity = "urgent"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return bool(row["has_sent"])

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        rows = Handover.objects.filter(
            state=State.SENT,
            respond_by__lt=today,
            trajectory__in=self.trajectories(trajectory_ids),
        ).values(
            "pk",
            "trajectory_id",
            "receiver_id",
            "receiver__kind",
            "sender__name",
            "purpose",
            "respond_by",
            "sent_at",
        )
        return [
            self.candidate(
                trajectory_id=row["trajectory_id"],
                addressee_id=row["receiver_id"],
                addressee_kind=row["receiver__kind"],
                facts={
                    "handover": row["pk"],
                    "sender": row["sender__name"],
                    "purpose": row["purpose"],
                    "sent_on": iso(row["sent_at"].date()),
                    "respond_by": iso(row["respond_by"]),
                },
                due=row["respond_by"],
            )
            for row in rows
        ]

    def reason_text(self, facts: dict[str, Any]) -> str:
        return super().reason_text({**facts, "purpose": Purpose(facts["purpose"]).label})


class ReturnedNoShow(Rule):
    code = "returned_no_show"
    title = _("Returned, but no contact with the receiver (no-show)")
    reason_template = _(
        "%(receiver)s reported on %(reported_on)s that the person did not turn up "
        "(%(purpose)s); nobody has taken the baton since."
    )
    suggested_action = _(
        "Re-engage through the volunteer or the contact person, then hand over again."
    )
    severity = "urgent"
    norm_code = "aftercare_contact_after_arrival"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return bool(row["has_no_show"])

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        later = Handover.objects.filter(
            trajectory=OuterRef("trajectory_id"),
            sent_at__gt=OuterRef("outcome_at"),
            state__in=REFERRAL_ALIVE,
        )
        rows = (
            Handover.objects.filter(
                state=State.NO_SHOW, trajectory__in=self.trajectories(trajectory_ids)
            )
            .filter(~Exists(later))
            .values(
                "pk",
                "trajectory_id",
                "sender_id",
                "sender__kind",
                "receiver__name",
                "purpose",
                "outcome_at",
            )
            .order_by("trajectory_id", "outcome_at", "pk")
        )
        latest: dict[int, dict[str, Any]] = {}
        for row in rows:
            latest[row["trajectory_id"]] = dict(row)  # ascending: the newest no-show wins
        return [
            self.candidate(
                trajectory_id=row["trajectory_id"],
                addressee_id=row["sender_id"],
                addressee_kind=row["sender__kind"],
                facts={
                    "handover": row["pk"],
                    "receiver": row["receiver__name"],
                    "purpose": row["purpose"],
                    "reported_on": iso(row["outcome_at"].date() if row["outcome_at"] else None),
                },
            )
            for row in latest.values()
        ]

    def reason_text(self, facts: dict[str, Any]) -> str:
        return super().reason_text({**facts, "purpose": Purpose(facts["purpose"]).label})


class VulnerableWithoutSupport(Rule):
    code = "vulnerable_without_support"
    title = _("Vulnerable person without support")
    reason_template = _(
        "The person has %(markers)s vulnerability marker(s) and nobody runs alongside: no "
        "volunteer, buddy or other participant, and no landing place."
    )
    suggested_action = _("Ask for a visiting volunteer, a buddy or a landing place.")
    SUPPORT_KINDS = (OrganisationKind.LANDING_PLACE, OrganisationKind.BUDDY_PROGRAMME)

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return bool(row["vulnerable"])

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        marked = Q()
        for name in VULNERABILITY_MARKERS:
            marked |= Q(**{f"person__{name}": True})
        participant = Participant.objects.filter(
            trajectory=OuterRef("pk"), since__lte=today
        ).filter(Q(until__isnull=True) | Q(until__gte=today))
        support = Handover.objects.filter(
            trajectory=OuterRef("pk"),
            purpose__in=(Purpose.LANDING_PLACE, Purpose.BUDDY),
            state__in=REFERRAL_ALIVE,
        )
        rows = (
            self.trajectories(trajectory_ids)
            .filter(marked)
            .exclude(baton_holder__kind__in=self.SUPPORT_KINDS)
            .filter(~Exists(participant), ~Exists(support))
            .values(
                "pk",
                "baton_holder_id",
                "baton_holder__kind",
                *(f"person__{name}" for name in VULNERABILITY_MARKERS),
            )
        )
        # The markers are special-category data: the facts keep only how many, the
        # inbox shows which ones through the access policy.
        return [
            self.candidate_for_holder(
                row,
                facts={"markers": sum(bool(row[f"person__{n}"]) for n in VULNERABILITY_MARKERS)},
            )
            for row in rows
        ]


class NoContactPerson(Rule):
    code = "no_contact_person"
    title = _("No contact person")
    reason_template = _(
        "Nobody of the home front is designated as contact person; the coordinator has "
        "nobody to inform and re-engage through; norm: %(norm)s."
    )
    suggested_action = _("Ask the person whom they want as contact person.")
    severity = "info"
    norm_code = "contact_person_informed"

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        contact = NetworkMember.objects.filter(person=OuterRef("person_id"), is_contact_person=True)
        rows = (
            self.trajectories(trajectory_ids)
            .filter(~Exists(contact))
            .values("pk", "baton_holder_id", "baton_holder__kind")
        )
        return [
            self.candidate_for_holder(
                row,
                facts={},
            )
            for row in rows
        ]


register(ReleaseDateUnknown(params={"min_detention_days": 180}))
register(AftercareReferralMissing(params={"lead_days": 30}))
register(RegistrationUnknown(params={"lead_days": 30}))
register(HandoverUnanswered())
register(ReturnedNoShow())
register(VulnerableWithoutSupport())
register(NoContactPerson())
