"""Rules on contact moments: visits, conversations and milestones (DOMAIN.md §7, §10).

They read :mod:`estafette.visits` (contact moments and volunteer requests),
the trajectory's route, phase, detention start and release, and the norms of
:mod:`estafette.norms.catalogue` with each organisation's override
(``norms_effective_by_organisation``: the *addressee's* own values count).

Conventions shared by every rule here:

* A norm is *missed* the day after its deadline (``Deadline.is_overdue``):
  "more than 14 days after entry", "no contact for more than a week". The
  rule's ``lead_days`` (default 0) moves the warning earlier; the "Return"
  booklet warns 30 days ahead, like the after-care referral.
* Each ``candidates`` runs a fixed number of queries whatever the number of
  trajectories: one for the subjects (the last contact of a kind is a
  correlated ``MAX`` sub-select on the ``(kind, trajectory, happened_on)``
  index) and one for the norm's overrides.
* The addressee is the professional who can act — the baton holder's
  coordinator or case manager, or the buddy programme's professional —
  never a volunteer or a buddy (``base.ROLE_FOR_KIND``). A volunteer sees
  reminders of its own visits on its signals page instead
  (``signals.selectors.volunteer_reminders``), from the same norm.
* Visits, the booklet and the domestic norms belong to detention: they stop
  when the person is out (phase *return* or later, or a known release date
  passed: :func:`base.still_detained`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.core.data_classes import DataClass
from estafette.core.days import add_days
from estafette.norms import deadlines
from estafette.norms.selectors import EffectiveNorm, norms_effective_by_organisation
from estafette.organisations.models import OrganisationKind
from estafette.signals.rules.base import (
    Candidate,
    Rule,
    iso,
    register,
    still_detained,
    still_detained_q,
)
from estafette.signals.rules.relay import (
    RELEASE_FIELDS,
    ReleaseDeadlineRule,
    release_facts,
    release_of,
    release_words,
)
from estafette.trajectories.models import (
    Participant,
    ParticipantRole,
    Route,
    Stretch,
    Trajectory,
)
from estafette.visits.models import (
    PROFESSIONAL_KINDS,
    ContactKind,
    ContactMoment,
    RequestState,
    VolunteerRequest,
)

# ---------------------------------------------------------------------- helpers


def last_contact(kinds: Iterable[str], *, since: str = "") -> Subquery:
    """The latest ``happened_on`` of a contact of ``kinds`` for the outer trajectory.

    ``since``: an outer field or annotation (a date); only contacts on or after it count.
    """
    contacts = ContactMoment.objects.counting().filter(
        trajectory=OuterRef("pk"), kind__in=list(kinds)
    )
    if since:
        contacts = contacts.filter(happened_on__gte=OuterRef(since))
    return Subquery(
        contacts.order_by()
        .values("trajectory")
        .annotate(last=Max("happened_on"))
        .values("last")[:1],
        output_field=DateField(),
    )


def contact_exists(kind: str, *, since: str = "") -> Exists:
    """Whether the outer trajectory has a contact of ``kind`` (on or after ``since``, an
    outer field or annotation, when given)."""
    contacts = ContactMoment.objects.counting().filter(trajectory=OuterRef("pk"), kind=kind)
    if since:
        contacts = contacts.filter(happened_on__gte=OuterRef(since))
    return Exists(contacts)


def active_participants(role: str, today: dt.date) -> QuerySet[Participant]:
    """Participations of ``role`` in force ``today`` on the outer trajectory."""
    return Participant.objects.filter(
        Q(until__isnull=True) | Q(until__gte=today),
        trajectory=OuterRef("pk"),
        role=role,
        since__lte=today,
    )


def norms_for(code: str) -> tuple[EffectiveNorm, dict[int, EffectiveNorm]]:
    """The default and every organisation's override of ``code`` (one query)."""
    return norms_effective_by_organisation(code=code)


def missed(deadline: deadlines.Deadline, today: dt.date, lead_days: int) -> bool:
    """The norm is missed (or, with a lead time, about to be): the day after the deadline."""
    return deadline.is_overdue(add_days(today, lead_days))


