"""The pure date rules: in force from given_on through ends_on; a withdrawal counts that day."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from estafette.consent.rules import ConsentState, consent_state, is_effective

D = dt.date(2025, 6, 30)


def test_in_force_through_the_end_date_inclusive() -> None:
    start = dt.date(2025, 1, 1)
    assert is_effective(given_on=start, ends_on=D, revoked_on=None, on=D - dt.timedelta(days=1))
    assert is_effective(given_on=start, ends_on=D, revoked_on=None, on=D)
    assert not is_effective(given_on=start, ends_on=D, revoked_on=None, on=D + dt.timedelta(1))
    assert (
        consent_state(given_on=start, ends_on=D, revoked_on=None, on=D + dt.timedelta(1))
        == ConsentState.ENDED
    )


def test_not_yet_before_the_given_date() -> None:
    assert (
        consent_state(given_on=D, ends_on=None, revoked_on=None, on=D - dt.timedelta(1))
        == ConsentState.NOT_YET
    )


def test_withdrawal_counts_for_the_whole_day_and_not_before() -> None:
    start = dt.date(2025, 1, 1)
    assert not is_effective(given_on=start, ends_on=None, revoked_on=D, on=D)
    assert is_effective(given_on=start, ends_on=None, revoked_on=D, on=D - dt.timedelta(1))
    assert consent_state(given_on=start, ends_on=None, revoked_on=D, on=D) == ConsentState.WITHDRAWN


def test_withdrawn_after_it_ended_reads_as_ended() -> None:
    start = dt.date(2025, 1, 1)
    state = consent_state(
        given_on=start, ends_on=dt.date(2025, 3, 1), revoked_on=D, on=D + dt.timedelta(1)
    )
    assert state == ConsentState.ENDED


dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31))


@given(given_on=dates, ends_on=st.none() | dates, revoked_on=st.none() | dates, on=dates)
def test_a_withdrawn_consent_never_shares_on_or_after_the_day(
    given_on: dt.date, ends_on: dt.date | None, revoked_on: dt.date | None, on: dt.date
) -> None:
    effective = is_effective(given_on=given_on, ends_on=ends_on, revoked_on=revoked_on, on=on)
    if revoked_on is not None and on >= revoked_on:
        assert not effective
    if ends_on is not None and on > ends_on:
        assert not effective
    if on < given_on:
        assert not effective
    if effective:
        assert given_on <= on and (ends_on is None or on <= ends_on)
