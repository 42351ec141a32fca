"""``{% conditions_panel %}``: the basic conditions panel of the trajectory page.

An inclusion tag, so the trajectory view needs no change: the panel reads what
it needs from the page's context (the actor, the trajectory and the access
answer the page already has) in one query.
"""

from __future__ import annotations

from typing import Any

from django import template

from estafette.conditions.forms import ConditionForm, form_prefix
from estafette.conditions.selectors import ConditionRow, conditions_board

register = template.Library()

STATUS_BADGES = {
    "open": "badge--overdue",
    "being_arranged": "badge--state-sent",
    "arranged": "badge--state-taken_up",
    "not_needed": "badge--state-taken_up",
}


@register.inclusion_tag("conditions/panel.html", takes_context=True)
def conditions_panel(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    trajectory = context["trajectory"]
    # The page has audited the view of this person's file already (trajectory_get).
    board = conditions_board(
        actor=request.actor, trajectory=trajectory, access=context.get("access"), audit=False
    )

    def item(row: ConditionRow) -> dict[str, Any]:
        form = (
            ConditionForm(
                current=row.status, condition=row.condition, prefix=form_prefix(row.condition)
            )
            if board.can_record
            else None
        )
        return {"row": row, "form": form, "badge": STATUS_BADGES.get(row.status, "")}

    return {
        "board": board,
        "trajectory": trajectory,
        "life": [item(r) for r in board.life],
        "way_home": [item(r) for r in board.way_home],
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
