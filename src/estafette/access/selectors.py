"""Reads for accountability: who looked at a file, and which emergency accesses need review."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from estafette.access import messages
from estafette.access.models import EmergencyAccess, PartRequest, PartRequestStatus
from estafette.access.policy import (
    ACCESS_LOG_ROLES,
    may_answer_part_request,
    may_review_emergency_access,
    may_see_access_log,
    trajectory_scope,
)
from estafette.access.policy import person_classes as policy_person_classes
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.errors import NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.core.refusal import refuse_not_found
from estafette.people.models import Person
from estafette.portal.subject import Subject, SubjectKind, subject_audit

__all__ = [
    "ACCESS_LOG_ROLES",
    "access_log_for_person",
    "access_log_for_subject",
    "emergency_access_active_on",
    "emergency_access_get_for_review",
    "emergency_access_to_review",
    "part_request_get_for_answer",
    "part_requests_to_answer",
    "person_audit_events",
    "person_classes",
    "person_display_name",
    "person_get",
]


def person_get(*, actor: Actor, pk: int) -> Person:
    """The person ``pk`` if the actor may open one of their trajectories; else 404, audited."""
    # Correlated on the person's own trajectories: an "IN (scope)" here would make the
    # database list the whole scope first (decision 0009).
    person = Person.objects.filter(
        Exists(trajectory_scope(actor).filter(person_id=OuterRef("pk"))), pk=pk
    ).first()
    if person is None:
        refuse_not_found(
            actor=actor,
            object_type="people.person",
            object_id=pk,
            message=messages.NO_PERSON_FOUND,
        )
    return person


def person_classes(*, actor: Actor, person: Person) -> frozenset[str]:
    """The data classes the actor sees of the person, over every trajectory it may open."""
    return policy_person_classes(actor, person.pk)


def person_display_name(*, actor: Actor, person: Person) -> str:
    """The person's name, or a number when the actor may not see the person's identity."""
    if DataClass.IDENTITY in person_classes(actor=actor, person=person):
        return person.full_name
    return _("Person %(number)s") % {"number": person.pk}


def access_log_for_person(
    *, actor: Actor, person_pk: int, export: bool = False
) -> tuple[Person, QuerySet[AuditEvent]]:
    """Every audit entry about the person (who, organisation, what, when, why), newest first.

    Entitled: professional roles (``ACCESS_LOG_ROLES``) that may open the file
    (404, audited, otherwise; 403, audited, for another role). Reading the log
    is itself audited — as an export (GDPR art. 15) when ``export`` is set.
    """
    person = person_get(actor=actor, pk=person_pk)
    if not may_see_access_log(actor):
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            object_type="access.log",
            object_id=person.pk,
            person_id=person.pk,
        )
        raise NotPermitted(messages.NOT_ENTITLED_TO_LOG)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT if export else AuditAction.VIEW,
        object_type="access.log",
        object_id=person.pk,
        person_id=person.pk,
    )
    return person, person_audit_events(person_id=person.pk).select_related("user", "organisation")


def person_audit_events(*, person_id: int) -> QuerySet[AuditEvent]:
    """Every audit entry about the person, newest first: the one query behind both access logs.

    No check and no audit of its own: :func:`access_log_for_person` (a professional) and
    :func:`access_log_for_subject` (the person, on their own pages) decide and audit.
    """
    return AuditEvent.objects.filter(person_id=person_id).order_by("-at", "-id")


def access_log_for_subject(
    *, subject: Subject, export: bool = False, audit: bool = True
) -> QuerySet[AuditEvent]:
    """The entries of the person's access log the person reads on their own pages.

    Contract: only for the person themself (a contact person: 404, audited). Of
    :func:`person_audit_events`, the entries of someone who looked at or did something in
    the file: a staff member (shown by organisation, never by name —
    ``access.person_log``) or the person's contact person. Left out: the person's own
    visits to their pages (reading this log among them, so reading it never shows up as
    "someone looked") and what Estafette does by itself (sweeps, reminders), which is
    nobody looking. Reading is audited as a view of the log (``export`` for the PDF);
    ``audit=False`` only for a caller that audits the read itself (the printout,
    ``portal.printout``).
    """
    if not subject.is_person:
        subject_audit(
            subject, AuditAction.DENIED, object_type="access.log", object_id=subject.person.pk
        )
        raise Http404
    if audit:
        subject_audit(
            subject,
            AuditAction.EXPORT if export else AuditAction.VIEW,
            object_type="access.log",
            object_id=subject.person.pk,
        )
    return person_audit_events(person_id=subject.person.pk).filter(
        Q(user__isnull=False)
        | Q(organisation__isnull=False)
        | Q(detail__subject=str(SubjectKind.CONTACT_PERSON))
    )


def emergency_access_to_review(*, actor: Actor) -> QuerySet[EmergencyAccess]:
    """Emergency accesses to trajectories the actor's organisation holds: unreviewed first.

    Empty for roles that do not review (volunteers, buddies).
    """
    if not may_review_emergency_access(actor):
        return EmergencyAccess.objects.none()
    return (
        EmergencyAccess.objects.filter(trajectory__baton_holder_id=actor.organisation_id)
        .select_related("user", "organisation", "trajectory__person", "reviewed_by")
        .order_by("reviewed_at", "-started_at")
    )


def emergency_access_get_for_review(*, actor: Actor, pk: int) -> EmergencyAccess:
    """One emergency access to a file the actor's organisation holds; else 404, audited."""
    grant = emergency_access_to_review(actor=actor).filter(pk=pk).first()
    if grant is None:
        refuse_not_found(
            actor=actor,
            object_type="access.emergencyaccess",
            object_id=pk,
            message=messages.NO_EMERGENCY_ACCESS_FOUND,
        )
    return grant


def emergency_access_active_on(*, trajectory_pk: int) -> QuerySet[EmergencyAccess]:
    """Emergency accesses in force on a trajectory (the holder's page shows them)."""
    now = clock.now()
    return EmergencyAccess.objects.filter(
        trajectory_id=trajectory_pk, started_at__lte=now, expires_at__gt=now
    ).select_related("user", "organisation")


# --- part requests to answer (issue 12) -------------------------------------------------


def part_requests_to_answer(*, actor: Actor) -> QuerySet[PartRequest]:
    """Open part requests for the files the actor's organisation holds now, oldest first.

    Empty for a role that does not answer them. The holder sees who asks and the file
    (its own); the row carries no criteria in clear.
    """
    if not may_answer_part_request(actor):
        return PartRequest.objects.none()
    return (
        PartRequest.objects.filter(
            status=PartRequestStatus.OPEN, trajectory__baton_holder_id=actor.organisation_id
        )
        .select_related("requester_organisation", "trajectory__person")
        .order_by("created_at", "pk")
    )


def part_request_get_for_answer(*, actor: Actor, pk: int) -> PartRequest:
    """One open request to a file the actor's organisation holds; else 404, audited."""
    request = part_requests_to_answer(actor=actor).filter(pk=pk).first()
    if request is None:
        refuse_not_found(
            actor=actor,
            object_type="access.partrequest",
            object_id=pk,
            message=messages.NO_PART_REQUEST_FOUND,
        )
    return request
