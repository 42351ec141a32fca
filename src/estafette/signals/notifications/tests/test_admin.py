"""The outbox in the admin: failed messages are visible, read-only, and can be queued again."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from estafette.signals.notifications.models import EmailKind, EmailState, OutgoingEmail
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    user = get_user_model().objects.create_superuser("beheer", "beheer@example.org", "s3cret-pass")
    client = Client()
    login_verified(client, user)
    return client


def message(state: str, **fields: object) -> OutgoingEmail:
    return OutgoingEmail.objects.create(
        to_address="x@example.org",
        subject="You have 1 new signal in Estafette",
        body="b",
        kind=EmailKind.IMMEDIATE,
        state=state,
        **fields,
    )


def test_failed_messages_are_listed_with_their_error(
    staff: Client, frozen_clock: ClockControl
) -> None:
    message(EmailState.FAILED, attempts=8, last_error="ConnectionRefusedError: refused")
    response = staff.get(
        "/admin/signals/outgoingemail/?state__exact=failed", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "ConnectionRefusedError: refused" in html and "x@example.org" in html


def test_try_again_puts_only_failed_messages_back_in_the_queue(
    staff: Client, frozen_clock: ClockControl
) -> None:
    failed = message(EmailState.FAILED, attempts=8, last_error="boom")
    sent = message(EmailState.SENT, attempts=1, sent_at=frozen_clock.now())
    response = staff.post(
        "/admin/signals/outgoingemail/",
        {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.state, failed.attempts) == (EmailState.PENDING, 0)
    assert failed.next_attempt_at <= frozen_clock.now()
    assert sent.state == EmailState.SENT


def test_a_message_cannot_be_changed_or_deleted_in_the_admin(
    staff: Client, frozen_clock: ClockControl
) -> None:
    sent = message(EmailState.SENT, attempts=1, sent_at=frozen_clock.now())
    response = staff.post(f"/admin/signals/outgoingemail/{sent.pk}/change/", {"subject": "x"})
    sent.refresh_from_db()
    assert sent.subject == "You have 1 new signal in Estafette"
    assert (
        staff.post(f"/admin/signals/outgoingemail/{sent.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert response.status_code in (302, 403)
