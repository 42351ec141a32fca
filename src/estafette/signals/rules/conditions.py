"""Rules on the basic conditions, the way home and the first weeks back (DOMAIN.md §7, §10).

Like :mod:`signals.rules.relay`, each ``candidates`` runs a fixed number of
queries whatever the number of trajectories: one for the subjects (the current
status of each condition comes along as a correlated sub-select on the partial
index ``condition_current``) and, where a norm has per-organisation values, one
for the overrides.

**When did the person come back?** The product has no separate arrival date, so
:func:`returned_on` reads, in this order: a *known* release date that has passed;
the day the trajectory moved to the re-integration phase; in re-integration, the
planned release (estimate or a window's earliest day) if it has passed; and last
the day the trajectory was opened (a person found after returning on own
strength). A person still in detention with only an estimate or a window is
*not* counted as back: release coming later than the window's first day is
normal, and warning about "weeks after return" before the return would be noise.

**Whose conditions.** The rules here that look into the basic conditions for the
holder stop addressing a holder whose support consent the person withdrew
(:mod:`signals.rules.support`); one "agree how to close" signal replaces them.
Their titles reveal the conditions class (:attr:`Rule.title_classes`): a reader
without it sees a neutral title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from estafette.conditions.models import (
    DONE,
    LIFE_DOMAINS,
    WAITS_ON_ID,
    WAY_HOME,
    Condition,
    ConditionStatus,
    Status,
)
from estafette.core.data_classes import DataClass
from estafette.core.days import add_days
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.workflow import State
from estafette.norms import deadlines
from estafette.norms.catalogue import DISSERTATION
from estafette.norms.selectors import norms_effective_by_organisation
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.people.models import NetworkMember
from estafette.signals.rules.base import (
    BEFORE_RELEASE_PHASES,
    Candidate,
    Rule,
    before_release,
    iso,
    register,
    shown_date,
    still_detained,
    still_detained_q,
)
from estafette.signals.rules.relay import RELEASE_FIELDS, release_facts, release_of, release_words
from estafette.signals.rules.support import (
    holder_support_withdrawn_q,
    with_support_purpose,
    without_withdrawn_support,
)
from estafette.trajectories.models import (
    EventKind,
    Phase,
    ReleaseCertainty,
    Route,
    Trajectory,
    TrajectoryEvent,
)

WAY_HOME_ROUTES = (Route.ABROAD_BB, Route.ABROAD_OWN)
"""Routes on which the person travels home on their own (a transfer travels under escort)."""

HEALTH_MARKERS = ("intellectual_disability", "addiction", "psychiatric_problems")
"""Vulnerability markers of class HEALTH (``access.policy.MARKER_CLASSES``)."""

RETURNED_BASIS_LABELS = {
    "release_date": _("the release date"),
    "phase_change": _("the day the trajectory moved to re-integration"),
    "planned_release": _("the planned release"),
    "opened": _("the day the trajectory was opened"),
}

FACTOR_LABELS = {
    "short_stay": _("a short stay"),
    "first_weeks": _("the first six weeks of detention"),
    "no_valid_id": _("no valid ID"),
    "health": _("health problems"),
    "several_problems": _("several basic conditions open at once"),
}


def condition_field(condition: str) -> str:
    return f"condition_{condition}"


def with_conditions(rows: QuerySet[Trajectory], conditions: Iterable[str]) -> QuerySet[Trajectory]:
    """Annotate each trajectory with the current status of ``conditions`` (NULL = unknown)."""
    return rows.annotate(
        **{
            condition_field(c): Subquery(
                ConditionStatus.objects.filter(
                    trajectory=OuterRef("pk"), condition=c, until__isnull=True
                ).values("status")[:1]
            )
            for c in conditions
        }
    )


def status_of(row: dict[str, Any], condition: str) -> str:
    return row.get(condition_field(condition)) or Status.UNKNOWN


def conditions_words(codes: Iterable[str]) -> str:
    return ", ".join(str(Condition(code).label) for code in codes)


RETURN_FIELDS = (
    "phase",
    "release_certainty",
    "release_date",
    "release_on",
    "opened_at",
    "reintegration_since",
)


def with_return(rows: QuerySet[Trajectory], today: dt.date) -> QuerySet[Trajectory]:
    """Keep trajectories that may be back, annotated with the day they moved to re-integration."""
    moved = TrajectoryEvent.objects.filter(
        trajectory=OuterRef("pk"),
        kind=EventKind.PHASE_CHANGED,
        data__new=Phase.REINTEGRATION,
    ).order_by("-at")
    return rows.filter(
        Q(phase=Phase.REINTEGRATION)
        | Q(release_certainty=ReleaseCertainty.KNOWN, release_date__lte=today)
    ).annotate(reintegration_since=Subquery(moved.values("at")[:1]))


def returned_on(row: dict[str, Any], today: dt.date) -> tuple[dt.date, str] | None:
    """The day the person came back and why that day (see the module docstring), or None."""
    if (
        row["release_certainty"] == ReleaseCertainty.KNOWN
        and row["release_date"] is not None
        and row["release_date"] <= today
    ):
        return row["release_date"], "release_date"
    if row["phase"] != Phase.REINTEGRATION:
        return None
    if row.get("reintegration_since") is not None:
        return timezone.localdate(row["reintegration_since"]), "phase_change"
    if row["release_on"] is not None and row["release_on"] <= today:
        return row["release_on"], "planned_release"
    return timezone.localdate(row["opened_at"]), "opened"


class ReturnedRule(Rule):
    """Shared words for rules that count from the day of return."""

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        """The filter of :func:`with_return`: in re-integration, or a known release passed."""
        return row["phase"] == Phase.REINTEGRATION or (
            row["release_certainty"] == ReleaseCertainty.KNOWN
            and row["release_date"] is not None
            and row["release_date"] <= today
        )

    def reason_text(self, facts: dict[str, Any]) -> str:
        words = dict(facts)
        if "returned_basis" in words:
            words["returned_basis"] = RETURNED_BASIS_LABELS.get(words["returned_basis"], "")
        if "open" in words:
            words["open"] = conditions_words(words["open"])
        if "waiting" in words:
            words["waiting"] = conditions_words(words["waiting"])
        if "id_status" in words:
            words["id_status"] = Status(words["id_status"]).label
        return super().reason_text(words)


CONDITION_CLASSES = frozenset({DataClass.CONDITIONS})
RETURN_AND_CONDITIONS = frozenset({DataClass.DETENTION, DataClass.CONDITIONS})


class ConditionOpenAfterReturn(ReturnedRule):
    """A life domain still open or unknown long after return.

    Applies once the person is back (:func:`returned_on`: re-integration, or a
    known release date passed) and the holder's days (default 28) have passed,
    while a life domain is *open* or *unknown*. Stops when every life domain is
    being arranged, arranged or not needed, when the trajectory closes, and
    while the holder's support consent is withdrawn (:mod:`signals.rules.support`).
    """

    code = "condition_open_after_return"
    title_classes = frozenset(
        {DataClass.CONDITIONS}
    )  # which condition is open; the reason counts from the return
    reason_classes = frozenset({DataClass.CONDITIONS, DataClass.DETENTION})
    title = _("Basic condition still open long after return")
    reason_template = _(
        "Back since %(returned_on)s (%(returned_basis)s); still open or unknown after "
        "%(days)s days: %(open)s; due %(due)s; norm: %(norm)s."
    )
    suggested_action = _(
        "Go through the basic conditions with the person and record what is arranged; "
        "arrange what is still open (ID first)."
    )
    norm_code = "basic_conditions_after_return"
    OPEN_STATUSES = (Status.UNKNOWN, Status.OPEN)
    """"Being arranged" is not open: someone is on it. Unknown is: nobody knows."""

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_effective_by_organisation(code=self.norm_code)
        rows = with_conditions(
            without_withdrawn_support(with_return(self.trajectories(trajectory_ids), today), today),
            LIFE_DOMAINS,
        ).values(
            "pk",
            "baton_holder_id",
            "baton_holder__kind",
            *RETURN_FIELDS,
            *(condition_field(c) for c in LIFE_DOMAINS),
        )
        found = []
        for row in rows:
            back = returned_on(row, today)
            if back is None:
                continue
            open_codes = [c for c in LIFE_DOMAINS if status_of(row, c) in self.OPEN_STATUSES]
            if not open_codes:
                continue
            effective = by_org.get(row["baton_holder_id"], default)
            days = int(effective.params["within_days_after_release"])
            due = add_days(back[0], days)
            if today <= due:  # due on the day itself, overdue (a signal) from the next
                continue
            found.append(
                self.candidate_for_holder(
                    row,
                    facts={
                        "returned_on": iso(back[0]),
                        "returned_basis": back[1],
                        "open": open_codes,
                        "days": days,
                        "due": iso(due),
                    },
                    due=due,
                )
            )
        return found


class IdMissingAfterReturn(ReturnedRule):
    """No valid ID while income or health insurance waits on it, from the day of return.

    Applies once the person is back (:func:`returned_on`), the ID *open* or
    *unknown* and income or health insurance not done. Stops when the ID is being
    arranged or done, when both are done, and while the holder's support consent
    is withdrawn (:mod:`signals.rules.support`).
    """

    code = "id_missing_after_return"
    title_classes = frozenset(
        {DataClass.CONDITIONS}
    )  # that the ID is missing; the reason counts from the return
    reason_classes = frozenset({DataClass.CONDITIONS, DataClass.DETENTION})
    title = _("No valid ID while benefit or insurance waits on it")
    reason_template = _(
        "Back since %(returned_on)s (%(returned_basis)s); valid ID: %(id_status)s; waiting "
        "on it: %(waiting)s; norm: %(norm)s."
    )
    suggested_action = _(
        "Apply for an ID (fast track with Civil Affairs), then for the benefit and the "
        "health insurance."
    )
    severity = "urgent"
    norm_code = "id_first"
    ID_MISSING = (Status.UNKNOWN, Status.OPEN)

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        id_current = ConditionStatus.objects.filter(
            trajectory=OuterRef("pk"),
            condition=Condition.ID,
            until__isnull=True,
            status__in=(Status.BEING_ARRANGED, *DONE),
        )
        rows = (
            with_conditions(
                without_withdrawn_support(
                    with_return(self.trajectories(trajectory_ids), today), today
                ).filter(~Exists(id_current)),
                (Condition.ID, *WAITS_ON_ID),
            )
        ).values(
            "pk",
            "baton_holder_id",
            "baton_holder__kind",
            *RETURN_FIELDS,
            *(condition_field(c) for c in (Condition.ID, *WAITS_ON_ID)),
        )
        found = []
        for row in rows:
            back = returned_on(row, today)
            if back is None:
                continue
            waiting = [c for c in WAITS_ON_ID if status_of(row, c) not in DONE]
            if not waiting:
                continue
            found.append(
                self.candidate_for_holder(
                    row,
                    facts={
                        "returned_on": iso(back[0]),
                        "returned_basis": back[1],
                        "id_status": status_of(row, Condition.ID),
                        "waiting": waiting,
                    },
                )
            )
        return found


def receiving_desk_annotations() -> dict[str, Subquery]:
    """Who will receive the person at home, as correlated sub-selects on a trajectory.

    ``referral_desk`` / ``referral_desk_kind``: the receiver of an after-care referral
    that is accepted (a committed receiver first) or pending; ``central_desk`` and
    ``own_desk``: the municipal after-care desks that serve the municipality of
    registration, as ``organisations.selectors.aftercare_desk_for`` chooses them (a
    central municipality's desk first, then the municipality's own).
    """
    referral = Handover.objects.filter(
        trajectory=OuterRef("pk"),
        purpose=Purpose.AFTERCARE_REFERRAL,
        state__in=(State.ACCEPTED, State.SENT),
    ).order_by(Case(When(state=State.ACCEPTED, then=Value(0)), default=Value(1)), "-sent_at", "-id")
    desks = Organisation.objects.filter(
        kind=OrganisationKind.MUNICIPAL_AFTERCARE, is_active=True
    ).order_by("id")
    return {
        "referral_desk": Subquery(referral.values("receiver_id")[:1], IntegerField()),
        "referral_desk_kind": Subquery(referral.values("receiver__kind")[:1], CharField()),
        "central_desk": Subquery(
            desks.filter(serves_municipalities=OuterRef("registration_municipality_id")).values(
                "id"
            )[:1],
            IntegerField(),
        ),
        "own_desk": Subquery(
            desks.filter(municipality=OuterRef("registration_municipality_id")).values("id")[:1],
            IntegerField(),
        ),
    }


def receiving_desk(row: dict[str, Any]) -> tuple[int, str] | None:
    """(organisation, kind) of the desk that will receive the person, from
    :func:`receiving_desk_annotations`; None when none is known."""
    if row["referral_desk"] is not None:
        return row["referral_desk"], row["referral_desk_kind"]
    desk = row["central_desk"] or row["own_desk"]
    return (desk, OrganisationKind.MUNICIPAL_AFTERCARE) if desk is not None else None


class NoWayHome(Rule):
    """No valid travel documents or no money for the journey home from abroad.

    Applies on a route abroad on which the person travels home on their own
    (BB-guided or own strength; a transfer travels under escort), in *detention*
    once the addressee's deadline (default 30 days before release, window →
    earliest day) is reached, and throughout *return* (urgent: the person is on
    the way). A known release date that has passed does not stop it: released
    abroad without papers or a ticket is the weak link itself. Stops when both
    are arranged or not needed, and in re-integration (the person is home).

    Addressed to two organisations, each acting on its part and counting with
    its own norm values (DOMAIN.md §7):

    * the runner abroad, the baton holder (BB or the consulate): arranges the
      (emergency) travel document; silent while the person has withdrawn the
      consent the holder's support rests on (:mod:`signals.rules.support`);
    * the municipal after-care desk that will receive the person
      (:func:`receiving_desk`): what the municipality can do (an advance, a fund)
      and preparing the arrival. Not when the desk holds the baton itself.
    """

    code = "no_way_home"
    title_classes = frozenset(
        {DataClass.CONDITIONS}
    )  # travel documents and money: basic conditions; the reason counts from the release
    reason_classes = frozenset({DataClass.CONDITIONS, DataClass.DETENTION})
    title = _("No money or valid travel documents to come home")
    reason_template = _(
        "%(release)s; not arranged for the journey home: %(missing)s; to be ready by "
        "%(due)s; norm: %(norm)s."
    )
    suggested_action = _(
        "Arrange an (emergency) travel document with the consular post and money for the "
        "ticket (the person's network, the municipality, or a fund)."
    )
    desk_action = _(
        "Agree with the runner abroad what the municipality can do for the journey home (an "
        "advance, a fund), and prepare the arrival."
    )
    norm_code = "way_home_ready"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return row["route"] in WAY_HOME_ROUTES and before_release(row)

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_effective_by_organisation(code=self.norm_code)
        widest = max(
            [default.params["days_before_release"]]
            + [e.params["days_before_release"] for e in by_org.values()]
        )
        cutoff = deadlines.release_cutoff(today, days_before=widest)
        rows = (
            with_conditions(
                with_support_purpose(
                    self.trajectories(trajectory_ids)
                    .filter(route__in=WAY_HOME_ROUTES, phase__in=BEFORE_RELEASE_PHASES)
                    .filter(Q(phase=Phase.RETURN) | Q(release_on__lte=cutoff))
                ),
                WAY_HOME,
            )
            .annotate(
                support_withdrawn=ExpressionWrapper(
                    holder_support_withdrawn_q(today), output_field=BooleanField()
                ),
                **receiving_desk_annotations(),
            )
            .values(
                *RELEASE_FIELDS,
                "phase",
                "support_withdrawn",
                "referral_desk",
                "referral_desk_kind",
                "central_desk",
                "own_desk",
                *(condition_field(c) for c in WAY_HOME),
            )
        )
        urgent_days = int(self.params.get("urgent_days", 7))
        found = []
        for row in rows:
            missing = [c for c in WAY_HOME if status_of(row, c) not in DONE]
            if not missing:
                continue
            addressees = []
            if not row["support_withdrawn"]:
                addressees.append((row["baton_holder_id"], row["baton_holder__kind"], "runner"))
            desk = receiving_desk(row)
            if desk is not None and desk[0] != row["baton_holder_id"]:
                addressees.append((*desk, "desk"))
            near = row["release_on"] is not None and row["release_on"] <= today + dt.timedelta(
                days=urgent_days
            )
            for addressee, kind, part in addressees:
                effective = by_org.get(addressee, default)
                deadline = deadlines.deadline_before_release(
                    release_of(row),
                    norm_code=self.norm_code,
                    days=int(effective.params["days_before_release"]),
                )
                due_now = deadline is not None and deadline.is_due(today)
                if row["phase"] != Phase.RETURN and not due_now:
                    continue
                facts = {
                    **release_facts(row),
                    "missing": missing,
                    "due": iso(deadline.date) if deadline else None,
                    "phase": row["phase"],
                }
                if part == "desk":
                    facts["part"] = part  # the runner's facts stay as they were before issue 10
                found.append(
                    self.candidate(
                        trajectory_id=row["pk"],
                        addressee_id=addressee,
                        addressee_kind=kind,
                        facts=facts,
                        due=deadline.date if deadline else None,
                        severity="urgent" if near or row["phase"] == Phase.RETURN else "warning",
                    )
                )
        return found

    def action_text(self, facts: Mapping[str, Any]) -> str:
        return str(self.desk_action if facts.get("part") == "desk" else self.suggested_action)

    def reason_text(self, facts: dict[str, Any]) -> str:
        due = facts.get("due")
        return str(self.reason_template) % {
            "release": release_words(facts),
            "missing": conditions_words(facts.get("missing", [])),
            "due": shown_date(due) if due else _("now (the return has begun)"),
            "norm": self.norm_words(facts),
        }


def prison_entry(row: Mapping[str, Any]) -> dt.date | None:
    """The day the person entered the Dutch prison: ``domestic_entry`` after a sentence
    transfer (None until it is recorded), ``detention_start`` on the domestic route."""
    if row["route"] == Route.ABROAD_TRANSFER:
        return row["domestic_entry"]
    return row["detention_start"]


class UnnoticedRisk(Rule):
    """Signs of the people with the least contact in a Dutch prison (Proefschrift).

    Applies while the person is still detained (:func:`base.still_detained`) in a
    Dutch prison: the domestic route, or a sentence transfer once a prison holds
    the baton. "Short stay" and "first six weeks" count from the day of entry into
    the Dutch prison (:func:`prison_entry`): after a transfer from
    ``domestic_entry``, and not at all until it is known. The reason names a
    health problem only as one of the signs, so a reader needs the health class
    for it when it is among them (:meth:`classes_for_reason`).
    """

    code = "unnoticed_risk"
    title_classes = frozenset(
        {DataClass.DETENTION}
    )  # in detention; the reason names open conditions (and health, see classes_for_reason)
    reason_classes = frozenset({DataClass.CONDITIONS, DataClass.DETENTION})
    title = _("At risk of going unnoticed in detention")
    reason_template = _(
        "In detention since %(detention_since)s; %(count)s of the signs of the people with "
        "the least contact in detention: %(factors)s (%(source)s)."
    )
    suggested_action = _(
        "Make sure the case manager or mentor sees the person soon, and screen the life "
        "domains (ID first)."
    )
    HEALTH_FIELDS = tuple(f"person__{m}" for m in HEALTH_MARKERS)

    def classes_for_reason(self, facts: Mapping[str, Any]) -> frozenset[str]:
        if "health" in facts.get("factors", ()):
            return self.reason_classes | {DataClass.HEALTH}
        return self.reason_classes

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        in_dutch_prison = row["route"] == Route.DOMESTIC or (
            row["route"] == Route.ABROAD_TRANSFER
            and row["baton_holder__kind"] == OrganisationKind.PRISON
        )
        return in_dutch_prison and still_detained(row, today)

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        short_stay = int(self.params["short_stay_days"])
        first_weeks = int(self.params["first_weeks_days"])
        several = int(self.params["several_problems"])
        minimum = int(self.params["min_factors"])
        rows = with_conditions(
            self.trajectories(trajectory_ids).filter(
                # In a Dutch prison: the domestic route, or a sentence transfer that arrived.
                Q(route=Route.DOMESTIC)
                | Q(route=Route.ABROAD_TRANSFER, baton_holder__kind=OrganisationKind.PRISON),
                still_detained_q(today),
            ),
            LIFE_DOMAINS,
        ).values(
            "pk",
            "baton_holder_id",
            "baton_holder__kind",
            "route",
            "detention_start",
            "domestic_entry",
            "release_on",
            *self.HEALTH_FIELDS,
            *(condition_field(c) for c in LIFE_DOMAINS),
        )
        found = []
        for row in rows:
            start, release = prison_entry(row), row["release_on"]
            factors = []
            if start and release and (release - start).days <= short_stay:
                factors.append("short_stay")
            if start and 0 <= (today - start).days < first_weeks:
                factors.append("first_weeks")
            if status_of(row, Condition.ID) in (Status.OPEN, Status.BEING_ARRANGED):
                factors.append("no_valid_id")
            if any(row[name] for name in self.HEALTH_FIELDS):
                factors.append("health")
            if sum(status_of(row, c) == Status.OPEN for c in LIFE_DOMAINS) >= several:
                factors.append("several_problems")
            if len(factors) < minimum:
                continue
            found.append(
                self.candidate_for_holder(
                    row,
                    facts={"detention_since": iso(row["detention_start"]), "factors": factors},
                )
            )
        return found

    def reason_text(self, facts: dict[str, Any]) -> str:
        factors = facts.get("factors", [])
        return str(self.reason_template) % {
            "detention_since": shown_date(facts.get("detention_since")),
            "count": len(factors),
            "factors": ", ".join(str(FACTOR_LABELS[f]) for f in factors),
            "source": DISSERTATION,
        }


class ChildrenOutOfView(Rule):
    """A minor child in the network and no adult in it, in every live phase."""

    code = "children_out_of_view"
    title_classes = frozenset({DataClass.NETWORK})  # minor children: network
    reason_classes = frozenset({DataClass.NETWORK})
    title = _("Minor children left behind with nobody in view")
    reason_template = _(
        "%(children)s minor child(ren) in the network, and no adult in the network: no "
        "contact person, nobody known who looks after them (%(source)s)."
    )
    suggested_action = _(
        "Ask the person who looks after the children, and name a contact person; if "
        "nobody does, involve youth care."
    )
    SOURCE = "RSJ, Advies De buitenwereld naar binnen"

    def may_apply(self, row: dict[str, Any], today: dt.date) -> bool:
        return bool(row["has_minor"])

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        adult = NetworkMember.objects.filter(person=OuterRef("person_id"), is_minor=False)
        children = (
            NetworkMember.objects.filter(person=OuterRef("person_id"), is_minor=True)
            .values("person")
            .annotate(n=Count("pk"))
            .values("n")
        )
        rows = (
            self.trajectories(trajectory_ids)
            .filter(~Exists(adult))
            .annotate(children=Subquery(children, output_field=IntegerField()))
            .filter(children__gt=0)
            .values("pk", "baton_holder_id", "baton_holder__kind", "children")
        )
        return [
            self.candidate_for_holder(
                row,
                facts={"children": row["children"]},
            )
            for row in rows
        ]

    def reason_text(self, facts: dict[str, Any]) -> str:
        return str(self.reason_template) % {"children": facts["children"], "source": self.SOURCE}


class AcceptedNotTakenUp(ReturnedRule):
    """A handover accepted, the person back, and neither taken up nor a no-show reported.

    Applies once the person is back (:func:`returned_on`), counted from the return
    or the acceptance, whichever is later, with the receiver's days (default 14).
    A committed receiver (accepted while the person was detained, decision 0011)
    is not asked before the person is back. Stops when the receiver records taken
    up or a no-show. One signal per trajectory, to the earliest accepted receiver.
    """

    code = "accepted_not_taken_up"
    title_classes = (
        frozenset()
    )  # a handover's outcome: the relay; the reason counts from the return
    reason_classes = frozenset({DataClass.DETENTION})
    title = _("Handover accepted, but the person not taken up after return")
    reason_template = _(
        "%(receiver)s accepted the handover (%(purpose)s) on %(accepted_on)s; back since "
        "%(returned_on)s (%(returned_basis)s); neither taken up nor reported as a no-show "
        "after %(days)s days; due %(due)s; norm: %(norm)s."
    )
    suggested_action = _(
        "Contact the person (or the contact person); record whether they turned up, or "
        "report a no-show so the baton goes back to the sender."
    )
    norm_code = "taken_up_after_arrival"

    def candidates(
        self, *, today: dt.date, trajectory_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        default, by_org = norms_effective_by_organisation(code=self.norm_code)
        moved = TrajectoryEvent.objects.filter(
            trajectory=OuterRef("trajectory_id"),
            kind=EventKind.PHASE_CHANGED,
            data__new=Phase.REINTEGRATION,
        ).order_by("-at")
        rows = (
            Handover.objects.filter(
                state=State.ACCEPTED,
                trajectory__in=self.trajectories(trajectory_ids).filter(
                    Q(phase=Phase.REINTEGRATION)
                    | Q(release_certainty=ReleaseCertainty.KNOWN, release_date__lte=today)
                ),
            )
            .annotate(reintegration_since=Subquery(moved.values("at")[:1]))
            .values(
                "pk",
                "trajectory_id",
                "receiver_id",
                "receiver__kind",
                "receiver__name",
                "purpose",
                "decided_at",
                "reintegration_since",
                "trajectory__phase",
                "trajectory__release_certainty",
                "trajectory__release_date",
                "trajectory__release_on",
                "trajectory__opened_at",
            )
            .order_by("trajectory_id", "decided_at", "pk")
        )
        chosen: dict[int, Candidate] = {}
        for row in rows:
            fields = {
                name.removeprefix("trajectory__"): value
                for name, value in row.items()
                if name.startswith("trajectory__")
            }
            back = returned_on({**fields, "reintegration_since": row["reintegration_since"]}, today)
            if back is None:
                continue
            accepted_on = timezone.localdate(row["decided_at"]) if row["decided_at"] else back[0]
            # Accepted after the return: the receiver's days count from its acceptance.
            counted_from = max(back[0], accepted_on)
            effective = by_org.get(row["receiver_id"], default)
            days = int(effective.params["within_days_after_release"])
            due = add_days(counted_from, days)
            if today <= due or row["trajectory_id"] in chosen:
                continue  # one signal per trajectory: the earliest accepted handover
            chosen[row["trajectory_id"]] = self.candidate(
                trajectory_id=row["trajectory_id"],
                addressee_id=row["receiver_id"],
                addressee_kind=row["receiver__kind"],
                facts={
                    "handover": row["pk"],
                    "receiver": row["receiver__name"],
                    "purpose": row["purpose"],
                    "accepted_on": iso(accepted_on),
                    "returned_on": iso(back[0]),
                    "returned_basis": back[1],
                    "days": days,
                    "due": iso(due),
                },
                due=due,
            )
        return list(chosen.values())

    def reason_text(self, facts: dict[str, Any]) -> str:
        return super().reason_text({**facts, "purpose": Purpose(facts["purpose"]).label})


register(ConditionOpenAfterReturn())
register(IdMissingAfterReturn())
register(NoWayHome(params={"urgent_days": 7}))
register(
    UnnoticedRisk(
        params={
            "short_stay_days": 120,
            "first_weeks_days": 42,
            "several_problems": 3,
            "min_factors": 2,
        }
    )
)
register(ChildrenOutOfView())
register(AcceptedNotTakenUp())
