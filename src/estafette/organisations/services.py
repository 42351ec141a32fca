"""Running an organisation: invite, deactivate and reactivate, reset a second factor, details.

Every change is made by the organisation's administrator (or its parent's), decided by
:mod:`estafette.access.policy` (``may_manage_organisation`` and friends), inside one
transaction, and audited. E-mail goes out after the change is saved, straight through
Django's mail backend (SMTP in production): a message that cannot be sent leaves the change
standing and says so (``mail_sent``), and the administrator can send the invitation again.
The messages carry a name, an organisation, a role and a link — never anything of a
person's file. See docs/organisation-admin.md and decision 0018.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from estafette.access import policy
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.organisations.models import Membership, Organisation, Role
from estafette.organisations.selectors import memberships_of_user, user_by_email
from estafette.organisations.tokens import invitation_days, invitation_tokens

log = logging.getLogger(__name__)

NOT_YOURS = gettext_lazy("Only the administrator of this organisation (or its parent) can do this.")
ROLE_NOT_FITTING = gettext_lazy(
    "The role “%(role)s” does not fit a %(kind)s. Choose one of the roles offered."
)
NAME_REQUIRED = gettext_lazy("Fill in the first and last name.")
EMAIL_INVALID = gettext_lazy("Fill in a valid e-mail address, like name@organisation.nl.")
ALREADY_MEMBER = gettext_lazy(
    "%(name)s already has this role at %(organisation)s. If it was deactivated, reactivate it "
    "from the member list."
)
OWN_ACCOUNT = gettext_lazy("This is your own account: another administrator gives it a role.")
CANNOT_CHANGE_OWN = gettext_lazy(
    "You cannot deactivate or reactivate your own account. Ask another administrator."
)
ALREADY_INACTIVE = gettext_lazy("This role is already deactivated.")
ALREADY_ACTIVE = gettext_lazy("This role is already active.")
REASON_REQUIRED = gettext_lazy("Say why the second factor is reset (for example: phone lost).")
REASON_TOO_LONG = gettext_lazy("Keep the reason to %(max)s characters.")
NO_SECOND_FACTOR = gettext_lazy(
    "%(name)s has no authenticator app yet: they add one at their next sign-in."
)
CANNOT_RESET = gettext_lazy(
    "You cannot reset this second factor: the account is your own, or it also works for an "
    "organisation you do not run. Ask that organisation's administrator (or, for your own, "
    "another administrator)."
)
NOT_PENDING = gettext_lazy(
    "%(name)s already chose a password: there is no invitation to send again."
)
INACTIVE_NO_INVITATION = gettext_lazy("Reactivate the role before sending the invitation again.")

REASON_MAX = 500


@dataclass(frozen=True)
class Invited:
    """What :func:`member_invite` did."""

    membership: Membership
    new_user: bool
    """False when the e-mail address belonged to an account already: the role was added to it."""
    mail_sent: bool


# --------------------------------------------------------------------------- helpers


def _require_manager(actor: Actor, organisation: Organisation) -> None:
    if not policy.may_manage_organisation(actor, organisation):
        raise NotPermitted(NOT_YOURS)


def _display_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _site_link(path: str) -> str:
    return f"{str(settings.ESTAFETTE_SITE_URL).rstrip('/')}{path}"


def invitation_link(user: Any) -> str:
    """The one-time link with which ``user`` chooses a password (:mod:`organisations.tokens`)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_tokens.make_token(user)
    return _site_link(reverse("invitation-accept", kwargs={"uidb64": uidb64, "token": token}))


