"""The audit log is a hash chain: edits and removals are detected."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from estafette.core.audit import audit_record, audit_verify
from estafette.core.audit_chain import GENESIS, verify
from estafette.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=None, action="view", object_type="test.thing", object_id=i, n=i)
        for i in range(n)
    ]


def test_entries_link_to_their_predecessor():
    events = _write(3)
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].entry_hash
    assert events[2].prev_hash == events[1].entry_hash
    assert audit_verify() is None


def test_an_edited_entry_is_detected():
    events = _write(4)
    with connection.cursor() as cursor:  # bypass the ORM guard, as an attacker with SQL would
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s",
            ["denied", events[2].pk],
        )
    broken = audit_verify()
    assert broken is not None
    assert broken.entry_id == events[2].pk
    assert "edited" in broken.problem


def test_a_deleted_entry_is_detected():
    events = _write(4)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [events[1].pk])
    broken = audit_verify()
    assert broken is not None
    assert broken.entry_id == events[2].pk
    assert "removed" in broken.problem


def test_verify_command_reports_intact_and_broken_chains(capsys):
    events = _write(2)
    call_command("audit_verify")
    assert "intact (2 entries)" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET object_id = %s WHERE id = %s",
            ["999", events[0].pk],
        )
    with pytest.raises(CommandError, match=f"entry {events[0].pk}"):
        call_command("audit_verify")


def test_pure_verifier_on_an_empty_chain():
    assert verify([]) is None
