from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    # The module is estafette.signals; nothing here shadows django.db.models.signals.
    name = "estafette.signals"
    label = "signals"
    verbose_name = _("Signals")
