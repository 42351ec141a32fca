"""Identifiers: the eleven-test, the formats, normalising, and one BSN per person."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from estafette.core.errors import InvalidInput
from estafette.people.identifiers import (
    BSN_INVALID,
    IdentifierKind,
    bsn_is_valid,
    identifier_check,
    identifier_normalised,
)
from estafette.people.models import PersonIdentifier
from estafette.testing.factories import PersonFactory


@pytest.mark.parametrize(
    "value",
    [
        "111222333",  # 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3-1*3 = 66
        "123456782",  # 9+16+21+24+25+24+21+16-2 = 154
        "999999990",
    ],
)
def test_a_bsn_that_passes_the_eleven_test_is_valid(value: str) -> None:
    assert bsn_is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "123456789",  # the sum is 161: not divisible by 11
        "111222334",  # one digit off
        "000000000",  # divisible by 11, but all zero
        "12345678",  # 8 digits
        "1234567820",  # 10 digits
        "12345678A",
        "١٢٣٤٥٦٧٨٢",  # Arabic-Indic digits are digits to Python, not to the eleven-test
        "",
    ],
)
def test_a_bsn_in_the_wrong_format_or_failing_the_eleven_test_is_invalid(value: str) -> None:
    assert not bsn_is_valid(value)


def test_spaces_and_dots_are_not_part_of_the_number() -> None:
    assert identifier_normalised(" 1234.56.782 ") == "123456782"
    assert identifier_normalised("ab 12-34") == "AB12-34"
    assert identifier_check(IdentifierKind.BSN, "1234 56 782") == "123456782"


def test_a_failing_bsn_is_refused_with_a_sentence_in_the_readers_language() -> None:
    with pytest.raises(InvalidInput) as refused:
        identifier_check(IdentifierKind.BSN, "123456789")
    assert refused.value.message == BSN_INVALID
    with translation.override("en"):
        assert "eleven-test" in str(refused.value)
        assert "123456789" in str(refused.value)


@pytest.mark.parametrize(
    ("kind", "value", "valid"),
    [
        (IdentifierKind.V_NUMBER, "1234567890", True),
        (IdentifierKind.V_NUMBER, "12.34", True),
        (IdentifierKind.V_NUMBER, "12345678901", False),
        (IdentifierKind.V_NUMBER, "V123", False),
        (IdentifierKind.V_NUMBER, "", False),
        (IdentifierKind.FOREIGN_PRISON_NUMBER, "MAD-2024/00123", True),
        (IdentifierKind.FOREIGN_PRISON_NUMBER, "x" * 40, True),
        (IdentifierKind.FOREIGN_PRISON_NUMBER, "x" * 41, False),
        (IdentifierKind.FOREIGN_PRISON_NUMBER, "  ", False),
        ("passport", "NX1234567", False),
    ],
)
def test_each_kind_has_its_own_format(kind: str, value: str, valid: bool) -> None:
    if valid:
        identifier_check(kind, value)
    else:
        with pytest.raises(InvalidInput):
            identifier_check(kind, value)


@pytest.mark.django_db
def test_clean_normalises_and_refuses_beside_the_value() -> None:
    person = PersonFactory()
    identifier = PersonIdentifier(person=person, kind=IdentifierKind.BSN, value="1234.56.782")
    identifier.full_clean()
    assert identifier.value == "123456782"
    wrong = PersonIdentifier(person=person, kind=IdentifierKind.BSN, value="123456789")
    with pytest.raises(ValidationError) as refused:
        wrong.full_clean()
    assert "value" in refused.value.message_dict


@pytest.mark.django_db
def test_a_bsn_belongs_to_one_person_a_foreign_prison_number_may_repeat() -> None:
    first, second = PersonFactory(), PersonFactory()
    PersonIdentifier.objects.create(person=first, kind=IdentifierKind.BSN, value="123456782")
    with transaction.atomic(), pytest.raises(IntegrityError):
        PersonIdentifier.objects.create(person=second, kind=IdentifierKind.BSN, value="123456782")
    for person in (first, second):
        PersonIdentifier.objects.create(
            person=person, kind=IdentifierKind.FOREIGN_PRISON_NUMBER, value="4711"
        )
    assert PersonIdentifier.objects.filter(value="4711").count() == 2
