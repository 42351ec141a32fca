"""Who looked at this file: the access log per person, on a page and as an export (GDPR art. 15)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from estafette.access.services import emergency_access_open
from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.organisations.models import OrganisationKind, Role
from estafette.trajectories.models import Trajectory

from .helpers import (
    OFFENCE,
    PLACE,
    assign,
    bb_desk,
    client_for,
    consent_for,
    make_actor,
    make_org,
    open_file,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

REASON = "Crisismelding vannacht; wij moeten de begeleider bereiken."


@pytest.fixture
def holder(db: None) -> Actor:
    return make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)


@pytest.fixture
def trajectory(holder: Actor) -> Trajectory:
    trajectory = open_file(holder)
    consent_for(trajectory, holder.organisation)
    return trajectory


def log_url(trajectory: Trajectory, suffix: str = "/") -> str:
    return f"/people/{trajectory.person_id}/access-log{suffix}"


def test_the_log_lists_who_looked_when_and_why(holder: Actor, trajectory: Trajectory) -> None:
    stranger = make_actor(make_org(OrganisationKind.PROBATION, "Reclassering"), "probation_officer")
    emergency_access_open(actor=stranger, trajectory_pk=trajectory.pk, reason=REASON)
    client_for(stranger).get(f"/trajectories/{trajectory.pk}/")
    client = client_for(holder)
    client.get(f"/trajectories/{trajectory.pk}/")

    response = client.get(log_url(trajectory))
    html = response.content.decode()
    assert response.status_code == 200
    assert trajectory.person.full_name in html
    assert stranger.organisation.name in html
    assert stranger.user.get_full_name() in html
    assert "Opende het dossier met noodtoegang" in html and REASON in html  # what, and why
    assert "Bekeken" in html  # a view of the file, in words
    assert "<table" in html and "<caption" in html
    # No data of the file itself in the log.
    assert PLACE not in html and OFFENCE not in html
    # Reading the log is itself logged.
    assert AuditEvent.objects.filter(
        action="view", object_type="access.log", user=holder.user
    ).exists()


def test_the_log_is_paginated(holder: Actor, trajectory: Trajectory) -> None:
    client = client_for(holder)
    for _ in range(55):
        client.get(f"/trajectories/{trajectory.pk}/")
    first = client.get(log_url(trajectory))
    assert first.context["page_obj"].paginator.num_pages == 2
    assert len(first.context["rows"]) == 50
    assert 'rel="next"' in first.content.decode()
    assert client.get(log_url(trajectory) + "?page=2").status_code == 200


def test_the_export_is_a_csv_with_a_header_and_is_audited(
    holder: Actor, trajectory: Trajectory
) -> None:
    client = client_for(holder)
    client.get(f"/trajectories/{trajectory.pk}/")
    response = client.get(log_url(trajectory, ".csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="access-log-{trajectory.person_id}.csv"' in response["Content-Disposition"]
    assert trajectory.person.family_name not in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Wanneer", "Wie", "Organisatie", "Wat", "Waarom"]
    assert any(holder.organisation.name in row for row in rows[1:])
    assert AuditEvent.objects.filter(
        action="export",
        object_type="access.log",
        person_id=trajectory.person_id,
        user=holder.user,
    ).exists()


def test_a_formula_in_a_reason_is_not_run_by_a_spreadsheet(
    holder: Actor, trajectory: Trajectory
) -> None:
    stranger = make_actor(make_org(OrganisationKind.PARTNER), Role.PARTNER_WORKER)
    emergency_access_open(
        actor=stranger, trajectory_pk=trajectory.pk, reason='=HYPERLINK("http://x") is nodig nu'
    )
    text = client_for(holder).get(log_url(trajectory, ".csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_roles_without_the_right_get_403_and_it_is_audited(
    holder: Actor, trajectory: Trajectory
) -> None:
    volunteer = make_actor(holder.organisation, Role.VISITING_VOLUNTEER)
    assign(volunteer, trajectory)  # a volunteer opens only the files of its own people
    client = client_for(volunteer)
    assert client.get(f"/trajectories/{trajectory.pk}/").status_code == 200  # may open the file
    assert client.get(log_url(trajectory)).status_code == 403
    assert client.get(log_url(trajectory, ".csv")).status_code == 403
    assert (
        AuditEvent.objects.filter(
            action="denied", object_type="access.log", user=volunteer.user
        ).count()
        == 2
    )


def test_the_log_query_count_stays_bounded(
    holder: Actor, trajectory: Trajectory, django_assert_max_num_queries: Any
) -> None:
    client = client_for(holder)
    client.get(log_url(trajectory))
    for _ in range(30):
        client.get(f"/trajectories/{trajectory.pk}/")
    # Session and actor, the person in scope, the identity check (scope, parts, consents),
    # the audited read, the count and the page with users and organisations, and the
    # header's counts (unread notifications, handovers to answer and outcomes to review).
    with django_assert_max_num_queries(17):  # 15 on SQLite; PostgreSQL locks the audit chain
        assert client.get(log_url(trajectory)).status_code == 200
