"""Withdrawn consent that ends the support (issue 10).

When the person withdraws the consent the holder's support rests on, the holder's
signals about the basic conditions stop and one "agree with the person how to
close" item takes their place; no title or reason shows the holder what it no
longer may see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.utils import translation
from django.utils.html import escape

from estafette.access import policy
from estafette.consent.models import Consent
from estafette.consent.services import consent_revoke
from estafette.core.actor import Actor
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.signals.rules import REGISTRY
from estafette.signals.tests.conftest import live
from estafette.testing.clock import ClockControl
from estafette.testing.consent import give_consent, withdrawal_heard
from estafette.testing.factories import OrganisationFactory, TrajectoryFactory, make_actor
from estafette.testing.views import client_for
from estafette.trajectories.models import Route, Trajectory

CODE = "support_consent_withdrawn"
CONDITION_CODES = ("condition_open_after_return", "id_missing_after_return", "no_way_home")


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def make(actor: Actor, **fields: Any) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor, **fields))


def withdraw(actor: Actor, trajectory: Trajectory, purpose: str = "bb_guidance") -> Consent:
    consent = Consent.objects.get(person=trajectory.person, purpose__code=purpose)
    return consent_revoke(
        actor=actor, consent=consent, reason="Wil geen begeleiding meer.", **withdrawal_heard()
    )


def live_codes(trajectory: Trajectory, addressee: Organisation) -> set[str]:
    return set(
        Signal.objects.filter(trajectory=trajectory, addressee=addressee)
        .exclude(state="resolved")
        .values_list("rule_code", flat=True)
    )


def inbox(actor: Actor) -> str:
    html = client_for(actor).get("/signals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return html.split('id="inbox-results"', 1)[1]


def test_the_condition_signals_turn_into_one_closing_item(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today - days(30))  # back for 30 days
    signals_evaluate([t.pk])
    before = live_codes(t, actor_a.organisation)
    assert {"condition_open_after_return", "id_missing_after_return"} <= before
    assert CODE not in before
    withdraw(actor_a, t)
    signals_evaluate([t.pk])
    after = live_codes(t, actor_a.organisation)
    assert CODE in after
    assert not after & set(CONDITION_CODES)  # stopped, resolved by themselves
    signal = live(t, CODE)
    assert signal is not None
    assert signal.addressee_id == actor_a.organisation_id
    assert signal.addressee_role == Role.REGIONAL_COORDINATOR
    assert signal.facts == {
        "purpose": "bb_guidance",
        "withdrawn_on": frozen_clock.today.isoformat(),
    }
    # Evaluating again: one item, unchanged.
    result = signals_evaluate([t.pk])
    assert result.changed == 0
    assert Signal.objects.filter(trajectory=t, rule_code=CODE).count() == 1


def test_the_holder_reads_the_closing_item_and_nothing_it_no_longer_sees(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today - days(30))
    signals_evaluate([t.pk])
    withdraw(actor_a, t)
    signals_evaluate([t.pk])
    html = inbox(actor_a)
    assert "Consent for the support withdrawn: agree with the person how to close" in html
    assert "withdrew their consent for guidance by Bureau Buitenland" in html
    for words in ("valid ID", "Basic condition", "health insurance", "housing", "still open"):
        assert words not in html, words
    # The holder still sees the person's identity (it may ask for consent again).
    assert t.person.family_name in html


def test_a_new_consent_brings_the_support_back(frozen_clock: ClockControl, actor_a: Actor) -> None:
    t = make(actor_a, release_date=frozen_clock.today - days(30))
    signals_evaluate([t.pk])
    withdraw(actor_a, t)
    signals_evaluate([t.pk])
    item = live(t, CODE)
    assert item is not None
    give_consent(
        person=t.person,
        purpose_code="bb_guidance",
        recipient=actor_a.organisation,
        given_on=frozen_clock.today,
    )
    signals_evaluate([t.pk])
    item.refresh_from_db()
    assert item.state == "resolved" and item.resolved_how == "auto"
    assert "condition_open_after_return" in live_codes(t, actor_a.organisation)


def test_the_day_of_the_withdrawal_counts_and_another_purpose_does_not(
    frozen_clock: ClockControl, actor_a: Actor, org_b: Organisation
) -> None:
    t = make(actor_a, release_date=frozen_clock.today - days(30))
    give_consent(person=t.person, purpose_code="aftercare_referral", recipient=org_b)
    signals_evaluate([t.pk])
    withdraw(actor_a, t, purpose="aftercare_referral")  # not what BB's support rests on
    signals_evaluate([t.pk])
    assert live(t, CODE) is None
    assert "condition_open_after_return" in live_codes(t, actor_a.organisation)


def test_a_prison_keeps_its_signals_the_law_is_its_ground(
    frozen_clock: ClockControl, db: None
) -> None:
    prison = cast(Organisation, OrganisationFactory(kind=OrganisationKind.PRISON))
    case_manager = make_actor(prison, Role.CASE_MANAGER)
    t = make(
        case_manager,
        route=Route.DOMESTIC,
        country=None,
        detention_start=frozen_clock.today - days(100),
        release_date=frozen_clock.today - days(30),
    )
    consent = give_consent(person=t.person, purpose_code="partner_sharing", recipient_kind="prison")
    consent_revoke(actor=case_manager, consent=consent, **withdrawal_heard())
    signals_evaluate([t.pk])
    assert live(t, CODE) is None
    assert "condition_open_after_return" in live_codes(t, prison)


def test_the_runner_abroad_stops_but_the_receiving_desk_keeps_its_part(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    t = make(actor_a, release_date=frozen_clock.today + days(20))
    signals_evaluate([t.pk])
    desk = Organisation.objects.get(code="nazorg-gm0202")
    assert "no_way_home" in live_codes(t, actor_a.organisation)
    assert "no_way_home" in live_codes(t, desk)
    withdraw(actor_a, t)
    signals_evaluate([t.pk])
    assert live_codes(t, actor_a.organisation) & set(CONDITION_CODES) == set()
    assert CODE in live_codes(t, actor_a.organisation)
    assert "no_way_home" in live_codes(t, desk)


def test_a_title_that_would_reveal_a_class_is_neutral_without_it(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    # Opened without any consent: the holder sees the person's identity, nothing more.
    t = make(actor_a, release_date=frozen_clock.today - days(30), with_consent=False)
    signals_evaluate([t.pk])
    assert live(t, "id_missing_after_return") is not None  # still the holder's to act on
    html = inbox(actor_a)
    with translation.override("en"):
        neutral = escape(policy.signal_neutral_line(holder=True))
        hidden = str(REGISTRY["id_missing_after_return"].title)
    assert neutral in html and hidden not in html
    assert "Apply for an ID" not in html  # the action would say it too
    assert t.person.family_name in html
