"""Deadline arithmetic: from a release date (often uncertain) and a norm to a dated deadline.

Pure Python on purpose (no Django): the signal rules, the trajectory page and
the sweep all count the same way, and this module is unit-tested on its own.

Every :class:`Deadline` says which norm produced it and from which date it was
counted, and *why* that date (:class:`Basis`): "the earliest day of the release
window" is a different promise than "the known release date".

Conventions (one place, so every screen agrees):

* "N days before release" falls on ``anchor - N``; it is *due* on that day and
  *overdue* from the day after.
* "within N days of entry" falls on ``entry + N``.
* "every a–b days" (a periodic norm) opens ``a`` days after the last occurrence
  and falls due ``b`` days after it; with no occurrence yet it counts from the
  start of the period (entry, start of guidance).
* A window counts from its **earliest** day: release coming sooner than the
  chain was ready for is the weak link (DOMAIN.md §7).
* An estimate gives a deadline marked ``is_estimate``.
* An unknown release gives **no** deadline; :func:`release_is_unknown` is the
  flag a rule raises instead.
* The arithmetic never overflows (:func:`estafette.core.days.add_days`): a
  stored date of 0001-01-01 or a norm of a billion days gives a deadline on
  the calendar's edge, never an ``OverflowError`` in a page or the sweep. Such
  values are refused on input (:mod:`estafette.core.bounds`) and flagged where
  shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from estafette.core.days import add_days


class Certainty(StrEnum):
    """Mirrors ``trajectories.models.ReleaseCertainty`` (values are the stored strings)."""

    KNOWN = "known"
    ESTIMATE = "estimate"
    WINDOW = "window"
    UNKNOWN = "unknown"


class Basis(StrEnum):
    """Which date a deadline was counted from, and why."""

    RELEASE_DATE = "release_date"
    RELEASE_ESTIMATE = "release_estimate"
    WINDOW_EARLIEST = "window_earliest"
    ENTRY = "entry"
    LAST_OCCURRENCE = "last_occurrence"
    PERIOD_START = "period_start"

    @property
    def description(self) -> str:
        """Plain English; screens translate through ``norms.labels``."""
        return BASIS_DESCRIPTIONS[self]


BASIS_DESCRIPTIONS: dict[Basis, str] = {
    Basis.RELEASE_DATE: "the known release date",
    Basis.RELEASE_ESTIMATE: "the estimated release date",
    Basis.WINDOW_EARLIEST: "the earliest day of the release window",
    Basis.ENTRY: "the day of entry",
    Basis.LAST_OCCURRENCE: "the last time it happened",
    Basis.PERIOD_START: "the start (nothing happened yet)",
}


@dataclass(frozen=True)
class Release:
    """What is known of a release: certainty plus the dates that certainty uses."""

    certainty: Certainty | str
    date: dt.date | None = None
    earliest: dt.date | None = None
    latest: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "certainty", Certainty(self.certainty))
        if self.earliest and self.latest and self.earliest > self.latest:
            raise ValueError("release window: earliest is after latest")


@dataclass(frozen=True)
class Anchor:
    """The date to count from, why, and whether it is only an estimate."""

    date: dt.date
    basis: Basis
    is_estimate: bool = False


@dataclass(frozen=True)
class Deadline:
    """A dated deadline that names its norm and the date it was counted from."""

    date: dt.date
    norm_code: str
    counted_from: dt.date
    basis: Basis
    is_estimate: bool = False
    opens: dt.date | None = None  # periodic norms: the earliest day the next occurrence is due

    @property
    def counted_from_description(self) -> str:
        return self.basis.description

    def days_left(self, today: dt.date) -> int:
        """Days until the deadline: positive ahead, 0 on the day, negative when overdue."""
        return (self.date - today).days

    def is_overdue(self, today: dt.date) -> bool:
        return today > self.date

    def is_due(self, today: dt.date, lead_days: int = 0) -> bool:
        """True from ``lead_days`` before the deadline onwards (including overdue)."""
        return today >= add_days(self.date, -lead_days)


def release_anchor(release: Release) -> Anchor | None:
    """The day to plan towards; ``None`` when the release date is unknown (or incomplete)."""
    if release.certainty == Certainty.KNOWN and release.date:
        return Anchor(release.date, Basis.RELEASE_DATE)
    if release.certainty == Certainty.ESTIMATE and release.date:
        return Anchor(release.date, Basis.RELEASE_ESTIMATE, is_estimate=True)
    if release.certainty == Certainty.WINDOW and release.earliest:
        return Anchor(release.earliest, Basis.WINDOW_EARLIEST)
    return None


def release_is_unknown(release: Release) -> bool:
    """The flag: no date to count from, so no deadline can be given (a signal of its own)."""
    return release_anchor(release) is None


def deadline_before_release(release: Release, *, norm_code: str, days: int) -> Deadline | None:
    """Deadline for "``days`` days before release" (after-care referral 90, booklet 180)."""
    anchor = release_anchor(release)
    if anchor is None:
        return None
    return Deadline(
        date=add_days(anchor.date, -days),
        norm_code=norm_code,
        counted_from=anchor.date,
        basis=anchor.basis,
        is_estimate=anchor.is_estimate,
    )


def deadline_after_release(release: Release, *, norm_code: str, days: int) -> Deadline | None:
    """Deadline for "within ``days`` days after release" (e.g. buddy contact within 7 days)."""
    anchor = release_anchor(release)
    if anchor is None:
        return None
    return Deadline(
        date=add_days(anchor.date, days),
        norm_code=norm_code,
        counted_from=anchor.date,
        basis=anchor.basis,
        is_estimate=anchor.is_estimate,
    )


def deadline_within(entry: dt.date | None, *, norm_code: str, days: int) -> Deadline | None:
    """Deadline for "within ``days`` days of entry" (screening 14, D&R plan 28), if entry known."""
    if entry is None:
        return None
    return Deadline(
        date=add_days(entry, days),
        norm_code=norm_code,
        counted_from=entry,
        basis=Basis.ENTRY,
    )


def deadline_periodic(
    *,
    last: dt.date | None,
    start: dt.date | None,
    norm_code: str,
    every_days: tuple[int, int],
) -> Deadline | None:
    """The next occurrence of "every a–b days", from the last one (or from ``start``).

    ``opens`` is ``a`` days after the basis, ``date`` (the deadline) ``b`` days after.
    With neither a last occurrence nor a start there is nothing to count from.
    """
    low, high = every_days
    if low > high or low < 0:
        raise ValueError("every_days must be (low, high) with 0 <= low <= high")
    if last is not None:
        basis_date, basis = last, Basis.LAST_OCCURRENCE
    elif start is not None:
        basis_date, basis = start, Basis.PERIOD_START
    else:
        return None
    return Deadline(
        date=add_days(basis_date, high),
        norm_code=norm_code,
        counted_from=basis_date,
        basis=basis,
        opens=add_days(basis_date, low),
    )


def release_cutoff(today: dt.date, *, days_before: int, lead_days: int = 0) -> dt.date:
    """The latest planned release day for which "``days_before`` before release" is due today.

    A set-based query asks ``release_on <= release_cutoff(...)``: exactly the
    releases for which :meth:`Deadline.is_due` holds (tested against it).
    """
    return add_days(today, days_before + lead_days)


def entry_cutoff(today: dt.date, *, days: int, lead_days: int = 0) -> dt.date:
    """The latest entry day for which "within ``days`` of entry" is due today (see above)."""
    return add_days(today, lead_days - days)


def visits_allowed(*, package: str, per_year: int, per_detention: int, detention_days: int) -> int:
    """Consular visits a detention of ``detention_days`` may get under ``package``.

    Basic package: ``per_detention`` (one) for the whole detention; extra
    package: ``per_year`` (four) for each started year of detention.
    """
    if package == "basic":
        return per_detention
    years_started = max(1, -(-max(detention_days, 1) // 365))
    return per_year * years_started
