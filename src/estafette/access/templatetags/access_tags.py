"""Template questions to the access policy (so a template never decides by role itself)."""

from __future__ import annotations

from typing import Any

from django import template

from estafette.access import policy

register = template.Library()


@register.filter
def may_request_emergency_access(actor: Any) -> bool:
    """``{% if actor|may_request_emergency_access %}``: a professional role."""
    return actor is not None and policy.may_request_emergency_access(actor)


@register.filter
def may_review_emergency_access(actor: Any) -> bool:
    """``{% if actor|may_review_emergency_access %}``: a role that reviews emergency access."""
    return actor is not None and policy.may_review_emergency_access(actor)


@register.filter
def may_set_norms(actor: Any) -> bool:
    """``{% if actor|may_set_norms %}``: the organisation's administrator of norms."""
    return actor is not None and policy.may_set_norms(actor)


@register.filter
def may_search_people(actor: Any) -> bool:
    """``{% if actor|may_search_people %}``: a role that searches the people register."""
    return actor is not None and policy.may_search_people(actor)


@register.filter
def may_manage_organisations(actor: Any) -> bool:
    """``{% if actor|may_manage_organisations %}``: the administrator who runs an organisation."""
    return actor is not None and policy.may_manage_organisations(actor)


@register.filter
def may_do_intake(actor: Any) -> bool:
    """``{% if actor|may_do_intake %}``: the actor's organisation and role register people."""
    return actor is not None and policy.may_do_intake(actor)
