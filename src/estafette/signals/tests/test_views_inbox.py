"""The signal inbox, the signal page and its actions, and the trajectory page's panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.organisations.models import Municipality, Organisation, OrganisationKind, Role
from estafette.people.models import Person
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import EventKind, Signal
from estafette.signals.services import NOT_ADDRESSED_TO_YOU, NOTE_REQUIRED, SNOOZE_IN_FUTURE
from estafette.testing.consent import intake_consent
from estafette.testing.factories import assign
from estafette.testing.views import client_for, make_actor, make_org
from estafette.trajectories.models import ReleaseCertainty, Route, Trajectory
from estafette.trajectories.services import trajectory_open

TODAY = dt.date(2025, 3, 3)


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


def open_trajectory(
    actor: Actor,
    family_name: str,
    *,
    release_in_days: int = 100,
    consent: bool = True,
    country: str = "ES",
    municipality: str = "GM0202",
) -> Trajectory:
    from estafette.organisations.models import Country

    person = Person.objects.create(
        given_names="Anouk", family_name=family_name, date_of_birth=dt.date(1990, 5, 17)
    )
    trajectory = trajectory_open(
        actor=actor,
        person=person,
        route=Route.ABROAD_BB,
        country=Country.objects.get(iso2=country),
        detention_place="Centro Penitenciario Madrid VII",
        release_certainty=ReleaseCertainty.WINDOW,
        release_earliest=TODAY + dt.timedelta(days=release_in_days),
        release_latest=TODAY + dt.timedelta(days=release_in_days + 30),
        registration_municipality=Municipality.objects.get(cbs_code=municipality),
        registration_certainty="confirmed",
    )
    if consent:
        intake_consent(trajectory=trajectory, organisation=actor.organisation)
    return trajectory


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    bb = make_org("bb-test", OrganisationKind.BB_REGIONAL_DESK, name="BB regio Test")
    stranger = make_org("stranger", OrganisationKind.BB_REGIONAL_DESK, name="BB regio Elders")
    a = make_actor(bb, "coordinator", Role.REGIONAL_COORDINATOR)
    volunteer = make_actor(bb, "vrijwilliger", Role.VISITING_VOLUNTEER)
    admin = make_actor(bb, "beheer", Role.ORGANISATION_ADMIN)
    s = make_actor(stranger, "elders", Role.REGIONAL_COORDINATOR)
    t = open_trajectory(a, "Visser", release_in_days=80)  # referral due 80-90 = overdue
    assign(volunteer, t)  # a volunteer sees only the people assigned to them (decision 0016)
    signals_evaluate([t.pk])
    return {
        "bb": bb,
        "stranger": stranger,
        "a": a,
        "s": s,
        "t": t,
        "volunteer": volunteer,
        "admin": admin,
    }


def results(response: Any) -> str:
    """The inbox's results, without the filter form (whose choices name every rule)."""
    return response.content.decode().split('id="inbox-results"', 1)[1]


def referral(t: Trajectory) -> Signal:
    return Signal.objects.get(trajectory=t, rule_code="aftercare_referral_missing")


