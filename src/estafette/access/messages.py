"""Sentences of the access app (gettext constants, asserted on by tests)."""

from django.utils.translation import gettext_lazy as _

EMERGENCY_REASON_REQUIRED = _(
    "State why you need this file now, in at least a full sentence: the holder reads it."
)
EMERGENCY_NOT_NEEDED = _("You already have access to this file; no emergency access is needed.")
ALREADY_REVIEWED = _("This emergency access was already reviewed.")
ONLY_HOLDER_REVIEWS = _("Only the organisation that holds the baton reviews emergency access.")
NOT_ENTITLED_TO_LOG = _("Your role does not give access to the access log of this file.")
