"""Reads of the directory and organisations. Reference data is not personal data.

The reads of an organisation's administrator (issue 12, docs/organisation-admin.md) are
scoped to the organisations the actor runs (:func:`access.policy.managed_organisations_q`)
and audited; a membership or organisation outside them answers 404, audited, like a number
that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import NotPermitted
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.organisations.models import (
    Country,
    Membership,
    Municipality,
    Organisation,
    OrganisationKind,
)
from estafette.organisations.tokens import invitation_tokens

ONLY_ADMINISTRATOR = _("Only your organisation's administrator can manage its people and details.")
NO_MEMBER = _("There is no such person in the organisations you run. Look in your member list.")
INVITATION_INVALID = _(
    "This link does not work (any more): it was used, it expired, or it was copied "
    "incompletely. Ask your organisation's administrator to send a new invitation."
)
NO_ORGANISATION = _("There is no such organisation among the ones you run.")


def organisation_list(*, exclude: Organisation | None = None) -> QuerySet[Organisation]:
    """Active organisations a baton can be handed to, by name."""
    qs = Organisation.objects.filter(is_active=True).select_related("municipality")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("name")


def aftercare_desk_for(municipality: Municipality) -> Organisation | None:
    """The municipal after-care desk that serves ``municipality``.

    A central municipality's desk that lists ``municipality`` among those it
    serves wins over the municipality's own desk (DOMAIN.md §2, centrumgemeente).
    """
    central = (
        Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPAL_AFTERCARE,
            is_active=True,
            serves_municipalities=municipality,
        )
        .order_by("id")
        .first()
    )
    if central is not None:
        return central
    return (
        Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPAL_AFTERCARE, is_active=True, municipality=municipality
        )
        .order_by("id")
        .first()
    )


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.all()


def country_list() -> QuerySet[Country]:
    return Country.objects.all()


# --- running an organisation (issue 12) ---------------------------------------------------


def _require_manager(actor: Actor, object_type: str) -> None:
    """Refuse (403, audited) a role that runs no organisation."""
    if not policy.may_manage_organisations(actor):
        audit_record(actor=actor, action=AuditAction.DENIED, object_type=object_type, object_id="*")
        raise NotPermitted(ONLY_ADMINISTRATOR)


def managed_organisation_list(*, actor: Actor) -> list[Organisation]:
    """The organisations the actor runs: its own first, then its desks by name.

    Refuses (403, audited) a role that runs none.
    """
    _require_manager(actor, "organisations.organisation")
    rows = list(Organisation.objects.filter(policy.managed_organisations_q(actor)).order_by("name"))
    return sorted(rows, key=lambda o: o.pk != actor.organisation_id)


def organisation_managed_get(*, actor: Actor, pk: int) -> Organisation:
    """Organisation ``pk`` if the actor runs it, else 404 (audited)."""
    organisation = Organisation.objects.filter(policy.managed_organisations_q(actor), pk=pk).first()
    if organisation is None:
        refuse_not_found(
            actor=actor,
            object_type="organisations.organisation",
            object_id=pk,
            message=NO_ORGANISATION,
        )
    return organisation


def _with_second_factor(qs: QuerySet[Membership]) -> QuerySet[Membership]:
    """``has_second_factor``: the user has a confirmed authenticator app (one EXISTS per row)."""
    return qs.annotate(
        has_second_factor=Exists(
            TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True)
        )
    )


def membership_list(
    *, actor: Actor, organisation: Organisation | None = None
) -> QuerySet[Membership]:
    """Who has which role in the organisations the actor runs (or in ``organisation`` only).

    Each row carries its user and organisation and ``has_second_factor``; ordered by
    organisation, then name. Refuses (403, audited) a role that runs no organisation; the
    read itself is audited (who looked at the staff list). The rows are accounts, never a
    person's file. A page of them costs one query whatever its length.
    """
    _require_manager(actor, "organisations.membership")
    qs = Membership.objects.filter(
        organisation__in=Organisation.objects.filter(policy.managed_organisations_q(actor))
    )
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="organisations.membership",
        object_id="*",
        organisation_filter=organisation.pk if organisation is not None else None,
    )
    return _with_second_factor(qs.select_related("user", "organisation")).order_by(
        "organisation__name", "user__first_name", "user__last_name", "user__username", "id"
    )


def membership_get(*, actor: Actor, pk: int, audit: bool = True) -> Membership:
    """Membership ``pk`` if it is in an organisation the actor runs, else 404 (audited).

    Any other role gets the same 404: a number says nothing about who works where.
    """
    membership = (
        _with_second_factor(
            Membership.objects.filter(
                organisation__in=Organisation.objects.filter(policy.managed_organisations_q(actor)),
                pk=pk,
            )
        )
        .select_related("user", "organisation")
        .first()
    )
    if membership is None:
        refuse_not_found(
            actor=actor, object_type="organisations.membership", object_id=pk, message=NO_MEMBER
        )
    if audit:
        audit_record(actor=actor, action=AuditAction.VIEW, target=membership)
    return membership


def memberships_of_user(user_id: int) -> list[Membership]:
    """Every membership of a user, with its organisation (for the second-factor rule)."""
    return list(Membership.objects.filter(user_id=user_id).select_related("organisation"))


def user_by_email(email: str) -> Any:
    """The account that uses ``email`` (as address or as user name), if any."""
    users = get_user_model().objects.filter(email__iexact=email) | get_user_model().objects.filter(
        username__iexact=email
    )
    return users.order_by("id").first()


def invitation_user(*, actor: Actor | None, uidb64: str, token: str) -> Any:
    """The invited user of a one-time link, else 404 (audited).

    The link works while its token is valid (:mod:`organisations.tokens`: it expires, and
    setting the password ends it), the user still has no password of its own, and it still
    has an active membership of an active organisation (a deactivated invitation is over).
    """
    user = None
    if len(uidb64) <= 24 and len(token) <= 64:
        try:
            user_pk = int(force_str(urlsafe_base64_decode(uidb64)))
        except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
            user_pk = None
        if user_pk is not None and 0 < user_pk < 2**63:
            candidate = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
            if (
                candidate is not None
                and not candidate.has_usable_password()
                and invitation_tokens.check_token(candidate, token)
                and Membership.objects.filter(
                    user=candidate, is_active=True, organisation__is_active=True
                ).exists()
            ):
                user = candidate
    if user is None:
        refuse_not_found(
            actor=actor,
            object_type="organisations.invitation",
            object_id=uidb64,
            message=INVITATION_INVALID,
        )
    return user
