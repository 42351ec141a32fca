"""The person's own pages on paper (issue 13): one PDF to bring into a prison without internet.

The printout holds what the person sees on their own pages, in the person's language where
the product has it (decision 0020): their race (:func:`portal.race.race_for`, as the person
sees it), their plan (own words, their steps, proposals and their answers), their consents
in plain words, and a short "who looked at my file" (the last :data:`WHO_LOOKED_MONTHS`
months, at most :data:`WHO_LOOKED_LINES` lines). Large type, black on white, page numbers,
the date of printing, and "printed by <organisation>" when a professional printed it.

It is made as the consent receipt is (:mod:`estafette.consent.receipt`): an HTML template,
the receipt's stylesheet plus ``portal/css/printout.css``, and a WeasyPrint that may fetch
nothing (no network, no files), so nothing in the data can make it reach out.

Contract:

* :func:`printout_for_person` — the person themself (a :class:`Subject` of kind person; a
  contact person is refused with 404, audited: contact persons have no printout).
* :func:`printout_for_actor` — a professional or volunteer who may hand the person a paper
  sign-in code on this trajectory (:func:`portal.codes.paper_code_choices`: a role that
  meets the person, a part in the trajectory, the identity class), and only from the
  person's running file (the trajectory the race shows). Else :class:`NotPermitted`,
  audited. The file itself must be one the actor may open (the caller's
  ``trajectory_get``: 404 otherwise).
* Both write **one** audit entry for the whole paper: an ``export`` of ``portal.printout``
  with the person's id and the parts printed (``sections``), never their content. The
  professional's entry names the actor and the trajectory, so the person reads it in
  "who looked at my file"; the person's own is left out there, as all their own visits.
* Never on the paper: the offence, notes, the trajectory's ``next_step`` text, anything an
  organisation wrote for colleagues — the builders it reuses never read them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from estafette.access.person_log import Month, log_for_paper
from estafette.access.selectors import access_log_for_subject
from estafette.consent.models import CONSENT_STATE_LABELS, Consent
from estafette.consent.receipt import RECEIPT_CSS
from estafette.consent.rules import ConsentState
from estafette.consent.selectors import my_consents
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation
from estafette.people.models import Person
from estafette.personal_plan.selectors import Plan, own_plan_get
from estafette.portal.codes import paper_code_choices
from estafette.portal.race import Race, race_for
from estafette.portal.subject import Subject, SubjectKind, subject_audit
from estafette.trajectories.models import Trajectory

PRINTOUT_CSS = Path(__file__).resolve().parent / "static" / "portal" / "css" / "printout.css"
PRINTOUT_OBJECT = "portal.printout"
"""The audit log's ``object_type`` for a printout (``object_id``: the person)."""

WHO_LOOKED_MONTHS = 3
"""How far back the paper's "who looked at my file" goes (in months of about 31 days)."""
WHO_LOOKED_LINES = 40
"""At most this many sentences of "who looked at my file" on paper (the newest)."""

SECTIONS: tuple[str, ...] = ("race", "plan", "consents", "who_looked")
"""The parts of the paper, in the order it shows them (named in the audit entry)."""

NOT_FOR_THIS_PERSON = gettext_lazy(
    "You cannot print the person's own pages. Only someone who works with the person on "
    "this file can."
)
NOT_THE_RUNNING_FILE = gettext_lazy(
    "You can print the person's own pages only from the file that is running now."
)

IN_FORCE_STATES = frozenset({ConsentState.ACTIVE, ConsentState.NOT_YET})


@dataclass(frozen=True)
class ConsentLine:
    """One consent as the person reads it on paper: what, to whom, when, its state."""

    consent: Consent
    state: ConsentState

    @property
    def state_label(self) -> str:
        return str(CONSENT_STATE_LABELS[self.state])


@dataclass(frozen=True)
class Printout:
    """Everything the paper shows, already in the person's words and cut to their pages."""

    person: Person
    language: str
    today: dt.date
    race: Race
    plan: Plan
    consents_in_force: tuple[ConsentLine, ...]
    consents_past: tuple[ConsentLine, ...]
    who_looked: tuple[Month, ...]
    who_looked_more: bool
    printed_by: Organisation | None = None

    @property
    def today_words(self) -> str:
        with translation.override(self.language):
            return date_format(self.today, "j F Y")

    @property
    def first_name(self) -> str:
        return self.person.given_names.split(" ")[0] if self.person.given_names else ""


def _the_person(person: Person) -> Subject:
    return Subject(kind=SubjectKind.PERSON, person=person)


def _who_looked(events: QuerySet[AuditEvent], today: dt.date) -> tuple[tuple[Month, ...], bool]:
    """The newest sentences of the last months; True when older or more entries exist."""
    since = dt.datetime.combine(
        today - dt.timedelta(days=31 * WHO_LOOKED_MONTHS), dt.time.min, tzinfo=clock.LOCAL_ZONE
    )
    months, more = log_for_paper(events.filter(at__gte=since))
    kept: list[Month] = []
    left = WHO_LOOKED_LINES
    for month in months:
        if left <= 0:
            more = True
            break
        if len(month.lines) > left:
            more = True
        kept.append(Month(month.first_day, month.lines[:left]))
        left -= len(kept[-1].lines)
    more = more or events.filter(at__lt=since).exists()
    return tuple(kept), more


