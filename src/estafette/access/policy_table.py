"""``docs/access.md``'s tables of who sees and does what, written from the access policy.

The tables between :data:`START` and :data:`END` in ``docs/access.md`` are never edited by
hand: ``manage.py access_table --write`` (or ``make docs``) writes them from
:mod:`estafette.access.policy`, and ``access/tests/test_policy_table.py`` fails when the
document and the policy disagree. So the one table of who sees what is the policy itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.utils import translation

from estafette.access import policy
from estafette.core.data_classes import DataClass
from estafette.organisations.models import OrganisationKind, Role
from estafette.visits.models import ContactKind

START = "<!-- access-table:start -->"
END = "<!-- access-table:end -->"

YES = "✓"
NO = "—"

ROLE_SETS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("professional", lambda role: role in policy.PROFESSIONAL_ROLES),
    ("emergency access", lambda role: role in policy.EMERGENCY_ACCESS_ROLES),
    ("access log and review", lambda role: role in policy.ACCESS_LOG_ROLES),
    ("notified", lambda role: role in policy.NOTIFIED_ROLES),
    ("records consent", lambda role: role in policy.CONSENT_RECORDING_ROLES),
    ("withdraws consent", lambda role: role in policy.CONSENT_WITHDRAW_ROLES),
    ("records conditions", lambda role: role in policy.CONDITION_RECORDING_ROLES),
    ("handover message as a party", lambda role: role in policy.HANDOVER_MESSAGE_ROLES),
    ("asks for a volunteer", lambda role: role in policy.VOLUNTEER_REQUEST_ROLES),
    ("sets norms", lambda role: role in policy.NORM_ADMIN_ROLES),
    ("searches people", lambda role: role in policy.PEOPLE_SEARCH_ROLES),
    ("justice role", lambda role: role in policy.JUSTICE_ROLES),
    ("runs the organisation", lambda role: role in policy.ORGANISATION_MANAGER_ROLES),
    ("assigns workers", lambda role: role in policy.ASSIGNING_ROLES),
    ("sees only the people assigned", lambda role: role in policy.VOLUNTEER_ROLES),
    ("organisation's caseload", lambda role: role in policy.ORGANISATION_CASELOAD_ROLES),
)
"""The columns of the second table: each a role set of the policy, in words."""


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(cells: list[str]) -> list[str]:
    return [_row(cells), "|" + "---|" * len(cells)]


def _role(role: Role) -> str:
    return f"{role.label} (`{role.value}`)"


def _mark(yes: bool) -> str:
    return YES if yes else NO


def render_markdown() -> str:
    """The tables, in English, exactly as they stand between the markers in docs/access.md."""
    with translation.override("en"):
        lines = [
            "<!-- Written by `manage.py access_table --write` from access/policy.py: do not edit"
            " by hand. -->",
            "",
            "What each role may see at most (`ROLE_DATA_CLASSES`); a consent or a legal basis"
            " decides which of these it sees of one person:",
            "",
            *_header(["Role", *(str(c.value) for c in DataClass)]),
        ]
        for role in Role:
            classes = policy.ROLE_DATA_CLASSES.get(role, frozenset())
            lines.append(_row([_role(role), *(_mark(c in classes) for c in DataClass)]))
        lines += [
            "",
            "What each role may do (`PROFESSIONAL_ROLES`, `EMERGENCY_ACCESS_ROLES`,"
            " `ACCESS_LOG_ROLES`, `NOTIFIED_ROLES`, `CONSENT_RECORDING_ROLES`,"
            " `CONSENT_WITHDRAW_ROLES`, `CONDITION_RECORDING_ROLES`, `HANDOVER_MESSAGE_ROLES`,"
            " `VOLUNTEER_REQUEST_ROLES`, `NORM_ADMIN_ROLES`, `PEOPLE_SEARCH_ROLES`,"
            " `JUSTICE_ROLES`, `ORGANISATION_MANAGER_ROLES`):",
            "",
            *_header(["Role", *(name for name, _ in ROLE_SETS)]),
        ]
        for role in Role:
            lines.append(_row([_role(role), *(_mark(member(role)) for _, member in ROLE_SETS)]))
        lines += [
            "",
            "Which contacts each role records (`CONTACT_KINDS_BY_ROLE`):",
            "",
            *_header(["Role", "records contacts of kind"]),
        ]
        for role in Role:
            kinds = policy.CONTACT_KINDS_BY_ROLE.get(role, ())
            words = ", ".join(f"{ContactKind(k).label} (`{k}`)" for k in kinds) or NO
            lines.append(_row([_role(role), words]))
        lines += [
            "",
            "Which roles an administrator gives at each kind of organisation"
            " (`ROLES_BY_ORGANISATION_KIND`; the administrator role fits every kind):",
            "",
            *_header(["Kind of organisation", "roles"]),
        ]
        for kind in OrganisationKind:
            fitting = policy.ROLES_BY_ORGANISATION_KIND.get(kind, frozenset())
            words = ", ".join(_role(role) for role in Role if role in fitting) or NO
            lines.append(_row([f"{kind.label} (`{kind.value}`)", words]))
    return "\n".join(lines) + "\n"


def document_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "access.md"


def _split(text: str) -> tuple[str, str, str]:
    """The document before the tables (with START), the tables, and after them (with END)."""
    start = text.find(START)
    end = text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"docs/access.md lacks the markers {START} … {END}")
    head = text[: start + len(START)]
    return head, text[len(head) : end], text[end:]


def documented(text: str) -> str:
    """The tables as they stand in the document (between the markers)."""
    return _split(text)[1].strip("\n") + "\n"


def rewritten(text: str) -> str:
    """The document with the tables between the markers written from the policy."""
    head, _, tail = _split(text)
    return f"{head}\n{render_markdown()}{tail}"


def write(path: Path | None = None) -> bool:
    """Write the tables into the document; True if it changed."""
    path = path or document_path()
    text = path.read_text(encoding="utf-8")
    new = rewritten(text)
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True
