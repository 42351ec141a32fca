"""The audit log is a keyed hash chain: edits, removals and rewrites without the key are detected.

And with an exported head (``audit_export_head``), the newest entries removed too
(issue 11, decision 0014). Tampering is done in SQL, past the ORM's append-only
guard, as someone with database access would.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from estafette.core.audit import (
    audit_content,
    audit_head_check,
    audit_head_export,
    audit_record,
    audit_verify,
)
from estafette.core.audit_chain import GENESIS, entry_digest, plain_digest, verify
from estafette.core.audit_key import MIN_KEY_LENGTH, audit_key, check_configured, key_from_file
from estafette.core.clock import LOCAL_ZONE
from estafette.core.models import AuditAction, AuditEvent
from estafette.core.tasks import audit_head_next_at, audit_head_publish

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
    assert verify([], b"k" * 32) is None


# ------------------------------------------------------------------ the key


def _table() -> str:
    return AuditEvent._meta.db_table


def _rechain_from(entry_id: int, digest: Callable[[str, dict[str, Any]], str]) -> None:
    """Recompute every hash from ``entry_id`` on with ``digest``, as a forger would."""
    prev = (
        AuditEvent.objects.filter(id__lt=entry_id)
        .order_by("-id")
        .values_list("entry_hash", flat=True)
        .first()
    ) or GENESIS
    with connection.cursor() as cursor:
        for event in AuditEvent.objects.filter(id__gte=entry_id).order_by("id"):
            new = digest(prev, audit_content(event))
            cursor.execute(
                f"UPDATE {_table()} SET prev_hash = %s, entry_hash = %s WHERE id = %s",
                [prev, new, event.pk],
            )
            prev = new


def _delete(*ids: int) -> None:
    with connection.cursor() as cursor:
        for entry_id in ids:
            cursor.execute(f"DELETE FROM {_table()} WHERE id = %s", [entry_id])


def test_the_hash_is_keyed_and_the_key_is_not_in_the_database():
    [event] = _write(1)
    content = audit_content(event)
    assert event.entry_hash == entry_digest(GENESIS, content, audit_key())
    assert event.entry_hash != plain_digest(GENESIS, content)
    assert audit_verify(key=b"another-key-of-at-least-32-characters!") is not None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {_table()}")
        stored = repr(cursor.fetchall())
    assert audit_key().decode() not in stored


def _with_a_refusal() -> tuple[list[AuditEvent], AuditEvent]:
    before = _write(3)
    refusal = audit_record(
        actor=None, action=AuditAction.DENIED, object_type="trajectories.trajectory", object_id=7
    )
    return [*before, refusal, *_write(3)], refusal


def test_a_refusal_deleted_and_the_chain_recomputed_with_plain_sha256_is_detected():
    _events, refusal = _with_a_refusal()
    _delete(refusal.pk)
    _rechain_from(refusal.pk + 1, plain_digest)
    broken = audit_verify()
    assert broken is not None
    assert broken.entry_id == refusal.pk + 1
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify")


def test_a_refusal_deleted_and_the_chain_recomputed_with_a_wrong_key_is_detected():
    _events, refusal = _with_a_refusal()
    wrong = b"not-the-key-but-also-32-characters-long"
    _delete(refusal.pk)
    _rechain_from(refusal.pk + 1, lambda prev, content: entry_digest(prev, content, wrong))
    broken = audit_verify()
    assert broken is not None and broken.entry_id == refusal.pk + 1


def test_whoever_holds_the_key_can_rewrite_the_chain_which_only_a_head_reveals(tmp_path):
    """The documented limit: with the key *and* the database, a rewrite verifies — but the
    head exported before it no longer matches (docs/security.md)."""
    _events, refusal = _with_a_refusal()
    exported = audit_head_export(tmp_path)
    assert exported is not None
    path, _head = exported
    _delete(refusal.pk)
    _rechain_from(refusal.pk + 1, lambda prev, content: entry_digest(prev, content, audit_key()))
    assert audit_verify() is None
    with pytest.raises(CommandError, match="cut short"):
        call_command("audit_verify", "--head", str(path))


def test_the_newest_entries_deleted_pass_alone_and_are_caught_with_the_head(tmp_path, capsys):
    events = _write(5)
    call_command("audit_export_head", "--dir", str(tmp_path))
    [path] = tmp_path.iterdir()
    head = json.loads(path.read_text())
    assert head["last_id"] == events[-1].pk
    assert head["last_hash"] == events[-1].entry_hash
    assert head["count"] == 5
    call_command("audit_verify", "--head", str(path))
    assert "intact (5 entries)" in capsys.readouterr().out
    _write(2)  # the log grows after the export: still holds the head
    call_command("audit_verify", "--head", str(path))
    _delete(*(event.pk for event in AuditEvent.objects.filter(id__gte=events[-2].pk)))
    assert audit_verify() is None  # a shorter chain is intact on its own …
    with pytest.raises(CommandError, match=f"entry {events[-1].pk}.*is gone"):
        call_command("audit_verify", "--head", str(path))  # … but no longer holds the head


def test_an_older_entry_deleted_with_the_chain_rebuilt_is_caught_by_the_count(tmp_path):
    events = _write(4)
    exported = audit_head_export(tmp_path)
    assert exported is not None
    _delete(events[0].pk)
    _rechain_from(events[1].pk, lambda prev, content: entry_digest(prev, content, audit_key()))
    problem = audit_head_check(exported[1])
    assert problem is not None  # the hash changed with the rebuilt chain


def test_a_head_file_that_is_not_one_is_refused(tmp_path):
    _write(1)
    bad = tmp_path / "head.json"
    bad.write_text('{"last_id": "x"}')
    with pytest.raises(CommandError, match="not an exported head"):
        call_command("audit_verify", "--head", str(bad))


def test_the_head_goes_to_the_administrators_without_personal_data(tmp_path, settings, mailoutbox):
    settings.ADMINS = [("Beheer", "beheer@example.org")]
    audit_record(
        actor=None, action=AuditAction.VIEW, object_type="people.person", object_id=1, name="Jan"
    )
    result = audit_head_publish(directory=tmp_path, mail=True)
    assert result["mailed"] is True
    [mail] = mailoutbox
    assert mail.to == ["beheer@example.org"]
    assert "last_hash" in mail.body and "Jan" not in mail.body and "people" not in mail.body


def test_an_empty_log_exports_no_head(tmp_path):
    assert audit_head_export(tmp_path) is None
    assert not list(tmp_path.iterdir())


def test_the_daily_export_is_scheduled_at_the_sweep_hour(settings):
    settings.ESTAFETTE_SWEEP_HOUR = 6
    at = audit_head_next_at(dt.datetime(2025, 3, 3, 5, 59, tzinfo=LOCAL_ZONE))
    assert at == dt.datetime(2025, 3, 3, 6, tzinfo=LOCAL_ZONE)
    at = audit_head_next_at(dt.datetime(2025, 3, 3, 6, 0, tzinfo=LOCAL_ZONE))
    assert at == dt.datetime(2025, 3, 4, 6, tzinfo=LOCAL_ZONE)


# ------------------------------------------------------------------ the key's source


def test_the_development_key_file_is_made_once_and_kept(tmp_path, settings):
    path = tmp_path / "var" / "audit.key"
    settings.ESTAFETTE_AUDIT_KEY = ""
    settings.ESTAFETTE_AUDIT_KEY_FILE = str(path)
    settings.ESTAFETTE_AUDIT_KEY_GENERATE = True
    key = audit_key()
    assert path.read_text().strip().encode() == key
    assert len(key) >= MIN_KEY_LENGTH
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert key_from_file(path, generate=True) == key  # never replaced


@pytest.mark.parametrize(
    ("value", "path", "message"),
    [
        ("", "", "Set ESTAFETTE_AUDIT_KEY"),
        ("short", "", "at least 32"),
        ("", "/nonexistent/audit.key", "cannot read"),
    ],
)
def test_a_missing_or_short_key_is_refused(value, path, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        check_configured(value, path)


# ------------------------------------------------------------------ the migration


def _historical_apps() -> Any:
    """The models as the migration sees them (no append-only guard)."""
    loader = MigrationLoader(connection)
    return loader.project_state(("core", "0004_audit_keyed_chain")).apps


def test_the_migration_chains_old_entries_again_with_the_key():
    """Entries hashed with plain SHA-256 before decision 0014 are chained again with the key."""
    events = _write(3)
    _rechain_from(events[0].pk, plain_digest)
    assert audit_verify() is not None  # the keyed check refuses the old chain
    migration = importlib.import_module("estafette.core.migrations.0004_audit_keyed_chain")
    migration.chain_with_key(_historical_apps(), None)
    assert audit_verify() is None


def test_the_migration_refuses_to_launder_a_broken_chain():
    events = _write(3)
    _rechain_from(events[0].pk, plain_digest)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_table()} SET action = %s WHERE id = %s", ["denied", events[1].pk])
    migration = importlib.import_module("estafette.core.migrations.0004_audit_keyed_chain")
    with pytest.raises(RuntimeError, match=f"broken at entry {events[1].pk}"):
        migration.chain_with_key(_historical_apps(), None)
