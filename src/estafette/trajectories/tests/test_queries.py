"""Reads cost a fixed number of queries, however large the caseload or the relay grows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estafette.core.actor import Actor
from estafette.handovers.services import (
    handover_accept,
    handover_decline,
    handover_record_no_show,
    handover_record_taken_up,
)
from estafette.testing.factories import HandoverFactory, TrajectoryFactory
from estafette.testing.fixtures import returned_trajectory
from estafette.trajectories.models import Trajectory
from estafette.trajectories.selectors import (
    CaseloadFilters,
    CaseRelation,
    caseload_counts,
    caseload_page,
    caseload_queryset,
    relay_get,
)
from estafette.trajectories.services import participant_add, trajectory_plan_next_step

pytestmark = pytest.mark.usefixtures("frozen_clock")

# count, page, the page's handovers — plus, since need-to-know masks per row, the data
# classes of the page's rows (access.policy.classes_for_page: parts and emergency grants,
# consents in force).
CASELOAD_MAX_QUERIES = 6  # count, page ids, page rows, handovers, parts, consents
RELAY_READ_QUERIES = 9  # trajectory, stretches, handovers (+ transitions, users, orgs), events,
# participants, and (since the page shows it to those who may see it) the person's network
AUDIT_WRITE_QUERIES = 5  # the "view" entry: savepoint, chain lock, previous hash, insert, release
# The access policy: relationship (up to 3 EXISTS checks), consents in force, emergency access.
RELAY_ACCESS_QUERIES = 5
RELAY_MAX_QUERIES = RELAY_READ_QUERIES + AUDIT_WRITE_QUERIES + RELAY_ACCESS_QUERIES


@pytest.fixture
def trajectory(frozen_clock: object, actor_a: Actor) -> Trajectory:
    """The relay's general mechanics on a returned person (:mod:`estafette.testing.fixtures`)."""
    return returned_trajectory(actor_a)


def _is_audit_write(sql: str) -> bool:
    return any(part in sql for part in ("core_auditevent", "SAVEPOINT", "pg_advisory"))


def build_caseload(n: int, a: Actor, b: Actor, c: Actor) -> None:
    """``n`` trajectories on org_a's desk, cycling through every relation and deadline kind."""
    for i in range(n):
        trajectory = TrajectoryFactory(actor=a)
        kind = i % 6
        if kind == 1:
            HandoverFactory(actor=a, trajectory=trajectory, receiver=b.organisation)
        elif kind == 2:
            handover_accept(
                actor=b,
                handover=HandoverFactory(actor=a, trajectory=trajectory, receiver=b.organisation),
            )
        elif kind == 3:
            handover_decline(
                actor=c,
                handover=HandoverFactory(actor=a, trajectory=trajectory, receiver=c.organisation),
                reason="vol",
            )
        elif kind == 4:
            incoming = TrajectoryFactory(actor=c)
            HandoverFactory(actor=c, trajectory=incoming, receiver=a.organisation)
        elif kind == 5:
            trajectory_plan_next_step(
                actor=a,
                trajectory=trajectory,
                next_step="bellen",
                due=None,
                next_runner=c.organisation,
            )


def caseload_queries(actor: Actor, **filters: object) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        _, rows = caseload_page(actor=actor, filters=CaseloadFilters(**filters))
        for row in rows:  # touch everything a caseload row shows
            str(row.trajectory.person)
            str(row.trajectory.baton_holder)
            str(row.trajectory.country)
            str(row.trajectory.registration_municipality)
            str(row.next_runner)
            if row.handover is not None:
                str(row.handover.sender)
                str(row.handover.receiver)
            _ = row.deadline, row.relation_label, row.in_the_air
    return len(ctx.captured_queries), len(rows)


def test_the_caseload_page_stays_within_its_query_budget(
    actor_a: Actor,
    actor_b: Actor,
    actor_c: Actor,
    django_assert_max_num_queries: Callable[[int], ContextManager[object]],
) -> None:
    build_caseload(12, actor_a, actor_b, actor_c)
    with django_assert_max_num_queries(CASELOAD_MAX_QUERIES):
        caseload_page(actor=actor_a, filters=CaseloadFilters())


FILTERS: list[dict[str, object]] = [
    {},
    {"relation": "holding"},
    {"relation": "incoming"},
    {"relation": "outcome_to_review"},
    {"sort": "deadline"},
    {"country": "ES", "sort": "person"},
]


