"""Registering a person: find before create, and no silent duplicates (issue 12, decision 0017).

Three questions, three functions:

* :func:`registration_find` — *whom may I continue on?* The people matching a name and
  date of birth (or an identifier) **among the files the actor may open and whose identity
  it sees** — never beyond: a file the actor may not see is not found, not counted, not
  hinted at. Audited like the people search (kinds of criteria and ids shown, never what
  was typed).
* :func:`register_matches` — *is this person already in the register?* Across the whole
  register, for the services only (a duplicate check, routing a part request). Its answer
  never reaches a page except as the one neutral sentence :data:`POSSIBLY_REGISTERED`.
* :func:`person_register` — create the person, refusing a duplicate: the same given names
  and family name (case and spaces ignored) and date of birth — unless both carry a
  number of the same kind that differs — or a BSN/V-number already in the register
  (checked first, and backed by the unique constraint: an ``IntegrityError`` in a race
  answers with the same sentence).

A keyed hash of the criteria (:func:`criteria_digest`) lets a part request be recognised
without keeping the name in clear.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.organisations.models import Country
from estafette.people.identifiers import NATIONAL_KINDS, identifier_check
from estafette.people.models import Person, PersonIdentifier
from estafette.people.selectors import SearchRow, _candidates_q, identity_visible_trajectories
from estafette.trajectories.models import Trajectory

FIND_AUDIT_TYPE = "people.registration_find"
FIND_LIMIT = 10

NAME_REQUIRED = _("Fill in the given names and the family name.")
BORN_REQUIRED = _("Fill in the date of birth; write an estimate if it is not known exactly.")
BORN_IN_THE_FUTURE = _("A date of birth cannot lie in the future.")
POSSIBLY_REGISTERED = _(
    "This person may already be registered by another organisation. Nothing was saved. "
    "Ask the organisations involved to give you a part in the file, or check the name, "
    "the date of birth and the number."
)
NOT_FOR_ROLE = _("Your role does not register people: it is for the first runner's professional.")


class DuplicatePerson(InvalidInput):
    """A probable duplicate: :data:`POSSIBLY_REGISTERED`, with the matches' ids for the audit."""

    def __init__(self, message: str | Promise, *, person_ids: list[int]) -> None:
        super().__init__(message)
        self.person_ids = person_ids


@dataclass(frozen=True)
class Criteria:
    """What identifies a person at intake (all normalised by :func:`criteria_clean`)."""

    given_names: str
    family_name: str
    date_of_birth: dt.date
    identifier_kind: str = ""
    identifier_value: str = ""


def name_key(value: str) -> str:
    """A name as compared: case folded, runs of spaces as one ("De  Vries" ~ "de vries")."""
    return " ".join((value or "").split()).casefold()


def criteria_clean(
    *,
    given_names: str,
    family_name: str,
    date_of_birth: dt.date | None,
    identifier_kind: str = "",
    identifier_value: str = "",
) -> Criteria:
    """The criteria, trimmed and checked, or a refusal (:class:`InvalidInput`) with the sentence."""
    given = " ".join((given_names or "").split())
    family = " ".join((family_name or "").split())
    if not given or not family:
        raise InvalidInput(NAME_REQUIRED)
    if date_of_birth is None:
        raise InvalidInput(BORN_REQUIRED)
    bounds.check_date(bounds.BIRTH_DATE, date_of_birth, too_late=BORN_IN_THE_FUTURE)
    kind = (identifier_kind or "").strip()
    value = ""
    if kind and (identifier_value or "").strip():
        value = identifier_check(kind, identifier_value)
    else:
        kind = ""
    return Criteria(given, family, date_of_birth, kind, value)


def criteria_digest(criteria: Criteria) -> str:
    """A keyed hash (HMAC-SHA256 with the site's secret) of the normalised criteria."""
    message = "\x1f".join(
        [
            name_key(criteria.given_names),
            name_key(criteria.family_name),
            criteria.date_of_birth.isoformat(),
            criteria.identifier_kind,
            criteria.identifier_value,
        ]
    )
    key = f"estafette.part-request:{settings.SECRET_KEY}".encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _criteria_kinds(criteria: Criteria) -> list[str]:
    kinds = ["name", "date_of_birth"]
    if criteria.identifier_value:
        kinds.append(criteria.identifier_kind)
    return kinds


