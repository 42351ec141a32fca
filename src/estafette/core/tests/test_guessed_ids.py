"""A guessed number in any address is refused with a sentence, audited, never a 500 (issue 11).

Over every route of the resolver that takes a number: the number of no record, a
number beyond what the database can hold (10**30: PostgreSQL's ``bigint`` ends at
2**63 - 1), and over every route that takes a word, a 60-character one. Each must
answer 404 and leave one ``denied`` entry in the audit log — on SQLite and on
PostgreSQL (run with ``DATABASE_URL=postgres://…``; docs/input-bounds.md). The
refusals themselves come from :func:`estafette.core.refusal.refuse_not_found`.

A route of the person's own pages (``/my/…``, issue 13) needs a signed-in subject, not a
staff user: it is asked as the world's person, signed in to the portal, and answers the
same audited 404. Without a subject (a staff session, a visitor) such a route sends to the
portal's sign-in page before any number is looked at — that redirect is the answer, and it
tells nothing about the number (``test_a_guessed_number_without_a_subject_goes_to_sign_in``).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from estafette.core.actor import Actor
from estafette.core.audit import OBJECT_ID_MAX
from estafette.core.models import AuditAction, AuditEvent
from estafette.organisations.models import Organisation
from estafette.signals.notifications.models import Notification
from estafette.testing.clock import ClockControl
from estafette.testing.routes import Route, RouteWorld, every_route, route_world, url_for
from estafette.testing.views import client_for

pytestmark = pytest.mark.django_db

NOT_PERSON_DATA = {"norm-detail"}
"""Routes whose word names no record of a person (a norm of the catalogue): not audited, and
refused as the route refuses anyone but an administrator (403) — but never a 500."""

NUMBERS = {"unknown": 10**9, "oversized": 10**30}
"""A number no record has, and one no database column can hold."""

LONG_WORD = "x" * 60


@pytest.fixture
def world(
    frozen_clock: ClockControl, actor_a: Actor, org_b: Organisation, org_c: Organisation
) -> RouteWorld:
    return route_world(actor_a, org_b, org_c)


def _routes_with(kind: str) -> list[Route]:
    return [
        route
        for route in every_route()
        if not route.admin and (route.int_params if kind == "int" else route.str_params)
    ]


def _ask(client: Client, url: str) -> Any:
    """GET the address; a route that only takes POST is asked with an empty POST."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def _denied() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("id"))


def _is_portal(route: Route) -> bool:
    return route.route.startswith("my/")


def _subject_client(world: RouteWorld) -> Client:
    """The world's person, signed in to their own pages (as a code sign-in leaves it)."""
    from estafette.people.models import Person
    from estafette.portal import session_limits
    from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind

    person = Person.objects.get(pk=world.samples["person_pk"])
    client = Client()
    session = client.session
    session[SESSION_KEY] = Subject(kind=SubjectKind.PERSON, person=person).session_value()
    session_limits.start(session)
    session.save()
    return client


def _check(world: RouteWorld, route: Route, samples: dict[str, Any], audited: bool) -> str:
    """What is wrong with the answer to ``route`` filled from ``samples``; empty if nothing."""
    client = _subject_client(world) if _is_portal(route) else client_for(world.actor)
    client.raise_request_exception = False
    url = url_for(route, samples)
    before = len(_denied())
    response = _ask(client, url)
    if response.status_code != 404 and (audited or response.status_code != 403):
        return f"{route.name} {url[:80]}: {response.status_code}, not 404"
    entries = _denied()[before:]
    if audited and len(entries) != 1:
        return f"{route.name} {url[:80]}: {len(entries)} denied audit entries, not 1"
    if entries and len(entries[-1].object_id) > OBJECT_ID_MAX:
        return f"{route.name}: an audited number longer than its column"
    return ""


@pytest.mark.parametrize("number", sorted(NUMBERS))
def test_a_guessed_number_on_every_route_is_refused_and_audited(
    world: RouteWorld, number: str
) -> None:
    problems = []
    for route in _routes_with("int"):
        for param in route.int_params:
            samples = {**world.samples, f"{route.name}:{param}": NUMBERS[number]}
            problems.append(_check(world, route, samples, audited=True))
    problems = [p for p in problems if p]
    assert not problems, f"on {connection.vendor}:\n" + "\n".join(problems)


@pytest.mark.parametrize("who", ["staff", "visitor"])
def test_a_guessed_number_without_a_subject_goes_to_sign_in(world: RouteWorld, who: str) -> None:
    """A route of the person's pages asked by no subject: the sign-in page, whatever the number."""
    client = client_for(world.actor) if who == "staff" else Client()
    portal_routes = [r for r in _routes_with("int") if _is_portal(r)]
    assert portal_routes, "no route of the person's pages takes a number any more"
    problems = []
    for route in portal_routes:
        for number in NUMBERS.values():
            samples = {**world.samples, **{f"{route.name}:{p}": number for p in route.int_params}}
            url = url_for(route, samples)
            response = _ask(client, url)
            if response.status_code != 302 or response["Location"] != "/my/sign-in/":
                problems.append(f"{route.name} {url[:80]}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_a_long_word_on_every_route_is_refused(world: RouteWorld) -> None:
    problems = []
    for route in _routes_with("str"):
        for param in route.str_params:
            samples = {**world.samples, f"{route.name}:{param}": LONG_WORD}
            audited = route.name not in NOT_PERSON_DATA
            problems.append(_check(world, route, samples, audited=audited))
    problems = [p for p in problems if p]
    assert not problems, f"on {connection.vendor}:\n" + "\n".join(problems)


def test_the_oversized_number_is_kept_to_the_column_in_the_audit_log(world: RouteWorld) -> None:
    client = client_for(world.actor)
    assert client.get(f"/trajectories/{10**60}/").status_code == 404
    entry = _denied()[-1]
    assert entry.object_type == "trajectories.trajectory"
    assert entry.object_id == str(10**60)[:OBJECT_ID_MAX]


@pytest.mark.parametrize("action", ["read", "open"])
def test_someone_elses_notification_is_refused_and_audited(
    world: RouteWorld, actor_for: Any, action: str
) -> None:
    """Another user's notification answers as one that does not exist — and is audited."""
    colleague = actor_for(world.actor.organisation)
    theirs = Notification.objects.filter(user=world.actor.user).first()
    assert theirs is not None
    read_at = theirs.read_at
    response = client_for(colleague).post(f"/notifications/{theirs.pk}/{action}/")
    assert response.status_code == 404
    entry = _denied()[-1]
    assert (entry.user_id, entry.object_type, entry.object_id) == (
        colleague.user.pk,
        "signals.notification",
        str(theirs.pk),
    )
    theirs.refresh_from_db()
    assert theirs.read_at == read_at
