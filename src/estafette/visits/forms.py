"""The "record a contact" form and the volunteer request forms (they check; services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds, clock
from estafette.trajectories.forms import DateInput, EstafetteForm
from estafette.visits import messages
from estafette.visits.models import Channel, ContactKind, RequestState
from estafette.visits.services import NOTE_MAX, WITHDRAWAL_REASON_MAX


class ContactForm(EstafetteForm):
    """What happened, when, how, and (for those who read notes) a short note.

    ``kinds`` are the kinds the actor's role may record; with one kind the
    field still shows it, so the volunteer sees what is recorded.
    """

    kind = forms.ChoiceField(label=_("What happened"), widget=forms.RadioSelect)
    happened_on = forms.DateField(label=_("Date"), widget=DateInput())
    channel = forms.ChoiceField(
        label=_("How"),
        choices=Channel.choices,
        initial=Channel.FACE_TO_FACE,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Short note (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A few words are enough. No report, no diagnosis."),
    )

    def __init__(self, *args: Any, kinds: tuple[str, ...], sees_notes: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ContactKind.choices)
        kind_field: forms.ChoiceField = self.fields["kind"]  # type: ignore[assignment]
        kind_field.choices = [(k, labels[k]) for k in kinds]
        if len(kinds) == 1:
            kind_field.initial = kinds[0]
        self.fields["happened_on"].initial = clock.today()
        bounds.bound_field(
            self.fields["happened_on"], bounds.CONTACT_ON, too_late=messages.IN_FUTURE
        )
        if not sees_notes:
            del self.fields["note"]


class ContactWithdrawForm(EstafetteForm):
    """Why a contact recorded by mistake is withdrawn (required; the service decides who may).

    Build it with ``prefix=withdraw_prefix(moment)`` so each contact's form on the
    trajectory page has field ids of its own.
    """

    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=WITHDRAWAL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example: recorded for the wrong person, or twice. The contact stays "
            "visible as withdrawn and no longer counts for the norms."
        ),
        error_messages={"required": messages.WITHDRAWAL_REASON_REQUIRED},
    )


def withdraw_prefix(moment: Any) -> str:
    """The form prefix of the withdraw form of ``moment`` (unique on the page)."""
    return f"withdraw-{moment.pk}"


class VolunteerRequestForm(EstafetteForm):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VolunteerAnswerForm(EstafetteForm):
    state = forms.ChoiceField(
        choices=[
            (RequestState.MATCHED, RequestState.MATCHED.label),
            (RequestState.NONE_AVAILABLE, RequestState.NONE_AVAILABLE.label),
        ],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(required=False, max_length=NOTE_MAX, widget=forms.HiddenInput)
