"""Who looked at my file, for the person: organisations and dates in words (issue 13).

The person's page and PDF read the same entries as the professional access log
(``selectors.access_log_for_subject`` narrows ``selectors.person_audit_events``) and say
them as sentences — "On 3 December 2026 Bureau Buitenland Oost looked at your file." —
one per day, organisation and kind of act, newest first, under a heading per month.

Decisions (docs/portal-consents.md):

* organisations, never staff names: the organisation's name and the role the staff member
  has there (their membership now; the audit log keeps no role), in words;
* what was done in four plain kinds: looked (a view or an export), opened in an emergency,
  wrote or changed something, asked and was refused. Nothing more: the professional log's
  object words ("consent overview", "handover") are for professionals;
* bounded: a page holds :data:`DAYS_PER_PAGE` days with entries; the PDF the newest
  :data:`PDF_DAYS` such days, and says so when there are more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from estafette.core import clock
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Membership, Role

DAYS_PER_PAGE = 30
"""Days with entries on one page of the person's log."""
PDF_DAYS = 366
"""Days with entries on the PDF (the newest); more are left out, and the paper says so."""

LOOKED = "looked"
EMERGENCY = "emergency"
WROTE = "wrote"
REFUSED = "refused"

KIND_OF_ACT = {
    AuditAction.VIEW.value: LOOKED,
    AuditAction.EXPORT.value: LOOKED,
    AuditAction.EMERGENCY.value: EMERGENCY,
    AuditAction.CREATE.value: WROTE,
    AuditAction.CHANGE.value: WROTE,
    AuditAction.TRANSITION.value: WROTE,
    AuditAction.DENIED.value: REFUSED,
}
"""The plain kind of each audit action; an action not named here is not shown."""

ORDER = (EMERGENCY, LOOKED, WROTE, REFUSED)

SENTENCES = {
    EMERGENCY: gettext_lazy("On %(date)s %(who)s opened your file in an emergency."),
    LOOKED: gettext_lazy("On %(date)s %(who)s looked at your file."),
    WROTE: gettext_lazy("On %(date)s %(who)s wrote or changed something in your file."),
    REFUSED: gettext_lazy(
        "On %(date)s %(who)s asked to see something in your file, but was not allowed."
    ),
}

CONTACT_PERSON = gettext_lazy("your contact person")
ADMINISTRATOR = gettext_lazy("an administrator of Estafette")


def long_date(day: dt.date) -> str:
    """``3 December 2026`` / ``3 december 2026``: the date in words, in the active language."""
    return date_format(day, "j F Y")


@dataclass
class Line:
    """One sentence: who did one kind of act on one day."""

    day: dt.date
    who: str
    roles: list[str]
    act: str
    last: dt.datetime

    @property
    def who_in_words(self) -> str:
        if not self.roles:
            return self.who
        return f"{self.who} ({', '.join(self.roles)})"

    @property
    def sentence(self) -> str:
        return str(SENTENCES[self.act]) % {"date": long_date(self.day), "who": self.who_in_words}


@dataclass
class Month:
    """The lines of one calendar month, newest first."""

    first_day: dt.date
    lines: list[Line] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return date_format(self.first_day, "F Y")


def _days(events: QuerySet[AuditEvent]) -> QuerySet[Any]:
    """The local calendar days with entries, newest first (one value each)."""
    return (
        events.annotate(day=TruncDate("at", tzinfo=clock.LOCAL_ZONE))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
        .order_by("-day")
    )


def _lines(events: QuerySet[AuditEvent], days: Iterable[dt.date]) -> list[Line]:
    """The sentences of ``days``: one query, grouped by day, organisation, role and action."""
    days = list(days)
    if not days:
        return []
    role = (
        Membership.objects.filter(
            user_id=OuterRef("user_id"), organisation_id=OuterRef("organisation_id")
        )
        .order_by("-is_active", "id")
        .values("role")[:1]
    )
    rows = (
        events.annotate(day=TruncDate("at", tzinfo=clock.LOCAL_ZONE), role=Subquery(role))
        .filter(day__in=days)
        .order_by()
        .values("day", "organisation_id", "organisation__name", "user_id", "role", "action")
        .annotate(n=Count("id"), last=Max("at"))
    )
    grouped: dict[tuple[dt.date, str, str], Line] = {}
    for row in rows:
        act = KIND_OF_ACT.get(row["action"])
        if act is None:
            continue
        if row["organisation_id"] is not None:
            who = str(row["organisation__name"])
        elif row["user_id"] is not None:
            who = str(ADMINISTRATOR)
        else:
            who = str(CONTACT_PERSON)
        key = (row["day"], who, act)
        line = grouped.get(key)
        if line is None:
            line = grouped[key] = Line(row["day"], who, [], act, row["last"])
        line.last = max(line.last, row["last"])
        if row["role"] in Role.values:
            label = str(Role(row["role"]).label)
            if label not in line.roles:
                line.roles.append(label)
    lines = list(grouped.values())
    latest: dict[tuple[dt.date, str], dt.datetime] = {}
    for line in lines:
        line.roles.sort()
        key2 = (line.day, line.who)
        latest[key2] = max(latest.get(key2, line.last), line.last)
    # Newest day first; within a day the organisation seen most recently first, its
    # sentences together in the order of ORDER.
    lines.sort(
        key=lambda line: (line.day, latest[(line.day, line.who)], line.who, -ORDER.index(line.act)),
        reverse=True,
    )
    return lines


def by_month(lines: Iterable[Line]) -> list[Month]:
    """``lines`` (newest first) under a heading per month, newest month first."""
    months: dict[dt.date, Month] = {}
    for line in lines:
        first = line.day.replace(day=1)
        months.setdefault(first, Month(first)).lines.append(line)
    return list(months.values())


def log_page(events: QuerySet[AuditEvent], page: Any) -> tuple[Page, list[Month]]:
    """One page of :data:`DAYS_PER_PAGE` days with entries, as months of sentences.

    Three queries whatever the number of entries: the count of days, the page's days,
    and their entries grouped.
    """
    page_obj = Paginator(_days(events), DAYS_PER_PAGE).get_page(page)
    return page_obj, by_month(_lines(events, page_obj.object_list))


def log_for_paper(events: QuerySet[AuditEvent]) -> tuple[list[Month], bool]:
    """The newest :data:`PDF_DAYS` days with entries as months; True when older days exist."""
    days = list(_days(events)[: PDF_DAYS + 1])
    more = len(days) > PDF_DAYS
    return by_month(_lines(events, days[:PDF_DAYS])), more
