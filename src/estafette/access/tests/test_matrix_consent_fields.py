"""The consent overview and receipt, field by field: each field only under its data class.

Issue 11, point 2: anyone with a part — even identity only — saw every consent's
withdrawal reason (free text: notes) and "heard where" (usually the prison:
detention). This matrix is generated with :func:`itertools.product` over

* every role (11), in the kind of organisation the large matrix
  (``test_matrix.py``) gives it (prisons and probation have a legal basis);
* the actor's relationship to the person's trajectory (2): holder, participant;
* the classes a consent in force naming the actor's organisation covers (5):
  none, identity only, identity and notes, identity and detention, every class;
* the two surfaces that show a person's consents: the overview page and the
  receipt — the HTML that goes into the PDF (``receipt.receipt_html``; WeasyPrint
  is left out, the text is the same).

Each person has, besides that consent, a consular consent to a third organisation
that was recorded with more classes than usual and then withdrawn, and one
withdrawn by a buddy programme; every field of them carries a *sentinel*. The
oracle (:data:`FIELD_CLASS`, :func:`reader_classes`) restates the rules as small
tables — never read from ``access.policy``: a field shows exactly when the reader
sees its class; the purpose and the state always (an identity-only reader sees
that consents exist and their purpose, not their content); a buddy programme's
reason never reaches a justice role. On the code before issue 11 every sentinel
showed to every reader in scope, so the identity-only rows fail there.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from estafette.access.tests.test_matrix import (
    ALL,
    DETENTION,
    HEALTH,
    IDENTITY,
    JUSTICE,
    LEGAL_BASIS,
    MATRIX_ROLES,
    NOTES,
    PARTICIPANT_ROLE,
    ROLE_KIND,
    ROLE_SEES,
    TODAY,
    _actor,
    _org,
    assign_volunteer,
    rolled_back_world,
)
from estafette.consent.models import Consent, ConsentDisclosure, ConsentPurpose, EvidenceKind
from estafette.consent.receipt import receipt_html
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.organisations.models import Country, OrganisationKind, Role
from estafette.people.models import Person
from estafette.testing.auth import login_verified
from estafette.trajectories.models import ParticipantRole, Route
from estafette.trajectories.services import participant_add, trajectory_open

# ---------------------------------------------------------------------------------------
# The oracle
# ---------------------------------------------------------------------------------------

PURPOSE = "purpose"  # the consent's purpose: shown to every reader of the consents
BUDDY_NOTES = "notes by a buddy programme"  # never for a justice role

FIELD_CLASS: dict[str, str] = {
    "purpose": PURPOSE,
    "recipient": DETENTION,  # names the route's organisations: consulate, municipality
    "heard_by": DETENTION,  # the volunteer who visits in prison
    "heard_where": DETENTION,  # usually the prison
    "withdrawal_heard_where": DETENTION,
    "disclosed_to": DETENTION,
    "withdrawal_reason": NOTES,  # "goes to live with his brother …"
    "classes_reason": NOTES,
    "buddy_withdrawal_reason": BUDDY_NOTES,
}
"""The class of each field carrying a sentinel (issue 11, point 2; decision 0013)."""

ON_RECEIPT = set(FIELD_CLASS) - {"disclosed_to"}
"""The receipt lists no disclosures (it is the person's paper of what they agreed to)."""

HOLDER, PARTICIPANT = "holder", "participant"
RELATIONSHIPS = [HOLDER, PARTICIPANT]

GROUNDS: dict[str, frozenset[str]] = {
    "none": frozenset(),
    "identity": frozenset({IDENTITY}),
    "identity+notes": frozenset({IDENTITY, NOTES}),
    "identity+detention": frozenset({IDENTITY, DETENTION}),
    "all": ALL,
}
"""The classes of the consent in force naming the actor's organisation."""


@dataclass(frozen=True)
class Expected:
    in_scope: bool
    classes: frozenset[str]


def reader_classes(role: str, relationship: str, ground: str) -> Expected:
    """The large matrix's rule for these relationships: a part and a ground; the holder
    always sees identity; a legal basis covers every class; within the role's classes."""
    legal = ROLE_KIND[role] in LEGAL_BASIS
    consented = GROUNDS[ground]
    grounds = set(ALL if legal else consented)
    if relationship == HOLDER:
        grounds.add(IDENTITY)
    in_scope = relationship == HOLDER or legal or bool(consented)
    return Expected(in_scope, frozenset(ROLE_SEES[role] & grounds) if in_scope else frozenset())


def shows(exp: Expected, role: str, field: str) -> bool:
    data_class = FIELD_CLASS[field]
    if data_class == PURPOSE:
        return True
    if data_class == BUDDY_NOTES:
        return NOTES in exp.classes and role not in JUSTICE
    return data_class in exp.classes


# ---------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------


@dataclass
class Case:
    person: Person
    sentinels: dict[str, str]


@dataclass
class World:
    clients: dict[str, Client]
    cases: dict[tuple[str, str, str], Case]


def _verbal(by: str, place: str, on: dt.date) -> dict[str, Any]:
    return {
        "evidence_kind": EvidenceKind.VERBAL,
        "verbal_by": by,
        "verbal_on": on,
        "verbal_place": place,
    }


def _build_case(
    n: int, role: str, relationship: str, ground: str, me: Actor, holder: Actor, world: dict
) -> Case:
    sentinels = {
        "purpose": "Consulaire bijstand en registratie",  # the purpose's name (Dutch page)
        "recipient": f"SENTINEL-RECIPIENT-{n:03d}-r4",
        "heard_by": f"SENTINEL-HEARDBY-{n:03d}-h1",
        "heard_where": f"SENTINEL-HEARDWHERE-{n:03d}-w2",
        "withdrawal_heard_where": f"SENTINEL-WITHDRAWNWHERE-{n:03d}-x7",
        "disclosed_to": f"SENTINEL-DISCLOSED-{n:03d}-d5",
        "withdrawal_reason": f"SENTINEL-REASON-{n:03d}-gaat-bij-zijn-broer-wonen",
        "classes_reason": f"SENTINEL-CLASSESREASON-{n:03d}-c3",
        "buddy_withdrawal_reason": f"SENTINEL-BUDDYREASON-{n:03d}-b8",
    }
    person = Person.objects.create(
        given_names="Veld", family_name=f"Matrix{n:03d}", date_of_birth=dt.date(1980, 5, 5)
    )
    opener = me if relationship == HOLDER else holder
    trajectory = trajectory_open(
        actor=opener, person=person, route=Route.ABROAD_BB, country=world["spain"]
    )
    if relationship == PARTICIPANT:
        participant_add(
            actor=holder,
            trajectory=trajectory,
            organisation=me.organisation,
            role=PARTICIPANT_ROLE.get(me.organisation.kind, ParticipantRole.OTHER),
        )
    assign_volunteer(me, trajectory)  # a volunteer reads only its own people (issue 12)
    given = TODAY - dt.timedelta(days=60)
    if GROUNDS[ground]:
        Consent.objects.create(
            person=person,
            purpose=world["partner"],
            recipient_organisation=me.organisation,
            data_classes=sorted(GROUNDS[ground]),
            given_on=given,
            **_verbal("Vrijwilliger", "Bezoekzaal", given),
        )
    recipient = _org(OrganisationKind.CONSULAR_POST, sentinels["recipient"])
    consular = Consent.objects.create(
        person=person,
        purpose=world["consular"],
        recipient_organisation=recipient,
        data_classes=sorted(ALL - {HEALTH}),
        classes_reason=sentinels["classes_reason"],
        given_on=given,
        recorded_by_organisation=holder.organisation,
        **_verbal(sentinels["heard_by"], sentinels["heard_where"], given),
    )
    ConsentDisclosure.objects.create(
        consent=consular,
        recipient=_org(OrganisationKind.PARTNER, sentinels["disclosed_to"]),
        data_classes=[IDENTITY],
        disclosed_at=clock.now() - dt.timedelta(days=30),
    )
    Consent.objects.filter(pk=consular.pk).update(
        revoked_at=clock.now() - dt.timedelta(days=2),
        revoked_by_organisation=holder.organisation,
        revoke_reason=sentinels["withdrawal_reason"],
        revocation_evidence_kind=EvidenceKind.VERBAL,
        revoked_heard_by="Coördinator",
        revoked_heard_on=TODAY - dt.timedelta(days=2),
        revoked_heard_where=sentinels["withdrawal_heard_where"],
    )
    buddy = Consent.objects.create(
        person=person,
        purpose=world["buddy"],
        recipient_kind=OrganisationKind.BUDDY_PROGRAMME,
        data_classes=[IDENTITY],
        given_on=given,
        **_verbal("Maatje", "Bezoekzaal", given),
    )
    Consent.objects.filter(pk=buddy.pk).update(
        revoked_at=clock.now() - dt.timedelta(days=1),
        revoked_by_organisation=world["buddy_programme"],
        revoke_reason=sentinels["buddy_withdrawal_reason"],
        revocation_evidence_kind=EvidenceKind.VERBAL,
        revoked_heard_by="Maatje",
        revoked_heard_on=TODAY - dt.timedelta(days=1),
        revoked_heard_where="Telefoon",
    )
    return Case(person, sentinels)


def _receipt_text(**arguments: Any) -> bytes:
    """Instead of the PDF: the very HTML WeasyPrint would render (its text is the PDF's)."""
    return receipt_html(**arguments).encode()


@pytest.fixture(scope="module")
def consent_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Build every case once; roll it all back when the module is done."""
    with rolled_back_world(django_db_blocker), pytest.MonkeyPatch.context() as patch:
        patch.setattr("estafette.consent.views.receipt_pdf", _receipt_text)
        yield _build_world()


def _build_world() -> World:
    holder = _actor(_org(OrganisationKind.BB_REGIONAL_DESK, "Veld BB"), Role.REGIONAL_COORDINATOR)
    shared = {
        "spain": Country.objects.get(iso2="ES"),
        "partner": ConsentPurpose.objects.get(code="partner_sharing"),
        "consular": ConsentPurpose.objects.get(code="consular"),
        "buddy": ConsentPurpose.objects.get(code="buddy_programme"),
        "buddy_programme": _org(OrganisationKind.BUDDY_PROGRAMME, "Veld Maatjes"),
    }
    actors = {role: _actor(_org(ROLE_KIND[role], f"Veld {role}"), role) for role in ROLE_SEES}
    clients = {}
    for role, actor in actors.items():
        client = Client()
        login_verified(client, actor.user)
        clients[role] = client
    cases = {}
    for n, (role, relationship, ground) in enumerate(
        itertools.product(MATRIX_ROLES, RELATIONSHIPS, GROUNDS), start=1
    ):
        cases[(role, relationship, ground)] = _build_case(
            n, role, relationship, ground, actors[role], holder, shared
        )
    return World(clients, cases)


# ---------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------

SURFACES = ["consent_overview", "consent_receipt"]
CASES = list(itertools.product(MATRIX_ROLES, RELATIONSHIPS, GROUNDS, SURFACES))


def expected_status(surface: str, exp: Expected) -> int:
    if not exp.in_scope:
        return 404
    if surface == "consent_receipt" and IDENTITY not in exp.classes:
        return 403  # the receipt carries the name: only for a reader who may see identity
    return 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "relationship", "ground", "surface"),
    CASES,
    ids=["-".join(case) for case in CASES],
)
def test_consent_fields_matrix(
    consent_world: World,
    role: str,
    relationship: str,
    ground: str,
    surface: str,
    record_property: Any,
) -> None:
    case = consent_world.cases[(role, relationship, ground)]
    exp = reader_classes(role, relationship, ground)
    url = f"/people/{case.person.pk}/consents/"
    if surface == "consent_receipt":
        url += "receipt.pdf?lang=nl"
    response = consent_world.clients[role].get(url)
    body = response.content.decode()
    assert response.status_code == expected_status(surface, exp), body[:300]
    checks = 1
    fields = FIELD_CLASS if surface == "consent_overview" else ON_RECEIPT
    for field, sentinel in case.sentinels.items():
        should_show = response.status_code == 200 and field in fields and shows(exp, role, field)
        assert (sentinel in body) == should_show, (
            f"{field}: {'missing' if should_show else 'LEAKED'} on {surface}"
        )
        checks += 1
    record_property("matrix_checks", checks)


def test_the_oracle_keeps_the_issue_examples() -> None:
    """An identity-only reader sees the consents' purpose, nothing of their content."""
    exp = reader_classes(Role.REGIONAL_COORDINATOR, HOLDER, "none")
    assert exp.classes == {IDENTITY}
    assert [f for f in FIELD_CLASS if shows(exp, Role.REGIONAL_COORDINATOR, f)] == ["purpose"]
    full = reader_classes(Role.CASE_MANAGER, PARTICIPANT, "none")  # a legal basis
    assert shows(full, Role.CASE_MANAGER, "withdrawal_reason")
    assert not shows(full, Role.CASE_MANAGER, "buddy_withdrawal_reason")
    assert len(CASES) == len(MATRIX_ROLES) * len(RELATIONSHIPS) * len(GROUNDS) * len(SURFACES)
