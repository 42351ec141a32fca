"""Basic conditions: recording with history, who may see and record, the panel and its form."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from estafette.conditions import messages, services
from estafette.conditions.models import Condition, ConditionStatus, Status
from estafette.conditions.selectors import conditions_board
from estafette.conditions.services import condition_record
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.tests.conftest import live
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent
from estafette.testing.factories import TrajectoryFactory, assign, make_actor
from estafette.testing.views import client_for
from estafette.trajectories.models import ParticipantRole, Phase, Route, Trajectory
from estafette.trajectories.services import participant_add, trajectory_set_phase

pytestmark = pytest.mark.usefixtures("frozen_clock")


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def make(actor: Actor, **fields: object) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


def url(t: Trajectory, condition: str = "id") -> str:
    return f"/trajectories/{t.pk}/conditions/{condition}/"


# -- services ----------------------------------------------------------------------------


def test_recording_keeps_history_and_audits(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    today = frozen_clock.today
    first = condition_record(
        actor=actor_a,
        trajectory=trajectory,
        condition=Condition.ID,
        status=Status.OPEN,
        since=today - days(3),
    )
    frozen_clock.advance(days=2)
    second = condition_record(
        actor=actor_a, trajectory=trajectory, condition=Condition.ID, status=Status.ARRANGED
    )
    first.refresh_from_db()
    assert first.until == today + days(2) == second.since
    assert second.until is None
    assert second.recorded_by == actor_a.user and second.organisation == actor_a.organisation
    entries = AuditEvent.objects.filter(object_type="conditions.conditionstatus", action="change")
    assert [e.detail["new"] for e in entries.order_by("id")] == ["open", "arranged"]
    assert entries.first().person_id == trajectory.person_id  # type: ignore[union-attr]


def test_one_current_status_per_condition_is_a_database_rule(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    row = condition_record(
        actor=actor_a, trajectory=trajectory, condition=Condition.ID, status=Status.OPEN
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ConditionStatus.objects.create(
            trajectory=trajectory, condition=Condition.ID, status=Status.ARRANGED, since=row.since
        )


def test_refusals(frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory) -> None:
    today = frozen_clock.today
    condition_record(
        actor=actor_a,
        trajectory=trajectory,
        condition=Condition.ID,
        status=Status.OPEN,
        since=today - days(1),
    )
    with pytest.raises(Conflict) as unchanged:
        condition_record(
            actor=actor_a, trajectory=trajectory, condition=Condition.ID, status=Status.OPEN
        )
    assert unchanged.value.message == messages.UNCHANGED
    with pytest.raises(InvalidInput) as future:
        condition_record(
            actor=actor_a,
            trajectory=trajectory,
            condition=Condition.ID,
            status=Status.ARRANGED,
            since=today + days(1),
        )
    assert future.value.message == messages.SINCE_IN_FUTURE
    with pytest.raises(InvalidInput) as rewrite:
        condition_record(
            actor=actor_a,
            trajectory=trajectory,
            condition=Condition.ID,
            status=Status.ARRANGED,
            since=today - days(2),
        )
    assert rewrite.value.message == messages.SINCE_BEFORE_CURRENT
    with pytest.raises(InvalidInput):
        condition_record(
            actor=actor_a, trajectory=trajectory, condition="wings", status=Status.ARRANGED
        )
    trajectory_set_phase(actor=actor_a, trajectory=trajectory, phase=Phase.CLOSED, reason="Klaar.")
    with pytest.raises(Conflict):
        condition_record(
            actor=actor_a, trajectory=trajectory, condition=Condition.ID, status=Status.ARRANGED
        )
    assert ConditionStatus.objects.count() == 1


def test_who_may_record(
    actor_a: Actor, org_b: Organisation, trajectory: Trajectory, actor_for: Any
) -> None:
    # An organisation without a part: no.
    with pytest.raises(NotPermitted):
        condition_record(
            actor=actor_for(org_b), trajectory=trajectory, condition="id", status="open"
        )
    # A visiting volunteer running alongside sees the conditions but does not record them.
    volunteers = Organisation.objects.create(
        name="Vrijwilligers", code="vw", kind=OrganisationKind.VOLUNTEER_ORGANISATION
    )
    participant_add(
        actor=actor_a,
        trajectory=trajectory,
        organisation=volunteers,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    give_consent(person=trajectory.person, purpose_code="volunteer_visits", recipient=volunteers)
    volunteer = make_actor(volunteers, Role.VISITING_VOLUNTEER)
    assign(volunteer, trajectory)  # a volunteer sees only its own people (decision 0016)
    board = conditions_board(actor=volunteer, trajectory=trajectory)
    assert board.shared and not board.can_record
    with pytest.raises(NotPermitted) as refused:
        condition_record(actor=volunteer, trajectory=trajectory, condition="id", status="open")
    assert refused.value.message == messages.ROLE_MAY_NOT_RECORD
    # The coordinator of the same organisation, running alongside: yes.
    coordinator = make_actor(volunteers, Role.REGIONAL_COORDINATOR)
    condition_record(actor=coordinator, trajectory=trajectory, condition="id", status="open")


def test_recording_asks_for_an_evaluation_and_the_signal_follows(
    frozen_clock: ClockControl, actor_a: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    monkeypatch.setattr(services, "trajectory_changed_after_commit", asked.append)
    t = make(actor_a, release_date=frozen_clock.today - days(2))
    condition_record(actor=actor_a, trajectory=t, condition="income", status="open")
    assert asked == [t.pk]
    signals_evaluate([t.pk])
    signal = live(t, "id_missing_after_return")
    assert signal is not None
    condition_record(actor=actor_a, trajectory=t, condition="id", status="being_arranged")
    assert asked == [t.pk, t.pk]
    signals_evaluate([t.pk])
    signal.refresh_from_db()
    assert signal.state == "resolved"


# -- selectors ---------------------------------------------------------------------------


def test_the_board_lists_the_life_domains_and_the_way_home_abroad(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    condition_record(actor=actor_a, trajectory=trajectory, condition="id", status="open")
    board = conditions_board(actor=actor_a, trajectory=trajectory)
    assert [r.condition for r in board.life] == [
        "id",
        "income",
        "health_insurance",
        "housing",
        "debts",
        "care",
    ]
    assert [r.condition for r in board.way_home] == ["travel_documents", "journey_money"]
    assert board.life[0].status == "open" and board.life[1].status == "unknown"
    assert board.open_count == 8 and board.can_record
    assert AuditEvent.objects.filter(
        object_type="conditions.conditionstatus", action="view"
    ).exists()


def test_no_way_home_conditions_on_a_domestic_route(actor_a: Actor) -> None:
    t = make(actor_a, route=Route.DOMESTIC, country=None)
    assert conditions_board(actor=actor_a, trajectory=t).way_home == []


def test_a_role_without_the_class_reads_nothing(
    actor_a: Actor, trajectory: Trajectory, django_assert_num_queries: Any
) -> None:
    condition_record(actor=actor_a, trajectory=trajectory, condition="id", status="open")
    consul_org = Organisation.objects.create(
        name="Consulaat", code="cons", kind=OrganisationKind.CONSULAR_POST
    )
    consul = make_actor(consul_org, Role.CONSULAR_OFFICER)
    access = type("A", (), {"sees": lambda self, c: False})()
    with django_assert_num_queries(0):
        board = conditions_board(actor=consul, trajectory=trajectory, access=access)  # type: ignore[arg-type]
    assert not board.shared and board.life == []


# -- the panel and the form (no JavaScript) ----------------------------------------------


def test_the_panel_on_the_trajectory_page(actor_a: Actor, trajectory: Trajectory) -> None:
    condition_record(actor=actor_a, trajectory=trajectory, condition="id", status="open")
    client = client_for(actor_a)
    html = client.get(f"/trajectories/{trajectory.pk}/?lang=en").content.decode()
    assert 'id="conditions-heading"' in html
    assert f'action="{url(trajectory, "income")}"' in html
    assert 'name="condition-income-status"' in html
    assert 'id="condition-travel_documents"' in html


def test_a_status_recorded_by_nobody_shows_without_a_name(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    # Imported and system-recorded statuses have no user: the page names none (no 500).
    ConditionStatus.objects.create(
        trajectory=trajectory,
        condition="housing",
        status="open",
        since=dt.date(2025, 2, 28),
        organisation=actor_a.organisation,
        recorded_by=None,
    )
    client = Client(raise_request_exception=False)  # a template error as the user meets it
    login_verified(client, actor_a.user)
    response = client.get(f"/trajectories/{trajectory.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert f"Recorded on 3 Mar 2025 by — ({actor_a.organisation})." in response.content.decode()


def test_post_records_and_returns_to_the_panel(actor_a: Actor, trajectory: Trajectory) -> None:
    client = client_for(actor_a)
    response = client.post(
        url(trajectory, "housing"),
        {"condition-housing-status": "being_arranged", "condition-housing-since": ""},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/trajectories/{trajectory.pk}/#conditions-heading")
    row = ConditionStatus.objects.get(trajectory=trajectory, condition="housing")
    assert row.status == "being_arranged"


def test_an_invalid_post_shows_the_form_again(
    frozen_clock: ClockControl, actor_a: Actor, trajectory: Trajectory
) -> None:
    client = client_for(actor_a)
    future = (frozen_clock.today + days(3)).isoformat()
    response = client.post(
        url(trajectory) + "?lang=en",
        {"condition-id-status": "arranged", "condition-id-since": future},
    )
    assert response.status_code == 400
    assert 'name="condition-id-status"' in response.content.decode()
    assert not ConditionStatus.objects.exists()
    # The same page answers a GET, for a phone or a direct link.
    assert client.get(url(trajectory)).status_code == 200


def test_others_are_refused(
    actor_a: Actor, org_b: Organisation, trajectory: Trajectory, actor_for: Any
) -> None:
    outsider = client_for(actor_for(org_b))
    assert outsider.get(url(trajectory)).status_code == 404
    response = outsider.post(url(trajectory), {"condition-id-status": "open"})
    assert response.status_code == 404
    assert client_for(actor_a).get(url(trajectory, "wings")).status_code == 404
    assert not ConditionStatus.objects.exists()


def test_the_panel_costs_one_query(
    actor_a: Actor, trajectory: Trajectory, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client: Client = client_for(actor_a)
    path = f"/trajectories/{trajectory.pk}/"
    client.get(path)
    with CaptureQueriesContext(connection) as before:
        client.get(path)
    for condition in ("id", "income", "housing"):
        condition_record(actor=actor_a, trajectory=trajectory, condition=condition, status="open")
        condition_record(
            actor=actor_a, trajectory=trajectory, condition=condition, status="arranged"
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(path)
    reads = [q["sql"] for q in before.captured_queries if "conditions_conditionstatus" in q["sql"]]
    assert len(reads) == 1


def test_a_volunteer_sees_the_panel_without_forms(actor_a: Actor, trajectory: Trajectory) -> None:
    condition_record(actor=actor_a, trajectory=trajectory, condition="id", status="open")
    volunteers = Organisation.objects.create(
        name="Vrijwilligers", code="vw2", kind=OrganisationKind.VOLUNTEER_ORGANISATION
    )
    participant_add(
        actor=actor_a,
        trajectory=trajectory,
        organisation=volunteers,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    give_consent(person=trajectory.person, purpose_code="volunteer_visits", recipient=volunteers)
    volunteer = make_actor(volunteers, Role.VISITING_VOLUNTEER)
    assign(volunteer, trajectory)  # a volunteer sees only its own people (decision 0016)
    client = client_for(volunteer)
    html = client.get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert 'id="condition-id"' in html
    assert "/conditions/id/" not in html  # no form to post
    assert client.post(url(trajectory), {"condition-id-status": "arranged"}).status_code == 403


def test_a_reader_without_the_class_sees_the_neutral_line(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    consulate = Organisation.objects.create(
        name="Consulaat", code="cons2", kind=OrganisationKind.CONSULAR_POST
    )
    participant_add(
        actor=actor_a,
        trajectory=trajectory,
        organisation=consulate,
        role=ParticipantRole.CONSULAR_POST,
    )
    # The consular role reads conditions (decision 0012), but this consent does not cover them.
    give_consent(
        person=trajectory.person,
        purpose_code="consular",
        recipient=consulate,
        data_classes=["identity", "detention"],
    )
    html = (
        client_for(make_actor(consulate, Role.CONSULAR_OFFICER))
        .get(f"/trajectories/{trajectory.pk}/")
        .content.decode()
    )
    section = html[html.index('id="conditions-heading"') :]
    section = section[: section.index("</section>")]
    assert "not-shared" in section and 'id="condition-id"' not in section
