"""The handover form (issue 10): the consent position before anything is typed, a searchable
receiver list with the municipal desk first, and refusals that never lose work."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy

from estafette.consent import messages as consent_messages
from estafette.consent.models import ConsentDisclosure, ConsentPurpose
from estafette.core import clock
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict
from estafette.handovers import messages, position
from estafette.handovers.models import Handover
from estafette.organisations.models import Municipality, Organisation, OrganisationKind, Role
from estafette.people.models import Person
from estafette.testing.consent import give_consent, intake_consent
from estafette.testing.factories import assign
from estafette.testing.views import client_for, make_actor, make_org, nl
from estafette.trajectories.models import ReleaseCertainty, Route, Trajectory
from estafette.trajectories.services import trajectory_open

TODAY = dt.date(2025, 3, 3)
COVERED = ["conditions", "detention", "identity"]
"""What the person's after-care consent covers in this world (not health, not notes)."""


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    arnhem = Municipality.objects.get(cbs_code="GM0202")
    bb = make_org("bb-form", OrganisationKind.BB_REGIONAL_DESK, name="BB regio Formulier")
    desk = Organisation.objects.get(code="nazorg-gm0202")  # from the reference data
    shelter = make_org("shelter-form", OrganisationKind.LANDING_PLACE, name="De Instap Formulier")
    prison = make_org("pi-form", OrganisationKind.PRISON, name="PI Formulier")
    coordinator = make_actor(bb, "coordinator-form", Role.REGIONAL_COORDINATOR)
    person = Person.objects.create(given_names="Bram", family_name="Formsma")
    trajectory = trajectory_open(
        actor=coordinator,
        person=person,
        route=Route.ABROAD_BB,
        release_certainty=ReleaseCertainty.KNOWN,
        release_date=TODAY + dt.timedelta(days=80),
        registration_municipality=arnhem,
        registration_certainty="confirmed",
    )
    intake_consent(trajectory=trajectory, organisation=bb)  # BB's own: every class
    aftercare = give_consent(
        person=person,
        purpose_code="aftercare_referral",
        recipient_kind=OrganisationKind.MUNICIPAL_AFTERCARE,
        data_classes=COVERED,
    )
    return {
        "a": coordinator,
        "bb": bb,
        "desk": desk,
        "shelter": shelter,
        "prison": prison,
        "trajectory": trajectory,
        "aftercare": aftercare,
    }


def url(trajectory: Trajectory) -> str:
    return f"/trajectories/{trajectory.pk}/handover/"


def post(client: Client, trajectory: Trajectory, receiver: Organisation, **extra: Any) -> Any:
    data = {
        "receiver": receiver.pk,
        "purpose": "aftercare_referral",
        "message": "Graag nazorg na terugkeer: ID en uitkering. TYPED-MESSAGE",
        "information": "Wil in Arnhem wonen. TYPED-INFORMATION",
        "data_classes": ["identity", "detention"],
        "respond_by": "2025-03-17",
        **extra,
    }
    return client.post(url(trajectory), data)


def checkbox(html: str, value: str) -> str:
    found = re.search(rf'<input type="checkbox" name="data_classes" value="{value}"[^>]*>', html)
    assert found is not None, value
    return found.group(0)


def consent_link(trajectory: Trajectory) -> str:
    return f'href="/people/{trajectory.person_id}/consents/"'


# ------------------------------------------------------- the position, before typing


