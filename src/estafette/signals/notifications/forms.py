"""The one form of the notification pages: how often to get e-mail."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.signals.notifications.models import EmailFrequency

CHOICES = [
    (EmailFrequency.IMMEDIATE.value, _("Straight away: one e-mail per batch of news")),
    (EmailFrequency.DAILY.value, EmailFrequency.DAILY.label),
    (EmailFrequency.OFF.value, EmailFrequency.OFF.label),
]
"""The model's choices, worded for signals *and* handovers (the model's labels name only
signals; changing them would need a migration for words alone)."""


class PreferenceForm(forms.Form):
    email_frequency = forms.ChoiceField(
        label=_("E-mail me about new signals and handovers"),
        choices=CHOICES,
        widget=forms.RadioSelect,
        help_text=_(
            "The e-mail only says how many new signals and handover steps there are, "
            "with a link. It never names a person."
        ),
    )
