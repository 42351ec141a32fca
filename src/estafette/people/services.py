"""Correcting and completing a person's details: contact, identifiers, profile, markers, network.

Issue #12: whoever may see the class a detail belongs to may correct and complete it
(:data:`access.policy.PERSON_FIELD_CLASSES`, :func:`access.policy.person_fields_changeable`).
Every service here keeps one contract:

1. **Scope first.** The actor must be able to open one of the person's trajectories
   (:func:`access.policy.trajectory_scope`); otherwise the answer is the audited 404 of a
   file that does not exist (:func:`core.refusal.refuse_not_found`), before anything else
   is looked at. What the actor sees of the person is the union over those trajectories
   (:func:`access.policy.person_classes`: its strongest ground).
2. **Class and role.** A detail of a class the actor does not see, or a role that does not
   change details (the administrator), is refused with :class:`NotPermitted` and a
   sentence; nothing is saved.
3. **Bad input** is refused with :class:`InvalidInput` whose sentence is the one the form
   shows beside the field (``params["field"]`` names it); nothing is saved.
4. **One transaction** per change: the row(s), one audit entry with the *names* of the
   fields changed — never their values, old or new —, one timeline line in each of the
   person's trajectories the actor may open (its kind's class decides who reads it,
   :data:`access.policy.EVENT_KIND_CLASSES`), and :func:`core.changes.person_changed_after_commit`
   so the signals (no contact person, vulnerable without support) are evaluated again.

A change that changes nothing writes nothing and returns an empty list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.changes import person_changed_after_commit
from estafette.core.data_classes import DataClass
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.people.identifiers import IdentifierKind, identifier_check
from estafette.people.models import (
    VULNERABILITY_MARKERS,
    Channel,
    Literacy,
    NetworkMember,
    Person,
    PersonIdentifier,
    Relation,
)
from estafette.trajectories.models import EventKind, Trajectory
from estafette.trajectories.services import event_record

# --- sentences --------------------------------------------------------------------------

PERSON_NOT_FOUND = _("No person found whose file you may open.")
NOT_YOURS_TO_CHANGE = _(
    "You may not change this: your organisation does not see this part of the person's file, "
    "or your role does not change a person's details."
)
PHONE_INVALID = _(
    "A phone number has 6 to 15 digits, with a + before the country code if it has one; "
    "spaces, dashes and brackets are allowed."
)
EMAIL_INVALID = _("Write the e-mail address as name@example.nl.")
POSTCODE_INVALID = _("A postcode is at most 12 characters long (a Dutch one: 1234 AB).")
TOO_LONG = _("This is at most %(limit)s characters long.")
CHOICE_INVALID = _("Choose one of the options in the list.")
LANGUAGE_INVALID = _("Choose a language from the list.")
NAME_REQUIRED = _("Write the name of the network member.")
MINOR_NOT_CONTACT = _(
    "A minor cannot be the contact person: choose an adult of the home front, or nobody."
)
NOT_OF_THIS_PERSON = _("This network member does not belong to this person.")
IDENTIFIER_ALREADY_HERE = _("This number is already recorded for this person.")
IDENTIFIER_TAKEN = _(
    "This number cannot be recorded for this person. Check it on the ID document; if it is "
    "right, ask Estafette's functional administrator to look into it (two files may be one "
    "person)."
)
"""A BSN or V-number recorded for another person: the sentence says nothing of that person —
not who, not where, not which organisation holds the file."""

# --- the details a person has -----------------------------------------------------------

CONTACT_FIELDS = ("address", "postcode", "place", "phone", "email")
PROFILE_FIELDS = ("language", "literacy", "preferred_channel")
MARKER_FIELDS = tuple(VULNERABILITY_MARKERS)
DETAIL_FIELDS = CONTACT_FIELDS + PROFILE_FIELDS + MARKER_FIELDS
"""The fields :func:`person_details_update` takes (keys of ``PERSON_FIELD_CLASSES``)."""

NETWORK_FIELDS = ("name", "relation", "is_minor", "phone", "email")
"""The fields of a network member :func:`network_member_update` takes."""

EVENT_KIND_FOR_CLASS: dict[str, str] = {
    DataClass.IDENTITY: EventKind.PERSON_CHANGED,
    DataClass.HEALTH: EventKind.PERSON_HEALTH_CHANGED,
}
"""The timeline kind of a change of a person's details of each class."""

_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()./-]+$")
_DUTCH_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*([A-Za-z]{2})$")
PHONE_DIGITS = (6, 15)
POSTCODE_MAX_LENGTH = 12


def language_choices() -> list[tuple[str, str]]:
    """Languages a person may speak: every language Django can name (code, name), by code."""
    return sorted(
        (code, str(info["name"]))
        for code, info in LANG_INFO.items()
        if "name" in info and "-" not in code
    )


