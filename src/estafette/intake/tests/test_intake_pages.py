"""Each intake end to end through its pages; bad input refused with nothing half-saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from estafette.consent.models import Consent
from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.handovers.models import Purpose
from estafette.intake import services
from estafette.intake.models import Intake, IntakeKind, IntakeSource
from estafette.organisations.models import Country, Organisation, OrganisationKind, Role
from estafette.people.identifiers import BSN_INVALID
from estafette.people.models import NetworkMember, Person, PersonIdentifier
from estafette.people.registration import BORN_IN_THE_FUTURE, POSSIBLY_REGISTERED
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import make_actor
from estafette.trajectories.models import Participant, Phase, Route, Trajectory
from estafette.visits.models import VolunteerRequest

pytestmark = pytest.mark.django_db
ClientFor = Callable[..., Client]


def said(message: Any, **params: object) -> str:
    with translation.override("en"):
        text = str(message)
    return escape(text % params if params else text)


def arrest(spain: Country, **changes: str) -> dict[str, str]:
    data = {
        "given_names": "Jan Willem",
        "family_name": "de Boer",
        "born": "1990-04-12",
        "nationality": str(Country.objects.get(iso2="NL").pk),
        "identifier_kind": "foreign_prison_number",
        "identifier_value": "MAD-7781",
        "country": str(spain.pk),
        "place": "Madrid",
        "prison": "Centro Penitenciario Madrid VII",
        "arrested_on": "2025-02-20",
        "consular_assistance_wanted": "yes",
        "registration_consent": "yes",
        "contact_name": "Els de Boer",
        "contact_relation": "sibling",
        "contact_phone": "06 1234 5678",
    }
    data.update(changes)
    return data


def rows() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Trajectory.objects.count(),
        Intake.objects.count(),
        Consent.objects.count(),
    )


def test_the_addresses_are_named() -> None:
    assert reverse("intake-start") == "/intake/"
    assert reverse("intake-find", args=["consular"]) == "/intake/consular/"
    assert reverse("intake-new", args=["aftercare"]) == "/intake/aftercare/new/"


def test_the_start_page_offers_the_organisations_intake_and_the_header_links_it(
    consul: Actor, client_for: ClientFor
) -> None:
    response = client_for(consul).get("/intake/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/intake/consular/"' in html
    assert 'href="/intake/aftercare/"' not in html
    assert 'href="/intake/"' in html  # the header's link


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrganisationKind.VOLUNTEER_ORGANISATION, Role.VISITING_VOLUNTEER),
        (OrganisationKind.MUNICIPAL_AFTERCARE, Role.ORGANISATION_ADMIN),
        (OrganisationKind.LANDING_PLACE, Role.LANDING_PLACE_WORKER),
        (OrganisationKind.BUDDY_PROGRAMME, Role.BUDDY),
    ],
)
def test_roles_that_do_no_intake_are_refused(
    frozen_clock: object, client_for: ClientFor, kind: str, role: str
) -> None:
    from estafette.testing.factories import OrganisationFactory

    actor = make_actor(cast(Organisation, OrganisationFactory(kind=kind)), role)
    client = client_for(actor)
    assert client.get("/intake/").status_code == 403
    assert client.get("/intake/aftercare/").status_code == 403
    assert client.post("/intake/aftercare/new/", {}).status_code == 403
    assert 'href="/intake/"' not in client.get("/people/search/").content.decode()


def test_another_kinds_intake_is_refused(consul: Actor, client_for: ClientFor) -> None:
    client = client_for(consul)
    response = client.get("/intake/aftercare/")
    assert response.status_code == 403
    assert said(services.NOT_YOUR_INTAKE) in response.content.decode()
    assert client.get("/intake/nonsense/").status_code == 404


def test_consular_arrest_notification_with_consent(
    consul: Actor, spain: Country, client_for: ClientFor
) -> None:
    response = client_for(consul).post("/intake/consular/new/", arrest(spain))
    assert response.status_code == 302, response.content.decode()[:3000]
    trajectory = Trajectory.objects.get()
    assert response["Location"] == reverse("trajectory-detail", args=[trajectory.pk])
    assert trajectory.route == Route.ABROAD_OWN
    assert trajectory.baton_holder == consul.organisation
    assert trajectory.detention_start == dt.date(2025, 2, 20)
    assert trajectory.country == spain
    assert "Madrid VII" in trajectory.detention_place
    assert trajectory.next_step and trajectory.next_step_due
    person = trajectory.person
    assert (person.given_names, person.family_name) == ("Jan Willem", "de Boer")
    assert person.nationalities.get().iso2 == "NL"
    identifier = PersonIdentifier.objects.get(person=person)
    assert (identifier.kind, identifier.value, identifier.country) == (
        "foreign_prison_number",
        "MAD-7781",
        spain,
    )
    assert NetworkMember.objects.get(person=person).is_contact_person
    consent = Consent.objects.get(person=person)
    assert consent.purpose.code == "consular"
    assert "network" in consent.data_classes
    intake = Intake.objects.get()
    assert intake.kind == IntakeKind.CONSULAR
    assert intake.registration_consent is True
    assert intake.consular_assistance_wanted is True
    page = client_for(consul).get(response["Location"])
    assert page.status_code == 200
    assert "Jan Willem de Boer" in page.content.decode()


def test_without_consent_only_the_bare_fact_is_kept(
    consul: Actor, spain: Country, client_for: ClientFor
) -> None:
    response = client_for(consul).post(
        "/intake/consular/new/", arrest(spain, registration_consent="no")
    )
    assert response.status_code == 302
    trajectory = Trajectory.objects.get()
    person = trajectory.person
    assert (person.family_name, person.date_of_birth) == ("de Boer", dt.date(1990, 4, 12))
    assert (trajectory.country, trajectory.detention_start) == (spain, dt.date(2025, 2, 20))
    assert not PersonIdentifier.objects.exists()
    assert not person.nationalities.exists()
    assert not NetworkMember.objects.exists()
    assert not Consent.objects.exists()
    intake = Intake.objects.get()
    assert intake.bare_fact_only
    assert intake.consular_assistance_wanted is None


def test_aftercare_walk_in(desk: Actor, client_for: ClientFor) -> None:
    data = {
        "given_names": "Samira",
        "family_name": "El Amrani",
        "born": "1985-11-02",
        "source": IntakeSource.SELF_REGISTRATION,
        "route": Route.ABROAD_OWN,
        "country": str(Country.objects.get(iso2="TH").pk),
        "phase": Phase.RETURN,
        "consents_to_aftercare": "on",
    }
    response = client_for(desk).post("/intake/aftercare/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    trajectory = Trajectory.objects.get()
    assert (trajectory.route, trajectory.phase) == (Route.ABROAD_OWN, Phase.RETURN)
    assert trajectory.baton_holder == desk.organisation
    assert Consent.objects.get().purpose.code == "aftercare_referral"
    assert Intake.objects.get().source == IntakeSource.SELF_REGISTRATION
    assert trajectory.next_step_due == dt.date(2025, 3, 10)


def test_bb_guidance_from_a_letter_from_prison(
    coordinator: Actor, spain: Country, client_for: ClientFor
) -> None:
    data = {
        "given_names": "Kees",
        "family_name": "Jansen",
        "born": "1979-01-30",
        "country": str(spain.pk),
        "detention_place": "Centro Penitenciario Valencia",
        "detained_since": "2024-10-01",
        "guidance_agreement": "yes",
        "data_sharing": "yes",
        "volunteer_visits": "yes",
        "signed_on": "2025-02-25",
        "contact_name": "Marie Jansen",
        "contact_relation": "parent",
    }
    response = client_for(coordinator).post("/intake/guidance/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    trajectory = Trajectory.objects.get()
    assert trajectory.route == Route.ABROAD_BB
    assert trajectory.baton_holder == coordinator.organisation
    purposes = set(Consent.objects.values_list("purpose__code", flat=True))
    assert purposes == {"bb_guidance", "contact_person", "partner_sharing", "volunteer_visits"}
    assert VolunteerRequest.objects.filter(trajectory=trajectory).exists()
    assert Intake.objects.get().source == IntakeSource.LETTER_FROM_PRISON


def test_bb_refuses_without_the_guidance_agreement(
    coordinator: Actor, spain: Country, client_for: ClientFor
) -> None:
    data = {
        "given_names": "Kees",
        "family_name": "Jansen",
        "born": "1979-01-30",
        "country": str(spain.pk),
        "detention_place": "Valencia",
        "guidance_agreement": "no",
        "data_sharing": "no",
        "volunteer_visits": "no",
        "signed_on": "2025-02-25",
    }
    response = client_for(coordinator).post("/intake/guidance/new/", data)
    assert response.status_code == 400
    assert said(services.GUIDANCE_AGREEMENT_REQUIRED) in response.content.decode()
    assert rows() == (0, 0, 0, 0)


def test_bb_continues_on_the_consulates_file_through_its_handover(
    consul: Actor, coordinator: Actor, spain: Country, client_for: ClientFor
) -> None:
    client_for(consul).post("/intake/consular/new/", arrest(spain))
    trajectory = Trajectory.objects.get()
    send_with_consent(
        actor=consul,
        trajectory=trajectory,
        receiver=coordinator.organisation,
        purpose=Purpose.GUIDANCE,
        message="Graag begeleiding.",
        data_classes=["identity", "detention"],
    )
    client = client_for(coordinator)
    found = client.get(
        "/intake/guidance/",
        {"given_names": "jan willem", "family_name": "de boer", "born": "1990-04-12"},
    )
    assert found.status_code == 200
    continue_url = reverse("intake-continue", args=["guidance", trajectory.pk])
    assert continue_url in found.content.decode()
    assert client.get(continue_url).status_code == 200
    response = client.post(
        continue_url,
        {
            "guidance_agreement": "yes",
            "data_sharing": "no",
            "volunteer_visits": "no",
            "signed_on": "2025-03-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == coordinator.organisation
    assert trajectory.route == Route.ABROAD_BB
    assert Intake.objects.filter(kind=IntakeKind.GUIDANCE).get().source == (
        IntakeSource.CONSULATE_REGISTERED
    )


def test_prison_domestic_entry(case_manager: Actor, client_for: ClientFor) -> None:
    data = {
        "given_names": "Rob",
        "family_name": "Visser",
        "born": "1995-07-07",
        "identifier_kind": "bsn",
        "identifier_value": "123456782",
        "entered_on": "2025-03-01",
    }
    response = client_for(case_manager).post("/intake/prison/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    trajectory = Trajectory.objects.get()
    assert trajectory.route == Route.DOMESTIC
    assert trajectory.detention_start == dt.date(2025, 3, 1)
    assert trajectory.baton_holder == case_manager.organisation
    assert PersonIdentifier.objects.get().value == "123456782"
    assert not Consent.objects.exists()  # a prison works on a legal basis


def test_prison_arrival_by_sentence_transfer(
    coordinator: Actor, case_manager: Actor, client_for: ClientFor
) -> None:
    from estafette.testing.factories import TrajectoryFactory
    from estafette.trajectories.services import trajectory_change_route

    trajectory = cast(Trajectory, TrajectoryFactory(actor=coordinator))
    trajectory = trajectory_change_route(
        actor=coordinator,
        trajectory=trajectory,
        route=Route.ABROAD_TRANSFER,
        transfer_law="WETS",
        reason="Overdracht toegekend.",
    )
    send_with_consent(
        actor=coordinator,
        trajectory=trajectory,
        receiver=case_manager.organisation,
        purpose=Purpose.SENTENCE_TRANSFER,
        message="Overbrenging volgt.",
        data_classes=["identity", "detention"],
    )
    url = reverse("intake-continue", args=["prison", trajectory.pk])
    response = client_for(case_manager).post(url, {"entered_on": "2025-03-02"})
    assert response.status_code == 302, response.content.decode()[:3000]
    trajectory.refresh_from_db()
    assert trajectory.baton_holder == case_manager.organisation
    assert trajectory.domestic_entry == dt.date(2025, 3, 2)
    assert Intake.objects.get().source == IntakeSource.SENTENCE_TRANSFER


def test_a_prison_without_the_transfer_handover_is_refused(
    coordinator: Actor, case_manager: Actor, client_for: ClientFor
) -> None:
    from estafette.testing.factories import TrajectoryFactory

    trajectory = cast(Trajectory, TrajectoryFactory(actor=coordinator))
    url = reverse("intake-continue", args=["prison", trajectory.pk])
    response = client_for(case_manager).post(url, {"entered_on": "2025-03-02"})
    assert response.status_code == 404  # it may not even open the file


# --- bad input: refused beside the field, input kept, nothing half-saved -------------------


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"born": "2030-01-01"}, BORN_IN_THE_FUTURE),
        ({"arrested_on": "2025-03-04"}, services.ARRESTED_IN_THE_FUTURE),
        ({"identifier_kind": "bsn", "identifier_value": "123456789"}, BSN_INVALID),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    consul: Actor, spain: Country, client_for: ClientFor, changes: dict[str, str], sentence: Any
) -> None:
    response = client_for(consul).post("/intake/consular/new/", arrest(spain, **changes))
    html = response.content.decode()
    assert response.status_code == 400
    params = {"value": "123456789"} if sentence is BSN_INVALID else {}
    assert said(sentence, **params) in html
    assert 'value="de Boer"' in html  # input kept
    assert rows() == (0, 0, 0, 0)


def test_a_duplicate_is_refused_without_revealing_whose(
    consul: Actor, desk: Actor, spain: Country, client_for: ClientFor
) -> None:
    client_for(consul).post("/intake/consular/new/", arrest(spain))
    before = rows()
    data = {
        "given_names": "jan  willem",
        "family_name": "De Boer",
        "born": "1990-04-12",
        "source": IntakeSource.RELEASED_WITHOUT_REFERRAL,
        "route": Route.ABROAD_OWN,
        "phase": Phase.RETURN,
    }
    response = client_for(desk).post("/intake/aftercare/new/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert said(POSSIBLY_REGISTERED) in html
    assert "Madrid" not in html and "Consulaat" not in html
    assert reverse("intake-ask-for-part") in html
    assert rows() == before
    assert AuditEvent.objects.filter(object_type="intake.intake", action="denied").exists()


def test_a_national_number_in_the_register_is_refused(
    case_manager: Actor, desk: Actor, client_for: ClientFor
) -> None:
    first = {
        "given_names": "Rob",
        "family_name": "Visser",
        "born": "1995-07-07",
        "identifier_kind": "bsn",
        "identifier_value": "123456782",
        "entered_on": "2025-03-01",
    }
    assert client_for(case_manager).post("/intake/prison/new/", first).status_code == 302
    other = {
        "given_names": "Robert",
        "family_name": "Fisher",
        "born": "1996-01-01",
        "identifier_kind": "bsn",
        "identifier_value": "123 456 782",
        "source": IntakeSource.BENEFITS_DESK,
        "route": Route.DOMESTIC,
        "phase": Phase.REINTEGRATION,
    }
    before = rows()
    response = client_for(desk).post("/intake/aftercare/new/", other)
    assert response.status_code == 400
    assert said(POSSIBLY_REGISTERED) in response.content.decode()
    assert rows() == before


def test_granting_a_part_request_lets_the_requester_run_alongside(
    consul: Actor, desk: Actor, spain: Country, client_for: ClientFor
) -> None:
    client_for(consul).post("/intake/consular/new/", arrest(spain))
    criteria = {"given_names": "Jan Willem", "family_name": "de Boer", "born": "1990-04-12"}
    client_for(desk).post("/intake/ask-for-a-part/", {"kind": "aftercare", **criteria})
    holder = client_for(consul)
    listing = holder.get("/part-requests/")
    assert listing.status_code == 200
    assert "Nazorg Arnhem" in listing.content.decode()
    from estafette.access.models import PartRequest

    request = PartRequest.objects.get()
    response = holder.post(f"/part-requests/{request.pk}/answer/", {"answer": "grant"})
    assert response.status_code == 302
    assert Participant.objects.filter(organisation=desk.organisation).exists()
    assert client_for(desk).post(f"/part-requests/{request.pk}/answer/", {}).status_code == 404


def test_the_file_says_when_only_the_bare_fact_is_kept(
    consul: Actor, spain: Country, client_for: ClientFor
) -> None:
    from estafette.trajectories.models import EventKind

    client = client_for(consul)
    client.post("/intake/consular/new/", arrest(spain, registration_consent="no"))
    trajectory = Trajectory.objects.get()
    assert trajectory.events.filter(kind=EventKind.INTAKE).get().data["bare_fact_only"] is True
    page = client.get(reverse("trajectory-detail", args=[trajectory.pk])).content.decode()
    assert said("no consent to registration: only who, where and since when are kept") in page
