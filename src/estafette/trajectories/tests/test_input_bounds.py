"""Release dates, the start of detention and the next step's due date stay inside their ranges.

Each at both ends of its range (accepted) and one day beyond (refused), through
the service (the API of imports) and through the form a holder posts; a
refusal leaves the trajectory, its timeline and the audit log as they were.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.test import Client

from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.core.models import AuditEvent
from estafette.testing.bounds import EDGES, audited_changes, date_sentence, edge
from estafette.testing.clock import ClockControl
from estafette.testing.factories import PersonFactory, TrajectoryFactory
from estafette.testing.views import client_for
from estafette.trajectories.models import Trajectory, TrajectoryEvent
from estafette.trajectories.services import (
    trajectory_open,
    trajectory_plan_next_step,
    trajectory_set_release,
)

TODAY = dt.date(2025, 3, 3)  # the root conftest's frozen today

RELEASE_FIELDS = (
    "release_certainty",
    "release_date",
    "release_earliest",
    "release_latest",
    "release_on",
    "next_step",
    "next_step_due",
)


def state(trajectory: Trajectory) -> tuple[Any, ...]:
    """What a refused change must leave as it was: the row, the timeline, the audit log."""
    row = Trajectory.objects.filter(pk=trajectory.pk).values(*RELEASE_FIELDS).get()
    return (
        row,
        TrajectoryEvent.objects.filter(trajectory=trajectory).count(),
        audited_changes(),
    )


# ------------------------------------------------------------------ service


@pytest.mark.parametrize("which", EDGES)
def test_opening_a_trajectory_with_a_release_date_at_and_beyond_its_range(
    frozen_clock: ClockControl, actor_a: Actor, which: str
) -> None:
    day, accepted = edge(bounds.RELEASE_DATE, which, TODAY)
    opened, audited = Trajectory.objects.count(), AuditEvent.objects.count()
    person = PersonFactory()
    if accepted:
        trajectory = trajectory_open(
            actor=actor_a,
            person=person,
            route="abroad_bb",
            release_certainty="known",
            release_date=day,
        )
        assert trajectory.release_on == day
        return
    with pytest.raises(InvalidInput) as refused:
        trajectory_open(
            actor=actor_a,
            person=person,
            route="abroad_bb",
            release_certainty="known",
            release_date=day,
        )
    assert refused.value.message is bounds.DATE_OUT_OF_RANGE
    assert refused.value.params["what"] is bounds.RELEASE_DATE.what
    assert (Trajectory.objects.count(), AuditEvent.objects.count()) == (opened, audited)


@pytest.mark.parametrize("which", EDGES)
def test_opening_a_trajectory_with_a_start_of_detention_at_and_beyond_its_range(
    frozen_clock: ClockControl, actor_a: Actor, which: str
) -> None:
    day, accepted = edge(bounds.DETENTION_START, which, TODAY)
    opened = Trajectory.objects.count()
    if accepted:
        TrajectoryFactory(actor=actor_a, detention_start=day)
        assert Trajectory.objects.count() == opened + 1
        return
    with pytest.raises(InvalidInput) as refused:
        trajectory_open(
            actor=actor_a, person=PersonFactory(), route="domestic", detention_start=day
        )
    assert refused.value.params["what"] is bounds.DETENTION_START.what
    assert Trajectory.objects.count() == opened


@pytest.mark.parametrize("which", EDGES)
@pytest.mark.parametrize("certainty", ["known", "estimate", "window earliest", "window latest"])
def test_setting_the_release_at_and_beyond_its_range(
    trajectory: Trajectory, actor_a: Actor, which: str, certainty: str
) -> None:
    day, accepted = edge(bounds.RELEASE_DATE, which, TODAY)
    earliest, latest = bounds.RELEASE_DATE.range_on(TODAY)
    dates: dict[str, Any]
    if certainty == "window earliest":
        dates = {"certainty": "window", "earliest": day, "latest": latest}
    elif certainty == "window latest":
        dates = {"certainty": "window", "earliest": earliest, "latest": day}
    else:
        dates = {"certainty": certainty, "date": day}
    if certainty.startswith("window") and dates["earliest"] > dates["latest"]:
        pytest.skip("a window that ends before it starts is a different refusal")
    before = state(trajectory)
    if accepted:
        trajectory_set_release(actor=actor_a, trajectory=trajectory, **dates)
        assert state(trajectory) != before
        return
    with pytest.raises(InvalidInput) as refused:
        trajectory_set_release(actor=actor_a, trajectory=trajectory, **dates)
    assert refused.value.params["what"] is bounds.RELEASE_DATE.what
    assert state(trajectory) == before


@pytest.mark.parametrize("which", EDGES)
def test_planning_the_next_step_at_and_beyond_its_range(
    trajectory: Trajectory, actor_a: Actor, which: str
) -> None:
    day, accepted = edge(bounds.NEXT_STEP_DUE, which, TODAY)
    before = state(trajectory)
    if accepted:
        trajectory_plan_next_step(actor=actor_a, trajectory=trajectory, next_step="Bel", due=day)
        trajectory.refresh_from_db()
        assert trajectory.next_step_due == day
        return
    with pytest.raises(InvalidInput) as refused:
        trajectory_plan_next_step(actor=actor_a, trajectory=trajectory, next_step="Bel", due=day)
    assert refused.value.params["what"] is bounds.NEXT_STEP_DUE.what
    assert state(trajectory) == before


def test_the_issues_release_date_of_year_one_is_refused(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    before = state(trajectory)
    with pytest.raises(InvalidInput):
        trajectory_set_release(
            actor=actor_a, trajectory=trajectory, certainty="known", date=dt.date(1, 1, 1)
        )
    assert state(trajectory) == before


# ------------------------------------------------------------------ forms


@pytest.fixture
def holder(trajectory: Trajectory, actor_a: Actor) -> Client:
    return client_for(actor_a)


@pytest.mark.parametrize("which", EDGES)
def test_the_release_form_at_and_beyond_the_range(
    trajectory: Trajectory, holder: Client, which: str
) -> None:
    day, accepted = edge(bounds.RELEASE_DATE, which, TODAY)
    before = state(trajectory)
    response = holder.post(
        f"/trajectories/{trajectory.pk}/release/",
        {"release-certainty": "known", "release-date": day.isoformat()},
    )
    if accepted:
        assert response.status_code == 302
        trajectory.refresh_from_db()
        assert trajectory.release_date == day
        return
    assert response.status_code == 400
    assert date_sentence(bounds.RELEASE_DATE, TODAY) in response.content.decode()
    assert state(trajectory) == before


@pytest.mark.parametrize("side", ["earliest", "latest"])
def test_the_release_form_refuses_a_window_end_beyond_the_range(
    trajectory: Trajectory, holder: Client, side: str
) -> None:
    earliest, latest = bounds.RELEASE_DATE.range_on(TODAY)
    data = {
        "release-certainty": "window",
        "release-earliest": earliest.isoformat(),
        "release-latest": latest.isoformat(),
    }
    at_the_edges = holder.post(f"/trajectories/{trajectory.pk}/release/", data)
    assert at_the_edges.status_code == 302
    before = state(trajectory)
    beyond = "2004-03-02" if side == "earliest" else "2065-03-04"
    refused = holder.post(
        f"/trajectories/{trajectory.pk}/release/", {**data, f"release-{side}": beyond}
    )
    assert refused.status_code == 400
    assert date_sentence(bounds.RELEASE_DATE, TODAY) in refused.content.decode()
    assert state(trajectory) == before


def test_the_release_form_ignores_a_stale_date_its_certainty_does_not_keep(
    trajectory: Trajectory, holder: Client
) -> None:
    """A window saved while the old single date is still in the form: only the window counts."""
    response = holder.post(
        f"/trajectories/{trajectory.pk}/release/",
        {
            "release-certainty": "window",
            "release-date": "0001-01-01",
            "release-earliest": "2025-06-01",
            "release-latest": "2025-06-20",
        },
    )
    assert response.status_code == 302
    trajectory.refresh_from_db()
    assert (trajectory.release_date, trajectory.release_earliest) == (None, dt.date(2025, 6, 1))


@pytest.mark.parametrize("which", EDGES)
def test_the_next_step_form_at_and_beyond_the_range(
    trajectory: Trajectory, holder: Client, which: str
) -> None:
    day, accepted = edge(bounds.NEXT_STEP_DUE, which, TODAY)
    before = state(trajectory)
    response = holder.post(
        f"/trajectories/{trajectory.pk}/next-step/",
        {"next-next_step": "Terugkeerboekje sturen", "next-due": day.isoformat()},
    )
    if accepted:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert date_sentence(bounds.NEXT_STEP_DUE, TODAY) in response.content.decode()
    assert state(trajectory) == before


def test_the_forms_show_the_range_to_the_date_picker(
    trajectory: Trajectory, holder: Client
) -> None:
    page = holder.get(f"/trajectories/{trajectory.pk}/").content.decode()
    earliest, latest = bounds.RELEASE_DATE.range_on(TODAY)
    date_input = page[page.index('name="release-date"') :]
    date_input = date_input[: date_input.index(">")]
    assert f'min="{earliest.isoformat()}"' in date_input
    assert f'max="{latest.isoformat()}"' in date_input


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("1900-01-01", True), ("1899-12-31", False), ("2100-12-31", True), ("2101-01-01", False)],
)
def test_the_caseload_filter_reports_a_date_outside_1900_2100_and_ignores_it(
    trajectory: Trajectory, holder: Client, value: str, accepted: bool
) -> None:
    response = holder.get("/caseload/", {"release_to": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert (date_sentence(bounds.ANY_DATE, TODAY) in html) is not accepted
    filters = cast(Any, response.context["filters"])
    assert (filters.release_to is not None) is accepted
