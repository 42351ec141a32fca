"""Boundary cases of the relay rules: the day before, on, and after each deadline.

Each case moves the clock, not the data, so the same trajectory is judged on
three consecutive days. Exact dates and windows (counted from the earliest
day) are both checked; a consent withdrawn and a route changed update the
facts of a live signal instead of duplicating it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest

from estafette.consent.models import Consent
from estafette.consent.services import consent_revoke
from estafette.core.actor import Actor
from estafette.handovers.models import Purpose
from estafette.organisations.models import Organisation
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent, send_with_consent, withdrawal_heard
from estafette.testing.factories import TrajectoryFactory
from estafette.trajectories.models import Trajectory
from estafette.trajectories.services import trajectory_change_route

REFERRAL_DAYS = 90  # norm aftercare_referral (guide §3.2)
REFERRAL_LEAD = 30  # the rule warns 30 days ahead


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _release(kind: str, on: dt.date) -> dict[str, Any]:
    if kind == "window":
        return {
            "release_certainty": "window",
            "release_date": None,
            "release_earliest": on,
            "release_latest": on + days(45),
        }
    return {"release_certainty": kind, "release_date": on}


def _judge(clock: ClockControl, t: Trajectory, rule: str, day: dt.date) -> Any:
    clock.advance(days=(day - clock.today).days)
    signals_evaluate([t.pk], today=day)
    return live(t, rule)


@pytest.mark.parametrize("kind", ["known", "estimate", "window"])
def test_referral_warning_starts_on_its_lead_day_and_turns_urgent_after_the_deadline(
    frozen_clock: ClockControl, actor_a: Actor, kind: str
) -> None:
    start = frozen_clock.today
    release_on = start + days(200)
    t = cast(Trajectory, TrajectoryFactory(actor=actor_a, **_release(kind, release_on)))
    deadline = release_on - days(REFERRAL_DAYS)
    warn_from = deadline - days(REFERRAL_LEAD)

    assert _judge(frozen_clock, t, "aftercare_referral_missing", warn_from - days(1)) is None
    on_lead = _judge(frozen_clock, t, "aftercare_referral_missing", warn_from)
    assert on_lead is not None and on_lead.due == deadline and on_lead.severity == "warning"
    on_deadline = _judge(frozen_clock, t, "aftercare_referral_missing", deadline)
    assert on_deadline is not None and on_deadline.severity == "warning"
    after = _judge(frozen_clock, t, "aftercare_referral_missing", deadline + days(1))
    assert after is not None and after.severity == "urgent"
    assert after.pk == on_lead.pk  # one signal all along, updated
    assert after.facts["is_estimate"] is (kind == "estimate")
    assert (
        after.facts["basis"]
        == {
            "known": "release_date",
            "estimate": "release_estimate",
            "window": "window_earliest",
        }[kind]
    )


def test_registration_warning_boundaries(frozen_clock: ClockControl, actor_a: Actor) -> None:
    release_on = frozen_clock.today + days(200)
    t = cast(
        Trajectory,
        TrajectoryFactory(
            actor=actor_a, registration_certainty="doubtful", **_release("known", release_on)
        ),
    )
    warn_from = release_on - days(REFERRAL_DAYS + REFERRAL_LEAD)
    assert _judge(frozen_clock, t, "registration_unknown", warn_from - days(1)) is None
    assert _judge(frozen_clock, t, "registration_unknown", warn_from) is not None
    assert _judge(frozen_clock, t, "registration_unknown", warn_from + days(1)) is not None


def test_release_unknown_after_180_days_of_detention(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    start = frozen_clock.today
    t = cast(
        Trajectory,
        TrajectoryFactory(
            actor=actor_a, release_certainty="unknown", release_date=None, detention_start=start
        ),
    )
    assert _judge(frozen_clock, t, "release_date_unknown", start + days(179)) is None
    assert _judge(frozen_clock, t, "release_date_unknown", start + days(180)) is not None
    assert _judge(frozen_clock, t, "release_date_unknown", start + days(181)) is not None


def test_unanswered_handover_from_the_day_after_its_answer_date(
    frozen_clock: ClockControl, actor_a: Actor, org_b: Organisation
) -> None:
    t = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    respond_by = frozen_clock.today + days(5)
    send_with_consent(
        actor=actor_a,
        trajectory=t,
        receiver=org_b,
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Graag nazorg.",
        respond_by=respond_by,
    )
    assert _judge(frozen_clock, t, "handover_unanswered", respond_by - days(1)) is None
    assert _judge(frozen_clock, t, "handover_unanswered", respond_by) is None
    assert _judge(frozen_clock, t, "handover_unanswered", respond_by + days(1)) is not None


def test_withdrawn_after_care_consent_updates_the_reason(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    consent = give_consent(
        person=t.person, purpose_code="aftercare_referral", recipient_kind="municipal_aftercare"
    )
    signals_evaluate([t.pk])
    signal = live(t, "aftercare_referral_missing")
    assert signal is not None and signal.facts["has_consent"] is True
    consent_revoke(actor=actor_a, consent=Consent.objects.get(pk=consent.pk), **withdrawal_heard())
    result = signals_evaluate([t.pk])
    assert result.updated == 1 and result.raised == 0
    signal.refresh_from_db()
    assert signal.facts["has_consent"] is False
    assert "not recorded" in signal.reason or "niet vastgelegd" in signal.reason


def test_a_route_change_keeps_the_same_live_signal(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    """A sentence transfer granted: the referral is still due, and still one signal."""
    t = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    signals_evaluate([t.pk])
    before = live(t, "aftercare_referral_missing")
    assert before is not None
    trajectory_change_route(
        actor=actor_a, trajectory=t, route="abroad_transfer", transfer_law="WETS", reason="Ja."
    )
    signals_evaluate([t.pk])
    after = live(t, "aftercare_referral_missing")
    assert after is not None and after.pk == before.pk
