"""The application's clock. Code asks ``clock.now()``/``clock.today()``, never the OS.

Pure Python on purpose (no Django import): the norms and relay cores use it too.
Tests, the demo and the simulator move time with :func:`frozen` or
:func:`freeze`. A frozen clock still advances with real elapsed time, so events
recorded one after another keep their order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")

_anchor: tuple[dt.datetime, dt.datetime] | None = None  # (frozen at, real time of freezing)


def _real_now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def now() -> dt.datetime:
    """Aware UTC datetime: the real time, or the frozen time plus real time elapsed since."""
    if _anchor is None:
        return _real_now()
    frozen_at, real_then = _anchor
    return frozen_at + (_real_now() - real_then)


def today() -> dt.date:
    """The calendar date in the Netherlands (where every norm is counted)."""
    return now().astimezone(LOCAL_ZONE).date()


def freeze(at: dt.datetime | dt.date | None) -> None:
    """Set the clock to ``at`` (a date means 09:00 local time that day); ``None`` unfreezes."""
    global _anchor
    if at is None:
        _anchor = None
        return
    if not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(9, 0), tzinfo=LOCAL_ZONE)
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _anchor = (at.astimezone(dt.UTC), _real_now())


@contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[None]:
    """Run a block with the clock set to ``at``; restores the previous clock after."""
    global _anchor
    previous = _anchor
    freeze(at)
    try:
        yield
    finally:
        _anchor = previous
