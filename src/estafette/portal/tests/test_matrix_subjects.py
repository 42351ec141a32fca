"""The authorization matrix of the person's own pages: the person and the contact person as actors.

Issue 13 ("Checks that must exist", "Bad input"): a person never reaches another person's
race or data; a contact person never sees more than was consented; anyone else is sent to
the portal's sign-in page; a guessed number is refused like another person's, audited,
with no hint whether it exists.

Actors (:data:`ACTORS`): person A; person B; A's contact person while A shares the basic
conditions with them (a ``contact_person`` consent) and after that consent is gone; a staff
user (the coordinator holding both files — a staff session is never a subject); an anonymous
visitor.

Targets: every named route whose path starts with ``my/`` — taken from the URL resolver,
so a new page of the portal fails :func:`test_every_portal_route_is_in_the_matrix` until it
is classified in :data:`ROUTES` — plus the staff-side routes of the portal app (the paper
code; the print routes once they exist). A route on a record is asked with the actor's own
record, the other person's, and a number no record has (:data:`VARIANTS`); a POST-only route
is asked by GET (405) and by POST with form data naming such a record.

Each case checks the status and where a redirect goes, that no body holds a sentinel the
actor may not see (every string planted in A's data starts with ``SNTLA``, in B's with
``SNTLB``; :mod:`portal.tests.subject_world`), that the race shows exactly the sections the
actor may see, that "another person's" and "no such number" answer the *same* page
(CSRF tokens blanked) with one ``denied`` audit entry each, and that a refused POST changed
nothing. Every request runs in a savepoint that is rolled back, so the order does not matter.
The tally is printed at the end of the run ("subject matrix: … cases, … checks").
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader

from estafette.consent.models import Consent
from estafette.core.actor import Actor
from estafette.core.models import AuditAction, AuditEvent
from estafette.personal_plan.models import OwnWords, ProposalAnswer, Step
from estafette.portal.tests.subject_world import (
    SubjectWorld,
    comparable,
    sign_in,
    subject_world,
)
from estafette.testing.clock import ClockControl
from estafette.testing.views import client_for

pytestmark = pytest.mark.django_db

GUESS = 10**9
"""A number no record has."""

# --- the routes, classified -------------------------------------------------------------

OPEN = "open"  # the sign-in pages: anyone
SIGN_OUT = "sign-out"  # POST only, ends whatever session there is
SUBJECT = "subject"  # the person and the contact person (the race, cut by consent)
PERSON = "person"  # the person only; a contact person gets 404 (audited)
PERSON_403 = "person-403"  # the person only; a contact person gets the calm 403 (the plan)
PERSON_POST = "person-post"  # a POST-only act of the person; a contact person 403/404
CONTACT = "contact"  # the contact person only (the home front's page); the person 404
CONTACT_POST = "contact-post"  # a POST-only act of the contact person; the person 404
STAFF = "staff"  # the professional side of the portal (actor_required)

ROUTES: dict[str, str] = {
    "portal:home": SUBJECT,
    "portal:sign-in": OPEN,
    "portal:code": OPEN,
    "portal:sign-out": SIGN_OUT,
    "personal_plan:mine": PERSON_403,
    "personal_plan:words": PERSON_POST,
    "personal_plan:step-add": PERSON_POST,
    "personal_plan:step-tick": PERSON_POST,
    "personal_plan:answer": PERSON_POST,
    "my-consents": PERSON,
    "my-consent-withdraw": PERSON,
    "my-access-log": PERSON,
    "my-access-log-pdf": PERSON,
    "person-sign-in-code": STAFF,
    # The home front (H6) and the printout (H7), issue 13's second round.
    "portal:home-front": CONTACT,
    "portal:home-front-message": CONTACT_POST,
    "portal:home-front-child": CONTACT_POST,
    "portal:print": PERSON,
    "person-printout": STAFF,
}
"""Every route of the person's pages and of the portal's staff side, by who may open it.
A route missing here fails :func:`test_every_portal_route_is_in_the_matrix`."""

POST_DATA: dict[str, Callable[[SubjectWorld, int | None], dict[str, Any]]] = {
    "personal_plan:words": lambda w, step: {"want": "Written by someone else", "worry": ""},
    "personal_plan:step-add": lambda w, step: {"step-text": "Added by someone else"},
    "personal_plan:step-tick": lambda w, step: {"step": step, "done": "1"},
    "personal_plan:answer": lambda w, step: {"step": step, f"answer-{step}-answer": "agree"},
    "my-consent-withdraw": lambda w, step: {"reason": ""},
}
"""What a POST route is sent (``step``: the step number of the variant, for the routes that
take one in the form)."""

STEP_ROUTES = {"personal_plan:step-tick": "own_step", "personal_plan:answer": "proposal"}
"""POST routes whose record travels in the form: which step of the person's plan."""

