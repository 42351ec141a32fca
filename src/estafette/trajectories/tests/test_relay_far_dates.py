"""The relay drawing with far dates (issue #9): never raises, stays readable, keeps the real dates.

An answer date of 9999-12-31 overflowed the axis and took the page (and its
withdraw button) down for sender and receiver; a release date of 0001-01-01
did the same from the other side. Pure, no database.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from estafette.trajectories.relay import (
    DRAW_YEARS,
    MAX_AIR_DAYS,
    RELEASE_DRAW_YEARS,
    AirSpan,
    RelayGeometry,
    Span,
    relay_geometry,
)

D = dt.date
TODAY = D(2025, 3, 3)
SPANS = [Span(1, "BB", D(2025, 1, 6), None)]


def inside(geometry: RelayGeometry) -> None:
    """Every drawn position lies on the drawing."""
    xs = [geometry.today_x]
    if geometry.release_x is not None:
        xs.append(geometry.release_x)
    for lane in geometry.lanes:
        for bar in lane.bars:
            xs += [bar.x, round(bar.x + bar.width, 2)]
    if geometry.air is not None:
        xs += [geometry.air.x, round(geometry.air.x + geometry.air.width, 2)]
    xs += [tick.x for tick in geometry.ticks]
    assert all(0 <= x <= 100 for x in xs), xs
    assert len(geometry.ticks) <= 8


def test_an_answer_date_in_9999_is_drawn_a_year_out_and_kept_in_words() -> None:
    air = AirSpan(1, 2, "Nazorg Arnhem", D(2025, 2, 24), D(9999, 12, 31))
    geometry = relay_geometry(SPANS, air, TODAY, None)
    inside(geometry)
    assert geometry.air is not None
    assert geometry.air.respond_by == D(9999, 12, 31)  # the text says the real date
    assert geometry.air.beyond
    assert geometry.end <= D(2026, 6, 1)  # the axis ends about a year out, not in 9999
    assert 0 < geometry.today_x < 100  # today stays readable on the drawing


def test_a_plausible_answer_date_is_not_beyond() -> None:
    air = AirSpan(1, 2, "Nazorg Arnhem", D(2025, 2, 24), D(2025, 3, 10))
    geometry = relay_geometry(SPANS, air, TODAY, D(2025, 6, 1))
    assert geometry.air is not None and not geometry.air.beyond
    assert not geometry.release_beyond


def test_a_release_in_year_one_or_9999_is_drawn_at_the_windows_edge() -> None:
    for release in (D(1, 1, 1), D(9999, 12, 31)):
        geometry = relay_geometry(SPANS, None, TODAY, release)
        inside(geometry)
        assert geometry.release_on == release and geometry.release_beyond
        assert D(TODAY.year - RELEASE_DRAW_YEARS - 1, 1, 1) <= geometry.start
        assert geometry.end <= D(TODAY.year + RELEASE_DRAW_YEARS + 2, 1, 1)
        assert geometry.release_x is not None
        assert geometry.release_x == 0.0 if release.year == 1 else geometry.release_x > 80
        assert geometry.today_x > 5 if release.year == 1 else geometry.today_x < 20


def test_an_answer_date_in_year_one_is_drawn_as_a_sliver() -> None:
    air = AirSpan(1, 2, "Nazorg Arnhem", D(2025, 2, 24), D(1, 1, 1))
    geometry = relay_geometry(SPANS, air, TODAY, None)
    inside(geometry)
    assert geometry.air is not None and geometry.air.respond_by == D(1, 1, 1)


far_dates = st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31))


@given(
    starts=st.lists(far_dates, min_size=1, max_size=4),
    sent=far_dates,
    respond_by=far_dates,
    release=st.one_of(st.none(), far_dates),
    today=st.dates(min_value=D(1950, 1, 1), max_value=D(2090, 12, 31)),
)
def test_no_date_breaks_the_drawing(
    starts: list[dt.date],
    sent: dt.date,
    respond_by: dt.date,
    release: dt.date | None,
    today: dt.date,
) -> None:
    spans = [Span(i % 2 + 1, f"org {i}", start, None) for i, start in enumerate(sorted(starts))]
    air = AirSpan(1, 3, "receiver", sent, respond_by)
    geometry = relay_geometry(spans, air, today, release)
    inside(geometry)
    assert geometry.air is not None
    drawn_days = (geometry.end - geometry.start).days
    assert drawn_days <= 2 * (DRAW_YEARS + 6) * 366 + MAX_AIR_DAYS
