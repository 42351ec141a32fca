"""An organisation's own value for a norm: append-only, so the history of overrides is kept.

The latest row for (organisation, norm code) wins; an empty ``params`` means
"back to the product's default" (also kept, with who and why).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.core.models import AppendOnlyModel


class NormOverride(AppendOnlyModel):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="norm_overrides"
    )
    norm_code = models.CharField(_("norm"), max_length=60)
    params = models.JSONField(
        _("values"), default=dict, blank=True, help_text=_("Empty: the product's default again.")
    )
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["organisation", "norm_code", "-set_at", "-id"]
        verbose_name = _("norm override")
        verbose_name_plural = _("norm overrides")
        indexes = [models.Index(fields=["norm_code", "organisation", "-set_at"])]

    def __str__(self) -> str:
        return f"{self.norm_code} @ {self.organisation_id}: {self.params}"
