"""Geometry of the relay drawing: one lane per runner on a time axis, in percentages.

Pure Python, no Django: the trajectory page turns stretches into :class:`Span`
values and draws what :func:`relay_geometry` returns as inline SVG (x and
width as percentages of the drawing's width, so the figure stretches to any
screen without distorting its text). Unit-tested in ``tests/test_relay.py``.

The axis runs from the earliest thing to draw (a stretch start, the sending of
the pending handover, the planned release) to the latest of today, the planned
release and the pending handover's answer date, plus a margin — so "today"
and "release" are always on the drawing, with some road left ahead.

Far dates are drawn at the edge of a window, never counted with: a stored
answer date of 9999-12-31 or a release date of 0001-01-01 (typos from before
input was bounded, see ``core/bounds.py``) would overflow the calendar or
squash every bar into a sliver. Each date is drawn inside :data:`DRAW_YEARS`
around today, the release inside :data:`RELEASE_DRAW_YEARS`, and the baton in
the air at most :data:`MAX_AIR_DAYS` after it was sent; the geometry keeps the
real dates (``Air.respond_by``, ``RelayGeometry.release_on``,
``Bar.start``/``end``) for the text, and says which were drawn short
(``Air.beyond``, ``RelayGeometry.release_beyond``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from estafette.core.days import add_days, add_years, clamp

MIN_SPAN_DAYS = 42
"""A trajectory opened yesterday still gets an axis of six weeks, so bars have a readable width."""
MIN_MARGIN_DAYS = 14
MARGIN_SHARE = 0.08
"""Road ahead after the last date: 8% of the span, at least two weeks."""
MIN_BAR_PERCENT = 0.8
"""A stretch that lasted less than a day is still drawn as a visible sliver."""
MAX_TICKS = 8
DRAW_YEARS = 50
"""Dates are drawn at most fifty years before or after today (the input bounds are narrower)."""
RELEASE_DRAW_YEARS = 10
"""The release marker is drawn at most ten years from today: a release further away (a typo
like year 1, or a very long sentence) sits at the drawing's edge with its real date, instead
of stretching the axis until every bar is a sliver."""
MAX_AIR_DAYS = 366
"""The answer date is at most a year after sending (``bounds.ANSWER_DATE``); drawn no further."""

# Pixel layout (vertical only; horizontal positions are percentages).
TOP = 40  # room for the "today" and "release" labels, on two rows so they never collide
TODAY_LABEL_Y = 13
RELEASE_LABEL_Y = 29
LANE_HEIGHT = 46
LABEL_BASELINE = 14  # organisation name, above its bar
BAR_OFFSET = 20
BAR_HEIGHT = 16
AXIS_HEIGHT = 30


@dataclass(frozen=True)
class Span:
    """One stretch as the drawing needs it: who ran, from which day, until which day."""

    runner_id: int
    runner: str
    start: dt.date
    end: dt.date | None  # None: still running, i.e. the current holder


@dataclass(frozen=True)
class AirSpan:
    """The pending handover: the baton in the air from sender to receiver."""

    sender_id: int
    receiver_id: int
    receiver: str
    sent: dt.date
    respond_by: dt.date


@dataclass(frozen=True)
class PreparingSpan:
    """A committed receiver (decision 0011): preparing from acceptance until the release."""

    receiver_id: int
    receiver: str
    since: dt.date
    until: dt.date  # the planned release, or today when it is unknown or has passed


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    start: dt.date
    end: dt.date | None
    current: bool


@dataclass(frozen=True)
class Lane:
    runner_id: int
    runner: str
    index: int
    bars: tuple[Bar, ...]

    @property
    def label_y(self) -> int:
        return TOP + self.index * LANE_HEIGHT + LABEL_BASELINE

    @property
    def bar_y(self) -> int:
        return TOP + self.index * LANE_HEIGHT + BAR_OFFSET

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT

    @property
    def bar_middle(self) -> int:
        return self.bar_y + BAR_HEIGHT // 2


@dataclass(frozen=True)
class Air:
    """The in-the-air segment: a dashed bar on the receiver's lane until the answer date,
    linked at the sending day to the sender's lane."""

    sender_lane: Lane
    receiver_lane: Lane
    x: float
    width: float
    sent: dt.date
    respond_by: dt.date
    beyond: bool = False  # the real answer date lies past the drawn end of the segment