RECORD_ROUTES = {
    "my-consent-withdraw": "consent",
    "person-sign-in-code": "trajectory",
    "person-printout": "trajectory",
}
"""Routes with a record in the address: which record of the person's file."""

OWN, OTHER, NONE = "own", "other", "none"
VARIANTS = (OWN, OTHER, NONE)
"""A route on a record is asked with the actor's person's record, the other person's, and
a number no record has."""

RACE_SECTIONS = {
    "helpers": 'id="race-helpers"',
    "call": 'id="race-call"',
    "next": 'id="race-next"',
    "conditions": 'id="race-conditions"',
    "appointments": 'id="race-appointments"',
}


def portal_routes() -> dict[str, str]:
    """name → path of every named route under ``my/``, and of every route served by the
    portal app's own views elsewhere (its staff side)."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name:
                path = prefix + str(entry.pattern)
                module = getattr(entry.callback, "__module__", "")
                if path.startswith("my/") or module.startswith("estafette.portal."):
                    found.setdefault(f"{namespace}{entry.name}", path)

    walk(get_resolver().url_patterns, "", "")
    return found


# --- the actors ---------------------------------------------------------------------------

PERSON_A, PERSON_B = "person-a", "person-b"
CONTACT_SHARED, CONTACT_UNSHARED = "contact-a-shared", "contact-a-unshared"
STAFF_USER, ANONYMOUS = "staff", "anonymous"
ACTORS = (PERSON_A, PERSON_B, CONTACT_SHARED, CONTACT_UNSHARED, STAFF_USER, ANONYMOUS)


@dataclass(frozen=True)
class Who:
    """What the matrix knows of an actor: whose file is "theirs", and what they may see."""

    name: str
    letter: str  # whose file "own" means (A for everyone but person B)
    is_person: bool = False
    is_contact: bool = False
    is_staff: bool = False

    @property
    def is_subject(self) -> bool:
        return self.is_person or self.is_contact


WHO = {
    PERSON_A: Who(PERSON_A, "A", is_person=True),
    PERSON_B: Who(PERSON_B, "B", is_person=True),
    CONTACT_SHARED: Who(CONTACT_SHARED, "A", is_contact=True),
    CONTACT_UNSHARED: Who(CONTACT_UNSHARED, "A", is_contact=True),
    STAFF_USER: Who(STAFF_USER, "A", is_staff=True),
    ANONYMOUS: Who(ANONYMOUS, "A"),
}


def client_of(world: SubjectWorld, who: Who) -> Client:
    if who.is_staff:
        return client_for(world.staff)
    client = Client()
    file = world.a if who.letter == "A" else world.b
    if who.is_person:
        return sign_in(client, file.subject)
    if who.is_contact:
        return sign_in(client, file.contact)
    return client


def forbidden(world: SubjectWorld, who: Who, case: Case) -> tuple[str, ...]:
    """The sentinels that must never be in a body the actor gets."""
    a, b = world.a, world.b
    own, other = (a, b) if who.letter == "A" else (b, a)
    never = (own.sentinels["offence"], own.sentinels["nextstep"], other.prefix)
    if who.is_person:
        return never
    if who.is_contact:
        # The race, cut by consent: never the plan, the detention place, the consents' side.
        person_only = ("wish", "worry", "ownstep", "proposal", "prison")
        return never + tuple(own.sentinels[k] for k in person_only)
    if who.is_staff and ROUTES[case.route] == STAFF and case.variant != NONE:
        return ()  # the paper code (or printout) of a file the coordinator holds
    return (a.prefix, b.prefix)  # a page of the portal seen by no subject: nothing of anyone


def expected_sections(who: Who) -> set[str]:
    if who.is_person:
        return {"helpers", "next", "conditions", "appointments"}
    if who.name == CONTACT_SHARED:
        return {"call", "conditions"}
    return {"call"}


# --- asking -----------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    location: str
    body: str
    denied: list[AuditEvent]
    changed: bool
    """Whether the request left a mark in the person's plan or consents (before rollback)."""


