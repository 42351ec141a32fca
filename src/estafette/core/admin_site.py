"""The admin site: staff only, after the same sign-in (password and second factor) as everyone.

The admin has no login form of its own: it sends people to the one sign-in
page (throttled, audited, with the second factor) and back.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from estafette.core import bounds, two_factor
from estafette.core.errors import NotPermitted

NOT_STAFF = _("Your account has no access to the administration.")


class BoundedInputAdmin(admin.ModelAdmin):
    """Every date and number an administrator types stays inside a plausible range, and
    every input has a name a screen reader can say (WCAG 2.1 AA, issue 13).

    Dates and times: :data:`core.bounds.ANY_DATE` (1900–2100; a year 1 would
    not even survive the conversion to UTC). Numbers: the range named for the
    field in :data:`core.bounds.ADMIN_NUMBERS`. Mixed into every model admin
    registered on this site (:meth:`EstafetteAdminSite.register`), ours and
    the libraries' alike.

    Accessibility, for Django's own widgets: the split date and time inputs get a label
    each (``aria-label``: "<field>: date" / "time"; Django labels only the pair), and
    many-to-many fields are plain multiple selects instead of ``filter_horizontal``'s
    script widget, which puts an ``aria-label`` on a span without a role.
    """

    filter_horizontal: ClassVar[list[str] | tuple[str, ...]] = ()
    filter_vertical: ClassVar[list[str] | tuple[str, ...]] = ()

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return None
        if isinstance(db_field, models.DateField | models.DateTimeField):
            # Split date and time inputs share one widget: no min/max on the time part.
            bounds.bound_field(field, bounds.ANY_DATE, attrs=isinstance(db_field, models.DateField))
            parts = getattr(field.widget, "widgets", None)
            if parts is not None and len(parts) == 2:
                name = capfirst(str(db_field.verbose_name))
                parts[0].attrs["aria-label"] = f"{name}: {_('date')}"
                parts[1].attrs["aria-label"] = f"{name}: {_('time')}"
        elif isinstance(db_field, models.IntegerField) and not db_field.choices:
            opts = db_field.model._meta
            bound = bounds.ADMIN_NUMBERS.get(f"{opts.app_label}.{opts.model_name}.{db_field.name}")
            if bound is not None:
                bounds.bound_field(field, bound)
        return field


class EstafetteAdminSite(admin.AdminSite):
    site_header = "Estafette"
    site_title = "Estafette"

    def register(
        self,
        model_or_iterable: Any,
        admin_class: type[admin.ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        """Register as Django does, with :class:`BoundedInputAdmin` mixed into the admin class."""
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, BoundedInputAdmin):
            base = type(base.__name__, (BoundedInputAdmin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)

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


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list an administrator reads and acts on, but never edits, adds to or deletes from.

    For records the product keeps itself (the e-mail outbox, trajectories whose signals
    could not be evaluated): their history is the point, so no hand may rewrite it.
    """

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
