"""The authorization matrix of a handover's message (issue 10): who reads it, under which consent.

Generated with :func:`itertools.product` over

* the state of the consent the handover travelled under (4): in force, withdrawn
  (this morning), expired (yesterday was its last day), and none needed — a
  sentence transfer, which rests on law;
* who looks (6): the sender, the receiver, the receiver's administrator, and
  three later third parties that run alongside — with NOTES in their own
  consent, without, and a justice role (probation, a legal basis);
* two surfaces: the trajectory page (does the message's sentinel appear?) and
  :func:`access.policy.may_read_handover_message` itself.

The oracle (:func:`expected`) restates the rule from the issue and
``docs/access.md`` in a few lines; it never calls the policy. The world is built
so that each rule shows alone: the sender's and the receiver's own consents do
*not* cover NOTES, so they read the message only because it was written for the
receiver and travels under the handover's consent.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estafette.access.policy import access_for, may_read_handover_message
from estafette.consent.models import Consent
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import handover_send, handover_withdraw
from estafette.organisations.models import OrganisationKind, Role
from estafette.testing.consent import give_consent
from estafette.trajectories.models import Trajectory
from estafette.trajectories.services import participant_add

from .helpers import bb_desk, client_for, make_actor, make_org, open_file

pytestmark = pytest.mark.usefixtures("frozen_clock")

MESSAGE = "Graag nazorg, SENTINEL-MESSAGE"
INFORMATION = "Woonwens Arnhem, SENTINEL-INFORMATION"
BUDDY_MESSAGE = "Hij drinkt weer, SENTINEL-BUDDY-MESSAGE"

IN_FORCE, WITHDRAWN, EXPIRED, LEGAL = "in_force", "withdrawn", "expired", "legal_basis"
STATES = [IN_FORCE, WITHDRAWN, EXPIRED, LEGAL]

SENDER, RECEIVER, RECEIVER_ADMIN = "sender", "receiver", "receiver_admin"
THIRD_NOTES, THIRD_NO_NOTES, THIRD_JUSTICE = "third_notes", "third_no_notes", "third_justice"
VIEWERS = [SENDER, RECEIVER, RECEIVER_ADMIN, THIRD_NOTES, THIRD_NO_NOTES, THIRD_JUSTICE]


def expected(state: str, viewer: str) -> bool:
    """The issue's rule for a message written by Bureau Buitenland.

    Sender and receiver read it while the consent it travelled under is in force
    (or none was needed); not the organisation's administrator. Others read it as a
    note: with NOTES among what they may see (here: never through the handover's
    consent), whatever became of that consent.
    """
    ground = state in (IN_FORCE, LEGAL)
    if viewer in (SENDER, RECEIVER):
        return ground
    if viewer == RECEIVER_ADMIN:
        return False
    return viewer in (THIRD_NOTES, THIRD_JUSTICE)


@dataclass
class World:
    trajectory: Trajectory
    handover: Handover
    actors: dict[str, Actor]


def build(state: str) -> World:
    sender = make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)
    trajectory = open_file(sender)
    person = trajectory.person
    # The sender's own ground: identity and detention, no NOTES.
    give_consent(
        person=person,
        purpose_code="bb_guidance",
        recipient=sender.organisation,
        data_classes=[DataClass.IDENTITY, DataClass.DETENTION],
    )
    if state == LEGAL:
        receiving = make_org(OrganisationKind.PRISON, "PI")
        receiver = make_actor(receiving, Role.CASE_MANAGER)
        purpose = Purpose.SENTENCE_TRANSFER
    else:
        receiving = make_org(OrganisationKind.MUNICIPAL_AFTERCARE, "Nazorg")
        receiver = make_actor(receiving, Role.AFTERCARE_COORDINATOR)
        purpose = Purpose.AFTERCARE_REFERRAL
        # The receiver's own ground (it keeps the file open whatever the referral's
        # consent does): identity only.
        give_consent(
            person=person,
            purpose_code="partner_sharing",
            recipient=receiving,
            data_classes=[DataClass.IDENTITY],
        )
        referral = give_consent(
            person=person,
            purpose_code="aftercare_referral",
            recipient_kind=OrganisationKind.MUNICIPAL_AFTERCARE,
            data_classes=[DataClass.IDENTITY, DataClass.DETENTION],
            given_on=clock.today() - dt.timedelta(days=30),
        )
    handover = handover_send(
        actor=sender,
        trajectory=trajectory,
        receiver=receiving,
        purpose=purpose,
        message=MESSAGE,
        information=INFORMATION,
        data_classes=[DataClass.IDENTITY],
    )
    if state == WITHDRAWN:
        Consent.objects.filter(pk=referral.pk).update(
            revoked_at=clock.now() - dt.timedelta(hours=1)
        )
    elif state == EXPIRED:
        Consent.objects.filter(pk=referral.pk).update(ends_on=clock.today() - dt.timedelta(days=1))

    # Later third parties, running alongside after the handover was sent.
    actors = {
        SENDER: sender,
        RECEIVER: receiver,
        RECEIVER_ADMIN: make_actor(receiving, Role.ORGANISATION_ADMIN),
    }
    for viewer, kind, role, classes in (
        (THIRD_NOTES, OrganisationKind.LANDING_PLACE, Role.LANDING_PLACE_WORKER, True),
        (THIRD_NO_NOTES, OrganisationKind.LANDING_PLACE, Role.LANDING_PLACE_WORKER, False),
        (THIRD_JUSTICE, OrganisationKind.PROBATION, Role.PROBATION_OFFICER, None),
    ):
        organisation = make_org(kind, viewer)
        participant_add(
            actor=sender, trajectory=trajectory, organisation=organisation, role="other"
        )
        if classes is not None:  # probation has a legal basis, no consent
            give_consent(
                person=person,
                purpose_code="partner_sharing",
                recipient=organisation,
                data_classes=[DataClass.IDENTITY, DataClass.CONDITIONS]
                + ([DataClass.NOTES] if classes else []),
            )
        actors[viewer] = make_actor(organisation, role)
    return World(trajectory, handover, actors)


CASES = list(itertools.product(STATES, VIEWERS))


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "viewer"), CASES, ids=["-".join(c) for c in CASES])
def test_handover_message_matrix(state: str, viewer: str) -> None:
    world = build(state)
    actor = world.actors[viewer]
    reads = expected(state, viewer)

    trajectory = Trajectory.objects.get(pk=world.trajectory.pk)
    handover = Handover.objects.select_related("sender", "receiver", "trajectory").get(
        pk=world.handover.pk
    )
    access = access_for(actor, trajectory)
    assert may_read_handover_message(actor, handover, access) is reads

    response = client_for(actor).get(f"/trajectories/{trajectory.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (MESSAGE in html) is reads, "missing" if reads else "LEAKED"
    assert (INFORMATION in html) is reads
    # A party that no longer reads it is told why, not shown a bare "not shared".
    item = next(i for i in response.context["handover_items"] if i.handover.pk == handover.pk)
    assert item.message_consent_gone is (viewer in (SENDER, RECEIVER) and not reads)


def test_the_matrix_covers_every_combination() -> None:
    assert len(CASES) == len(STATES) * len(VIEWERS) == 24


@pytest.mark.django_db
def test_a_new_consent_lets_the_receiver_read_again(frozen_clock: Any) -> None:
    world = build(WITHDRAWN)
    receiver = world.actors[RECEIVER]
    trajectory = world.trajectory
    assert (
        MESSAGE not in client_for(receiver).get(f"/trajectories/{trajectory.pk}/").content.decode()
    )
    give_consent(
        person=trajectory.person,
        purpose_code="aftercare_referral",
        recipient=world.handover.receiver,
        data_classes=[DataClass.IDENTITY],
    )
    assert MESSAGE in client_for(receiver).get(f"/trajectories/{trajectory.pk}/").content.decode()


@pytest.mark.django_db
def test_a_buddy_programmes_message_reaches_the_justice_receiver_but_no_justice_third_party(
    frozen_clock: Any,
) -> None:
    """Written *to* probation by the buddy programme, it is read there; a prison running
    alongside reads it as a buddy's note: never (DOMAIN.md §10)."""
    buddies = make_org(OrganisationKind.BUDDY_PROGRAMME, "Maatjes")
    professional = make_actor(buddies, Role.BUDDY_PROFESSIONAL)
    trajectory = open_file(professional)
    probation = make_org(OrganisationKind.PROBATION, "Reclassering")
    officer = make_actor(probation, Role.PROBATION_OFFICER)
    give_consent(person=trajectory.person, purpose_code="partner_sharing", recipient=probation)
    handover_send(
        actor=professional,
        trajectory=trajectory,
        receiver=probation,
        purpose=Purpose.PROBATION,
        message=BUDDY_MESSAGE,
    )
    prison = make_org(OrganisationKind.PRISON, "PI")
    participant_add(actor=professional, trajectory=trajectory, organisation=prison, role="other")
    case_manager = make_actor(prison, Role.CASE_MANAGER)
    url = f"/trajectories/{trajectory.pk}/"
    assert BUDDY_MESSAGE in client_for(officer).get(url).content.decode()
    assert BUDDY_MESSAGE not in client_for(case_manager).get(url).content.decode()


@pytest.mark.django_db
def test_the_rule_costs_the_trajectory_page_no_query_per_handover(
    frozen_clock: Any, django_assert_max_num_queries: Any
) -> None:
    """A sender without NOTES checks its messages' consent once per page, not per handover."""
    world = build(IN_FORCE)
    sender, trajectory, desk = world.actors[SENDER], world.trajectory, world.handover.receiver
    client = client_for(sender)
    url = f"/trajectories/{trajectory.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert MESSAGE in client.get(url).content.decode()
    handover = world.handover
    for n in range(4):
        handover_withdraw(actor=sender, handover=handover, reason="Verkeerd loket gekozen.")
        handover = handover_send(
            actor=sender,
            trajectory=trajectory,
            receiver=desk,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message=f"{MESSAGE} {n}",
            data_classes=[DataClass.IDENTITY],
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count(MESSAGE) >= 5
