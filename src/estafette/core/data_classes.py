"""Classes of personal data, the unit that consent and need-to-know speak of (DOMAIN.md §6).

A handover names which classes travel with it; the consent ledger (a later
issue) decides which classes a recipient may receive and see.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataClass(models.TextChoices):
    IDENTITY = "identity", _("identity and contact")
    DETENTION = "detention", _("detention and release")
    CONDITIONS = "conditions", _("basic conditions")
    HEALTH = "health", _("health and addiction")
    OFFENCE = "offence", _("offence")
    NETWORK = "network", _("network and children")
    NOTES = "notes", _("notes")
