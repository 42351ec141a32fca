"""Template questions of the portal app to the access policy."""

from __future__ import annotations

from typing import Any

from django import template

from estafette.access import policy

register = template.Library()


@register.filter
def may_hand_sign_in_code(actor: Any) -> bool:
    """``{% if actor|may_hand_sign_in_code %}``: a role that hands paper sign-in codes (a part
    in the file is checked by the page itself)."""
    return actor is not None and policy.may_hand_sign_in_code(actor)
