"""The day a basic condition's status holds from: not in the future, at most twenty years back.
Service and form, at both ends and one day beyond; a refusal writes no status and no audit."""

from __future__ import annotations

import datetime as dt

import pytest

from estafette.conditions import messages
from estafette.conditions.models import ConditionStatus
from estafette.conditions.services import condition_record
from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.testing.bounds import EDGES, audited_changes, date_sentence, edge, nl_sentence
from estafette.testing.views import client_for
from estafette.trajectories.models import Trajectory

TODAY = dt.date(2025, 3, 3)

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.mark.parametrize("which", EDGES)
def test_the_service_takes_a_since_inside_its_range(
    actor_a: Actor, trajectory: Trajectory, which: str
) -> None:
    day, accepted = edge(bounds.CONDITION_SINCE, which, TODAY)
    if accepted:
        row = condition_record(
            actor=actor_a, trajectory=trajectory, condition="id", status="open", since=day
        )
        assert row.since == day
        return
    changes = audited_changes()
    with pytest.raises(InvalidInput) as refused:
        condition_record(
            actor=actor_a, trajectory=trajectory, condition="id", status="open", since=day
        )
    expected = messages.SINCE_IN_FUTURE if day > TODAY else bounds.DATE_OUT_OF_RANGE
    assert refused.value.message is expected
    assert not ConditionStatus.objects.exists()
    assert audited_changes() == changes


@pytest.mark.parametrize("which", EDGES)
def test_the_form_takes_a_since_inside_its_range(
    actor_a: Actor, trajectory: Trajectory, which: str
) -> None:
    day, accepted = edge(bounds.CONDITION_SINCE, which, TODAY)
    changes = audited_changes()
    response = client_for(actor_a).post(
        f"/trajectories/{trajectory.pk}/conditions/id/",
        {"condition-id-status": "open", "condition-id-since": day.isoformat()},
    )
    if accepted:
        assert response.status_code == 302
        assert ConditionStatus.objects.get().since == day
        return
    assert response.status_code == 400
    html = response.content.decode()
    if day > TODAY:
        assert nl_sentence(messages.SINCE_IN_FUTURE) in html
    else:
        assert date_sentence(bounds.CONDITION_SINCE, TODAY) in html
    assert not ConditionStatus.objects.exists()
    assert audited_changes() == changes
