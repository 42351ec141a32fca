"""Reads of contact moments and volunteer requests, always through the access policy.

Who may open a trajectory is :func:`access.policy.trajectory_scope`; what of it
they see is :func:`access.policy.access_for`. A contact's kind, date, channel
and author are part of the relay (who is in touch with the person, and when),
shown to everyone who may open the file; its note is of the class *notes*,
shown only to roles that read notes, and a buddy programme's note never to a
justice role (:func:`access.policy.may_see_notes_of`). A withdrawn contact stays
in the list, marked with who withdrew it and when; the reason for withdrawing is
free text and follows the note's rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.trajectories.models import Trajectory
from estafette.visits.models import ContactMoment, VolunteerRequest

PANEL_LIMIT = 12
"""Contacts shown on the trajectory page (newest first); the rules read all of them."""

NO_TRAJECTORY = _("No trajectory found that you have a part in.")
"""The refusal of a record on a file the reader may not open (or of none): the same sentence."""


@dataclass(frozen=True)
class ContactItem:
    """A contact as the actor sees it.

    ``may_withdraw``: the actor recorded it and it is not withdrawn (the service decides;
    this only offers the action). ``show_withdrawal_reason``: the reason follows the
    rule of the note, as both are free text about the person.
    """

    moment: ContactMoment
    show_note: bool
    may_withdraw: bool = False
    show_withdrawal_reason: bool = False


@dataclass
class ContactPanel:
    trajectory: Trajectory
    items: list[ContactItem] = field(default_factory=list)
    more: bool = False
    request: VolunteerRequest | None = None
    sees_notes: bool = False


def trajectory_for_contacts(*, actor: Actor, pk: int) -> Trajectory:
    """The trajectory ``pk`` if the actor may open it, else 404 and an audited refusal."""
    trajectory = policy.trajectory_scope(actor).filter(pk=pk).first()
    if trajectory is None:
        refuse_not_found(
            actor=actor,
            object_type="trajectories.trajectory",
            object_id=pk,
            message=NO_TRAJECTORY,
        )
    return trajectory


def contact_panel_get(
    *,
    actor: Actor,
    trajectory: Trajectory,
    access: policy.Access | None = None,
    audit: bool = True,
) -> ContactPanel:
    """The recent contacts of ``trajectory`` and its latest volunteer request, for ``actor``.

    ``access`` is the policy's answer the trajectory page already has (the page
    read was audited by ``trajectory_get``, so it passes ``audit=False``);
    without it the scope is checked here (404 outside it) and the read audited.
    Two queries with ``access`` given.
    """
    if access is None:
        trajectory = trajectory_for_contacts(actor=actor, pk=trajectory.pk)
        access = policy.access_for(actor, trajectory)
    if audit:
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="visits.contactmoment",
            object_id=trajectory.pk,
            person_id=trajectory.person_id,
        )
    sees_notes = access.sees(DataClass.NOTES)
    rows = list(
        ContactMoment.objects.filter(trajectory_id=trajectory.pk)
        .select_related("organisation", "recorded_by", "withdrawn_by")
        .order_by("-happened_on", "-id")[: PANEL_LIMIT + 1]
    )
    items = []
    for m in rows[:PANEL_LIMIT]:
        reads_notes = sees_notes and policy.may_see_notes_of(actor, m.organisation.kind)
        items.append(
            ContactItem(
                moment=m,
                show_note=bool(m.note) and reads_notes,
                may_withdraw=may_withdraw(actor, m),
                show_withdrawal_reason=m.is_withdrawn and reads_notes,
            )
        )
    request = (
        VolunteerRequest.objects.filter(trajectory_id=trajectory.pk)
        .select_related("country")
        .order_by("-requested_on", "-id")
        .first()
        if trajectory.is_abroad
        else None
    )
    return ContactPanel(
        trajectory=trajectory,
        items=items,
        more=len(rows) > PANEL_LIMIT,
        request=request,
        sees_notes=sees_notes,
    )


def may_withdraw(actor: Actor, moment: ContactMoment) -> bool:
    """Whether to offer "withdraw": the actor recorded it, for its organisation, and it stands.

    The same rule :func:`visits.services.contact_withdraw` enforces; this only decides
    whether the page shows the action.
    """
    return (
        not moment.is_withdrawn
        and moment.recorded_by_id == actor.user.pk
        and moment.organisation_id == actor.organisation_id
    )


def contact_get(*, actor: Actor, pk: int) -> ContactMoment:
    """The contact ``pk`` if the actor may open its trajectory, else 404 (audited).

    Read with its trajectory, organisation and the users who recorded and withdrew it.
    """
    moment = (
        ContactMoment.objects.filter(pk=pk, trajectory__in=policy.trajectory_scope(actor))
        .select_related("trajectory", "trajectory__person", "organisation", "recorded_by")
        .first()
    )
    if moment is None:
        refuse_not_found(
            actor=actor,
            object_type="visits.contactmoment",
            object_id=pk,
            message=NO_TRAJECTORY,
        )
    return moment


def volunteer_request_get(*, actor: Actor, pk: int) -> VolunteerRequest:
    """The request ``pk`` if the actor may open its trajectory, else 404 (audited)."""
    request = (
        VolunteerRequest.objects.filter(pk=pk, trajectory__in=policy.trajectory_scope(actor))
        .select_related("trajectory")
        .first()
    )
    if request is None:
        refuse_not_found(
            actor=actor,
            object_type="visits.volunteerrequest",
            object_id=pk,
            message=NO_TRAJECTORY,
        )
    return request
