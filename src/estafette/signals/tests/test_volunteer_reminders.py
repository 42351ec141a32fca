"""Volunteers see their own reminders (issue 10).

A visiting volunteer is never the addressee of a signal (the coordinator's
``volunteer_visit_overdue`` stays as it is). Their signals page lists the visits
due or overdue to the people their organisation visits, and says what it covers
when there are none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.selectors import volunteer_reminders
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent
from estafette.testing.factories import (
    OrganisationFactory,
    TrajectoryFactory,
    assign,
    make_actor,
)
from estafette.testing.views import client_for
from estafette.trajectories.models import ParticipantRole, Trajectory
from estafette.trajectories.services import participant_add
from estafette.visits.models import Channel, ContactKind
from estafette.visits.services import contact_record, contact_withdraw

EMPTY = "Reminders about visits to the people you visit appear here"


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture
def volunteers(db: None) -> Organisation:
    return cast(
        Organisation,
        OrganisationFactory(
            name="Vrijwilligers test", kind=OrganisationKind.VOLUNTEER_ORGANISATION
        ),
    )


@pytest.fixture
def volunteer(volunteers: Organisation) -> Actor:
    return make_actor(volunteers, Role.VISITING_VOLUNTEER)


def visited(
    actor_a: Actor, volunteers: Organisation, *, consent: bool = True, **fields: Any
) -> Trajectory:
    """Detained abroad, BB holds the baton, ``volunteers`` run alongside from today, and
    their visiting volunteers are assigned to the person (decision 0016)."""
    t = cast(Trajectory, TrajectoryFactory(actor=actor_a, **fields))
    participant_add(
        actor=actor_a,
        trajectory=t,
        organisation=volunteers,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    for membership in volunteers.memberships.filter(role=Role.VISITING_VOLUNTEER):
        assign(Actor(membership.user, volunteers, membership.role), t)
    if consent:
        give_consent(
            person=t.person,
            purpose_code="volunteer_visits",
            recipient=volunteers,
            data_classes=["identity", "detention"],
        )
    return t


def page(actor: Actor, query: str = "") -> str:
    response = client_for(actor).get(f"/signals/{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_due_then_overdue_then_gone_with_the_visit(
    frozen_clock: ClockControl, actor_a: Actor, volunteers: Organisation, volunteer: Actor
) -> None:
    start = frozen_clock.today
    t = visited(actor_a, volunteers, release_date=start + days(400))
    name = t.person.full_name
    frozen_clock.set(start + days(41))
    html = page(volunteer)
    assert name not in html and "No visit is due." in html and EMPTY in html
    frozen_clock.set(start + days(42))  # the window opens: every 42–56 days
    html = page(volunteer)
    assert f"Visit {name}" in html and ">due<" in html and ">overdue<" not in html
    assert f"/trajectories/{t.pk}/contacts/" in html  # record the visit there
    frozen_clock.set(start + days(57))
    html = page(volunteer)
    assert ">overdue<" in html and "1 day overdue" in html
    # The coordinator's signal is untouched: addressed to BB, never to the volunteer.
    signals_evaluate([t.pk])
    signal = live(t, "volunteer_visit_overdue")
    assert signal is not None and signal.addressee_id == actor_a.organisation_id
    assert signal.addressee_role == Role.REGIONAL_COORDINATOR
    moment = contact_record(
        actor=volunteer,
        trajectory=t,
        kind=ContactKind.VOLUNTEER_VISIT,
        happened_on=start + days(57),
        channel=Channel.FACE_TO_FACE,
    )
    html = page(volunteer)
    assert name not in html and EMPTY in html
    # A visit recorded by mistake and withdrawn no longer counts: the reminder is back.
    contact_withdraw(actor=volunteer, moment=moment, reason="Verkeerde persoon aangeklikt.")
    assert f"Visit {name}" in page(volunteer)


def test_only_the_volunteers_own_people_while_detained(
    frozen_clock: ClockControl, actor_a: Actor, volunteers: Organisation, volunteer: Actor
) -> None:
    start = frozen_clock.today
    own = visited(actor_a, volunteers, release_date=start + days(400))
    released = visited(actor_a, volunteers, release_date=start + days(45))
    others = visited(
        actor_a,
        cast(Organisation, OrganisationFactory(kind=OrganisationKind.VOLUNTEER_ORGANISATION)),
        release_date=start + days(400),
    )
    frozen_clock.set(start + days(50))
    shown = {r.trajectory.pk for r in volunteer_reminders(actor=volunteer)}
    assert shown == {own.pk}  # not another organisation's person, nobody who is out
    assert released.pk not in shown and others.pk not in shown


def test_the_name_only_with_the_identity_class_and_the_read_is_audited(
    frozen_clock: ClockControl, actor_a: Actor, volunteers: Organisation, volunteer: Actor
) -> None:
    start = frozen_clock.today
    t = visited(actor_a, volunteers, consent=False, release_date=start + days(400))
    frozen_clock.set(start + days(60))
    html = page(volunteer)
    assert t.person.family_name not in html and f"Visit Trajectory {t.pk}" in html
    entry = AuditEvent.objects.filter(object_type="signals.reminders").latest("id")
    assert entry.action == "view" and entry.detail["trajectories"] == [t.pk]
    assert entry.detail["people"] == []


def test_the_whole_organisation_still_shows_the_inbox(
    frozen_clock: ClockControl, actor_a: Actor, volunteers: Organisation, volunteer: Actor
) -> None:
    html = page(volunteer, "?scope=organisation")
    assert 'id="inbox-results"' in html and EMPTY not in html
    assert EMPTY in page(volunteer)


def test_the_reminders_cost_the_same_queries_for_two_or_six_people(
    frozen_clock: ClockControl, actor_a: Actor, volunteers: Organisation, volunteer: Actor
) -> None:
    start = frozen_clock.today

    def count(n: int) -> int:
        for _ in range(n):
            visited(actor_a, volunteers, release_date=start + days(400))
        frozen_clock.set(start + days(60))
        with CaptureQueriesContext(connection) as queries:
            assert len(volunteer_reminders(actor=volunteer)) >= n
        frozen_clock.set(start)
        return len(queries.captured_queries)

    assert count(2) == count(4)
