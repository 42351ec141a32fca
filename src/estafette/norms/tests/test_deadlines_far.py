"""Deadline arithmetic with far dates and huge norms (issue #9): never an OverflowError.

A release date of 0001-01-01 or a norm of 999,999,999 days gives a deadline on
the calendar's edge; the sweep and the pages keep counting. Pure, no database.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from estafette.norms import deadlines
from estafette.norms.deadlines import Release

YEAR_ONE = dt.date(1, 1, 1)
YEAR_9999 = dt.date(9999, 12, 31)
TODAY = dt.date(2025, 3, 3)


def test_ninety_days_before_a_release_in_year_one_is_the_first_day() -> None:
    deadline = deadlines.deadline_before_release(
        Release("known", date=YEAR_ONE), norm_code="aftercare_referral", days=90
    )
    assert deadline is not None
    assert deadline.date == YEAR_ONE and deadline.counted_from == YEAR_ONE
    assert deadline.is_overdue(TODAY) and deadline.is_due(TODAY, lead_days=30)


def test_a_norm_of_a_billion_days_holds_at_the_edges() -> None:
    release = Release("known", date=TODAY)
    before = deadlines.deadline_before_release(release, norm_code="x", days=999_999_999)
    after = deadlines.deadline_after_release(release, norm_code="x", days=999_999_999)
    assert before is not None and before.date == YEAR_ONE
    assert after is not None and after.date == YEAR_9999
    assert deadlines.release_cutoff(TODAY, days_before=999_999_999, lead_days=30) == YEAR_9999
    assert deadlines.entry_cutoff(TODAY, days=999_999_999, lead_days=0) == YEAR_ONE
    within = deadlines.deadline_within(YEAR_9999, norm_code="x", days=14)
    assert within is not None and within.date == YEAR_9999
    periodic = deadlines.deadline_periodic(
        last=YEAR_9999, start=None, norm_code="x", every_days=(999_999_999, 999_999_999)
    )
    assert periodic is not None and periodic.date == periodic.opens == YEAR_9999


far = st.dates(min_value=YEAR_ONE, max_value=YEAR_9999)
days = st.integers(min_value=0, max_value=10**15)


@given(anchor=far, n=days, today=far, lead=st.integers(0, 10**12))
def test_no_date_and_no_number_of_days_raises(
    anchor: dt.date, n: int, today: dt.date, lead: int
) -> None:
    for certainty in ("known", "estimate"):
        release = Release(certainty, date=anchor)
        for deadline in (
            deadlines.deadline_before_release(release, norm_code="x", days=n),
            deadlines.deadline_after_release(release, norm_code="x", days=n),
            deadlines.deadline_within(anchor, norm_code="x", days=n),
            deadlines.deadline_periodic(last=anchor, start=None, norm_code="x", every_days=(n, n)),
        ):
            assert deadline is not None
            deadline.is_due(today, lead)
            deadline.is_overdue(today)
            deadline.days_left(today)
    deadlines.release_cutoff(today, days_before=n, lead_days=lead)
    deadlines.entry_cutoff(today, days=n, lead_days=lead)
