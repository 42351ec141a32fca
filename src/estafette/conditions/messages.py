"""Sentences the condition services refuse with (gettext constants, asserted on by tests)."""

from django.utils.translation import gettext_lazy as _

NOT_SHARED = _("The basic conditions of this person are not shared with your organisation.")
ROLE_MAY_NOT_RECORD = _(
    "Volunteers and buddies do not record basic conditions; the professional who coordinates "
    "does (tell them what you learned)."
)
NO_PART = _("Only an organisation with a part in this trajectory can record its basic conditions.")
CLOSED = _("This trajectory is closed; its basic conditions can no longer change.")
UNCHANGED = _("This basic condition already has this status.")
SINCE_IN_FUTURE = _("The date cannot lie in the future.")
SINCE_BEFORE_CURRENT = _(
    "The date cannot lie before the date of the current status (%(since)s): history is kept, "
    "not rewritten."
)
UNKNOWN_CONDITION = _("Unknown basic condition.")
UNKNOWN_STATUS = _("Unknown status.")
