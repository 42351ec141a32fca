# ruff: noqa: F811  (the fixtures are imported from test_sign_in_support, then used by name)
"""A professional prints a paper sign-in code for the person or their contact person.

Who may: a role that meets the person (access.policy.may_hand_sign_in_code) in an
organisation with a part in the trajectory, seeing the person's identity (and, for the
contact person, the network). Across organisations: the holder may, an organisation
without a part gets the audited 404; a role that hands no codes gets the calm 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from estafette.core.actor import Actor
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, Role
from estafette.people.models import NetworkMember, Person
from estafette.portal import codes
from estafette.portal.models import CodeChannel, SignInCode
from estafette.portal.subject import SESSION_KEY
from estafette.portal.tests.test_sign_in_support import (  # noqa: F401  (fixtures)
    contact_person,
    held,
    person,
)
from estafette.testing.auth import login_verified
from estafette.testing.consent import send_with_consent
from estafette.testing.factories import assign
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.ESTAFETTE_SITE_URL = "https://estafette.example.nl"


def page_url(trajectory: Trajectory) -> str:
    return reverse("person-sign-in-code", kwargs={"pk": trajectory.pk})


def staff(actor: Actor) -> Client:
    client = Client()
    login_verified(client, actor.user)
    return client


def printed_code(html: str) -> str:
    match = re.search(r'class="paper-sheet__code">([A-Z0-9-]+)<', html)
    assert match, html
    return match.group(1)


def print_code(client: Client, trajectory: Trajectory, kind: str = "person", language: str = "en"):
    return client.post(page_url(trajectory), {"kind": kind, "language": language})


def test_the_holder_prints_a_code_that_signs_the_person_in(
    held: Trajectory, actor_a: Actor
) -> None:
    client = staff(actor_a)
    details = client.get(reverse("person-details", kwargs={"pk": held.pk})).content.decode()
    assert page_url(held) in details  # the one link on the person details page
    form = client.get(page_url(held))
    assert form.status_code == 200
    response = print_code(client, held)
    assert response.status_code == 200
    html = response.content.decode()
    code = printed_code(html)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert "https://estafette.example.nl/my/sign-in/" in html
    assert "2 April 2025" in html  # 30 days from the frozen today, 3 March 2025
    assert 'lang="en"' in html

    entry = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="portal.signincode")
    assert entry.user_id == actor_a.user.pk and entry.person_id == held.person_id
    assert entry.detail["trajectory_id"] == held.pk and entry.detail["channel"] == "paper"
    assert code.replace("-", "") not in str(entry.detail) and code not in str(entry.detail)
    row = SignInCode.objects.get(channel=CodeChannel.PAPER)
    assert row.issued_by_id == actor_a.user.pk
    assert code not in row.code_hash

    person_browser = Client()
    assert person_browser.post("/my/code/", {"code": code.lower()}).status_code == 302
    assert person_browser.session[SESSION_KEY]["person_id"] == held.person_id


def test_a_code_for_the_contact_person_and_a_new_code_voids_the_old(
    held: Trajectory, contact_person: NetworkMember, actor_a: Actor
) -> None:
    client = staff(actor_a)
    assert "The contact person: Ria Bakker" in client.get(page_url(held)).content.decode()
    first = printed_code(print_code(client, held, "contact_person").content.decode())
    second = printed_code(print_code(client, held, "contact_person").content.decode())
    person_code = printed_code(print_code(client, held, "person").content.decode())
    assert Client().post("/my/code/", {"code": first}).status_code == 400
    browser = Client()
    assert browser.post("/my/code/", {"code": second}).status_code == 302
    assert browser.session[SESSION_KEY]["member_id"] == contact_person.pk
    # The person's own code was not voided by the contact person's.
    assert Client().post("/my/code/", {"code": person_code}).status_code == 302


def test_the_sheet_is_in_the_language_chosen_default_the_persons(
    held: Trajectory, actor_a: Actor
) -> None:
    Person.objects.filter(pk=held.person_id).update(language="nl")
    client = staff(actor_a)
    form = client.get(page_url(held)).content.decode()
    assert re.search(r'value="nl"[^>]*checked', form)
    html = print_code(client, held, language="nl").content.decode()
    assert 'lang="nl"' in html


def test_an_organisation_without_a_part_gets_the_audited_not_found(
    held: Trajectory, org_c: Organisation, actor_for: Callable[..., Actor]
) -> None:
    stranger = actor_for(org_c, Role.LANDING_PLACE_WORKER)
    client = staff(stranger)
    assert client.get(page_url(held)).status_code == 404
    assert print_code(client, held).status_code == 404
    assert not SignInCode.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, user=stranger.user, object_id=str(held.pk)
    ).exists()


def test_a_receiving_organisation_with_consent_may_print(
    held: Trajectory, actor_a: Actor, org_b: Organisation, actor_for: Callable[..., Actor]
) -> None:
    send_with_consent(
        actor=actor_a,
        trajectory=held,
        receiver=org_b,
        purpose="aftercare_referral",
        message="Please take up after-care.",
    )
    aftercare = actor_for(org_b, Role.AFTERCARE_COORDINATOR)
    response = print_code(staff(aftercare), held)
    assert response.status_code == 200
    assert printed_code(response.content.decode())


@pytest.mark.parametrize("role", [Role.ORGANISATION_ADMIN, Role.PARTNER_WORKER])
def test_a_role_that_hands_no_codes_is_refused(
    held: Trajectory, org_a: Organisation, actor_for: Callable[..., Actor], role: str
) -> None:
    actor = actor_for(org_a, role)
    client = staff(actor)
    details = client.get(reverse("person-details", kwargs={"pk": held.pk}))
    assert page_url(held) not in details.content.decode()
    assert client.get(page_url(held)).status_code == 403
    assert print_code(client, held).status_code == 403
    assert not SignInCode.objects.exists()


def test_a_volunteer_prints_only_for_the_person_assigned_to_them(
    held: Trajectory, org_a: Organisation, actor_for: Callable[..., Actor]
) -> None:
    volunteer = actor_for(org_a, Role.VISITING_VOLUNTEER)
    client = staff(volunteer)
    assert client.get(page_url(held)).status_code == 404
    assign(volunteer, held)
    assert print_code(client, held).status_code == 200


def test_a_forged_choice_is_refused(held: Trajectory, actor_a: Actor) -> None:
    """Without a contact person, asking for their code is a form error, not a code."""
    response = print_code(staff(actor_a), held, "contact_person")
    assert response.status_code == 400
    assert not SignInCode.objects.exists()
    assert codes.PAPER_CODE_DAYS == 30
