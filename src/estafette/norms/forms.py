"""The override form of the norms page: the organisation's own values, always with a reason.

The fields follow the norm's parameters: a number of days, or a range
"every a–b days" (two numbers). The service validates again and decides.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds
from estafette.norms.catalogue import Norm
from estafette.norms.services import REASON_REQUIRED

PARAM_LABELS: dict[str, Any] = {
    "days_before_release": _("days before release"),
    "within_days_after_release": _("days after release, at most"),
    "within_days": _("days after entry, at most"),
    "every_days": _("every so many days"),
    "basic_per_detention": _("visits per detention (basic package)"),
    "extra_per_year": _("visits a year (extra package)"),
    "max_periods": _("periods at most"),
    "period_days": _("days per period"),
    "about_days": _("days, about"),
}


NOT_SET = _("not set")


def param_label(name: str) -> str:
    return str(PARAM_LABELS.get(name, name.replace("_", " ")))


def params_words(params: dict[str, Any]) -> str:
    """A norm's values in words: "90 days before release", "every 42–56 days"."""
    parts = []
    for name, value in params.items():
        if value is None:
            parts.append(f"{param_label(name)}: {NOT_SET}")
        elif isinstance(value, list | tuple):
            parts.append(f"{param_label(name)}: {value[0]}–{value[1]}")
        else:
            parts.append(f"{param_label(name)}: {value}")
    return "; ".join(parts) if parts else str(_("no values (expected, no deadline)"))


def _number_field(name: str, *, label: str, initial: Any) -> forms.IntegerField:
    """A value of a norm, kept inside what it can mean (:data:`core.bounds.NORM_PARAMS`).

    ``initial`` is the value as stored, even when it lies outside the range
    (stored before the range was checked): the administrator sees it and the
    form refuses it until it is corrected.
    """
    bound = bounds.NORM_PARAMS.get(name)
    if bound is None:
        return forms.IntegerField(label=label, min_value=0, required=False, initial=initial)
    field = forms.IntegerField(label=label, required=False, initial=initial)
    bounds.bound_field(field, bound)
    return field


class NormOverrideForm(forms.Form):
    """Set the organisation's own values for one norm, or go back to the product's default."""

    reset = forms.BooleanField(
        label=_("Back to the product's default"),
        required=False,
        help_text=_("Ignores the values above."),
    )
    reason = forms.CharField(
        label=_("Why your organisation deviates"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REASON_REQUIRED},
    )

    def __init__(self, *args: Any, norm: Norm, current: dict[str, Any], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.norm = norm
        self.param_fields: list[str] = []
        for name, default in norm.params.items():
            value = current.get(name, default)
            if isinstance(default, list | tuple):
                low, high = (value or [None, None])[:2]
                for suffix, initial, word in (("low", low, _("from")), ("high", high, _("to"))):
                    key = f"p_{name}_{suffix}"
                    self.fields[key] = _number_field(
                        name, label=f"{param_label(name)} ({word})", initial=initial
                    )
                    self.param_fields.append(key)
            else:
                key = f"p_{name}"
                self.fields[key] = _number_field(name, label=param_label(name), initial=value)
                self.param_fields.append(key)
        # The values come first, the reason and the reset last.
        self.order_fields([*self.param_fields, "reset", "reason"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reset"):
            return cleaned
        for key in self.param_fields:
            if key in cleaned and cleaned[key] is None:
                self.add_error(key, _("Fill in a whole number of days (0 or more)."))
        for name, default in self.norm.params.items():
            if isinstance(default, list | tuple):
                low, high = cleaned.get(f"p_{name}_low"), cleaned.get(f"p_{name}_high")
                if low is not None and high is not None and low > high:
                    self.add_error(f"p_{name}_high", _("The end lies before the start."))
        return cleaned

    def params(self) -> dict[str, Any]:
        """The values for ``norm_override_set`` (``{}``: back to the default)."""
        data = self.cleaned_data
        if data.get("reset"):
            return {}
        result: dict[str, Any] = {}
        for name, default in self.norm.params.items():
            if isinstance(default, list | tuple):
                result[name] = [data[f"p_{name}_low"], data[f"p_{name}_high"]]
            else:
                result[name] = data[f"p_{name}"]
        return result

    def param_field_list(self) -> list[Any]:
        return [self[key] for key in self.param_fields]