@dataclass(frozen=True)
class Preparing:
    """The preparing segment: a light bar on the committed receiver's lane, beside the
    holder's own bar, from acceptance until the release (the exchange zone)."""

    lane: Lane
    x: float
    width: float
    since: dt.date
    until: dt.date


@dataclass(frozen=True)
class Tick:
    day: dt.date
    x: float
    odd: bool


@dataclass(frozen=True)
class RelayGeometry:
    start: dt.date
    end: dt.date
    lanes: tuple[Lane, ...]
    today: dt.date
    today_x: float
    release_on: dt.date | None
    release_x: float | None
    air: Air | None
    ticks: tuple[Tick, ...]
    release_beyond: bool = False  # the real release date lies outside the drawn window
    preparing: Preparing | None = None

    @property
    def lanes_bottom(self) -> int:
        return TOP + len(self.lanes) * LANE_HEIGHT

    @property
    def height(self) -> int:
        return self.lanes_bottom + AXIS_HEIGHT

    @property
    def top(self) -> int:
        return TOP

    @property
    def today_label_y(self) -> int:
        return TODAY_LABEL_Y

    @property
    def release_label_y(self) -> int:
        return RELEASE_LABEL_Y

    @property
    def tick_label_y(self) -> int:
        return self.lanes_bottom + 18


def _axis(
    spans: Sequence[Span], air: AirSpan | None, today: dt.date, release_on: dt.date | None
) -> tuple[dt.date, dt.date]:
    """1. Collect every date that must be visible; 2. add the margin; 3. widen a too-short axis."""
    starts = [s.start for s in spans]
    ends = [today]
    if air is not None:
        starts.append(air.sent)
        ends.append(air.respond_by)
    if release_on is not None:
        starts.append(release_on)
        ends.append(release_on)
    start = min(starts) if starts else today
    last = max(ends)
    margin = max(MIN_MARGIN_DAYS, math.ceil((last - start).days * MARGIN_SHARE))
    end = add_days(last, margin)
    if (end - start).days < MIN_SPAN_DAYS:
        end = add_days(start, MIN_SPAN_DAYS)
    return start, end


def _ticks(start: dt.date, end: dt.date, percent: Callable[[dt.date], float]) -> tuple[Tick, ...]:
    """First days of months inside the axis, thinned to at most :data:`MAX_TICKS`."""
    months: list[dt.date] = []
    day = dt.date(start.year, start.month, 1)
    while day <= end:
        if day > start:
            months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    step = max(1, math.ceil(len(months) / MAX_TICKS))
    chosen = months[::step]
    return tuple(Tick(day=m, x=percent(m), odd=bool(i % 2)) for i, m in enumerate(chosen))


