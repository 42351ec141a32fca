"""The means of the named examples: who acts, on which day, and the people they act for.

A story (in ``examples.py``) is a function of :class:`Story` registered with
:func:`story`; it moves the application clock back to the day of each step
(:meth:`Story.on`) and calls the real services as an organisation's worker.
Before any step that shares data, the story records the person's consent
(:meth:`Story.consent`, verbal evidence: who heard it, when and where), as
``handover_send`` and the access policy require.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from estafette.consent.models import Consent, EvidenceKind
from estafette.consent.policy import consent_covering
from estafette.consent.services import consent_record
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.demo.accounts import Accounts
from estafette.demo.ledger import (
    AFTERCARE,
    CONSENT_REASONS,
    CONSULAR,
    GUIDANCE,
    VISITS,
    consent_terms,
)
from estafette.demo.organisations import Directory
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.services import (
    handover_accept,
    handover_acknowledge_outcome,
    handover_record_taken_up,
    handover_send,
)
from estafette.organisations.models import Organisation, Role
from estafette.people.models import NetworkMember, Person, Relation
from estafette.trajectories.models import (
    ParticipantRole,
    RegistrationCertainty,
    ReleaseCertainty,
    Route,
    Trajectory,
)
from estafette.trajectories.services import (
    participant_add,
    trajectory_change_route,
    trajectory_open,
)


@dataclass(frozen=True)
class Example:
    """One named example: who, what it shows, and which demo accounts see it."""

    given_names: str
    family_name: str
    shows: str
    seen_by: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


class Story:
    """The shared means of the stories: actors, the clock, people."""

    def __init__(
        self, directory: Directory, accounts: Accounts, rng: random.Random, today: dt.date
    ) -> None:
        self.d = directory
        self.accounts = accounts
        self.rng = rng
        self.today = today
        self.es = directory.posts["ES"]
        self.zuid = directory.bb_desks["zuid-europa"]
        self.vught = directory.prisons["pi-vught"]
        self.arnhem = directory.arnhem
        self.consul = self.actor(self.es, Role.CONSULAR_OFFICER)
        self.coordinator = self.actor(self.zuid, Role.REGIONAL_COORDINATOR)
        self.nazorg = self.actor(self.arnhem, Role.AFTERCARE_COORDINATOR)
        self.casemanager = self.actor(self.vught, Role.CASE_MANAGER)
        volunteer = self.actor(directory.volunteers, Role.VISITING_VOLUNTEER)
        self.volunteer_name = volunteer.user.get_full_name()
        """The visiting volunteer who hears consents during visits (the `volunteer` account)."""

    def actor(self, organisation: Organisation, role: str) -> Actor:
        return Actor(self.accounts.staff(organisation, role), organisation, role)

    def date(self, days: int) -> dt.date:
        """``days`` from today (negative: in the past)."""
        return self.today + dt.timedelta(days=days)

    @contextmanager
    def on(self, days_ago: int) -> Iterator[None]:
        """Run the services as if it were ``days_ago`` days before today (at least one)."""
        with clock.frozen(self.date(-max(1, days_ago))):
            yield

    def municipality(self, name: str) -> Any:
        return self.d.municipalities[name]

    def consent(
        self,
        person: Person,
        code: str,
        *,
        days_ago: int,
        actor: Actor,
        receiver: Organisation,
        place: str,
        heard_by: str = "",
        ends_on: dt.date | None = None,
    ) -> Consent:
        """``actor`` records the person's consent for ``code``, given ``days_ago`` days ago.

        The recipient and data classes follow :func:`ledger.consent_terms`: a
        kind of organisation (``receiver``'s kind), or ``receiver`` itself for
        sharing with a partner. The evidence is verbal: ``heard_by`` (default:
        the recording worker), that day, at ``place``.
        """
        kind, classes = consent_terms(code, receiver.kind)
        with self.on(days_ago):
            today = clock.today()
            return consent_record(
                actor=actor,
                person=person,
                purpose_code=code,
                recipient_organisation=None if kind else receiver,
                recipient_kind=kind,
                data_classes=classes,
                classes_reason=CONSENT_REASONS.get(code, ""),
                given_on=today,
                ends_on=ends_on,
                evidence_kind=EvidenceKind.VERBAL,
                verbal_by=heard_by or actor.user.get_full_name(),
                verbal_on=today,
                verbal_place=place,
            )

    def person(
        self,
        given: str,
        family: str,
        *,
        born: int,
        contact: tuple[str, str] | None = ("", Relation.PARTNER),
        children: tuple[str, ...] = (),
        **profile: Any,
    ) -> Person:
        """A person born in ``born``; a contact person unless ``contact`` is ``None``."""
        person = Person.objects.create(
            given_names=given,
            family_name=family,
            date_of_birth=dt.date(born, self.rng.randint(1, 12), self.rng.randint(1, 28)),
            **profile,
        )
        person.nationalities.add(self.d.countries["NL"])
        if contact is not None:
            name, relation = contact
            NetworkMember.objects.create(
                person=person,
                name=name or f"Anja {family}",
                relation=relation,
                is_contact_person=True,
                email=f"contact.{family.replace(' ', '').lower()}@example.org",
            )
        for child in children:
            NetworkMember.objects.create(
                person=person, name=f"{child} {family}", relation=Relation.CHILD, is_minor=True
            )
        return person

    def bb_case(
        self,
        person: Person,
        *,
        iso: str = "ES",
        place: str,
        since: int,
        registration: str | None,
        certainty: str = RegistrationCertainty.CONFIRMED,
        release: dict[str, Any] | None = None,
        volunteer: bool = False,
    ) -> Trajectory:
        """Consular post opens; the person signs the BB form; the regional desk takes the baton.

        ``since`` is days ago of the arrest; the consulate opens a few days
        later, BB takes over about three weeks after that.
        """
        post = self.d.posts[iso]
        desk = self.d.desk_for_country[iso]
        consul = self.consul if iso == "ES" else self.actor(post, Role.CONSULAR_OFFICER)
        coordinator = (
            self.coordinator if desk == self.zuid else self.actor(desk, Role.REGIONAL_COORDINATOR)
        )
        with self.on(since - 4):
            trajectory = trajectory_open(
                actor=consul,
                person=person,
                route=Route.ABROAD_OWN,
                country=self.d.countries[iso],
                detention_place=place,
                detention_start=self.date(-since),
                registration_municipality=self.municipality(registration) if registration else None,
                registration_certainty=certainty if registration else RegistrationCertainty.UNKNOWN,
                **(release or {}),
            )
        # At the first consular contact the person asks for consular assistance (on the
        # form, DOMAIN.md §4), and two weeks later signs the BB form asking for guidance.
        self.consent(person, CONSULAR, days_ago=since - 4, actor=consul, receiver=post, place=place)
        self.consent(
            person, GUIDANCE, days_ago=since - 18, actor=consul, receiver=desk, place=place
        )
        with self.on(since - 18):
            handover = handover_send(
                actor=consul,
                trajectory=trajectory,
                receiver=desk,
                purpose=Purpose.GUIDANCE,
                message="Betrokkene heeft het formulier van Bureau Buitenland getekend en "
                "vraagt om begeleiding.",
                information="Eén contactpersoon opgegeven; wil bezoek van een vrijwilliger: "
                + ("ja." if volunteer else "nee."),
                data_classes=["identity", "detention", "network"],
            )
        with self.on(since - 22):
            handover_accept(actor=coordinator, handover=handover)
            trajectory_change_route(
                actor=coordinator,
                trajectory=trajectory,
                route=Route.ABROAD_BB,
                reason="Schriftelijk verzoek om begeleiding ontvangen (BB-formulier).",
            )
            participant_add(
                actor=coordinator,
                trajectory=trajectory,
                organisation=post,
                role=ParticipantRole.CONSULAR_POST,
            )
        with self.on(since - 26):
            handover_record_taken_up(
                actor=coordinator, handover=handover, note="Eerste brief beantwoord."
            )
        with self.on(since - 27):
            handover_acknowledge_outcome(actor=consul, handover=handover)
        if volunteer:
            self.consent(
                person,
                VISITS,
                days_ago=since - 50,
                actor=coordinator,
                receiver=self.d.volunteers,
                place=place,
                heard_by=self.volunteer_name,
            )
            with self.on(since - 50):
                participant_add(
                    actor=coordinator,
                    trajectory=trajectory,
                    organisation=self.d.volunteers,
                    role=ParticipantRole.VISITING_VOLUNTEER,
                )
        trajectory.refresh_from_db()
        return trajectory

    def refer(
        self,
        trajectory: Trajectory,
        *,
        days_ago: int,
        sender: Actor | None = None,
        receiver: Organisation | None = None,
        message: str = "",
        respond_days: int = 14,
    ) -> Handover:
        """The holder sends the after-care referral (to Arnhem unless said otherwise).

        Unless an after-care consent is already in force, the person gives it
        a week before: to the volunteer if one visits, else to the sender.
        """
        sender = sender or self.coordinator
        receiver = receiver or self.arnhem
        person = trajectory.person
        if (
            consent_covering(
                person=person, purpose_code=AFTERCARE, recipient=receiver, on=self.date(-days_ago)
            )
            is None
        ):
            visited = trajectory.participants.filter(
                role=ParticipantRole.VISITING_VOLUNTEER
            ).exists()
            self.consent(
                person,
                AFTERCARE,
                days_ago=days_ago + 7,
                actor=sender,
                receiver=receiver,
                place=trajectory.detention_place,
                heard_by=self.volunteer_name if visited else "",
            )
        with self.on(days_ago):
            return handover_send(
                actor=sender,
                trajectory=trajectory,
                receiver=receiver,
                purpose=Purpose.AFTERCARE_REFERRAL,
                message=message
                or "Verwijzing gemeentelijke nazorg. Toestemming voor nazorg is getekend. "
                "Graag contact over ID, inkomen, onderdak en zorgverzekering.",
                information="Contactpersoon weet van de terugkeer. Betrokkene wil in de regio "
                "blijven wonen.",
                data_classes=["identity", "detention", "conditions", "network"],
                respond_by=self.date(-days_ago + respond_days),
            )


def known_release(days: int, story: Story) -> dict[str, Any]:
    """``trajectory_open`` arguments for a release date known to fall ``days`` from today."""
    return {"release_certainty": ReleaseCertainty.KNOWN, "release_date": story.date(days)}


StoryFunction = Callable[[Story], None]
STORIES: list[tuple[Example, StoryFunction]] = []
"""Every named example with the function that builds it, in the order they are built."""


def story(
    given_names: str, family_name: str, shows: str, *, seen_by: tuple[str, ...]
) -> Callable[[StoryFunction], StoryFunction]:
    """Register a story under its example: who, what it shows, which demo accounts see it."""

    def register(function: StoryFunction) -> StoryFunction:
        STORIES.append((Example(given_names, family_name, shows, seen_by), function))
        return function

    return register
