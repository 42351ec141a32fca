"""Writing and checking the audit log: every service and every read of a file writes here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection, models, transaction

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit_chain import GENESIS, ChainBreak, entry_digest, verify
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
        event.entry_hash = entry_digest(event.prev_hash, audit_content(event))
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


def audit_verify() -> ChainBreak | None:
    """Check the whole chain in id order; the first break found, or None if intact."""

    def rows() -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        for event in AuditEvent.objects.order_by("id").iterator(chunk_size=5000):
            yield event.pk, event.prev_hash, event.entry_hash, audit_content(event)

    return verify(rows())


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
