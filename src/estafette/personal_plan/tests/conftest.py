"""Shared builders of the plan's tests: the person and their contact person as subjects,
an organisation running alongside with a consent of chosen classes."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from django.test import Client

from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.people.models import NetworkMember, Person, Relation
from estafette.portal import session_limits
from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind
from estafette.testing.consent import give_consent
from estafette.testing.factories import make_actor
from estafette.trajectories.models import ParticipantRole, Trajectory
from estafette.trajectories.services import participant_add


def person_subject(person: Person) -> Subject:
    return Subject(kind=SubjectKind.PERSON, person=person)


def contact_subject(person: Person) -> Subject:
    member = NetworkMember.objects.create(
        person=person, name="Sanne", relation=Relation.values[0], is_contact_person=True
    )
    return Subject(kind=SubjectKind.CONTACT_PERSON, person=person, member=member)


def subject_client(subject: Subject) -> Client:
    """A test client signed in to the portal as ``subject`` (as the sign-in would leave it)."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = subject.session_value()
    session_limits.start(session)
    session.save()
    return client


def alongside(
    holder: Actor,
    trajectory: Trajectory,
    organisation: Organisation,
    classes: Iterable[str] = (DataClass.IDENTITY, DataClass.CONDITIONS),
) -> Actor:
    """``organisation`` runs alongside the holder, with a consent of ``classes``; its actor."""
    participant_add(
        actor=holder,
        trajectory=trajectory,
        organisation=organisation,
        role=ParticipantRole.OTHER,
    )
    give_consent(
        person=trajectory.person,
        purpose_code="partner_sharing",
        recipient=organisation,
        data_classes=list(classes),
    )
    return make_actor(organisation)


@pytest.fixture
def subject(trajectory: Trajectory) -> Subject:
    return person_subject(trajectory.person)


@pytest.fixture
def landing_place(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Landingsplaats Het Anker", code="anker", kind=OrganisationKind.LANDING_PLACE
    )