def test_the_consents_in_force_are_shown_before_anything_is_typed(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get(url(world["trajectory"]))
    html = response.content.decode()
    assert response.status_code == 200
    top = html[html.index('id="consent-position-heading"') : html.index('<form class="form-panel"')]
    assert world["aftercare"].purpose.name in top  # which consent
    assert world["aftercare"].recipient_label in top  # for which receivers (a kind here)
    assert "gemeentelijke nazorg" in top  # which handover purposes it carries
    assert consent_link(world["trajectory"]) in top
    lines = response.context["consent_lines"]
    assert {line.consent.purpose.code for line in lines} == {"aftercare_referral", "bb_guidance"}


def test_covered_classes_are_pre_ticked_and_the_others_disabled_with_the_reason(
    world: dict[str, Any],
) -> None:
    """The desk is suggested with the referral purpose: its consent's classes are ticked."""
    response = client_for(world["a"]).get(url(world["trajectory"]))
    html = response.content.decode()
    pos = response.context["position"]
    assert pos.consent == world["aftercare"]
    assert sorted(pos.pre_ticked) == COVERED
    for value in COVERED:
        assert " checked" in checkbox(html, value) and "disabled" not in checkbox(html, value)
    for value in ("health", "offence", "network", "notes"):
        assert " disabled" in checkbox(html, value) and "checked" not in checkbox(html, value)
    name = world["aftercare"].purpose.name
    health = next(o for o in pos.options if o.value == "health")
    assert health.reason == nl(position.NOT_COVERED) % {"purpose": name}
    assert health.reason in html
    # The message says under which consent it travels, and what that consent covers.
    help_text = str(response.context["form"].fields["message"].help_text)
    assert name in help_text and "identiteit" in help_text.lower()


def test_a_receiver_without_consent_shows_the_refusal_before_sending(
    world: dict[str, Any],
) -> None:
    response = client_for(world["a"]).get(
        url(world["trajectory"]),
        {"receiver": world["shelter"].pk, "purpose": "landing_place"},
        headers={"HX-Request": "true", "HX-Target": "consent-field"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="consent-field"')  # only the fragment
    assert "<form" not in html and 'name="receiver"' not in html
    assert 'id="id_message_helptext" hx-swap-oob="true"' in html  # and the message's bounds
    assert 'id="consent-announce" hx-swap-oob="innerHTML"' in html  # told in a live region
    # (A fragment: the test client keeps no context of it, so the HTML is what we read.)
    assert html.count(" disabled") == len(DataClass.choices)  # nothing can travel
    assert " checked" not in html
    name = ConsentPurpose.objects.get(code="partner_sharing").name
    refusal = nl(consent_messages.CONSENT_MISSING, purpose=name, recipient="De Instap Formulier")
    assert refusal in html
    assert consent_link(world["trajectory"]) in html


def test_a_sentence_transfer_rests_on_law_nothing_is_pre_ticked(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get(
        url(world["trajectory"]),
        {"receiver": world["prison"].pk, "purpose": "sentence_transfer"},
        headers={"HX-Request": "true", "HX-Target": "consent-field"},
    )
    html = response.content.decode()
    assert html.count('type="checkbox"') == len(DataClass.choices)
    assert " checked" not in html and " disabled" not in html  # offered, none pre-ticked
    assert "notice--warning" not in html  # no refusal: the law is the ground


def test_changing_receiver_without_javascript_reads_the_consent_again(
    world: dict[str, Any],
) -> None:
    response = client_for(world["a"]).post(
        url(world["trajectory"]),
        {
            "narrow": "consent",
            "receiver": world["shelter"].pk,
            "purpose": "landing_place",
            "message": "Half getypt TYPED-MESSAGE",
            "data_classes": ["identity"],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Half getypt TYPED-MESSAGE" in html
    assert response.context["position"].refusal
    assert "checked" not in checkbox(html, "identity")  # nothing can travel to the shelter
    assert not Handover.objects.exists()


# ----------------------------------------------------------------- the receiver list


def test_the_receiver_list_is_searchable(world: dict[str, Any]) -> None:
    response = client_for(world["a"]).get(
        url(world["trajectory"]),
        {"q": "instap form"},
        headers={"HX-Request": "true", "HX-Target": "receiver-field"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="receiver-field"')
    start = html.index('name="receiver"')
    select = html[start : html.index("</select>", start)]
    assert "De Instap Formulier" in select
    assert "PI Formulier" not in select and "Partner" not in select
    assert '<p id="receiver-count" hx-swap-oob="innerHTML">' in html  # the count, told


def test_the_search_field_works_without_javascript_and_keeps_the_typing(
    world: dict[str, Any],
) -> None:
    response = client_for(world["a"]).post(
        url(world["trajectory"]),
        {"narrow": "receivers", "q": "Arnhem", "message": "Half getypt TYPED-MESSAGE"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Half getypt TYPED-MESSAGE" in html and 'value="Arnhem"' in html
    start = html.index('name="receiver"')
    listed = html[start : html.index("</select>", start)]
    assert "Nazorg gemeente Arnhem" in listed and "PI Formulier" not in listed


def test_the_desk_of_the_settlement_municipality_is_offered_when_registration_is_unknown(
    world: dict[str, Any],
) -> None:
    trajectory = world["trajectory"]
    Trajectory.objects.filter(pk=trajectory.pk).update(
        registration_municipality=None,
        settlement_municipality=Municipality.objects.get(cbs_code="GM0202"),
    )
    response = client_for(world["a"]).get(url(trajectory))
    assert response.context["desk"] == world["desk"]
    assert response.context["form"].initial["receiver"] == world["desk"].pk
    assert response.context["suggested"][0] == world["desk"]


def test_the_desk_comes_first_and_the_planned_runner_stays_the_choice(
    world: dict[str, Any],
) -> None:
    trajectory = world["trajectory"]
    Trajectory.objects.filter(pk=trajectory.pk).update(next_runner=world["shelter"])
    response = client_for(world["a"]).get(url(trajectory))
    assert response.context["suggested"] == [world["desk"], world["shelter"]]
    assert response.context["form"].initial["receiver"] == world["shelter"].pk


def test_no_desk_is_suggested_to_a_sender_that_may_not_see_the_municipality(
    world: dict[str, Any],
) -> None:
    """The municipalities are detention data; a suggestion would name them."""
    buddy = make_actor(world["bb"], "buddy-form", Role.BUDDY)  # no detention in its role
    assign(buddy, world["trajectory"])  # a buddy sees only its own people (decision 0016)
    response = client_for(buddy).get(url(world["trajectory"]))
    assert response.context["desk"] is None
    assert world["desk"] not in response.context["suggested"]


# --------------------------------------------------------- a refusal never loses work


def test_classes_beyond_the_consent_are_refused_beside_the_field_and_nothing_is_saved(
    world: dict[str, Any],
) -> None:
    trajectory = world["trajectory"]
    response = post(
        client_for(world["a"]),
        trajectory,
        world["desk"],
        data_classes=["identity", "health"],
    )
    html = response.content.decode()
    assert response.status_code == 400
    sentence = nl(
        consent_messages.CLASSES_NOT_COVERED,
        purpose=world["aftercare"].purpose.name,
        classes="gezondheid en verslaving",
    )
    field = html[html.index('id="consent-field"') : html.index('id="id_message"')]
    assert sentence in field  # next to the data classes, not on a separate page
    assert consent_link(trajectory) in field
    assert "TYPED-MESSAGE" in html and "TYPED-INFORMATION" in html
    assert 'value="2025-03-17"' in html
    assert " checked" in checkbox(html, "identity")
    assert not Handover.objects.exists()
    assert not ConsentDisclosure.objects.exists()


def test_a_receiver_without_consent_is_refused_beside_the_receiver(world: dict[str, Any]) -> None:
    trajectory = world["trajectory"]
    response = post(
        client_for(world["a"]),
        trajectory,
        world["shelter"],
        purpose="landing_place",
        data_classes=[],
    )
    html = response.content.decode()
    assert response.status_code == 400
    receiver = html[html.index('id="receiver-field"') : html.index('id="id_purpose"')]
    assert "De Instap Formulier" in receiver and consent_link(trajectory) in receiver
    assert 'class="errorlist"' in receiver
    assert "TYPED-MESSAGE" in html
    assert not Handover.objects.exists() and not ConsentDisclosure.objects.exists()


def test_a_plain_form_error_gets_no_consent_link(world: dict[str, Any]) -> None:
    """Only a refusal the consent page can fix points there."""
    trajectory = world["trajectory"]
    response = client_for(world["a"]).post(
        url(trajectory),
        {"receiver": "", "purpose": "aftercare_referral", "message": "TYPED-MESSAGE"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    receiver = html[html.index('id="receiver-field"') : html.index('id="id_purpose"')]
    assert 'class="errorlist"' in receiver and consent_link(trajectory) not in receiver
    assert "TYPED-MESSAGE" in html


def test_classes_beyond_what_the_sender_sees_are_refused_beside_the_field(
    world: dict[str, Any],
) -> None:
    volunteer = make_actor(world["bb"], "volunteer-form", Role.VISITING_VOLUNTEER)
    assign(volunteer, world["trajectory"])  # a volunteer sees only its own people (0016)
    give_consent(
        person=world["trajectory"].person,
        purpose_code="partner_sharing",
        recipient=world["shelter"],
    )
    response = post(
        client_for(volunteer),
        world["trajectory"],
        world["shelter"],
        purpose="landing_place",
        data_classes=["identity", "offence"],
    )
    html = response.content.decode()
    assert response.status_code == 400
    field = html[html.index('id="consent-field"') : html.index('id="id_message"')]
    assert nl(messages.NOT_YOURS_TO_SHARE, classes="delict") in field
    assert "TYPED-MESSAGE" in html
    assert not Handover.objects.exists()


def test_a_refusal_no_field_can_fix_keeps_the_form_with_its_own_status(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """E.g. another send won the race meanwhile: the sentence above the form, the typing kept."""

    def refuse(**kwargs: Any) -> None:
        raise Conflict(messages.ALREADY_IN_THE_AIR, receiver="Elders")

    monkeypatch.setattr("estafette.handovers.views.handover_send", refuse)
    response = post(client_for(world["a"]), world["trajectory"], world["desk"])
    html = response.content.decode()
    assert response.status_code == 409
    assert nl(messages.ALREADY_IN_THE_AIR, receiver="Elders") in html
    assert "TYPED-MESSAGE" in html and "<form" in html


def test_a_sent_handover_records_that_its_message_travelled(world: dict[str, Any]) -> None:
    response = post(client_for(world["a"]), world["trajectory"], world["desk"])
    assert response.status_code == 302
    disclosure = ConsentDisclosure.objects.get()
    assert disclosure.message is True
    assert disclosure.consent == world["aftercare"]
    assert disclosure.data_classes == ["detention", "identity"]
    consents = client_for(world["a"]).get(f"/people/{world['trajectory'].person_id}/consents/")
    with translation.override("nl"):  # {% translate %} prints the sentence unescaped
        travelled = str(gettext_lazy("the handover's message and information"))
    assert travelled in consents.content.decode()


# ---------------------------------------------------------------- links and cost


def test_the_consent_page_is_linked_from_the_trajectory_page_and_the_caseload_row(
    world: dict[str, Any],
) -> None:
    client = client_for(world["a"])
    trajectory = world["trajectory"]
    page = client.get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert consent_link(trajectory) in page
    caseload = client.get("/caseload/").content.decode()
    row = next(r for r in re.findall(r"<tr\b.*?</tr>", caseload, flags=re.S) if "Formsma" in r)
    assert consent_link(trajectory) in row


def test_the_form_page_query_count_stays_bounded(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    """Session and actor, the relay (audited), the receivers (one list, whatever their
    number), the desk, the consents in force: no query per organisation or per consent."""
    for n in range(30):
        make_org(f"extra-{n}", OrganisationKind.PARTNER, name=f"Partner {n}")
        give_consent(
            person=world["trajectory"].person,
            purpose_code="partner_sharing",
            recipient_kind=OrganisationKind.PARTNER,
        )
    client = client_for(world["a"])
    client.get(url(world["trajectory"]))
    with django_assert_max_num_queries(24):  # 22 on SQLite; PostgreSQL locks the audit chain
        assert client.get(url(world["trajectory"])).status_code == 200
