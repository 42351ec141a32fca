"""Changing a signal by hand: acknowledge, snooze, resolve. Each audited, each in the history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.signals.lifecycle import move_for
from estafette.signals.models import EventKind, ResolvedHow, Signal, SignalEvent

NOT_ADDRESSED_TO_YOU = _("This signal is addressed to another organisation.")
NOT_ALLOWED_NOW = _("A signal that is “%(state)s” cannot be %(action)s.")
NOTE_REQUIRED = _("Write a short note: what you did or why.")
SNOOZE_IN_FUTURE = _("Snooze until a day after today.")

ACTION_WORDS = {
    "acknowledge": _("acknowledged"),
    "snooze": _("snoozed"),
    "resolve": _("resolved"),
}


def _move(actor: Actor, signal: Signal, action: str, note: str) -> Signal:
    signal = Signal.objects.select_for_update().get(pk=signal.pk)
    if signal.addressee_id != actor.organisation_id:
        raise NotPermitted(NOT_ADDRESSED_TO_YOU)
    move = move_for(action, signal.state)
    if move is None:
        raise Conflict(
            NOT_ALLOWED_NOW, state=signal.get_state_display(), action=ACTION_WORDS[action]
        )
    if move.note_required and not note.strip():
        raise InvalidInput(NOTE_REQUIRED)
    signal.state = move.target
    return signal


def _record(actor: Actor, signal: Signal, kind: str, note: str, **data: Any) -> None:
    SignalEvent.objects.create(
        signal=signal,
        kind=kind,
        user=actor.user,
        organisation=actor.organisation,
        note=note.strip(),
        data={k: str(v) for k, v in data.items()},
    )
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        target=signal,
        person_id=signal.trajectory.person_id,
        rule=signal.rule_code,
        to=signal.state,
        **data,
    )


@transaction.atomic
def signal_acknowledge(*, actor: Actor, signal: Signal, note: str) -> Signal:
    """The addressee has seen the signal and says what they do (a note is required)."""
    signal = _move(actor, signal, "acknowledge", note)
    signal.save(update_fields=["state"])
    _record(actor, signal, EventKind.ACKNOWLEDGED, note)
    return signal


@transaction.atomic
def signal_snooze(*, actor: Actor, signal: Signal, until: dt.date, reason: str) -> Signal:
    """Hide the signal until ``until`` (it reopens on that day if the facts still hold).

    ``until`` lies from tomorrow to a year ahead (:data:`core.bounds.SNOOZE_UNTIL`),
    else ``InvalidInput``.
    """
    bounds.check_date(bounds.SNOOZE_UNTIL, until, too_early=SNOOZE_IN_FUTURE)
    signal = _move(actor, signal, "snooze", reason)
    signal.snoozed_until = until
    signal.save(update_fields=["state", "snoozed_until"])
    _record(actor, signal, EventKind.SNOOZED, reason, until=until)
    return signal


@transaction.atomic
def signal_resolve(*, actor: Actor, signal: Signal, reason: str) -> Signal:
    """Close the signal by hand, with a reason; it stays closed until its facts change."""
    signal = _move(actor, signal, "resolve", reason)
    signal.resolved_at = clock.now()
    signal.resolved_how = ResolvedHow.MANUAL
    signal.snoozed_until = None
    signal.save(update_fields=["state", "resolved_at", "resolved_how", "snoozed_until"])
    _record(actor, signal, EventKind.RESOLVED, reason, how="manual")
    return signal
