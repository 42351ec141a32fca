"""The authorization matrix: who sees what of a person, on every page and selector that shows it.

Generated with :func:`itertools.product` over

* every :class:`~estafette.organisations.models.Role` (11), each in the kind of
  organisation it works for (prisons and probation have a legal basis);
* every relationship of the actor's organisation to the trajectory (7): holder,
  receiver of a pending handover, earlier holder within the window, earlier
  holder past the window, participant (runs alongside), none, emergency access;
* every consent state of a consent naming the actor's organisation (4): none,
  given (covering every class), expired, revoked;
* for the volunteer roles (visiting volunteer, buddy), whether the actor is assigned to
  the person (2): the assigned volunteer, or a colleague of the same organisation who is
  not (issue 12: a volunteer sees only the people assigned to them);
* every page and endpoint that shows a person's data (9) and every
  person-related selector (4).

Each case checks the answer (200, 403 or 404; a result or ``Http404``) and,
for every data class, whether its *sentinel* — a unique string planted in the
person's file — is on the page or not. The expected answer comes from
:func:`expected`, an explicit oracle that restates the issue's rules in a
small table; it never calls :mod:`estafette.access.policy`. No leak (a
sentinel where the oracle says no) and no wrongful refusal (a 404 or a
missing sentinel where the oracle says yes) both fail.

Speed: the world (one person and trajectory per role × relationship ×
consent state, 308 in all; the assigned volunteer and its unassigned colleague read the
same files) is built once for the module inside a transaction
that is rolled back at the end; every case runs in its own savepoint, signed
in with a client made once per role. The consent receipt's PDF rendering is
replaced by a stub that prints the names it was given: the access decision
comes before the rendering, and WeasyPrint would take a second per case.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.test import Client, override_settings

from estafette.access.services import emergency_access_open
from estafette.consent.models import Consent, ConsentPurpose, EvidenceKind
from estafette.consent.selectors import consent_list
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.errors import NotPermitted
from estafette.handovers.models import Purpose
from estafette.handovers.services import handover_accept, handover_decline, handover_send
from estafette.organisations.models import (
    Country,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from estafette.people.models import NetworkMember, Person, Relation
from estafette.testing.auth import login_verified
from estafette.testing.consent import consent_for_handover
from estafette.trajectories.models import (
    Assignment,
    AssignmentKind,
    EventKind,
    ParticipantRole,
    Route,
    Trajectory,
)
from estafette.trajectories.selectors import (
    CaseloadFilters,
    caseload_page,
    relay_get,
    trajectory_get,
)
from estafette.trajectories.services import event_record, participant_add, trajectory_open

TODAY = dt.date(2025, 3, 3)

# ---------------------------------------------------------------------------------------
# The oracle: the rules, restated as small explicit tables (not read from the code)
# ---------------------------------------------------------------------------------------

IDENTITY, DETENTION, CONDITIONS, HEALTH, OFFENCE, NETWORK, NOTES = (
    "identity",
    "detention",
    "conditions",
    "health",
    "offence",
    "network",
    "notes",
)
ALL = frozenset({IDENTITY, DETENTION, CONDITIONS, HEALTH, OFFENCE, NETWORK, NOTES})
BUDDY_NOTE = "notes by a buddy"  # a note written by a buddy programme: never for justice roles

ROLE_SEES: dict[str, frozenset[str]] = {
    Role.REGIONAL_COORDINATOR: ALL,
    Role.VISITING_VOLUNTEER: frozenset({IDENTITY, DETENTION, CONDITIONS, NETWORK, NOTES}),
    Role.CONSULAR_OFFICER: frozenset({IDENTITY, DETENTION, CONDITIONS, OFFENCE, NETWORK}),
    Role.AFTERCARE_COORDINATOR: ALL - {OFFENCE},
    Role.CASE_MANAGER: ALL,
    Role.PROBATION_OFFICER: ALL,
    Role.BUDDY_PROFESSIONAL: ALL - {OFFENCE},
    Role.BUDDY: frozenset({IDENTITY, CONDITIONS, NETWORK, NOTES}),
    Role.LANDING_PLACE_WORKER: frozenset({IDENTITY, CONDITIONS, HEALTH, NOTES}),
    Role.PARTNER_WORKER: frozenset({IDENTITY, CONDITIONS}),
    Role.ORGANISATION_ADMIN: frozenset({IDENTITY}),
}
"""Which classes each role may see at most (DOMAIN.md §10, the issue's examples)."""

ROLE_KIND: dict[str, str] = {
    Role.REGIONAL_COORDINATOR: OrganisationKind.BB_REGIONAL_DESK,
    Role.VISITING_VOLUNTEER: OrganisationKind.VOLUNTEER_ORGANISATION,
    Role.CONSULAR_OFFICER: OrganisationKind.CONSULAR_POST,
    Role.AFTERCARE_COORDINATOR: OrganisationKind.MUNICIPAL_AFTERCARE,
    Role.CASE_MANAGER: OrganisationKind.PRISON,
    Role.PROBATION_OFFICER: OrganisationKind.PROBATION,
    Role.BUDDY_PROFESSIONAL: OrganisationKind.BUDDY_PROGRAMME,
    Role.BUDDY: OrganisationKind.BUDDY_PROGRAMME,
    Role.LANDING_PLACE_WORKER: OrganisationKind.LANDING_PLACE,
    Role.PARTNER_WORKER: OrganisationKind.PARTNER,
    Role.ORGANISATION_ADMIN: OrganisationKind.PARTNER,
}
"""The organisation each role works for in this matrix."""

LEGAL_BASIS = {OrganisationKind.PRISON, OrganisationKind.PROBATION}
JUSTICE = {Role.CASE_MANAGER, Role.PROBATION_OFFICER}
NOT_PROFESSIONAL = {Role.VISITING_VOLUNTEER, Role.BUDDY}
MAY_REQUEST_EMERGENCY = set(Role) - NOT_PROFESSIONAL - {Role.ORGANISATION_ADMIN}
ACCESS_LOG = {
    Role.REGIONAL_COORDINATOR,
    Role.AFTERCARE_COORDINATOR,
    Role.CASE_MANAGER,
    Role.PROBATION_OFFICER,
    Role.BUDDY_PROFESSIONAL,
    Role.CONSULAR_OFFICER,
    Role.ORGANISATION_ADMIN,
}

# The issue's own examples, as a guard on the table above.
assert OFFENCE not in ROLE_SEES[Role.VISITING_VOLUNTEER]
assert all(role in ROLE_SEES for role in Role)

HOLDER = "holder"
PENDING = "pending_receiver"
EARLIER = "earlier_holder_within_window"
EARLIER_PAST = "earlier_holder_past_window"
PARTICIPANT = "participant"
NONE = "none"
EMERGENCY = "emergency"
# Every role by default. ESTAFETTE_MATRIX_ROLES (comma-separated role codes) narrows the
# roles only — every relationship, consent state, class and surface stays — for the
# PostgreSQL pass of CI, where the full matrix costs minutes (.ci/run; the full matrix
# runs on SQLite in every `make test`).
_ROLES_ENV = [r for r in os.environ.get("ESTAFETTE_MATRIX_ROLES", "").split(",") if r]
MATRIX_ROLES = [r for r in ROLE_SEES if not _ROLES_ENV or r in _ROLES_ENV]
if not MATRIX_ROLES:
    raise RuntimeError("ESTAFETTE_MATRIX_ROLES names no known role")

RELATIONSHIPS = [HOLDER, PENDING, EARLIER, EARLIER_PAST, PARTICIPANT, NONE, EMERGENCY]

NO_CONSENT, GIVEN, EXPIRED, REVOKED = "none", "given", "expired", "revoked"
CONSENT_STATES = [NO_CONSENT, GIVEN, EXPIRED, REVOKED]

ASSIGNED, NOT_ASSIGNED, NOT_APPLICABLE = "assigned", "not_assigned", "any"
# NOT_APPLICABLE: the world's own actor of the role — assigned to every case if a volunteer.
NEED_ASSIGNMENT = {Role.VISITING_VOLUNTEER, Role.BUDDY}
"""Roles that see a person only while assigned to them (issue 12, need-to-know within the
organisation). Every other role is assigned to nobody here, and sees by its organisation."""


def assignments_for(role: str) -> list[str]:
    """The assignment states of the matrix for ``role``: both for a volunteer role."""
    return [ASSIGNED, NOT_ASSIGNED] if role in NEED_ASSIGNMENT else [NOT_APPLICABLE]


PAGES = [
    "trajectory_page",
    "caseload",
    "consent_overview",
    "consent_receipt_pdf",
    "consent_evidence",
    "access_log_page",
    "access_log_csv",
    "handover_start",
    "person_details",
]
SELECTORS = ["trajectory_get", "relay_get", "caseload_page", "consent_list"]
SURFACES = PAGES + SELECTORS

SHOWS: dict[str, set[str]] = {
    "trajectory_page": {IDENTITY, DETENTION, HEALTH, OFFENCE, NETWORK, NOTES, BUDDY_NOTE},
    "caseload": {IDENTITY},  # and detention columns, checked apart (the country, not the place)
    "consent_overview": {IDENTITY},
    "consent_receipt_pdf": {IDENTITY},
    "consent_evidence": set(),
    "access_log_page": {IDENTITY},
    "access_log_csv": set(),  # no name in the export: it is given to the person themselves
    "handover_start": {IDENTITY},
    # The person details page (issue 12): the name, the markers' labels, the network.
    "person_details": {IDENTITY, HEALTH, NETWORK},
}
"""Which classes each page shows at all (to whoever may see them); the rest never appear."""


@dataclass(frozen=True)
class Expected:
    in_scope: bool
    classes: frozenset[str]
    in_caseload: bool


def expected(
    role: str, relationship: str, consent: str, assignment: str = NOT_APPLICABLE
) -> Expected:
    """The issue's rule, for one actor and one trajectory.

    An organisation sees a person only while it has a part (holder, receiver of
    a pending handover, earlier holder within the window, participant) and a
    consent in force or a legal basis covers it; the holder always sees the
    identity (to ask for consent); an emergency access opens the file for a
    professional. Within that, the role's classes. A volunteer (visiting volunteer, buddy)
    sees nothing of a person it is not assigned to, whatever its organisation's part,
    ground or role (issue 12); an assignment without its organisation's part opens nothing.
    """
    if role in NEED_ASSIGNMENT and assignment == NOT_ASSIGNED:
        return Expected(in_scope=False, classes=frozenset(), in_caseload=False)
    legal = ROLE_KIND[role] in LEGAL_BASIS
    part = relationship in (HOLDER, PENDING, EARLIER, PARTICIPANT)
    emergency = relationship == EMERGENCY and role in MAY_REQUEST_EMERGENCY
    grounds: set[str] = set()
    if part and (legal or consent == GIVEN):
        grounds |= ALL  # the consent in this matrix covers every class
    if relationship == HOLDER:
        grounds.add(IDENTITY)
    if emergency:
        grounds |= ALL
    in_scope = relationship == HOLDER or (part and (legal or consent == GIVEN)) or emergency
    classes = frozenset(ROLE_SEES[role] & grounds) if in_scope else frozenset()
    return Expected(in_scope, classes, in_caseload=in_scope and part)


MESSAGE_READERS = set(Role) - {Role.ORGANISATION_ADMIN}
"""Who reads a handover's message as its sender or receiver (issue 10): all but the
organisation's administrator, who manages accounts, not care."""

OWN_HANDOVER = {HOLDER: "sender", PENDING: "receiver", EARLIER: "sender"}
"""In this world the actor sent a handover (holder, earlier holder) or receives one (the
pending sentence transfer), with the NOTES sentinel in its message. The consent each
travelled under stays in force (a sentence transfer needs none)."""


def sees(exp: Expected, role: str, sentinel_class: str, relationship: str = NONE) -> bool:
    if sentinel_class == BUDDY_NOTE:
        return NOTES in exp.classes and role not in JUSTICE
    if sentinel_class == NOTES and exp.in_scope and relationship in OWN_HANDOVER:
        # A handover's message is written for its receiver and read by both parties under
        # the consent it travelled under, not as a note (issue 10).
        return role in MESSAGE_READERS or NOTES in exp.classes
    return sentinel_class in exp.classes


def expected_status(page: str, role: str, relationship: str, exp: Expected) -> int:
    if not exp.in_scope:
        return 404
    if page == "consent_evidence" and role in NOT_PROFESSIONAL:
        return 403
    if page in ("access_log_page", "access_log_csv") and role not in ACCESS_LOG:
        return 403
    if page == "handover_start" and relationship != HOLDER:
        return 403  # only the holder hands over
    return 200


# ---------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------


@dataclass
class Case:
    number: int
    person: Person
    trajectory: Trajectory
    evidence: Consent
    sentinels: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    actors: dict[str, Actor]
    """Per role, the actor every case is built for (a volunteer: assigned to each)."""
    clients: dict[str, Client]
    cases: dict[tuple[str, str, str], Case]
    every_sentinel: list[str]
    cache: dict[Any, Any] = field(default_factory=dict)
    colleagues: dict[str, Actor] = field(default_factory=dict)
    """Per volunteer role, a colleague in the same organisation, assigned to nobody."""
    colleague_clients: dict[str, Client] = field(default_factory=dict)

    def actor(self, role: str, assignment: str) -> Actor:
        return self.colleagues[role] if assignment == NOT_ASSIGNED else self.actors[role]

    def client(self, role: str, assignment: str) -> Client:
        return self.colleague_clients[role] if assignment == NOT_ASSIGNED else self.clients[role]


_users = itertools.count(1)


def _actor(organisation: Organisation, role: str) -> Actor:
    user = get_user_model().objects.create_user(
        username=f"matrix-{next(_users)}", password="matrix-test-password", first_name=role
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return Actor(user=user, organisation=organisation, role=role)


def _org(kind: str, name: str) -> Organisation:
    return Organisation.objects.create(name=name, code=f"matrix-{next(_users)}", kind=kind)


PARTICIPANT_ROLE = {
    OrganisationKind.VOLUNTEER_ORGANISATION: ParticipantRole.VISITING_VOLUNTEER,
    OrganisationKind.BUDDY_PROGRAMME: ParticipantRole.BUDDY,
    OrganisationKind.CONSULAR_POST: ParticipantRole.CONSULAR_POST,
}


def _build_case(
    n: int,
    role: str,
    relationship: str,
    consent: str,
    me: Actor,
    holder: Actor,
    third: Actor,
    buddy: Actor,
    spain: Country,
) -> Case:
    """One person and trajectory in which ``me`` has ``relationship`` and ``consent``."""
    sentinels = {
        IDENTITY: f"Idsentinel{n:04d}q",
        DETENTION: f"SENTINEL-DETENTION-{n:04d}-c2",
        OFFENCE: f"SENTINEL-OFFENCE-{n:04d}-7f3a",
        HEALTH: "psychische problemen",  # the label of a marker (Dutch: the page language)
        NETWORK: f"SENTINEL-NETWORK-{n:04d}-b1",
        NOTES: f"SENTINEL-NOTES-{n:04d}-e9",
        BUDDY_NOTE: f"SENTINEL-BUDDYNOTE-{n:04d}-d4",
    }
    person = Person.objects.create(
        given_names="Matrix",
        family_name=sentinels[IDENTITY],
        date_of_birth=dt.date(1985, 1, 1),
        addiction=True,
        psychiatric_problems=True,
    )
    NetworkMember.objects.create(
        person=person, name=sentinels[NETWORK], relation=Relation.SIBLING, is_contact_person=True
    )
    notes = sentinels[NOTES]

    def open_by(actor: Actor) -> Trajectory:
        return trajectory_open(
            actor=actor,
            person=person,
            route=Route.ABROAD_BB,
            country=spain,
            detention_place=sentinels[DETENTION],
        )

    def declined_by_third(sender: Actor, trajectory: Trajectory) -> None:
        consent_for_handover(trajectory=trajectory, receiver=third.organisation, purpose="other")
        handover = handover_send(
            actor=sender,
            trajectory=trajectory,
            receiver=third.organisation,
            purpose=Purpose.OTHER,
            message=f"Bericht {notes}",
            information=f"Informatie {notes}",
        )
        handover_decline(actor=third, handover=handover, reason=f"Geen plek {notes}")

    def handed_on(days_ago: int) -> Trajectory:
        with clock.frozen(clock.now() - dt.timedelta(days=days_ago)):
            trajectory = open_by(me)
            consent_for_handover(
                trajectory=trajectory, receiver=holder.organisation, purpose=Purpose.GUIDANCE
            )
            handover = handover_send(
                actor=me,
                trajectory=trajectory,
                receiver=holder.organisation,
                purpose=Purpose.GUIDANCE,
                message=f"Bericht {notes}",
                information=f"Informatie {notes}",
            )
            handover_accept(actor=holder, handover=handover)
        return trajectory

    if relationship == HOLDER:
        trajectory = open_by(me)
        declined_by_third(me, trajectory)
    elif relationship == PENDING:
        trajectory = open_by(holder)
        handover_send(  # a sentence transfer rests on law: it needs no consent to be sent
            actor=holder,
            trajectory=trajectory,
            receiver=me.organisation,
            purpose=Purpose.SENTENCE_TRANSFER,
            message=f"Bericht {notes}",
            information=f"Informatie {notes}",
        )
    elif relationship == EARLIER:
        trajectory = handed_on(days_ago=10)
    elif relationship == EARLIER_PAST:
        trajectory = handed_on(days_ago=200)
    else:
        trajectory = open_by(holder)
        if relationship == PARTICIPANT:
            participant_add(
                actor=holder,
                trajectory=trajectory,
                organisation=me.organisation,
                role=PARTICIPANT_ROLE.get(me.organisation.kind, ParticipantRole.OTHER),
            )
        declined_by_third(holder, trajectory)
    Trajectory.objects.filter(pk=trajectory.pk).update(offence=sentinels[OFFENCE])
    trajectory.refresh_from_db()
    event_record(
        trajectory=trajectory,
        kind=EventKind.NEXT_STEP,
        actor=buddy,
        reason=f"Notitie van de buddy {sentinels[BUDDY_NOTE]}",
    )

    # The person's signed form, for the evidence download (a consent naming the holder).
    evidence = Consent(
        person=person,
        purpose=ConsentPurpose.objects.get(code="bb_guidance"),
        recipient_organisation=holder.organisation,
        data_classes=sorted(ALL),
        given_on=TODAY - dt.timedelta(days=300),
        evidence_kind=EvidenceKind.DOCUMENT,
        evidence_content_type="application/pdf",
    )
    evidence.evidence.save("form.pdf", ContentFile(b"%PDF-1.4 signed form"), save=False)
    evidence.save()

    # The consent state of a consent naming the actor's organisation (every class).
    if consent != NO_CONSENT:
        mine = Consent.objects.create(
            person=person,
            purpose=ConsentPurpose.objects.get(code="partner_sharing"),
            recipient_organisation=me.organisation,
            data_classes=sorted(ALL),
            given_on=TODAY - dt.timedelta(days=30),
            ends_on=TODAY - dt.timedelta(days=1) if consent == EXPIRED else None,
            evidence_kind=EvidenceKind.VERBAL,
            verbal_by="Vrijwilliger",
            verbal_on=TODAY - dt.timedelta(days=30),
            verbal_place="Bezoekzaal",
        )
        if consent == REVOKED:  # withdrawn this morning: no longer in force today
            Consent.objects.filter(pk=mine.pk).update(
                revoked_at=clock.now() - dt.timedelta(hours=1)
            )

    assign_volunteer(me, trajectory)

    if relationship == EMERGENCY:
        # Volunteers, buddies and administrators may not: the oracle says so too.
        with contextlib.suppress(NotPermitted):
            emergency_access_open(
                actor=me,
                trajectory_pk=trajectory.pk,
                reason="Acute crisis at our door; we must know who guides this person now.",
            )
    return Case(n, person, trajectory, evidence, sentinels)


def assign_volunteer(actor: Actor, trajectory: Trajectory) -> None:
    """A volunteer-role actor is assigned to the person of every case built for it (written
    directly: the matrix tests the reading rule, not the assignment services). Its
    organisation's part is the case's relationship: with none, the assignment opens nothing."""
    if actor.role not in NEED_ASSIGNMENT:
        return
    kind = AssignmentKind.BUDDY if actor.role == Role.BUDDY else AssignmentKind.VISITING_VOLUNTEER
    Assignment.objects.create(
        trajectory=trajectory, organisation=actor.organisation, user=actor.user, kind=kind
    )


@contextlib.contextmanager
def rolled_back_world(django_db_blocker: Any, media: Path | None = None) -> Iterator[None]:
    """A module's world: built once in one transaction on the frozen :data:`TODAY`, rolled
    back when the module is done (every case then runs in its own savepoint)."""
    with (
        django_db_blocker.unblock(),
        clock.frozen(TODAY),
        override_settings(MEDIA_ROOT=media) if media else contextlib.nullcontext(),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """Build every case once; roll it all back when the module is done."""
    media = Path(tmp_path_factory.mktemp("matrix-media"))
    with rolled_back_world(django_db_blocker, media), pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "estafette.consent.views.receipt_pdf",
            lambda *, person, consents, organisation, language, **_fields: (
                f"%PDF-stub {person.full_name} " + " ".join(c.purpose.code for c in consents)
            ).encode(),
        )
        yield _build_world()


def _build_world() -> World:
    spain = Country.objects.get(iso2="ES")
    holder = _actor(_org(OrganisationKind.BB_REGIONAL_DESK, "Matrix BB"), Role.REGIONAL_COORDINATOR)
    third = _actor(_org(OrganisationKind.PARTNER, "Matrix Derde"), Role.PARTNER_WORKER)
    buddy = _actor(_org(OrganisationKind.BUDDY_PROGRAMME, "Matrix Maatjes"), Role.BUDDY)
    actors = {role: _actor(_org(ROLE_KIND[role], f"Matrix {role}"), role) for role in ROLE_SEES}
    clients = {}
    for role, actor in actors.items():
        client = Client()
        login_verified(client, actor.user)
        clients[role] = client
    colleagues = {
        role: _actor(actors[role].organisation, role)
        for role in MATRIX_ROLES
        if role in NEED_ASSIGNMENT
    }
    colleague_clients = {}
    for role, actor in colleagues.items():
        client = Client()
        login_verified(client, actor.user)
        colleague_clients[role] = client
    cases = {}
    for n, (role, relationship, consent) in enumerate(
        itertools.product(MATRIX_ROLES, RELATIONSHIPS, CONSENT_STATES), start=1
    ):
        cases[(role, relationship, consent)] = _build_case(
            n, role, relationship, consent, actors[role], holder, third, buddy, spain
        )
    every = [s for case in cases.values() for k, s in case.sentinels.items() if k != HEALTH]
    return World(
        actors, clients, cases, every, colleagues=colleagues, colleague_clients=colleague_clients
    )


# ---------------------------------------------------------------------------------------
# Reading what the actor gets
# ---------------------------------------------------------------------------------------


def _get(world: World, role: str, url: str, assignment: str = NOT_APPLICABLE) -> tuple[int, str]:
    response = world.client(role, assignment).get(url)
    body = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if response.streaming
        else response.content
    )
    return response.status_code, body.decode("utf-8", errors="replace")


def _page(world: World, role: str, page: str, case: Case, assignment: str) -> tuple[int, str]:
    person, trajectory = case.person.pk, case.trajectory.pk
    if page == "caseload":
        key = ("caseload", role, assignment)
        if key not in world.cache:  # the same page for every case of the role: fetch it once
            # A volunteer's caseload is its own ("mine"); every other role here is assigned
            # to nobody and reads its organisation's.
            url = "/caseload/" if role in NEED_ASSIGNMENT else "/caseload/?scope=organisation"
            world.cache[key] = _get(world, role, url, assignment)
        status, html = world.cache[key]
        rows = re.findall(r"<tr\b.*?</tr>", html, flags=re.S)
        row = next((r for r in rows if f'href="/trajectories/{trajectory}/"' in r), "")
        return status, row
    url = {
        "trajectory_page": f"/trajectories/{trajectory}/",
        "consent_overview": f"/people/{person}/consents/",
        "consent_receipt_pdf": f"/people/{person}/consents/receipt.pdf?lang=nl",
        "consent_evidence": f"/consents/{case.evidence.pk}/evidence/",
        "access_log_page": f"/people/{person}/access-log/",
        "access_log_csv": f"/people/{person}/access-log.csv",
        "handover_start": f"/trajectories/{trajectory}/handover/",
        "person_details": f"/trajectories/{trajectory}/person/",
    }[page]
    return _get(world, role, url, assignment)


CASES = [
    (role, relationship, consent, assignment, surface)
    for role in MATRIX_ROLES
    for relationship, consent, assignment, surface in itertools.product(
        RELATIONSHIPS, CONSENT_STATES, assignments_for(role), SURFACES
    )
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "relationship", "consent", "assignment", "surface"),
    CASES,
    ids=["-".join(str(part) for part in case) for case in CASES],
)
def test_authorization_matrix(
    world: World,
    role: str,
    relationship: str,
    consent: str,
    assignment: str,
    surface: str,
    record_property: Any,
) -> None:
    case = world.cases[(role, relationship, consent)]
    exp = expected(role, relationship, consent, assignment)
    # The module's clock stays frozen on TODAY (advancing with real time) for every case.
    if surface in PAGES:
        checks = _check_page(world, role, relationship, surface, case, exp, assignment)
    else:
        checks = _check_selector(world, role, surface, case, exp, assignment)
    record_property("matrix_checks", checks)  # tallied by the root conftest.py


