"""Two people with a full race each, their contact persons, and sentinels planted in their data.

Shared by the checks of the person's own pages (issue 13): the authorization matrix for
subjects (``test_matrix_subjects.py``) and the check that those pages have no untranslated
string (``test_translated.py``). Everything is written through the real services where
there is one; the clock must be frozen (``frozen_clock``).

Every string planted in a person's data starts with that person's :attr:`PersonFile.prefix`
(``SNTLA`` for A, ``SNTLB`` for B), so "nothing of B on A's pages" is one substring test;
:attr:`PersonFile.sentinels` names each by what it is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from django.test import Client

from estafette.conditions.models import Condition, Status
from estafette.conditions.services import condition_record
from estafette.consent.models import Consent
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.people.models import NetworkMember, Person, Relation
from estafette.personal_plan.models import Step
from estafette.personal_plan.services import own_step_add, own_words_write, step_propose
from estafette.portal import session_limits
from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind
from estafette.testing.consent import give_consent
from estafette.testing.factories import TrajectoryFactory
from estafette.trajectories.models import Trajectory

HOME_FRONT_CLASSES = (DataClass.IDENTITY, DataClass.NETWORK, DataClass.CONDITIONS)
"""What A shares with their contact person: the basic conditions, not detention."""


@dataclass
class PersonFile:
    """One person's file, its contact person, and the sentinels planted in it."""

    letter: str
    person: Person
    trajectory: Trajectory
    member: NetworkMember
    consent: Consent
    """The intake consent (guidance by the holder): the one the person may ask to withdraw."""
    own_step: Step
    proposal: Step
    home_front: Consent | None = None
    """A's consent for the purpose ``contact_person`` (B has none)."""
    sentinels: dict[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"SNTL{self.letter}"

    @property
    def subject(self) -> Subject:
        return Subject(kind=SubjectKind.PERSON, person=self.person)

    @property
    def contact(self) -> Subject:
        return Subject(kind=SubjectKind.CONTACT_PERSON, person=self.person, member=self.member)


@dataclass
class SubjectWorld:
    staff: Actor
    """The coordinator who holds both files (a staff session: never a subject)."""
    a: PersonFile
    b: PersonFile


def _person_file(letter: str, actor: Actor, *, home_front: bool) -> PersonFile:
    p = f"SNTL{letter}"
    person = Person.objects.create(
        given_names=f"{p}given", family_name=f"{p}family", date_of_birth=dt.date(1990, 1, 1)
    )
    trajectory = cast(
        Trajectory,
        TrajectoryFactory(actor=actor, person=person, detention_place=f"{p}prison"),
    )
    Trajectory.objects.filter(pk=trajectory.pk).update(
        offence=f"{p}offence",
        next_step=f"{p}nextstep",
        next_step_due=clock.today() + dt.timedelta(days=10),
    )
    trajectory.refresh_from_db()
    condition_record(
        actor=actor, trajectory=trajectory, condition=Condition.ID, status=Status.ARRANGED
    )
    condition_record(
        actor=actor, trajectory=trajectory, condition=Condition.HOUSING, status=Status.OPEN
    )
    member = NetworkMember.objects.create(
        person=person,
        name=f"{p}contact",
        relation=Relation.SIBLING,
        is_contact_person=True,
        phone="06 11 22 33 44",
    )
    subject = Subject(kind=SubjectKind.PERSON, person=person)
    own_words_write(subject=subject, words={"want": f"{p}wish", "worry": f"{p}worry"})
    own_step = own_step_add(subject=subject, text=f"{p}ownstep")
    proposal = step_propose(actor=actor, trajectory=trajectory, text=f"{p}proposal")
    consent = Consent.objects.filter(person=person).order_by("pk").first()
    assert consent is not None, "the factory records the intake consent"
    shared = None
    if home_front:
        shared = give_consent(
            person=person,
            purpose_code="contact_person",
            recipient=actor.organisation,
            data_classes=HOME_FRONT_CLASSES,
        )
    return PersonFile(
        letter=letter,
        person=person,
        trajectory=trajectory,
        member=member,
        consent=consent,
        own_step=own_step,
        proposal=proposal,
        home_front=shared,
        sentinels={
            kind: f"{p}{kind}"
            for kind in (
                "given",
                "family",
                "prison",
                "offence",
                "nextstep",
                "contact",
                "wish",
                "worry",
                "ownstep",
                "proposal",
            )
        },
    )


def subject_world(actor: Actor) -> SubjectWorld:
    """Person A (who shares the basic conditions with their contact person) and person B
    (who shares nothing), both held by ``actor``'s organisation, each with a full race:
    conditions recorded, own words, an own step, a proposed step, consents."""
    return SubjectWorld(
        staff=actor,
        a=_person_file("A", actor, home_front=True),
        b=_person_file("B", actor, home_front=False),
    )


def sign_in(client: Client, subject: Subject, *, language: str = "en") -> Client:
    """Leave ``subject`` in the client's session, as a code sign-in does."""
    session = client.session
    session[SESSION_KEY] = subject.session_value()
    session_limits.start(session)
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def comparable(body: bytes | str) -> str:
    """A page's HTML with what differs on every answer (the CSRF token) blanked."""
    text = body.decode() if isinstance(body, bytes) else body
    return _CSRF.sub(r"\1\2", text)


def visible_text(html: str) -> str:
    """The words of a page as read: tags, scripts and styles removed, spaces collapsed."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def any_of(world: SubjectWorld, *letters: str) -> tuple[str, ...]:
    files = {"A": world.a, "B": world.b}
    return tuple(files[letter].prefix for letter in letters)


__all__ = [
    "HOME_FRONT_CLASSES",
    "PersonFile",
    "SubjectWorld",
    "any_of",
    "comparable",
    "sign_in",
    "subject_world",
    "visible_text",
]
