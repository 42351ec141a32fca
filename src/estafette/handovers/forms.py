"""Forms for handing the baton on and for answering a handover.

They check what a user can correct on the spot; the services still decide
(and refuse with 409/403 where the state or the party is wrong).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds, clock
from estafette.core.data_classes import DataClass
from estafette.core.widgets import LongSelect
from estafette.handovers import messages
from estafette.handovers.models import Purpose
from estafette.handovers.services import DEFAULT_ANSWER_DAYS
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.trajectories.forms import ALL, DateInput, EstafetteForm, organisation_choices

HUMAN_ACTIONS = ("accept", "decline", "withdraw", "take_up", "no_show")
"""Transitions a person makes through the interface; ``expire`` is the system's alone."""

REASON_LABELS = {
    "accept": _("Note for the sender (optional)"),
    "decline": _("Why do you decline?"),
    "withdraw": _("Why do you withdraw the handover?"),
    "take_up": _("Note (optional)"),
    "no_show": _("What happened? What have you tried?"),
}


class TransitionForm(EstafetteForm):
    """The reason (or note) that goes with a transition; required where the state table says so."""

    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": messages.REASON_REQUIRED},
    )

    entered_on = forms.DateField(
        label=_("Entered your prison on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "If the person has arrived: the domestic norms (screening, mentor, D&R plan) "
            "run from this day."
        ),
    )

    def __init__(
        self,
        *args: Any,
        action: str,
        reason_required: bool,
        purpose: str = "",
        **kwargs: Any,
    ) -> None:
        """``purpose``: the handover's; a sentence transfer's accept and take-up also ask
        for the day the person entered the Dutch prison (optional)."""
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.required = reason_required
        field.label = REASON_LABELS.get(action, _("Reason"))
        self.action = action
        if purpose == Purpose.SENTENCE_TRANSFER and action in ("accept", "take_up"):
            bounds.bound_field(self.fields["entered_on"], bounds.DETENTION_START)
        else:
            del self.fields["entered_on"]

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if self.fields["reason"].required and not reason:
            raise forms.ValidationError(messages.REASON_REQUIRED, code="required")
        return reason


class HandoverStartForm(EstafetteForm):
    """Offer the baton to the next runner: who, why, with which message and information.

    The data classes are all in the catalogue; the template shows each with what
    the consent position (:mod:`handovers.position`) says of it — offered and
    pre-ticked, or disabled with the reason. Whether a class may travel is the
    service's decision (``handover_send``): a class beyond the consent or beyond
    what the sender sees is refused there, and the view puts that sentence next
    to this field with everything typed kept.
    """

    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=[(ALL, _("All kinds")), *OrganisationKind.choices],
        help_text=_("Narrows the list of receivers below."),
    )
    q = forms.CharField(
        label=_("Find a receiver"),
        required=False,
        max_length=80,
        help_text=_("Part of the name or of the municipality; the list below follows."),
    )
    receiver = forms.ModelChoiceField(
        label=_("Receiver"),
        queryset=Organisation.objects.none(),
        error_messages={"required": _("Choose the organisation that should take the baton.")},
        widget=LongSelect,
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What do you ask of the receiver?"),
        error_messages={"required": messages.MESSAGE_REQUIRED},
    )
    information = forms.CharField(
        label=_("Information that goes with it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What the receiver needs to take the baton: situation, wishes, what is arranged. "
            "It travels with the message, under the same consent."
        ),
    )
    data_classes = forms.MultipleChoiceField(
        label=_("Data that travels with the handover"),
        required=False,
        choices=DataClass.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what the receiver needs for this purpose."),
    )
    respond_by = forms.DateField(
        label=_("Answer expected by"),
        widget=DateInput(),
        help_text=_("Until this day the baton is in the air; after it the handover expires."),
    )

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        listed: Iterable[Organisation],
        suggested: Iterable[Organisation] = (),
        message_help: str = "",
        swap_url: str = "",
        **kwargs: Any,
    ) -> None:
        """``organisations``: every valid receiver; ``listed``: those shown (narrowed by kind
        and search).

        ``message_help``: the consent the message travels under and its bounds
        (``ConsentPosition.message_help``), added to the message's help text.
        ``swap_url``: where htmx fetches the consent fragment when the receiver or
        the purpose changes (none: no htmx attributes).
        """
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("respond_by", clock.today() + dt.timedelta(days=DEFAULT_ANSWER_DAYS))
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["receiver"])
        field.queryset = organisations
        field.widget.choices = organisation_choices(listed, suggested)
        if message_help:
            self.fields["message"].help_text = format_html(
                "{} {}", self.fields["message"].help_text, message_help
            )
        if swap_url:
            # Changing either re-reads what the consent allows (the fragment below); the
            # rest of the form, and what was typed in it, stays as it is.
            for name, other in (("receiver", "#id_purpose"), ("purpose", "#id_receiver")):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": swap_url,
                        "hx-trigger": "change",
                        "hx-target": "#consent-field",
                        "hx-swap": "outerHTML",
                        "hx-include": other,
                        "aria-controls": "consent-field",
                    }
                )
        bounds.bound_field(
            self.fields["respond_by"], bounds.ANSWER_DATE, too_early=messages.RESPOND_BY_PAST
        )

    def clean_message(self) -> str:
        message = (self.cleaned_data.get("message") or "").strip()
        if not message:
            raise forms.ValidationError(messages.MESSAGE_REQUIRED, code="required")
        return message
