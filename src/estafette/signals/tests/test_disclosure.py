"""What a reader sees of a signal is decided once, by the access policy (issue 11, point 1).

Every rule declares the data classes its title and its reason reveal; the
policy weighs them against the reader's classes; the inbox's rows, the signal
page, the trajectory panel and the notifications use that one answer. The
surfaces themselves are checked against the oracle in
``access/tests/test_matrix_signals.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest
from django.utils import translation

from estafette.access import policy
from estafette.access.policy import SignalDisclosure, signal_disclosure
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.signals.models import Signal
from estafette.signals.notifications.models import Notification
from estafette.signals.notifications.selectors import NotificationRow
from estafette.signals.rules import REGISTRY
from estafette.signals.rules.base import Rule, register
from estafette.signals.selectors import SignalRow
from estafette.trajectories.models import Trajectory

ALL = frozenset(DataClass.values)


def test_every_rule_declares_what_its_title_and_reason_reveal() -> None:
    for code, rule in REGISTRY.items():
        declared = {
            name
            for klass in type(rule).__mro__
            if klass is not Rule and issubclass(klass, Rule)
            for name in vars(klass)
        }
        assert {"title_classes", "reason_classes"} <= declared, code
        assert rule.title_classes <= ALL and rule.reason_classes <= ALL, code


def test_a_rule_that_does_not_declare_is_refused() -> None:
    @dataclass
    class Undeclared(Rule):
        code: ClassVar[str] = "undeclared_for_the_test"
        title: ClassVar[str] = "t"
        reason_template: ClassVar[str] = "r"
        suggested_action: ClassVar[str] = "a"

    with pytest.raises(TypeError, match="title_classes"):
        register(Undeclared())
    assert "undeclared_for_the_test" not in REGISTRY


@pytest.mark.parametrize(
    ("title", "reason", "seen", "expected"),
    [
        (set(), set(), set(), SignalDisclosure.FULL),
        (set(), {"detention"}, {"identity"}, SignalDisclosure.TITLE),
        ({"conditions"}, {"conditions", "detention"}, {"identity", "detention"}, "neutral"),
        ({"health"}, {"health"}, {"health"}, SignalDisclosure.FULL),
        # A reason is never shown without its title, even if its own classes are seen.
        ({"network"}, set(), {"identity"}, SignalDisclosure.NEUTRAL),
    ],
)
def test_the_policy_weighs_title_and_reason(
    title: set[str], reason: set[str], seen: set[str], expected: str
) -> None:
    assert signal_disclosure(title_classes=title, reason_classes=reason, classes=seen) == expected


def test_the_issues_cases_are_neutral() -> None:
    """A consular officer does not read 'vulnerable person' (health); an identity-only
    municipal desk does not read 'no valid ID …' (conditions)."""
    consul = policy.ROLE_DATA_CLASSES["consular_officer"]
    vulnerable = REGISTRY["vulnerable_without_support"]
    assert (
        signal_disclosure(
            title_classes=vulnerable.title_classes,
            reason_classes=vulnerable.reason_classes,
            classes=consul,
        )
        is SignalDisclosure.NEUTRAL
    )
    id_missing = REGISTRY["id_missing_after_return"]
    assert (
        signal_disclosure(
            title_classes=id_missing.title_classes,
            reason_classes=id_missing.reason_classes,
            classes={"identity"},
        )
        is SignalDisclosure.NEUTRAL
    )


def _signal(trajectory: Trajectory, actor: Actor, code: str) -> Signal:
    return Signal.objects.create(
        rule_code=code,
        trajectory=trajectory,
        addressee=actor.organisation,
        reason="stored sentence with the facts",
        facts={},
    )


def test_the_row_and_the_notification_give_the_same_answer(
    trajectory: Trajectory, actor_a: Actor
) -> None:
    signal = _signal(trajectory, actor_a, "id_missing_after_return")
    signal.trajectory = trajectory
    rule = REGISTRY["id_missing_after_return"]
    holder = trajectory.baton_holder_id == actor_a.organisation_id
    notification = Notification(
        user=actor_a.user, organisation=actor_a.organisation, signal=signal, kind="raised"
    )
    with translation.override("en"):
        hidden = str(rule.title)
        neutral = policy.signal_neutral_line(holder=holder)
        for classes, shows in (({"identity"}, neutral), ({"identity", "conditions"}, hidden)):
            row = SignalRow(signal=signal, rule=rule, classes=frozenset(classes), holder=holder)
            assert row.title == shows
            assert (row.suggested_action == "") is (shows == neutral)
            listed = NotificationRow(
                notification=notification, openable=True, classes=frozenset(classes)
            )
            assert listed.title == shows
        # Without detention the reason's dates stay hidden, the title shows.
        row = SignalRow(
            signal=signal, rule=rule, classes=frozenset({"identity", "conditions"}), holder=holder
        )
        assert row.sees_title and not row.sees_reason and row.reason == ""


def test_an_unknown_rule_reveals_nothing(trajectory: Trajectory, actor_a: Actor) -> None:
    signal = _signal(trajectory, actor_a, "a_rule_that_was_removed")
    signal.trajectory = trajectory
    row = SignalRow(signal=signal, rule=None, classes=ALL)
    assert not row.sees_title and not row.sees_reason and row.reason == ""
    assert "a_rule_that_was_removed" not in row.title
