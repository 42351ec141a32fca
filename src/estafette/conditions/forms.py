"""The form to record one basic condition's status (checks input; the service decides)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.conditions import messages
from estafette.conditions.models import Condition, Status
from estafette.core import bounds
from estafette.trajectories.forms import DateInput, EstafetteForm


class ConditionForm(EstafetteForm):
    """Status and the day it holds from; one per condition, so each has its own prefix."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    since = forms.DateField(
        label=_("Since"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args: Any, current: str, condition: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"status": current})
        super().__init__(*args, **kwargs)
        self.current = current
        bounds.bound_field(
            self.fields["since"], bounds.CONDITION_SINCE, too_late=messages.SINCE_IN_FUTURE
        )
        if condition:
            # Eight forms on one page: each status field says which condition it is about.
            self.fields["status"].label = _("Status of: %(condition)s") % {
                "condition": Condition(condition).label
            }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == self.current:
            self.add_error("status", messages.UNCHANGED)
        return cleaned


def form_prefix(condition: str) -> str:
    return f"condition-{condition}"
