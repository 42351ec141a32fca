"""The answer date of a handover lies from today to a year ahead (issue #9: 9999-12-31 broke the
relay drawing for sender and receiver). Service and form, at both ends and one day beyond."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from estafette.consent.models import ConsentDisclosure
from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.handovers import messages
from estafette.handovers.models import Handover
from estafette.organisations.models import Organisation
from estafette.testing.bounds import EDGES, audited_changes, date_sentence, edge, nl_sentence
from estafette.testing.consent import consent_for_handover, send_with_consent
from estafette.testing.relay import refused, relay_snapshot
from estafette.testing.views import client_for
from estafette.trajectories.models import Trajectory

TODAY = dt.date(2025, 3, 3)


def send(actor: Actor, trajectory: Trajectory, receiver: Organisation, day: dt.date) -> Handover:
    return send_with_consent(
        actor=actor,
        trajectory=trajectory,
        receiver=receiver,
        purpose="aftercare_referral",
        message="Graag nazorg na terugkeer.",
        data_classes=["identity"],
        respond_by=day,
    )


@pytest.mark.parametrize("which", EDGES)
def test_the_service_takes_an_answer_date_from_today_to_a_year_ahead(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation, which: str
) -> None:
    day, accepted = edge(bounds.ANSWER_DATE, which, TODAY)
    if accepted:
        assert send(actor_a, trajectory, org_b, day).respond_by == day
        return
    # The past keeps its own sentence; beyond a year the range says how far it may go.
    expected = messages.RESPOND_BY_PAST if day < TODAY else bounds.DATE_OUT_OF_RANGE
    with refused(trajectory, InvalidInput, expected):
        send(actor_a, trajectory, org_b, day)
    assert not ConsentDisclosure.objects.exists()  # nothing shared on a refused handover


def test_the_issues_answer_date_of_9999_is_refused_and_nothing_is_saved(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation
) -> None:
    with refused(trajectory, InvalidInput, bounds.DATE_OUT_OF_RANGE) as info:
        send(actor_a, trajectory, org_b, dt.date(9999, 12, 31))
    assert info.value.params["what"] is bounds.ANSWER_DATE.what
    assert not Handover.objects.exists()


@pytest.mark.parametrize("which", EDGES)
def test_the_start_form_takes_an_answer_date_from_today_to_a_year_ahead(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation, which: str
) -> None:
    day, accepted = edge(bounds.ANSWER_DATE, which, TODAY)
    consent_for_handover(trajectory=trajectory, receiver=org_b, purpose="aftercare_referral")
    before = (replace(relay_snapshot(trajectory), audit_entries=0), audited_changes())
    response = client_for(actor_a).post(
        f"/trajectories/{trajectory.pk}/handover/",
        {
            "receiver": org_b.pk,
            "purpose": "aftercare_referral",
            "message": "Graag nazorg na terugkeer.",
            "data_classes": ["identity"],
            "respond_by": day.isoformat(),
        },
    )
    if accepted:
        assert response.status_code == 302
        assert Handover.objects.get().respond_by == day
        return
    assert response.status_code == 400
    html = response.content.decode()
    if day < TODAY:
        assert nl_sentence(messages.RESPOND_BY_PAST) in html
    else:
        assert date_sentence(bounds.ANSWER_DATE, TODAY) in html
    # The refused page is shown again (its view is audited); no change is.
    assert (replace(relay_snapshot(trajectory), audit_entries=0), audited_changes()) == before
    assert not Handover.objects.exists()


def test_the_start_form_tells_the_date_picker_the_range(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    html = client_for(actor_a).get(f"/trajectories/{trajectory.pk}/handover/").content.decode()
    field = html[html.index('name="respond_by"') :]
    field = field[: field.index(">")]
    assert 'min="2025-03-03"' in field and 'max="2026-03-03"' in field
