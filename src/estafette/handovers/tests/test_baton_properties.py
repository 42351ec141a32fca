"""Hypothesis drives the relay at random and checks the baton's invariants after every step.

A state machine sends, accepts, declines, withdraws, expires, takes up, reports
no-shows, acknowledges outcomes, lets days pass (the sweep) and closes or
reopens the trajectory, among four organisations, by random actors (the wrong
ones included) and with or without reasons. A
small model predicts each call: either the exact refusal (which must then
change nothing at all) or the new state and where the baton goes. After every
step the database must show one holder, one open stretch held by it, at most
one handover in the air (sent by the holder), and stretches that chain.

Each example runs inside a savepoint that is rolled back, with a fresh
trajectory and the clock reset, so examples do not see each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from estafette.access import messages as access_messages
from estafette.access.policy import ROLE_DATA_CLASSES
from estafette.consent.policy import HANDOVER_PURPOSE_CONSENT
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from estafette.handovers import messages
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import (
    handover_acknowledge_outcome,
    handover_expire_overdue,
    handover_send,
    handover_transition,
)
from estafette.handovers.workflow import (
    BY_ACTION,
    FINAL,
    TRANSITIONS,
    BatonMove,
    Party,
    State,
    transition_for,
)
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.testing.consent import give_consent
from estafette.testing.factories import (
    HandoverFactory,
    OrganisationFactory,
    TrajectoryFactory,
    make_actor,
)
from estafette.testing.relay import assert_baton_invariants, refused, relay_snapshot
from estafette.trajectories import messages as trajectory_messages
from estafette.trajectories.models import Phase, Trajectory
from estafette.trajectories.services import trajectory_set_phase

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=clock.LOCAL_ZONE)
KINDS = [
    OrganisationKind.BB_REGIONAL_DESK,
    OrganisationKind.MUNICIPAL_AFTERCARE,
    OrganisationKind.LANDING_PLACE,
    OrganisationKind.PROBATION,
]
ACTIONS = [*BY_ACTION, "teleport"]
SYSTEM = len(KINDS)  # an actor index that means "the system" (actor=None)

# Strategies lean towards the parties a move needs, so random relays get deep enough
# to matter, while any organisation (or the system) still turns up as a wrong actor.
OPS = st.sampled_from(
    ["send", "willing", "willing", "willing", "any", "any", "acknowledge", "time", "close"]
)
HOLDER_OR_ANY = st.one_of(st.just("holder"), st.just("holder"), st.integers(0, SYSTEM - 1))
OFFSET = st.one_of(st.integers(1, SYSTEM - 1), st.integers(0, SYSTEM - 1))  # 0: to itself
DAYS = st.integers(-1, 6)  # answer date from today; -1 lies in the past
MESSAGE = st.sampled_from(["Graag overnemen.", "Kunt u dit oppakken?", "Graag.", "  "])
PARTY_OR_ANY = st.one_of(st.sampled_from([*Party, "outsider"]), st.integers(0, SYSTEM))
PICK = st.one_of(st.just(-1), st.integers(0, 50))  # -1: the latest handover
MOVE = st.one_of(st.just(0), st.integers(0, 3))  # which of the moves the table offers
REASON = st.sampled_from(["De persoon is niet verschenen.", "Geen plek.", "Verhuisd.", "", "  "])


@pytest.fixture
def actors(db: None) -> list[Actor]:
    return [make_actor(OrganisationFactory(kind=kind)) for kind in KINDS]


class Expected:
    """What the model says a call must do: raise ``error`` with ``message``, or succeed."""

    def __init__(self, error: type[DomainError] | None = None, message: object = None) -> None:
        self.error, self.message = error, message


OK = Expected()


class BatonMachine(RuleBasedStateMachine):
    """One trajectory, four organisations, and a model of what the relay must look like.

    One rule on purpose: hypothesis switches rules off per example (swarm
    testing), which starved the rarer moves; so every step is ``relay_step``
    and its ``op`` (drawn with weights) says what is tried.
    """

    actors: ClassVar[list[Actor]] = []

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        clock.freeze(START)
        self.orgs = [a.organisation.pk for a in self.actors]
        self.trajectory: Trajectory = TrajectoryFactory(actor=self.actors[0], phase=Phase.RETURN)
        # Consent is not what this machine explores: every organisation is covered for
        # every purpose, so only the state table decides (consent has its own tests).
        for org in self.orgs:
            for code in {c for c in HANDOVER_PURPOSE_CONSENT.values() if c}:
                give_consent(
                    person=self.trajectory.person,
                    purpose_code=code,
                    recipient=Organisation.objects.get(pk=org),
                )
        self.holder = self.orgs[0]
        self.closed = False
        self.handovers: list[int] = []
        self.state: dict[int, State] = {}
        self.seen: dict[int, bool] = {}
        self.parties: dict[int, tuple[int, int]] = {}  # handover → (sender org, receiver org)
        self.respond_by: dict[int, dt.date] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # -- the model ------------------------------------------------------------------------------

    def pending(self) -> int | None:
        return next((h for h in self.handovers if self.state[h] == State.SENT), None)

    def live(self) -> list[int]:
        return [h for h in self.handovers if self.state[h] not in FINAL]

    def actor(self, index: int) -> Actor | None:
        return None if index == SYSTEM else self.actors[index]

    def index_of(self, who: Party | str | int, pk: int | None = None) -> int:
        """An actor index: the holder, a party of handover ``pk``, an outsider to it, any
        organisation, or the system."""
        if who == "holder":
            return self.orgs.index(self.holder)
        if pk is not None and who == "outsider":
            return next(i for i, org in enumerate(self.orgs) if org not in self.parties[pk])
        if pk is not None and who == Party.SENDER:
            return self.orgs.index(self.parties[pk][0])
        if pk is not None and who == Party.RECEIVER:
            return self.orgs.index(self.parties[pk][1])
        if who == Party.SYSTEM:
            return SYSTEM
        assert isinstance(who, int)
        return who

    def call(self, expected: Expected, fn: Any, **kwargs: Any) -> Any:
        """Run a service; a refusal must be the predicted one and must leave nothing behind."""
        if expected.error is None:
            return fn(**kwargs)
        with refused(self.trajectory, expected.error, expected.message):
            fn(**kwargs)
        return None

    # -- what is tried --------------------------------------------------------------------------

    def send(self, sender: int, offset: int, days: int, message: str) -> None:
        receiver = (sender + offset) % SYSTEM
        respond_by = clock.today() + dt.timedelta(days=days)
        if self.closed:
            expected = Expected(Conflict, messages.TRAJECTORY_CLOSED)
        elif self.orgs[sender] != self.holder:
            expected = Expected(NotPermitted, messages.ONLY_HOLDER_SENDS)
        elif sender == receiver:
            expected = Expected(InvalidInput, messages.NOT_TO_SELF)
        elif not message.strip():
            expected = Expected(InvalidInput, messages.MESSAGE_REQUIRED)
        elif days < 0:
            expected = Expected(InvalidInput, messages.RESPOND_BY_PAST)
        elif self.pending() is not None:
            expected = Expected(Conflict, messages.ALREADY_IN_THE_AIR)
        else:
            expected = OK
        handover = self.call(
            expected,
            handover_send,
            actor=self.actors[sender],
            trajectory=self.trajectory,
            receiver=self.actors[receiver].organisation,
            purpose=Purpose.OTHER,
            message=message,
            respond_by=respond_by,
        )
        if handover is not None:
            self.handovers.append(handover.pk)
            self.state[handover.pk] = State.SENT
            self.seen[handover.pk] = False
            self.parties[handover.pk] = (self.orgs[sender], self.orgs[receiver])
            self.respond_by[handover.pk] = respond_by

    def move(self, pk: int, action: str, actor: Actor | None, reason: str) -> None:
        sender, receiver = self.parties[pk]
        row = transition_for(action, self.state[pk])
        if actor is None:
            party: Party | None = Party.SYSTEM
        elif actor.organisation.pk == receiver:
            party = Party.RECEIVER
        elif actor.organisation.pk == sender:
            party = Party.SENDER
        else:
            party = None  # no part in this handover
        if action not in BY_ACTION:
            expected = Expected(InvalidInput, messages.UNKNOWN_ACTION)
        elif row is None:
            expected = Expected(Conflict, messages.TRANSITION_NOT_ALLOWED)
        elif party != row.by:
            expected = Expected(NotPermitted, messages.NOT_YOUR_PART)
        elif row.reason_required and not reason.strip():
            expected = Expected(InvalidInput, messages.REASON_REQUIRED)
        elif row.baton != BatonMove.STAYS and self.closed:
            expected = Expected(Conflict, messages.TRAJECTORY_CLOSED)
        elif row.baton == BatonMove.TO_SENDER and self.holder != receiver:
            expected = Expected(Conflict, messages.BATON_MOVED_ON)
        elif row.baton == BatonMove.TO_SENDER and self.pending() is not None:
            expected = Expected(Conflict, messages.ALREADY_IN_THE_AIR)
        else:
            expected = OK
        result = self.call(
            expected,
            handover_transition,
            actor=actor,
            handover=Handover.objects.get(pk=pk),
            action=action,
            reason=reason,
        )
        if result is None:
            return
        assert row is not None
        self.state[pk] = row.target
        if row.target == State.WITHDRAWN:
            self.seen[pk] = True
        if row.baton == BatonMove.TO_RECEIVER:
            self.holder = receiver
        elif row.baton == BatonMove.TO_SENDER:
            self.holder = sender

    def acknowledge(self, pk: int, who: int) -> None:
        if who == SYSTEM:
            return  # acknowledging is something people do; the service takes no system actor
        if self.orgs[who] != self.parties[pk][0]:
            expected = Expected(NotPermitted, messages.NOT_YOUR_PART)
        elif self.state[pk] not in FINAL or self.seen[pk]:
            expected = Expected(Conflict, messages.NOTHING_TO_REVIEW)
        else:
            expected = OK
        handover = Handover.objects.get(pk=pk)
        if self.call(
            expected, handover_acknowledge_outcome, actor=self.actors[who], handover=handover
        ):
            self.seen[pk] = True

    def close_or_reopen(self, who: str | int, reason: str) -> None:
        """The race stops (closed) or starts again; pending loops must still be able to close."""
        index = self.index_of(who)
        phase = Phase.REINTEGRATION if self.closed else Phase.CLOSED
        if self.orgs[index] != self.holder:
            expected = Expected(NotPermitted, trajectory_messages.NOT_HOLDER)
        elif DataClass.DETENTION not in ROLE_DATA_CLASSES[self.actors[index].role]:
            # The phase is detention data: a holder whose role never sees it cannot change it.
            expected = Expected(NotPermitted, access_messages.DETENTION_NOT_SHARED)
        elif phase == Phase.CLOSED and not reason.strip():
            expected = Expected(InvalidInput, trajectory_messages.REASON_REQUIRED)
        else:
            expected = OK
        changed = self.call(
            expected,
            trajectory_set_phase,
            actor=self.actors[index],
            trajectory=self.trajectory,
            phase=phase,
            reason=reason,
        )
        if changed is not None:
            self.closed = not self.closed

    def time_passes(self, days: int) -> None:
        """The sweep expires what is overdue, and a second sweep finds nothing more."""
        clock.freeze(clock.now() + dt.timedelta(days=days))
        overdue = [
            h
            for h in self.handovers
            if self.state[h] == State.SENT and self.respond_by[h] < clock.today()
        ]
        assert handover_expire_overdue() == len(overdue)
        for h in overdue:
            self.state[h] = State.EXPIRED
        before = relay_snapshot(self.trajectory)
        assert handover_expire_overdue() == 0
        assert relay_snapshot(self.trajectory) == before

    # -- the rule -------------------------------------------------------------------------------

    @rule(
        op=OPS,
        sender=HOLDER_OR_ANY,
        offset=OFFSET,
        days=DAYS,
        message=MESSAGE,
        pick=PICK,
        move=MOVE,
        action=st.sampled_from(ACTIONS),
        who=PARTY_OR_ANY,
        reason=REASON,
    )
    def relay_step(
        self,
        op: str,
        sender: str | int,
        offset: int,
        days: int,
        message: str,
        pick: int,
        move: int,
        action: str,
        who: Party | str | int,
        reason: str,
    ) -> None:
        """``send``: anyone sends anything; ``willing``: the chain plays along (hands the
        baton on, or makes a move the table offers, by the party it names); ``any``: any
        action on any handover by anyone; ``acknowledge``: anyone reviews any outcome;
        ``time``: days pass and the sweep runs; ``close``: the trajectory closes or reopens."""
        if op == "time":
            self.time_passes(days + 1)
            return
        if op == "close":
            self.close_or_reopen(sender, reason)
            return
        live = self.live()
        if op == "send" or (op == "willing" and not live):
            self.send(
                self.index_of(sender),
                offset,
                max(days, 0) if op == "willing" else days,
                message if op == "send" else "Graag overnemen.",
            )
        elif op == "willing":
            pk = live[pick % len(live)]
            if self.pending() is None and not self.closed and move == 3:
                self.send(self.index_of("holder"), offset, max(days, 0), "Graag overnemen.")
                return
            offered = [t for t in TRANSITIONS if t.source == self.state[pk]]
            row = offered[move % len(offered)]
            self.move(pk, row.action, self.actor(self.index_of(row.by, pk)), reason)
        elif self.handovers:
            pk = self.handovers[pick % len(self.handovers)]
            if op == "any":
                self.move(pk, action, self.actor(self.index_of(who, pk)), reason)
            else:
                self.acknowledge(pk, self.index_of(who, pk))

    # -- checked after every step ---------------------------------------------------------------

    @invariant()
    def the_baton_is_whole_and_where_the_model_says(self) -> None:
        trajectory = assert_baton_invariants(self.trajectory)
        assert trajectory.baton_holder_id == self.holder
        rows = Handover.objects.filter(trajectory=trajectory).values_list(
            "pk", "state", "outcome_seen_at"
        )
        assert {pk: (state, seen is not None) for pk, state, seen in rows} == {
            pk: (self.state[pk], self.seen[pk]) for pk in self.handovers
        }
        pending = self.pending()
        if pending is not None:  # in the air, the baton is still the sender's
            assert self.parties[pending][0] == self.holder


def test_the_baton_invariants_hold_under_random_relays(actors: list[Actor]) -> None:
    machine = type("Relay", (BatonMachine,), {"actors": actors})
    with clock.frozen(START):
        run_state_machine_as_test(
            machine,
            settings=settings(stateful_step_count=25, deadline=None),  # examples: see conftest
        )


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    answer_days=st.lists(st.integers(0, 10), min_size=1, max_size=5),
    accepted=st.sets(st.integers(0, 4)),
    elapsed=st.integers(0, 12),
)
def test_a_second_sweep_changes_nothing_and_only_overdue_handovers_expire(
    actors: list[Actor], answer_days: list[int], accepted: set[int], elapsed: int
) -> None:
    a, b = actors[0], actors[1]
    with clock.frozen(START), transaction.atomic():
        trajectories = []
        for i, days in enumerate(answer_days):
            trajectory = TrajectoryFactory(actor=a, phase=Phase.RETURN)
            trajectories.append(trajectory)
            handover = HandoverFactory(
                actor=a,
                trajectory=trajectory,
                receiver=b.organisation,
                respond_by=clock.today() + dt.timedelta(days=days),
            )
            if i in accepted:
                handover_transition(actor=b, handover=handover, action="accept")
        clock.freeze(clock.now() + dt.timedelta(days=elapsed))
        today = clock.today()

        expected = sum(
            1
            for i, days in enumerate(answer_days)
            if i not in accepted and START.date() + dt.timedelta(days=days) < today
        )
        assert handover_expire_overdue() == expected
        assert not Handover.objects.filter(state=State.SENT, respond_by__lt=today).exists()
        assert not Handover.objects.filter(state=State.EXPIRED, respond_by__gte=today).exists()

        before = [relay_snapshot(t) for t in trajectories]
        assert handover_expire_overdue() == 0
        assert [relay_snapshot(t) for t in trajectories] == before
        for t in trajectories:
            assert_baton_invariants(t)
        transaction.set_rollback(True)
