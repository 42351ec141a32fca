"""Writing the audit log. Every service and every read of a person's file calls this."""

from __future__ import annotations

from typing import Any

from django.db import models

from estafette.core.actor import Actor
from estafette.core.models import AuditAction, AuditEvent


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
    """Append one audit event. ``target`` names the object; otherwise give type and id.

    Called inside the service's transaction, so a refused change leaves no
    "changed" entry behind; refusals and views are recorded on their own.
    """
    if target is not None:
        object_type = target._meta.label_lower
        object_id = target.pk
    return AuditEvent.objects.create(
        user=actor.user if actor else None,
        organisation=actor.organisation if actor else None,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        person_id=person_id,
        detail={k: _jsonable(v) for k, v in detail.items()},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
