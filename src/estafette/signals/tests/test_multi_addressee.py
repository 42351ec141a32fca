"""A signal addressed to more than one organisation (issue 10).

"No money or valid travel documents to come home" goes to the runner abroad (the
baton holder) *and* to the municipal after-care desk that will receive the person.
One live signal per (rule, trajectory, addressee): each addressee sees its own
part once, acts on it alone (resolving or snoozing one part leaves the other),
and evaluating again never duplicates either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import handover_accept
from estafette.organisations.models import Organisation, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.signals.services import signal_resolve, signal_snooze
from estafette.testing.clock import ClockControl
from estafette.testing.consent import send_with_consent, withdrawal_heard
from estafette.testing.factories import TrajectoryFactory, make_actor
from estafette.testing.views import client_for
from estafette.trajectories.models import Phase, Trajectory
from estafette.trajectories.services import trajectory_set_phase, trajectory_set_release

CODE = "no_way_home"
TITLE = "No money or valid travel documents to come home"
HEADING = f">{TITLE}</a>"  # the row's title link (the title is also in the action's label)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def make(actor: Actor, **fields: Any) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


def parts(trajectory: Trajectory) -> dict[int, Signal]:
    """The live no-way-home signals of ``trajectory``, by addressee."""
    rows = Signal.objects.filter(trajectory=trajectory, rule_code=CODE).exclude(state="resolved")
    found: dict[int, Signal] = {}
    for signal in rows:
        assert signal.addressee_id not in found, "two live signals for one addressee"
        found[signal.addressee_id] = signal
    return found


def registration_desk() -> Organisation:
    """The after-care desk of Arnhem (the factory's municipality of registration)."""
    return Organisation.objects.get(code="nazorg-gm0202")


def refer(actor: Actor, trajectory: Trajectory, receiver: Organisation) -> Handover:
    return cast(
        Handover,
        send_with_consent(
            actor=actor,
            trajectory=trajectory,
            receiver=receiver,
            purpose=Purpose.AFTERCARE_REFERRAL,
            message="Graag nazorg; hij heeft geen paspoort meer.",
        ),
    )


def inbox(actor: Actor) -> str:
    html = client_for(actor).get("/signals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return html.split('id="inbox-results"', 1)[1]


def test_the_runner_abroad_and_the_registration_desk_each_get_their_part(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(20))
    signals_evaluate([t.pk])
    found = parts(t)
    desk = registration_desk()
    assert set(found) == {actor_a.organisation_id, desk.pk}
    runner, municipal = found[actor_a.organisation_id], found[desk.pk]
    assert runner.addressee_role == Role.REGIONAL_COORDINATOR
    assert municipal.addressee_role == Role.AFTERCARE_COORDINATOR
    assert "part" not in runner.facts and municipal.facts["part"] == "desk"
    assert runner.due == municipal.due == frozen_clock.today - days(10)
    # Evaluating again changes and duplicates nothing.
    result = signals_evaluate([t.pk])
    assert result.changed == 0 and result.raised == 0
    assert Signal.objects.filter(trajectory=t, rule_code=CODE).count() == 2


def test_the_receiver_of_a_referral_is_the_desk_pending_or_committed(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor, org_b: Organisation
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(20))
    signals_evaluate([t.pk])
    first = parts(t)[registration_desk().pk]
    handover = refer(actor_a, t, org_b)  # Arnhem's own test desk, not the directory's
    signals_evaluate([t.pk])
    found = parts(t)
    assert set(found) == {actor_a.organisation_id, org_b.pk}
    first.refresh_from_db()
    assert first.state == "resolved" and first.resolved_how == "auto"
    handover_accept(actor=actor_b, handover=handover)  # committed: the baton stays abroad
    signals_evaluate([t.pk])
    assert set(parts(t)) == {actor_a.organisation_id, org_b.pk}
    assert parts(t)[org_b.pk] == found[org_b.pk]  # the same signal, not a new one


def test_each_addressee_sees_its_part_once_in_its_inbox(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor, org_b: Organisation
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(20))
    refer(actor_a, t, org_b)
    signals_evaluate([t.pk])
    signals_evaluate([t.pk])
    runner_html, desk_html = inbox(actor_a), inbox(actor_b)
    assert runner_html.count(HEADING) == 1
    assert desk_html.count(HEADING) == 1
    assert "with the consular post" in runner_html  # the runner's action
    assert "what the municipality can do" in desk_html  # the desk's action
    assert "with the consular post" not in desk_html


def test_resolving_or_snoozing_one_part_leaves_the_other(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor, org_b: Organisation
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(20))
    refer(actor_a, t, org_b)
    signals_evaluate([t.pk])
    runner, desk = parts(t)[actor_a.organisation_id], parts(t)[org_b.pk]
    signal_resolve(actor=actor_b, signal=desk, reason="Voorschot voor het ticket geregeld.")
    result = signals_evaluate([t.pk])
    assert result.raised == 0 and result.changed == 0
    assert result.held_by_manual_resolution == 1  # the desk's part stays closed
    assert set(parts(t)) == {actor_a.organisation_id}
    runner.refresh_from_db()
    assert runner.state == "open"
    assert inbox(actor_a).count(HEADING) == 1 and TITLE not in inbox(actor_b)
    # The runner snoozes its part: the desk's stays resolved, nothing is raised twice.
    signal_snooze(
        actor=actor_a, signal=runner, until=frozen_clock.today + days(3), reason="Consulaat belt."
    )
    signals_evaluate([t.pk])
    assert set(parts(t)) == {actor_a.organisation_id}
    assert Signal.objects.filter(trajectory=t, rule_code=CODE).count() == 2
    frozen_clock.advance(days=3)
    signals_evaluate([t.pk])
    runner.refresh_from_db()
    assert runner.state == "open"  # reopened on its day
    assert set(parts(t)) == {actor_a.organisation_id}
    # When the facts change (the release moves), the desk's part comes back, once.
    trajectory_set_release(
        actor=actor_a, trajectory=t, certainty="known", date=frozen_clock.today + days(5)
    )
    signals_evaluate([t.pk])
    signals_evaluate([t.pk])
    assert set(parts(t)) == {actor_a.organisation_id, org_b.pk}
    assert parts(t)[actor_a.organisation_id] == runner  # updated, not raised again
    assert Signal.objects.filter(trajectory=t, rule_code=CODE).count() == 3


def test_a_desk_without_a_part_sees_no_title_and_no_reason(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(20))
    signals_evaluate([t.pk])
    desk = make_actor(registration_desk())
    html = inbox(desk)
    with translation.override("en"):
        neutral = policy.signal_neutral_line(holder=False)
    assert neutral in html and TITLE not in html
    assert t.person.family_name not in html and f"Trajectory {t.pk}" in html
    assert "travel document" not in html and "Not shared with your organisation" in html
    # Nor does the signal's own page: neutral title, no norm name, no action.
    signal = parts(t)[registration_desk().pk]
    detail = client_for(desk).get(f"/signals/{signal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert neutral in page and TITLE not in page
    assert "Travel documents and money" not in page and "Do it here" not in page
    # The rule filter cannot tell either: filtering on it finds nothing for this desk.
    filtered = client_for(desk).get(f"/signals/?rule={CODE}", HTTP_ACCEPT_LANGUAGE="en")
    assert f"Trajectory {t.pk}" not in filtered.content.decode()


def test_a_desk_that_holds_the_baton_gets_one_signal(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor, org_b: Organisation
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(20))
    handover = refer(actor_a, t, org_b)
    handover_accept(actor=actor_b, handover=handover)
    trajectory_set_phase(actor=actor_a, trajectory=t, phase=Phase.RETURN)  # the baton passes
    t.refresh_from_db()
    assert t.baton_holder_id == org_b.pk
    signals_evaluate([t.pk])
    found = parts(t)
    assert set(found) == {org_b.pk}
    assert found[org_b.pk].severity == "urgent" and "part" not in found[org_b.pk].facts


def test_the_rules_of_issue_10_run_a_fixed_number_of_queries(
    frozen_clock: ClockControl, actor_a: Actor, actor_b: Actor, org_b: Organisation
) -> None:
    """Set-based: the same queries for 2 or 6 trajectories, with every situation present."""
    from estafette.consent.services import consent_revoke
    from estafette.signals.rules import REGISTRY

    codes = ("no_way_home", "support_consent_withdrawn", "committed_preparation_missing")
    today = frozen_clock.today

    def queries(n: int) -> dict[str, int]:
        for i in range(n):
            t = make(actor_a, release_date=today + days(20))  # a desk by registration
            if i % 3 == 1:
                handover = refer(actor_a, t, org_b)
                handover_accept(actor=actor_b, handover=handover)  # committed
            elif i % 3 == 2:
                consent = t.person.consents.get(purpose__code="bb_guidance")
                consent_revoke(actor=actor_a, consent=consent, **withdrawal_heard())
        counts = {}
        for code in codes:
            with CaptureQueriesContext(connection) as captured:
                found = REGISTRY[code].candidates(today=today)
            assert found, code
            counts[code] = len(captured.captured_queries)
        return counts

    small = queries(3)
    large = queries(6)
    assert small == large
    assert max(large.values()) <= 2
