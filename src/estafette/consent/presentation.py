"""What a page or the receipt shows of one consent: the consent, its state today, in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from estafette.consent.models import CONSENT_STATE_LABELS, Consent
from estafette.consent.rules import ConsentState

_BADGE = {
    ConsentState.ACTIVE: "badge--state-accepted",
    ConsentState.ENDED: "badge--state-expired",
    ConsentState.WITHDRAWN: "badge--state-expired",
}


@dataclass
class ConsentRow:
    consent: Consent
    state: ConsentState
    revoke_form: Any = None  # a ConsentRevokeForm with ids unique on the page, or None

    @property
    def state_label(self) -> str:
        return str(CONSENT_STATE_LABELS[self.state])

    @property
    def badge_class(self) -> str:
        """Reuses the shared badge colours: green in force, red withdrawn or ended."""
        return _BADGE.get(self.state, "")

    @property
    def in_force(self) -> bool:
        return self.state == ConsentState.ACTIVE


def consent_rows(
    consents: list[Consent], *, today: dt.date, revoke_form_class: Any = None
) -> list[ConsentRow]:
    """One row per consent; a withdraw form for each consent not yet withdrawn, if asked."""
    rows = []
    for consent in consents:
        form = None
        if revoke_form_class is not None and not consent.is_revoked:
            form = revoke_form_class(auto_id=f"id_revoke_{consent.pk}_%s")
        rows.append(ConsentRow(consent, consent.state_on(today), form))
    return rows
