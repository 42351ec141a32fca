"""The one form of the notification pages: how often to get e-mail."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.signals.notifications.models import EmailFrequency


class PreferenceForm(forms.Form):
    email_frequency = forms.ChoiceField(
        label=_("E-mail me about new signals"),
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "The e-mail only says how many new signals there are, with a link. "
            "It never names a person."
        ),
    )
