"""Form widgets shared by the apps.

:class:`LongSelect` exists for speed: Django's ``Select`` renders every option through
the template engine, which for the lists of 250 countries, 342 municipalities or ~390
organisations cost 15–20 ms of a caseload or trajectory page (measured on the national
dataset, issue 9). It produces the same HTML, built in Python.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _attributes(attrs: dict[str, Any]) -> str:
    """Attributes as Django's ``attrs.html`` writes them: ``True`` bare, ``False`` left out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        elif value is not False:
            parts.append(format_html(' {}="{}"', name, str(value)))
    return "".join(parts)


class LongSelect(forms.Select):
    """A ``Select`` for hundreds of options: the same markup, without a template per option."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html('<select name="{}"', widget["name"]), _attributes(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                html.append(
                    format_html('\n  <option value="{}"', option["value"])
                    + _attributes(option["attrs"])
                    + format_html(">{}</option>\n", option["label"])  # as the option template
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))