def _send(*, to: str, subject: str, body: str) -> bool:
    """Hand one message to the mail backend; False (logged) if the server would not take it
    (or the account has no address to send to)."""
    if not to:
        return False
    try:
        send_mail(subject, body, None, [to], fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        log.warning("e-mail to a member could not be sent: %s", type(error).__name__)
        return False
    return True


def _invitation_mail(*, actor: Actor, membership: Membership) -> bool:
    """The invitation: who invites, for which role and organisation, and the one-time link."""
    user = membership.user
    context = {
        "name": _display_name(user),
        "admin": _display_name(actor.user),
        "organisation": membership.organisation.name,
        "role": membership.get_role_display(),
    }
    body = "\n\n".join(
        [
            _("Hello %(name)s,") % context,
            _("%(admin)s of %(organisation)s has invited you to work in Estafette as %(role)s.")
            % context,
            _("Choose your password with this link. It works once, within %(days)s days:")
            % {"days": invitation_days()}
            + "\n"
            + invitation_link(user),
            _(
                "Then sign in with your e-mail address and that password. The first time, "
                "you add an authenticator app on your phone as a second factor."
            ),
            _("Did you not expect this e-mail? Then you can ignore it."),
        ]
    )
    return _send(to=user.email, subject=_("Your invitation to Estafette"), body=body)


def _role_added_mail(*, actor: Actor, membership: Membership) -> bool:
    """For an account that exists already: the new role, and where to sign in."""
    user = membership.user
    context = {
        "name": _display_name(user),
        "admin": _display_name(actor.user),
        "organisation": membership.organisation.name,
        "role": membership.get_role_display(),
    }
    body = "\n\n".join(
        [
            _("Hello %(name)s,") % context,
            _(
                "%(admin)s has given your Estafette account the role %(role)s at "
                "%(organisation)s. Sign in as usual; you can switch between your "
                "organisations after signing in."
            )
            % context,
            _site_link(reverse("login")),
        ]
    )
    return _send(to=user.email, subject=_("A new role in Estafette"), body=body)


# --------------------------------------------------------------------------- invite


def member_invite(
    *,
    actor: Actor,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
) -> Invited:
    """Give someone ``role`` at ``organisation``; a new account gets an invitation by e-mail.

    1. Only an administrator of the organisation (or its parent), and only a role that fits
       the organisation's kind (:func:`access.policy.may_grant_role`).
    2. An e-mail address already in use (as address or user name) is that account: the
       membership is added to it — never a second account for the same address — and it is
       told by e-mail; the same role twice is refused (:data:`ALREADY_MEMBER`), and so is the
       actor's own account (:data:`OWN_ACCOUNT`).
    3. Otherwise a new account (user name = the address) without a usable password, and
       an e-mail with a one-time link to choose one (:func:`invitation_link`); the second
       factor is added at the first sign-in (``core.views.two_factor_setup``).
    4. Audited (``create`` on the membership). The e-mail goes out after the transaction;
       ``mail_sent`` says whether the server took it.
    """
    _require_manager(actor, organisation)
    if not policy.may_grant_role(actor, organisation, role):
        label = Role(role).label if role in Role.values else role
        raise InvalidInput(ROLE_NOT_FITTING, role=label, kind=organisation.get_kind_display())
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name or not last_name or len(first_name) > 150 or len(last_name) > 150:
        raise InvalidInput(NAME_REQUIRED)
    address = email.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput(EMAIL_INVALID) from None
    if len(address) > 150:  # the user name holds it
        raise InvalidInput(EMAIL_INVALID)
    with transaction.atomic():
        user = user_by_email(address)
        new_user = user is None
        if user is None:
            user = get_user_model()(
                username=address, email=address, first_name=first_name, last_name=last_name
            )
            user.set_unusable_password()
            user.save()
        else:
            if not policy.may_give_role_to(actor, user.pk):
                raise NotPermitted(OWN_ACCOUNT)
            user = get_user_model().objects.select_for_update().get(pk=user.pk)
            if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
                raise Conflict(
                    ALREADY_MEMBER, name=_display_name(user), organisation=organisation.name
                )
            if not user.is_active:  # deactivated with its last role: back with this one
                user.is_active = True
                user.save(update_fields=["is_active"])
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=membership,
            organisation_id=organisation.pk,
            role=role,
            user_id=user.pk,
            new_user=new_user,
        )
    if new_user or not user.has_usable_password():
        sent = _invitation_mail(actor=actor, membership=membership)
    else:
        sent = _role_added_mail(actor=actor, membership=membership)
    return Invited(membership=membership, new_user=new_user, mail_sent=sent)


def member_invitation_resend(*, actor: Actor, membership: Membership) -> bool:
    """Send the invitation of ``membership`` again (a new link); True if the server took it.

    Only while the user has not chosen a password and the membership is active. Audited.
    """
    _require_manager(actor, membership.organisation)
    if membership.user.has_usable_password():
        raise Conflict(NOT_PENDING, name=_display_name(membership.user))
    if not membership.is_active:
        raise Conflict(INACTIVE_NO_INVITATION)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        target=membership,
        event="invitation_sent_again",
        user_id=membership.user_id,
    )
    return _invitation_mail(actor=actor, membership=membership)


# --------------------------------------------------------------------------- (de)activate


def _change_active(*, actor: Actor, membership: Membership, active: bool) -> Membership:
    if not policy.may_manage_organisation(actor, membership.organisation):
        raise NotPermitted(NOT_YOURS)
    if not policy.may_change_membership(actor, membership):
        raise NotPermitted(CANNOT_CHANGE_OWN)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if locked.is_active == active:
            raise Conflict(ALREADY_ACTIVE if active else ALREADY_INACTIVE)
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        user = locked.user
        others = Membership.objects.filter(user=user, is_active=True).exclude(pk=locked.pk).exists()
        user_changed = False
        if not active and not others and user.is_active:
            # The last role gone: the account itself stops, so no sign-in works at all.
            user.is_active = False
            user_changed = True
        elif active and not user.is_active:
            user.is_active = True
            user_changed = True
        if user_changed:
            user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            target=locked,
            event="membership_reactivated" if active else "membership_deactivated",
            user_id=user.pk,
            user_active=user.is_active,
        )
    membership.is_active = locked.is_active
    membership.user = user
    return locked