def _build(*, person: Person, language: str, printed_by: Organisation | None) -> Printout:
    """The paper's content for ``person`` in ``language``; reads without auditing — every
    caller writes one entry for the whole paper. The person's own view of each page."""
    subject = _the_person(person)
    today = clock.today()
    with translation.override(language):
        race = race_for(subject=subject, audit=False)
        plan = own_plan_get(subject=subject, audit=False)
        consents = [
            ConsentLine(consent, consent.state_on(today))
            for consent in my_consents(subject=subject, audit=False)
        ]
        who_looked, more = _who_looked(access_log_for_subject(subject=subject, audit=False), today)
    return Printout(
        person=person,
        language=language,
        today=today,
        race=race,
        plan=plan,
        consents_in_force=tuple(c for c in consents if c.state in IN_FORCE_STATES),
        consents_past=tuple(c for c in consents if c.state not in IN_FORCE_STATES),
        who_looked=who_looked,
        who_looked_more=more,
        printed_by=printed_by,
    )


def printout_for_person(*, subject: Subject, language: str) -> Printout:
    """The person's own printout, printed by themself; audited as their export.

    A contact person: 404, audited (contact persons have no printout).
    """
    if not subject.is_person:
        subject_audit(
            subject, AuditAction.DENIED, object_type=PRINTOUT_OBJECT, object_id=subject.person.pk
        )
        raise Http404
    printout = _build(person=subject.person, language=language, printed_by=None)
    subject_audit(
        subject,
        AuditAction.EXPORT,
        object_type=PRINTOUT_OBJECT,
        object_id=subject.person.pk,
        sections=[*SECTIONS, *(f"race.{s}" for s in printout.race.sections)],
        language=language,
    )
    return printout


def printout_for_actor(*, actor: Actor, trajectory: Trajectory, language: str) -> Printout:
    """The person's printout, printed by a professional or volunteer to hand over on paper.

    Contract: ``trajectory`` is one the actor may open (the caller's ``trajectory_get``).
    The actor must be one who may hand the person a paper sign-in code on it (role, part,
    identity class) and the trajectory must be the person's running one (the race the
    paper shows); else :class:`NotPermitted`, audited. Audited as the actor's export of
    the person's own pages (``portal.printout``, the person's id, the trajectory).
    """
    person = trajectory.person
    may = any(choice.kind == SubjectKind.PERSON for choice in paper_code_choices(actor, trajectory))
    if not may:
        _refuse(actor, trajectory, "may_not_hand_code")
        raise NotPermitted(NOT_FOR_THIS_PERSON)
    printout = _build(person=person, language=language, printed_by=actor.organisation)
    if printout.race.trajectory_id != trajectory.pk:
        # The race the paper shows is the person's running file; printing it from another
        # (closed) file would show that file's organisations to this one.
        _refuse(actor, trajectory, "not_the_running_file")
        raise NotPermitted(NOT_THE_RUNNING_FILE)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=PRINTOUT_OBJECT,
        object_id=person.pk,
        person_id=person.pk,
        trajectory_id=trajectory.pk,
        sections=[*SECTIONS, *(f"race.{s}" for s in printout.race.sections)],
        language=language,
    )
    return printout


def _refuse(actor: Actor, trajectory: Trajectory, reason: str) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.DENIED,
        object_type=PRINTOUT_OBJECT,
        object_id=trajectory.person_id,
        person_id=trajectory.person_id,
        trajectory_id=trajectory.pk,
        reason=reason,
    )


# --- On paper ----------------------------------------------------------------------------


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + escaped.replace("\n", " ") + '"'


def _page_numbers_css(language: str) -> SafeString:
    """``content:`` of the page-number box, in ``language``: "Page 2 of 5" / "Pagina 2 van 5"."""
    marker_page, marker_pages = "\x00PAGE\x00", "\x00PAGES\x00"
    with translation.override(language):
        sentence = _("Page %(page)s of %(pages)s") % {"page": marker_page, "pages": marker_pages}
    parts: list[str] = []
    for i, chunk in enumerate(sentence.split(marker_page)):
        if i:
            parts.append("counter(page)")
        for j, piece in enumerate(chunk.split(marker_pages)):
            if j:
                parts.append("counter(pages)")
            if piece:
                parts.append(_css_string(piece))
    # Safe: CSS strings built here, quotes, backslashes and "<" escaped (no "</style>").
    return mark_safe(" ".join(parts))


def printout_html(printout: Printout) -> str:
    """The paper's HTML, every text in the printout's language."""
    with translation.override(printout.language):
        return render_to_string(
            "portal/printout.html",
            {
                "p": printout,
                "race": printout.race,
                "plan": printout.plan,
                "page_numbers": _page_numbers_css(printout.language),
                "who_looked_lines": WHO_LOOKED_LINES,
                "who_looked_months": WHO_LOOKED_MONTHS,
            },
        )


def printout_pdf(printout: Printout) -> bytes:
    """The paper (:func:`printout_html`) as PDF bytes; WeasyPrint fetches nothing."""
    document = HTML(string=printout_html(printout), url_fetcher=URLFetcher(allowed_protocols=[]))
    stylesheets = [
        CSS(string=RECEIPT_CSS.read_text(encoding="utf-8")),
        CSS(string=PRINTOUT_CSS.read_text(encoding="utf-8")),
    ]
    pdf = document.write_pdf(stylesheets=stylesheets)
    assert pdf is not None  # write_pdf() without a target returns the bytes
    return pdf