def _check_page(
    world: World,
    role: str,
    relationship: str,
    page: str,
    case: Case,
    exp: Expected,
    assignment: str = NOT_APPLICABLE,
) -> int:
    status, body = _page(world, role, page, case, assignment)
    if page == "caseload":
        assert status == 200
        assert bool(body) == exp.in_caseload, f"row in caseload: {bool(body)}"
        if body:
            shown_detention = "Spanje" in body
            assert shown_detention == (DETENTION in exp.classes), "detention columns"
    else:
        assert status == expected_status(page, role, relationship, exp), body[:300]
    checks = 1
    for sentinel_class, sentinel in case.sentinels.items():
        should_show = (
            status == 200
            and sentinel_class in SHOWS[page]
            and sees(exp, role, sentinel_class, relationship)
        )
        if page == "caseload":
            should_show = (
                bool(body) and sentinel_class in SHOWS[page] and sees(exp, role, sentinel_class)
            )
        assert (sentinel in body) == should_show, (
            f"{sentinel_class}: {'missing' if should_show else 'LEAKED'} on {page}"
        )
        checks += 1
    if page in ("trajectory_page", "consent_overview", "access_log_page", "person_details"):
        # No other person's data on this page either.
        others = [s for s in world.every_sentinel if s not in case.sentinels.values()]
        assert not any(s in body for s in others), "another person's data on the page"
        checks += 1
    return checks


