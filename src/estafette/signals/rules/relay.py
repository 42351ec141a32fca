"""The first rules: where the baton falls around release (DOMAIN.md §7).

Each ``candidates`` runs a fixed number of queries (one for the subjects, one
for norm overrides where a norm applies), whatever the number of trajectories.

Each rule's docstring says in which phases and situations it applies. The rules
about preparing the release stop when their moment has passed: when the person
is out of detention (phase *return* or later, or a *known* release date before
today: :func:`base.still_detained`) or when what they ask for has happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from estafette.conditions.models import ConditionStatus
from estafette.consent.models import Consent
from estafette.consent.policy import effective_q
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.workflow import State
from estafette.norms import deadlines
from estafette.norms.selectors import norms_effective_by_organisation
from estafette.organisations.models import OrganisationKind
from estafette.people.models import VULNERABILITY_MARKERS, NetworkMember
from estafette.signals.rules.base import (
    BEFORE_RELEASE_PHASES,
    REFERRAL_ALIVE,
    Candidate,
    Rule,
    before_release,
    committed_q,
    iso,
    register,
    shown_date,
    still_detained,
    still_detained_q,
)
from estafette.trajectories.models import (
    Participant,
    Phase,
    RegistrationCertainty,
    ReleaseCertainty,
)
from estafette.visits.models import ContactMoment

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
    """Shared by rules counted "N days before release" from the holder's effective norm.

    They prepare the release, so they apply only while the person is still detained
    (:func:`base.still_detained`); subclasses narrow further.
    """

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return still_detained(row, today)

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
    """No release date at all (certainty *unknown*: no planning date).

    Applies in *detention* once the person has been detained longer than
    ``min_detention_days`` (or the start is unknown), and in *return* (urgent:
    the person is on the way and nothing after arrival can be counted). Stops as
    soon as any date is recorded (known, estimate or window), and in
    re-integration (the after-return rules count from the move to it).
    """

    code = "release_date_unknown"
    title_classes = frozenset({DataClass.DETENTION})  # the release is near: detention
    reason_classes = frozenset({DataClass.DETENTION})
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
    """No after-care referral while release approaches.

    Applies while the person is still detained (phase *detention*, no known
    release date passed) and the holder's deadline (default 90 days before
    release, window → earliest day) is within the lead time. Stops when an
    after-care referral is sent, accepted (a committed receiver too: decision
    0011) or taken up, and when the person is out: a referral asked for after
    release is the holder's ordinary work, not this warning.
    """

    code = "aftercare_referral_missing"
    title_classes = frozenset({DataClass.DETENTION})  # the release nears: detention
    reason_classes = frozenset({DataClass.DETENTION})
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

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return still_detained(row, today) and not row["has_referral"]

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
            .filter(still_detained_q(today))
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


UNVERIFIED_REGISTRATION = (
    RegistrationCertainty.UNKNOWN,
    RegistrationCertainty.DOUBTFUL,
    RegistrationCertainty.ARREST_NOTIFICATION,
)
"""A municipality taken from the arrest notification is unverified, like a doubtful one: the
arrest notification's address can be wrong and BB has no access to the population register
(DOMAIN.md §7)."""


class RegistrationUnknown(ReleaseDeadlineRule):
    """The municipality of last registration is unknown, doubtful or unverified.

    Unverified: no municipality, or its certainty is *unknown*, *doubtful* or
    *from the arrest notification* (:data:`UNVERIFIED_REGISTRATION`). Applies on
    the referral's horizon (its deadline within the lead time), so it fires
    before the referral is due, while the person is still detained. Stops when
    the registration is confirmed, when an after-care referral is sent, accepted
    or taken up (the referral went to a municipality, which checks its own
    register), and when the person is out.
    """

    code = "registration_unknown"
    # The title reveals where the person is registered (identity), as release nears.
    title_classes = frozenset({DataClass.IDENTITY, DataClass.DETENTION})
    reason_classes = frozenset({DataClass.IDENTITY, DataClass.DETENTION})
    title = _("Municipality of registration unknown or unverified as release approaches")
    reason_template = _(
        "%(release)s; municipality of last registration: %(registration)s; the after-care "
        "referral goes there, deadline %(due)s; norm: %(norm)s."
    )
    suggested_action = _(
        "Confirm the municipality of last registration (with the person or the municipality)."
    )
    norm_code = "aftercare_referral"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        unverified = (
            row["registration_municipality_id"] is None
            or row["registration_certainty"] in UNVERIFIED_REGISTRATION
        )
        return unverified and still_detained(row, today) and not row["has_referral"]

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        referral = Handover.objects.filter(
            trajectory=OuterRef("pk"), purpose=Purpose.AFTERCARE_REFERRAL, state__in=REFERRAL_ALIVE
        )
        rows = (
            self.trajectories(trajectory_ids)
            .filter(still_detained_q(today))
            .filter(
                Q(registration_municipality__isnull=True)
                | Q(registration_certainty__in=UNVERIFIED_REGISTRATION)
            )
            .filter(~Exists(referral))
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
    """A handover still *sent* past its answer date: the receiver is asked to answer.

    Applies in every live phase (a referral can be asked for after release too)
    and stops when the receiver answers, the sender withdraws, or it expires.
    """

    code = "handover_unanswered"
    title_classes = frozenset()  # who handed over to whom and when: the relay itself
    reason_classes = frozenset()
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
    """A no-show came back to the sender and nobody has taken the baton since.

    Applies in every live phase; stops when a new handover is sent (or accepted,
    or taken up) after the no-show.
    """

    code = "returned_no_show"
    title_classes = frozenset()  # a handover's outcome: the relay itself
    reason_classes = frozenset()
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
    """A vulnerability marker and nobody running alongside, in every live phase.

    Stops when a participant runs alongside, a landing place or buddy programme is
    handed over to (sent, accepted, taken up) or holds the baton, or the markers go.
    """

    code = "vulnerable_without_support"
    title_classes = frozenset({DataClass.HEALTH})  # that there is a vulnerability marker: health
    reason_classes = frozenset({DataClass.HEALTH})
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
    """Nobody of the network is the contact person, in every live phase."""

    code = "no_contact_person"
    # The form that fixes it: the person's network, with "make contact person" and "add".
    link_name = "person-details"
    link_fragment = "network"
    title_classes = frozenset({DataClass.NETWORK})  # the home front: network
    reason_classes = frozenset({DataClass.NETWORK})
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


class CommittedNotPreparing(Rule):
    """A committed receiver has recorded no first step as release approaches (decision 0011).

    Committed: the receiver of a handover accepted while the person is detained,
    whose baton passes at release (state *accepted*, ``baton_at`` empty). Applies
    while the person is still detained (:func:`base.still_detained`), once the
    receiver's own deadline (norm ``preparation_before_release``: by default 28
    days before release, window → earliest day, estimate marked) is within the
    lead time. The first step is a status of a basic condition or a contact
    recorded by the receiver's organisation on this trajectory. Addressed to the
    committed receiver, never to the holder (the holder's norms stay the
    holder's). Stops with that first step, when the baton passes, when the
    person is out, or when the release date becomes unknown.
    """

    code = "committed_preparation_missing"
    title_classes = (
        frozenset()
    )  # the title speaks of the relay; the reason counts from the release date
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Taking the baton at release: no preparation recorded yet")
    reason_template = _(
        "%(release)s; your organisation accepted the handover (%(purpose)s) on %(accepted_on)s "
        "and takes the baton at release; it has recorded no status of a basic condition and "
        "no contact yet; deadline %(due)s (%(days)s days before %(basis)s); norm: %(norm)s."
    )
    suggested_action = _(
        "Prepare the arrival alongside the runner abroad: record what your organisation "
        "arranges for ID, income, health insurance and housing, and your contacts."
    )
    norm_code = "preparation_before_release"
    link_fragment = "conditions-heading"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return bool(row["has_committed"]) and still_detained(row, today)

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_effective_by_organisation(code=self.norm_code)
        widest = max(
            [default.params["days_before_release"]]
            + [e.params["days_before_release"] for e in by_org.values()]
        )
        cutoff = deadlines.release_cutoff(today, days_before=widest, lead_days=self.lead_days)
        own_status = ConditionStatus.objects.filter(
            trajectory=OuterRef("trajectory_id"), organisation=OuterRef("receiver_id")
        )
        own_contact = ContactMoment.objects.counting().filter(
            trajectory=OuterRef("trajectory_id"), organisation=OuterRef("receiver_id")
        )
        rows = (
            Handover.objects.filter(
                committed_q(),
                still_detained_q(today, prefix="trajectory__"),
                trajectory__in=self.trajectories(trajectory_ids),
                trajectory__release_on__isnull=False,
                trajectory__release_on__lte=cutoff,
            )
            .filter(~Exists(own_status), ~Exists(own_contact))
            .values(
                "pk",
                "trajectory_id",
                "receiver_id",
                "receiver__kind",
                "purpose",
                "decided_at",
                *(f"trajectory__{name}" for name in RELEASE_FIELDS[3:]),
            )
            .order_by("trajectory_id", "decided_at", "pk")
        )
        found: dict[tuple[int, int], Candidate] = {}
        for row in rows:
            release = {
                name.removeprefix("trajectory__"): value
                for name, value in row.items()
                if name.startswith("trajectory__")
            }
            days = int(by_org.get(row["receiver_id"], default).params["days_before_release"])
            deadline = deadlines.deadline_before_release(
                release_of(release), norm_code=self.norm_code, days=days
            )
            if deadline is None or not deadline.is_due(today, self.lead_days):
                continue
            accepted_on = timezone.localdate(row["decided_at"]) if row["decided_at"] else None
            found.setdefault(
                (row["trajectory_id"], row["receiver_id"]),
                self.candidate(
                    trajectory_id=row["trajectory_id"],
                    addressee_id=row["receiver_id"],
                    addressee_kind=row["receiver__kind"],
                    facts={
                        **release_facts(release),
                        "purpose": row["purpose"],
                        "accepted_on": iso(accepted_on),
                        "due": iso(deadline.date),
                        "days": days,
                        "basis": deadline.basis.value,
                        "is_estimate": deadline.is_estimate,
                    },
                    due=deadline.date,
                    severity="urgent" if deadline.is_overdue(today) else "warning",
                ),
            )
        return list(found.values())

    def reason_text(self, facts: dict[str, Any]) -> str:
        return super().reason_text(
            {
                **{k: v for k, v in facts.items() if not k.startswith("release_")},
                "release": release_words(facts),
                "purpose": Purpose(facts["purpose"]).label,
            }
        )


register(ReleaseDateUnknown(params={"min_detention_days": 180}))
register(AftercareReferralMissing(params={"lead_days": 30}))
register(RegistrationUnknown(params={"lead_days": 30}))
register(HandoverUnanswered())
register(ReturnedNoShow())
register(VulnerableWithoutSupport())
register(NoContactPerson())
register(CommittedNotPreparing(params={"lead_days": 14}))
