"""Writing and checking the audit log: every service and every read of a file writes here.

The entries form a keyed hash chain (:mod:`estafette.core.audit_chain`, key from
:func:`estafette.core.audit_key.audit_key`); its head is exported daily outside
the database (:func:`audit_head_export`) so a chain cut short is found too
(decision 0014, docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit_chain import (
    GENESIS,
    ChainBreak,
    Head,
    entry_digest,
    head_problem,
    verify,
)
from estafette.core.audit_key import audit_key
from estafette.core.models import AuditAction, AuditEvent

# Any constant will do; it names "the audit chain" among PostgreSQL advisory locks.
_PG_AUDIT_LOCK = 0x45535441  # "ESTA"


OBJECT_ID_MAX = 40
"""``AuditEvent.object_id``'s ``max_length``."""


def audit_record(
    *,
    actor: Actor | None,
    action: str | AuditAction,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: object = "",
    person_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Append one audit event, chained to the previous one. ``target`` names the object.

    Runs in its own (nested) transaction: inside a service it commits or rolls
    back with the change, so a refused change leaves no "changed" entry; for
    views and refusals it stands alone. Writers are serialised (an advisory
    lock on PostgreSQL; SQLite's IMMEDIATE transactions already are) so the
    chain never forks.
    """
    if target is not None:
        object_type = target._meta.label_lower
        object_id = target.pk
    event = AuditEvent(
        at=clock.now(),
        user=actor.user if actor else None,
        organisation=actor.organisation if actor else None,
        action=str(action),
        object_type=object_type,
        # A refused guess can carry any number a URL holds; the column (and so the hash)
        # keeps its first 40 characters instead of failing the refusal on PostgreSQL.
        object_id=str(object_id)[:OBJECT_ID_MAX],
        person_id=person_id,
        detail={k: _jsonable(v) for k, v in detail.items()},
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_AUDIT_LOCK])
        last = AuditEvent.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        event.prev_hash = last or GENESIS
        event.entry_hash = entry_digest(event.prev_hash, audit_content(event), audit_key())
        event.save(force_insert=True)
    return event


def audit_content(event: AuditEvent) -> dict[str, Any]:
    """The fields the hash covers, in a form that survives a database round trip."""
    return {
        "at": event.at,
        "user": event.user_id,
        "organisation": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_id": event.person_id,
        "detail": event.detail,
    }


def _rows() -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=5000):
        yield event.pk, event.prev_hash, event.entry_hash, audit_content(event)


def audit_verify(key: bytes | None = None) -> ChainBreak | None:
    """Check the whole chain in id order with the audit key; the first break, or None if intact.

    ``key`` replaces the configured key (a test's wrong key).
    """
    return verify(_rows(), key or audit_key())


def audit_head() -> Head | None:
    """The newest entry of the chain now, with the count of entries; None for an empty log."""
    last = AuditEvent.objects.order_by("-id").values_list("id", "entry_hash").first()
    if last is None:
        return None
    return Head(
        entry_id=last[0],
        entry_hash=last[1],
        count=AuditEvent.objects.filter(id__lte=last[0]).count(),
        at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def audit_head_check(head: Head) -> str | None:
    """Why the chain no longer holds ``head`` (an export of :func:`audit_head`); None if it does."""
    found = AuditEvent.objects.filter(id=head.entry_id).values_list("entry_hash", flat=True).first()
    count = AuditEvent.objects.filter(id__lte=head.entry_id).count()
    return head_problem(head, found, count)


def audit_head_export(directory: str | Path | None = None) -> tuple[Path, Head] | None:
    """Write the head to ``<directory>/<date>.json`` (UTC date); None when the log is empty.

    ``directory`` defaults to ``ESTAFETTE_AUDIT_HEAD_DIR``. A second export the
    same day replaces the first (the later head covers it). The file holds
    numbers, a hash and a time — no personal data.
    """
    head = audit_head()
    if head is None:
        return None
    folder = Path(directory or settings.ESTAFETTE_AUDIT_HEAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{head.at[:10]}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(head.as_json(), indent=2) + "\n")
    partial.replace(path)
    return path, head


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
