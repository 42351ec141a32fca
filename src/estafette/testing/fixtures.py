"""Shared fixtures a test module takes in by importing them by name.

``trajectory`` here replaces the root one (still in detention) for modules that test the
relay's general mechanics, where the baton moves on acceptance: the person has returned,
as for a referral asked for after release (guide 001 §3.2). During detention an accepted
after-care referral commits the receiver instead (the exchange zone, decision 0011,
``handovers/tests/test_exchange_zone.py``).
"""

from __future__ import annotations

from typing import cast

import pytest

from estafette.core.actor import Actor
from estafette.testing.clock import ClockControl
from estafette.testing.factories import TrajectoryFactory
from estafette.trajectories.models import Phase, Trajectory


@pytest.fixture
def trajectory(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    """A trajectory opened by ``org_a``, the person returned (release known, registered in
    Arnhem): an accepted handover passes the baton at once."""
    return cast(Trajectory, TrajectoryFactory(actor=actor_a, phase=Phase.RETURN))


def returned_trajectory(actor_a: Actor) -> Trajectory:
    """What the ``trajectory`` fixture above returns, for modules that define their own."""
    return cast(Trajectory, TrajectoryFactory(actor=actor_a, phase=Phase.RETURN))