def every_days(effective: EffectiveNorm) -> tuple[int, int]:
    low, high = effective.params["every_days"]
    return int(low), int(high)


class ContactRule(Rule):
    """Base of the rules here: the shared reason words; the action is recording a contact."""

    link_name = "contact-create"

    def word(self, key: str, value: Any) -> str:
        if key.startswith("last") and not value:
            return str(_("none recorded yet"))
        return super().word(key, value)


# --------------------------------------------------------------- volunteer visits


class VolunteerVisitOverdue(ContactRule):
    """A visiting volunteer runs alongside and the next visit is overdue.

    Applies while the person is still detained (volunteers visit in detention)
    and a volunteer participation is in force; counted from the last volunteer
    visit, or the day the volunteer started, with the holder's norm. Addressed
    to the holder's coordinator; the volunteer sees its own reminder instead.
    Stops with a visit, when the volunteer stops, and when the person is out.
    """

    code = "volunteer_visit_overdue"
    title_classes = frozenset({DataClass.DETENTION})  # visits in detention abroad
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Volunteer visit overdue")
    reason_template = _(
        "A visiting volunteer runs alongside since %(volunteer_since)s; last visit: "
        "%(last_visit_on)s; the next visit was due by %(due)s (every %(low)s–%(high)s days, "
        "counted from %(basis)s); norm: %(norm)s."
    )
    suggested_action = _(
        "Ask the volunteer organisation when the next visit is planned, and record the visit."
    )
    norm_code = "volunteer_visit"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return still_detained(row, today)

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_for(self.norm_code)
        volunteers = active_participants(ParticipantRole.VISITING_VOLUNTEER, today)
        rows = (
            self.trajectories(trajectory_ids)
            .filter(still_detained_q(today))
            .filter(Exists(volunteers))
            .annotate(
                volunteer_since=Subquery(
                    volunteers.order_by().values("trajectory").annotate(s=Min("since")).values("s")
                ),
                last_visit=last_contact([ContactKind.VOLUNTEER_VISIT]),
            )
            .values("pk", "baton_holder_id", "baton_holder__kind", "volunteer_since", "last_visit")
        )
        found = []
        for row in rows:
            low, high = every_days(by_org.get(row["baton_holder_id"], default))
            deadline = deadlines.deadline_periodic(
                last=row["last_visit"],
                start=row["volunteer_since"],
                norm_code=self.norm_code,
                every_days=(low, high),
            )
            if deadline is None or not missed(deadline, today, self.lead_days):
                continue
            found.append(
                self.candidate_for_holder(
                    row,
                    facts={
                        "volunteer_since": iso(row["volunteer_since"]),
                        "last_visit_on": iso(row["last_visit"]),
                        "due": iso(deadline.date),
                        "low": low,
                        "high": high,
                        "basis": deadline.basis.value,
                    },
                    due=deadline.date,
                )
            )
        return found


