"""What a page or the receipt shows of one consent: the consent, its state today, in words.

Which of a consent's fields a reader sees is decided by the access policy
(``access.policy.consent_fields_visible``: each field under its data class); a
row carries that answer as ``row.shows`` so a template only asks
``row.shows.<field>`` and never decides on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    fields: frozenset[str] = field(default_factory=frozenset)

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

    @property
    def shows(self) -> dict[str, bool]:
        """``row.shows.recipient`` etc. in a template: the reader may see that field."""
        return dict.fromkeys(self.fields, True)

    @property
    def shows_content(self) -> bool:
        """The reader sees more of the consent than that it exists, its purpose and state."""
        return bool(self.fields - {"purpose", "state"})


def consent_rows(
    consents: list[Consent],
    *,
    today: dt.date,
    fields: Mapping[int, frozenset[str]],
    revoke_forms: Mapping[int, Any] | None = None,
) -> list[ConsentRow]:
    """One row per consent, with the fields its reader sees (``fields``: by consent id).

    ``revoke_forms``: the withdraw form of each consent the reader may withdraw (by id);
    a consent already withdrawn never gets one.
    """
    rows = []
    for consent in consents:
        form = None if consent.is_revoked else (revoke_forms or {}).get(consent.pk)
        rows.append(
            ConsentRow(consent, consent.state_on(today), form, fields.get(consent.pk, frozenset()))
        )
    return rows
