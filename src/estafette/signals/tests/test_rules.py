"""Each rule raises its signal when the facts hold, and the signal closes when they stop."""

from __future__ import annotations

import datetime as dt
from typing import cast

from estafette.core.actor import Actor
from estafette.handovers.models import Purpose
from estafette.handovers.services import (
    handover_accept,
    handover_record_no_show,
)
from estafette.organisations.models import Organisation
from estafette.people.models import NetworkMember
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import EventKind, ResolvedHow, Signal
from estafette.signals.rules import REGISTRY
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import PersonFactory, TrajectoryFactory
from estafette.trajectories.models import ParticipantRole, Phase, Trajectory
from estafette.trajectories.services import (
    participant_add,
    trajectory_set_phase,
    trajectory_set_release,
)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def make(actor: Actor, **fields: object) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


# -- after-care referral ---------------------------------------------------------------


def test_referral_missing_counts_from_the_window_earliest_day(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a)
    trajectory_set_release(
        actor=actor_a,
        trajectory=t,
        certainty="window",
        earliest=today + days(100),
        latest=today + days(140),
    )
    signals_evaluate()
    signal = live(t, "aftercare_referral_missing")
    assert signal is not None
    assert signal.due == today + days(10)  # 90 days before the window's earliest day
    assert signal.facts["basis"] == "window_earliest"
    assert signal.norm_code == "aftercare_referral"
    assert signal.addressee_id == actor_a.organisation_id
    assert signal.addressee_role == "regional_coordinator"
    assert signal.severity == "warning"
    assert "§3.2" in signal.reason  # the norm's source is named
    assert signal.events.get().kind == EventKind.RAISED