class VolunteerNoneAvailable(ContactRule):
    """The latest volunteer request was answered "none available in that country".

    Applies while the person is still detained abroad (not on the domestic route)
    and no volunteer runs alongside; addressed to the organisation that asked.
    Stops with a new request, a volunteer alongside, or when the person is out.
    """

    code = "volunteer_none_available"
    title_classes = frozenset({DataClass.DETENTION})  # the country of detention
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Volunteer requested, but none available in that country")
    reason_template = _(
        "A visiting volunteer was asked for on %(requested_on)s; on %(answered_on)s the answer "
        "was that none is available in the country of detention (%(country)s); nobody visits "
        "the person; norm: %(norm)s."
    )
    suggested_action = _(
        "Ask another volunteer organisation, the consular post or spiritual care to visit, "
        "or ask again when the person moves."
    )
    norm_code = "volunteer_visit"
    link_name = "trajectory-detail"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return still_detained(row, today) and row["route"] != Route.DOMESTIC

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        latest = VolunteerRequest.objects.filter(trajectory=OuterRef("pk")).order_by(
            "-requested_on", "-id"
        )
        volunteers = active_participants(ParticipantRole.VISITING_VOLUNTEER, today)
        rows = (
            self.trajectories(trajectory_ids)
            .filter(still_detained_q(today))
            .exclude(route=Route.DOMESTIC)
            .filter(~Exists(volunteers))
            .annotate(
                request_state=Subquery(latest.values("state")[:1], output_field=CharField()),
                requested_on=Subquery(latest.values("requested_on")[:1], output_field=DateField()),
                answered_on=Subquery(latest.values("answered_on")[:1], output_field=DateField()),
                country_en=Subquery(
                    latest.values("country__name_en")[:1], output_field=CharField()
                ),
                country_nl=Subquery(
                    latest.values("country__name_nl")[:1], output_field=CharField()
                ),
                asker=Subquery(latest.values("requested_for_id")[:1], IntegerField()),
                asker_kind=Subquery(latest.values("requested_for__kind")[:1], CharField()),
            )
            .filter(request_state=RequestState.NONE_AVAILABLE)
            .values(
                "pk",
                "baton_holder_id",
                "baton_holder__kind",
                "requested_on",
                "answered_on",
                "country_en",
                "country_nl",
                "asker",
                "asker_kind",
            )
        )
        # The coordinator who asked can ask elsewhere (another volunteer organisation,
        # spiritual care, the consulate); that is who hears it.
        return [
            self.candidate(
                trajectory_id=row["pk"],
                addressee_id=row["asker"],
                addressee_kind=row["asker_kind"],
                facts={
                    "requested_on": iso(row["requested_on"]),
                    "answered_on": iso(row["answered_on"]),
                    "country_en": row["country_en"],
                    "country_nl": row["country_nl"],
                },
            )
            for row in rows
        ]

    def reason_text(self, facts: dict[str, Any]) -> str:
        dutch = (get_language() or "nl").startswith("nl")
        country = facts.get("country_nl" if dutch else "country_en") or _("that country")
        return super().reason_text(
            {
                "requested_on": facts.get("requested_on"),
                "answered_on": facts.get("answered_on"),
                "country": country,
            }
        )


# ---------------------------------------------------------------- "Return" booklet


BOOKLET_SENDERS = (OrganisationKind.BB_REGIONAL_DESK, OrganisationKind.BUREAU_BUITENLAND)
"""Bureau Buitenland sends the booklet to the people it guides abroad (001 §3.1): not the
consulate (on own strength), not a Dutch prison (after a sentence transfer)."""


class ReturnBookletNotSent(ReleaseDeadlineRule):
    """The "Return" booklet not sent as release approaches.

    Applies while Bureau Buitenland holds the baton of a person abroad who is
    still detained (phase *detention*, no known release date passed), with the
    holder's deadline (default 180 days before release) within the lead time.
    Stops when a *booklet sent* contact is recorded, when the baton moves to a
    consulate or a Dutch prison, and when the person is out: a booklet about the
    return is no use months after it.
    """

    code = "return_booklet_not_sent"
    title_classes = frozenset({DataClass.DETENTION})  # a booklet sent to the person in detention
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("“Return” booklet not sent")
    reason_template = _(
        "%(release)s; the “Return” booklet has not been sent; deadline %(due)s (%(days)s days "
        "before %(basis)s); norm: %(norm)s."
    )
    suggested_action = _(
        "Send the “Return” booklet to the person and the contact person, and record it."
    )
    norm_code = "return_booklet"
    link_name = "contact-create"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return (
            still_detained(row, today)
            and row["baton_holder__kind"] in BOOKLET_SENDERS
            and row["route"] != Route.DOMESTIC
        )

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        rows = (
            self.trajectories(trajectory_ids)
            .filter(still_detained_q(today), baton_holder__kind__in=BOOKLET_SENDERS)
            .exclude(route=Route.DOMESTIC)
            .filter(~contact_exists(ContactKind.RETURN_BOOKLET))
            .values(*RELEASE_FIELDS)
        )
        found = []
        for row, deadline, days in self.due_rows(today=today, rows=rows, norm_code=self.norm_code):
            found.append(
                self.candidate_for_holder(
                    row,
                    facts={
                        **release_facts(row),
                        "due": iso(deadline.date),
                        "days": days,
                        "basis": deadline.basis.value,
                        "is_estimate": deadline.is_estimate,
                    },
                    due=deadline.date,
                    severity="urgent" if deadline.is_overdue(today) else "warning",
                )
            )
        return found

    def reason_text(self, facts: dict[str, Any]) -> str:
        return super().reason_text(
            {
                **{k: v for k, v in facts.items() if not k.startswith("release_")},
                "release": release_words(facts),
            }
        )


