"""A handle on the application's clock for tests (the ``frozen_clock`` fixture yields one)."""

from __future__ import annotations

import datetime as dt

from estafette.core import clock


class ClockControl:
    """Move the application's clock from a test; the fixture restores it when the test ends."""

    def __init__(self, start: dt.date) -> None:
        self.start = start

    @property
    def today(self) -> dt.date:
        return clock.today()

    def now(self) -> dt.datetime:
        return clock.now()

    def set(self, at: dt.date | dt.datetime) -> None:
        clock.freeze(at)

    def advance(self, *, days: int = 0, hours: int = 0) -> None:
        clock.freeze(clock.now() + dt.timedelta(days=days, hours=hours))
