"""The person details page: GET, each form's POST, refusals beside the field (400) with the
input kept, an audited 404 outside the file, forms only for what the reader may change."""

from __future__ import annotations

from typing import cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from estafette.core.actor import Actor
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation, Role
from estafette.people import services
from estafette.people.models import NetworkMember, Person, PersonIdentifier, Relation
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.testing.factories import PersonFactory, TrajectoryFactory, make_actor
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db

BSN = "123456782"


def client_for(actor: Actor, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    login_verified(client, actor.user)
    return client


def said(message: object, **params: object) -> str:
    with translation.override("en"):
        text = str(message)
    return escape(text % params if params else text)


@pytest.fixture
def file(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    return cast(Trajectory, TrajectoryFactory(actor=actor_a))


def page(trajectory: Trajectory) -> str:
    return reverse("person-details", kwargs={"pk": trajectory.pk})


def test_the_page_shows_every_section_with_its_form(
    file: Trajectory, actor_a: Actor, django_assert_max_num_queries: object
) -> None:
    person = file.person
    services.network_member_add(
        actor=actor_a, person=person, name="Marieke", relation=Relation.SIBLING
    )
    services.network_member_add(
        actor=actor_a, person=person, name="Sem", relation=Relation.CHILD, is_minor=True
    )
    services.identifier_record(actor=actor_a, person=person, kind="bsn", value=BSN)
    client = client_for(actor_a)
    client.get(page(file))  # warm the session and the caches
    with django_assert_max_num_queries(40):  # type: ignore[operator]
        response = client.get(page(file))
    assert response.status_code == 200
    html = response.content.decode()
    for action in (
        "person-contact",
        "person-profile",
        "person-markers",
        "person-identifier-add",
        "network-member-add",
        "contact-person",
    ):
        assert reverse(action, kwargs={"pk": file.pk}) in html
    assert BSN in html
    assert "Marieke" in html
    assert "Nobody is the contact person." in html
    # The read is audited as a view of the file.
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="trajectories.trajectory", object_id=str(file.pk)
    ).exists()


def test_the_query_count_does_not_grow_with_the_network(
    file: Trajectory, actor_a: Actor, django_assert_max_num_queries: object
) -> None:
    client = client_for(actor_a)
    client.get(page(file))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(page(file))
    for n in range(8):
        services.network_member_add(
            actor=actor_a, person=file.person, name=f"Lid {n}", relation=Relation.FRIEND
        )
    with CaptureQueriesContext(connection) as many:
        client.get(page(file))
    assert len(many) == len(few)


def test_contact_details_are_saved_and_the_page_shows_them(
    file: Trajectory, actor_a: Actor
) -> None:
    response = client_for(actor_a).post(
        reverse("person-contact", kwargs={"pk": file.pk}),
        {
            "contact-address": "Steenstraat 12",
            "contact-postcode": "6828ca",
            "contact-place": "Arnhem",
            "contact-phone": "06 1234 5678",
            "contact-email": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#contact")
    person = Person.objects.get(pk=file.person_id)
    assert (person.address, person.postcode, person.place) == (
        "Steenstraat 12",
        "6828 CA",
        "Arnhem",
    )


def test_a_bad_phone_is_refused_beside_the_field_with_the_input_kept(
    file: Trajectory, actor_a: Actor
) -> None:
    response = client_for(actor_a).post(
        reverse("person-contact", kwargs={"pk": file.pk}),
        {
            "contact-address": "Steenstraat 12",
            "contact-phone": "bel me maar",
            "contact-email": "anouk-at-example",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert said(services.PHONE_INVALID) in html
    assert said(services.EMAIL_INVALID) in html
    assert 'value="bel me maar"' in html
    assert 'value="Steenstraat 12"' in html
    assert Person.objects.get(pk=file.person_id).address == ""


def test_a_failing_bsn_is_refused_beside_the_number(file: Trajectory, actor_a: Actor) -> None:
    response = client_for(actor_a).post(
        reverse("person-identifier-add", kwargs={"pk": file.pk}),
        {"identifier-kind": "bsn", "identifier-value": "123456789"},
    )
    assert response.status_code == 400
    assert (
        said(
            "A citizen service number (BSN) has 9 digits and passes the eleven-test; "
            "%(value)s does not. Check the number on the ID document.",
            value="123456789",
        )
        in response.content.decode()
    )
    assert not PersonIdentifier.objects.exists()


def test_another_persons_bsn_is_refused_on_the_page_without_revealing(
    frozen_clock: ClockControl, file: Trajectory, actor_a: Actor, actor_c: Actor
) -> None:
    other = PersonFactory(given_names="Kees", family_name="Verborgen")
    TrajectoryFactory(actor=actor_c, person=other)
    PersonIdentifier.objects.create(person=other, kind="bsn", value=BSN)
    response = client_for(actor_a).post(
        reverse("person-identifier-add", kwargs={"pk": file.pk}),
        {"identifier-kind": "bsn", "identifier-value": BSN},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert said(services.IDENTIFIER_TAKEN) in html
    assert "Verborgen" not in html
    assert str(actor_c.organisation) not in html


def test_network_add_edit_contact_person_and_remove(file: Trajectory, actor_a: Actor) -> None:
    client = client_for(actor_a)
    response = client.post(
        reverse("network-member-add", kwargs={"pk": file.pk}),
        {
            "network-name": "Marieke",
            "network-relation": "sibling",
            "network-is_contact_person": "on",
        },
    )
    assert response.status_code == 302
    member = NetworkMember.objects.get(person=file.person)
    assert member.is_contact_person
    response = client.post(
        reverse("network-member-edit", kwargs={"pk": file.pk, "member_pk": member.pk}),
        {f"member-{member.pk}-name": "Marieke de Vries", f"member-{member.pk}-relation": "sibling"},
    )
    assert response.status_code == 302
    mother = NetworkMember.objects.create(person=file.person, name="Ans", relation="parent")
    response = client.post(
        reverse("contact-person", kwargs={"pk": file.pk}), {"member": str(mother.pk)}
    )
    assert response.status_code == 302
    assert list(NetworkMember.objects.filter(person=file.person, is_contact_person=True)) == [
        mother
    ]
    response = client.post(
        reverse("network-member-remove", kwargs={"pk": file.pk, "member_pk": member.pk})
    )
    assert response.status_code == 302
    assert list(NetworkMember.objects.filter(person=file.person)) == [mother]


def test_a_minor_as_contact_person_is_refused_beside_the_box(
    file: Trajectory, actor_a: Actor
) -> None:
    response = client_for(actor_a).post(
        reverse("network-member-add", kwargs={"pk": file.pk}),
        {
            "network-name": "Sem",
            "network-relation": "child",
            "network-is_minor": "on",
            "network-is_contact_person": "on",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert said(services.MINOR_NOT_CONTACT) in html
    assert 'value="Sem"' in html
    assert not NetworkMember.objects.exists()


def test_a_member_of_another_persons_network_is_an_audited_404(
    frozen_clock: ClockControl, file: Trajectory, actor_a: Actor
) -> None:
    other = TrajectoryFactory(actor=actor_a)
    stranger = NetworkMember.objects.create(person=other.person, name="Piet", relation="friend")
    response = client_for(actor_a).post(
        reverse("network-member-remove", kwargs={"pk": file.pk, "member_pk": stranger.pk})
    )
    assert response.status_code == 404
    assert NetworkMember.objects.filter(pk=stranger.pk).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="people.networkmember", object_id=str(stranger.pk)
    ).exists()


def test_a_file_out_of_scope_is_an_audited_404(file: Trajectory, actor_c: Actor) -> None:
    client = client_for(actor_c)
    assert client.get(page(file)).status_code == 404
    response = client.post(
        reverse("person-contact", kwargs={"pk": file.pk}), {"contact-phone": "0612345678"}
    )
    assert response.status_code == 404
    assert Person.objects.get(pk=file.person_id).phone == ""
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DENIED, object_type="trajectories.trajectory", object_id=str(file.pk)
        ).count()
        == 2
    )


def test_identity_only_reader_gets_no_marker_or_network_form(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    bare = cast(Trajectory, TrajectoryFactory(actor=actor_a, with_consent=False))
    client = client_for(actor_a)
    html = client.get(page(bare)).content.decode()
    assert reverse("person-contact", kwargs={"pk": bare.pk}) in html
    assert reverse("network-member-add", kwargs={"pk": bare.pk}) not in html
    assert 'name="markers-addiction"' not in html
    assert 'name="markers-cannot_read_write"' in html  # identity: how to write to them
    response = client.post(
        reverse("person-markers", kwargs={"pk": bare.pk}), {"markers-addiction": "on"}
    )
    # The box for addiction is not offered; the posted value is ignored, nothing changes.
    assert not Person.objects.get(pk=bare.person_id).addiction
    assert response.status_code in (302, 400)
    response = client.post(
        reverse("network-member-add", kwargs={"pk": bare.pk}),
        {"network-name": "Marieke", "network-relation": "sibling"},
    )
    assert response.status_code == 403
    assert not NetworkMember.objects.exists()


def test_the_administrator_sees_no_form(file: Trajectory, org_a: Organisation) -> None:
    admin = make_actor(org_a, role=Role.ORGANISATION_ADMIN)
    client = client_for(admin)
    response = client.get(page(file))
    if response.status_code == 200:
        assert reverse("person-contact", kwargs={"pk": file.pk}) not in response.content.decode()
    response = client.post(
        reverse("person-contact", kwargs={"pk": file.pk}), {"contact-phone": "0612345678"}
    )
    assert response.status_code in (403, 404)
    assert Person.objects.get(pk=file.person_id).phone == ""


def test_the_no_contact_person_signal_leads_to_the_network_form(file: Trajectory) -> None:
    from estafette.signals.rules.base import REGISTRY

    link = REGISTRY["no_contact_person"].link(file.pk)
    assert link == reverse("person-details", kwargs={"pk": file.pk}) + "#network"


def test_the_trajectory_page_links_to_the_person_details(file: Trajectory, actor_a: Actor) -> None:
    html = client_for(actor_a).get(reverse("trajectory-detail", kwargs={"pk": file.pk})).content
    assert page(file).encode() in html


def test_a_health_line_in_the_timeline_is_not_shared_with_a_reader_without_health(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    from estafette.trajectories.models import EventKind
    from estafette.trajectories.services import event_record

    bare = cast(Trajectory, TrajectoryFactory(actor=actor_a, with_consent=False))
    # Written by someone who sees health (another organisation's coordinator, say).
    event_record(
        trajectory=bare, kind=EventKind.PERSON_HEALTH_CHANGED, actor=None, fields=["addiction"]
    )
    event_record(trajectory=bare, kind=EventKind.PERSON_CHANGED, actor=None, fields=["phone"])
    html = (
        client_for(actor_a)
        .get(reverse("trajectory-detail", kwargs={"pk": bare.pk}))
        .content.decode()
    )
    start = html.index('id="timeline-heading"')
    timeline = html[start : html.index("</ol>", start)]
    assert "details changed</span> — phone" in timeline
    assert "addiction" not in timeline
    assert "Not shared with your organisation" in timeline


def test_a_contact_person_ends_the_signal(file: Trajectory, actor_a: Actor) -> None:
    from estafette.signals.evaluate import signals_evaluate
    from estafette.signals.models import Signal

    signals_evaluate([file.pk])
    open_codes = set(
        Signal.objects.filter(trajectory=file, resolved_at__isnull=True).values_list(
            "rule_code", flat=True
        )
    )
    assert "no_contact_person" in open_codes
    services.network_member_add(
        actor=actor_a,
        person=file.person,
        name="Marieke",
        relation=Relation.SIBLING,
        is_contact_person=True,
    )
    signals_evaluate([file.pk])
    open_codes = set(
        Signal.objects.filter(trajectory=file, resolved_at__isnull=True).values_list(
            "rule_code", flat=True
        )
    )
    assert "no_contact_person" not in open_codes
