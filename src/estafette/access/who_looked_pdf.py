"""Who looked at my file, on paper (WeasyPrint): the person's PDF, in the person's language.

Made as the consent receipt is (:mod:`estafette.consent.receipt`): an HTML template, the
receipt's stylesheet and fonts plus a few rules of its own, and a WeasyPrint that may
fetch nothing (no network, no files), so nothing in the data can make it reach out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from estafette.access.person_log import PDF_DAYS, log_for_paper
from estafette.consent.receipt import RECEIPT_CSS, receipt_language
from estafette.core import clock

WHO_LOOKED_CSS = Path(__file__).resolve().parent / "static" / "access" / "who_looked.css"


def paper_language(person: Any, fallback: str | None) -> str:
    """The person's language where the product has it (nl, en); else ``fallback``; else nl."""
    return receipt_language(str(person.language or "").lower()[:2] or None, fallback)


def who_looked_html(
    *, person: Any, events: Any, language: str, today: dt.date | None = None
) -> str:
    """The paper's HTML, every text in ``language``: the newest :data:`PDF_DAYS` days with
    entries of ``events`` (``selectors.access_log_for_subject``) as sentences by month.
    Access and audit are the caller's."""
    today = today or clock.today()
    with translation.override(language):
        months, more = log_for_paper(events)
        return render_to_string(
            "access/my_access_log_pdf.html",
            {
                "person": person,
                "months": months,
                "more": more,
                "days": PDF_DAYS,
                "today": today,
                "language": language,
            },
        )


def who_looked_pdf(
    *, person: Any, events: Any, language: str, today: dt.date | None = None
) -> bytes:
    """The paper (:func:`who_looked_html`) as PDF bytes."""
    html = who_looked_html(person=person, events=events, language=language, today=today)
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=[]))
    stylesheets = [
        CSS(string=RECEIPT_CSS.read_text(encoding="utf-8")),
        CSS(string=WHO_LOOKED_CSS.read_text(encoding="utf-8")),
    ]
    pdf = document.write_pdf(stylesheets=stylesheets)
    assert pdf is not None  # write_pdf() without a target returns the bytes
    return pdf
