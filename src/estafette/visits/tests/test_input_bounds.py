"""The day of a contact: not in the future, at most twenty years back (and not before detention).
Service and form, at both ends and one day beyond; a refusal writes no contact and no audit."""

from __future__ import annotations

import datetime as dt

import pytest

from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.testing.bounds import EDGES, audited_changes, date_sentence, edge, nl_sentence
from estafette.testing.views import client_for
from estafette.trajectories.models import Trajectory
from estafette.visits import messages
from estafette.visits.models import ContactKind, ContactMoment
from estafette.visits.services import contact_record

TODAY = dt.date(2025, 3, 3)

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.mark.parametrize("which", EDGES)
def test_the_service_takes_a_contact_day_inside_its_range(
    actor_a: Actor, trajectory: Trajectory, which: str
) -> None:
    day, accepted = edge(bounds.CONTACT_ON, which, TODAY)
    if accepted:
        moment = contact_record(
            actor=actor_a, trajectory=trajectory, kind=ContactKind.RETURN_BOOKLET, happened_on=day
        )
        assert moment.happened_on == day
        return
    changes = audited_changes()
    with pytest.raises(InvalidInput) as refused:
        contact_record(
            actor=actor_a, trajectory=trajectory, kind=ContactKind.RETURN_BOOKLET, happened_on=day
        )
    assert refused.value.message is (
        messages.IN_FUTURE if day > TODAY else bounds.DATE_OUT_OF_RANGE
    )
    assert not ContactMoment.objects.exists()
    assert audited_changes() == changes


@pytest.mark.parametrize("which", EDGES)
def test_the_form_takes_a_contact_day_inside_its_range(
    actor_a: Actor, trajectory: Trajectory, which: str
) -> None:
    day, accepted = edge(bounds.CONTACT_ON, which, TODAY)
    changes = audited_changes()
    response = client_for(actor_a).post(
        f"/trajectories/{trajectory.pk}/contacts/",
        {
            "contact-kind": ContactKind.RETURN_BOOKLET,
            "contact-happened_on": day.isoformat(),
            "contact-channel": "face_to_face",
        },
    )
    if accepted:
        assert response.status_code == 302
        assert ContactMoment.objects.get().happened_on == day
        return
    assert response.status_code == 400
    html = response.content.decode()
    if day > TODAY:
        assert nl_sentence(messages.IN_FUTURE) in html
    else:
        assert date_sentence(bounds.CONTACT_ON, TODAY) in html
    assert not ContactMoment.objects.exists()
    assert audited_changes() == changes
