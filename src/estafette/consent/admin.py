"""Admin: administrators maintain the catalogue of consent purposes, nothing else.

Consents themselves are not in the admin on purpose: the admin would read and
change a person's special-category data past the access rules and the audit
log. They are recorded and withdrawn only through the consent pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from estafette.consent.models import ConsentPurpose
from estafette.core.data_classes import DataClass


class ConsentPurposeForm(forms.ModelForm[ConsentPurpose]):
    """The purpose's classes as tick boxes, never as raw JSON; the default within the maximum."""

    default_classes = forms.MultipleChoiceField(
        label=_("information covered by default"),
        choices=DataClass.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=ConsentPurpose._meta.get_field("default_classes").help_text,
    )
    max_classes = forms.MultipleChoiceField(
        label=_("most information the purpose may cover"),
        choices=DataClass.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=ConsentPurpose._meta.get_field("max_classes").help_text,
    )

    class Meta:
        model = ConsentPurpose
        fields = (
            "code",
            "name_nl",
            "name_en",
            "description_nl",
            "description_en",
            "is_active",
            "order",
            "default_classes",
            "max_classes",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        usual = set(cleaned.get("default_classes") or [])
        most = set(cleaned.get("max_classes") or [])
        if usual - most:
            self.add_error(
                "default_classes",
                _("The usual information must lie within the most the purpose may cover."),
            )
        # Stored in the catalogue's order, like a consent's classes.
        cleaned["default_classes"] = [c for c in DataClass.values if c in usual]
        cleaned["max_classes"] = [c for c in DataClass.values if c in most]
        return cleaned


@admin.register(ConsentPurpose)
class ConsentPurposeAdmin(admin.ModelAdmin):
    form = ConsentPurposeForm
    list_display = ("code", "name_nl", "name_en", "is_active", "built_in", "order")
    list_filter = ("is_active", "built_in")
    search_fields = ("code", "name_nl", "name_en")
    ordering = ("order", "name_en")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A code in use is referenced by the handover check and by recorded consents:
        # once saved it stays. Retire a purpose by unticking "in use" instead.
        if obj is not None:
            return ("code", "built_in")
        return ("built_in",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.built_in or obj.consents.exists()):
            return False
        return super().has_delete_permission(request, obj)