def pdf_text(content: bytes) -> str:
    """The words of a PDF (a printout, who looked): the sentinels are checked in them too."""
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


class _Rollback(Exception):
    pass


def _fingerprint() -> tuple[Any, ...]:
    return (
        list(OwnWords.objects.order_by("pk").values_list("pk", "text")),
        list(Step.objects.order_by("pk").values_list("pk", "text", "done_at")),
        ProposalAnswer.objects.count(),
        list(Consent.objects.order_by("pk").values_list("pk", "revoked_at")),
    )


def ask(
    world: SubjectWorld, who: Who, method: str, url: str, data: dict[str, Any] | None = None
) -> Answer:
    """One request by ``who`` on a fresh client, inside a savepoint rolled back after it."""
    client = client_of(world, who)
    client.raise_request_exception = False
    answer: Answer | None = None
    with contextlib.suppress(_Rollback), transaction.atomic():
        before = _fingerprint()
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url) if method == "GET" else client.post(url, data or {})
        content = b"".join(response) if response.streaming else response.content
        is_pdf = response.get("Content-Type", "").startswith("application/pdf")
        answer = Answer(
            status=response.status_code,
            location=response.get("Location", ""),
            body=pdf_text(content) if is_pdf else comparable(content),
            denied=list(AuditEvent.objects.filter(id__gt=last, action=AuditAction.DENIED)),
            changed=_fingerprint() != before,
        )
        raise _Rollback
    assert answer is not None
    return answer


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    variant: str  # own/other/none for a route on a record, "" otherwise


def cases() -> list[Case]:
    out = []
    for name in sorted(portal_routes()):
        kind = ROUTES.get(name)
        if kind is None:
            continue  # test_every_portal_route_is_in_the_matrix fails for it
        on_record = name in RECORD_ROUTES or name in STEP_ROUTES
        variants: tuple[str, ...] = VARIANTS if on_record else ("",)
        methods = ["GET"]
        if kind in (PERSON_POST, CONTACT_POST, SIGN_OUT) or name in POST_DATA:
            methods.append("POST")
        for method in methods:
            for variant in variants:
                if method == "GET" and name in STEP_ROUTES and variant != OWN:
                    continue  # the record travels in the form: a GET names none
                out.append(Case(name, method, variant))
    return out


def url_and_data(world: SubjectWorld, who: Who, case: Case) -> tuple[str, dict[str, Any]]:
    own, other = (world.a, world.b) if who.letter == "A" else (world.b, world.a)
    file = {OWN: own, OTHER: other}.get(case.variant)
    kwargs: dict[str, Any] = {}
    if case.route in RECORD_ROUTES:
        record = getattr(file, RECORD_ROUTES[case.route]) if file else None
        kwargs["pk"] = record.pk if record is not None else GUESS
    step: int | None = None
    if case.route in STEP_ROUTES:
        record = getattr(file, STEP_ROUTES[case.route]) if file else None
        step = record.pk if record is not None else GUESS
    data = POST_DATA[case.route](world, step) if case.route in POST_DATA else {}
    return reverse(case.route, kwargs=kwargs), data


# --- the oracle ------------------------------------------------------------------------

SIGN_IN = "/my/sign-in/"


def expected(who: Who, case: Case) -> tuple[set[int], str]:
    """The statuses allowed and, for a redirect, where it must go ("" when no redirect)."""
    kind = ROUTES[case.route]
    if kind == STAFF:
        if who.is_staff:
            return ({200}, "") if case.variant != NONE else ({404}, "")
        return {302}, "/login/"
    if kind == OPEN:
        # A signed-in subject asking for the sign-in page again is sent to their page.
        return ({200, 302}, "/my/") if who.is_subject else ({200}, "")
    if kind == SIGN_OUT:
        return ({405}, "") if case.method == "GET" else ({302}, SIGN_IN)
    if kind in (PERSON_POST, CONTACT_POST) and case.method == "GET":
        return {405}, ""
    if not who.is_subject:
        return {302}, SIGN_IN
    if kind == SUBJECT:
        return {200}, ""
    if kind in (CONTACT, CONTACT_POST):
        if who.is_person:
            return {404}, ""
        if kind == CONTACT:
            return {200}, ""
        return {302, 400, 409}, ""  # sent, or the form back with a sentence (empty here)
    if who.is_contact:
        if kind == PERSON_403:
            return {403}, ""
        if kind == PERSON_POST:
            return {403, 404}, ""
        return {404}, ""
    # The person themself.
    if case.variant in (OTHER, NONE):
        return {404}, ""
    if case.method == "POST":
        return {302}, ""
    return {200}, ""


