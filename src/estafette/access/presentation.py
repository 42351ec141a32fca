"""The access log in words: who, organisation, what, when, why — for the page and the export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.core.models import AuditAction, AuditEvent

OBJECT_WORDS: dict[str, Any] = {
    "trajectories.trajectory": _("the file"),
    "trajectories.participant": _("who runs alongside"),
    "people.person": _("the person"),
    "consent.consent": _("consents"),
    "consent.consentnotice": _("a consent notice"),
    "handovers.handover": _("a handover"),
    "access.log": _("the access log"),
    "access.emergencyaccess": _("emergency access"),
}

DETAIL_WORDS: dict[str, Any] = {
    "overview": _("consent overview"),
    "receipt-nl": _("receipt in Dutch"),
    "receipt-en": _("receipt in English"),
    "evidence": _("signed form"),
    "consents": _("consents"),
    "route": _("route"),
    "phase": _("phase"),
    "release": _("release date"),
    "next_step": _("next step"),
    "revoked": _("withdrawn"),
    "reviewed": _("reviewed"),
    "outcome_seen": _("outcome seen"),
    "seen": _("read"),
    "accept": _("accepted"),
    "decline": _("declined"),
    "withdraw": _("withdrawn"),
    "expire": _("expired"),
    "take_up": _("person turned up"),
    "no_show": _("person did not turn up"),
    "emergency access": _("emergency access"),
}


@dataclass(frozen=True)
class LogRow:
    when: dt.datetime
    who: str
    organisation: str
    what: str
    why: str


def _who(event: AuditEvent) -> str:
    if event.user is None:
        return str(_("Estafette, automatically"))
    return event.user.get_full_name() or event.user.get_username()


EMERGENCY_OPENED = _("Opened the file with emergency access")


def _what(event: AuditEvent) -> str:
    if event.action == AuditAction.EMERGENCY:
        return str(EMERGENCY_OPENED)
    action = str(AuditAction(event.action).label) if event.action in AuditAction.values else ""
    subject = OBJECT_WORDS.get(event.object_type)
    words = [str(action).capitalize() or event.action]
    if subject is not None:
        words.append(str(subject))
    detail = event.detail or {}
    for key in ("what", "field", "transition"):
        value = detail.get(key)
        if isinstance(value, str) and value:
            words.append(f"({DETAIL_WORDS.get(value, value)})")
            break
    return " ".join(words)


def _why(event: AuditEvent) -> str:
    """The stated reason: an emergency access always has one."""
    reason = (event.detail or {}).get("reason", "")
    return reason if isinstance(reason, str) else ""


def log_row(event: AuditEvent) -> LogRow:
    """One audit entry as a line a person understands."""
    return LogRow(
        when=event.at.astimezone(clock.LOCAL_ZONE),
        who=_who(event),
        organisation=str(event.organisation) if event.organisation is not None else "",
        what=_what(event),
        why=_why(event),
    )


def csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
