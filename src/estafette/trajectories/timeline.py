"""The timeline's words: each line is rendered in the reader's language when it is shown.

Contract for writers (every caller of :func:`trajectories.services.event_record`, and
the bulk demo, which writes events directly): a timeline line stores *codes* — choice
codes, ids of organisations and municipalities, ISO dates (``YYYY-MM-DD``) — in
``TrajectoryEvent.data``, never words or formatted dates. ``summary`` holds at most
what no reader's language changes (names, text a person typed): it is the fallback for
rows written before issue 10 and what an administrator sees in the raw table.

Contract for readers: :func:`event_texts` turns events into the lines the reader sees,
in the active language, with dates written by the project's date filters
(:func:`core.templatetags.estafette_tags.short_date` and ``date_span``). Names of
organisations and municipalities are read in at most two queries for any number of
events, and none for the names the caller passes in. A row whose ``data`` this module
does not understand (an older row, a kind without a renderer, a code no longer known)
shows its stored ``summary``, with any ISO date in it written in the reader's format.

Need-to-know is not decided here: the caller renders only the events whose line the
reader may see (:data:`access.policy.EVENT_KIND_CLASSES`).

``data`` per kind, as the services write it:

* ``opened``: ``route`` (the line names the opener, ``event.organisation``);
* ``route_changed``, ``phase_changed``: ``old``, ``new`` (:class:`Route`/:class:`Phase` codes);
* ``release_changed``: ``certainty``, ``date``, ``earliest``, ``latest`` (ISO or null);
* ``registration_changed``: ``certainty``, ``municipality`` (id or null);
* ``next_step``: ``step`` (the typed text), ``due`` (ISO or null);
* ``participant_added``: ``runner`` (organisation id), ``role``;
* the handover kinds (:data:`HANDOVER_KINDS`): ``handover``, ``sender``, ``receiver``
  (organisation ids), and ``committed`` on an accept that waits for the release;
* ``outcome_seen``: ``handover``, ``state`` (a handover state code);
* ``domestic_entry``: ``entered_on`` (ISO or null);
* ``intake``: ``intake`` (an intake kind code), ``bare_fact_only`` (true when the person
  did not consent to registration: the line says that only the bare fact is kept);
* ``assigned``, ``assignment_ended``: ``assignment`` (id), ``part`` (an
  :class:`AssignmentKind` code), ``runner`` (the worker's organisation id); the summary
  holds the worker's name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from estafette.core.templatetags.estafette_tags import date_span, short_date
from estafette.handovers.models import HandoverState
from estafette.organisations.models import Municipality, Organisation
from estafette.people.timeline import PEOPLE_RENDERERS
from estafette.trajectories.models import (
    AssignmentKind,
    EventKind,
    ParticipantRole,
    Phase,
    RegistrationCertainty,
    ReleaseCertainty,
    Route,
    TrajectoryEvent,
)

ORGANISATION_KEYS = ("sender", "receiver", "runner")
"""Keys of ``data`` that hold an organisation's id."""

HANDOVER_KINDS: frozenset[str] = frozenset(
    {
        EventKind.HANDOVER_SENT,
        EventKind.HANDOVER_ACCEPTED,
        EventKind.HANDOVER_DECLINED,
        EventKind.HANDOVER_WITHDRAWN,
        EventKind.HANDOVER_EXPIRED,
        EventKind.TAKEN_UP,
        EventKind.NO_SHOW,
        "baton_passed_at_release",
    }
)
"""Lines about one handover: "sender → receiver"."""

_ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@dataclass
class Names:
    """Names of the organisations and municipalities the lines refer to, by id."""

    organisations: dict[int, str] = field(default_factory=dict)
    municipalities: dict[int, str] = field(default_factory=dict)


def names_for(
    events: Iterable[TrajectoryEvent],
    *,
    organisations: Mapping[int, str] | None = None,
    municipalities: Mapping[int, str] | None = None,
) -> Names:
    """The names ``events`` refer to: those given, the rest in one query per table (or none)."""
    names = Names(dict(organisations or {}), dict(municipalities or {}))
    org_ids: set[int] = set()
    municipality_ids: set[int] = set()
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        org_ids.update(v for k in ORGANISATION_KEYS if isinstance(v := data.get(k), int))
        if event.kind == EventKind.REGISTRATION_CHANGED and isinstance(
            v := data.get("municipality"), int
        ):
            municipality_ids.add(v)
    if missing := org_ids - names.organisations.keys():
        names.organisations.update(
            Organisation.objects.filter(pk__in=missing).values_list("pk", "name")
        )
    if missing := municipality_ids - names.municipalities.keys():
        names.municipalities.update(
            Municipality.objects.filter(pk__in=missing).values_list("pk", "common_name")
        )
    return names


def _day(value: object) -> dt.date | None:
    """An ISO date of ``data`` as a date; ``None`` stays ``None`` (a bad value raises)."""
    if value is None:
        return None
    return dt.date.fromisoformat(str(value))


def _arrow(old: object, new: object) -> str:
    return f"{old} → {new}"


# ------------------------------------------------------------------ one renderer per kind
# Each reads ``event.data`` and returns the line; a missing key or unknown code raises
# (KeyError/ValueError), and the line falls back to the stored summary.


def _opened(event: TrajectoryEvent, names: Names) -> str:
    if event.organisation is None:
        raise KeyError("organisation")
    return event.organisation.name


