"""An explicit, audited merge of two registrations of one person."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from django.test import Client

from estafette.consent.models import Consent
from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.intake import services
from estafette.people.models import NetworkMember, Person, PersonIdentifier
from estafette.testing.factories import PersonFactory, TrajectoryFactory
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db
ClientFor = Callable[..., Client]
REASON = "Zelfde BSN, bevestigd met de persoon aan de balie."


def two_files(desk: Actor) -> tuple[Trajectory, Trajectory]:
    first = cast(Person, PersonFactory(given_names="Jan", family_name="de Boer"))
    second = cast(Person, PersonFactory(given_names="J.", family_name="de Boer"))
    PersonIdentifier.objects.create(person=first, kind="foreign_prison_number", value="MAD-1")
    PersonIdentifier.objects.create(person=second, kind="foreign_prison_number", value="MAD-1")
    PersonIdentifier.objects.create(person=second, kind="bsn", value="123456782")
    NetworkMember.objects.create(
        person=first, name="Els", relation="sibling", is_contact_person=True
    )
    NetworkMember.objects.create(
        person=second, name="Piet", relation="parent", is_contact_person=True
    )
    keep = cast(Trajectory, TrajectoryFactory(actor=desk, person=first))
    duplicate = cast(Trajectory, TrajectoryFactory(actor=desk, person=second))
    return keep, duplicate


def test_the_holder_merges_two_registrations(desk: Actor, client_for: ClientFor) -> None:
    keep, duplicate = two_files(desk)
    gone = duplicate.person_id
    response = client_for(desk).post(
        "/intake/merge/", {"keep": keep.pk, "duplicate": duplicate.pk, "reason": REASON}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/trajectories/{keep.pk}/"
    duplicate.refresh_from_db()
    assert duplicate.person_id == keep.person_id
    assert not Person.objects.filter(pk=gone).exists()
    numbers = set(PersonIdentifier.objects.values_list("person_id", "kind", "value"))
    assert numbers == {
        (keep.person_id, "foreign_prison_number", "MAD-1"),
        (keep.person_id, "bsn", "123456782"),
    }
    contacts = NetworkMember.objects.filter(person_id=keep.person_id)
    assert [m.name for m in contacts if m.is_contact_person] == ["Els"]
    assert contacts.count() == 2
    assert set(Consent.objects.values_list("person_id", flat=True)) == {keep.person_id}
    merged = [
        e for e in AuditEvent.objects.filter(action="change") if e.detail.get("field") == "merged"
    ]
    assert len(merged) == 1 and merged[0].detail["merged_from"] == gone
    assert merged[0].detail["reason"] == REASON


def test_a_file_one_may_not_open_cannot_be_merged(
    desk: Actor, other_desk: Actor, client_for: ClientFor
) -> None:
    _keep, duplicate = two_files(desk)
    own = cast(Trajectory, TrajectoryFactory(actor=other_desk))
    response = client_for(other_desk).post(
        "/intake/merge/", {"keep": own.pk, "duplicate": duplicate.pk, "reason": REASON}
    )
    assert response.status_code == 404
    assert Person.objects.filter(pk=duplicate.person_id).exists()


def test_refusals_keep_everything(desk: Actor, client_for: ClientFor) -> None:
    keep, duplicate = two_files(desk)
    client = client_for(desk)
    same = client.post("/intake/merge/", {"keep": keep.pk, "duplicate": keep.pk, "reason": REASON})
    assert same.status_code == 409
    short = client.post(
        "/intake/merge/", {"keep": keep.pk, "duplicate": duplicate.pk, "reason": "ja"}
    )
    assert short.status_code == 400
    assert Person.objects.count() == 2
    assert AuditEvent.objects.filter(action="denied", object_type="intake.intake").count() == 1


def test_only_intake_roles_merge(coordinator: Actor, desk: Actor) -> None:
    from estafette.organisations.models import Role
    from estafette.testing.factories import make_actor

    keep, duplicate = two_files(desk)
    admin = make_actor(desk.organisation, Role.ORGANISATION_ADMIN)
    with pytest.raises(services.NotPermitted):
        services.person_merge(actor=admin, keep=keep, duplicate=duplicate, reason=REASON)
