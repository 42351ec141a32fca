"""The timeline's words for a change of a person's details or network (issue 12).

Renderers in the shape of :data:`trajectories.timeline.RENDERERS` (which takes them in):
each reads the codes :mod:`people.services` stored in ``TrajectoryEvent.data`` and writes
the line in the reader's language. Who may read a line at all is the policy's
(:data:`access.policy.EVENT_KIND_CLASSES`). ``data`` per kind:

* ``person_changed``, ``person_health_changed``: ``fields`` (names of the person's fields,
  or ``["identifiers"]`` with ``identifier``, a kind code, and ``action``: added/removed);
* ``network_changed``: ``action`` (added, changed, removed, contact_person,
  no_contact_person), ``name`` (as typed), ``relation`` (a :class:`Relation` code);
* ``home_front_message`` (portal.home_front): ``by`` ("contact_person"), ``member_id``,
  ``text`` (the contact person's message, written for the professionals);
* ``home_front_child``: ``by``, ``member_id``, ``child_id``, ``name`` (first name as typed),
  ``birth_year`` (or null), ``cared_for_by`` (as typed).

Never a value: the line says *what* changed, the page shows what it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from estafette.people.identifiers import IdentifierKind
from estafette.people.models import Person, Relation
from estafette.trajectories.models import EventKind, TrajectoryEvent


def _field_label(name: str) -> str:
    if name == "identifiers":
        return _("identifiers")
    return str(getattr(Person._meta.get_field(name), "verbose_name", name))


def _person_changed(event: TrajectoryEvent, names: Any) -> str:
    data = event.data
    if "identifier" in data:
        label = str(IdentifierKind(data["identifier"]).label)
        if data["action"] == "added":
            return _("%(kind)s added") % {"kind": label}
        if data["action"] == "removed":
            return _("%(kind)s removed") % {"kind": label}
        raise ValueError(data["action"])
    return ", ".join(_field_label(name) for name in data["fields"])


def _network_changed(event: TrajectoryEvent, names: Any) -> str:
    data = event.data
    who = f"{data['name']} ({Relation(data['relation']).label})"
    lines = {
        "added": _("%(who)s added"),
        "changed": _("%(who)s corrected"),
        "removed": _("%(who)s removed"),
        "contact_person": _("%(who)s is the contact person"),
        "no_contact_person": _("%(who)s is no longer the contact person"),
    }
    return lines[data["action"]] % {"who": who}


def _home_front_message(event: TrajectoryEvent, names: Any) -> str:
    # The contact person's own words, written for the professionals (portal.home_front).
    return str(event.data["text"])


def _home_front_child(event: TrajectoryEvent, names: Any) -> str:
    data = event.data
    line = _("%(name)s (child) added by the contact person") % {"name": data["name"]}
    if data.get("birth_year"):
        line += ", " + _("born in %(year)s") % {"year": data["birth_year"]}
    if data.get("cared_for_by"):
        line += ", " + _("cared for by: %(who)s") % {"who": data["cared_for_by"]}
    return line


PEOPLE_RENDERERS: dict[str, Callable[[TrajectoryEvent, Any], str]] = {
    EventKind.PERSON_CHANGED: _person_changed,
    EventKind.PERSON_HEALTH_CHANGED: _person_changed,
    EventKind.NETWORK_CHANGED: _network_changed,
    EventKind.HOME_FRONT_MESSAGE: _home_front_message,
    EventKind.HOME_FRONT_CHILD: _home_front_child,
}
