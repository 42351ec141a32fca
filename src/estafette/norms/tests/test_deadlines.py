"""The deadline arithmetic, on its own (no database, no Django)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estafette.norms import deadlines as d

MAR_20 = dt.date(2025, 3, 20)
MAR_3 = dt.date(2025, 3, 3)


def known(on: dt.date) -> d.Release:
    return d.Release("known", date=on)


def test_known_release_counts_back_from_the_date() -> None:
    deadline = d.deadline_before_release(known(MAR_20), norm_code="aftercare_referral", days=90)
    assert deadline is not None
    assert deadline.date == dt.date(2024, 12, 20)
    assert deadline.counted_from == MAR_20
    assert deadline.basis == d.Basis.RELEASE_DATE
    assert deadline.norm_code == "aftercare_referral"
    assert deadline.is_estimate is False


def test_window_counts_from_its_earliest_day_and_says_so() -> None:
    release = d.Release("window", earliest=MAR_3, latest=MAR_20)
    deadline = d.deadline_before_release(release, norm_code="aftercare_referral", days=90)
    assert deadline is not None
    assert deadline.date == MAR_3 - dt.timedelta(days=90)
    assert deadline.counted_from == MAR_3
    assert deadline.counted_from_description == "the earliest day of the release window"
    assert deadline.is_estimate is False


def test_window_is_earlier_than_counting_from_its_latest_day() -> None:
    window = d.Release("window", earliest=MAR_3, latest=MAR_20)
    from_window = d.deadline_before_release(window, norm_code="n", days=90)
    from_latest = d.deadline_before_release(known(MAR_20), norm_code="n", days=90)
    assert from_window and from_latest and from_window.date < from_latest.date


def test_estimate_gives_a_deadline_marked_as_estimate() -> None:
    deadline = d.deadline_before_release(
        d.Release("estimate", date=MAR_20), norm_code="return_booklet", days=180
    )
    assert deadline is not None
    assert deadline.is_estimate is True
    assert deadline.basis == d.Basis.RELEASE_ESTIMATE
    assert deadline.date == MAR_20 - dt.timedelta(days=180)


@pytest.mark.parametrize(
    "release",
    [
        d.Release("unknown"),
        d.Release("known"),  # certainty without its date is as good as unknown
        d.Release("estimate"),
        d.Release("window", latest=MAR_20),
    ],
)
def test_unknown_release_gives_no_deadline_but_the_flag(release: d.Release) -> None:
    assert d.deadline_before_release(release, norm_code="n", days=90) is None
    assert d.deadline_after_release(release, norm_code="n", days=7) is None
    assert d.release_is_unknown(release) is True


def test_known_release_is_not_flagged_unknown() -> None:
    assert d.release_is_unknown(known(MAR_20)) is False


def test_window_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        d.Release("window", earliest=MAR_20, latest=MAR_3)


def test_unknown_certainty_value_is_refused() -> None:
    with pytest.raises(ValueError):
        d.Release("perhaps", date=MAR_3)


@pytest.mark.parametrize(
    ("today", "due", "overdue", "days_left"),
    [
        (dt.date(2024, 12, 19), False, False, 1),  # the day before
        (dt.date(2024, 12, 20), True, False, 0),  # on the day
        (dt.date(2024, 12, 21), True, True, -1),  # the day after
    ],
)
def test_boundaries_day_before_on_after(
    today: dt.date, due: bool, overdue: bool, days_left: int
) -> None:
    deadline = d.deadline_before_release(known(MAR_20), norm_code="n", days=90)
    assert deadline is not None
    assert deadline.is_due(today) is due
    assert deadline.is_overdue(today) is overdue
    assert deadline.days_left(today) == days_left


def test_lead_time_makes_a_deadline_due_earlier() -> None:
    deadline = d.deadline_before_release(known(MAR_20), norm_code="n", days=90)
    assert deadline is not None
    assert not deadline.is_due(dt.date(2024, 11, 19), lead_days=30)
    assert deadline.is_due(dt.date(2024, 11, 20), lead_days=30)


def test_after_release() -> None:
    deadline = d.deadline_after_release(
        known(MAR_3), norm_code="buddy_contact_after_release", days=7
    )
    assert deadline is not None
    assert deadline.date == dt.date(2025, 3, 10)
    assert deadline.counted_from == MAR_3


def test_within_days_of_entry() -> None:
    deadline = d.deadline_within(MAR_3, norm_code="domestic_screening", days=14)
    assert deadline is not None
    assert deadline.date == dt.date(2025, 3, 17)
    assert deadline.basis == d.Basis.ENTRY
    assert not deadline.is_overdue(dt.date(2025, 3, 17))
    assert deadline.is_overdue(dt.date(2025, 3, 18))
    assert d.deadline_within(None, norm_code="domestic_screening", days=14) is None


def test_periodic_from_the_last_visit() -> None:
    deadline = d.deadline_periodic(
        last=MAR_3, start=dt.date(2024, 1, 1), norm_code="volunteer_visit", every_days=(42, 56)
    )
    assert deadline is not None
    assert deadline.opens == MAR_3 + dt.timedelta(days=42)
    assert deadline.date == MAR_3 + dt.timedelta(days=56)
    assert deadline.basis == d.Basis.LAST_OCCURRENCE


def test_periodic_without_a_visit_counts_from_the_start() -> None:
    deadline = d.deadline_periodic(
        last=None, start=MAR_3, norm_code="mentor_conversation", every_days=(14, 14)
    )
    assert deadline is not None
    assert deadline.date == deadline.opens == dt.date(2025, 3, 17)
    assert deadline.basis == d.Basis.PERIOD_START


def test_periodic_with_nothing_to_count_from() -> None:
    assert d.deadline_periodic(last=None, start=None, norm_code="n", every_days=(7, 7)) is None


def test_periodic_refuses_a_reversed_range() -> None:
    with pytest.raises(ValueError):
        d.deadline_periodic(last=MAR_3, start=None, norm_code="n", every_days=(56, 42))


def test_consular_visits() -> None:
    assert d.visits_allowed(package="basic", per_year=4, per_detention=1, detention_days=900) == 1
    assert d.visits_allowed(package="extra", per_year=4, per_detention=1, detention_days=1) == 4
    assert d.visits_allowed(package="extra", per_year=4, per_detention=1, detention_days=365) == 4
    assert d.visits_allowed(package="extra", per_year=4, per_detention=1, detention_days=366) == 8


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31))


@given(today=dates, release_on=dates, days=st.integers(0, 400), lead=st.integers(0, 120))
def test_release_cutoff_agrees_with_is_due(
    today: dt.date, release_on: dt.date, days: int, lead: int
) -> None:
    """The SQL prefilter (release_on <= cutoff) selects exactly the due deadlines."""
    deadline = d.deadline_before_release(known(release_on), norm_code="n", days=days)
    assert deadline is not None
    cutoff = d.release_cutoff(today, days_before=days, lead_days=lead)
    assert (release_on <= cutoff) == deadline.is_due(today, lead)


@given(today=dates, entry=dates, days=st.integers(0, 60), lead=st.integers(0, 30))
def test_entry_cutoff_agrees_with_is_due(
    today: dt.date, entry: dt.date, days: int, lead: int
) -> None:
    deadline = d.deadline_within(entry, norm_code="n", days=days)
    assert deadline is not None
    assert (entry <= d.entry_cutoff(today, days=days, lead_days=lead)) == deadline.is_due(
        today, lead
    )


@given(earliest=dates, span=st.integers(0, 200), days=st.integers(0, 400))
def test_window_never_later_than_its_exact_equivalent(
    earliest: dt.date, span: int, days: int
) -> None:
    latest = earliest + dt.timedelta(days=span)
    window = d.deadline_before_release(
        d.Release("window", earliest=earliest, latest=latest), norm_code="n", days=days
    )
    exact = d.deadline_before_release(known(earliest), norm_code="n", days=days)
    assert window is not None and exact is not None
    assert window.date == exact.date