def _route_changed(event: TrajectoryEvent, names: Names) -> str:
    return _arrow(Route(event.data["old"]).label, Route(event.data["new"]).label)


def _phase_changed(event: TrajectoryEvent, names: Names) -> str:
    return _arrow(Phase(event.data["old"]).label, Phase(event.data["new"]).label)


def _release_changed(event: TrajectoryEvent, names: Names) -> str:
    data = event.data
    label = str(ReleaseCertainty(data["certainty"]).label)
    if "date" in data or "earliest" in data:
        date, earliest, latest = (_day(data.get(k)) for k in ("date", "earliest", "latest"))
    else:  # a row from before issue 10: the certainty is a code, the dates are in the summary
        days = [dt.date.fromisoformat(d) for d in _ISO_DAY.findall(event.summary)]
        date = days[0] if len(days) == 1 else None
        earliest, latest = (days[0], days[1]) if len(days) == 2 else (None, None)
    when = date_span(earliest, latest) if earliest and latest else short_date(date)
    return f"{label}: {when}" if when else label


def _registration_changed(event: TrajectoryEvent, names: Names) -> str:
    label = RegistrationCertainty(event.data["certainty"]).label
    municipality = event.data["municipality"]
    if municipality is None:
        return str(label)
    return f"{names.municipalities[municipality]} ({label})"


def _next_step(event: TrajectoryEvent, names: Names) -> str:
    step, due = event.data["step"], _day(event.data.get("due"))
    return f"{step} ({short_date(due)})" if due else step


def _participant_added(event: TrajectoryEvent, names: Names) -> str:
    runner = names.organisations[event.data["runner"]]
    return f"{runner} ({ParticipantRole(event.data['role']).label})"


def _handover(event: TrajectoryEvent, names: Names) -> str:
    line = _arrow(
        names.organisations[event.data["sender"]], names.organisations[event.data["receiver"]]
    )
    if event.data.get("committed"):
        # Accepted during detention: the receiver prepares, the baton passes at release.
        line += " — " + _("takes the baton at release")
    return line


def _outcome_seen(event: TrajectoryEvent, names: Names) -> str:
    return str(HandoverState(event.data["state"]).label)


def _domestic_entry(event: TrajectoryEvent, names: Names) -> str:
    entered_on = _day(event.data["entered_on"])
    return short_date(entered_on) if entered_on else _("date removed")


def _assignment(event: TrajectoryEvent, names: Names) -> str:
    kind = AssignmentKind(event.data["part"]).label
    runner = names.organisations[event.data["runner"]]
    return f"{event.summary} ({kind}, {runner})"


def _intake(event: TrajectoryEvent, names: Names) -> str:
    # The intake's own record (intake.models.Intake) keeps the rest; the file's reader
    # must see at once when the person did not consent to more than the bare fact.
    if event.data.get("bare_fact_only"):
        return _("no consent to registration: only who, where and since when are kept")
    return ""


Renderer = Callable[[TrajectoryEvent, Names], str]

RENDERERS: dict[str, Renderer] = {
    EventKind.OPENED: _opened,
    EventKind.ROUTE_CHANGED: _route_changed,
    EventKind.PHASE_CHANGED: _phase_changed,
    EventKind.RELEASE_CHANGED: _release_changed,
    EventKind.REGISTRATION_CHANGED: _registration_changed,
    EventKind.NEXT_STEP: _next_step,
    EventKind.PARTICIPANT_ADDED: _participant_added,
    EventKind.OUTCOME_SEEN: _outcome_seen,
    "domestic_entry": _domestic_entry,
    EventKind.ASSIGNED: _assignment,
    EventKind.ASSIGNMENT_ENDED: _assignment,
    EventKind.INTAKE: _intake,
    **{kind: _handover for kind in HANDOVER_KINDS},
    **PEOPLE_RENDERERS,  # a person's details and network (people.timeline)
}
"""Kind → the function that writes its line from ``data``."""


def legacy_text(summary: str) -> str:
    """A stored summary as shown today: its ISO dates in the reader's format, the rest as is."""

    def day(match: re.Match[str]) -> str:
        try:
            return short_date(dt.date.fromisoformat(match.group()))
        except ValueError:
            return match.group()

    return _ISO_DAY.sub(day, summary)


def event_text(event: TrajectoryEvent, names: Names) -> str:
    """The line of ``event`` in the active language ("" when there is nothing to add)."""
    renderer = RENDERERS.get(event.kind)
    if renderer is not None and isinstance(event.data, dict):
        try:
            return str(renderer(event, names))
        except (LookupError, ValueError, TypeError):
            pass  # an older row, or a code no longer known: show what was stored
    return legacy_text(event.summary)


def event_texts(
    events: Sequence[TrajectoryEvent],
    *,
    organisations: Mapping[int, str] | None = None,
    municipalities: Mapping[int, str] | None = None,
) -> list[str]:
    """The lines of ``events`` in order, in the active language; at most two queries.

    ``organisations`` and ``municipalities`` (id → name) are names the caller has read
    already; only the others are looked up. Read ``event.organisation`` with the events
    (``select_related``) to keep "opened" free of queries.
    """
    names = names_for(events, organisations=organisations, municipalities=municipalities)
    return [event_text(event, names) for event in events]
