"""Sentences of the notification pages, as constants (tests assert on what users read)."""

from django.utils.translation import gettext_lazy as _

NOT_FOUND = _("No such notification for you.")
UNKNOWN_FREQUENCY = _("Choose one of the options.")
PREFERENCE_SAVED = _("Saved: how often you get e-mail about new signals and handovers.")
MARKED_READ = _("Marked as read.")
ALL_MARKED_READ = _("All notifications are marked as read.")
NO_LONGER_AVAILABLE = _("A signal about a file you can no longer open.")
HANDOVER_NO_LONGER_AVAILABLE = _("A handover about a file you can no longer open.")
RAISED = _("raised")
REOPENED = _("reopened after a snooze")
HANDOVER_SENT = _("handed over to your organisation")
REASON = _("Reason")
NOTE = _("Note")
OPEN_SIGNAL = _("Open the signal")
OPEN_HANDOVER = _("Open the handover")

HANDOVER_TITLES = {
    "send": _("Handover from %(sender)s waiting for your answer"),
    "withdraw": _("%(sender)s withdrew its handover"),
    "accept": _("%(receiver)s accepted your handover"),
    "decline": _("%(receiver)s declined your handover"),
    "expire": _("Your handover to %(receiver)s expired without an answer"),
    "take_up": _("%(receiver)s: the person turned up"),
    "no_show": _("%(receiver)s: the person did not turn up"),
}
"""The title of a handover notification, by step: organisations' names, never the person's."""
HANDOVER_SINCE_ANSWERED = _("Handover from %(sender)s, now %(state)s")
"""A new handover's title once it is answered (accepted, declined, ...): no longer waiting."""
