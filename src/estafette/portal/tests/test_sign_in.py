# ruff: noqa: F811  (the fixtures are imported from test_sign_in_support, then used by name)
"""Signing in to the person's own pages with a one-time code (issue #13, decision 0019).

Real database, real rendering, a real SMTP server for e-mailed codes and the file sender
for text messages. Codes are single use, expire by the application clock, are throttled,
and the answer to "send me a code" never tells whether the address is known.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from estafette.core import sessions
from estafette.core.actor import Actor
from estafette.core.models import AuditAction, AuditEvent
from estafette.people.models import NetworkMember, Person
from estafette.portal import codes
from estafette.portal.models import CodeChannel, SignInCode
from estafette.portal.subject import SESSION_KEY, SubjectKind
from estafette.portal.tests.test_sign_in_support import (  # noqa: F401  (fixtures)
    CONTACT_EMAIL,
    CONTACT_PHONE,
    PERSON_EMAIL,
    PERSON_PHONE,
    code_in,
    contact_person,
    held,
    person,
    smtp,
    texts,
    texts_sent,
)
from estafette.signals.notifications.tests.smtp_server import SmtpServer
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    """Requests without a language choice get English (the assertions read English text)."""
    settings.LANGUAGE_CODE = "en"


SIGN_IN = "/my/sign-in/"
CODE = "/my/code/"
HOME = "/my/"


def ask(client: Client, address: str) -> Any:
    return client.post(SIGN_IN, {"address": address})


def enter(client: Client, code: str) -> Any:
    return client.post(CODE, {"code": code})


def signed_in_subject(client: Client) -> dict[str, Any] | None:
    value = client.session.get(SESSION_KEY)
    return value if isinstance(value, dict) else None


def paper_code_for(person: Person, member: NetworkMember | None = None) -> str:
    """A paper code issued directly (the professional's page is tested in test_sign_in_paper)."""
    from estafette.portal.subject import Subject

    subject = (
        Subject(kind=SubjectKind.CONTACT_PERSON, person=person, member=member)
        if member is not None
        else Subject(kind=SubjectKind.PERSON, person=person)
    )
    import datetime as dt

    _row, code = codes._issue(
        subject=subject,
        channel=CodeChannel.PAPER,
        lifetime=dt.timedelta(days=codes.PAPER_CODE_DAYS),
        make=codes.new_paper_code,
    )
    return code


# --- codes by e-mail and text message ---------------------------------------------------


def test_a_code_by_email_signs_the_person_in_once(
    client: Client, person: Person, smtp: SmtpServer
) -> None:
    response = ask(client, "  Sam.Bakker@Example.nl ")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:code")
    assert smtp.inbox.recipients == [PERSON_EMAIL]
    message = smtp.inbox.messages[0]
    body = message.get_content()
    code = code_in(body)
    # Only the code, its lifetime and the product name: no name, no organisation, no place.
    assert "Estafette" in body and "15 minutes" in body
    for word in (person.given_names, person.family_name, "Bureau", "detention", "prison"):
        assert word.lower() not in (body + str(message["Subject"])).lower()

    response = enter(client, code[:3] + " " + code[3:])
    assert response.status_code == 302 and response["Location"] == HOME
    assert signed_in_subject(client) == {
        "kind": "person",
        "person_id": person.pk,
        "member_id": None,
    }
    assert client.get(HOME).status_code == 200

    # The same code again, in a fresh browser with the same session challenge gone: refused.
    other = Client()
    assert enter(other, code).status_code == 400
    row = SignInCode.objects.get(person=person, channel=CodeChannel.EMAIL)
    assert row.used_at is not None
    assert row.code_hash != code and code not in row.code_hash


def test_a_short_code_works_only_in_the_browser_that_asked(
    client: Client, person: Person, smtp: SmtpServer
) -> None:
    ask(client, PERSON_EMAIL)
    code = code_in(smtp.inbox.messages[0].get_content())
    elsewhere = Client()
    assert enter(elsewhere, code).status_code == 400
    assert signed_in_subject(elsewhere) is None
    assert enter(client, code).status_code == 302


def test_a_code_by_text_message_for_the_contact_person(
    client: Client, contact_person: NetworkMember, texts: Path
) -> None:
    ask(client, "0031 6 87654321")  # the same number as "+31 6 8765 4321"
    sent = texts_sent(texts)
    assert len(sent) == 1
    assert sent[0].startswith(f"To: {CONTACT_PHONE}\n")
    assert "Estafette" in sent[0]
    for word in ("Ria", "Bakker", contact_person.person.given_names):
        assert word not in sent[0]
    assert enter(client, code_in(sent[0])).status_code == 302
    assert signed_in_subject(client) == {
        "kind": "contact_person",
        "person_id": contact_person.person_id,
        "member_id": contact_person.pk,
    }


def test_the_person_by_phone_in_another_notation(
    client: Client, person: Person, texts: Path
) -> None:
    ask(client, "+31612345678")
    sent = texts_sent(texts)
    assert len(sent) == 1 and sent[0].startswith(f"To: {PERSON_PHONE}\n")


def test_a_code_expires(
    client: Client, person: Person, smtp: SmtpServer, frozen_clock: ClockControl
) -> None:
    ask(client, PERSON_EMAIL)
    code = code_in(smtp.inbox.messages[0].get_content())
    frozen_clock.advance(hours=1)
    assert enter(client, code).status_code == 400
    assert signed_in_subject(client) is None
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, detail__stage="code")
    assert [e.detail["reason"] for e in failed] == ["expired"]
    assert failed[0].person_id == person.pk


