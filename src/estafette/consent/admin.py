"""Admin: administrators maintain the catalogue of consent purposes, nothing else.

Consents themselves are not in the admin on purpose: the admin would read and
change a person's special-category data past the access rules and the audit
log. They are recorded and withdrawn only through the consent pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from estafette.consent.models import ConsentPurpose


@admin.register(ConsentPurpose)
class ConsentPurposeAdmin(admin.ModelAdmin):
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
