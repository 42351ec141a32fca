"""Withdrawing a contact recorded by mistake (issue 10): kept, audited, no longer counted.

Only whoever recorded the contact may withdraw it, with a reason; the row stays,
marked with who withdrew it, when and why; a withdrawn contact counts for no norm.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.html import escape

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.signals.evaluate import signals_evaluate
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
from estafette.trajectories.models import ParticipantRole, Phase, Route, Trajectory
from estafette.trajectories.services import participant_add, trajectory_set_phase
from estafette.visits import messages
from estafette.visits.models import ContactKind, ContactMoment
from estafette.visits.selectors import contact_panel_get
from estafette.visits.services import WITHDRAWAL_REASON_MAX, contact_record, contact_withdraw

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REASON = "Bij de verkeerde persoon vastgelegd SENTINEL-REASON"

pytestmark = pytest.mark.usefixtures("frozen_clock")


def _record(actor: Actor, trajectory: Trajectory, kind: str = ContactKind.RETURN_BOOKLET) -> Any:
    return contact_record(
        actor=actor, trajectory=trajectory, kind=kind, happened_on=clock.today(), channel="message"
    )


def _url(moment: ContactMoment) -> str:
    return f"/contacts/{moment.pk}/withdraw/"


def _field(moment: ContactMoment) -> str:
    return f"withdraw-{moment.pk}-reason"


def _changes() -> int:
    return AuditEvent.objects.filter(
        object_type="visits.contactmoment", action=AuditAction.CHANGE
    ).count()


def _unchanged(moment: ContactMoment) -> None:
    """Nothing half-saved: the contact stands and no withdrawal was audited."""
    moment.refresh_from_db()
    assert (moment.withdrawn_at, moment.withdrawn_by, moment.withdrawal_reason) == (None, None, "")
    assert _changes() == 0


# ----------------------------------------------------------------------- service


def test_the_recorder_withdraws_with_a_reason_and_the_row_stays_marked(
    actor_a: Actor, trajectory: Trajectory, frozen_clock: ClockControl
) -> None:
    moment = _record(actor_a, trajectory)
    contact_withdraw(actor=actor_a, moment=moment, reason=f"  {REASON}  ")
    moment.refresh_from_db()
    assert moment.withdrawn_at is not None and moment.withdrawn_at.date() == frozen_clock.today
    assert (moment.withdrawn_by, moment.withdrawal_reason) == (actor_a.user, REASON)
    assert ContactMoment.objects.filter(pk=moment.pk).exists()  # never deleted
    assert not ContactMoment.objects.counting().exists()  # ... but no longer counted
    entry = AuditEvent.objects.get(object_type="visits.contactmoment", action=AuditAction.CHANGE)
    assert (entry.user_id, entry.person_id, entry.detail["field"]) == (
        actor_a.user.pk,
        trajectory.person_id,
        "withdrawn",
    )
    assert "SENTINEL" not in str(entry.detail)  # the reason is a note, not audit detail


def test_a_colleague_of_the_same_organisation_may_not_withdraw_it(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    colleague = make_actor(actor_a.organisation, actor_a.role)
    with pytest.raises(NotPermitted) as info:
        contact_withdraw(actor=colleague, moment=moment, reason=REASON)
    assert info.value.message == messages.NOT_YOUR_CONTACT
    _unchanged(moment)


def test_an_organisation_without_a_part_is_refused(
    actor_a: Actor, actor_c: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    with pytest.raises(NotPermitted) as info:
        contact_withdraw(actor=actor_c, moment=moment, reason=REASON)
    assert info.value.message == messages.NO_PART
    _unchanged(moment)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", messages.WITHDRAWAL_REASON_REQUIRED),
        ("   \n ", messages.WITHDRAWAL_REASON_REQUIRED),
        ("x" * (WITHDRAWAL_REASON_MAX + 1), messages.WITHDRAWAL_REASON_TOO_LONG),
    ],
)
def test_a_reason_is_required_and_short(
    actor_a: Actor, trajectory: Trajectory, reason: str, message: object
) -> None:
    moment = _record(actor_a, trajectory)
    with pytest.raises(InvalidInput) as info:
        contact_withdraw(actor=actor_a, moment=moment, reason=reason)
    assert info.value.message == message
    _unchanged(moment)


def test_a_contact_is_withdrawn_once(actor_a: Actor, trajectory: Trajectory) -> None:
    moment = _record(actor_a, trajectory)
    contact_withdraw(actor=actor_a, moment=moment, reason=REASON)
    with pytest.raises(Conflict) as info:
        contact_withdraw(actor=actor_a, moment=moment, reason="Nog eens")
    assert info.value.message == messages.ALREADY_WITHDRAWN
    moment.refresh_from_db()
    assert moment.withdrawal_reason == REASON and _changes() == 1


def test_a_closed_trajectory_can_still_be_corrected(actor_a: Actor, trajectory: Trajectory) -> None:
    moment = _record(actor_a, trajectory)
    trajectory_set_phase(actor=actor_a, trajectory=trajectory, phase=Phase.CLOSED, reason="Klaar")
    contact_withdraw(actor=actor_a, moment=moment, reason=REASON)
    moment.refresh_from_db()
    assert moment.is_withdrawn


def test_the_database_refuses_a_withdrawal_without_its_reason(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactMoment.objects.filter(pk=moment.pk).update(withdrawn_at=clock.now())


def test_a_withdrawn_contact_no_longer_counts_for_its_norm(
    actor_a: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = cast(
            Trajectory,
            TrajectoryFactory(actor=actor_a, release_date=clock.today() + dt.timedelta(days=170)),
        )
    signals_evaluate([t.pk])
    assert live(t, "return_booklet_not_sent") is not None
    with django_capture_on_commit_callbacks(execute=True):
        moment = _record(actor_a, t)
    assert live(t, "return_booklet_not_sent") is None
    # The service's after-commit evaluation brings the signal back: the booklet was not sent.
    with django_capture_on_commit_callbacks(execute=True):
        contact_withdraw(actor=actor_a, moment=moment, reason=REASON)
    assert live(t, "return_booklet_not_sent") is not None


# -------------------------------------------------------------------- panel and pages


def test_the_recorder_sees_a_withdraw_form_beside_the_contact_and_a_colleague_does_not(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    page = f"/trajectories/{trajectory.pk}/"
    html = client_for(actor_a).get(page, **EN).content.decode()
    assert f'action="{_url(moment)}"' in html and f'name="{_field(moment)}"' in html
    assert "<summary>Withdraw this contact</summary>" in html  # a keyboard opens <details>
    colleague = make_actor(actor_a.organisation, actor_a.role)
    html = client_for(colleague).get(page, **EN).content.decode()
    assert _url(moment) not in html


def test_withdrawing_through_the_page_shows_who_when_and_why(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    client = client_for(actor_a)
    response = client.post(_url(moment), {_field(moment): REASON})
    assert response.status_code == 302
    assert response["Location"] == f"/trajectories/{trajectory.pk}/#contacts"
    html = client.get(f"/trajectories/{trajectory.pk}/", **EN).content.decode()
    name = actor_a.user.get_full_name() or actor_a.user.get_username()
    assert f"Withdrawn on 3 Mar 2025 by {escape(name)}:" in html
    assert REASON in html and "It no longer counts for the norms." in html
    assert _url(moment) not in html  # no second withdrawal offered


def test_a_missing_reason_returns_the_form_with_the_error_beside_the_field(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    response = client_for(actor_a).post(_url(moment), {_field(moment): "   "}, **EN)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    with translation.override("en"):
        assert escape(str(messages.WITHDRAWAL_REASON_REQUIRED)) in html
    _unchanged(moment)


def test_a_too_long_reason_comes_back_as_typed(actor_a: Actor, trajectory: Trajectory) -> None:
    moment = _record(actor_a, trajectory)
    typed = "Dubbel vastgelegd " + "x" * WITHDRAWAL_REASON_MAX
    response = client_for(actor_a).post(_url(moment), {_field(moment): typed}, **EN)
    assert response.status_code == 400
    assert typed in response.content.decode()
    _unchanged(moment)


def test_someone_elses_contact_is_refused_with_a_sentence(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    colleague = client_for(make_actor(actor_a.organisation, actor_a.role))
    for response in (
        colleague.post(_url(moment), {_field(moment): REASON}, **EN),
        colleague.post(_url(moment), {_field(moment): ""}, **EN),  # not "fill in a reason"
        colleague.get(_url(moment), **EN),
    ):
        assert response.status_code == 403
        with translation.override("en"):
            assert escape(str(messages.NOT_YOUR_CONTACT)) in response.content.decode()
    _unchanged(moment)


def test_another_organisation_gets_404_and_the_attempt_is_audited(
    actor_a: Actor, actor_c: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    assert client_for(actor_c).post(_url(moment), {_field(moment): REASON}).status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="visits.contactmoment", object_id=str(moment.pk)
    ).exists()
    _unchanged(moment)


def test_the_withdraw_page_works_on_its_own_and_refuses_a_second_time(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    moment = _record(actor_a, trajectory)
    client = client_for(actor_a)
    response = client.get(_url(moment), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="{_field(moment)}"' in html and "<script" not in html.split("<main", 1)[-1]
    client.post(_url(moment), {_field(moment): REASON})
    assert client.get(_url(moment), **EN).status_code == 409


def test_the_reason_follows_the_rule_of_the_note(db: None) -> None:
    """A buddy's withdrawal reason never reaches a justice role; that it was withdrawn does."""
    case_manager = make_actor(
        cast(Organisation, OrganisationFactory(kind=OrganisationKind.PRISON)), Role.CASE_MANAGER
    )
    t = cast(Trajectory, TrajectoryFactory(actor=case_manager, route=Route.DOMESTIC, country=None))
    buddies = cast(Organisation, OrganisationFactory(kind=OrganisationKind.BUDDY_PROGRAMME))
    participant_add(
        actor=case_manager, trajectory=t, organisation=buddies, role=ParticipantRole.BUDDY
    )
    give_consent(person=t.person, purpose_code="partner_sharing", recipient=buddies)
    buddy = make_actor(buddies, Role.BUDDY)
    assign(buddy, t)  # a buddy sees only the people assigned to them (decision 0016)
    moment = _record(buddy, t, kind=ContactKind.BUDDY_CONTACT)
    contact_withdraw(actor=buddy, moment=moment, reason=REASON)
    html = client_for(case_manager).get(f"/trajectories/{t.pk}/", **EN).content.decode()
    assert "Withdrawn on" in html and "SENTINEL-REASON" not in html
    (item,) = contact_panel_get(actor=case_manager, trajectory=t).items
    assert not item.show_withdrawal_reason and not item.may_withdraw
    professional = make_actor(buddies, Role.BUDDY_PROFESSIONAL)
    html = client_for(professional).get(f"/trajectories/{t.pk}/", **EN).content.decode()
    assert "SENTINEL-REASON" in html