LANGUAGE_CODES: frozenset[str] = frozenset(code for code, _name in language_choices())


# --- checks shared with the forms ---------------------------------------------------------


def _text(value: object, field: str, limit: int) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        raise InvalidInput(TOO_LONG, field=field, limit=limit)
    return text


def phone_check(value: object, field: str = "phone") -> str:
    """The phone number as typed (spaces tidied), or a refusal; empty stays empty."""
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE_CHARACTERS.match(text) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise InvalidInput(PHONE_INVALID, field=field)
    return text


def email_check(value: object, field: str = "email") -> str:
    """The e-mail address (trimmed), or a refusal; empty stays empty."""
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError as error:
        raise InvalidInput(EMAIL_INVALID, field=field) from error
    if len(text) > 254:
        raise InvalidInput(TOO_LONG, field=field, limit=254)
    return text


def postcode_check(value: object) -> str:
    """A Dutch postcode written as "1234 AB"; another country's as typed (at most 12)."""
    text = " ".join(str(value or "").split())
    match = _DUTCH_POSTCODE.match(text)
    if match:
        return f"{match.group(1)} {match.group(2).upper()}"
    if len(text) > POSTCODE_MAX_LENGTH:
        raise InvalidInput(POSTCODE_INVALID, field="postcode")
    return text


def _choice(value: object, field: str, choices: Iterable[str]) -> str:
    text = str(value or "")
    if text not in set(choices):
        raise InvalidInput(CHOICE_INVALID, field=field)
    return text


def _detail_cleaned(person: Person, field: str, value: object) -> object:
    """``value`` for ``field`` as it is stored, or :class:`InvalidInput` naming the field."""
    if field == "address":
        return _text(value, field, 200)
    if field == "postcode":
        return postcode_check(value)
    if field == "place":
        return _text(value, field, 100)
    if field == "phone":
        return phone_check(value)
    if field == "email":
        return email_check(value)
    if field == "language":
        code = str(value or "")
        # A code Django does not name (Papiamento, say) stays as it was recorded.
        if code not in LANGUAGE_CODES and code != person.language:
            raise InvalidInput(LANGUAGE_INVALID, field=field)
        return code
    if field == "literacy":
        return _choice(value, field, Literacy.values)
    if field == "preferred_channel":
        return _choice(value, field, Channel.values)
    if field in MARKER_FIELDS:
        return bool(value)
    raise InvalidInput(CHOICE_INVALID, field=field)


# --- scope and permission -----------------------------------------------------------------


def person_in_scope(actor: Actor, person: Person | int) -> tuple[list[Trajectory], frozenset[str]]:
    """The person's trajectories the actor may open, and what it sees of the person.

    Refuses (audited 404, :data:`PERSON_NOT_FOUND`) when it may open none. Call it outside
    the service's transaction, so the refusal's audit entry is kept.
    """
    person_id = person if isinstance(person, int) else person.pk
    trajectories = list(policy.trajectory_scope(actor).filter(person_id=person_id).order_by("pk"))
    if not trajectories:
        refuse_not_found(
            actor=actor, object_type="people.person", object_id=person_id, message=PERSON_NOT_FOUND
        )
    classes: set[str] = set()
    for visible in policy.classes_for_page(actor, trajectories).values():
        classes |= visible
    return trajectories, frozenset(classes)


def _require(actor: Actor, classes: frozenset[str], keys: Iterable[str]) -> None:
    changeable = policy.person_fields_changeable(actor, classes)
    if not set(keys) <= changeable:
        raise NotPermitted(NOT_YOURS_TO_CHANGE)


def _timeline(actor: Actor, trajectories: Iterable[Trajectory], kind: str, **data: Any) -> None:
    for trajectory in trajectories:
        event_record(trajectory=trajectory, kind=kind, actor=actor, **data)


# --- the person's own details -------------------------------------------------------------


def person_details_update(*, actor: Actor, person: Person, **fields: object) -> list[str]:
    """Change contact details, the communication profile and vulnerability markers.

    ``fields``: any of :data:`DETAIL_FIELDS`. Each must be of a class the actor sees of the
    person and its role changes (else :class:`NotPermitted`, nothing saved); a bad value is
    :class:`InvalidInput` naming the field. Returns the names of the fields that changed, in
    :data:`DETAIL_FIELDS` order (empty: nothing written). ``person`` is updated in place.

    The timeline gets one line per class changed (identity: "person's details changed";
    health: the same words under a kind only HEALTH readers see the fields of).
    """
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"person_details_update() got unknown fields: {sorted(unknown)}")
    trajectories, classes = person_in_scope(actor, person)
    _require(actor, classes, fields)
    cleaned = {name: _detail_cleaned(person, name, value) for name, value in fields.items()}
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        changed = [
            name
            for name in DETAIL_FIELDS
            if name in cleaned and getattr(locked, name) != cleaned[name]
        ]
        if not changed:
            return []
        for name in changed:
            setattr(locked, name, cleaned[name])
            setattr(person, name, cleaned[name])
        locked.save(update_fields=changed)
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            target=locked,
            person_id=locked.pk,
            fields=changed,
        )
        by_class: dict[str, list[str]] = {}
        for name in changed:
            by_class.setdefault(policy.PERSON_FIELD_CLASSES[name], []).append(name)
        for data_class, names in by_class.items():
            _timeline(actor, trajectories, EVENT_KIND_FOR_CLASS[data_class], fields=names)
        person_changed_after_commit(locked.pk)
    return changed


