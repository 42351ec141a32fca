"""The relay drawing's geometry: a pure function, tested without a database."""

from __future__ import annotations

import datetime as dt

from estafette.trajectories.relay import (
    MIN_BAR_PERCENT,
    MIN_SPAN_DAYS,
    AirSpan,
    Span,
    relay_geometry,
)

D = dt.date


def test_one_runner_runs_until_today_with_room_ahead() -> None:
    geometry = relay_geometry([Span(1, "BB", D(2025, 1, 1), None)], None, D(2025, 3, 1), None)

    assert geometry.start == D(2025, 1, 1)
    assert geometry.end > D(2025, 3, 1)  # a margin of road ahead
    (lane,) = geometry.lanes
    (bar,) = lane.bars
    assert bar.x == 0
    assert bar.current
    assert round(bar.x + bar.width, 2) == geometry.today_x
    assert 0 < geometry.today_x < 100
    assert geometry.release_x is None
    assert geometry.air is None


def test_lanes_follow_first_appearance_and_a_returned_baton_keeps_its_lane() -> None:
    spans = [
        Span(1, "BB", D(2025, 1, 1), D(2025, 2, 1)),
        Span(2, "Arnhem", D(2025, 2, 1), D(2025, 2, 20)),
        Span(1, "BB", D(2025, 2, 20), None),  # back after a no-show
    ]
    geometry = relay_geometry(spans, None, D(2025, 3, 1), None)

    assert [lane.runner for lane in geometry.lanes] == ["BB", "Arnhem"]
    bb, arnhem = geometry.lanes
    assert len(bb.bars) == 2
    assert len(arnhem.bars) == 1
    assert bb.bars[0].x + bb.bars[0].width == arnhem.bars[0].x  # the hand-off is seamless
    assert [bar.current for bar in bb.bars] == [False, True]
    assert bb.bar_y < arnhem.bar_y


def test_pending_receiver_gets_a_lane_and_the_air_links_both_lanes() -> None:
    spans = [Span(1, "BB", D(2025, 1, 1), None)]
    air = AirSpan(1, 2, "Arnhem", D(2025, 2, 20), D(2025, 3, 6))
    geometry = relay_geometry(spans, air, D(2025, 3, 1), None)

    assert [lane.runner for lane in geometry.lanes] == ["BB", "Arnhem"]
    assert geometry.lanes[1].bars == ()
    assert geometry.air is not None
    assert geometry.air.sender_lane.runner == "BB"
    assert geometry.air.receiver_lane.runner == "Arnhem"
    assert geometry.end > air.respond_by  # the answer date is on the drawing
    assert geometry.air.x < geometry.today_x < geometry.air.x + geometry.air.width


def test_release_extends_the_axis_both_ways() -> None:
    later = relay_geometry([Span(1, "BB", D(2025, 1, 1), None)], None, D(2025, 3, 1), D(2025, 9, 1))
    assert later.end > D(2025, 9, 1)
    assert later.today_x < later.release_x  # type: ignore[operator]

    earlier = relay_geometry(
        [Span(1, "Arnhem", D(2025, 1, 1), None)], None, D(2025, 3, 1), D(2024, 12, 1)
    )
    assert earlier.start == D(2024, 12, 1)
    assert earlier.release_x == 0


def test_every_position_stays_inside_the_drawing() -> None:
    spans = [
        Span(1, "A", D(2025, 1, 1), D(2025, 1, 1)),  # handed on the day it was opened
        Span(2, "B", D(2025, 1, 1), None),
    ]
    geometry = relay_geometry(
        spans, AirSpan(2, 3, "C", D(2025, 1, 2), D(2025, 1, 2)), D(2025, 1, 2), None
    )

    for lane in geometry.lanes:
        for bar in lane.bars:
            assert 0 <= bar.x <= 100
            assert bar.width >= MIN_BAR_PERCENT
            assert bar.x + bar.width <= 100.0001
    assert geometry.air is not None
    assert geometry.air.x + geometry.air.width <= 100.0001
    assert (geometry.end - geometry.start).days >= MIN_SPAN_DAYS


def test_ticks_are_month_starts_thinned_to_a_readable_number() -> None:
    geometry = relay_geometry([Span(1, "BB", D(2022, 1, 15), None)], None, D(2025, 3, 1), None)

    assert 0 < len(geometry.ticks) <= 8
    assert all(tick.day.day == 1 for tick in geometry.ticks)
    assert [tick.x for tick in geometry.ticks] == sorted(tick.x for tick in geometry.ticks)
    assert [tick.odd for tick in geometry.ticks[:3]] == [False, True, False]


def test_no_stretches_still_draws_an_axis_around_today() -> None:
    geometry = relay_geometry([], None, D(2025, 3, 1), None)

    assert geometry.lanes == ()
    assert geometry.start == D(2025, 3, 1)
    assert geometry.height > 0
