"""The demo's contacts: the named examples show their weak link, the bulk is plausible."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import Max

from estafette.core import clock
from estafette.demo.build import BuildReport, build
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.trajectories.models import Phase, Trajectory
from estafette.visits.models import ContactKind, ContactMoment, RequestState, VolunteerRequest

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[BuildReport]:
    """A tiny demo with its signals, built once for the module and rolled back at the end."""
    with django_db_blocker.unblock(), clock.frozen(TODAY), transaction.atomic():  # type: ignore[attr-defined]
        report = build(scale="tiny", seed=5, say=lambda _: None)
        signals_evaluate()
        yield report
        transaction.set_rollback(True)


def signals_of(given: str, family: str) -> set[str]:
    trajectory = Trajectory.objects.exclude(phase=Phase.CLOSED).get(
        person__given_names=given, person__family_name=family
    )
    return set(
        Signal.objects.filter(trajectory=trajectory)
        .exclude(state="resolved")
        .values_list("rule_code", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "family", "present", "absent"),
    [
        ("Wim", "de Boer", {"volunteer_visit_overdue"}, set()),
        ("Kevin", "Dekker", {"volunteer_none_available"}, set()),
        ("Linda", "Vos", {"return_booklet_not_sent"}, {"volunteer_visit_overdue"}),
        (
            "Jeroen",
            "Bos",
            {"domestic_screening_overdue"},
            {"mentor_conversation_overdue", "no_professional_contact", "dr_plan_overdue"},
        ),
        ("Sander", "Verhoeven", set(), {"volunteer_visit_overdue"}),
        ("Priscilla", "Koster", set(), {"return_booklet_not_sent", "volunteer_visit_overdue"}),
        (
            "Dennis",
            "de Wit",
            set(),
            {"domestic_screening_overdue", "dr_plan_overdue", "mentor_conversation_overdue"},
        ),
    ],
)
def test_the_named_examples_show_their_weak_link(
    demo: BuildReport, given: str, family: str, present: set[str], absent: set[str]
) -> None:
    found = signals_of(given, family)
    assert present <= found, found
    assert not (absent & found), found


@pytest.mark.django_db
def test_the_bulk_records_every_kind_and_nothing_in_the_future(demo: BuildReport) -> None:
    kinds = set(ContactMoment.objects.values_list("kind", flat=True))
    for kind in (
        ContactKind.VOLUNTEER_VISIT,
        ContactKind.RETURN_BOOKLET,
        ContactKind.DOMESTIC_SCREENING,
        ContactKind.MENTOR_CONVERSATION,
        ContactKind.DR_PLAN,
    ):
        assert kind in kinds
    assert ContactMoment.objects.aggregate(last=Max("happened_on"))["last"] <= TODAY
    assert VolunteerRequest.objects.filter(state=RequestState.NONE_AVAILABLE).count() >= 2
    # Some of each domestic weak link, but far from everyone (DOMAIN.md §8, §10).
    domestic = Trajectory.objects.filter(route="domestic", phase="detention").count()
    for code in ("mentor_conversation_overdue", "domestic_screening_overdue"):
        raised = Signal.objects.filter(rule_code=code).exclude(state="resolved").count()
        assert 0 < raised < domestic, code
