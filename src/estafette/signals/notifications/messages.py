"""Sentences of the notification pages, as constants (tests assert on what users read)."""

from django.utils.translation import gettext_lazy as _

NOT_FOUND = _("No such notification for you.")
UNKNOWN_FREQUENCY = _("Choose one of the options.")
PREFERENCE_SAVED = _("Saved: how often you get e-mail about new signals.")
MARKED_READ = _("Marked as read.")
ALL_MARKED_READ = _("All notifications are marked as read.")
NO_LONGER_AVAILABLE = _("A signal about a file you can no longer open.")
