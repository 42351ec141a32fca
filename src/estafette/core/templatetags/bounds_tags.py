"""The "check this date" mark beside a stored value outside its plausible range.

Values entered before the ranges of :mod:`estafette.core.bounds` were checked
may be typos (a release on 0001-01-01, an answer date in 9999). Pages show
them as they are, and this mark asks whoever can correct them to do so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds, clock

register = template.Library()

CHECK_DATE_WHY = _("outside %(earliest)s – %(latest)s, possibly a typo: correct it if you can")


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(clock.LOCAL_ZONE).date() if value.tzinfo else value.date()
    return value if isinstance(value, dt.date) else None


@register.simple_tag
def check_date(value: Any, bound_key: str, counted_from: Any = None) -> SafeString | str:
    """The mark when ``value`` lies outside the range ``bound_key`` of :data:`bounds.DATE_BOUNDS`.

    ``counted_from``: the day the range is counted from, when not today (an
    answer date counts from the day the handover was sent). Nothing for a
    value inside the range or for no value.
    """
    bound = bounds.DATE_BOUNDS[bound_key]
    today = _day(counted_from)
    if bounds.date_is_plausible(bound, value, today):
        return ""
    params = bounds.date_refusal(bound, today)
    why = CHECK_DATE_WHY % {"earliest": params["earliest"], "latest": params["latest"]}
    return format_html(
        ' <span class="badge badge--soon check-date">{}<span class="visually-hidden">: {}</span>'
        "</span>",
        bounds.CHECK_THIS_DATE,
        why,
    )
