"""Translated words for the pure deadline module's codes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from estafette.norms.deadlines import Basis

BASIS_LABELS = {
    Basis.RELEASE_DATE: _("the known release date"),
    Basis.RELEASE_ESTIMATE: _("the estimated release date"),
    Basis.WINDOW_EARLIEST: _("the earliest day of the release window"),
    Basis.ENTRY: _("the day of entry"),
    Basis.LAST_OCCURRENCE: _("the last time it happened"),
    Basis.PERIOD_START: _("the start (nothing happened yet)"),
}
