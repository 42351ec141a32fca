"""The plan's forms: they check the shape of the input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds
from estafette.personal_plan import messages
from estafette.personal_plan.models import (
    COMMENT_MAX_LENGTH,
    STEP_MAX_LENGTH,
    WORDS_MAX_LENGTH,
    Answer,
    StepOwner,
    WordsKind,
)
from estafette.personal_plan.services import STEP_DUE
from estafette.trajectories.forms import DateInput, EstafetteForm

WORDS_HELP = {
    WordsKind.WANT: _("For example: a home of my own, work, seeing my children."),
    WordsKind.WORRY: _("For example: money, where to sleep, my family."),
    WordsKind.GOOD_AT: _("For example: cooking, working with my hands, languages."),
}


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class OwnWordsForm(EstafetteForm):
    """The three questions; an empty box takes earlier words back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in WordsKind:
            self.fields[kind.value] = forms.CharField(
                label=kind.label,
                required=False,
                max_length=WORDS_MAX_LENGTH,
                widget=_textarea(),
                help_text=WORDS_HELP[kind],
            )


class OwnStepForm(EstafetteForm):
    text = forms.CharField(
        label=_("What do you want to do?"),
        max_length=STEP_MAX_LENGTH,
        help_text=_("For example: call the housing corporation."),
    )
    due = forms.DateField(
        label=_("When? (you may leave this empty)"),
        required=False,
        widget=DateInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "step")
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["due"], STEP_DUE, too_early=messages.STEP_DUE_IN_PAST)


class AnswerForm(EstafetteForm):
    """The person's answer to one proposal (one form per step: its own prefix)."""

    answer = forms.ChoiceField(
        label=_("Your answer"), choices=Answer.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Your comment (you may leave this empty if you agree or do not agree)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=_textarea(2),
    )

    def __init__(self, *args: Any, step_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"answer-{step_id}")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("answer") == Answer.COMMENT and not cleaned.get("comment", "").strip():
            self.add_error("comment", messages.COMMENT_EMPTY)
        return cleaned


class ProposeForm(EstafetteForm):
    """A worker proposes a step: for the person to do, or for its own organisation."""

    text = forms.CharField(label=_("Step"), max_length=STEP_MAX_LENGTH)
    owner = forms.ChoiceField(
        label=_("Who does it?"),
        choices=[
            (StepOwner.PERSON.value, _("The person")),
            (StepOwner.ORGANISATION.value, _("Our organisation")),
        ],
        initial=StepOwner.PERSON.value,
        widget=forms.RadioSelect,
    )
    due = forms.DateField(label=_("By when"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "propose")
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["due"], STEP_DUE, too_early=messages.PROPOSAL_DUE_IN_PAST)
