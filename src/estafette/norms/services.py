"""Changing norms: an organisation's administrator sets its own values, always with a reason."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import organisation_norms_changed_after_commit
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.norms.catalogue import BY_CODE
from estafette.norms.models import NormOverride

ONLY_ADMIN = _("Only your organisation's administrator can change its norms.")
UNKNOWN_NORM = _("There is no norm “%(code)s”.")
UNKNOWN_PARAM = _("The norm “%(code)s” has no value “%(name)s”.")
BAD_VALUE = _("The value “%(name)s” must be a whole number of days of at least 0.")
REASON_REQUIRED = _("Say why your organisation deviates from the norm.")


def _valid_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _validate(code: str, params: dict[str, Any]) -> dict[str, Any]:
    """1. a known norm and value names; 2. whole numbers, a range in order; 3. each value
    inside what it can mean (:data:`core.bounds.NORM_PARAMS`)."""
    norm = BY_CODE.get(code)
    if norm is None:
        raise InvalidInput(UNKNOWN_NORM, code=code)
    for name, value in params.items():
        if name not in norm.params:
            raise InvalidInput(UNKNOWN_PARAM, code=code, name=name)
        values = value if isinstance(value, list | tuple) else [value]
        if isinstance(value, list | tuple):
            ok = len(value) == 2 and all(_valid_number(v) for v in value) and value[0] <= value[1]
        else:
            ok = _valid_number(value)
        if not ok:
            raise InvalidInput(BAD_VALUE, name=name)
        bound = bounds.NORM_PARAMS.get(name)
        if bound is not None:
            for number in values:
                bounds.check_number(bound, number)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


@transaction.atomic
def norm_override_set(
    *, actor: Actor, code: str, params: dict[str, Any], reason: str
) -> NormOverride:
    """Set the actor's organisation's own values for norm ``code`` (``{}``: back to default).

    Only the organisation's administrator; a reason is required; every value is
    a whole number inside its range (:data:`core.bounds.NORM_PARAMS`); the previous
    values stay in the history (append-only) and the change is audited. After
    the commit the signals of every live trajectory the organisation runs in
    are evaluated again, so deadlines follow the new values.
    """
    if not policy.may_set_norms(actor):
        raise NotPermitted(ONLY_ADMIN)
    if not reason.strip():
        raise InvalidInput(REASON_REQUIRED)
    clean = _validate(code, params)
    override = NormOverride.objects.create(
        organisation=actor.organisation,
        norm_code=code,
        params=clean,
        reason=reason.strip(),
        set_by=actor.user,
    )
    audit_record(actor=actor, action=AuditAction.CHANGE, target=override, norm=code, params=clean)
    organisation_norms_changed_after_commit(actor.organisation_id)  # its deadlines recompute
    return override
