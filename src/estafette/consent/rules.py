"""When a consent is in force: pure date logic, no Django (unit-tested on its own).

Decisions, written down once:

* A consent is in force **from** ``given_on`` **through** ``ends_on``, both days
  included. "Until 30 June" on a signed form means the person agreed to 30 June
  too; the day after, nothing more is shared.
* A withdrawal takes effect at once: on the day it is recorded the consent no
  longer counts, whatever the hour. Asking "was it in force on an earlier
  day?" still answers yes for the days before, so the record of what was
  shared then stays explainable.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class ConsentState(StrEnum):
    """Where a consent stands on a given day."""

    NOT_YET = "not_yet"  # given_on lies after the day asked about
    ACTIVE = "active"
    ENDED = "ended"  # past its end date
    WITHDRAWN = "withdrawn"  # revoked on or before the day asked about


def consent_state(
    *,
    given_on: dt.date,
    ends_on: dt.date | None,
    revoked_on: dt.date | None,
    on: dt.date,
) -> ConsentState:
    """The state on day ``on``. Withdrawal wins over an end date that passed later."""
    if revoked_on is not None and revoked_on <= on:
        if ends_on is not None and ends_on < revoked_on:
            return ConsentState.ENDED  # it had already ended when it was withdrawn
        return ConsentState.WITHDRAWN
    if on < given_on:
        return ConsentState.NOT_YET
    if ends_on is not None and on > ends_on:
        return ConsentState.ENDED
    return ConsentState.ACTIVE


def is_effective(
    *,
    given_on: dt.date,
    ends_on: dt.date | None,
    revoked_on: dt.date | None,
    on: dt.date,
) -> bool:
    """True when the consent may be relied on for sharing on day ``on``."""
    return (
        consent_state(given_on=given_on, ends_on=ends_on, revoked_on=revoked_on, on=on)
        == ConsentState.ACTIVE
    )
