"""The plausible range of every date and number a person, an import or an administrator enters.

One place, so a form, a service and the admin refuse with the same sentence
(issue #9, "bad input"): a release date of 0001-01-01 or a norm of a billion
days is a typo, and once stored it breaks the deadline arithmetic of every
page and of the sweep. Each range has a name, the words a refusal uses and
its reason (``why``, listed in ``docs/input-bounds.md``).

* :func:`check_date` / :func:`check_number` — for services (the API of imports
  later): raise :class:`~estafette.core.errors.InvalidInput` with the sentence.
* :func:`bound_field` — for forms: the same check as a field validator, and
  ``min``/``max`` on the input so the browser's picker already keeps inside.
* :func:`date_is_plausible` / :func:`number_is_plausible` — for values stored
  before these checks existed: pages show them as they are, with a "check this
  date" mark, and the arithmetic that uses them clamps (:mod:`core.days`).

Ranges that depend on the day are counted from ``clock.today()`` when the
check runs, and every date range lies inside :data:`FLOOR`–:data:`CEILING`.
Models carry no validators for these (a migration per change); if the
database should enforce them too, that is a CHECK constraint to add later.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.core.days import add_days, add_years
from estafette.core.errors import InvalidInput

DATE_OUT_OF_RANGE = _("%(what)s must lie between %(earliest)s and %(latest)s.")
NUMBER_OUT_OF_RANGE = _("%(what)s must be a whole number from %(low)s to %(high)s.")
CHECK_THIS_DATE = _("check this date")

FLOOR = dt.date(1900, 1, 1)
CEILING = dt.date(2100, 12, 31)
"""Nothing in a person's way back lies before 1900 or after 2100: outside is a typo."""


# ------------------------------------------------------------------ ranges