# ------------------------------------------------------------------ domestic norms

DOMESTIC_FIELDS = ("pk", "baton_holder_id", "baton_holder__kind", "route", "entry_on")

ENTRY_WORDS = _("In detention since %(date)s")
TRANSFER_ENTRY_WORDS = _("In the Dutch prison since %(date)s (sentence transfer)")


def entry_facts(row: dict[str, Any]) -> dict[str, Any]:
    """``entry_on``, and ``transferred`` after a sentence transfer (the words differ)."""
    facts: dict[str, Any] = {"entry_on": iso(row["entry_on"])}
    if row["route"] == Route.ABROAD_TRANSFER:
        facts["transferred"] = True
    return facts


class DomesticRule(ContactRule):
    """In a Dutch prison that holds the baton, with a known day of entry, still detained.

    The screening, the mentor and the D&R plan are the prison case manager's
    work (DOMAIN.md §10): while probation or a municipality holds the baton
    these rules stay silent rather than address someone who cannot act.

    The day of entry (``entry_on``) is ``detention_start`` on the domestic route;
    after a sentence transfer (route *abroad, transfer*) it is ``domestic_entry``,
    the day the person entered the Dutch prison, and the rules stay silent until
    that day is recorded: the norms run in the Dutch prison, not abroad. Only
    contacts on or after the day of entry count. The rules stop when the person
    is out (:func:`base.still_detained`).
    """

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        entry = (
            row["domestic_entry"]
            if row["route"] == Route.ABROAD_TRANSFER
            else (row["detention_start"] if row["route"] == Route.DOMESTIC else None)
        )
        return (
            entry is not None
            and still_detained(row, today)
            and row["baton_holder__kind"] == OrganisationKind.PRISON
        )

    def subjects(
        self, trajectory_ids: Iterable[int] | None, today: dt.date
    ) -> QuerySet[Trajectory]:
        """The trajectories the domestic norms run for, annotated with ``entry_on``."""
        return (
            self.trajectories(trajectory_ids)
            .filter(
                Q(route=Route.DOMESTIC, detention_start__isnull=False)
                | Q(route=Route.ABROAD_TRANSFER, domestic_entry__isnull=False),
                still_detained_q(today),
                baton_holder__kind=OrganisationKind.PRISON,
            )
            .annotate(
                entry_on=Case(
                    When(route=Route.ABROAD_TRANSFER, then=F("domestic_entry")),
                    default=F("detention_start"),
                    output_field=DateField(),
                )
            )
        )

    def reason_text(self, facts: dict[str, Any]) -> str:
        words = TRANSFER_ENTRY_WORDS if facts.get("transferred") else ENTRY_WORDS
        entry = str(words) % {"date": self.word("entry_on", facts.get("entry_on"))}
        return super().reason_text(
            {**{k: v for k, v in facts.items() if k != "transferred"}, "entry": entry}
        )


class WithinDaysOfEntryRule(DomesticRule):
    """A milestone due "within N days of entry" that has no contact moment of its kind."""

    contact_kind: str = ""
    what: Any = ""
    reason_template = _(
        "%(entry)s; no %(what)s recorded; due by %(due)s (%(days)s days after the day of "
        "entry); norm: %(norm)s."
    )

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_for(self.norm_code)
        shortest = min(
            [int(default.params["within_days"])]
            + [int(e.params["within_days"]) for e in by_org.values()]
        )
        # Prefilter in SQL with the shortest norm any organisation uses (missed = the day
        # after entry + days, minus the lead time); the holder's own days decide per row.
        cutoff = deadlines.entry_cutoff(today, days=shortest + 1, lead_days=self.lead_days)
        rows = (
            self.subjects(trajectory_ids, today)
            .filter(
                Q(route=Route.DOMESTIC, detention_start__lte=cutoff)
                | Q(route=Route.ABROAD_TRANSFER, domestic_entry__lte=cutoff)
            )
            .filter(~contact_exists(self.contact_kind, since="entry_on"))
            .values(*DOMESTIC_FIELDS)
        )
        found = []
        for row in rows:
            days = int(by_org.get(row["baton_holder_id"], default).params["within_days"])
            deadline = deadlines.deadline_within(
                row["entry_on"], norm_code=self.norm_code, days=days
            )
            if deadline is None or not missed(deadline, today, self.lead_days):
                continue
            found.append(
                self.candidate_for_holder(
                    row,
                    facts={**entry_facts(row), "due": iso(deadline.date), "days": days},
                    due=deadline.date,
                )
            )
        return found

    def reason_text(self, facts: dict[str, Any]) -> str:
        return super().reason_text({**facts, "what": self.what})


