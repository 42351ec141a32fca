"""Sentences the trajectory services refuse with (gettext constants, asserted on by tests)."""

from django.utils.translation import gettext_lazy as _

NOT_HOLDER = _("Only the organisation that holds the baton (%(holder)s) can do this.")
CLOSED = _("This trajectory is closed; reopen it before changing it.")
REASON_REQUIRED = _("Give a reason: the timeline keeps it for everyone who runs with this person.")
ROUTE_UNCHANGED = _("The trajectory already follows this route.")
PHASE_UNCHANGED = _("The trajectory is already in this phase.")
RELEASE_DATE_REQUIRED = _("A known or estimated release needs a date.")
RELEASE_WINDOW_REQUIRED = _("A release window needs both its earliest and its latest date.")
RELEASE_WINDOW_ORDER = _("The earliest release date must come before the latest.")
TRANSFER_LAW_REQUIRED = _("A sentence transfer needs its law: WETS (EU) or WOTS (elsewhere).")
REGISTRATION_CERTAINTY_UNKNOWN = _("Choose how sure the municipality of registration is.")
REGISTRATION_MUNICIPALITY_REQUIRED = _(
    "Choose the municipality; only “unknown” can be saved without one."
)
ENTRY_ONLY_FOR_TRANSFER = _(
    "The day the person entered the Dutch prison is recorded only for a sentence transfer."
)
