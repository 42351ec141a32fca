"""Property: when the cause of a signal is taken away, the next evaluation closes that signal.

For every relay rule there is a *cure*: the act a user would take (send the
referral, confirm the municipality, record the release date, name a contact
person, add someone who runs alongside). Whatever mix of facts hypothesis
builds, curing a live signal's cause resolves it automatically, and only that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from estafette.core.actor import Actor
from estafette.handovers.models import Purpose
from estafette.organisations.models import Organisation
from estafette.people.models import NetworkMember
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import ResolvedHow, Signal
from estafette.signals.tests.test_sweep import build, trajectory_specs
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import municipality
from estafette.trajectories.models import ParticipantRole, Trajectory
from estafette.trajectories.services import (
    participant_add,
    trajectory_set_registration,
    trajectory_set_release,
)

Cure = Callable[[Actor, Trajectory, dict[str, Organisation]], None]


def _send_referral(actor: Actor, t: Trajectory, orgs: dict[str, Organisation]) -> None:
    send_with_consent(
        actor=actor,
        trajectory=t,
        receiver=orgs["aftercare"],
        purpose=Purpose.AFTERCARE_REFERRAL,
        message="Graag nazorg.",
    )


def _confirm_registration(actor: Actor, t: Trajectory, orgs: dict[str, Organisation]) -> None:
    trajectory_set_registration(
        actor=actor, trajectory=t, municipality=municipality("GM0202"), certainty="confirmed"
    )


def _record_release(actor: Actor, t: Trajectory, orgs: dict[str, Organisation]) -> None:
    far = t.detention_start or dt.date(2025, 3, 3)
    trajectory_set_release(
        actor=actor, trajectory=t, certainty="known", date=far + dt.timedelta(days=3650)
    )


def _name_contact_person(actor: Actor, t: Trajectory, orgs: dict[str, Organisation]) -> None:
    NetworkMember.objects.create(
        person=t.person, name="Moeder", relation="parent", is_contact_person=True
    )


def _add_volunteer(actor: Actor, t: Trajectory, orgs: dict[str, Organisation]) -> None:
    participant_add(
        actor=actor,
        trajectory=t,
        organisation=orgs["volunteers"],
        role=ParticipantRole.VISITING_VOLUNTEER,
    )


CURES: dict[str, Cure] = {
    "aftercare_referral_missing": _send_referral,
    "registration_unknown": _confirm_registration,
    "release_date_unknown": _record_release,
    "no_contact_person": _name_contact_person,
    "vulnerable_without_support": _add_volunteer,
}


@hsettings(max_examples=12, deadline=None)
@given(specs=trajectory_specs, data=st.data())
def test_curing_the_cause_closes_the_signal(
    frozen_clock: ClockControl,
    actor_a: Actor,
    org_b: Organisation,
    org_c: Organisation,
    specs: list[dict[str, Any]],
    data: st.DataObject,
) -> None:
    orgs = {"aftercare": org_b, "volunteers": org_c}
    trajectories = [build(actor_a, spec, frozen_clock.today) for spec in specs]
    signals_evaluate()
    cured: list[Signal] = []
    for trajectory in trajectories:
        live = Signal.objects.filter(trajectory=trajectory, rule_code__in=CURES).exclude(
            state="resolved"
        )
        for signal in live:
            if data.draw(st.booleans(), label=f"cure {signal.rule_code}"):
                CURES[signal.rule_code](actor_a, Trajectory.objects.get(pk=trajectory.pk), orgs)
                cured.append(signal)
    event(f"cured {min(len(cured), 3)}+ signals")
    signals_evaluate()
    for signal in cured:
        signal.refresh_from_db()
        assert signal.state == "resolved", signal.rule_code
        assert signal.resolved_how == ResolvedHow.AUTO