def registration_find(*, actor: Actor, criteria: Criteria) -> list[SearchRow]:
    """The people the actor may continue on: matching the criteria, in files it may open.

    A person matches on every word of the given names and the family name (case-insensitive)
    with the exact date of birth, or on the exact identifier. Only trajectories in the
    actor's scope whose identity it sees count (``people.selectors``); the newest one per
    person is the row. At most :data:`FIND_LIMIT` rows, in a constant number of queries.
    Audited (VIEW ``people.registration_find``: kinds of criteria, ids shown). Refuses a
    role that does no intake (:class:`NotPermitted`).
    """
    if not policy.may_do_intake(actor):
        raise NotPermitted(NOT_FOR_ROLE)
    names = Q(date_of_birth=criteria.date_of_birth)
    for word in dict.fromkeys(f"{criteria.given_names} {criteria.family_name}".split()):
        names &= Q(given_names__icontains=word) | Q(family_name__icontains=word)
    matched = names
    if criteria.identifier_value:
        matched |= Q(
            pk__in=PersonIdentifier.objects.filter(
                kind=criteria.identifier_kind, value=criteria.identifier_value
            ).values("person_id")
        )
    people = Person.objects.filter(matched).filter(_candidates_q(actor)).values("pk")
    trajectories = list(
        identity_visible_trajectories(actor)
        .filter(person_id__in=people)
        .select_related("person", "baton_holder")
        .order_by("person_id", "-opened_at", "-pk")
    )
    rows: list[SearchRow] = []
    seen: set[int] = set()
    for trajectory in trajectories:
        if trajectory.person_id in seen:
            continue
        seen.add(trajectory.person_id)
        rows.append(SearchRow(trajectory.person, trajectory, frozenset()))
        if len(rows) >= FIND_LIMIT:
            break
    classes = policy.classes_for_page(actor, [row.trajectory for row in rows])
    rows = [
        SearchRow(row.person, row.trajectory, classes.get(row.trajectory.pk, frozenset()))
        for row in rows
    ]
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=FIND_AUDIT_TYPE,
        criteria=_criteria_kinds(criteria),
        hits=len(rows),
        person_ids=[row.person.pk for row in rows],
    )
    return rows


def _same_name(person: Person, criteria: Criteria) -> bool:
    return name_key(person.given_names) == name_key(criteria.given_names) and name_key(
        person.family_name
    ) == name_key(criteria.family_name)


def register_matches(criteria: Criteria) -> list[Person]:
    """People in the whole register who are probably the person the criteria describe.

    For services only (never shown): the same BSN or V-number; or the same names (case and
    spaces ignored) and date of birth, unless both have a number of the criteria's kind and
    the numbers differ. Two queries at most.
    """
    found: dict[int, Person] = {}
    if criteria.identifier_value and criteria.identifier_kind in NATIONAL_KINDS:
        for identifier in PersonIdentifier.objects.filter(
            kind=criteria.identifier_kind, value=criteria.identifier_value
        ).select_related("person"):
            found[identifier.person_id] = identifier.person
    last_word = criteria.family_name.split()[-1]
    candidates = Person.objects.filter(
        date_of_birth=criteria.date_of_birth, family_name__icontains=last_word
    ).prefetch_related("identifiers")
    for person in candidates:
        if person.pk in found or not _same_name(person, criteria):
            continue
        if criteria.identifier_value:
            kind = criteria.identifier_kind
            theirs = {i.value for i in person.identifiers.all() if i.kind == kind}
            if theirs and criteria.identifier_value not in theirs:
                continue  # both carry a number of this kind, and they differ: two people
        found[person.pk] = person
    return list(found.values())


def trajectories_of(people: Iterable[Person]) -> QuerySet[Trajectory]:
    """The trajectories of ``people`` that are not closed (where a part request goes)."""
    return Trajectory.objects.filter(person__in=list(people)).exclude(phase="closed")


def person_register(
    *,
    actor: Actor,
    criteria: Criteria,
    nationalities: Iterable[Country] = (),
    identifier_country: Country | None = None,
    duplicate_criteria: Criteria | None = None,
) -> Person:
    """Create the person the criteria describe, refusing a probable duplicate.

    Contract: call inside the intake service's transaction (nothing is kept if a later
    step refuses). Refuses with :data:`POSSIBLY_REGISTERED` (:class:`InvalidInput`, 400) a
    person :func:`register_matches` finds — whether or not the actor may see them, and
    without saying who or where — and a national number the unique constraint refuses in a
    race; the refusal is audited (DENIED ``people.person``, what="register", the ids of
    the matches for a later, explicit merge; no name). Audits the creation.
    ``duplicate_criteria``: what to check duplicates on when it is more than what is kept
    (an arrest notification without consent keeps no number, but is checked on it).
    """
    if not policy.may_do_intake(actor):
        raise NotPermitted(NOT_FOR_ROLE)
    matches = register_matches(duplicate_criteria or criteria)
    if matches:
        _refuse_duplicate(actor, [p.pk for p in matches])
    person = Person.objects.create(
        given_names=criteria.given_names,
        family_name=criteria.family_name,
        date_of_birth=criteria.date_of_birth,
    )
    if nationalities:
        person.nationalities.set(list(nationalities))
    if criteria.identifier_value:
        try:
            with transaction.atomic():
                PersonIdentifier.objects.create(
                    person=person,
                    kind=criteria.identifier_kind,
                    value=criteria.identifier_value,
                    country=identifier_country,
                )
        except IntegrityError:
            _refuse_duplicate(actor, [])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=person,
        person_id=person.pk,
        identifier=criteria.identifier_kind or None,
    )
    return person


def _refuse_duplicate(actor: Actor, person_ids: list[int]) -> None:
    """Raise the neutral refusal; the intake service audits it outside its transaction."""
    raise DuplicatePerson(POSSIBLY_REGISTERED, person_ids=person_ids)
