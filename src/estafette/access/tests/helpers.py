"""Small worlds for the access tests: organisations of each kind, actors, a person's file."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from estafette.consent.models import Consent
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import handover_send
from estafette.organisations.models import Country, Membership, Organisation, OrganisationKind
from estafette.people.models import NetworkMember, Person, Relation
from estafette.testing.auth import login_verified
from estafette.testing.consent import consent_for_handover, give_consent
from estafette.testing.factories import assign as assign
from estafette.trajectories.models import Route, Trajectory
from estafette.trajectories.services import trajectory_open

TODAY = dt.date(2025, 3, 3)
"""A Monday; the clock stands at 09:00 Amsterdam time."""

_sequence = itertools.count(1)

OFFENCE = "Drugssmokkel (SENTINEL-OFFENCE)"
PLACE = "Centro Penitenciario SENTINEL-PLACE"
NETWORK = "Zus SENTINEL-NETWORK"
NOTE = "Bericht SENTINEL-NOTE"
HEALTH_LABEL_NL = "psychische problemen"


def make_org(kind: str, name: str = "") -> Organisation:
    n = next(_sequence)
    return Organisation.objects.create(
        name=f"{name or kind} {n}", code=f"access-test-{n}", kind=kind
    )


def make_actor(organisation: Organisation, role: str) -> Actor:
    n = next(_sequence)
    user = get_user_model().objects.create_user(
        username=f"access-user-{n}",
        password="access-test-password",
        first_name="Medewerker",
        last_name=f"Nummer {n}",
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return Actor(user=user, organisation=organisation, role=role)


def client_for(actor: Actor) -> Client:
    client = Client()
    login_verified(client, actor.user)
    return client


def make_person(family_name: str = "Kuipers") -> Person:
    person = Person.objects.create(
        given_names="Sanne",
        family_name=f"{family_name}-{next(_sequence)}",
        date_of_birth=dt.date(1987, 4, 9),
        addiction=True,
        psychiatric_problems=True,
    )
    NetworkMember.objects.create(
        person=person, name=NETWORK, relation=Relation.SIBLING, is_contact_person=True
    )
    return person


def open_file(actor: Actor, person: Person | None = None) -> Trajectory:
    """A trajectory held by ``actor``'s organisation, with an offence and a detention place."""
    trajectory = trajectory_open(
        actor=actor,
        person=person or make_person(),
        route=Route.ABROAD_BB,
        country=Country.objects.get(iso2="ES"),
        detention_place=PLACE,
    )
    Trajectory.objects.filter(pk=trajectory.pk).update(offence=OFFENCE)
    trajectory.refresh_from_db()
    return trajectory


def consent_for(
    trajectory: Trajectory,
    organisation: Organisation,
    classes: Iterable[str] | None = None,
    **extra: Any,
) -> Consent:
    """A consent naming ``organisation`` for ``classes`` (default: every class), in force."""
    return give_consent(
        person=trajectory.person,
        purpose_code="partner_sharing",
        recipient=organisation,
        data_classes=list(classes) if classes is not None else list(DataClass.values),
        **extra,
    )


def send(
    sender: Actor,
    trajectory: Trajectory,
    receiver: Organisation,
    purpose: str = Purpose.SENTENCE_TRANSFER,
    message: str = NOTE,
) -> Handover:
    """A handover (with the consent its purpose needs); the message is a note."""
    consent_for_handover(trajectory=trajectory, receiver=receiver, purpose=purpose)
    return handover_send(
        actor=sender,
        trajectory=trajectory,
        receiver=receiver,
        purpose=purpose,
        message=message,
        information=f"Informatie {NOTE}",
    )


def bb_desk() -> Organisation:
    return make_org(OrganisationKind.BB_REGIONAL_DESK, "BB regio")


def caseload_rows(html: str) -> str:
    """The rows of the caseload's table (not the filters, not the notices panel)."""
    return "".join(re.findall(r"<tbody>.*?</tbody>", html, flags=re.S))


def main_content(content: bytes) -> bytes:
    """The page's ``<main>`` (the header carries the address itself and a fresh CSRF token)."""
    found = re.search(rb"<main\b.*?</main>", content, flags=re.S)
    assert found is not None
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", found.group(0))
