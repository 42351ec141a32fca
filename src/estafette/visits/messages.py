"""Sentences the visits services refuse with (gettext constants, asserted on by tests)."""

from django.utils.translation import gettext_lazy as _

KIND_NOT_FOR_ROLE = _("Your role cannot record this kind of contact.")
NO_PART = _("Your organisation has no part in this trajectory.")
CLOSED = _("This trajectory is closed; contacts can no longer be recorded.")
IN_FUTURE = _("The date lies in the future: record a contact once it has happened.")
BEFORE_START = _("The date lies before the detention started.")
NOTE_NOT_SHARED = _(
    "Notes are not shared with your organisation for this person, so you cannot add one."
)
NOTE_TOO_LONG = _("Keep the note short: at most %(max)s characters.")
REQUEST_NOT_FOR_ROLE = _(
    "Only a coordinator can ask for a visiting volunteer or record the answer."
)
REQUEST_OPEN = _("A visiting volunteer has already been asked for; record the answer first.")
REQUEST_NOT_OPEN = _("This request has already been answered.")
REQUEST_ABROAD_ONLY = _("Visiting volunteers visit people detained abroad.")
NOT_YOUR_CONTACT = _(
    "Only the person who recorded this contact can withdraw it. Ask them, or record what "
    "really happened as a new contact."
)
ALREADY_WITHDRAWN = _("This contact has already been withdrawn.")
WITHDRAWAL_REASON_REQUIRED = _("Say why the contact is withdrawn.")
WITHDRAWAL_REASON_TOO_LONG = _("Keep the reason short: at most %(max)s characters.")
