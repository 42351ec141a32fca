"""One place for every decision (issue 11): the roles are defined in the policy only, and
docs/access.md's tables are the policy's, written from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from estafette.access import policy, policy_table
from estafette.organisations.models import Role
from estafette.visits.models import ContactKind

ALL_ROLES = frozenset(Role)


def test_docs_access_md_shows_the_policy() -> None:
    """Fails when the policy changed and the document did not: run
    ``manage.py access_table --write`` (or ``make docs``)."""
    text = policy_table.document_path().read_text(encoding="utf-8")
    assert policy_table.documented(text) == policy_table.render_markdown()


def test_the_check_command_agrees_and_write_is_idempotent(tmp_path: Path) -> None:
    call_command("access_table", "--check")
    copy = tmp_path / "access.md"
    stale = policy_table.document_path().read_text(encoding="utf-8").replace("| ✓ |", "| — |", 1)
    copy.write_text(stale, encoding="utf-8")
    assert policy_table.write(copy) is True
    assert policy_table.documented(copy.read_text(encoding="utf-8")) == (
        policy_table.render_markdown()
    )
    assert policy_table.write(copy) is False


def test_a_document_without_markers_is_refused() -> None:
    with pytest.raises(ValueError):
        policy_table.rewritten("# Access\n\nno tables here\n")


def test_the_check_command_fails_on_a_stale_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "access.md"
    copy.write_text(
        f"{policy_table.START}\n| an old table |\n{policy_table.END}\n", encoding="utf-8"
    )
    monkeypatch.setattr(policy_table, "document_path", lambda: copy)
    with pytest.raises(CommandError):
        call_command("access_table", "--check")


# --- the role sets: each defined once, and consistent ------------------------------------


def test_every_role_is_a_professional_a_volunteer_or_the_administrator() -> None:
    groups = (policy.PROFESSIONAL_ROLES, policy.VOLUNTEER_ROLES, policy.ADMINISTRATOR_ROLES)
    assert frozenset().union(*groups) == ALL_ROLES
    assert sum(len(g) for g in groups) == len(ALL_ROLES)  # no role in two


def test_the_sets_that_say_professional_are_the_professionals() -> None:
    assert policy.EMERGENCY_ACCESS_ROLES == policy.PROFESSIONAL_ROLES
    assert policy.NOTIFIED_ROLES == policy.PROFESSIONAL_ROLES
    assert policy.CONSENT_WITHDRAW_ROLES == policy.PROFESSIONAL_ROLES
    assert policy.CONDITION_RECORDING_ROLES == policy.PROFESSIONAL_ROLES
    assert policy.HANDOVER_MESSAGE_ROLES == ALL_ROLES - policy.ADMINISTRATOR_ROLES
    assert not policy.VOLUNTEER_ROLES & policy.CONSENT_RECORDING_ROLES
    assert {Role.ORGANISATION_ADMIN} == policy.NORM_ADMIN_ROLES
    assert policy.JUSTICE_ROLES <= policy.PROFESSIONAL_ROLES


def test_every_role_has_its_classes_and_its_contact_kinds() -> None:
    assert set(policy.ROLE_DATA_CLASSES) == ALL_ROLES
    assert set(policy.CONTACT_KINDS_BY_ROLE) <= ALL_ROLES
    for kinds in policy.CONTACT_KINDS_BY_ROLE.values():
        assert set(kinds) <= set(ContactKind.values)
    # Every kind of contact can be recorded by someone.
    recorded = {k for kinds in policy.CONTACT_KINDS_BY_ROLE.values() for k in kinds}
    assert recorded == set(ContactKind.values)


# --- no role list outside the policy ----------------------------------------------------

ROLE_DECISION = re.compile(
    r"\.role\s*(==|!=)"  # comparing a role
    r"|\.role\s+(not\s+)?in\s+(?!policy\.)"  # a role in a set that is not the policy's
    r"|frozenset\(\{\s*Role\."  # a set of roles
)

ALLOWED = {
    # The policy itself.
    "access/policy.py": "the one place",
    # Which role acts for an organisation of each kind (a signal's addressee); the rules are
    # the signals' own and not a permission.
    "signals/rules/base.py": "ROLE_FOR_KIND",
    # A visiting volunteer's inbox lists the reminders of their own visits instead of
    # signals: which page, not who may.
    "signals/views.py": "volunteer reminders page",
    # The signal inbox filters signals addressed to the actor's own role.
    "signals/selectors.py": "addressee_role == actor.role",
    # A participant's role (visiting volunteer, buddy …) is not a user's role.
    "visits/templatetags/visits_tags.py": "ParticipantRole",
}


def test_no_module_but_the_policy_decides_by_role() -> None:
    """A new role list or role comparison in product code belongs in access/policy.py."""
    root = Path(settings.SRC_DIR)
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        parts = set(relative.split("/"))
        if parts & {"tests", "migrations", "demo", "testing"} or relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_DECISION.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_no_template_decides_by_role() -> None:
    """A template asks the policy through a filter (``actor|may_set_norms`` …)."""
    root = Path(settings.SRC_DIR)
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.role\s*(==|!=|in\b)", line)
    ]
    assert found == []
