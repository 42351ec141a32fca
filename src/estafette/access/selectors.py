"""Reads for accountability: who looked at a file, and which emergency accesses need review."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from estafette.access import messages
from estafette.access.models import EmergencyAccess
from estafette.access.policy import trajectory_scope
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Role
from estafette.people.models import Person

ACCESS_LOG_ROLES = frozenset(
    {
        Role.REGIONAL_COORDINATOR,
        Role.AFTERCARE_COORDINATOR,
        Role.CASE_MANAGER,
        Role.PROBATION_OFFICER,
        Role.BUDDY_PROFESSIONAL,
        Role.CONSULAR_OFFICER,
        Role.ORGANISATION_ADMIN,
    }
)
"""Professional roles that may answer a person's question "who looked at my file?"."""


def person_get(*, actor: Actor, pk: int) -> Person:
    """The person ``pk`` if the actor may open one of their trajectories; else 404, audited."""
    person = Person.objects.filter(
        pk=pk, trajectories__in=trajectory_scope(actor).values("pk")
    ).first()
    if person is None:
        audit_record(
            actor=actor, action=AuditAction.DENIED, object_type="people.person", object_id=pk
        )
        raise Http404
    return person


def access_log_for_person(*, actor: Actor, person_pk: int) -> tuple[Person, QuerySet[AuditEvent]]:
    """Every audit entry about the person (who, organisation, what, when, why), newest first.

    Entitled: professional roles (``ACCESS_LOG_ROLES``) that may open the file.
    Reading the log is itself audited.
    """
    person = person_get(actor=actor, pk=person_pk)
    if actor.role not in ACCESS_LOG_ROLES:
        raise NotPermitted(messages.NOT_ENTITLED_TO_LOG)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="access.log",
        object_id=person.pk,
        person_id=person.pk,
    )
    events = (
        AuditEvent.objects.filter(person_id=person.pk)
        .select_related("user", "organisation")
        .order_by("-at", "-id")
    )
    return person, events


def emergency_access_to_review(*, actor: Actor) -> QuerySet[EmergencyAccess]:
    """Emergency accesses to trajectories the actor's organisation holds: unreviewed first."""
    return (
        EmergencyAccess.objects.filter(trajectory__baton_holder_id=actor.organisation_id)
        .select_related("user", "organisation", "trajectory__person", "reviewed_by")
        .order_by("reviewed_at", "-started_at")
    )


def emergency_access_active_on(*, trajectory_pk: int) -> QuerySet[EmergencyAccess]:
    """Emergency accesses in force on a trajectory (the holder's page shows them)."""
    now = clock.now()
    return EmergencyAccess.objects.filter(
        trajectory_id=trajectory_pk, started_at__lte=now, expires_at__gt=now
    ).select_related("user", "organisation")
