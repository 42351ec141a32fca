"""Fixtures and helpers of the portal's sign-in tests, imported by test_sign_in*.py.

A person with an address on file, their contact person, a text-message folder of the test's
own, and a real SMTP server for e-mailed codes. Not a conftest.py: the portal's other tests
keep their own fixtures (``trajectory`` among them) untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from estafette.core.actor import Actor
from estafette.people.models import NetworkMember, Person, Relation
from estafette.signals.notifications.tests.smtp_server import SmtpServer, free_port
from estafette.testing.clock import ClockControl
from estafette.testing.factories import TrajectoryFactory
from estafette.trajectories.models import Trajectory

PERSON_EMAIL = "sam.bakker@example.nl"
PERSON_PHONE = "06 1234 5678"
CONTACT_EMAIL = "moeder.bakker@example.nl"
CONTACT_PHONE = "+31 6 8765 4321"


@pytest.fixture
def texts(settings: Any, tmp_path: Path) -> Path:
    """Text messages go to files in a folder of this test."""
    folder = tmp_path / "text-messages"
    settings.ESTAFETTE_TEXT_MESSAGE_SENDER = "estafette.portal.text_messages.FileSender"
    settings.ESTAFETTE_TEXT_MESSAGE_DIR = str(folder)
    return folder


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on a free port, started; Django's mail goes there."""
    server = SmtpServer(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Estafette <noreply@estafette.example.nl>"
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def held(frozen_clock: ClockControl, actor_a: Actor) -> Trajectory:
    """A trajectory held by ``org_a``, its person with an e-mail address and a phone."""
    trajectory = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    Person.objects.filter(pk=trajectory.person_id).update(email=PERSON_EMAIL, phone=PERSON_PHONE)
    trajectory.person.refresh_from_db()
    return trajectory


@pytest.fixture
def person(held: Trajectory) -> Person:
    return held.person


@pytest.fixture
def contact_person(person: Person) -> NetworkMember:
    return NetworkMember.objects.create(
        person=person,
        name="Ria Bakker",
        relation=Relation.PARENT,
        is_contact_person=True,
        email=CONTACT_EMAIL,
        phone=CONTACT_PHONE,
    )


def code_in(text: str) -> str:
    """The 6-digit code a message carries."""
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def texts_sent(folder: Path) -> list[str]:
    return [path.read_text() for path in sorted(folder.glob("*.txt"))] if folder.exists() else []
