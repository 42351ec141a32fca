"""The admin site: staff only, after the same sign-in (password and second factor) as everyone.

The admin has no login form of its own: it sends people to the one sign-in
page (throttled, audited, with the second factor) and back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from estafette.core import two_factor
from estafette.core.errors import NotPermitted

NOT_STAFF = _("Your account has no access to the administration.")


class EstafetteAdminSite(admin.AdminSite):
    site_header = "Estafette"
    site_title = "Estafette"

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff who completed the second factor (when one is required)."""
        return super().has_permission(request) and not two_factor.is_pending(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        index = reverse("admin:index", current_app=self.name)
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = index
        if not request.user.is_authenticated:
            return redirect_to_login(next_url)
        if two_factor.is_pending(request):
            return redirect(two_factor.next_step_url(request.user, next_url))
        if not self.has_permission(request):
            raise NotPermitted(NOT_STAFF)
        return redirect(next_url)
