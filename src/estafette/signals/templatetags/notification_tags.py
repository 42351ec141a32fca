"""The header's counts: unread notifications, handovers waiting, outcomes to review.

Each is one query, only for a signed-in actor, and counted once per page
(kept on the request), however often the template asks.
"""

from __future__ import annotations

from typing import Any

from django import template

from estafette.access import policy
from estafette.signals.notifications.selectors import (
    HandoverAttention,
    handover_attention,
    notification_unread_count,
)

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


@register.simple_tag(takes_context=True)
def handovers_to_act_on(context: Any) -> HandoverAttention:
    """Handovers waiting for the actor's organisation's answer, and outcomes to review.

    Nothing (and no query) without an actor, or for a role that does not act on
    handovers — volunteers, buddies and the organisation's administrator, who
    are not notified of them either. Counted once per page.
    """
    actor = context.get("actor")
    if actor is None or not policy.may_be_notified(actor):
        return HandoverAttention()
    request = context.get("request")
    cached = getattr(request, "_handovers_to_act_on", None)
    if cached is not None:
        return cached
    attention = handover_attention(actor=actor)
    if request is not None:
        request._handovers_to_act_on = attention
    return attention