# --- identifiers --------------------------------------------------------------------------


def identifier_record(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    value: str,
    country: Any = None,
) -> PersonIdentifier:
    """Record a number the person is known by (BSN, V-number, foreign prison number).

    Checked by :func:`people.identifiers.identifier_check` (a sentence with what was typed);
    the same number twice for this person is :data:`IDENTIFIER_ALREADY_HERE`; a BSN or
    V-number recorded for another person is :data:`IDENTIFIER_TAKEN`, which reveals nothing
    of that person. ``country`` only for a foreign prison number (ignored otherwise). The
    audit entry names the kind, never the number.
    """
    trajectories, classes = person_in_scope(actor, person)
    _require(actor, classes, ["identifiers"])
    try:
        normalised = identifier_check(kind, value)
    except InvalidInput as error:
        error.params.setdefault("field", "value" if kind in IdentifierKind.values else "kind")
        raise
    if kind != IdentifierKind.FOREIGN_PRISON_NUMBER:
        country = None
    with transaction.atomic():
        if PersonIdentifier.objects.filter(
            person=person, kind=kind, value=normalised, country=country
        ).exists():
            raise InvalidInput(IDENTIFIER_ALREADY_HERE, field="value")
        try:
            # A savepoint: the unique constraint on national numbers answers for another person
            # without breaking the transaction (PostgreSQL aborts it on an error otherwise).
            with transaction.atomic():
                identifier = PersonIdentifier.objects.create(
                    person=person, kind=kind, value=normalised, country=country
                )
        except IntegrityError:
            raise InvalidInput(IDENTIFIER_TAKEN, field="value") from None
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=identifier,
            person_id=person.pk,
            kind=kind,
        )
        _timeline(
            actor,
            trajectories,
            EventKind.PERSON_CHANGED,
            fields=["identifiers"],
            identifier=kind,
            action="added",
        )
        person_changed_after_commit(person.pk)
    return identifier


def identifier_remove(*, actor: Actor, identifier: PersonIdentifier) -> None:
    """Remove a number recorded by mistake (audited with its kind, never the number)."""
    person_id = identifier.person_id
    trajectories, classes = person_in_scope(actor, person_id)
    _require(actor, classes, ["identifiers"])
    with transaction.atomic():
        kind, pk = identifier.kind, identifier.pk
        PersonIdentifier.objects.filter(pk=pk).delete()
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type="people.personidentifier",
            object_id=pk,
            person_id=person_id,
            kind=kind,
            removed=True,
        )
        _timeline(
            actor,
            trajectories,
            EventKind.PERSON_CHANGED,
            fields=["identifiers"],
            identifier=kind,
            action="removed",
        )
        person_changed_after_commit(person_id)


# --- the network --------------------------------------------------------------------------


def _member_cleaned(fields: Mapping[str, object]) -> dict[str, object]:
    cleaned: dict[str, object] = {}
    for name, value in fields.items():
        if name == "name":
            text = _text(value, "name", 160)
            if not text:
                raise InvalidInput(NAME_REQUIRED, field="name")
            cleaned[name] = text
        elif name == "relation":
            cleaned[name] = _choice(value, "relation", Relation.values)
        elif name == "is_minor":
            cleaned[name] = bool(value)
        elif name == "phone":
            cleaned[name] = phone_check(value)
        elif name == "email":
            cleaned[name] = email_check(value)
        else:
            raise TypeError(f"unknown field of a network member: {name}")
    return cleaned


def _network_line(
    actor: Actor, trajectories: Iterable[Trajectory], member: NetworkMember, action: str
) -> None:
    _timeline(
        actor,
        trajectories,
        EventKind.NETWORK_CHANGED,
        action=action,
        name=member.name,
        relation=member.relation,
    )


def _unset_contact_person(person_id: int) -> None:
    """Unset the current contact person first: the constraint allows one at a time."""
    NetworkMember.objects.filter(person_id=person_id, is_contact_person=True).update(
        is_contact_person=False
    )


