"""The injected clock: frozen time, and 'today' counted in the Netherlands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from estafette.core import clock

UTC = dt.UTC
AMSTERDAM = clock.LOCAL_ZONE


@pytest.fixture(autouse=True)
def _restore_clock() -> Iterator[None]:
    """Tests here call freeze() directly; put the clock back as it was afterwards."""
    previous = clock._anchor
    yield
    clock._anchor = previous


def test_frozen_sets_now_to_the_given_moment_and_keeps_it_aware_utc() -> None:
    at = dt.datetime(2025, 3, 3, 14, 0, tzinfo=UTC)
    with clock.frozen(at):
        now = clock.now()
    assert now >= at
    assert now - at < dt.timedelta(minutes=1)
    assert now.tzinfo is not None
    assert now.utcoffset() == dt.timedelta(0)


def test_a_frozen_date_means_nine_oclock_in_amsterdam() -> None:
    with clock.frozen(dt.date(2025, 3, 3)):
        local = clock.now().astimezone(AMSTERDAM)
        assert clock.today() == dt.date(2025, 3, 3)
    assert (local.date(), local.hour) == (dt.date(2025, 3, 3), 9)


def test_frozen_time_still_moves_forward_so_events_keep_their_order() -> None:
    with clock.frozen(dt.date(2025, 3, 3)):
        first = clock.now()
        second = clock.now()
    assert first <= second


def test_frozen_restores_the_previous_clock_also_when_nested_and_on_error() -> None:
    with clock.frozen(dt.date(2025, 1, 1)):
        with pytest.raises(RuntimeError), clock.frozen(dt.date(2030, 6, 1)):
            assert clock.today() == dt.date(2030, 6, 1)
            raise RuntimeError("leave the block early")
        assert clock.today() == dt.date(2025, 1, 1)


def test_freeze_then_freeze_none_returns_to_real_time() -> None:
    clock.freeze(dt.date(2001, 9, 1))
    assert clock.today() == dt.date(2001, 9, 1)
    clock.freeze(None)
    before = dt.datetime.now(tz=UTC)
    now = clock.now()
    after = dt.datetime.now(tz=UTC)
    assert before <= now <= after


def test_freeze_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        clock.freeze(dt.datetime(2025, 3, 3, 9, 0))


@pytest.mark.parametrize(
    ("utc_moment", "dutch_date"),
    [
        # winter time (CET, UTC+1): 23:30 UTC is already the next day in Amsterdam
        (dt.datetime(2025, 1, 15, 23, 30, tzinfo=UTC), dt.date(2025, 1, 16)),
        (dt.datetime(2025, 1, 15, 22, 59, tzinfo=UTC), dt.date(2025, 1, 15)),
        # summer time (CEST, UTC+2): 22:30 UTC is already the next day
        (dt.datetime(2025, 6, 30, 22, 30, tzinfo=UTC), dt.date(2025, 7, 1)),
        (dt.datetime(2025, 6, 30, 21, 30, tzinfo=UTC), dt.date(2025, 6, 30)),
        # New Year's Eve: the Dutch year turns an hour before the UTC year
        (dt.datetime(2025, 12, 31, 23, 15, tzinfo=UTC), dt.date(2026, 1, 1)),
        # the night the clocks go forward (30 March 2025, 01:00 UTC)
        (dt.datetime(2025, 3, 29, 23, 30, tzinfo=UTC), dt.date(2025, 3, 30)),
    ],
)
def test_today_is_the_date_in_the_netherlands_not_in_utc(
    utc_moment: dt.datetime, dutch_date: dt.date
) -> None:
    with clock.frozen(utc_moment):
        assert clock.today() == dutch_date


def test_a_frozen_moment_given_in_another_zone_is_the_same_instant() -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    with clock.frozen(dt.datetime(2025, 3, 4, 7, 30, tzinfo=tokyo)):  # 22:30 UTC on 3 March
        assert clock.today() == dt.date(2025, 3, 3)
        assert clock.now().astimezone(UTC).date() == dt.date(2025, 3, 3)
