"""The consent position of the handover form: what may travel to whom, before anything is typed.

The form shows, at the top, the person's consents in force and which
handovers each of them carries; and, for the receiver and purpose chosen,
which data classes may travel (offered and pre-ticked), which may not and why
(shown disabled with the reason), and under which consent the message goes.

Pure functions over rows the caller has read (the consents in force:
``consent.selectors.consents_in_force``, one query): the same rules as the
check at sending (``consent.policy.consent_check_handover``) and the
sender's need-to-know (``access.policy.shareable_classes``), so what the form
offers is what ``handover_send`` accepts. The service still decides; a stale
page is refused there with a sentence next to the field concerned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estafette.consent import messages as consent_messages
from estafette.consent.models import Consent, data_class_labels
from estafette.consent.policy import FALLBACK_PURPOSE, HANDOVER_PURPOSE_CONSENT
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Purpose
from estafette.organisations.models import Organisation

NOT_SEEN = gettext_lazy("your organisation may not see this itself")
NO_CONSENT = gettext_lazy("no consent for “%(purpose)s” covers this receiver")
NOT_COVERED = gettext_lazy("not covered by the consent for “%(purpose)s”")
"""Why a data class cannot travel, shown beside its disabled checkbox."""


@dataclass(frozen=True)
class ConsentLine:
    """One consent in force as the top of the form lists it, with the handovers it carries."""

    consent: Consent
    handover_purposes: list[str]


@dataclass(frozen=True)
class ClassOption:
    """One data class in the form: may it travel, is it pre-ticked, and if not, why not."""

    value: str
    label: str
    offered: bool
    covered: bool
    reason: str = ""


@dataclass(frozen=True)
class ConsentPosition:
    """What the consent allows for one receiver and purpose (or for none chosen yet).

    ``needs_consent``: false for a sentence transfer, which rests on law.
    ``consent``: the consent in force the handover would travel under (the one
    covering most of what the sender may pass on), ``None`` if there is none.
    ``refusal``: why nothing can be sent to this receiver for this purpose now
    (the sentence the service would refuse with), empty when it can.
    """

    chosen: bool
    needs_consent: bool
    consent_name: str
    consent: Consent | None
    refusal: str
    options: list[ClassOption] = field(default_factory=list)

    @property
    def pre_ticked(self) -> list[str]:
        return [o.value for o in self.options if o.offered and o.covered]

    @property
    def message_help(self) -> SafeString:
        """The help text of the message: under which consent it travels, and its bounds.

        Escaped here: Django's field template prints help text as it is, and a
        consent purpose's name is data an administrator edits.
        """
        if not self.chosen:
            text = _(
                "Written for the receiver: it travels with the handover under the consent "
                "that covers the receiver and purpose you choose, and may say nothing beyond "
                "what that consent covers."
            )
        elif not self.needs_consent:
            text = _(
                "Written for the receiver: a sentence transfer rests on law, not on consent. "
                "Write only what the prison needs to take over."
            )
        elif self.consent is None:
            text = _(
                "Written for the receiver, it would travel under the consent for "
                "“%(purpose)s”, which does not cover this receiver: record that consent first."
            ) % {"purpose": self.consent_name}
        else:
            text = _(
                "Written for the receiver: it travels with the handover under the consent for "
                "“%(purpose)s”, which covers: %(classes)s. Write nothing beyond that. The "
                "receiver reads it while the consent is in force."
            ) % {
                "purpose": self.consent_name,
                "classes": ", ".join(data_class_labels(self.consent.data_classes)),
            }
        return format_html("{}", text)


def consent_code_for(purpose: str) -> str | None:
    """The consent purpose a handover purpose needs (``None``: it rests on law)."""
    return HANDOVER_PURPOSE_CONSENT.get(purpose, FALLBACK_PURPOSE)


def consent_lines(consents: Iterable[Consent]) -> list[ConsentLine]:
    """The consents in force, each with the handover purposes it can carry (by name)."""
    lines = []
    for consent in consents:
        purposes = [
            str(label)
            for value, label in Purpose.choices
            if HANDOVER_PURPOSE_CONSENT.get(value, FALLBACK_PURPOSE) == consent.purpose.code
        ]
        lines.append(ConsentLine(consent=consent, handover_purposes=purposes))
    return lines


def _best_consent(
    consents: Iterable[Consent], code: str, receiver: Organisation, shareable: frozenset[str]
) -> Consent | None:
    """The consent of ``code`` covering ``receiver`` that lets most of ``shareable`` travel.

    Ties go to the newest. ``handover_send`` accepts any single consent in force
    that covers every class sent, so pre-ticking this one's classes always passes.
    """
    candidates = [c for c in consents if c.purpose.code == code and c.covers_recipient(receiver)]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda c: (len(set(c.data_classes) & shareable), c.given_on, c.pk),
    )


def consent_position(
    *,
    consents: list[Consent],
    shareable: frozenset[str],
    receiver: Organisation | None,
    purpose: str | None,
    purpose_name: Callable[[str], str],
) -> ConsentPosition:
    """The position for ``receiver`` and ``purpose`` (either may be missing: nothing chosen).

    ``consents``: the person's consents in force; ``shareable``: the classes the
    sender may see itself; ``purpose_name``: a consent purpose's name in the
    active language from its code (``consent.policy.purpose_name``; asked only
    when no consent in force names it).

    Per class, in this order: beyond what the sender sees → disabled ("your
    organisation may not see this itself"); nothing chosen or no consent needed →
    offered, not ticked; no consent in force → disabled; covered by the consent
    → offered and pre-ticked; otherwise disabled ("not covered by the consent for …").
    """
    chosen = receiver is not None and bool(purpose)
    code = consent_code_for(purpose) if purpose else None
    needs_consent = not chosen or code is not None
    consent = (
        _best_consent(consents, code, receiver, shareable)
        if chosen and code is not None and receiver is not None
        else None
    )
    named = next((c.purpose.name for c in consents if code and c.purpose.code == code), None)
    name = (
        consent.purpose.name
        if consent is not None
        else named or (purpose_name(code) if chosen and code else "")
    )
    refusal = ""
    if chosen and needs_consent and consent is None:
        # The very sentence handover_send would refuse with.
        refusal = str(consent_messages.CONSENT_MISSING) % {"purpose": name, "recipient": receiver}
    not_seen = str(NOT_SEEN)
    no_consent = str(NO_CONSENT) % {"purpose": name}
    not_covered = str(NOT_COVERED) % {"purpose": name}
    options = []
    for value, label in DataClass.choices:
        if value not in shareable:
            option = ClassOption(value, str(label), offered=False, covered=False, reason=not_seen)
        elif not chosen or not needs_consent:
            option = ClassOption(value, str(label), offered=True, covered=False)
        elif consent is None:
            option = ClassOption(value, str(label), offered=False, covered=False, reason=no_consent)
        elif value in consent.data_classes:
            option = ClassOption(value, str(label), offered=True, covered=True)
        else:
            option = ClassOption(
                value, str(label), offered=False, covered=False, reason=not_covered
            )
        options.append(option)
    return ConsentPosition(
        chosen=chosen,
        needs_consent=needs_consent,
        consent_name=name,
        consent=consent,
        refusal=refusal,
        options=options,
    )
