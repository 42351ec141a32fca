"""The identifiers a person is known by, and the check each one gets (no database).

Three kinds (issue #12): the Dutch citizen service number (BSN), the V-number
of the immigration services, and the number a foreign prison gave the person.
They are IDENTITY class data: shown, matched and searched only where the reader
sees the person's identity (``people.selectors``).

Contract: :func:`identifier_normalised` turns what a user typed into the form
that is stored and compared (spaces and dots removed, letters in capitals);
:func:`identifier_check` returns that form or raises
:class:`~estafette.core.errors.InvalidInput` with a sentence in the reader's
language, before anything is saved. :func:`bsn_is_valid` is the eleven-test.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core.errors import InvalidInput


class IdentifierKind(models.TextChoices):
    BSN = "bsn", _("citizen service number (BSN)")
    V_NUMBER = "v_number", _("V-number")
    FOREIGN_PRISON_NUMBER = "foreign_prison_number", _("foreign prison number")


NATIONAL_KINDS: frozenset[str] = frozenset({IdentifierKind.BSN, IdentifierKind.V_NUMBER})
"""Kinds issued once per person nationally: one value belongs to at most one person."""

BSN_LENGTH = 9
V_NUMBER_MAX_LENGTH = 10
FOREIGN_PRISON_NUMBER_MAX_LENGTH = 40
VALUE_MAX_LENGTH = FOREIGN_PRISON_NUMBER_MAX_LENGTH
"""The longest normalised value of any kind (the column's length)."""

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
"""The eleven-test's weights, first digit to last."""

BSN_INVALID = _(
    "A citizen service number (BSN) has 9 digits and passes the eleven-test; "
    "%(value)s does not. Check the number on the ID document."
)
V_NUMBER_INVALID = _("A V-number consists of 1 to 10 digits; %(value)s does not.")
FOREIGN_PRISON_NUMBER_INVALID = _(
    "A foreign prison number is 1 to 40 characters long (spaces and dots not counted)."
)
UNKNOWN_KIND = _("Choose which kind of number this is.")

_SEPARATORS = re.compile(r"[\s.]+")


def identifier_normalised(value: str) -> str:
    """``value`` without spaces or dots, letters in capitals: "123.456.782" → "123456782"."""
    return _SEPARATORS.sub("", value or "").upper()


def bsn_is_valid(value: str) -> bool:
    """The eleven-test on a normalised BSN: 9 digits, not all zero, and the sum of each
    digit times its weight (9, 8 … 2, and -1 for the last) divisible by 11."""
    if len(value) != BSN_LENGTH or not value.isascii() or not value.isdigit():
        return False
    if set(value) == {"0"}:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, BSN_WEIGHTS, strict=True))
    return total % 11 == 0


def v_number_is_valid(value: str) -> bool:
    """A normalised V-number: 1 to 10 digits."""
    return 0 < len(value) <= V_NUMBER_MAX_LENGTH and value.isascii() and value.isdigit()


def foreign_prison_number_is_valid(value: str) -> bool:
    """A normalised foreign prison number: free text of 1 to 40 characters."""
    return 0 < len(value) <= FOREIGN_PRISON_NUMBER_MAX_LENGTH and value.isprintable()


def identifier_check(kind: str, value: str) -> str:
    """The normalised ``value`` of an identifier of ``kind``, or a refusal with the sentence.

    Raises :class:`InvalidInput` (HTTP 400) for an unknown kind or a value in the wrong
    format; the sentence repeats what was typed (short: a BSN or V-number that fails is at
    most a line), never a stored value of someone else.
    """
    normalised = identifier_normalised(value)
    shown = (value or "").strip()[:FOREIGN_PRISON_NUMBER_MAX_LENGTH]
    if kind == IdentifierKind.BSN:
        if not bsn_is_valid(normalised):
            raise InvalidInput(BSN_INVALID, value=shown)
    elif kind == IdentifierKind.V_NUMBER:
        if not v_number_is_valid(normalised):
            raise InvalidInput(V_NUMBER_INVALID, value=shown)
    elif kind == IdentifierKind.FOREIGN_PRISON_NUMBER:
        if not foreign_prison_number_is_valid(normalised):
            raise InvalidInput(FOREIGN_PRISON_NUMBER_INVALID)
    else:
        raise InvalidInput(UNKNOWN_KIND)
    return normalised
