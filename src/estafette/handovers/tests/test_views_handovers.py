"""Handing the baton on and answering, through POSTs as a browser without JavaScript sends them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from estafette.core import clock
from estafette.handovers import messages, position
from estafette.handovers.models import Handover, HandoverTransition
from estafette.handovers.services import handover_withdraw
from estafette.organisations.models import (
    Municipality,
    Organisation,
    OrganisationKind,
    Role,
)
from estafette.people.models import Person
from estafette.testing.consent import give_consent, intake_consent, send_with_consent
from estafette.testing.factories import assign
from estafette.testing.views import client_for, make_actor, make_org, nl
from estafette.trajectories.models import ReleaseCertainty, Route, Trajectory
from estafette.trajectories.services import trajectory_open

TODAY = dt.date(2025, 3, 3)


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    arnhem = Municipality.objects.get(cbs_code="GM0202")
    bb = make_org("bb-test", OrganisationKind.BB_REGIONAL_DESK, name="BB regio Test")
    desk = Organisation.objects.get(code="nazorg-gm0202")  # from the reference data
    shelter = make_org("shelter", OrganisationKind.LANDING_PLACE, name="De Instap Test")
    stranger = make_org("stranger", OrganisationKind.PARTNER, name="Buitenstaander")
    a = make_actor(bb, "coordinator", Role.REGIONAL_COORDINATOR)
    b = make_actor(desk, "aftercare", Role.AFTERCARE_COORDINATOR)
    c = make_actor(stranger, "stranger")
    person = Person.objects.create(given_names="Bram", family_name="Jansen")
    trajectory = trajectory_open(
        actor=a,
        person=person,
        route=Route.ABROAD_BB,
        release_certainty=ReleaseCertainty.KNOWN,
        release_date=TODAY + dt.timedelta(days=80),
        registration_municipality=arnhem,
        registration_certainty="confirmed",
    )
    # What an intake records: guidance consent for BB, after-care consent for the municipality.
    intake_consent(trajectory=trajectory, organisation=bb)
    give_consent(person=person, purpose_code="aftercare_referral", recipient_kind=desk.kind)
    return {
        "a": a,
        "b": b,
        "c": c,
        "bb": bb,
        "desk": desk,
        "shelter": shelter,
        "trajectory": trajectory,
    }


def start_url(trajectory: Trajectory) -> str:
    return f"/trajectories/{trajectory.pk}/handover/"


def send(client: Client, trajectory: Trajectory, receiver: Organisation, **extra: Any) -> Any:
    data = {
        "receiver": receiver.pk,
        "purpose": "aftercare_referral",
        "message": "Graag nazorg na terugkeer: ID en uitkering.",
        "information": "Wil in Arnhem wonen.",
        "data_classes": ["identity", "detention"],
        "respond_by": "2025-03-17",
        **extra,
    }
    return client.post(start_url(trajectory), data)


def transition(client: Client, handover: Handover, action: str, reason: str = "") -> Any:
    return client.post(
        f"/handovers/{handover.pk}/{action}/", {f"h{handover.pk}-{action}-reason": reason}
    )


# ------------------------------------------------------------------- start form


def test_the_start_form_suggests_the_aftercare_desk_of_the_registration_municipality(
    world: dict[str, Any],
) -> None:
    response = client_for(world["a"]).get(start_url(world["trajectory"]))
    html = response.content.decode()

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["receiver"] == world["desk"].pk
    assert form.initial["purpose"] == "aftercare_referral"
    assert form.initial["respond_by"] == TODAY + dt.timedelta(days=14)
    start = html.index('name="receiver"')
    select = html[start : html.index("</select>", start)]
    assert select.index('label="Voorgesteld"') < select.index(
        f'value="{world["desk"].pk}" selected'
    )
    assert 'name="data_classes"' in html and "<legend" in html  # checkboxes in a fieldset


def test_narrowing_by_kind_keeps_what_was_typed(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).post(
        start_url(world["trajectory"]),
        {"narrow": "1", "kind": "landing_place", "message": "Half getypt bericht"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Half getypt bericht" in html
    assert "De Instap Test" in html
    assert "Buitenstaander" not in html  # another kind, not listed
    assert not Handover.objects.exists()


def test_htmx_swaps_only_the_receiver_field(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get(
        start_url(world["trajectory"]),
        {"kind": "landing_place"},
        headers={"HX-Request": "true", "HX-Target": "receiver-field"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="receiver-field"')
    assert "De Instap Test" in html and "Buitenstaander" not in html


def test_only_the_holder_may_open_the_start_form(world: dict[str, Any]) -> None:
    send_with_consent(
        actor=world["a"],
        trajectory=world["trajectory"],
        receiver=world["desk"],
        purpose="aftercare_referral",
        message="Graag.",
    )
    receiver = client_for(world["b"]).get(start_url(world["trajectory"]))
    assert receiver.status_code == 403
    assert nl(messages.ONLY_HOLDER_SENDS, holder="BB regio Test") in receiver.content.decode()
    holder = client_for(world["a"]).get(start_url(world["trajectory"]))
    assert holder.status_code == 409
    assert nl(messages.ALREADY_IN_THE_AIR, receiver="Nazorg gemeente Arnhem") in (
        holder.content.decode()
    )
    assert client_for(world["c"]).get(start_url(world["trajectory"])).status_code == 404


def test_sending_puts_the_baton_in_the_air(world: dict[str, Any]) -> None:
    client = client_for(world["a"])
    response = send(client, world["trajectory"], world["desk"])

    assert response.status_code == 302
    assert response["Location"] == f"/trajectories/{world['trajectory'].pk}/"
    handover = Handover.objects.get()
    assert handover.state == "sent"
    assert handover.data_classes == ["detention", "identity"]
    assert handover.respond_by == dt.date(2025, 3, 17)
    page = client.get(response["Location"]).content.decode()
    assert "Het stokje is in de lucht: Nazorg gemeente Arnhem heeft tot 17 mrt 2025" in page


def test_sending_without_a_message_or_with_a_past_date_is_refused_on_the_form(
    world: dict[str, Any],
) -> None:
    client = client_for(world["a"])
    no_message = send(client, world["trajectory"], world["desk"], message="   ")
    assert no_message.status_code == 400
    assert nl(messages.MESSAGE_REQUIRED) in no_message.content.decode()
    past = send(client, world["trajectory"], world["desk"], respond_by="2025-03-01")
    assert past.status_code == 400
    assert nl(messages.RESPOND_BY_PAST) in past.content.decode()
    assert not Handover.objects.exists()


# ------------------------------------------------------------------ the journey


def test_send_accept_take_up_acknowledge(world: dict[str, Any]) -> None:
    a, b, trajectory = client_for(world["a"]), client_for(world["b"]), world["trajectory"]
    send(a, trajectory, world["desk"])
    handover = Handover.objects.get()

    caseload = b.get("/caseload/").content.decode()
    assert "Stokje in de lucht" in caseload and "Jansen" in caseload

    accepted = transition(b, handover, "accept", "Welkom.")
    assert accepted.status_code == 302
    trajectory.refresh_from_db()
    # Still detained: the desk is committed and prepares; BB keeps the baton (decision 0011).
    assert trajectory.baton_holder == world["bb"]
    assert "Jansen" in a.get("/caseload/").content.decode()
    preparing = b.get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert 'class="relay-preparing"' in preparing
    assert f'action="/handovers/{handover.pk}/take_up/"' not in preparing
    refused = transition(b, handover, "take_up")
    assert refused.status_code == 409
    assert nl(messages.STILL_DETAINED, action=messages.ACTION_PAST["take_up"]) in (
        refused.content.decode()
    )

    # The person comes home; the desk records it, and the baton passes to the desk.
    released = b.post(f"/trajectories/{trajectory.pk}/phase/", {"phase-phase": "return"})
    assert released.status_code == 302
    trajectory.refresh_from_db()
    assert (trajectory.phase, trajectory.baton_holder) == ("return", world["desk"])

    taken_up = transition(b, handover, "take_up")
    assert taken_up.status_code == 302
    handover.refresh_from_db()
    assert handover.state == "taken_up"

    page = a.get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert f'action="/handovers/{handover.pk}/acknowledge/"' in page
    seen = a.post(f"/handovers/{handover.pk}/acknowledge/")
    assert seen.status_code == 302
    handover.refresh_from_db()
    assert handover.outcome_seen_at is not None
    assert list(handover.transitions.values_list("action", flat=True)) == [
        "send",
        "accept",
        "take_up",
    ]


def test_decline_needs_a_reason(world: dict[str, Any]) -> None:
    a, b, trajectory = client_for(world["a"]), client_for(world["b"]), world["trajectory"]
    send(a, trajectory, world["desk"])
    handover = Handover.objects.get()

    without = transition(b, handover, "decline", "  ")
    assert without.status_code == 400
    assert nl(messages.REASON_REQUIRED) in without.content.decode()
    handover.refresh_from_db()
    assert handover.state == "sent"

    with_reason = transition(b, handover, "decline", "Niet ingeschreven in Arnhem.")
    assert with_reason.status_code == 302
    assert with_reason["Location"] == "/caseload/"  # the receiver has no part any more
    handover.refresh_from_db()
    assert (handover.state, handover.reason) == ("declined", "Niet ingeschreven in Arnhem.")
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == world["bb"]


def test_no_show_returns_the_baton_to_the_sender(world: dict[str, Any]) -> None:
    a, b, trajectory = client_for(world["a"]), client_for(world["b"]), world["trajectory"]
    send(a, trajectory, world["desk"])
    handover = Handover.objects.get()
    transition(b, handover, "accept")
    assert (
        b.post(f"/trajectories/{trajectory.pk}/phase/", {"phase-phase": "return"}).status_code
        == 302
    )

    assert transition(b, handover, "no_show").status_code == 400
    response = transition(b, handover, "no_show", "Twee afspraken gemist.")
    assert response.status_code == 302
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == world["bb"]
    page = a.get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert "het stokje kwam terug" in page
    assert "Twee afspraken gemist." in page


def test_the_sender_withdraws_with_a_reason(world: dict[str, Any]) -> None:
    a, trajectory = client_for(world["a"]), world["trajectory"]
    send(a, trajectory, world["desk"])
    handover = Handover.objects.get()
    response = transition(a, handover, "withdraw", "Verkeerde gemeente gekozen.")
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.state == "withdrawn"


def test_accepting_a_withdrawn_handover_is_a_conflict_and_changes_nothing(
    world: dict[str, Any],
) -> None:
    handover = send_with_consent(
        actor=world["a"],
        trajectory=world["trajectory"],
        receiver=world["desk"],
        purpose="aftercare_referral",
        message="Graag.",
    )
    handover_withdraw(actor=world["a"], handover=handover, reason="Vergissing.")
    transitions_before = HandoverTransition.objects.count()

    response = transition(client_for(world["b"]), handover, "accept")

    assert response.status_code == 409
    with translation.override("nl"):
        expected = str(messages.TRANSITION_NOT_ALLOWED) % {
            "state": "ingetrokken",
            "action": str(messages.ACTION_PAST["accept"]),
        }
    assert escape(expected) in response.content.decode()
    handover.refresh_from_db()
    assert handover.state == "withdrawn"
    assert HandoverTransition.objects.count() == transitions_before
    world["trajectory"].refresh_from_db()
    assert world["trajectory"].baton_holder == world["bb"]


def test_the_sender_cannot_accept_its_own_offer(world: dict[str, Any]) -> None:
    a = client_for(world["a"])
    send(a, world["trajectory"], world["desk"])
    response = transition(a, Handover.objects.get(), "accept")
    assert response.status_code == 403
    assert nl(messages.NOT_YOUR_PART, party=messages.PARTY["receiver"]) in (
        response.content.decode()
    )


def test_strangers_unknown_actions_and_get_requests_are_refused(world: dict[str, Any]) -> None:
    send(client_for(world["a"]), world["trajectory"], world["desk"])
    handover = Handover.objects.get()
    assert transition(client_for(world["c"]), handover, "accept").status_code == 404
    assert transition(client_for(world["b"]), handover, "expire").status_code == 404
    assert transition(client_for(world["b"]), handover, "bogus").status_code == 404
    assert client_for(world["b"]).get(f"/handovers/{handover.pk}/accept/").status_code == 405
    handover.refresh_from_db()
    assert handover.state == "sent"


def test_acknowledging_twice_is_a_conflict(world: dict[str, Any]) -> None:
    a, b = client_for(world["a"]), client_for(world["b"])
    send(a, world["trajectory"], world["desk"])
    handover = Handover.objects.get()
    transition(b, handover, "decline", "Nee.")
    assert a.post(f"/handovers/{handover.pk}/acknowledge/").status_code == 302
    again = a.post(f"/handovers/{handover.pk}/acknowledge/")
    assert again.status_code == 409
    assert nl(messages.NOTHING_TO_REVIEW) in again.content.decode()


def test_the_start_form_needs_nothing_inline(world: dict[str, Any]) -> None:
    html = client_for(world["a"]).get(start_url(world["trajectory"])).content.decode()
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_start_form_offers_only_the_data_classes_the_sender_may_see(
    world: dict[str, Any],
) -> None:
    """A visiting volunteer of the holding desk never sees the offence, so cannot send it.

    Every class is shown; what the sender may not see is disabled, with the reason.
    """
    volunteer = make_actor(world["a"].organisation, "volunteer", Role.VISITING_VOLUNTEER)
    assign(volunteer, world["trajectory"])  # a volunteer sees only its own people (0016)
    response = client_for(volunteer).get(start_url(world["trajectory"]))
    options = {o.value: o for o in response.context["position"].options}
    assert not options["offence"].offered and options["identity"].offered
    assert options["offence"].reason == nl(position.NOT_SEEN)
    html = response.content.decode()
    assert re.search(r'value="offence" id="id_data_classes_\d+" disabled', html)
    full = client_for(world["a"]).get(start_url(world["trajectory"])).context["position"]
    assert {o.value for o in full.options if o.offered} >= {"offence", "identity"}


def test_taken_up_while_detained_comes_back_with_the_note_and_the_sentence(
    world: dict[str, Any],
) -> None:
    a, b, trajectory = client_for(world["a"]), client_for(world["b"]), world["trajectory"]
    send(a, trajectory, world["desk"])
    handover = Handover.objects.get()
    transition(b, handover, "accept")
    response = b.post(
        f"/handovers/{handover.pk}/take_up/", {f"h{handover.pk}-take_up-reason": "Kwam langs."}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert nl(messages.STILL_DETAINED, action=messages.ACTION_PAST["take_up"]) in html
    assert "Kwam langs." in html  # the note is kept
    assert f'action="/trajectories/{trajectory.pk}/phase/"' in html  # and the way out
    handover.refresh_from_db()
    assert handover.state == "accepted"
