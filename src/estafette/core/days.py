"""Date arithmetic that never overflows: a far date gives the calendar's edge, not a 500.

Pure Python on purpose (no Django): the deadline arithmetic of the norms and
the relay drawing use it. ``datetime.date`` raises ``OverflowError`` outside
the years 1–9999 and ``timedelta`` refuses more than 999,999,999 days; a
stored date of 0001-01-01 or a norm of a billion days would otherwise break
every page and the sweep that counts from them. Values that far out are
refused at the door (:mod:`estafette.core.bounds`); these helpers keep the
values stored before that door existed from breaking anything.
"""

from __future__ import annotations

import datetime as dt

FIRST = dt.date.min
LAST = dt.date.max
_MAX_SPAN = (LAST - FIRST).days  # further than this always lands on an edge


def add_days(day: dt.date, days: int) -> dt.date:
    """``day + days`` (negative goes back), held at 0001-01-01 or 9999-12-31 past the edge."""
    if days > _MAX_SPAN:
        return LAST
    if days < -_MAX_SPAN:
        return FIRST
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return LAST if days > 0 else FIRST


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (earlier when negative); 29 February becomes the 28th."""
    year = day.year + years
    if year > LAST.year:
        return LAST
    if year < FIRST.year:
        return FIRST
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=year, day=28)


def clamp(day: dt.date, earliest: dt.date, latest: dt.date) -> dt.date:
    """``day`` held inside ``[earliest, latest]``."""
    return min(max(day, earliest), latest)
