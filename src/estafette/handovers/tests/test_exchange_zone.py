"""The exchange zone (decision 0011): a referral accepted during detention commits the
receiver; the sender keeps the baton, its next step and its norms until the person leaves
detention; then the baton passes. "Taken up" and "no-show" wait until the person is out.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest

from estafette.access.policy import Relationship, access_for, relationship_of
from estafette.conditions.policy import may_record
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.handovers import messages
from estafette.handovers.exchange import (
    AT_RELEASE_PURPOSES,
    DURING_DETENTION_PURPOSES,
    is_committed,
    may_record_outcome,
    passes_at_release,
)
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import (
    handover_accept,
    handover_record_no_show,
    handover_record_taken_up,
)
from estafette.handovers.workflow import State
from estafette.organisations.models import OrganisationKind
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import OrganisationFactory, TrajectoryFactory, make_actor
from estafette.testing.relay import assert_baton_invariants, refused
from estafette.trajectories import messages as trajectory_messages
from estafette.trajectories.models import EventKind, Phase, Route, Stretch, Trajectory
from estafette.trajectories.selectors import CaseloadFilters, CaseRelation, caseload_page
from estafette.trajectories.services import (
    trajectory_plan_next_step,
    trajectory_record_domestic_entry,
    trajectory_set_phase,
)

REASON = "Twee afspraken gemist."


@pytest.fixture
def detained(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    """Detained in Spain, guided by BB (org_a), release in 90 days, registered in Arnhem."""
    return cast(Trajectory, TrajectoryFactory(actor=actor_a))


def refer(sender: Actor, trajectory: Trajectory, receiver: Actor, **kwargs: object) -> Handover:
    return cast(
        Handover,
        send_with_consent(
            actor=sender,
            trajectory=trajectory,
            receiver=receiver.organisation,
            purpose=kwargs.pop("purpose", Purpose.AFTERCARE_REFERRAL),
            message="Graag nazorg voorbereiden: ID-kaart en uitkering.",
            **kwargs,
        ),
    )


def relations(actor: Actor) -> dict[int, str]:
    _, rows = caseload_page(actor=actor, filters=CaseloadFilters())
    return {row.trajectory.pk: row.relation for row in rows}


# --- the rule itself ---------------------------------------------------------------------


def test_every_purpose_is_either_during_detention_or_at_release() -> None:
    assert set(Purpose.values) == AT_RELEASE_PURPOSES | DURING_DETENTION_PURPOSES
    assert not AT_RELEASE_PURPOSES & DURING_DETENTION_PURPOSES
    assert Purpose.AFTERCARE_REFERRAL in AT_RELEASE_PURPOSES


@pytest.mark.parametrize(
    ("purpose", "phase", "commits", "outcome"),
    [
        (Purpose.AFTERCARE_REFERRAL, Phase.DETENTION, True, False),
        (Purpose.AFTERCARE_REFERRAL, Phase.RETURN, False, True),
        (Purpose.AFTERCARE_REFERRAL, Phase.REINTEGRATION, False, True),
        (Purpose.LANDING_PLACE, Phase.DETENTION, True, False),
        (Purpose.GUIDANCE, Phase.DETENTION, False, True),
        (Purpose.CONSULAR, Phase.DETENTION, False, True),
        (Purpose.SENTENCE_TRANSFER, Phase.DETENTION, False, True),
    ],
)
def test_which_acceptance_commits_and_when_an_outcome_may_be_recorded(
    purpose: str, phase: str, commits: bool, outcome: bool
) -> None:
    assert passes_at_release(purpose=purpose, phase=phase) is commits
    assert may_record_outcome(purpose=purpose, phase=phase) is outcome


# --- accepting during detention -------------------------------------------------------------


def test_accepting_during_detention_commits_and_the_sender_keeps_the_baton(
    detained: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    trajectory_plan_next_step(
        actor=actor_a, trajectory=detained, next_step="Terugkeerboekje sturen", due=None
    )
    handover = handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    detained.refresh_from_db()
    assert handover.state == State.ACCEPTED and handover.baton_at is None
    assert is_committed(handover)
    assert detained.baton_holder == actor_a.organisation
    assert detained.next_step == "Terugkeerboekje sturen"  # BB's own step stays BB's
    assert Stretch.objects.filter(trajectory=detained).count() == 1
    assert_baton_invariants(detained)
    event = detained.events.order_by("-at", "-id").first()
    assert event is not None and event.data.get("committed") is True


def test_the_committed_receiver_has_a_part_sees_what_its_consent_covers_and_prepares(
    detained: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    assert relationship_of(actor_b, detained) == Relationship.COMMITTED
    access = access_for(actor_b, detained)
    assert access.sees("identity") and access.sees("detention")
    # It prepares ID, benefit, insurance and housing in parallel: it records conditions.
    assert may_record(actor_b, access)


def test_both_caseloads_show_the_person_with_the_right_relation(
    detained: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    assert relations(actor_a) == {detained.pk: CaseRelation.HANDING_OVER_AT_RELEASE}
    assert relations(actor_b) == {detained.pk: CaseRelation.PREPARING}


@pytest.mark.parametrize("action", ["take_up", "no_show"])
def test_taken_up_and_no_show_are_refused_while_the_person_is_detained(
    detained: Trajectory, actor_a: Actor, actor_b: Actor, action: str
) -> None:
    handover = handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    with refused(detained, Conflict) as info:
        if action == "take_up":
            handover_record_taken_up(actor=actor_b, handover=handover)
        else:
            handover_record_no_show(actor=actor_b, handover=handover, reason=REASON)
    assert info.value.message == messages.STILL_DETAINED
    handover.refresh_from_db()
    assert handover.state == State.ACCEPTED


# --- the person leaves detention --------------------------------------------------------------


@pytest.mark.parametrize("who", ["holder", "committed receiver"])
@pytest.mark.parametrize("phase", [Phase.RETURN, Phase.REINTEGRATION])
def test_leaving_detention_passes_the_baton_to_the_committed_receiver(
    detained: Trajectory, actor_a: Actor, actor_b: Actor, who: str, phase: str
) -> None:
    trajectory_plan_next_step(actor=actor_a, trajectory=detained, next_step="Bezoek", due=None)
    handover = handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    recorder = actor_a if who == "holder" else actor_b
    trajectory_set_phase(actor=recorder, trajectory=detained, phase=phase)
    detained.refresh_from_db()
    handover.refresh_from_db()
    assert detained.baton_holder == actor_b.organisation
    assert handover.baton_at is not None and not is_committed(handover)
    assert (detained.next_step, detained.next_step_due) == ("", None)  # not inherited
    stretches = list(Stretch.objects.filter(trajectory=detained).order_by("started_at", "id"))
    assert [s.organisation_id for s in stretches] == [
        actor_a.organisation_id,
        actor_b.organisation_id,
    ]
    assert stretches[1].handover_id == handover.pk
    assert_baton_invariants(detained)
    assert detained.events.filter(kind=EventKind.BATON_PASSED_AT_RELEASE).count() == 1
    # Now the outcome can be recorded, and a no-show hands the baton back to BB.
    assert relations(actor_a) == {detained.pk: CaseRelation.AWAITING_OUTCOME}
    handover_record_no_show(actor=actor_b, handover=handover, reason=REASON)
    detained.refresh_from_db()
    assert detained.baton_holder == actor_a.organisation


def test_after_release_taken_up_is_recorded(
    detained: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    handover = handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    trajectory_set_phase(actor=actor_a, trajectory=detained, phase=Phase.RETURN)
    assert handover_record_taken_up(actor=actor_b, handover=handover).state == State.TAKEN_UP


def test_the_committed_receiver_may_only_record_that_the_person_left_detention(
    detained: Trajectory, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    with refused(detained, NotPermitted):
        trajectory_set_phase(actor=actor_b, trajectory=detained, phase=Phase.CLOSED, reason="x")
    with refused(detained, NotPermitted):
        trajectory_set_phase(actor=actor_c, trajectory=detained, phase=Phase.RETURN)


def test_accepting_after_release_passes_the_baton_at_once(
    detained: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    trajectory_set_phase(actor=actor_a, trajectory=detained, phase=Phase.RETURN)
    handover = handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    detained.refresh_from_db()
    assert detained.baton_holder == actor_b.organisation
    assert handover.baton_at is not None


# --- one commitment at a time; transfers run through it --------------------------------------


def test_a_second_referral_is_refused_while_one_receiver_is_committed(
    detained: Trajectory, actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    with pytest.raises(Conflict) as info:
        refer(actor_a, detained, actor_c, purpose=Purpose.LANDING_PLACE)
    assert info.value.message == messages.ALREADY_COMMITTED
    assert Handover.objects.filter(trajectory=detained).count() == 1


def test_a_transfer_during_a_commitment_moves_the_baton_and_release_passes_it_on(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor
) -> None:
    trajectory = cast(
        Trajectory,
        TrajectoryFactory(actor=actor_a, route=Route.ABROAD_TRANSFER, transfer_law="WETS"),
    )
    prison = make_actor(
        OrganisationFactory(name="PI Test", kind=OrganisationKind.PRISON, code="pi-test")
    )
    handover_accept(actor=actor_b, handover=refer(actor_a, trajectory, actor_b))
    transfer = refer(actor_a, trajectory, prison, purpose=Purpose.SENTENCE_TRANSFER)
    entered = frozen_clock.today - dt.timedelta(days=2)
    handover_accept(actor=prison, handover=transfer, entered_on=entered)
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == prison.organisation
    assert trajectory.domestic_entry == entered
    assert trajectory.events.filter(kind=EventKind.DOMESTIC_ENTRY).count() == 1
    # The prison's "taken up" is the arrival: allowed while the person is detained.
    handover_record_taken_up(actor=prison, handover=transfer)
    # Release from the Dutch prison: the committed municipality takes the baton.
    trajectory_set_phase(actor=prison, trajectory=trajectory, phase=Phase.RETURN)
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == actor_b.organisation
    assert_baton_invariants(trajectory)


def test_an_entry_date_goes_only_with_a_sentence_transfer(
    detained: Trajectory, actor_a: Actor, actor_b: Actor, frozen_clock: ClockControl
) -> None:
    handover = refer(actor_a, detained, actor_b)
    with refused(detained, InvalidInput) as info:
        handover_accept(actor=actor_b, handover=handover, entered_on=frozen_clock.today)
    assert info.value.message == messages.ENTRY_DATE_ONLY_FOR_TRANSFER
    with refused(detained, InvalidInput) as info:
        trajectory_record_domestic_entry(
            actor=actor_a, trajectory=detained, entered_on=frozen_clock.today
        )
    assert info.value.message == trajectory_messages.ENTRY_ONLY_FOR_TRANSFER


def test_an_entry_date_outside_its_range_is_refused_and_nothing_is_saved(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    trajectory = cast(
        Trajectory,
        TrajectoryFactory(actor=actor_a, route=Route.ABROAD_TRANSFER, transfer_law="WOTS"),
    )
    with refused(trajectory, InvalidInput):
        trajectory_record_domestic_entry(
            actor=actor_a, trajectory=trajectory, entered_on=dt.date(1890, 1, 1)
        )


def test_closing_during_detention_ends_the_commitment(
    detained: Trajectory, actor_a: Actor, actor_b: Actor
) -> None:
    handover_accept(actor=actor_b, handover=refer(actor_a, detained, actor_b))
    trajectory_set_phase(
        actor=actor_a, trajectory=detained, phase=Phase.CLOSED, reason="Overleden."
    )
    assert relationship_of(actor_b, detained) == Relationship.NONE
    assert relations(actor_b) == {}
    assert relations(actor_a) == {}
