"""The rules on contact moments: boundaries, overrides, route changes, and automatic resolution.

Every rule is checked the day before, on, and the day after its deadline (a
norm is *missed* the day after), and closes by itself once the fact is
recorded through the visits services and ``signals_evaluate`` runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.handovers.models import Purpose
from estafette.handovers.services import handover_accept
from estafette.norms.services import norm_override_set
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import ResolvedHow, Signal
from estafette.signals.rules import REGISTRY
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent, send_with_consent
from estafette.testing.factories import OrganisationFactory, TrajectoryFactory, assign
from estafette.trajectories.models import ParticipantRole, Phase, Route, Trajectory
from estafette.trajectories.services import (
    participant_add,
    trajectory_change_route,
    trajectory_set_phase,
    trajectory_set_release,
)
from estafette.visits.models import Channel, ContactKind
from estafette.visits.services import (
    contact_record,
    volunteer_request_answer,
    volunteer_request_open,
)

ActorFor = Callable[..., Actor]


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def org(kind: str, name: str = "") -> Organisation:
    return cast(Organisation, OrganisationFactory(kind=kind, **({"name": name} if name else {})))


def make(actor: Actor, **fields: Any) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


def record(actor: Actor, trajectory: Trajectory, kind: str, on: dt.date | None = None) -> None:
    contact_record(
        actor=actor,
        trajectory=trajectory,
        kind=kind,
        happened_on=on or clock.today(),
        channel=Channel.FACE_TO_FACE,
    )


def evaluate_on(clock_control: ClockControl, day: dt.date, trajectory: Trajectory) -> None:
    clock_control.set(day)
    signals_evaluate([trajectory.pk])


def live_on(
    clock_control: ClockControl, day: dt.date, trajectory: Trajectory, code: str
) -> Signal | None:
    evaluate_on(clock_control, day, trajectory)
    return live(trajectory, code)


# ------------------------------------------------------------------- volunteer visit


@pytest.fixture
def visited(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    """Abroad, BB holds the baton; a visiting volunteer runs alongside since today."""
    t = make(actor_a, release_date=frozen_clock.today + days(900))
    participant_add(
        actor=actor_a,
        trajectory=t,
        organisation=org(OrganisationKind.VOLUNTEER_ORGANISATION),
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    return t


def test_volunteer_visit_boundaries_from_the_start_then_from_the_last_visit(
    frozen_clock: ClockControl, actor_a: Actor, visited: Trajectory
) -> None:
    start = frozen_clock.today
    code = "volunteer_visit_overdue"
    assert live_on(frozen_clock, start + days(55), visited, code) is None
    assert live_on(frozen_clock, start + days(56), visited, code) is None  # due today: on time
    signal = live_on(frozen_clock, start + days(57), visited, code)
    assert signal is not None
    assert signal.due == start + days(56)
    assert signal.addressee_id == actor_a.organisation_id
    assert signal.addressee_role == Role.REGIONAL_COORDINATOR  # never the volunteer
    assert signal.facts["basis"] == "period_start" and signal.facts["last_visit_on"] is None
    assert "§3.1, §5.1" in signal.reason
    assert "none recorded yet" in signal.reason or "nog niets vastgelegd" in signal.reason
    # The coordinator records the visit the volunteer phoned in: the signal closes.
    record(actor_a, visited, ContactKind.VOLUNTEER_VISIT, on=start + days(57))
    signals_evaluate([visited.pk])
    signal.refresh_from_db()
    assert signal.state == "resolved" and signal.resolved_how == ResolvedHow.AUTO
    # From now on the norm counts from that visit.
    visit = start + days(57)
    assert live_on(frozen_clock, visit + days(56), visited, code) is None
    again = live_on(frozen_clock, visit + days(57), visited, code)
    assert again is not None and again.facts["basis"] == "last_occurrence"


def test_volunteer_visit_uses_the_coordinators_own_norm(
    frozen_clock: ClockControl, actor_a: Actor, actor_for: ActorFor, visited: Trajectory
) -> None:
    start = frozen_clock.today
    admin = actor_for(actor_a.organisation, Role.ORGANISATION_ADMIN)
    norm_override_set(
        actor=admin,
        code="volunteer_visit",
        params={"every_days": [28, 42]},
        reason="In deze regio bezoeken vrijwilligers elke vier tot zes weken.",
    )
    assert live_on(frozen_clock, start + days(42), visited, "volunteer_visit_overdue") is None
    signal = live_on(frozen_clock, start + days(43), visited, "volunteer_visit_overdue")
    assert signal is not None and signal.due == start + days(42) and signal.facts["high"] == 42


def test_no_volunteer_no_visit_signal(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = make(actor_a)
    assert (
        live_on(frozen_clock, frozen_clock.today + days(200), t, "volunteer_visit_overdue") is None
    )


# -------------------------------------------------------------- none available


def test_none_available_is_raised_and_resolves_when_a_volunteer_is_found(
    frozen_clock: ClockControl, actor_a: Actor, spain: Any
) -> None:
    t = make(actor_a)
    request = volunteer_request_open(actor=actor_a, trajectory=t)
    signals_evaluate([t.pk])
    assert live(t, "volunteer_none_available") is None  # asked, no answer yet
    volunteer_request_answer(actor=actor_a, request=request, state="none_available")
    signals_evaluate([t.pk])
    signal = live(t, "volunteer_none_available")
    assert signal is not None
    assert signal.facts["country_en"] == "Spain"
    assert signal.addressee_id == actor_a.organisation_id
    assert "Spain" in signal.reason or "Spanje" in signal.reason
    # A new organisation finds someone: the volunteer runs alongside, the signal closes.
    participant_add(
        actor=actor_a,
        trajectory=t,
        organisation=org(OrganisationKind.VOLUNTEER_ORGANISATION),
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    signals_evaluate([t.pk])
    assert live(t, "volunteer_none_available") is None


def test_asking_again_resolves_none_available(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = make(actor_a)
    first = volunteer_request_open(actor=actor_a, trajectory=t)
    volunteer_request_answer(actor=actor_a, request=first, state="none_available")
    signals_evaluate([t.pk])
    assert live(t, "volunteer_none_available") is not None
    frozen_clock.advance(days=1)
    volunteer_request_open(actor=actor_a, trajectory=t, note="Stichting Epafras gevraagd.")
    signals_evaluate([t.pk])
    assert live(t, "volunteer_none_available") is None


# ---------------------------------------------------------------- "Return" booklet


@pytest.mark.parametrize(
    ("release_in", "raised", "severity"),
    [
        (211, False, None),  # deadline in 31 days: before the 30-day lead
        (210, True, "warning"),  # deadline in 30 days: the lead starts today
        (180, True, "warning"),  # due today
        (179, True, "urgent"),  # overdue since yesterday
    ],
)
def test_return_booklet_boundaries(
    frozen_clock: ClockControl,
    actor_a: Actor,
    release_in: int,
    raised: bool,
    severity: str | None,
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(release_in))
    signals_evaluate([t.pk])
    signal = live(t, "return_booklet_not_sent")
    assert (signal is not None) == raised
    if signal is not None:
        assert signal.severity == severity
        assert signal.due == frozen_clock.today + days(release_in - 180)
        assert "§3.1" in signal.reason


def test_return_booklet_window_counts_from_the_earliest_day_and_an_estimate_is_marked(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a, release_date=today + days(400))
    trajectory_set_release(
        actor=actor_a,
        trajectory=t,
        certainty="window",
        earliest=today + days(170),
        latest=today + days(400),
    )
    signals_evaluate([t.pk])
    signal = live(t, "return_booklet_not_sent")
    assert signal is not None
    assert signal.due == today - days(10) and signal.facts["basis"] == "window_earliest"
    trajectory_set_release(
        actor=actor_a, trajectory=t, certainty="estimate", date=today + days(190)
    )
    signals_evaluate([t.pk])
    signal.refresh_from_db()
    assert signal.facts["is_estimate"] is True and signal.due == today + days(10)
    assert "an estimate" in signal.reason or "schatting" in signal.reason
    record(actor_a, t, ContactKind.RETURN_BOOKLET)
    signals_evaluate([t.pk])
    assert live(t, "return_booklet_not_sent") is None


def test_return_booklet_not_for_domestic_routes_and_override(
    frozen_clock: ClockControl, actor_a: Actor, actor_for: ActorFor
) -> None:
    today = frozen_clock.today
    t = make(actor_a, release_date=today + days(200))
    signals_evaluate([t.pk])
    assert live(t, "return_booklet_not_sent") is not None
    trajectory_change_route(
        actor=actor_a, trajectory=t, route=Route.DOMESTIC, reason="Overgebracht naar Nederland."
    )
    signals_evaluate([t.pk])
    assert live(t, "return_booklet_not_sent") is None
    trajectory_change_route(
        actor=actor_a, trajectory=t, route=Route.ABROAD_BB, reason="Toch in het buitenland."
    )
    admin = actor_for(actor_a.organisation, Role.ORGANISATION_ADMIN)
    norm_override_set(
        actor=admin,
        code="return_booklet",
        params={"days_before_release": 150},
        reason="Boekje later: de vrijwilliger brengt het mee.",
    )
    signals_evaluate([t.pk])
    assert live(t, "return_booklet_not_sent") is None  # due in 50 days: outside the lead
    norm_override_set(
        actor=admin,
        code="return_booklet",
        params={"days_before_release": 175},
        reason="Toch iets eerder.",
    )
    signals_evaluate([t.pk])
    signal = live(t, "return_booklet_not_sent")
    assert signal is not None and signal.facts["days"] == 175


def test_no_booklet_signal_when_the_consulate_or_a_prison_holds_the_baton(
    frozen_clock: ClockControl, actor_for: ActorFor
) -> None:
    today = frozen_clock.today
    consul = actor_for(org(OrganisationKind.CONSULAR_POST), Role.CONSULAR_OFFICER)
    own = make(consul, route=Route.ABROAD_OWN, release_date=today + days(100))
    case_manager = actor_for(org(OrganisationKind.PRISON), Role.CASE_MANAGER)
    transferred = make(
        case_manager,
        route=Route.ABROAD_TRANSFER,
        transfer_law="WETS",
        release_date=today + days(100),
    )
    signals_evaluate([own.pk, transferred.pk])
    assert live(own, "return_booklet_not_sent") is None
    assert live(transferred, "return_booklet_not_sent") is None


# ------------------------------------------------------------------ domestic norms


@pytest.fixture
def prison(db: None) -> Organisation:
    return org(OrganisationKind.PRISON, "PI Testdorp")


@pytest.fixture
def case_manager(prison: Organisation, actor_for: ActorFor) -> Actor:
    return actor_for(prison, Role.CASE_MANAGER)


def domestic(actor: Actor, entered: dt.date) -> Trajectory:
    return make(
        actor,
        route=Route.DOMESTIC,
        country=None,
        detention_place="PI Testdorp",
        detention_start=entered,
    )


@pytest.mark.parametrize(
    ("code", "kind", "norm_days"),
    [
        ("domestic_screening_overdue", ContactKind.DOMESTIC_SCREENING, 14),
        ("dr_plan_overdue", ContactKind.DR_PLAN, 28),
    ],
)
def test_within_days_of_entry_boundaries_and_resolution(
    frozen_clock: ClockControl, case_manager: Actor, code: str, kind: str, norm_days: int
) -> None:
    entered = frozen_clock.today
    t = domestic(case_manager, entered)
    assert live_on(frozen_clock, entered + days(norm_days - 1), t, code) is None
    assert live_on(frozen_clock, entered + days(norm_days), t, code) is None
    signal = live_on(frozen_clock, entered + days(norm_days + 1), t, code)
    assert signal is not None
    assert signal.due == entered + days(norm_days)
    assert signal.addressee_role == Role.CASE_MANAGER
    assert "Proefschrift" in signal.reason
    record(case_manager, t, kind)
    signals_evaluate([t.pk])
    signal.refresh_from_db()
    assert signal.state == "resolved" and signal.resolved_how == ResolvedHow.AUTO


def test_screening_norm_override_of_the_prison_and_route_change(
    frozen_clock: ClockControl, case_manager: Actor, actor_for: ActorFor
) -> None:
    entered = frozen_clock.today
    t = domestic(case_manager, entered)
    admin = actor_for(case_manager.organisation, Role.ORGANISATION_ADMIN)
    norm_override_set(
        actor=admin,
        code="domestic_screening",
        params={"within_days": 10},
        reason="Onze PI screent binnen tien dagen.",
    )
    assert live_on(frozen_clock, entered + days(10), t, "domestic_screening_overdue") is None
    signal = live_on(frozen_clock, entered + days(11), t, "domestic_screening_overdue")
    assert signal is not None and signal.facts["days"] == 10
    trajectory_change_route(
        actor=case_manager, trajectory=t, route=Route.ABROAD_OWN, reason="Verkeerd ingevoerd."
    )
    signals_evaluate([t.pk])
    assert live(t, "domestic_screening_overdue") is None


def test_domestic_norms_stay_silent_while_probation_holds_the_baton(
    frozen_clock: ClockControl, actor_for: ActorFor
) -> None:
    entered = frozen_clock.today
    officer = actor_for(org(OrganisationKind.PROBATION), Role.PROBATION_OFFICER)
    t = domestic(officer, entered)
    frozen_clock.set(entered + days(60))
    signals_evaluate([t.pk])
    for code in (
        "domestic_screening_overdue",
        "mentor_conversation_overdue",
        "dr_plan_overdue",
        "no_professional_contact",
    ):
        assert live(t, code) is None, code


def test_mentor_conversation_every_fourteen_days(
    frozen_clock: ClockControl, case_manager: Actor
) -> None:
    entered = frozen_clock.today
    t = domestic(case_manager, entered)
    code = "mentor_conversation_overdue"
    assert live_on(frozen_clock, entered + days(13), t, code) is None
    assert live_on(frozen_clock, entered + days(14), t, code) is None
    signal = live_on(frozen_clock, entered + days(15), t, code)
    assert signal is not None and signal.facts["basis"] == "period_start"
    record(case_manager, t, ContactKind.MENTOR_CONVERSATION, on=entered + days(15))
    signals_evaluate([t.pk])
    assert live(t, code) is None
    talked = entered + days(15)
    assert live_on(frozen_clock, talked + days(14), t, code) is None
    signal = live_on(frozen_clock, talked + days(15), t, code)
    assert signal is not None and signal.facts["last_on"] == talked.isoformat()


def test_nobody_from_any_professional_role_in_contact(
    frozen_clock: ClockControl, case_manager: Actor, actor_for: ActorFor
) -> None:
    entered = frozen_clock.today
    t = domestic(case_manager, entered)
    code = "no_professional_contact"
    assert live_on(frozen_clock, entered + days(28), t, code) is None
    signal = live_on(frozen_clock, entered + days(29), t, code)
    assert signal is not None and signal.severity == "urgent" and signal.facts["days"] == 28
    # Probation visits (another professional role): that counts as contact.
    record(case_manager, t, ContactKind.PROFESSIONAL_CONTACT, on=entered + days(20))
    signals_evaluate([t.pk])
    assert live(t, code) is None
    assert live_on(frozen_clock, entered + days(48), t, code) is None
    assert live_on(frozen_clock, entered + days(49), t, code) is not None
    # The prison's own mentor norm (every 10 days) halves the silence it accepts.
    admin = actor_for(case_manager.organisation, Role.ORGANISATION_ADMIN)
    norm_override_set(
        actor=admin,
        code="mentor_conversation",
        params={"every_days": [10, 10]},
        reason="Mentorgesprek elke tien dagen.",
    )
    signals_evaluate([t.pk])
    signal = live(t, code)
    assert signal is not None and signal.facts["days"] == 20


def test_the_screening_counts_as_professional_contact(
    frozen_clock: ClockControl, case_manager: Actor
) -> None:
    entered = frozen_clock.today
    t = domestic(case_manager, entered)
    frozen_clock.set(entered + days(10))
    record(case_manager, t, ContactKind.DOMESTIC_SCREENING)
    assert live_on(frozen_clock, entered + days(38), t, "no_professional_contact") is None
    assert live_on(frozen_clock, entered + days(39), t, "no_professional_contact") is not None


# ------------------------------------------------------------------------- buddies


@pytest.fixture
def buddies(db: None) -> Organisation:
    return org(OrganisationKind.BUDDY_PROGRAMME, "Brug Binnen Buiten (test)")


def buddy_case(
    actor: Actor, buddies: Organisation, release: dt.date, actor_for: ActorFor
) -> tuple[Trajectory, Actor]:
    """The holder opens the file; the buddy programme runs alongside since today."""
    t = make(actor, release_date=release)
    participant_add(actor=actor, trajectory=t, organisation=buddies, role=ParticipantRole.BUDDY)
    give_consent(
        person=t.person,
        purpose_code="buddy_programme",
        recipient=buddies,
        given_on=clock.today() - days(1),
    )
    buddy = actor_for(buddies, Role.BUDDY)
    assign(buddy, t)  # a buddy sees only the people assigned to them (decision 0016)
    return t, buddy


def test_buddy_weekly_contact(
    frozen_clock: ClockControl, actor_b: Actor, buddies: Organisation, actor_for: ActorFor
) -> None:
    start = frozen_clock.today
    t, buddy = buddy_case(actor_b, buddies, start + days(300), actor_for)
    code = "buddy_contact_overdue"
    assert live_on(frozen_clock, start + days(6), t, code) is None
    assert live_on(frozen_clock, start + days(7), t, code) is None
    signal = live_on(frozen_clock, start + days(8), t, code)
    assert signal is not None
    assert signal.addressee_id == buddies.pk
    assert signal.addressee_role == Role.BUDDY_PROFESSIONAL  # never the buddy
    record(buddy, t, ContactKind.BUDDY_CONTACT)
    signals_evaluate([t.pk])
    assert live(t, code) is None


def test_buddy_weekly_norm_override(
    frozen_clock: ClockControl, actor_b: Actor, buddies: Organisation, actor_for: ActorFor
) -> None:
    start = frozen_clock.today
    t, _ = buddy_case(actor_b, buddies, start + days(300), actor_for)
    admin = actor_for(buddies, Role.ORGANISATION_ADMIN)
    norm_override_set(
        actor=admin,
        code="buddy_contact",
        params={"every_days": [10, 10]},
        reason="Bij ons om de tien dagen.",
    )
    assert live_on(frozen_clock, start + days(10), t, "buddy_contact_overdue") is None
    assert live_on(frozen_clock, start + days(11), t, "buddy_contact_overdue") is not None


def test_buddy_contact_after_release(
    frozen_clock: ClockControl, actor_b: Actor, buddies: Organisation, actor_for: ActorFor
) -> None:
    start = frozen_clock.today
    release = start + days(20)
    t, buddy = buddy_case(actor_b, buddies, release, actor_for)
    code = "buddy_no_contact_after_release"
    # Weekly contact before release keeps the weekly rule quiet.
    for day in (5, 12, 19):
        frozen_clock.set(start + days(day))
        record(buddy, t, ContactKind.BUDDY_CONTACT)
    assert live_on(frozen_clock, release + days(6), t, code) is None
    assert live_on(frozen_clock, release + days(7), t, code) is None
    signal = live_on(frozen_clock, release + days(8), t, code)
    assert signal is not None
    assert signal.severity == "urgent" and signal.addressee_id == buddies.pk
    assert signal.due == release + days(7)
    # The sharper rule speaks; the weekly one stays quiet for the same silence.
    assert live(t, "buddy_contact_overdue") is None
    record(buddy, t, ContactKind.BUDDY_CONTACT)
    signals_evaluate([t.pk])
    assert live(t, code) is None


def test_buddy_after_release_window_counts_from_the_earliest_day(
    frozen_clock: ClockControl, actor_b: Actor, buddies: Organisation, actor_for: ActorFor
) -> None:
    start = frozen_clock.today
    t, _ = buddy_case(actor_b, buddies, start + days(300), actor_for)
    trajectory_set_release(
        actor=actor_b,
        trajectory=t,
        certainty="window",
        earliest=start + days(3),
        latest=start + days(60),
    )
    signal = live_on(frozen_clock, start + days(11), t, "buddy_no_contact_after_release")
    assert signal is not None and signal.facts["basis"] == "window_earliest"


def test_buddy_programme_holding_the_baton_and_trajectory_length(
    frozen_clock: ClockControl,
    actor_b: Actor,
    buddies: Organisation,
    actor_for: ActorFor,
) -> None:
    start = frozen_clock.today
    t = make(actor_b, release_date=start - days(10))
    # Out of detention, so accepting passes the baton at once (decision 0011).
    trajectory_set_phase(actor=actor_b, trajectory=t, phase=Phase.REINTEGRATION)
    handover = send_with_consent(
        actor=actor_b,
        trajectory=t,
        receiver=buddies,
        purpose=Purpose.BUDDY,
        message="Aanmelding buddy.",
    )
    professional = actor_for(buddies, Role.BUDDY_PROFESSIONAL)
    handover_accept(actor=professional, handover=handover)
    buddy = actor_for(buddies, Role.BUDDY)
    assign(buddy, t)  # a buddy sees only the people assigned to them (decision 0016)
    code = "buddy_trajectory_long"
    # Keep the weekly contact going, so only the length rule can speak.
    for week in range(1, 27):
        frozen_clock.set(start + days(7 * week))
        record(buddy, t, ContactKind.BUDDY_CONTACT)
    assert live_on(frozen_clock, start + days(182), t, code) is None
    signal = live_on(frozen_clock, start + days(183), t, code)
    assert signal is not None
    assert signal.severity == "info" and signal.addressee_id == buddies.pk
    assert signal.facts["start_on"] == start.isoformat()
    assert live(t, "buddy_contact_overdue") is None
    assert live(t, "buddy_no_contact_after_release") is None  # released before the programme


# ------------------------------------------------------------------- set-based


def test_each_rule_runs_a_fixed_number_of_queries(
    frozen_clock: ClockControl, actor_a: Actor, case_manager: Actor, buddies: Organisation
) -> None:
    codes = VISITS_RULES

    def queries(n: int) -> dict[str, int]:
        for _ in range(n):
            t = make(actor_a, release_date=frozen_clock.today + days(100))
            participant_add(
                actor=actor_a,
                trajectory=t,
                organisation=buddies,
                role=ParticipantRole.BUDDY,
            )
            record(actor_a, t, ContactKind.RETURN_BOOKLET)
            domestic(case_manager, frozen_clock.today - days(40))
        counts = {}
        for code in codes:
            with CaptureQueriesContext(connection) as captured:
                REGISTRY[code].candidates(today=frozen_clock.today + days(60))
            counts[code] = len(captured.captured_queries)
        return counts

    small = queries(2)
    large = queries(8)
    assert small == large
    assert max(large.values()) <= 3


VISITS_RULES = [
    "volunteer_visit_overdue",
    "volunteer_none_available",
    "return_booklet_not_sent",
    "domestic_screening_overdue",
    "mentor_conversation_overdue",
    "dr_plan_overdue",
    "no_professional_contact",
    "buddy_contact_overdue",
    "buddy_no_contact_after_release",
    "buddy_trajectory_long",
]


@pytest.mark.parametrize("code", VISITS_RULES)
def test_each_rule_declares_its_norm_and_links_where_the_action_is(code: str) -> None:
    rule = REGISTRY[code]
    assert rule.norm is not None and rule.norm.source
    assert str(rule.title) and str(rule.suggested_action)
    assert rule.link(7) in ("/trajectories/7/", "/trajectories/7/contacts/")
