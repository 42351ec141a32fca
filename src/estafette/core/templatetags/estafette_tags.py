"""Small presentation helpers shared by every page: dates, date spans, days left, labels.

Kept generic on purpose: ``core`` knows no feature app (import-linter), so
anything domain-specific is passed in by the template (see ``choice_label``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.apps import apps
from django.http import HttpRequest
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, get_language_info, ngettext
from django.utils.translation import gettext as _

from estafette.core import clock

register = template.Library()


def _short(day: dt.date, *, with_year: bool = True, with_month: bool = True) -> str:
    # Dutch writes months in lower case ("3 mrt"), English capitalises ("3 Mar").
    month = "b" if (get_language() or "nl").startswith("nl") else "M"
    fmt = "j"
    if with_month:
        fmt += f" {month}"
    if with_year:
        fmt += " Y"
    return date_format(day, fmt)


@register.filter
def short_date(value: dt.date | dt.datetime | None) -> str:
    """``3 mrt 2026`` (nl) / ``3 Mar 2026`` (en); empty for ``None``."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(clock.LOCAL_ZONE).date()
    return _short(value)


@register.filter
def month_year(value: dt.date | None) -> str:
    """``mrt 2026`` (nl) / ``Mar 2026`` (en): the labels of a time axis."""
    if value is None or value == "":
        return ""
    month = "b" if (get_language() or "nl").startswith("nl") else "M"
    return date_format(value, f"{month} Y")


@register.filter
def short_datetime(value: dt.datetime | None) -> str:
    """``3 mrt 2026 14:05`` in Dutch time; empty for ``None``."""
    if value is None or value == "":
        return ""
    local = value.astimezone(clock.LOCAL_ZONE)
    return f"{_short(local.date())} {local:%H:%M}"


@register.simple_tag
def date_span(start: dt.date | None, end: dt.date | None) -> str:
    """A window written as briefly as it reads: ``3–20 mrt 2026``, ``28 feb – 5 mrt 2026``.

    Shared parts (month, year) are written once; an open end shows the known side only.
    """
    if start is None and end is None:
        return ""
    if start is None or end is None:
        return _short(start or end)  # type: ignore[arg-type]
    if start.year != end.year:
        return f"{_short(start)} – {_short(end)}"
    if start.month != end.month:
        return f"{_short(start, with_year=False)} – {_short(end)}"
    if start.day == end.day:
        return _short(start)
    return f"{start.day}–{_short(end)}"


@register.filter
def days_from_today(value: dt.date | None) -> int | None:
    """Days from the application's today to ``value`` (negative when past)."""
    if value is None or value == "":
        return None
    return (value - clock.today()).days


@register.filter
def days_left_text(value: dt.date | None) -> str:
    """``vandaag`` / ``nog 5 dagen`` / ``3 dagen te laat``: the deadline in words, not colour."""
    days = days_from_today(value)
    if days is None:
        return ""
    if days == 0:
        return _("today")
    if days > 0:
        return ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}
    late = -days
    return ngettext("%(days)d day overdue", "%(days)d days overdue", late) % {"days": late}


@register.filter
def language_name(code: str) -> str:
    """The name of a language code in the reader's language (``nl`` → ``Nederlands``/``Dutch``).

    Falls back to the code itself for a language Django does not know.
    """
    if not code:
        return ""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


@register.filter
def user_name(user: Any) -> str:
    """How a page names a user: the full name, else the username; empty for no user.

    Write ``{{ status.recorded_by|user_name|default:"—" }}``, never
    ``{{ x.get_full_name|default:x.get_username }}``: a filter's *argument* that
    does not resolve raises (``VariableDoesNotExist``, an HTTP 500 even without
    DEBUG), and many rows are recorded by nobody — imported, or by the system.
    """
    if user is None or user == "":
        return ""
    return str(user.get_full_name() or user.get_username())


@register.filter
def choice_label(value: str, field_path: str) -> str:
    """The human label of a stored choice: ``{{ actor.role|choice_label:"app.Model.field" }}``.

    Looks the field up in the app registry so core needs no import of a feature app.
    """
    if not value:
        return ""
    app_label, model_name, field_name = field_path.split(".")
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    return str(dict(field.flatchoices).get(value, value))


@register.simple_tag
def back_url(request: HttpRequest | None, fallback: str = "caseload") -> str:
    """Where "back" goes: the page the user came from if it is ours, else ``fallback``."""
    if request is not None:
        referer = request.headers.get("Referer", "")
        if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return referer
    return reverse(fallback)