OWN_DATA = {
    "personal_plan:mine": ("wish", "ownstep", "proposal"),
    "portal:print": ("wish", "ownstep"),
}
"""What the person must find of their own on a page (no wrongful refusal): sentinel kinds."""


@pytest.fixture
def world(frozen_clock: ClockControl, actor_a: Actor) -> SubjectWorld:
    return subject_world(actor_a)


@contextlib.contextmanager
def home_front_as(world: SubjectWorld, who: Who) -> Iterator[None]:
    """For the contact person without a consent: A's consent to share is gone (rolled back)."""
    if who.name != CONTACT_UNSHARED:
        yield
        return
    with contextlib.suppress(_Rollback), transaction.atomic():
        assert world.a.home_front is not None
        world.a.home_front.delete()
        yield
        raise _Rollback


@pytest.mark.parametrize("actor", ACTORS)
def test_subject_matrix(world: SubjectWorld, actor: str, record_property: Any) -> None:
    who = WHO[actor]
    problems: list[str] = []
    checks = 0
    refused_pages: dict[tuple[str, str], dict[str, Answer]] = {}
    with home_front_as(world, who):
        for case in cases():
            url, data = url_and_data(world, who, case)
            answer = ask(world, who, case.method, url, data)
            answer.body = answer.body.replace(url, "<the address asked>")
            where = f"{actor} {case.method} {url} ({case.route}, {case.variant or '-'})"
            statuses, goes_to = expected(who, case)
            checks += 1
            if answer.status not in statuses:
                problems.append(f"{where}: {answer.status}, expected {sorted(statuses)}")
            if goes_to and answer.status == 302 and not answer.location.startswith(goes_to):
                problems.append(f"{where}: redirected to {answer.location}, not {goes_to}")
            for sentinel in forbidden(world, who, case):
                checks += 1
                if sentinel in answer.body:
                    problems.append(f"{where}: LEAK of {sentinel}")
            if answer.status >= 400 or (answer.status == 302 and not who.is_person):
                checks += 1
                if answer.changed and ROUTES[case.route] != SIGN_OUT:
                    problems.append(f"{where}: refused, yet the plan or a consent changed")
            if case.variant in (OTHER, NONE) and who.is_person and ROUTES[case.route] != STAFF:
                refused_pages.setdefault((case.route, case.method), {})[case.variant] = answer
            if case.route == "portal:home" and answer.status == 200:
                shown = {s for s, marker in RACE_SECTIONS.items() if marker in answer.body}
                checks += 1
                if shown != expected_sections(who):
                    problems.append(f"{where}: race sections {sorted(shown)}")
            if case.route in OWN_DATA and who.is_person and answer.status == 200:
                own = world.a if who.letter == "A" else world.b
                for kind in OWN_DATA[case.route]:
                    checks += 1
                    if own.sentinels[kind] not in answer.body:
                        problems.append(f"{where}: the person's own {kind} is missing")
    # Another person's record and a number no record has: one page, one audit entry each.
    for (route, method), answers in refused_pages.items():
        other, none = answers[OTHER], answers[NONE]
        where = f"{actor} {method} {route}"
        checks += 3
        if other.body != none.body:
            problems.append(f"{where}: another person's record and no record answer differently")
        if len(other.denied) != 1 or len(none.denied) != 1:
            problems.append(
                f"{where}: {len(other.denied)} and {len(none.denied)} denied entries, not 1 and 1"
            )
        elif (other.denied[0].object_type, other.denied[0].detail) != (
            none.denied[0].object_type,
            {**none.denied[0].detail},
        ):
            problems.append(f"{where}: the audit entries tell the two apart")
    record_property("subject_matrix_checks", checks)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_every_portal_route_is_in_the_matrix() -> None:
    """A new page of the person's portal must be classified (who may open it) in ROUTES."""
    missing = sorted(set(portal_routes()) - set(ROUTES))
    assert not missing, (
        f"routes of the person's pages not in the subject matrix: {missing}; classify them "
        "in ROUTES (src/estafette/portal/tests/test_matrix_subjects.py), with POST_DATA and "
        "RECORD_ROUTES/STEP_ROUTES where they take a form or a record"
    )
    stale = sorted(set(ROUTES) - set(portal_routes()))
    assert not stale, f"ROUTES names routes that no longer exist: {stale}"
