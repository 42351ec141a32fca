"""Route, release, phase and the day of entry are detention data: the service refuses a change
by an actor who may not see them, whoever calls it (not only the page, issue 11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import pytest

from estafette.access import messages as access_messages
from estafette.core.actor import Actor
from estafette.core.errors import NotPermitted
from estafette.testing.factories import TrajectoryFactory
from estafette.testing.relay import refused
from estafette.trajectories.models import Phase, ReleaseCertainty, Route, Trajectory
from estafette.trajectories.services import (
    trajectory_change_route,
    trajectory_record_domestic_entry,
    trajectory_set_phase,
    trajectory_set_registration,
    trajectory_set_release,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

CHANGES: dict[str, Callable[[Actor, Trajectory], Any]] = {
    "route": lambda actor, t: trajectory_change_route(
        actor=actor, trajectory=t, route=Route.ABROAD_TRANSFER, transfer_law="WETS", reason="WETS"
    ),
    "release": lambda actor, t: trajectory_set_release(
        actor=actor,
        trajectory=t,
        certainty=ReleaseCertainty.KNOWN,
        date=dt.date(2025, 9, 1),
        reason="Vonnis",
    ),
    "phase": lambda actor, t: trajectory_set_phase(actor=actor, trajectory=t, phase=Phase.RETURN),
    "entry": lambda actor, t: trajectory_record_domestic_entry(
        actor=actor, trajectory=t, entered_on=dt.date(2025, 3, 1)
    ),
}


def holder_file(actor: Actor, *, with_consent: bool) -> Trajectory:
    route = Route.ABROAD_TRANSFER
    return cast(
        Trajectory,
        TrajectoryFactory(actor=actor, route=route, transfer_law="WOTS", with_consent=with_consent),
    )


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_holder_without_the_detention_class_may_not_change_detention_data(
    actor_a: Actor, change: str
) -> None:
    # A Bureau Buitenland desk has no legal basis: without a consent it sees identity only.
    trajectory = holder_file(actor_a, with_consent=False)
    with refused(trajectory, NotPermitted, access_messages.DETENTION_NOT_SHARED):
        CHANGES[change](actor_a, trajectory)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_holder_with_the_detention_class_may(actor_a: Actor, change: str) -> None:
    trajectory = holder_file(actor_a, with_consent=True)
    CHANGES[change](actor_a, trajectory)


def test_the_municipality_of_registration_is_not_detention_data(actor_a: Actor) -> None:
    """Registration is not among the detention forms: the holder records it without a consent,
    so the after-care referral can go to the right desk."""
    trajectory = holder_file(actor_a, with_consent=False)
    trajectory_set_registration(
        actor=actor_a, trajectory=trajectory, municipality=None, certainty="unknown"
    )