class DomesticScreeningOverdue(WithinDaysOfEntryRule):
    code = "domestic_screening_overdue"
    title_classes = frozenset({DataClass.DETENTION})  # steps of a Dutch detention
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Screening of the five life domains overdue")
    suggested_action = _(
        "Screen work and income, housing, care, debts and ID with the person, and record it."
    )
    norm_code = "domestic_screening"
    contact_kind = ContactKind.DOMESTIC_SCREENING
    what = _("screening of the five life domains")


class DrPlanOverdue(WithinDaysOfEntryRule):
    code = "dr_plan_overdue"
    title_classes = frozenset({DataClass.DETENTION})  # steps of a Dutch detention
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Detention and re-integration plan overdue")
    suggested_action = _(
        "Make the D&R plan with the municipality, probation and the person, and record it."
    )
    norm_code = "dr_plan"
    contact_kind = ContactKind.DR_PLAN
    what = _("detention and re-integration plan")


class MentorConversationOverdue(DomesticRule):
    code = "mentor_conversation_overdue"
    title_classes = frozenset({DataClass.DETENTION})  # steps of a Dutch detention
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Mentor conversation overdue")
    reason_template = _(
        "%(entry)s; last mentor conversation: %(last_on)s; the next was due by %(due)s (every "
        "%(high)s days, counted from %(basis)s); norm: %(norm)s."
    )
    suggested_action = _("Plan a mentor conversation with the person, and record it.")
    norm_code = "mentor_conversation"

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_for(self.norm_code)
        rows = (
            self.subjects(trajectory_ids, today)
            .annotate(last=last_contact([ContactKind.MENTOR_CONVERSATION], since="entry_on"))
            .values(*DOMESTIC_FIELDS, "last")
        )
        found = []
        for row in rows:
            low, high = every_days(by_org.get(row["baton_holder_id"], default))
            deadline = deadlines.deadline_periodic(
                last=row["last"],
                start=row["entry_on"],
                norm_code=self.norm_code,
                every_days=(low, high),
            )
            if deadline is None or not missed(deadline, today, self.lead_days):
                continue
            found.append(
                self.candidate_for_holder(
                    row,
                    facts={
                        **entry_facts(row),
                        "last_on": iso(row["last"]),
                        "due": iso(deadline.date),
                        "high": high,
                        "basis": deadline.basis.value,
                    },
                    due=deadline.date,
                )
            )
        return found


class NoProfessionalContact(DomesticRule):
    code = "no_professional_contact"
    title_classes = (
        frozenset()
    )  # who is in contact: the relay; the reason counts from the detention
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Nobody from any professional role in contact")
    reason_template = _(
        "%(entry)s; last contact with any professional (case manager, mentor, probation, "
        "municipality, care): %(last_on)s; nobody for more than %(days)s days, twice the "
        "mentor conversation norm; norm: %(norm)s."
    )
    suggested_action = _(
        "See the person this week; find out who else should be in contact, and record it."
    )
    severity = "urgent"
    norm_code = "mentor_conversation"

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_for(self.norm_code)
        periods = int(self.params.get("periods", 2))
        rows = (
            self.subjects(trajectory_ids, today)
            .annotate(last=last_contact(PROFESSIONAL_KINDS, since="entry_on"))
            .values(*DOMESTIC_FIELDS, "last")
        )
        found = []
        for row in rows:
            _low, high = every_days(by_org.get(row["baton_holder_id"], default))
            days = high * periods
            since = row["last"] or row["entry_on"]
            due = add_days(since, days)
            if add_days(today, self.lead_days) <= due:
                continue
            found.append(
                self.candidate_for_holder(
                    row,
                    facts={
                        **entry_facts(row),
                        "last_on": iso(row["last"]),
                        "days": days,
                        "due": iso(due),
                    },
                    due=due,
                )
            )
        return found


