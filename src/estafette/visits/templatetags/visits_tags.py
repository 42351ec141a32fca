"""``{% contact_panel %}``: the contacts panel on the trajectory page, from the page's context.

The trajectory page passes nothing new: the tag reads ``trajectory``,
``access`` (the policy's answer the page already has) and ``participants``
from the context, so the trajectory view does not change.
"""

from __future__ import annotations

from typing import Any

from django import template

from estafette.access import policy
from estafette.core import clock
from estafette.core.data_classes import DataClass
from estafette.trajectories.models import ParticipantRole
from estafette.visits.forms import ContactForm, ContactWithdrawForm, withdraw_prefix
from estafette.visits.models import RequestState
from estafette.visits.selectors import contact_panel_get
from estafette.visits.services import kinds_for

register = template.Library()


@register.inclusion_tag("visits/includes/panel.html", takes_context=True)
def contact_panel(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    actor = request.actor
    trajectory = context["trajectory"]
    access = context["access"]
    # The page read was audited by trajectory_get; the panel is part of that view.
    panel = contact_panel_get(actor=actor, trajectory=trajectory, access=access, audit=False)
    kinds = kinds_for(actor) if not trajectory.is_closed else ()
    today = clock.today()
    has_volunteer = any(
        p.role == ParticipantRole.VISITING_VOLUNTEER
        and p.since <= today
        and (p.until is None or p.until >= today)
        for p in context.get("participants") or ()
    )
    may_request = (
        policy.may_ask_for_volunteer(actor) and trajectory.is_abroad and not trajectory.is_closed
    )
    request_open = panel.request is not None and panel.request.state == RequestState.OPEN
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "trajectory": trajectory,
        "panel": panel,
        # Each contact with its withdraw form, for the contacts the actor recorded.
        "rows": [
            (
                item,
                ContactWithdrawForm(prefix=withdraw_prefix(item.moment))
                if item.may_withdraw
                else None,
            )
            for item in panel.items
        ],
        "form": (
            ContactForm(kinds=kinds, sees_notes=access.sees(DataClass.NOTES), prefix="contact")
            if kinds
            else None
        ),
        "may_request": may_request,
        "request_open": request_open,
        "can_ask": may_request and not request_open and not has_volunteer,
        "has_volunteer": has_volunteer,
    }