def network_member_add(
    *,
    actor: Actor,
    person: Person,
    name: str,
    relation: str,
    is_minor: bool = False,
    phone: str = "",
    email: str = "",
    is_contact_person: bool = False,
) -> NetworkMember:
    """Add someone of the home front: family, partner, a child (``relation`` child,
    ``is_minor``), a friend; optionally as the contact person (the former one, if any, is
    no longer). A minor cannot be the contact person (:data:`MINOR_NOT_CONTACT`)."""
    trajectories, classes = person_in_scope(actor, person)
    _require(actor, classes, ["network"])
    cleaned = _member_cleaned(
        {"name": name, "relation": relation, "is_minor": is_minor, "phone": phone, "email": email}
    )
    if is_contact_person and cleaned["is_minor"]:
        raise InvalidInput(MINOR_NOT_CONTACT, field="is_contact_person")
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one writer per network
        if is_contact_person:
            _unset_contact_person(person.pk)
        member = NetworkMember.objects.create(
            person=person, is_contact_person=is_contact_person, **cleaned
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=member,
            person_id=person.pk,
            fields=[f for f in NETWORK_FIELDS if cleaned.get(f)]
            + (["is_contact_person"] if is_contact_person else []),
        )
        _network_line(
            actor, trajectories, member, "contact_person" if is_contact_person else "added"
        )
        person_changed_after_commit(person.pk)
    return member


def network_member_update(*, actor: Actor, member: NetworkMember, **fields: object) -> list[str]:
    """Correct a network member's name, relation, minor flag, phone or e-mail.

    Returns the names of the fields that changed (empty: nothing written). A member who is
    the contact person cannot be marked as a minor (:data:`MINOR_NOT_CONTACT`).
    """
    unknown = set(fields) - set(NETWORK_FIELDS)
    if unknown:
        raise TypeError(f"network_member_update() got unknown fields: {sorted(unknown)}")
    trajectories, classes = person_in_scope(actor, member.person_id)
    _require(actor, classes, ["network"])
    cleaned = _member_cleaned(fields)
    with transaction.atomic():
        locked = NetworkMember.objects.select_for_update().get(pk=member.pk)
        changed = [
            name
            for name in NETWORK_FIELDS
            if name in cleaned and getattr(locked, name) != cleaned[name]
        ]
        if not changed:
            return []
        if locked.is_contact_person and cleaned.get("is_minor"):
            raise InvalidInput(MINOR_NOT_CONTACT, field="is_minor")
        for name in changed:
            setattr(locked, name, cleaned[name])
            setattr(member, name, cleaned[name])
        locked.save(update_fields=changed)
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            target=locked,
            person_id=locked.person_id,
            fields=changed,
        )
        _network_line(actor, trajectories, locked, "changed")
        person_changed_after_commit(locked.person_id)
    return changed


def network_member_remove(*, actor: Actor, member: NetworkMember) -> None:
    """Remove someone from the person's network (the contact person too: then there is none,
    and the signal "no contact person" says so)."""
    trajectories, classes = person_in_scope(actor, member.person_id)
    _require(actor, classes, ["network"])
    with transaction.atomic():
        pk, person_id = member.pk, member.person_id
        was_contact = member.is_contact_person
        NetworkMember.objects.filter(pk=pk).delete()
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type="people.networkmember",
            object_id=pk,
            person_id=person_id,
            removed=True,
            fields=["is_contact_person"] if was_contact else [],
        )
        _network_line(actor, trajectories, member, "removed")
        person_changed_after_commit(person_id)


def contact_person_designate(*, actor: Actor, person: Person, member: NetworkMember | None) -> bool:
    """Make ``member`` the person's one contact person (``None``: nobody).

    The former contact person is unset first, in the same transaction: there is never more
    than one (the constraint ``one_contact_person_per_person``), and never a moment with two.
    A minor cannot be the contact person. Returns False when nothing changed.
    """
    trajectories, classes = person_in_scope(actor, person)
    _require(actor, classes, ["network"])
    if member is not None:
        if member.person_id != person.pk:
            raise InvalidInput(NOT_OF_THIS_PERSON, field="member")
        if member.is_minor:
            raise InvalidInput(MINOR_NOT_CONTACT, field="member")
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        current = NetworkMember.objects.filter(person=person, is_contact_person=True).first()
        if (current and current.pk) == (member and member.pk):
            return False
        _unset_contact_person(person.pk)
        if member is not None:
            NetworkMember.objects.filter(pk=member.pk).update(is_contact_person=True)
            member.is_contact_person = True
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type="people.networkmember",
            object_id=member.pk if member else (current.pk if current else ""),
            person_id=person.pk,
            fields=["is_contact_person"],
        )
        if member is not None:
            _network_line(actor, trajectories, member, "contact_person")
        elif current is not None:
            _network_line(actor, trajectories, current, "no_contact_person")
        person_changed_after_commit(person.pk)
    return True
