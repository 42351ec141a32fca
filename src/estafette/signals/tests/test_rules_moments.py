"""Pre-release rules stop when their moment has passed (issue 10, "signals that fit").

A signal that is false teaches people to ignore the inbox: "no referral as release
nears" after the referral was accepted, a "Return" booklet months after release.
Each boundary here: the phase, a known release date passing (the day itself still
counts), a referral sent or accepted (a committed receiver too), the registration
taken from the arrest notification.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from estafette.core.actor import Actor
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import handover_accept
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import OrganisationFactory, TrajectoryFactory
from estafette.trajectories.models import ParticipantRole, Phase, Trajectory
from estafette.trajectories.services import participant_add, trajectory_set_phase


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def make(actor: Actor, **fields: Any) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


def refer(actor: Actor, trajectory: Trajectory, receiver: Organisation) -> Handover:
    return cast(
        Handover,
        send_with_consent(
            actor=actor,
            trajectory=trajectory,
            receiver=receiver,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message="Graag nazorg bij terugkeer.",
        ),
    )


def evaluated(trajectory: Trajectory, code: str) -> bool:
    signals_evaluate([trajectory.pk])
    return live(trajectory, code) is not None


# -- "no after-care referral as release approaches" ---------------------------------------


def test_referral_missing_stops_when_the_phase_leaves_detention(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(60))
    assert evaluated(t, "aftercare_referral_missing")
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.RETURN)
    assert not evaluated(t, "aftercare_referral_missing")


def test_referral_missing_speaks_on_the_release_day_and_stops_the_day_after(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(3))
    frozen_clock.advance(days=3)
    assert evaluated(t, "aftercare_referral_missing")  # the day of release: the last chance
    frozen_clock.advance(days=1)
    # A known release date has passed: the person is out, whatever the phase says.
    assert not evaluated(t, "aftercare_referral_missing")
    # An estimate that passed does not mean the person is out.
    estimate = make(actor_a, release_certainty="estimate", release_date=frozen_clock.today)
    frozen_clock.advance(days=10)
    assert evaluated(estimate, "aftercare_referral_missing")


def test_referral_missing_stops_when_the_referral_is_accepted_and_committed(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(60))
    assert evaluated(t, "aftercare_referral_missing")
    handover = refer(actor_a, t, actor_b.organisation)
    assert not evaluated(t, "aftercare_referral_missing")  # sent: the baton is in the air
    handover_accept(actor=actor_b, handover=handover)
    handover.refresh_from_db()
    t.refresh_from_db()
    # Accepted in detention: committed, the baton stays with BB (decision 0011) ...
    assert handover.baton_at is None and t.baton_holder_id == actor_a.organisation_id
    # ... and the referral is there: no warning about a missing one.
    assert not evaluated(t, "aftercare_referral_missing")


# -- registration unknown, doubtful or unverified ------------------------------------------


def test_a_municipality_from_the_arrest_notification_is_unverified(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    today = frozen_clock.today
    # The referral is due 90 days before release; the check warns 30 days before that.
    t = make(actor_a, registration_certainty="arrest_notification", release_date=today + days(120))
    confirmed = make(actor_a, release_date=today + days(120))
    later = make(
        actor_a, registration_certainty="arrest_notification", release_date=today + days(121)
    )
    signals_evaluate()
    signal = live(t, "registration_unknown")
    assert signal is not None
    assert signal.facts["registration_certainty"] == "arrest_notification"
    assert signal.due == today + days(30)  # before the referral is due
    assert live(confirmed, "registration_unknown") is None
    assert live(later, "registration_unknown") is None  # one day outside the lead time


def test_registration_check_stops_when_the_referral_is_sent_or_the_person_is_out(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a, registration_certainty="doubtful", release_date=today + days(60))
    assert evaluated(t, "registration_unknown")
    refer(actor_a, t, actor_b.organisation)  # the municipality checks its own register
    assert not evaluated(t, "registration_unknown")
    out = make(actor_a, registration_certainty="doubtful", release_date=today + days(60))
    assert evaluated(out, "registration_unknown")
    trajectory_set_phase(actor=actor_a, trajectory=out, phase=Phase.RETURN)
    assert not evaluated(out, "registration_unknown")


# -- the "Return" booklet -------------------------------------------------------------------


def test_the_booklet_is_not_asked_for_after_release(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a, release_date=today + days(100))
    assert evaluated(t, "return_booklet_not_sent")  # 180 days before release: overdue
    frozen_clock.advance(days=100)
    assert evaluated(t, "return_booklet_not_sent")  # the day of release
    frozen_clock.advance(days=1)
    assert not evaluated(t, "return_booklet_not_sent")  # released: known date passed
    frozen_clock.advance(days=120)  # months later, phase still "detention": still silent
    assert not evaluated(t, "return_booklet_not_sent")
    returning = make(actor_a, release_certainty="estimate", release_date=frozen_clock.today)
    assert evaluated(returning, "return_booklet_not_sent")
    trajectory_set_phase(actor=actor_a, trajectory=returning, phase=Phase.RETURN)
    assert not evaluated(returning, "return_booklet_not_sent")


# -- release date unknown --------------------------------------------------------------------


def test_release_date_unknown_in_return_but_not_in_reintegration(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_certainty="unknown", release_date=None)
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.RETURN)
    signals_evaluate([t.pk])
    signal = live(t, "release_date_unknown")
    assert signal is not None and signal.severity == "urgent"
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.REINTEGRATION)
    assert not evaluated(t, "release_date_unknown")


# -- volunteer visits while not detained ---------------------------------------------------


def test_no_volunteer_visit_signal_once_the_person_is_out(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    start = frozen_clock.today
    t = make(actor_a, release_date=start + days(60))
    volunteers = OrganisationFactory(kind=OrganisationKind.VOLUNTEER_ORGANISATION)
    participant_add(
        actor=actor_a,
        trajectory=t,
        organisation=volunteers,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    frozen_clock.advance(days=57)
    assert evaluated(t, "volunteer_visit_overdue")
    frozen_clock.advance(days=3)
    assert evaluated(t, "volunteer_visit_overdue")  # the day of release
    frozen_clock.advance(days=1)
    assert not evaluated(t, "volunteer_visit_overdue")  # out: nobody visits a prison for them


# -- the way home: its moment passes on arrival, not on release ----------------------------


def test_no_way_home_keeps_speaking_after_release_until_the_person_is_home(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(10), registration_municipality=None)
    assert evaluated(t, "no_way_home")
    frozen_clock.advance(days=20)
    # Released abroad without papers or money for a ticket is the weak link itself.
    assert evaluated(t, "no_way_home")
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.REINTEGRATION)
    assert not evaluated(t, "no_way_home")