def relay_geometry(
    spans: Sequence[Span],
    air: AirSpan | None,
    today: dt.date,
    release_on: dt.date | None,
    preparing: PreparingSpan | None = None,
) -> RelayGeometry:
    """Lay out the relay: lanes in order of each runner's first stretch, bars in percentages.

    Contract: every ``x`` and ``x + width`` lies within [0, 100]; a runner who
    held the baton twice (it came back after a no-show) keeps one lane with two
    bars; a receiver who never held the baton gets a lane of its own for the
    in-the-air segment; so does a committed receiver for its preparing segment
    (``preparing``, drawn beside the holder's bar until the release); open stretches
    run until ``today``. Whatever the dates, it never raises: far ones are drawn at
    the window's edge (module docstring).
    """
    window = (add_years(today, -DRAW_YEARS), add_years(today, DRAW_YEARS))

    def drawn(day: dt.date) -> dt.date:
        return clamp(day, *window)

    drawn_spans = [
        Span(s.runner_id, s.runner, drawn(s.start), drawn(s.end) if s.end is not None else None)
        for s in spans
    ]
    drawn_air = None
    if air is not None:
        sent = drawn(air.sent)
        answer = drawn(min(air.respond_by, add_days(sent, MAX_AIR_DAYS)))
        drawn_air = AirSpan(air.sender_id, air.receiver_id, air.receiver, sent, answer)
    release_window = (add_years(today, -RELEASE_DRAW_YEARS), add_years(today, RELEASE_DRAW_YEARS))
    drawn_release = clamp(release_on, *release_window) if release_on is not None else None
    drawn_prep = None
    if preparing is not None:
        since = drawn(preparing.since)
        drawn_prep = PreparingSpan(
            preparing.receiver_id, preparing.receiver, since, max(since, drawn(preparing.until))
        )
        drawn_spans_axis = [*drawn_spans, Span(0, "", since, drawn_prep.until)]
    else:
        drawn_spans_axis = drawn_spans
    start, end = _axis(drawn_spans_axis, drawn_air, today, drawn_release)
    total = (end - start).days

    def percent(day: dt.date) -> float:
        return round(min(100.0, max(0.0, (day - start).days / total * 100)), 2)

    order: list[tuple[int, str]] = []
    bars: dict[int, list[Bar]] = {}
    for real, span in sorted(zip(spans, drawn_spans, strict=True), key=lambda p: p[1].start):
        if span.runner_id not in bars:
            order.append((span.runner_id, span.runner))
            bars[span.runner_id] = []
        finish = span.end if span.end is not None else today
        finish = max(finish, span.start)
        x = percent(span.start)
        width = max(MIN_BAR_PERCENT, round(percent(finish) - x, 2))
        x = min(x, round(100 - width, 2))
        bars[span.runner_id].append(
            Bar(x=x, width=width, start=real.start, end=real.end, current=real.end is None)
        )
    if air is not None and air.receiver_id not in bars:
        order.append((air.receiver_id, air.receiver))
        bars[air.receiver_id] = []
    if preparing is not None and preparing.receiver_id not in bars:
        order.append((preparing.receiver_id, preparing.receiver))
        bars[preparing.receiver_id] = []
    lanes = tuple(
        Lane(runner_id=rid, runner=name, index=i, bars=tuple(bars[rid]))
        for i, (rid, name) in enumerate(order)
    )
    by_id = {lane.runner_id: lane for lane in lanes}
    air_geometry = None
    if air is not None and drawn_air is not None and air.sender_id in by_id:
        x = percent(drawn_air.sent)
        width = max(
            MIN_BAR_PERCENT, round(percent(max(drawn_air.respond_by, drawn_air.sent)) - x, 2)
        )
        air_geometry = Air(
            sender_lane=by_id[air.sender_id],
            receiver_lane=by_id[air.receiver_id],
            x=min(x, round(100 - width, 2)),
            width=width,
            sent=air.sent,
            respond_by=air.respond_by,
            beyond=drawn_air.respond_by != air.respond_by,
        )
    prep_geometry = None
    if preparing is not None and drawn_prep is not None:
        x = percent(drawn_prep.since)
        width = max(MIN_BAR_PERCENT, round(percent(drawn_prep.until) - x, 2))
        prep_geometry = Preparing(
            lane=by_id[preparing.receiver_id],
            x=min(x, round(100 - width, 2)),
            width=width,
            since=preparing.since,
            until=preparing.until,
        )
    return RelayGeometry(
        start=start,
        end=end,
        lanes=lanes,
        today=today,
        today_x=percent(today),
        release_on=release_on,
        release_x=percent(drawn_release) if drawn_release is not None else None,
        air=air_geometry,
        ticks=_ticks(start, end, percent),
        release_beyond=drawn_release != release_on,
        preparing=prep_geometry,
    )