def test_the_caseload_costs_the_same_queries_for_6_or_40_trajectories(
    actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    build_caseload(6, actor_a, actor_b, actor_c)  # one of each kind
    small = [caseload_queries(actor_a, **filters) for filters in FILTERS]
    build_caseload(34, actor_a, actor_b, actor_c)
    large = [caseload_queries(actor_a, **filters) for filters in FILTERS]
    for filters, (few, few_rows), (many, many_rows) in zip(FILTERS, small, large, strict=True):
        assert many_rows > few_rows, filters
        assert few == many <= CASELOAD_MAX_QUERIES, filters


def test_the_receivers_caseload_costs_the_same_queries_too(
    actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    build_caseload(6, actor_a, actor_b, actor_c)
    small, small_rows = caseload_queries(actor_b)
    build_caseload(36, actor_a, actor_b, actor_c)
    large, large_rows = caseload_queries(actor_b)
    assert large_rows > small_rows
    assert small == large


def build_relay(trajectory: Trajectory, rounds: int, a: Actor, b: Actor, c: Actor) -> None:
    """Pass the baton back and forth ``rounds`` times, with every kind of outcome."""
    for i in range(rounds):
        declined = HandoverFactory(actor=a, trajectory=trajectory, receiver=c.organisation)
        handover_decline(actor=c, handover=declined, reason="geen plek")
        there = HandoverFactory(actor=a, trajectory=trajectory, receiver=b.organisation)
        handover_accept(actor=b, handover=there)
        handover_record_no_show(actor=b, handover=there, reason="niet gekomen")
        if i % 3 == 0:
            participant_add(
                actor=a, trajectory=trajectory, organisation=c.organisation, role="other"
            )
    last = HandoverFactory(actor=a, trajectory=trajectory, receiver=b.organisation)
    handover_record_taken_up(actor=b, handover=handover_accept(actor=b, handover=last))
    HandoverFactory(actor=b, trajectory=trajectory, receiver=c.organisation)


def relay_queries(actor: Actor, pk: int) -> tuple[int, int, int]:
    with CaptureQueriesContext(connection) as ctx:
        relay = relay_get(actor=actor, pk=pk)
        for handover in relay.handovers:
            str(handover.sender), str(handover.receiver), str(handover.sent_by)
            for transition in handover.transitions.all():
                str(transition.user), str(transition.organisation)
        for stretch in relay.stretches:
            str(stretch.organisation)
        for event in relay.events:
            str(event.user), str(event.organisation)
        for participant in relay.participants:
            str(participant.organisation)
        str(relay.trajectory.person), str(relay.trajectory.baton_holder)
    reads = [q for q in ctx.captured_queries if not _is_audit_write(q["sql"])]
    return len(ctx.captured_queries), len(reads), len(relay.handovers)


def test_relay_get_stays_within_its_query_budget(
    trajectory: Trajectory,
    actor_a: Actor,
    actor_b: Actor,
    actor_c: Actor,
    django_assert_max_num_queries: Callable[[int], ContextManager[object]],
) -> None:
    build_relay(trajectory, 2, actor_a, actor_b, actor_c)
    with django_assert_max_num_queries(RELAY_MAX_QUERIES):
        relay_get(actor=actor_a, pk=trajectory.pk)


def test_relay_get_costs_the_same_queries_for_a_short_or_a_long_relay(
    actor_a: Actor, actor_b: Actor, actor_c: Actor
) -> None:
    short = returned_trajectory(actor_a)
    build_relay(short, 1, actor_a, actor_b, actor_c)
    long = returned_trajectory(actor_a)
    build_relay(long, 20, actor_a, actor_b, actor_c)
    few, few_reads, few_handovers = relay_queries(actor_a, short.pk)
    many, many_reads, many_handovers = relay_queries(actor_a, long.pk)
    assert many_handovers >= 40 > few_handovers
    assert few == many <= RELAY_MAX_QUERIES
    assert few_reads == many_reads <= RELAY_READ_QUERIES + RELAY_ACCESS_QUERIES


@pytest.mark.parametrize("filters", FILTERS)
def test_the_counts_per_relation_are_the_lists_they_name(
    actor_a: Actor,
    actor_b: Actor,
    actor_c: Actor,
    filters: dict[str, object],
    django_assert_max_num_queries: Callable[[int], ContextManager[object]],
) -> None:
    """One query counts every relation, and each count is that relation's own list."""
    build_caseload(12, actor_a, actor_b, actor_c)
    for actor in (actor_a, actor_b, actor_c):
        chosen = CaseloadFilters(**filters)  # type: ignore[arg-type]
        with django_assert_max_num_queries(1):  # none when no row can match
            counts = caseload_counts(actor=actor, filters=chosen)
        for relation in CaseRelation:
            alone = dataclasses.replace(chosen, relation=relation.value)
            assert counts[relation.value] == caseload_queryset(actor=actor, filters=alone).count()
        assert sum(counts.values()) > 0 or actor is actor_c