# ------------------------------------------------------------------------- buddies


class BuddyRule(ContactRule):
    """A buddy trajectory: a buddy programme runs alongside, or holds the baton.

    The programme (its professional) is the addressee and its norm override
    counts; the start is the participation's ``since`` or the day the
    programme took the baton.
    """

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return (
            bool(row["has_buddy"]) or row["baton_holder__kind"] == OrganisationKind.BUDDY_PROGRAMME
        )

    def buddy_rows(self, today: dt.date, trajectory_ids: Iterable[int] | None) -> list[dict]:
        """One query: the subjects with the programme, the start and the last buddy contact."""
        buddies = active_participants(ParticipantRole.BUDDY, today).order_by("since", "id")
        holding = Stretch.objects.filter(
            trajectory=OuterRef("pk"),
            ended_at__isnull=True,
            organisation__kind=OrganisationKind.BUDDY_PROGRAMME,
        )
        rows = (
            self.trajectories(trajectory_ids)
            .filter(Q(Exists(buddies)) | Q(baton_holder__kind=OrganisationKind.BUDDY_PROGRAMME))
            .annotate(
                buddy_org=Subquery(buddies.values("organisation_id")[:1], IntegerField()),
                buddy_kind=Subquery(buddies.values("organisation__kind")[:1], CharField()),
                buddy_since=Subquery(buddies.values("since")[:1], DateField()),
                held_since=Subquery(holding.values("started_at")[:1], DateTimeField()),
                last=last_contact([ContactKind.BUDDY_CONTACT]),
            )
            .values(
                *RELEASE_FIELDS,
                "buddy_org",
                "buddy_kind",
                "buddy_since",
                "held_since",
                "last",
            )
        )
        result = []
        for row in rows:
            row = dict(row)
            if row["held_since"] is not None:
                row["programme"] = row["baton_holder_id"]
                row["programme_kind"] = row["baton_holder__kind"]
                row["start"] = row["held_since"].astimezone(clock.LOCAL_ZONE).date()
            else:
                row["programme"] = row["buddy_org"]
                row["programme_kind"] = row["buddy_kind"]
                row["start"] = row["buddy_since"]
            result.append(row)
        return result


def after_release_deadline(row: dict[str, Any], days: int) -> deadlines.Deadline | None:
    """ "Contact within ``days`` after release", if the programme ran at release (else None)."""
    deadline = deadlines.deadline_after_release(
        release_of(row), norm_code="buddy_contact_after_release", days=days
    )
    if deadline is None or deadline.counted_from < row["start"]:
        return None
    return deadline


def after_release_missed(
    row: dict[str, Any], days: int, today: dt.date, lead_days: int = 0
) -> deadlines.Deadline | None:
    """The after-release deadline when it is missed: no buddy contact since release."""
    deadline = after_release_deadline(row, days)
    if deadline is None or not missed(deadline, today, lead_days):
        return None
    if row["last"] is not None and row["last"] >= deadline.counted_from:
        return None
    return deadline