def _check_selector(
    world: World,
    role: str,
    selector: str,
    case: Case,
    exp: Expected,
    assignment: str = NOT_APPLICABLE,
) -> int:
    actor = world.actor(role, assignment)
    checks = 1
    if selector == "caseload_page":
        key = ("caseload_page", role, assignment)
        if key not in world.cache:
            _, rows = caseload_page(actor=actor, filters=CaseloadFilters(), per_page=100)
            world.cache[key] = {row.trajectory.pk: row for row in rows}
        row = world.cache[key].get(case.trajectory.pk)
        assert (row is not None) == exp.in_caseload
        if row is not None:
            assert row.classes == exp.classes
            checks += len(ALL)
        return checks
    if not exp.in_scope:
        with pytest.raises(Http404):
            _call(selector, actor, case)
        return checks
    result = _call(selector, actor, case)
    if selector == "relay_get":
        assert result.access.classes == exp.classes
        for data_class in ALL:
            assert result.access.sees(data_class) == (data_class in exp.classes), data_class
            assert getattr(result.access, f"sees_{data_class}") == (data_class in exp.classes)
        assert bool(result.network) == (NETWORK in exp.classes)
        checks += 2 * len(ALL) + 1
    elif selector == "trajectory_get":
        assert result.pk == case.trajectory.pk
    else:
        assert {c.pk for c in result} >= {case.evidence.pk}
    return checks


