"""The handover state table, tested as the pure data it is (no database)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estafette.handovers import workflow
from estafette.handovers.models import HandoverState
from estafette.handovers.workflow import (
    AWAITING_OUTCOME,
    BY_ACTION,
    FINAL,
    PENDING,
    TRANSITIONS,
    BatonMove,
    Party,
    State,
    actions_from,
    transition_for,
)

NON_FINAL = set(State) - FINAL


def test_every_state_is_pending_awaiting_an_outcome_or_final_and_only_one_of_them() -> None:
    assert set(State) == PENDING | AWAITING_OUTCOME | FINAL
    assert not (PENDING & AWAITING_OUTCOME)
    assert not (PENDING & FINAL)
    assert not (AWAITING_OUTCOME & FINAL)


@pytest.mark.parametrize("state", sorted(NON_FINAL))
def test_every_state_that_is_not_final_has_a_way_out(state: State) -> None:
    assert [t for t in TRANSITIONS if t.source == state]


@pytest.mark.parametrize("state", sorted(FINAL))
def test_a_final_state_has_no_way_out(state: State) -> None:
    assert [t for t in TRANSITIONS if t.source == state] == []
    for party in Party:
        assert actions_from(state, party) == []


def test_every_state_can_be_reached_from_sent() -> None:
    reached, frontier = {State.SENT}, [State.SENT]
    while frontier:
        source = frontier.pop()
        for t in TRANSITIONS:
            if t.source == source and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(State)


def test_an_action_leads_from_a_state_in_at_most_one_way() -> None:
    pairs = [(t.action, t.source) for t in TRANSITIONS]
    assert len(pairs) == len(set(pairs))
    assert set(BY_ACTION) == {t.action for t in TRANSITIONS}


@pytest.mark.parametrize("row", TRANSITIONS, ids=lambda t: t.action)
def test_transition_for_finds_each_row_from_its_source_only(row: workflow.Transition) -> None:
    assert transition_for(row.action, row.source) is row
    for other in set(State) - {row.source}:
        assert transition_for(row.action, other) is None


def test_transition_for_an_unknown_action_is_none() -> None:
    assert transition_for("teleport", State.SENT) is None
    assert transition_for("", State.SENT) is None


@pytest.mark.parametrize(
    ("state", "party", "actions"),
    [
        (State.SENT, Party.RECEIVER, ["accept", "decline"]),
        (State.SENT, Party.SENDER, ["withdraw"]),
        (State.SENT, Party.SYSTEM, ["expire"]),
        (State.ACCEPTED, Party.RECEIVER, ["take_up", "no_show"]),
        (State.ACCEPTED, Party.SENDER, []),
        (State.ACCEPTED, Party.SYSTEM, []),
    ],
)
def test_actions_from_lists_what_each_party_may_do(
    state: State, party: Party, actions: list[str]
) -> None:
    assert actions_from(state, party) == actions


def test_a_reason_is_required_exactly_where_someone_must_read_why() -> None:
    assert {t.action for t in TRANSITIONS if t.reason_required} == {
        "decline",
        "withdraw",
        "no_show",
    }


def test_only_accept_and_no_show_move_the_baton() -> None:
    moves = {t.action: t.baton for t in TRANSITIONS if t.baton != BatonMove.STAYS}
    assert moves == {"accept": BatonMove.TO_RECEIVER, "no_show": BatonMove.TO_SENDER}


def test_the_model_choices_are_the_workflow_states() -> None:
    assert set(HandoverState.values) == {s.value for s in State}


def test_the_workflow_module_imports_no_django() -> None:
    tree = ast.parse(Path(workflow.__file__).read_text(encoding="utf-8"))
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(m.split(".")[0] == "django" for m in modules)


@given(st.lists(st.sampled_from([*BY_ACTION, "teleport"]), max_size=12))
def test_a_walk_through_the_table_never_leaves_a_final_state(actions: list[str]) -> None:
    state = State.SENT
    for action in actions:
        t = transition_for(action, state)
        if state in FINAL:
            assert t is None
        if t is not None:
            assert t.source == state
            state = t.target
    assert state in set(State)
