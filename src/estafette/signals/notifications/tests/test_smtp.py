"""E-mail to a real SMTP server (aiosmtpd) started by the test, and a retry after it was down."""

from __future__ import annotations

import pytest

from estafette.organisations.models import Organisation, Role
from estafette.signals.notifications.models import EmailFrequency, EmailState, OutgoingEmail
from estafette.signals.notifications.outbox import emails_queue_immediate, emails_send_due
from estafette.signals.notifications.services import (
    notifications_after_evaluation,
    notifications_fan_out,
)
from estafette.signals.notifications.tests.helpers import member, raise_signal
from estafette.signals.notifications.tests.smtp_server import SmtpServer
from estafette.testing.clock import ClockControl
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> OutgoingEmail:
    """One immediate message about one new signal, for coordinator@example.org."""
    member(
        org_c,
        Role.LANDING_PLACE_WORKER,
        frequency=EmailFrequency.IMMEDIATE,
        email="coordinator@example.org",
    )
    raise_signal(trajectory, org_c, Role.LANDING_PLACE_WORKER)
    notifications_fan_out()
    emails_queue_immediate()
    return OutgoingEmail.objects.get()


def test_a_message_reaches_a_real_smtp_server(smtp: SmtpServer, queued: OutgoingEmail) -> None:
    smtp.start()

    result = emails_send_due()

    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    [envelope] = smtp.inbox.envelopes
    assert envelope.rcpt_tos == ["coordinator@example.org"]
    assert envelope.mail_from == "noreply@estafette.example.nl"
    [received] = smtp.inbox.messages
    queued.refresh_from_db()
    assert received["Subject"] == "You have 1 new signal in Estafette"
    assert received["Message-ID"] == queued.message_id
    assert received["Auto-Submitted"] == "auto-generated"
    body = received.get_content()
    assert "https://estafette.example.nl/notifications/" in body
    assert (queued.state, queued.attempts, queued.last_error) == (EmailState.SENT, 1, "")
    assert queued.sent_at is not None


def test_server_down_then_up_delivers_exactly_once(
    smtp: SmtpServer, queued: OutgoingEmail, frozen_clock: ClockControl
) -> None:
    # 1. Nothing listens on the port: the message stays pending and backs off.
    down = emails_send_due()
    assert (down.sent, down.retrying) == (0, 1)
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (EmailState.PENDING, 1)
    assert queued.next_attempt_at > frozen_clock.now()
    assert "refused" in queued.last_error.lower() or "error" in queued.last_error.lower()

    # 2. The server is up, but the back-off has not passed: nothing is tried yet.
    smtp.start()
    assert emails_send_due().sent == 0
    assert smtp.inbox.envelopes == []

    # 3. Time passes: delivered, once.
    frozen_clock.advance(hours=1)
    up = emails_send_due()
    assert (up.sent, up.retrying) == (1, 0)
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (EmailState.SENT, 2)
    assert len(smtp.inbox.envelopes) == 1

    # 4. Running the sender (and the whole task) again never sends it twice.
    assert emails_send_due().sent == 0
    notifications_after_evaluation()
    frozen_clock.advance(days=1)
    assert emails_send_due().sent == 0
    assert len(smtp.inbox.envelopes) == 1
    [received] = smtp.inbox.messages
    assert received["Message-ID"] == queued.message_id  # the same message as first tried


def test_after_the_last_attempt_a_message_is_failed_and_kept(
    smtp: SmtpServer, queued: OutgoingEmail, frozen_clock: ClockControl
) -> None:
    outcomes = []
    for _attempt in range(3):
        outcomes.append(emails_send_due())
        frozen_clock.advance(hours=7)
    assert [(r.retrying, r.failed) for r in outcomes] == [(1, 0), (1, 0), (0, 1)]
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (EmailState.FAILED, 3)
    assert queued.last_error

    smtp.start()
    assert emails_send_due().sent == 0  # a failed message is not tried again
    assert smtp.inbox.envelopes == []


def test_a_server_that_goes_down_stops_the_run_and_leaves_the_rest_due(
    smtp: SmtpServer, queued: OutgoingEmail, frozen_clock: ClockControl, org_c: Organisation
) -> None:
    others = [
        OutgoingEmail.objects.create(
            to_address=f"x{i}@example.org", subject="s", body="b", kind="immediate"
        )
        for i in range(3)
    ]
    result = emails_send_due()
    assert (result.sent, result.retrying) == (0, 1)  # one attempt, then the run stops
    assert sorted(OutgoingEmail.objects.values_list("attempts", flat=True)) == [0, 0, 0, 1]

    smtp.start()
    assert emails_send_due().sent == 3  # the untried ones are still due
    frozen_clock.advance(hours=1)
    assert emails_send_due().sent == 1
    assert len(smtp.inbox.envelopes) == 4
    assert {o.pk for o in others} <= set(
        OutgoingEmail.objects.filter(state=EmailState.SENT).values_list("pk", flat=True)
    )
