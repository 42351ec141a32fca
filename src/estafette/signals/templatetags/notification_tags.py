"""The header's count of unread notifications (one query, only for a signed-in actor)."""

from __future__ import annotations

from typing import Any

from django import template

from estafette.signals.notifications.selectors import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    """Unread notifications of the page's actor; 0 without one. Counted once per page."""
    actor = context.get("actor")
    if actor is None:
        return 0
    request = context.get("request")
    cached = getattr(request, "_unread_notifications", None)
    if cached is not None:
        return int(cached)
    count = notification_unread_count(actor=actor)
    if request is not None:
        request._unread_notifications = count
    return count
