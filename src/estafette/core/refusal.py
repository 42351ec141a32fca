"""Refusing a read: the one "404 and audit" every selector uses (issue 11).

A guessed or foreign number answers exactly as a number that does not exist —
404, with a sentence that says what the reader may look for — so nobody learns
from the answer whether something is there. The attempt itself is not silent:
it is written to the audit log, whatever the number was (an oversized one is
kept to the column's first characters by :func:`core.audit.audit_record`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.http import Http404
from django.utils.functional import Promise

from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.models import AuditAction


def refuse_not_found(
    *,
    actor: Actor | None,
    object_type: str,
    object_id: object,
    message: str | Promise = "",
    **detail: Any,
) -> NoReturn:
    """Audit a refused read of ``object_type`` #``object_id`` and answer 404 with ``message``.

    Contract: always raises :class:`django.http.Http404`; always writes one
    ``denied`` audit entry first (in its own transaction, so the entry stays even
    though the request ends in an error page). ``detail`` goes into the entry.
    """
    audit_record(
        actor=actor,
        action=AuditAction.DENIED,
        object_type=object_type,
        object_id=object_id,
        **detail,
    )
    if message:
        raise Http404(str(message))
    raise Http404
