"""The notification pages: the list, marking read, opening, and the e-mail setting. Thin views."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from estafette.core.actor import Actor
from estafette.core.views import actor_required
from estafette.signals.notifications import messages
from estafette.signals.notifications.forms import PreferenceForm
from estafette.signals.notifications.selectors import notification_page, notification_target
from estafette.signals.notifications.services import (
    notification_mark_read,
    notification_preference_get,
    notification_preference_set,
    notifications_mark_all_read,
)


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@actor_required
@require_http_methods(["GET", "HEAD"])
def notification_list(request: HttpRequest) -> HttpResponse:
    """The actor's notifications, unread first, with buttons to open and mark read."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    page_obj, rows = notification_page(actor=actor, page=_page_number(request))
    response = render(
        request,
        "signals/notifications/list.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "any_unread": any(not row.is_read for row in rows),
        },
    )
    add_never_cache_headers(response)
    return response


@actor_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    notification_mark_read(actor=actor, pk=pk)
    flash.success(request, str(messages.MARKED_READ))
    return redirect("notifications")


@actor_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and go to the signal (or the file); back to the list if it can't be opened."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    notification_mark_read(actor=actor, pk=pk)
    target = notification_target(actor=actor, pk=pk)
    return redirect(target or "notifications")


@actor_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    notifications_mark_all_read(actor=actor)
    flash.success(request, str(messages.ALL_MARKED_READ))
    return redirect("notifications")


@actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """How often the user gets e-mail about new signals (immediate, daily, never)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            notification_preference_set(
                actor=actor, email_frequency=form.cleaned_data["email_frequency"]
            )
            flash.success(request, str(messages.PREFERENCE_SAVED))
            return redirect("notification-settings")
        status = 400
    else:
        form = PreferenceForm(initial={"email_frequency": notification_preference_get(actor=actor)})
    return render(request, "signals/notifications/settings.html", {"form": form}, status=status)
