"""Helpers for tests of the input bounds (``core/bounds.py``): a range's edges, the sentence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation
from django.utils.html import escape

from estafette.core import bounds
from estafette.core.days import add_days
from estafette.core.models import AuditAction, AuditEvent

EDGES = ("earliest", "before earliest", "latest", "after latest")
"""The four cases of a range test: both ends are accepted, one day beyond either is refused."""


def edge(bound: bounds.DateBound, which: str, today: dt.date) -> tuple[dt.date, bool]:
    """The date of edge ``which`` (one of :data:`EDGES`) and whether it must be accepted."""
    earliest, latest = bound.range_on(today)
    return {
        "earliest": (earliest, True),
        "before earliest": (add_days(earliest, -1), False),
        "latest": (latest, True),
        "after latest": (add_days(latest, 1), False),
    }[which]


def date_sentence(bound: bounds.DateBound, today: dt.date, language: str = "nl") -> str:
    """The refusal a reader of ``language`` sees for ``bound``, escaped as in the HTML."""
    with translation.override(language):
        params = bounds.date_refusal(bound, today)
        return escape(str(bounds.DATE_OUT_OF_RANGE) % {k: str(v) for k, v in params.items()})


def number_sentence(bound: bounds.NumberBound, language: str = "nl") -> str:
    """The refusal a reader of ``language`` sees for ``bound``, escaped as in the HTML."""
    with translation.override(language):
        params: dict[str, Any] = bounds.number_refusal(bound)
        return escape(str(bounds.NUMBER_OUT_OF_RANGE) % {k: str(v) for k, v in params.items()})


def audited_changes() -> int:
    """Audit entries that record a change (a refused form page still audits its *view*, and a
    refused change its refusal: ``denied``)."""
    return AuditEvent.objects.exclude(action__in=[AuditAction.VIEW, AuditAction.DENIED]).count()


def nl_sentence(message: Any) -> str:
    """A sentence constant as a reader of Dutch sees it in the HTML."""
    with translation.override("nl"):
        return escape(str(message))