def membership_deactivate(*, actor: Actor, membership: Membership) -> Membership:
    """Stop ``membership``: from the next request the user no longer acts for the organisation.

    The actor is looked up per request from active memberships only
    (``organisations.middleware``); when this was the user's last active membership the
    account is deactivated too, so even signing in stops (Django refuses inactive users).
    Never the actor's own (:data:`CANNOT_CHANGE_OWN`); audited.
    """
    return _change_active(actor=actor, membership=membership, active=False)


def membership_reactivate(*, actor: Actor, membership: Membership) -> Membership:
    """Start ``membership`` again (and its account, if it had stopped). Audited."""
    return _change_active(actor=actor, membership=membership, active=True)


# --------------------------------------------------------------------------- second factor


def second_factor_reset(*, actor: Actor, membership: Membership, reason: str) -> bool:
    """Remove the user's authenticator app and recovery codes, for a stated reason.

    1. Only when every active membership of the user is in an organisation the actor runs,
       and never the actor's own account (:func:`access.policy.may_reset_second_factor`).
    2. A reason is required (at most :data:`REASON_MAX` characters); it is kept in the
       audit entry, with the number of devices removed.
    3. Every django-otp device of the user goes (TOTP and static): a session verified by
       one of them is no longer verified, and the next sign-in adds a new app
       (``core.views.two_factor_setup``).
    4. The user is told by e-mail; returns whether the server took the message.
    """
    user = membership.user
    if not policy.may_manage_organisation(actor, membership.organisation):
        raise NotPermitted(NOT_YOURS)
    if not policy.may_reset_second_factor(actor, memberships_of_user(user.pk)):
        raise NotPermitted(CANNOT_RESET)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(REASON_REQUIRED)
    if len(reason) > REASON_MAX:
        raise InvalidInput(REASON_TOO_LONG, max=REASON_MAX)
    with transaction.atomic():
        totp = TOTPDevice.objects.filter(user=user)
        static = StaticDevice.objects.filter(user=user)
        counts = (totp.count(), static.count())
        if counts == (0, 0):
            raise Conflict(NO_SECOND_FACTOR, name=_display_name(user))
        totp.delete()
        static.delete()  # its tokens go with it (cascade)
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type="auth.user",
            object_id=user.pk,
            event="second_factor_reset",
            reason=reason,
            membership_id=membership.pk,
            authenticator_apps_removed=counts[0],
            recovery_code_sets_removed=counts[1],
        )
    context = {
        "name": _display_name(user),
        "admin": _display_name(actor.user),
        "organisation": actor.organisation.name,
        "date": clock.today().isoformat(),
    }
    body = "\n\n".join(
        [
            _("Hello %(name)s,") % context,
            _(
                "On %(date)s %(admin)s of %(organisation)s removed the authenticator app and "
                "the recovery codes of your Estafette account."
            )
            % context,
            _(
                "At your next sign-in you add an authenticator app again, the way you did the "
                "first time."
            ),
            _(
                "Did you not ask for this? Tell your administrator at once: someone may be "
                "trying to use your account."
            ),
            _site_link(reverse("login")),
        ]
    )
    return _send(to=user.email, subject=_("Your second factor in Estafette was reset"), body=body)


# --------------------------------------------------------------------------- details

DETAIL_FIELDS = ("street", "postal_code", "city", "phone", "email", "website", "opening_hours")
"""The organisation's own details its administrator keeps (the directory will show them)."""


def organisation_details_update(
    *, actor: Actor, organisation: Organisation, **values: str
) -> list[str]:
    """Set the organisation's address, phone, e-mail, website and opening hours.

    Only its administrator (or its parent's); only :data:`DETAIL_FIELDS` (the form has
    checked their shape). Audited with the names of the fields that changed; returns them
    (nothing changed: no save, no audit entry).
    """
    _require_manager(actor, organisation)
    unknown = set(values) - set(DETAIL_FIELDS)
    if unknown:
        raise InvalidInput(gettext_lazy("Unknown field: %(name)s"), name=sorted(unknown)[0])
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        changed = [name for name, value in values.items() if getattr(locked, name) != value.strip()]
        if not changed:
            return []
        for name in changed:
            setattr(locked, name, values[name].strip())
        locked.save(update_fields=changed)
        audit_record(
            actor=actor, action=AuditAction.CHANGE, target=locked, event="details", fields=changed
        )
    for name in changed:
        setattr(organisation, name, getattr(locked, name))
    return changed


# --------------------------------------------------------------------------- invitation


def invitation_password_set(*, user: Any, password: str) -> None:
    """The invited user chose ``password`` (already checked by the validators): the link ends.

    Setting the password changes the hash the token is bound to, so the link works once.
    Audited with no actor (nobody is signed in yet) and the user's number.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=None,
            action=AuditAction.CHANGE,
            object_type="auth.user",
            object_id=user.pk,
            event="invitation_password_set",
        )
