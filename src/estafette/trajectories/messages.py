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

# --- assignments (issue 12) ---
MAY_NOT_ASSIGN = _("Your role cannot assign a worker in this part.")
ASSIGN_NO_ACCESS = _("You cannot assign anyone to a person whose file you cannot open.")
WORKS_ELSEWHERE = _(
    "%(name)s works for another organisation: you can assign only workers of %(organisation)s."
)
NO_FITTING_ROLE = _("%(name)s does not have a role in %(organisation)s that fits this part.")
ALREADY_ASSIGNED = _("%(name)s is already assigned in this part.")
TOO_MANY_VOLUNTEERS = _(
    "This person already has two workers in this part; end one assignment first."
)
NOT_ALONGSIDE = _(
    "%(organisation)s does not run alongside this person yet; ask the baton holder "
    "(%(holder)s) to assign the volunteer."
)
ASSIGNMENT_ENDED = _("This assignment has already ended.")
REASSIGN_SAME_WORKER = _("Choose another worker to hand the people over to.")
REASSIGN_NOTHING = _("%(name)s has no people assigned in your organisation to hand over.")
STALE_NOT_STALE = _("This file is not past its last step: something is still open.")
NOT_FOUND_OR_CLOSED = _("No open trajectory found that you have a part in.")
