"""The pages of an organisation's administrator (issue 12): members, invite, details.

Thin: reads through :mod:`organisations.selectors` (scoped to the organisations the actor
runs, audited), changes through :mod:`organisations.services`. A page without a number
refuses any other role with 403 (audited); a page with a number answers 404 (audited)
for a membership or organisation the actor does not run, whatever its role, so a number
says nothing about who works where. The invitation's link is the one page for a visitor
who is not signed in. See docs/organisation-admin.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.errors import DomainError
from estafette.core.views import actor_required
from estafette.organisations.forms import (
    InviteForm,
    OrganisationDetailsForm,
    SecondFactorResetForm,
)
from estafette.organisations.models import Membership, Organisation, Role
from estafette.organisations.selectors import (
    INVITATION_INVALID,
    invitation_user,
    managed_organisation_list,
    membership_get,
    membership_list,
    organisation_managed_get,
)
from estafette.organisations.services import (
    invitation_password_set,
    member_invitation_resend,
    member_invite,
    membership_deactivate,
    membership_reactivate,
    organisation_details_update,
    second_factor_reset,
)
from estafette.organisations.tokens import invitation_days

MEMBERS_PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")[:6]))
    except ValueError:
        return 1


def _mail_notice(request: HttpRequest, sent: bool, address: str) -> None:
    if sent:
        messages.success(request, _("An e-mail went to %(address)s.") % {"address": address})
    else:
        messages.error(
            request,
            _(
                "The e-mail to %(address)s could not be sent (the mail server did not take it). "
                "Try again later with “Send the invitation again”, or tell the person yourself."
            )
            % {"address": address},
        )


@actor_required
@require_http_methods(["GET", "HEAD"])
def organisation_members(request: HttpRequest) -> HttpResponse:
    """Who has which role: the actor's organisation and its desks, one page of members."""
    actor = _actor(request)
    organisations = managed_organisation_list(actor=actor)  # 403 (audited) for other roles
    chosen: Organisation | None = None
    wanted = request.GET.get("organisation", "")
    if wanted.isdigit() and len(wanted) < 19:
        chosen = next((o for o in organisations if o.pk == int(wanted)), None)
    page_obj = Paginator(membership_list(actor=actor, organisation=chosen), MEMBERS_PAGE_SIZE)
    page = page_obj.get_page(_page_number(request))
    context = {
        "organisations": organisations,
        "chosen": chosen,
        "page_obj": page,
        "members": list(page.object_list),
        "several": len(organisations) > 1,
    }
    return render(request, "organisations/members.html", context)


def _roles_table(organisations: list[Organisation]) -> list[tuple[Organisation, list[str]]]:
    return [
        (o, [str(Role(r).label) for r in policy.roles_for_organisation(o)]) for o in organisations
    ]


@actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_invite(request: HttpRequest) -> HttpResponse:
    """Invite someone with a role; an address already in use gets the role on its account."""
    actor = _actor(request)
    # An organisation that has stopped takes no new people (its memberships could not act).
    organisations = [o for o in managed_organisation_list(actor=actor) if o.is_active]
    form = InviteForm(
        request.POST if request.method == "POST" else None,
        actor=actor,
        organisations=organisations,
        initial={"organisation": actor.organisation_id},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                invited = member_invite(
                    actor=actor,
                    organisation=data["organisation_object"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    role=data["role"],
                )
            except DomainError as refusal:
                # The form checked names, address and role; what the service still refuses
                # is about the account behind the address (in use, or the actor's own).
                form.add_error("role" if refusal.status == 400 else "email", str(refusal))
            else:
                membership = invited.membership
                if invited.new_user:
                    messages.success(
                        request,
                        _("%(name)s is invited as %(role)s.")
                        % {
                            "name": membership.user.get_full_name(),
                            "role": membership.get_role_display(),
                        },
                    )
                else:
                    messages.info(
                        request,
                        _(
                            "%(address)s already has an Estafette account: the role %(role)s "
                            "was added to it. No second account was made."
                        )
                        % {"address": membership.user.email, "role": membership.get_role_display()},
                    )
                _mail_notice(request, invited.mail_sent, membership.user.email)
                return redirect("organisation-member", pk=membership.pk)
        status = 400
    context = {"form": form, "roles_table": _roles_table(organisations), "days": invitation_days()}
    return render(request, "organisations/invite.html", context, status=status)


def _member_page(
    request: HttpRequest,
    membership: Membership,
    *,
    reset_form: SecondFactorResetForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    context: dict[str, Any] = {
        "membership": membership,
        "member": membership.user,
        "pending": not membership.user.has_usable_password(),
        "may_change": policy.may_change_membership(actor, membership),
        "own": membership.user_id == actor.user_id,
        "reset_form": reset_form or SecondFactorResetForm(),
        "error": error,
    }
    return render(request, "organisations/member.html", context, status=status)


@actor_required
@require_http_methods(["GET", "HEAD"])
def organisation_member(request: HttpRequest, pk: int) -> HttpResponse:
    """One membership: the account, its role, and what the administrator can do with it."""
    membership = membership_get(actor=_actor(request), pk=pk)
    return _member_page(request, membership)


def _member_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    actor = _actor(request)
    membership = membership_get(actor=actor, pk=pk, audit=False)
    try:
        action(actor=actor, membership=membership)
    except DomainError as refusal:
        return _member_page(request, membership, error=str(refusal), status=refusal.status)
    messages.success(request, done)
    return redirect("organisation-member", pk=membership.pk)


@actor_required
@require_http_methods(["POST"])
def organisation_member_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop a membership (and the account with its last one)."""
    return _member_action(
        request,
        pk,
        membership_deactivate,
        _("Deactivated: from now on this person cannot act in this role."),
    )


@actor_required
@require_http_methods(["POST"])
def organisation_member_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a membership again."""
    return _member_action(
        request, pk, membership_reactivate, _("Reactivated: this role works again.")
    )


@actor_required
@require_http_methods(["POST"])
def organisation_member_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the invitation again, with a new link."""
    actor = _actor(request)
    membership = membership_get(actor=actor, pk=pk, audit=False)
    try:
        sent = member_invitation_resend(actor=actor, membership=membership)
    except DomainError as refusal:
        return _member_page(request, membership, error=str(refusal), status=refusal.status)
    _mail_notice(request, sent, membership.user.email)
    return redirect("organisation-member", pk=membership.pk)


@actor_required
@require_http_methods(["POST"])
def organisation_member_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a lost authenticator app (and recovery codes), with a reason; the user is told."""
    actor = _actor(request)
    membership = membership_get(actor=actor, pk=pk, audit=False)
    form = SecondFactorResetForm(request.POST)
    if not form.is_valid():
        return _member_page(request, membership, reset_form=form, status=400)
    try:
        sent = second_factor_reset(
            actor=actor, membership=membership, reason=form.cleaned_data["reason"]
        )
    except DomainError as refusal:
        if refusal.status == 400:
            form.add_error("reason", str(refusal))
            return _member_page(request, membership, reset_form=form, status=400)
        return _member_page(
            request, membership, reset_form=form, error=str(refusal), status=refusal.status
        )
    messages.success(
        request,
        _("The second factor is removed: at the next sign-in a new authenticator app is added."),
    )
    _mail_notice(request, sent, membership.user.email)
    return redirect("organisation-member", pk=membership.pk)


@actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_details(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation's own details: visiting address, phone, e-mail, website, hours."""
    actor = _actor(request)
    organisation = organisation_managed_get(actor=actor, pk=pk)
    form = OrganisationDetailsForm(
        request.POST if request.method == "POST" else None, instance=organisation
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fresh = Organisation.objects.get(pk=organisation.pk)  # the form changed its copy
            changed = organisation_details_update(actor=actor, organisation=fresh, **form.values())
            if changed:
                messages.success(
                    request, _("The details of %(name)s are saved.") % {"name": fresh.name}
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("organisation-details", pk=organisation.pk)
        status = 400
    return render(
        request,
        "organisations/details.html",
        {"organisation": organisation, "form": form},
        status=status,
    )


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The invitation's one-time link: choose a password, then sign in and add the app.

    404 (audited) for a link that does not work (used, expired, cut short, revoked).
    After the password is set the link stops working; the user signs in on the login page
    and, the first time, adds an authenticator app (``core.views.two_factor_setup``).
    """
    try:
        user: Any = invitation_user(
            actor=getattr(request, "actor", None), uidb64=uidb64, token=token
        )
    except Http404:
        # Audited already; the invitee is told what to do, not shown the generic 404 page.
        return render(
            request,
            "organisations/invitation_invalid.html",
            {"message": INVITATION_INVALID, "actor": None},
            status=404,
        )
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    form.label_suffix = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            invitation_password_set(user=user, password=form.cleaned_data["new_password1"])
            messages.success(
                request,
                _(
                    "Your password is set. Sign in with %(username)s and that password; then "
                    "add an authenticator app on your phone."
                )
                % {"username": user.get_username()},
            )
            return redirect(settings.LOGIN_URL)
        status = 400
    return render(
        request,
        "organisations/invitation.html",
        {"form": form, "invited": user, "actor": None},
        status=status,
    )