def _call(selector: str, actor: Actor, case: Case) -> Any:
    if selector == "trajectory_get":
        return trajectory_get(actor=actor, pk=case.trajectory.pk)
    if selector == "relay_get":
        return relay_get(actor=actor, pk=case.trajectory.pk)
    return consent_list(actor=actor, person=case.person)


def test_the_matrix_covers_every_combination() -> None:
    """308 worlds × 13 surfaces, the volunteer roles' read twice (assigned and not): the
    number the documentation reports."""
    readers = sum(len(assignments_for(role)) for role in MATRIX_ROLES)
    assert len(CASES) == readers * len(RELATIONSHIPS) * len(CONSENT_STATES) * len(SURFACES)
    if not _ROLES_ENV:
        assert len(MATRIX_ROLES) == len(Role)
        assert len(CASES) == 4732


def test_the_oracle_states_the_volunteer_rule() -> None:
    """The rule itself, on its own: an unassigned volunteer sees nothing of a file its
    organisation holds with every ground; the assigned one sees its role's classes."""
    for role in NEED_ASSIGNMENT:
        assert expected(role, HOLDER, GIVEN, NOT_ASSIGNED) == Expected(False, frozenset(), False)
        assert expected(role, HOLDER, GIVEN, ASSIGNED).classes == ROLE_SEES[role]
        assert not expected(role, NONE, GIVEN, ASSIGNED).in_scope
