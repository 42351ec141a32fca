"""The trajectory page and the holder's forms through the test client."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from estafette.core import clock
from estafette.core.models import AuditEvent
from estafette.handovers.services import handover_accept
from estafette.organisations.models import (
    Municipality,
    Organisation,
    OrganisationKind,
    Role,
)
from estafette.people.models import Person
from estafette.testing.consent import give_consent, intake_consent, send_with_consent
from estafette.testing.views import client_for, make_org, nl
from estafette.testing.views import make_actor as _make_actor
from estafette.trajectories import messages
from estafette.trajectories.models import EventKind, Phase, ReleaseCertainty, Route, Trajectory
from estafette.trajectories.services import trajectory_open, trajectory_set_phase

TODAY = dt.date(2025, 3, 3)


# The header shows the user's name, so these actors have one.
make_actor = functools.partial(_make_actor, first_name="Fatima", last_name="Test")


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    arnhem = Municipality.objects.get(cbs_code="GM0202")
    bb = make_org("bb-test", OrganisationKind.BB_REGIONAL_DESK, name="BB regio Test")
    desk = Organisation.objects.get(code="nazorg-gm0202")  # from the reference data
    stranger = make_org("stranger", OrganisationKind.LANDING_PLACE, name="Onbekende Opvang")
    a = make_actor(bb, "coordinator", Role.REGIONAL_COORDINATOR)
    b = make_actor(desk, "aftercare", Role.AFTERCARE_COORDINATOR)
    c = make_actor(stranger, "stranger")
    person = Person.objects.create(
        given_names="Anouk",
        family_name="Visser",
        date_of_birth=dt.date(1990, 5, 17),
        literacy="limited",
        cannot_read_write=True,
    )
    trajectory = trajectory_open(
        actor=a,
        person=person,
        route=Route.ABROAD_BB,
        release_certainty=ReleaseCertainty.WINDOW,
        release_earliest=dt.date(2025, 6, 3),
        release_latest=dt.date(2025, 6, 20),
        registration_municipality=arnhem,
        registration_certainty="doubtful",
    )
    # What an intake records: guidance consent for BB, after-care consent for the municipality.
    intake_consent(trajectory=trajectory, organisation=bb)
    give_consent(person=person, purpose_code="aftercare_referral", recipient_kind=desk.kind)
    return {"a": a, "b": b, "c": c, "bb": bb, "desk": desk, "trajectory": trajectory}


def url(trajectory: Trajectory, suffix: str = "") -> str:
    return f"/trajectories/{trajectory.pk}/{suffix}"


# ------------------------------------------------------------------- the page


def test_login_is_required(world: dict[str, Any]) -> None:
    response = Client().get(url(world["trajectory"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_holder_sees_the_relay_and_the_holder_forms(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get(url(world["trajectory"]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Anouk Visser" in html
    assert "3–20 jun 2025" in html  # the release window, briefly
    assert "twijfelachtig" in html  # registration certainty in words
    assert '<svg class="relay-svg"' in html
    assert 'role="img"' in html and '<title id="relay-title">' in html
    assert "Wie het stokje had" in html  # the accessible table beside the drawing
    assert "opende het traject" in html
    assert "Draag het stokje over" in html  # may start a handover
    for action in ("route/", "release/", "phase/", "next-step/"):
        assert f'action="{url(world["trajectory"], action)}"' in html
    assert "Extra aandacht nodig in het contact" in html  # discreet notice, in a <details>
    assert "Tijdlijn" in html and "nieuwste eerst" in html


def test_percentages_in_the_drawing_use_a_decimal_point_in_dutch(world: dict[str, Any]) -> None:
    html = client_for(world["a"]).get(url(world["trajectory"])).content.decode()
    svg = html[html.index('<svg class="relay-svg"') : html.index("</svg>", html.index("relay-svg"))]
    assert re.search(r'x="\d+(\.\d+)?%"', svg)
    assert not re.search(r'x="\d+,\d+%"', svg)


def test_the_receiver_of_a_pending_handover_sees_accept_and_decline(
    world: dict[str, Any],
) -> None:
    handover = send_with_consent(
        actor=world["a"],
        trajectory=world["trajectory"],
        receiver=world["desk"],
        purpose="aftercare_referral",
        message="Graag nazorg: ID en uitkering.",
    )
    response = client_for(world["b"]).get(url(world["trajectory"]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Stokje in de lucht" in html
    assert "Graag nazorg: ID en uitkering." in html
    assert f'action="/handovers/{handover.pk}/accept/"' in html
    assert f'action="/handovers/{handover.pk}/decline/"' in html
    assert "Draag het stokje over" not in html  # only the holder hands over
    assert 'action="' + url(world["trajectory"], "route/") not in html


def test_a_participant_with_nothing_pending_sees_no_actions(world: dict[str, Any]) -> None:
    # Returned: accepting passes the baton at once (during detention it would commit, 0011).
    trajectory_set_phase(actor=world["a"], trajectory=world["trajectory"], phase=Phase.RETURN)
    handover = send_with_consent(
        actor=world["a"],
        trajectory=world["trajectory"],
        receiver=world["desk"],
        purpose="aftercare_referral",
        message="Graag.",
    )
    handover_accept(actor=world["b"], handover=handover)
    html = client_for(world["a"]).get(url(world["trajectory"])).content.decode()
    assert "Draag het stokje over" not in html  # the desk holds it now
    assert "nam een overdracht aan van BB regio Test" in html


def test_an_unrelated_organisation_gets_404_and_the_attempt_is_audited(
    world: dict[str, Any],
) -> None:
    trajectory = world["trajectory"]
    response = client_for(world["c"]).get(url(trajectory))

    assert response.status_code == 404
    assert "Anouk" not in response.content.decode()
    assert AuditEvent.objects.filter(
        action="denied",
        user=world["c"].user,
        object_type="trajectories.trajectory",
        object_id=str(trajectory.pk),
    ).exists()


def test_an_unknown_trajectory_is_404(world: dict[str, Any]) -> None:
    assert client_for(world["a"]).get("/trajectories/999999/").status_code == 404


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_query_count_is_bounded_whatever_the_history(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(world["a"])
    trajectory = world["trajectory"]
    b = world["b"]
    # Returned: each acceptance passes the baton at once (during detention it commits, 0011).
    trajectory_set_phase(actor=world["a"], trajectory=trajectory, phase=Phase.RETURN)
    first = send_with_consent(
        actor=world["a"],
        trajectory=trajectory,
        receiver=b.organisation,
        purpose="other",
        message="Eerste ronde",
    )
    handover_accept(actor=b, handover=first)
    # 32: session, actor, page reads, the access policy (relationship, consents,
    # emergency access), the audited view of the file, the unread-notification count and
    # the handover counts in the header, and the panels: signals (2), basic conditions (1),
    # contacts (2), and who works on the person with the assign form's workers (issue 12: 3).
    with django_assert_max_num_queries(35):
        client.get(url(trajectory))
    before = _queries(client, url(trajectory))
    # Grow the history: handovers back and forth, each with transitions and events.
    for i in range(1, 7):
        sender, receiver = (world["a"], b) if i % 2 == 0 else (b, world["a"])
        h = send_with_consent(
            actor=sender,
            trajectory=trajectory,
            receiver=receiver.organisation,
            purpose="other",
            message=f"Ronde {i}",
        )
        handover_accept(actor=receiver, handover=h)
    with django_assert_max_num_queries(before):
        response = client.get(url(trajectory))
    assert len(response.context["stretch_rows"]) == 8


# ------------------------------------------------------------- holder forms


def test_change_route_with_a_reason(world: dict[str, Any]) -> None:
    trajectory = world["trajectory"]
    response = client_for(world["a"]).post(
        url(trajectory, "route/"),
        {
            "route-route": "abroad_transfer",
            "route-transfer_law": "WETS",
            "route-reason": "Overdracht toegekend.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url(trajectory)
    trajectory.refresh_from_db()
    assert (trajectory.route, trajectory.transfer_law) == ("abroad_transfer", "WETS")
    assert trajectory.events.filter(kind=EventKind.ROUTE_CHANGED).exists()


def test_route_form_errors_come_back_on_the_page(world: dict[str, Any]) -> None:
    trajectory = world["trajectory"]
    client = client_for(world["a"])
    unchanged = client.post(
        url(trajectory, "route/"),
        {"route-route": "abroad_bb", "route-reason": "Zomaar."},
    )
    assert unchanged.status_code == 400
    assert nl(messages.ROUTE_UNCHANGED) in unchanged.content.decode()
    no_law = client.post(
        url(trajectory, "route/"),
        {"route-route": "abroad_transfer", "route-reason": "Toegekend."},
    )
    assert no_law.status_code == 400
    assert nl(messages.TRANSFER_LAW_REQUIRED) in no_law.content.decode()
    no_reason = client.post(url(trajectory, "route/"), {"route-route": "domestic"})
    assert no_reason.status_code == 400
    assert nl(messages.REASON_REQUIRED) in no_reason.content.decode()
    trajectory.refresh_from_db()
    assert trajectory.route == Route.ABROAD_BB


def test_only_the_holder_may_change_the_route(world: dict[str, Any]) -> None:
    trajectory = world["trajectory"]
    send_with_consent(
        actor=world["a"],
        trajectory=trajectory,
        receiver=world["desk"],
        purpose="aftercare_referral",
        message="Graag.",
    )
    response = client_for(world["b"]).post(
        url(trajectory, "route/"), {"route-route": "domestic", "route-reason": "Waarom niet."}
    )
    assert response.status_code == 403
    assert nl(messages.NOT_HOLDER, holder="BB regio Test") in response.content.decode()


def test_release_window_and_its_errors(world: dict[str, Any]) -> None:
    trajectory = world["trajectory"]
    client = client_for(world["a"])
    missing = client.post(
        url(trajectory, "release/"),
        {"release-certainty": "window", "release-earliest": "2025-07-01"},
    )
    assert missing.status_code == 400
    assert nl(messages.RELEASE_WINDOW_REQUIRED) in missing.content.decode()
    assert '<details class="disclosure" id="release" open>' in missing.content.decode()

    reversed_ = client.post(
        url(trajectory, "release/"),
        {
            "release-certainty": "window",
            "release-earliest": "2025-07-10",
            "release-latest": "2025-07-01",
        },
    )
    assert nl(messages.RELEASE_WINDOW_ORDER) in reversed_.content.decode()

    ok = client.post(
        url(trajectory, "release/"),
        {
            "release-certainty": "estimate",
            "release-date": "2025-08-15",
            "release-reason": "Volgens de advocaat.",
        },
    )
    assert ok.status_code == 302
    trajectory.refresh_from_db()
    assert (trajectory.release_certainty, trajectory.release_on) == (
        "estimate",
        dt.date(2025, 8, 15),
    )


def test_phase_close_needs_a_reason(world: dict[str, Any]) -> None:
    trajectory = world["trajectory"]
    client = client_for(world["a"])
    response = client.post(url(trajectory, "phase/"), {"phase-phase": "closed"})
    assert response.status_code == 400
    assert nl(messages.REASON_REQUIRED) in response.content.decode()
    response = client.post(url(trajectory, "phase/"), {"phase-phase": "return"})
    assert response.status_code == 302
    trajectory.refresh_from_db()
    assert trajectory.phase == "return"


def test_next_step_with_a_planned_runner(world: dict[str, Any]) -> None:
    trajectory = world["trajectory"]
    response = client_for(world["a"]).post(
        url(trajectory, "next-step/"),
        {
            "next-next_step": "Terugkeerboekje sturen",
            "next-due": "2025-03-10",
            "next-next_runner": world["desk"].pk,
        },
    )
    assert response.status_code == 302
    trajectory.refresh_from_db()
    assert trajectory.next_step == "Terugkeerboekje sturen"
    assert trajectory.next_runner == world["desk"]
    page = client_for(world["a"]).get(url(trajectory)).content.decode()
    assert "Terugkeerboekje sturen" in page
    assert "nog 7 dagen" in page


def test_the_next_runner_select_offers_the_aftercare_desk_first(world: dict[str, Any]) -> None:
    html = client_for(world["a"]).get(url(world["trajectory"])).content.decode()
    start = html.index('name="next-next_runner"')
    select = html[start : html.index("</select>", start)]
    suggested = select[select.index('label="Voorgesteld"') : select.index("</optgroup>")]
    assert f'value="{world["desk"].pk}"' in suggested


def test_holder_forms_answer_only_to_post(world: dict[str, Any]) -> None:
    client = client_for(world["a"])
    for suffix in ("route/", "release/", "phase/", "next-step/"):
        assert client.get(url(world["trajectory"], suffix)).status_code == 405


def test_the_page_needs_nothing_inline(world: dict[str, Any]) -> None:
    """A strict Content-Security-Policy is coming: no style="", no inline script, no onclick."""
    send_with_consent(
        actor=world["a"],
        trajectory=world["trajectory"],
        receiver=world["desk"],
        purpose="aftercare_referral",
        message="Graag.",
    )
    for actor in (world["a"], world["b"]):
        html = client_for(actor).get(url(world["trajectory"])).content.decode()
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
        assert not re.search(r"\son[a-z]+=", html)


def test_registration_form_confirms_the_municipality(world: dict[str, Any]) -> None:
    from estafette.organisations.models import Municipality

    trajectory = world["trajectory"]
    client = client_for(world["a"])
    page = client.get(url(trajectory, "")).content.decode()
    assert 'action="' + url(trajectory, "registration/") + '"' in page
    missing = client.post(url(trajectory, "registration/"), {"registration-certainty": "confirmed"})
    assert missing.status_code == 400
    assert nl(messages.REGISTRATION_MUNICIPALITY_REQUIRED) in missing.content.decode()
    zwolle = Municipality.objects.get(cbs_code="GM0193")
    ok = client.post(
        url(trajectory, "registration/"),
        {"registration-municipality": zwolle.pk, "registration-certainty": "confirmed"},
    )
    assert ok.status_code == 302
    trajectory.refresh_from_db()
    assert trajectory.registration_municipality == zwolle
    other = client_for(world["b"]).post(
        url(trajectory, "registration/"),
        {"registration-municipality": zwolle.pk, "registration-certainty": "doubtful"},
    )
    assert other.status_code in (403, 404)


def test_the_holder_of_a_transfer_records_the_day_of_entry(db: None) -> None:
    prison = make_org("pi-entry", OrganisationKind.PRISON, name="PI Entree")
    actor = _make_actor(prison, "casemanager-entry", Role.CASE_MANAGER)
    person = Person.objects.create(given_names="Ruud", family_name="Entree")
    trajectory = trajectory_open(
        actor=actor, person=person, route=Route.ABROAD_TRANSFER, transfer_law="WETS"
    )
    client = client_for(actor)
    page = client.get(url(trajectory)).content.decode()
    assert 'action="' + url(trajectory, "domestic-entry/") in page
    wrong = client.post(url(trajectory, "domestic-entry/"), {"entry-entered_on": "1890-01-01"})
    assert wrong.status_code == 400
    assert 'value="1890-01-01"' in wrong.content.decode()  # the typed value is kept
    trajectory.refresh_from_db()
    assert trajectory.domestic_entry is None
    day = clock.today() - dt.timedelta(days=3)
    saved = client.post(url(trajectory, "domestic-entry/"), {"entry-entered_on": day.isoformat()})
    assert saved.status_code == 302
    trajectory.refresh_from_db()
    assert trajectory.domestic_entry == day
