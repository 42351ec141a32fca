"""Sentences the handover services refuse with (gettext constants, asserted on by tests)."""

from django.utils.translation import gettext_lazy as _

ONLY_HOLDER_SENDS = _("Only the organisation that holds the baton (%(holder)s) can hand it over.")
ALREADY_IN_THE_AIR = _(
    "The baton is already in the air: a handover to %(receiver)s is waiting for an answer. "
    "Withdraw it first, or wait for the answer."
)
NOT_TO_SELF = _("You cannot hand the baton to your own organisation.")
RECEIVER_INACTIVE = _("%(receiver)s does not take handovers at the moment.")
TRAJECTORY_CLOSED = _("This trajectory is closed; nothing can be handed over.")
MESSAGE_REQUIRED = _("Write a message for the receiver: what do you ask of them?")
RESPOND_BY_PAST = _("The answer date cannot lie in the past.")
UNKNOWN_ACTION = _("Unknown action.")
TRANSITION_NOT_ALLOWED = _("This handover is %(state)s; it cannot be %(action)s any more.")
NOT_YOUR_PART = _("Only %(party)s can do this with this handover.")
REASON_REQUIRED = _("Give a reason: the sender reads it and decides what to do next.")
NOTHING_TO_REVIEW = _("This handover has no outcome to review.")
BATON_MOVED_ON = _(
    "%(receiver)s no longer holds the baton, so a no-show cannot hand it back to the sender. "
    "Hand the baton over instead."
)
CONSENT_GONE_BEFORE_ACCEPT = _(
    "The consent this handover relied on is no longer in force, so it cannot be accepted: "
    "%(why)s Ask %(sender)s to record a new consent, or decline the handover."
)
ALREADY_COMMITTED = _(
    "%(receiver)s has already accepted to take the baton when the person leaves detention. "
    "Only one organisation can be committed to that at a time."
)
STILL_DETAINED = _(
    "The person is still in detention, so the handover cannot be %(action)s yet. Record it "
    "once the person is released or has returned."
)
ENTRY_DATE_ONLY_FOR_TRANSFER = _(
    "The day the person entered the Dutch prison can only be recorded with a sentence transfer."
)
NOT_YOURS_TO_SHARE = _(
    "You can only pass on data your organisation may see itself. Not available to you: %(classes)s."
)

ACTION_PAST = {
    "accept": _("accepted"),
    "decline": _("declined"),
    "withdraw": _("withdrawn"),
    "expire": _("expired"),
    "take_up": _("marked as taken up"),
    "no_show": _("marked as no-show"),
}
PARTY = {
    "sender": _("the sending organisation"),
    "receiver": _("the receiving organisation"),
    "system": _("the system"),
}