class BuddyContactOverdue(BuddyRule):
    code = "buddy_contact_overdue"
    title_classes = (
        frozenset()
    )  # a buddy runs alongside: the relay; the reason's dates come from the release
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("No buddy contact for more than a week")
    reason_template = _(
        "Buddy trajectory since %(start_on)s; last contact with the buddy: %(last_on)s; the next "
        "was due by %(due)s (at least every %(high)s days); norm: %(norm)s."
    )
    suggested_action = _("Ask the buddy how contact goes; step in if it has stalled.")
    norm_code = "buddy_contact"

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_for(self.norm_code)
        release_default, release_by_org = norms_for("buddy_contact_after_release")
        found = []
        for row in self.buddy_rows(today, trajectory_ids):
            if row["programme"] is None:
                continue
            low, high = every_days(by_org.get(row["programme"], default))
            release_norm = release_by_org.get(row["programme"], release_default)
            release_days = int(release_norm.params["within_days_after_release"])
            if after_release_missed(row, release_days, today) is not None:
                continue  # the sharper "nothing heard after release" rule speaks instead
            deadline = deadlines.deadline_periodic(
                last=row["last"],
                start=row["start"],
                norm_code=self.norm_code,
                every_days=(low, high),
            )
            if deadline is None or not missed(deadline, today, self.lead_days):
                continue
            found.append(
                self.candidate(
                    trajectory_id=row["pk"],
                    addressee_id=row["programme"],
                    addressee_kind=row["programme_kind"],
                    facts={
                        "start_on": iso(row["start"]),
                        "last_on": iso(row["last"]),
                        "due": iso(deadline.date),
                        "high": high,
                    },
                    due=deadline.date,
                )
            )
        return found


class BuddyNoContactAfterRelease(BuddyRule):
    code = "buddy_no_contact_after_release"
    title_classes = frozenset({DataClass.DETENTION})  # a recent release: detention
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("No buddy contact within a week after release")
    reason_template = _(
        "%(release)s; no contact with the buddy since; due by %(due)s (%(days)s days after "
        "%(basis)s); norm: %(norm)s."
    )
    suggested_action = _("Call the person yourself, as the programme agrees to do.")
    severity = "urgent"
    norm_code = "buddy_contact_after_release"

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_for(self.norm_code)
        found = []
        for row in self.buddy_rows(today, trajectory_ids):
            if row["programme"] is None:
                continue
            days = int(by_org.get(row["programme"], default).params["within_days_after_release"])
            deadline = after_release_missed(row, days, today, self.lead_days)
            if deadline is None:
                continue
            found.append(
                self.candidate(
                    trajectory_id=row["pk"],
                    addressee_id=row["programme"],
                    addressee_kind=row["programme_kind"],
                    facts={
                        **release_facts(row),
                        "due": iso(deadline.date),
                        "days": days,
                        "basis": deadline.basis.value,
                        "is_estimate": deadline.is_estimate,
                    },
                    due=deadline.date,
                )
            )
        return found

    def reason_text(self, facts: dict[str, Any]) -> str:
        return super().reason_text(
            {
                **{k: v for k, v in facts.items() if not k.startswith("release_")},
                "release": release_words(facts),
            }
        )


class BuddyTrajectoryLong(BuddyRule):
    code = "buddy_trajectory_long"
    title_classes = (
        frozenset()
    )  # a buddy runs alongside: the relay; the reason counts from the release
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Buddy trajectory running past about six months")
    reason_template = _(
        "Buddy trajectory since %(start_on)s, past the usual length of about %(days)s days "
        "(%(due)s); norm: %(norm)s."
    )
    suggested_action = _(
        "Plan the closing phase with the person and the buddy, and hand over to whoever "
        "supports the person next."
    )
    severity = "info"
    norm_code = "buddy_trajectory_length"
    link_name = "trajectory-detail"  # closing is a handover, not a contact

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_for(self.norm_code)
        found = []
        for row in self.buddy_rows(today, trajectory_ids):
            if row["programme"] is None or row["start"] is None:
                continue
            days = int(by_org.get(row["programme"], default).params["about_days"])
            due = add_days(row["start"], days)
            if add_days(today, self.lead_days) <= due:
                continue
            found.append(
                self.candidate(
                    trajectory_id=row["pk"],
                    addressee_id=row["programme"],
                    addressee_kind=row["programme_kind"],
                    facts={"start_on": iso(row["start"]), "days": days, "due": iso(due)},
                    due=due,
                )
            )
        return found


register(VolunteerVisitOverdue())
register(VolunteerNoneAvailable())
register(ReturnBookletNotSent(params={"lead_days": 30}))
register(DomesticScreeningOverdue())
register(MentorConversationOverdue())
register(DrPlanOverdue())
register(NoProfessionalContact(params={"periods": 2}))
register(BuddyContactOverdue())
register(BuddyNoContactAfterRelease())
register(BuddyTrajectoryLong())