def test_inbox_lists_the_signals_for_my_role_with_reason_norm_and_counted_from(
    world: dict[str, Any],
) -> None:
    response = client_for(world["a"]).get("/signals/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = results(response)
    assert "No after-care referral as release approaches" in html
    assert "Visser" in html  # the holder sees identity
    assert "10 days overdue" in html
    assert (
        "norm: Referral to municipal after-care (Handreiking terugkeer en re-integratie §3.2)"
        in html
    )
    assert "counted from the earliest day of the release window" in html
    assert f'href="/trajectories/{world["t"].pk}/handover/' in html or "/handover" in html
    assert "No contact person" in html
    # Urgent (overdue referral) comes before the information signal.
    assert html.index("No after-care referral") < html.index("No contact person")


def test_reading_the_inbox_is_audited(world: dict[str, Any]) -> None:
    client_for(world["a"]).get("/signals/")
    entry = AuditEvent.objects.filter(object_type="signals.inbox").last()
    assert entry is not None and entry.action == "view"
    assert referral(world["t"]).pk in entry.detail["signals"]
    assert world["t"].person_id in entry.detail["people"]


def test_role_toggle_and_other_roles(world: dict[str, Any]) -> None:
    # A volunteer of the same organisation: their reminders for the role (never a signal),
    # everything for the organisation.
    client = client_for(world["volunteer"])
    html = client.get("/signals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No after-care referral" not in html
    assert "Reminders about visits to the people you visit appear here" in html
    html = results(client.get("/signals/?scope=organisation", HTTP_ACCEPT_LANGUAGE="en"))
    assert "No after-care referral" in html


def test_another_organisation_sees_none_of_it(world: dict[str, Any]) -> None:
    client = client_for(world["s"])
    html = results(client.get("/signals/?scope=organisation", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Visser" not in html and "No after-care referral" not in html
    pk = referral(world["t"]).pk
    assert client.get(f"/signals/{pk}/").status_code == 404
    assert AuditEvent.objects.filter(
        action="denied",
        object_type="signals.signal",
        object_id=str(pk),
        organisation=world["stranger"],
    ).exists()
    # Acting on a guessed number: 404 as well, and nothing changes.
    response = client.post(f"/signals/{pk}/acknowledge/", {"ack-note": "Gezien."})
    assert response.status_code == 404
    assert referral(world["t"]).state == "open"


def test_filters_by_rule_state_country_and_municipality(world: dict[str, Any]) -> None:
    t2 = open_trajectory(
        world["a"], "Bakker", release_in_days=100, country="TH", municipality="GM0363"
    )
    signals_evaluate([t2.pk])
    client = client_for(world["a"])

    def names(query: str) -> set[str]:
        html = client.get(f"/signals/?{query}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        return {n for n in ("Visser", "Bakker") if n in html}

    assert names("") == {"Visser", "Bakker"}
    assert names("country=TH") == {"Bakker"}
    amsterdam = Municipality.objects.get(cbs_code="GM0363")
    assert names(f"municipality={amsterdam.pk}") == {"Bakker"}
    assert names("rule=no_contact_person") == {"Visser", "Bakker"}
    assert names("state=resolved") == set()
    assert names("state=acknowledged") == set()
    # A value that is not a choice is reported beside its field, never fatal.
    response = client.get("/signals/?rule=nonsense", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_without_identity_the_row_says_trajectory_number(world: dict[str, Any]) -> None:
    t3 = open_trajectory(world["a"], "Geheim", release_in_days=80, consent=False)
    signals_evaluate([t3.pk])
    html = client_for(world["a"]).get("/signals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The holder always sees identity; without a consent it sees no detention data,
    # so the reason (release dates) is not shown, only the title, due date and norm.
    assert "Geheim" in html
    signal = referral(t3)
    page = client_for(world["a"]).get(f"/signals/{signal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Not shared with your organisation" in text
    assert "Release expected between" not in text


def test_neutral_label_when_identity_is_not_shared(world: dict[str, Any]) -> None:
    from estafette.signals.selectors import SignalRow

    row = SignalRow(signal=referral(world["t"]), rule=None, classes=frozenset())
    assert row.subject == f"Trajectory {world['t'].pk}"
    assert not row.sees_reason


def _inbox_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/signals/?scope=organisation")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_inbox_query_count_does_not_grow_with_the_signals(world: dict[str, Any]) -> None:
    client = client_for(world["a"])
    few = _inbox_queries(client)
    ids = [open_trajectory(world["a"], f"Persoon{i}", release_in_days=70 + i).pk for i in range(12)]
    signals_evaluate(ids)
    assert Signal.objects.filter(addressee=world["bb"]).count() > 20
    many = _inbox_queries(client)
    assert many == few


def test_signal_page_shows_reason_norm_due_counted_from_and_history(world: dict[str, Any]) -> None:
    signal = referral(world["t"])
    response = client_for(world["a"]).get(f"/signals/{signal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Release expected between" in html
    assert "Handreiking terugkeer en re-integratie §3.2" in html
    assert "Counted from" in html
    assert "Raised" in html  # the history's first line
    assert AuditEvent.objects.filter(
        action="view", object_type="signals.signal", object_id=str(signal.pk)
    ).exists()


def test_acknowledge_snooze_resolve_post_redirect_get(world: dict[str, Any]) -> None:
    client = client_for(world["a"])
    signal = referral(world["t"])
    url = f"/signals/{signal.pk}/"
    response = client.post(url + "acknowledge/", {"ack-note": "Ik vraag toestemming."})
    assert response.status_code == 302 and response["Location"] == url
    signal.refresh_from_db()
    assert signal.state == "acknowledged"
    until = (TODAY + dt.timedelta(days=7)).isoformat()
    response = client.post(
        url + "snooze/", {"snooze-until": until, "snooze-reason": "Wacht op zus."}
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.state == "snoozed" and signal.snoozed_until == TODAY + dt.timedelta(days=7)
    response = client.post(url + "resolve/", {"resolve-reason": "Verwijzing per post verstuurd."})
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.state == "resolved"
    kinds = list(signal.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.RAISED,
        EventKind.ACKNOWLEDGED,
        EventKind.SNOOZED,
        EventKind.RESOLVED,
    ]
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Verwijzing per post verstuurd." in html
    # Resolved: no more actions; the inbox shows it on request.
    assert "Acknowledge the signal" not in html
    inbox = results(client.get("/signals/?state=resolved", HTTP_ACCEPT_LANGUAGE="en"))
    assert "No after-care referral" in inbox


def test_errors_are_shown_beside_the_field(world: dict[str, Any]) -> None:
    client = client_for(world["a"])
    signal = referral(world["t"])
    url = f"/signals/{signal.pk}/"
    response = client.post(url + "acknowledge/", {"ack-note": "  "}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert str(NOTE_REQUIRED) in response.content.decode()
    response = client.post(
        url + "snooze/",
        {"snooze-until": TODAY.isoformat(), "snooze-reason": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert str(SNOOZE_IN_FUTURE) in response.content.decode()
    signal.refresh_from_db()
    assert signal.state == "open"


def test_a_move_the_lifecycle_forbids_becomes_a_message(world: dict[str, Any]) -> None:
    client = client_for(world["a"])
    signal = referral(world["t"])
    url = f"/signals/{signal.pk}/"
    client.post(url + "acknowledge/", {"ack-note": "Gezien."})
    response = client.post(
        url + "acknowledge/", {"ack-note": "Nog eens."}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "cannot be acknowledged" in response.content.decode()


def test_another_role_of_the_addressee_may_act(world: dict[str, Any]) -> None:
    # The services allow the whole addressee organisation; the message of another one is
    # NOT_ADDRESSED_TO_YOU, which a guessed id never reaches (404 first).
    signal = referral(world["t"])
    response = client_for(world["volunteer"]).post(
        f"/signals/{signal.pk}/acknowledge/", {"ack-note": "Ik geef het door."}
    )
    assert response.status_code == 302
    assert str(NOT_ADDRESSED_TO_YOU)


def test_trajectory_page_shows_my_signals_and_counts_the_others(world: dict[str, Any]) -> None:
    t = world["t"]
    other: Organisation = world["stranger"]
    Signal.objects.create(
        rule_code="handover_unanswered",
        trajectory=t,
        addressee=other,
        addressee_role=Role.REGIONAL_COORDINATOR,
        reason="Geheime reden van een ander.",
        facts={},
        severity="urgent",
    )
    html = client_for(world["a"]).get(f"/trajectories/{t.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert html.status_code == 200
    assert 'id="signals-heading"' in text
    assert "No after-care referral as release approaches" in text
    assert f'href="/signals/{referral(t).pk}/"' in text
    assert "1 signal on this trajectory is addressed to another organisation" in text
    assert "BB regio Elders (1)" in text
    assert "Geheime reden van een ander." not in text


def test_trajectory_page_signal_panel_costs_one_query(world: dict[str, Any]) -> None:
    client = client_for(world["a"])
    url = f"/trajectories/{world['t'].pk}/"
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    before = len(ctx.captured_queries)
    from estafette.signals.rules import REGISTRY

    t = world["t"]
    taken = set(Signal.objects.filter(trajectory=t).values_list("rule_code", flat=True))
    free = [code for code in REGISTRY if code not in taken][:4]
    assert len(free) == 4
    for n, code in enumerate(free):
        Signal.objects.create(
            rule_code=code,
            trajectory=t,
            addressee=world["bb"] if n % 2 else world["stranger"],
            addressee_role=Role.REGIONAL_COORDINATOR,
            reason="Extra.",
            facts={},
        )
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert len(ctx.captured_queries) == before


def test_trajectory_page_lists_the_norm_deadlines_with_norm_and_basis(
    world: dict[str, Any],
) -> None:
    t = world["t"]
    html = client_for(world["a"]).get(f"/trajectories/{t.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode().split('id="signals-heading"', 1)[1]
    assert "Deadlines from the norms" in text
    # Window from 22 May 2025: after-care referral 90 days before, booklet 180 days before.
    assert "due 21 Feb 2025" in text and "due 23 Nov 2024" in text
    assert "90 days before release" in text
    assert "counted from the earliest day of the release window 22 May 2025" in text


def test_norm_deadlines_follow_the_holders_override_and_need_detention(
    world: dict[str, Any],
) -> None:
    from estafette.norms.services import norm_override_set
    from estafette.signals.selectors import norm_deadlines

    norm_override_set(
        actor=world["admin"],
        code="aftercare_referral",
        params={"days_before_release": 120},
        reason="Meer tijd nodig.",
    )
    t = world["t"]
    found = norm_deadlines(trajectory=t, classes={"detention"})
    referral_deadline = next(
        d for d in found.deadlines if d.norm and d.norm.code == "aftercare_referral"
    )
    assert referral_deadline.due == dt.date(2025, 1, 22)
    assert referral_deadline.days_before_release == 120
    assert norm_deadlines(trajectory=t, classes={"identity"}).deadlines == []


def test_vulnerable_markers_are_named_only_with_the_health_class(world: dict[str, Any]) -> None:
    t = open_trajectory(world["a"], "Kwetsbaar", release_in_days=300)
    Person.objects.filter(pk=t.person_id).update(addiction=True, cannot_read_write=True)
    signals_evaluate([t.pk])
    signal = Signal.objects.get(trajectory=t, rule_code="vulnerable_without_support")
    from estafette.signals.rules import REGISTRY
    from estafette.signals.selectors import SignalRow

    t.refresh_from_db()
    signal.trajectory = t
    rule = REGISTRY["vulnerable_without_support"]
    full = SignalRow(signal=signal, rule=rule, classes=frozenset({"identity", "health"}))
    with translation.override("en"):
        assert full.markers == ["cannot read or write", "addiction"]
    without = SignalRow(signal=signal, rule=rule, classes=frozenset({"identity"}))
    assert without.markers == [] and not without.sees_reason
    html = client_for(world["a"]).get(f"/signals/{signal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot read or write, addiction" in html.content.decode()


def test_htmx_filter_gets_only_the_results(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get(
        "/signals/?state=open",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="inbox-results",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox-results"')
    assert "<html" not in html and "No after-care referral" in html


def test_dates_people_chose_say_that_no_norm_produced_them(world: dict[str, Any]) -> None:
    from estafette.trajectories.services import trajectory_plan_next_step

    t = world["t"]
    trajectory_plan_next_step(
        actor=world["a"], trajectory=t, next_step="Bel de zus", due=TODAY + dt.timedelta(days=5)
    )
    client = client_for(world["a"])
    page = client.get(f"/trajectories/{t.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "no norm: the date the baton holder set" in page
    caseload = client.get("/caseload/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "no norm: the date the baton holder set for the next step" in caseload