def test_referral_far_ahead_raises_nothing_until_the_release_moves_closer(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    today = frozen_clock.today
    t = make(actor_a, release_date=today + days(200))
    signals_evaluate()
    assert live(t, "aftercare_referral_missing") is None
    # Early release granted: every deadline recomputes.
    trajectory_set_release(actor=actor_a, trajectory=t, certainty="known", date=today + days(60))
    signals_evaluate([t.pk])
    signal = live(t, "aftercare_referral_missing")
    assert signal is not None
    assert signal.due == today - days(30)
    assert signal.severity == "urgent"  # overdue
    # The date moves again: the same signal is updated, not duplicated.
    trajectory_set_release(actor=actor_a, trajectory=t, certainty="known", date=today + days(100))
    result = signals_evaluate([t.pk], rules=[REGISTRY["aftercare_referral_missing"]])
    assert result.updated == 1 and result.raised == 0
    signal.refresh_from_db()
    assert signal.due == today + days(10)
    assert signal.severity == "warning"


def test_estimate_is_marked(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = make(actor_a, release_certainty="estimate")
    signals_evaluate()
    signal = live(t, "aftercare_referral_missing")
    assert signal is not None and signal.facts["is_estimate"] is True


def test_sending_the_referral_resolves_the_signal(
    frozen_clock: ClockControl, actor_a: Actor, org_b: Organisation
) -> None:
    t = make(actor_a)
    signals_evaluate()
    signal = live(t, "aftercare_referral_missing")
    assert signal is not None
    send_with_consent(
        actor=actor_a,
        trajectory=t,
        receiver=org_b,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Graag nazorg.",
    )
    result = signals_evaluate([t.pk])
    assert result.resolved >= 1
    signal.refresh_from_db()
    assert signal.state == "resolved"
    assert signal.resolved_how == ResolvedHow.AUTO
    assert [e.kind for e in signal.events.all()] == [EventKind.RAISED, EventKind.RESOLVED]


def test_an_organisations_own_norm_is_used(
    frozen_clock: ClockControl, actor_a: Actor, actor_for: object
) -> None:
    from estafette.norms.services import norm_override_set

    today = frozen_clock.today
    t = make(actor_a, release_date=today + days(140))  # default: due on today + 50
    signals_evaluate()
    assert live(t, "aftercare_referral_missing") is None
    admin = actor_for(actor_a.organisation, "organisation_admin")  # type: ignore[operator]
    norm_override_set(
        actor=admin,
        code="aftercare_referral",
        params={"days_before_release": 120},
        reason="Onze gemeenten vragen vier maanden.",
    )
    signals_evaluate()
    signal = live(t, "aftercare_referral_missing")
    assert signal is not None
    assert signal.due == today + days(20)
    assert signal.facts["days"] == 120


# -- release date unknown --------------------------------------------------------------


def test_release_unknown_after_long_detention(frozen_clock: ClockControl, actor_a: Actor) -> None:
    today = frozen_clock.today
    long = make(
        actor_a, release_certainty="unknown", release_date=None, detention_start=today - days(200)
    )
    short = make(
        actor_a, release_certainty="unknown", release_date=None, detention_start=today - days(10)
    )
    signals_evaluate()
    assert live(long, "release_date_unknown") is not None
    assert live(short, "release_date_unknown") is None
    # An unknown date gives no referral deadline, so that rule stays silent.
    assert live(long, "aftercare_referral_missing") is None
    trajectory_set_release(
        actor=actor_a, trajectory=long, certainty="known", date=today + days(300)
    )
    signals_evaluate()
    assert live(long, "release_date_unknown") is None


# -- the baton in the air, and no-show -------------------------------------------------


def test_unanswered_handover_goes_to_the_receiver(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor, org_b: Organisation
) -> None:
    t = make(actor_a)
    handover = send_with_consent(
        actor=actor_a,
        trajectory=t,
        receiver=org_b,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Graag nazorg.",
        respond_by=frozen_clock.today + days(3),
    )
    signals_evaluate()
    assert live(t, "handover_unanswered") is None  # on time, nothing yet
    frozen_clock.advance(days=4)
    signals_evaluate()
    signal = live(t, "handover_unanswered")
    assert signal is not None
    assert signal.addressee_id == org_b.pk
    assert signal.addressee_role == "aftercare_coordinator"
    assert signal.due == handover.respond_by
    handover_accept(actor=actor_b, handover=handover)
    signals_evaluate()
    assert live(t, "handover_unanswered") is None


def test_no_show_goes_back_to_the_sender_until_re_engaged(
    frozen_clock: ClockControl,
    actor_a: Actor,
    actor_b: Actor,
    org_b: Organisation,
    org_c: Organisation,
) -> None:
    t = make(actor_a)
    handover = send_with_consent(
        actor=actor_a,
        trajectory=t,
        receiver=org_b,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Graag nazorg.",
    )
    handover_accept(actor=actor_b, handover=handover)  # committed: the baton passes at release
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.RETURN)
    handover_record_no_show(actor=actor_b, handover=handover, reason="Niet gekomen.")
    signals_evaluate()
    signal = live(t, "returned_no_show")
    assert signal is not None
    assert signal.addressee_id == actor_a.organisation_id
    frozen_clock.advance(hours=1)
    send_with_consent(
        actor=actor_a,
        trajectory=t,
        receiver=org_c,
        purpose=Purpose.LANDING_PLACE,
        message="Opvang gevraagd.",
    )
    signals_evaluate()
    assert live(t, "returned_no_show") is None


# -- registration, vulnerability, contact person ---------------------------------------


def test_doubtful_registration_as_release_approaches(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    doubtful = make(actor_a, registration_certainty="doubtful")
    confirmed = make(actor_a)
    far = make(
        actor_a,
        registration_certainty="unknown",
        registration_municipality=None,
        release_date=frozen_clock.today + days(400),
    )
    signals_evaluate()
    assert live(doubtful, "registration_unknown") is not None
    assert live(confirmed, "registration_unknown") is None
    assert live(far, "registration_unknown") is None


def test_vulnerable_without_support_until_someone_runs_alongside(
    frozen_clock: ClockControl, actor_a: Actor, org_c: Organisation
) -> None:
    t = make(actor_a, person=PersonFactory(addiction=True, cannot_read_write=True))
    plain = make(actor_a)
    signals_evaluate()
    signal = live(t, "vulnerable_without_support")
    assert signal is not None
    assert signal.facts == {"markers": 2}  # how many, never which (special-category data)
    assert live(plain, "vulnerable_without_support") is None
    participant_add(actor=actor_a, trajectory=t, organisation=org_c, role=ParticipantRole.OTHER)
    signals_evaluate()
    assert live(t, "vulnerable_without_support") is None


def test_no_contact_person(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = make(actor_a)
    signals_evaluate()
    assert live(t, "no_contact_person") is not None
    NetworkMember.objects.create(
        person=t.person, name="Zus", relation="sibling", is_contact_person=True
    )
    signals_evaluate()
    assert live(t, "no_contact_person") is None
    assert Signal.objects.filter(trajectory=t, rule_code="no_contact_person").count() == 1