@dataclass(frozen=True)
class DateBound:
    """A date range counted from today: ``earliest(today)`` to ``latest(today)``, both included."""

    key: str
    what: str | Promise
    earliest_on: Callable[[dt.date], dt.date]
    latest_on: Callable[[dt.date], dt.date]
    why: str

    def range_on(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        today = today or clock.today()
        return max(FLOOR, self.earliest_on(today)), min(CEILING, self.latest_on(today))


@dataclass(frozen=True)
class NumberBound:
    """A whole-number range, both ends included."""

    key: str
    what: str | Promise
    low: int
    high: int
    why: str

    def clamp(self, value: int) -> int:
        return min(max(value, self.low), self.high)


def _years(n: int) -> Callable[[dt.date], dt.date]:
    return lambda today: add_years(today, n)


def _days(n: int) -> Callable[[dt.date], dt.date]:
    return lambda today: add_days(today, n)


def _fixed(day: dt.date) -> Callable[[dt.date], dt.date]:
    return lambda today: day


_today = _days(0)

ANY_DATE = DateBound(
    "any_date",
    _("The date"),
    _fixed(FLOOR),
    _fixed(CEILING),
    "Any date without a narrower range (filters, the admin, replays): nothing in a person's "
    "way back lies before 1900 or after 2100.",
)
RELEASE_DATE = DateBound(
    "release_date",
    _("A release date"),
    _years(-20),
    _years(40),
    "Release date, earliest and latest day of a release window. Back: the national history "
    "covers ten years, imported files may go back further. Ahead: the longest fixed sentences "
    "run for decades; a release further away than 40 years is recorded as unknown.",
)
DETENTION_START = DateBound(
    "detention_start",
    _("The start of detention"),
    _years(-40),
    _today,
    "Entry into detention has happened (it starts the domestic norms' clocks); forty years "
    "back covers the longest detentions.",
)
NEXT_STEP_DUE = DateBound(
    "next_step_due",
    _("The due date of the next step"),
    _years(-1),
    _years(2),
    "A next step is planned ahead; an overdue one may be saved again while it is reworded "
    "(up to a year late). Two years ahead is no longer a next step.",
)
ANSWER_DATE = DateBound(
    "answer_date",
    _("The answer date"),
    _today,
    _years(1),
    "The baton is in the air until the answer date: from today, and a handover that waits more "
    "than a year for an answer has stalled.",
)
SNOOZE_UNTIL = DateBound(
    "snooze_until",
    _("The snooze date"),
    _days(1),
    _years(1),
    "A snoozed signal comes back on that day (so at least tomorrow); hiding it longer than a "
    "year is resolving it, which needs its own reason.",
)
CONSENT_GIVEN = DateBound(
    "consent_given",
    _("The date the consent was given"),
    _years(-20),
    _today,
    "Consent has been given (not in the future); twenty years back covers imported files.",
)
CONSENT_ENDS = DateBound(
    "consent_ends",
    _("The last day of the consent"),
    _years(-20),
    _years(10),
    "An end date on or after the date given; a consent running more than ten years ahead "
    "should be asked again.",
)
CONSENT_HEARD = DateBound(
    "consent_heard",
    _("The date the verbal consent was heard"),
    _years(-20),
    _today,
    "Verbal consent has been heard (not in the future); twenty years back covers imported files.",
)
CONDITION_SINCE = DateBound(
    "condition_since",
    _("The date of the status"),
    _years(-20),
    _today,
    "A basic condition's status holds from a day that has come; twenty years back covers "
    "imported files.",
)
CONTACT_ON = DateBound(
    "contact_on",
    _("The date of the contact"),
    _years(-20),
    _today,
    "A contact is recorded once it has happened (and not before the detention started); twenty "
    "years back covers imported files.",
)
BIRTH_DATE = DateBound(
    "birth_date",
    _("The date of birth"),
    _fixed(FLOOR),
    _today,
    "Born between 1900 and today.",
)

DATE_BOUNDS: dict[str, DateBound] = {
    bound.key: bound
    for bound in (
        ANY_DATE,
        RELEASE_DATE,
        DETENTION_START,
        NEXT_STEP_DUE,
        ANSWER_DATE,
        SNOOZE_UNTIL,
        CONSENT_GIVEN,
        CONSENT_ENDS,
        CONSENT_HEARD,
        CONDITION_SINCE,
        CONTACT_ON,
        BIRTH_DATE,
    )
}

NORM_PARAMS: dict[str, NumberBound] = {
    bound.key: bound
    for bound in (
        NumberBound(
            "days_before_release",
            _("The number of days before release"),
            0,
            730,
            "The earliest preparation norm is six months before release (the booklet); two "
            "years before release no deadline means anything yet.",
        ),
        NumberBound(
            "within_days_after_release",
            _("The number of days after release"),
            0,
            365,
            "What must happen after release happens in the first year.",
        ),
        NumberBound(
            "within_days",
            _("The number of days after entry"),
            0,
            365,
            "Screening (14), D&R plan (28), informing the contact person: within the first year.",
        ),
        NumberBound(
            "every_days",
            _("The number of days between two times"),
            1,
            365,
            "A frequency: at least a day apart (0 is no frequency), at most a year.",
        ),
        NumberBound(
            "basic_per_detention",
            _("The number of visits per detention"),
            0,
            12,
            "The basic consular package is one visit per detention.",
        ),
        NumberBound(
            "extra_per_year",
            _("The number of visits a year"),
            0,
            52,
            "The extra consular package is at most four a year; weekly is the ceiling.",
        ),
        NumberBound(
            "max_periods",
            _("The number of periods"),
            1,
            12,
            "De Instap: at most three periods.",
        ),
        NumberBound(
            "period_days",
            _("The number of days per period"),
            1,
            365,
            "A period of a stay (three months at De Instap), at most a year.",
        ),
        NumberBound(
            "about_days",
            _("The number of days, about"),
            1,
            1096,
            "A buddy trajectory lasts about six months; three years at most.",
        ),
    )
}
"""The values of a norm (``Norm.params``), by parameter name: what each can mean."""

RECORD_NUMBER = NumberBound(
    "record_number",
    _("The number"),
    1,
    2**63 - 1,
    "A record's number (e.g. the trajectory number for emergency access): what the database "
    "can hold; beyond it the lookup itself would fail.",
)

ADMIN_NUMBERS: dict[str, NumberBound] = {
    "consent.consentpurpose.order": NumberBound(
        "purpose_order", _("The order"), 0, 1000, "A position in a list of a few dozen purposes."
    ),
    "otp_totp.totpdevice.digits": NumberBound(
        "totp_digits", _("The number of digits"), 6, 8, "Authenticator apps show 6 or 8 digits."
    ),
    "otp_totp.totpdevice.step": NumberBound(
        "totp_step", _("The time step"), 10, 300, "Authenticator apps use 30 seconds."
    ),
    "otp_totp.totpdevice.tolerance": NumberBound(
        "totp_tolerance",
        _("The tolerance"),
        0,
        10,
        "Codes a step or two early or late; more weakens the second factor.",
    ),
    "otp_totp.totpdevice.drift": NumberBound(
        "totp_drift", _("The drift"), -10, 10, "A phone's clock a few steps off."
    ),
    "otp_totp.totpdevice.t0": NumberBound(
        "totp_t0", _("The start time"), 0, 4_102_444_800, "Unix seconds, 1970 to 2100."
    ),
    "otp_totp.totpdevice.last_t": NumberBound(
        "totp_last_t", _("The last step used"), -1, 4_102_444_800, "A step count up to 2100."
    ),
    "otp_totp.totpdevice.throttling_failure_count": NumberBound(
        "totp_failures", _("The number of failures"), 0, 10_000, "A count of failed codes."
    ),
    "otp_static.staticdevice.throttling_failure_count": NumberBound(
        "static_failures", _("The number of failures"), 0, 10_000, "A count of failed codes."
    ),
}
"""Numbers the Django admin lets an administrator type, by ``app_label.model.field``."""


ENV_NUMBERS: dict[str, tuple[int, int, str]] = {
    "ESTAFETTE_PROXY_COUNT": (0, 5, "proxies in front of the application"),
    "ESTAFETTE_SESSION_SECONDS": (300, 7 * 86400, "five minutes to a week"),
    "ESTAFETTE_IDLE_SECONDS": (60, 86400, "a minute to a day"),
    "EMAIL_PORT": (1, 65535, "a TCP port"),
    "EMAIL_TIMEOUT": (1, 600, "seconds, at most ten minutes"),
    "ESTAFETTE_EMAIL_MAX_ATTEMPTS": (1, 100, "attempts"),
    "ESTAFETTE_EMAIL_RETRY_SECONDS": (1, 86400, "seconds, at most a day"),
    "ESTAFETTE_DIGEST_HOUR": (0, 23, "an hour of the day"),
    "ESTAFETTE_SWEEP_HOUR": (0, 23, "an hour of the day"),
    "ESTAFETTE_EARLIER_HOLDER_DAYS": (0, 3650, "days, at most ten years"),
    "ESTAFETTE_EMERGENCY_ACCESS_HOURS": (1, 72, "hours, at most three days"),
    "ESTAFETTE_EVIDENCE_MAX_BYTES": (1024, 100 * 1024 * 1024, "bytes, at most 100 MB"),
}
"""Numbers an operator sets in the environment (``core.env.config`` refuses others at start).

Plain tuples, no translation: the sentence is for the operator's log, read
before any request (and an hour of 24 or an access of a billion hours would
otherwise fail later, on a page or in the worker)."""

ENV_DATES: dict[str, DateBound] = {"ESTAFETTE_TODAY": ANY_DATE}
"""Dates an operator sets in the environment (ISO), checked by ``core.env.config``."""


# ------------------------------------------------------------------ checks


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(clock.LOCAL_ZONE).date() if value.tzinfo else value.date()
    return value


def date_is_plausible(bound: DateBound, value: Any, today: dt.date | None = None) -> bool:
    """True for ``None`` (nothing to check) and for a date inside the range."""
    if value is None or value == "":
        return True
    if not isinstance(value, dt.date):
        return False
    earliest, latest = bound.range_on(today)
    return earliest <= _as_date(value) <= latest


def number_is_plausible(bound: NumberBound, value: Any) -> bool:
    """True for ``None`` (not set) and for a whole number inside the range."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return bound.low <= value <= bound.high


def date_refusal(bound: DateBound, today: dt.date | None = None) -> dict[str, Any]:
    """The parameters of :data:`DATE_OUT_OF_RANGE` for ``bound``, dates in the reader's words."""
    earliest, latest = bound.range_on(today)
    return {
        "what": bound.what,
        "earliest": date_format(earliest, "j F Y"),
        "latest": date_format(latest, "j F Y"),
    }


def number_refusal(bound: NumberBound) -> dict[str, Any]:
    """The parameters of :data:`NUMBER_OUT_OF_RANGE` for ``bound``."""
    return {"what": bound.what, "low": bound.low, "high": bound.high}


Sentence = str | Promise | None


def _date_problem(
    bound: DateBound,
    value: Any,
    today: dt.date | None,
    too_early: Sentence,
    too_late: Sentence,
) -> tuple[str | Promise, dict[str, Any]] | None:
    """``None`` when ``value`` is inside ``bound``, else the sentence and its parameters.

    ``too_early``/``too_late``: a sentence of the caller's own for one side of
    the range ("cannot lie in the future"), which says more than the range.
    """
    if date_is_plausible(bound, value, today):
        return None
    if not isinstance(value, dt.date):
        return DATE_OUT_OF_RANGE, date_refusal(bound, today)
    earliest, _latest = bound.range_on(today)
    side = too_early if _as_date(value) < earliest else too_late
    if side is not None:
        return side, {}
    return DATE_OUT_OF_RANGE, date_refusal(bound, today)


def check_date(
    bound: DateBound,
    value: dt.date | None,
    *,
    today: dt.date | None = None,
    too_early: Sentence = None,
    too_late: Sentence = None,
) -> None:
    """Refuse (``InvalidInput``, HTTP 400) a date outside ``bound``; ``None`` passes."""
    problem = _date_problem(bound, value, today, too_early, too_late)
    if problem is not None:
        message, params = problem
        raise InvalidInput(message, **params)


def check_number(bound: NumberBound, value: int | None) -> None:
    """Refuse (``InvalidInput``, HTTP 400) a number outside ``bound``; ``None`` passes."""
    if not number_is_plausible(bound, value):
        raise InvalidInput(NUMBER_OUT_OF_RANGE, **number_refusal(bound))


# ------------------------------------------------------------------ forms


class Within:
    """A form field validator: the value lies inside ``bound``, refused with the service's words."""

    def __init__(
        self,
        bound: DateBound | NumberBound,
        *,
        too_early: Sentence = None,
        too_late: Sentence = None,
    ) -> None:
        self.bound = bound
        self.too_early = too_early
        self.too_late = too_late

    def __call__(self, value: Any) -> None:
        if isinstance(self.bound, DateBound):
            problem = _date_problem(self.bound, value, None, self.too_early, self.too_late)
            if problem is not None:
                message, params = problem
                raise ValidationError(
                    cast(Any, message), code="out_of_range", params=params or None
                )
        elif not number_is_plausible(self.bound, value):
            raise ValidationError(
                NUMBER_OUT_OF_RANGE, code="out_of_range", params=number_refusal(self.bound)
            )


def bound_field(
    field: forms.Field,
    bound: DateBound | NumberBound,
    *,
    too_early: Sentence = None,
    too_late: Sentence = None,
    attrs: bool = True,
    validate: bool = True,
) -> forms.Field:
    """Give a form field the check of ``bound`` and (``attrs``) the ``min``/``max`` of its input.

    Call it in the form's ``__init__`` (not on the class): a range counted
    from today must be counted on the day the form is shown. ``validate=False``
    only sets ``min``/``max``, for a field the form checks in ``clean()``
    (only when it is used, say).
    """
    if validate:
        field.validators.append(Within(bound, too_early=too_early, too_late=too_late))
    if not attrs:
        return field
    if isinstance(bound, DateBound):
        earliest, latest = bound.range_on()
        low, high = earliest.isoformat(), latest.isoformat()
    else:
        low, high = str(bound.low), str(bound.high)
    field.widget.attrs.update({"min": low, "max": high})
    return field


def bound_fields(
    form: forms.BaseForm, bounds: dict[str, DateBound | NumberBound], *, validate: bool = True
) -> None:
    """:func:`bound_field` for several fields of ``form`` by name."""
    for name, bound in bounds.items():
        bound_field(form.fields[name], bound, validate=validate)


def check_in_form(form: forms.BaseForm, name: str, bound: DateBound | NumberBound) -> None:
    """In a form's ``clean()``: the refusal of ``bound`` on field ``name`` if its value is out."""
    try:
        Within(bound)(form.cleaned_data.get(name))
    except ValidationError as error:
        form.add_error(name, error)


# ------------------------------------------------------------------ commands


def date_argument(bound: DateBound = ANY_DATE) -> Callable[[str], dt.date]:
    """An argparse ``type=`` for a command's date (``--today`` of a replay): ISO, inside ``bound``.

    A date outside is refused as a usage error with the range's sentence
    (``CommandError`` from ``call_command``), before the command counts from it.
    """

    def date(text: str) -> dt.date:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error
        if not date_is_plausible(bound, day):
            # An operator's command line speaks English, like its other usage errors
            # (and like the environment's checks at start-up).
            with translation.override("en"):
                raise argparse.ArgumentTypeError(str(DATE_OUT_OF_RANGE) % date_refusal(bound))
        return day

    return date
