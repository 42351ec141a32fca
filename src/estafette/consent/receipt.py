"""The consent receipt: every consent of a person on paper, in Dutch or English (WeasyPrint).

For people abroad without internet a volunteer brings the paper; it must
read on its own, in plain words, and fit A4. The PDF is made from an HTML
template and a stylesheet in this app; WeasyPrint may fetch nothing else (no
network, no files), so nothing in a person's data can make it reach out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from estafette.consent.models import Consent
from estafette.consent.presentation import consent_rows
from estafette.core import clock

RECEIPT_CSS = Path(__file__).resolve().parent / "static" / "consent" / "receipt.css"
RECEIPT_LANGUAGES = ("nl", "en")


def receipt_language(requested: str | None, fallback: str | None) -> str:
    """``requested`` if it is a receipt language, else ``fallback`` if it is, else Dutch."""
    for candidate in (requested, (fallback or "")[:2]):
        if candidate in RECEIPT_LANGUAGES:
            return str(candidate)
    return "nl"


def person_paper_language(person: Any, *, requested: str | None, active: str | None) -> str:
    """The language of a paper for ``person`` (issue 13: "in the person's language where the
    product has it"): ``requested`` (``?lang=``) if it is a receipt language; else the
    person's own language (``Person.language``) if it is; else ``active`` (the page's
    language) if it is; else Dutch."""
    if requested in RECEIPT_LANGUAGES:
        return str(requested)
    own = str(getattr(person, "language", "") or "").lower()[:2]
    return receipt_language(own or None, active)


def receipt_html(
    *,
    person: Any,
    consents: list[Consent],
    organisation: Any,
    language: str,
    fields: Mapping[int, frozenset[str]],
    today: dt.date | None = None,
) -> str:
    """The receipt's HTML, every text in ``language`` ("nl" or "en"): what goes into the PDF.

    Contract: lists every consent in ``consents`` with its purpose and state on
    ``today``, and of each only the fields in ``fields[consent.pk]`` (the reader's,
    ``access.policy.consent_fields_visible``: recipient, classes, dates, evidence …
    each under its data class); ends with a line for the person's signature. Access
    and audit are the caller's (see ``selectors.consent_list``).
    """
    today = today or clock.today()
    with translation.override(language):
        rows = consent_rows(consents, today=today, fields=fields)
        return render_to_string(
            "consent/receipt.html",
            {
                "person": person,
                "rows": rows,
                "organisation": organisation,
                "today": today,
                "language": language,
            },
        )


def receipt_pdf(
    *,
    person: Any,
    consents: list[Consent],
    organisation: Any,
    language: str,
    fields: Mapping[int, frozenset[str]],
    today: dt.date | None = None,
) -> bytes:
    """The receipt (:func:`receipt_html`) as PDF bytes."""
    html = receipt_html(
        person=person,
        consents=consents,
        organisation=organisation,
        language=language,
        fields=fields,
        today=today,
    )
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=[]))
    stylesheet = CSS(string=RECEIPT_CSS.read_text(encoding="utf-8"))
    pdf = document.write_pdf(stylesheets=[stylesheet])
    assert pdf is not None  # write_pdf() without a target returns the bytes
    return pdf
