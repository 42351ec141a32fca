"""The person: name, communication profile, vulnerability markers, one contact person."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from estafette.people.models import NetworkMember, Relation
from estafette.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_full_name_is_given_names_then_family_name() -> None:
    person = PersonFactory(given_names="Anouk Maria", family_name="de Vries")
    assert person.full_name == "Anouk Maria de Vries"
    assert str(person) == "Anouk Maria de Vries"


def test_a_person_without_markers_is_not_marked_vulnerable() -> None:
    person = PersonFactory()
    assert person.vulnerability_markers == []
    assert not person.is_vulnerable


def test_markers_are_listed_in_the_users_language() -> None:
    person = PersonFactory(cannot_read_write=True, addiction=True)
    with translation.override("en"):
        assert person.vulnerability_markers == ["cannot read or write", "addiction"]
    assert person.is_vulnerable


def test_a_person_has_at_most_one_contact_person() -> None:
    person = PersonFactory()
    NetworkMember.objects.create(
        person=person, name="Sara", relation=Relation.SIBLING, is_contact_person=True
    )
    NetworkMember.objects.create(person=person, name="Ilse", relation=Relation.FRIEND)
    with pytest.raises(IntegrityError), transaction.atomic():
        NetworkMember.objects.create(
            person=person, name="Tom", relation=Relation.PARENT, is_contact_person=True
        )
    assert [m.name for m in person.network.all()] == ["Sara", "Ilse"]