def test_a_new_code_voids_the_older_one(client: Client, person: Person, smtp: SmtpServer) -> None:
    ask(client, PERSON_EMAIL)
    ask(client, PERSON_EMAIL)
    first, second = (code_in(m.get_content()) for m in smtp.inbox.messages)
    assert enter(client, first).status_code == 400
    assert enter(client, second).status_code == 302


# --- no hint whether an address is known ------------------------------------------------


def _masked(html: bytes) -> bytes:
    """The page with the CSRF token's value masked (it differs on every rendering)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


@pytest.mark.parametrize(
    ("known", "unknown"),
    [
        (PERSON_EMAIL, "niemand@example.nl"),
        (CONTACT_EMAIL, "iemand.anders@example.nl"),
        (PERSON_PHONE, "06 9999 0000"),
        (CONTACT_PHONE, "+32 470 12 34 56"),
    ],
)
def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(
    person: Person,
    contact_person: NetworkMember,
    smtp: SmtpServer,
    texts: Path,
    known: str,
    unknown: str,
) -> None:
    answers = []
    for address in (known, unknown):
        client = Client()
        response = ask(client, address)
        page = client.get(CODE)
        answers.append(
            (
                response.status_code,
                response["Location"],
                response.content,
                sorted(k for k in response.cookies),
                page.status_code,
                _masked(page.content),
            )
        )
    assert answers[0] == answers[1]
    assert len(smtp.inbox.envelopes) + len(texts_sent(texts)) == 1  # only the known got one


def test_an_address_shared_by_two_subjects_gets_no_code(
    client: Client, person: Person, contact_person: NetworkMember, smtp: SmtpServer
) -> None:
    NetworkMember.objects.filter(pk=contact_person.pk).update(email=PERSON_EMAIL)
    response = ask(client, PERSON_EMAIL)
    assert response.status_code == 302 and response["Location"] == reverse("portal:code")
    assert smtp.inbox.envelopes == []
    entry = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.detail["reason"] == "shared_address"


def test_a_malformed_address_is_refused_beside_the_field(client: Client) -> None:
    response = ask(client, "not an address")
    assert response.status_code == 400
    assert "Type an e-mail address" in response.content.decode()


# --- throttling ---------------------------------------------------------------------------


def test_five_wrong_codes_void_the_sessions_code(
    client: Client, person: Person, smtp: SmtpServer
) -> None:
    ask(client, PERSON_EMAIL)
    code = code_in(smtp.inbox.messages[0].get_content())
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(codes.MAX_ATTEMPTS_PER_CODE):
        assert enter(client, wrong).status_code == 400
    assert enter(client, code).status_code == 400  # right, but too late
    assert signed_in_subject(client) is None
    assert SignInCode.objects.get(person=person).voided_at is not None


def test_codes_sent_to_one_address_are_limited(
    person: Person, smtp: SmtpServer, frozen_clock: ClockControl
) -> None:
    for _ in range(codes.MAX_CODES_PER_ADDRESS + 2):
        assert ask(Client(), PERSON_EMAIL).status_code == 302  # the same answer throughout
    assert len(smtp.inbox.envelopes) == codes.MAX_CODES_PER_ADDRESS
    reasons = list(
        AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).values_list(
            "detail__reason", flat=True
        )
    )
    assert reasons == ["throttled_address"] * 2
    frozen_clock.advance(hours=1)  # the window has passed
    ask(Client(), PERSON_EMAIL)
    assert len(smtp.inbox.envelopes) == codes.MAX_CODES_PER_ADDRESS + 1


def test_requests_from_one_client_address_are_limited(client: Client, person: Person) -> None:
    for n in range(codes.MAX_REQUESTS_PER_CLIENT):
        assert ask(client, f"niemand{n}@example.nl").status_code == 302
    response = ask(client, PERSON_EMAIL)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # Another client address is not held back.
    assert ask(Client(REMOTE_ADDR="192.0.2.7"), "niemand@example.nl").status_code == 302


def test_wrong_codes_from_one_client_address_are_limited(
    client: Client, person: Person, frozen_clock: ClockControl
) -> None:
    paper = paper_code_for(person)
    for _ in range(codes.MAX_FAILURES_PER_CLIENT):
        assert enter(client, "ACDE-FHJK-MNPR").status_code == 400
    response = enter(client, paper)
    assert response.status_code == 429  # not even looked at
    assert "Too many attempts" in response.content.decode()
    assert SignInCode.objects.get(person=person).used_at is None
    frozen_clock.advance(hours=1)
    assert enter(client, paper).status_code == 302


# --- the audit ----------------------------------------------------------------------------


def test_audit_entries_carry_neither_the_code_nor_the_address(
    client: Client, person: Person, contact_person: NetworkMember, smtp: SmtpServer, texts: Path
) -> None:
    ask(client, PERSON_EMAIL)
    ask(Client(), "niemand@example.nl")
    ask(Client(), CONTACT_PHONE)
    email_code = code_in(smtp.inbox.messages[0].get_content())
    text_code = code_in(texts_sent(texts)[0])
    enter(client, "123 123")
    enter(client, email_code)
    paper = paper_code_for(person)
    enter(Client(), paper)
    enter(Client(), paper)  # used
    events = list(AuditEvent.objects.order_by("id"))
    assert {e.action for e in events} >= {
        AuditAction.CREATE,
        AuditAction.LOGIN,
        AuditAction.LOGIN_FAILED,
    }
    logins = [e for e in events if e.action == AuditAction.LOGIN]
    assert [e.detail["channel"] for e in logins] == ["email", "paper"]
    assert all(e.person_id == person.pk and e.user_id is None for e in logins)
    text = json.dumps([[e.object_type, e.object_id, e.detail] for e in events]).lower()
    for secret in (
        email_code,
        text_code,
        "123123",
        paper,
        codes.paper_code_printed(paper).lower(),
        PERSON_EMAIL,
        "niemand@example.nl",
        CONTACT_PHONE,
        "87654321",
        "sam.bakker",
    ):
        assert secret.lower() not in text


# --- sessions -----------------------------------------------------------------------------


def test_signing_in_as_a_subject_ends_a_staff_session(
    client: Client, person: Person, actor_a: Actor
) -> None:
    login_verified(client, actor_a.user)
    assert client.get("/caseload/").status_code == 200
    old_key = client.session.session_key
    assert enter(client, paper_code_for(person)).status_code == 302
    assert client.session.session_key != old_key
    assert "_auth_user_id" not in client.session
    assert client.get("/caseload/").status_code == 302  # to the staff login
    assert client.get(HOME).status_code == 200


def test_a_staff_session_never_counts_as_a_subject(
    client: Client, person: Person, actor_a: Actor
) -> None:
    login_verified(client, actor_a.user)
    session = client.session
    session[SESSION_KEY] = {"kind": "person", "person_id": person.pk, "member_id": None}
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"] == SIGN_IN


def test_a_contact_person_who_stops_being_one_is_signed_out(
    client: Client, contact_person: NetworkMember
) -> None:
    assert enter(client, paper_code_for(contact_person.person, contact_person)).status_code == 302
    assert client.get(HOME).status_code == 200
    NetworkMember.objects.filter(pk=contact_person.pk).update(is_contact_person=False)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"] == SIGN_IN
    assert signed_in_subject(client) is None


def test_a_paper_code_of_a_former_contact_person_signs_nobody_in(
    client: Client, contact_person: NetworkMember
) -> None:
    code = paper_code_for(contact_person.person, contact_person)
    NetworkMember.objects.filter(pk=contact_person.pk).update(is_contact_person=False)
    assert enter(client, code).status_code == 400
    entry = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.detail["reason"] == "no_longer_contact_person"


def test_an_idle_session_ends_and_says_why(
    client: Client, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(sessions, "wall_clock", lambda: now[0])
    enter(client, paper_code_for(person))
    now[0] += 19 * 60
    assert client.get(HOME).status_code == 200  # still within 20 minutes, and seen now
    now[0] += 19 * 60
    assert client.get(HOME).status_code == 200
    now[0] += 21 * 60
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"] == SIGN_IN
    page = client.get(SIGN_IN).content.decode()
    assert "You were signed out because you did nothing for a while" in page


def test_a_session_ends_after_its_total_time(
    client: Client, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(sessions, "wall_clock", lambda: now[0])
    enter(client, paper_code_for(person))
    for _ in range(7):  # active every 18 minutes, 126 minutes in all
        now[0] += 18 * 60
        last = client.get(HOME)
    assert last.status_code == 302 and last["Location"] == SIGN_IN


def test_sign_out_is_a_post_and_ends_the_session(client: Client, person: Person) -> None:
    enter(client, paper_code_for(person))
    assert client.get(reverse("portal:sign-out")).status_code == 405
    response = client.post(reverse("portal:sign-out"))
    assert response.status_code == 302 and response["Location"] == SIGN_IN
    assert client.get(HOME).status_code == 302


def test_the_home_page_shows_the_race_and_a_sign_out_button(
    client: Client, held: Trajectory
) -> None:
    enter(client, paper_code_for(held.person))
    page = client.get(HOME).content.decode()
    assert 'class="race"' in page
    assert reverse("portal:sign-out") in page
    assert "site-nav" not in page  # nothing of the staff navigation
