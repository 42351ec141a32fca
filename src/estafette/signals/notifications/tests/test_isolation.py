"""Faults stay local: one bad recipient, message or event never stops the rest (issue #9, 4).

E-mail goes to a real SMTP server (aiosmtpd); the failures are a malformed
address, a recipient the server refuses, a message that cannot be composed
(a broken plural translation, planted by wrapping ``compose``) and an event
whose notifications cannot be built or written (planted in the per-event step).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from estafette.core.isolation import Report
from estafette.organisations.models import Organisation, Role
from estafette.signals.models import SignalEvent
from estafette.signals.notifications import outbox, services
from estafette.signals.notifications.models import (
    EmailFrequency,
    EmailState,
    Notification,
    OutgoingEmail,
)
from estafette.signals.notifications.services import (
    notifications_after_evaluation,
    notifications_fan_out,
)
from estafette.signals.notifications.tests.helpers import member, raise_signal
from estafette.signals.notifications.tests.smtp_server import SmtpServer
from estafette.testing.clock import ClockControl
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db

WORKER = Role.LANDING_PLACE_WORKER


def immediate(org: Organisation, address: str) -> Any:
    return member(org, WORKER, frequency=EmailFrequency.IMMEDIATE, email=address).user


def test_a_malformed_address_fails_at_once_and_the_others_are_delivered(
    smtp: SmtpServer, frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    smtp.start()
    immediate(org_c, "anna@example.org")
    bad = immediate(org_c, "nazorg@arnhem@example.org")  # saved without the form's check
    immediate(org_c, "zora@example.org")
    raise_signal(trajectory, org_c, WORKER)

    run = notifications_after_evaluation()

    assert (run.notified, run.queued) == (3, 3)
    assert (run.sending.sent, run.sending.retrying, run.sending.failed) == (2, 0, 1)
    assert smtp.inbox.recipients == ["anna@example.org", "zora@example.org"]
    message = OutgoingEmail.objects.get(recipient=bad)
    assert (message.state, message.attempts) == (EmailState.FAILED, 1)
    assert message.last_error.startswith("Invalid e-mail address")
    # Nothing is left to hold up the queue: the next run is quiet.
    again = notifications_after_evaluation()
    assert (again.sending.sent, again.sending.failed) == (0, 0)
    assert len(smtp.inbox.envelopes) == 2


def test_a_recipient_the_server_refuses_is_retried_and_holds_up_no_other(
    smtp: SmtpServer, frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    smtp.inbox.refused = {"gone@example.org"}
    smtp.start()
    first = immediate(org_c, "anna@example.org")
    gone = immediate(org_c, "gone@example.org")
    immediate(org_c, "zora@example.org")
    raise_signal(trajectory, org_c, WORKER)
    assert first.pk < gone.pk  # the refused message is not the last one tried

    run = notifications_after_evaluation()

    assert (run.sending.sent, run.sending.retrying, run.sending.failed) == (2, 1, 0)
    assert smtp.inbox.recipients == ["anna@example.org", "zora@example.org"]
    refused = OutgoingEmail.objects.get(recipient=gone)
    assert (refused.state, refused.attempts) == (EmailState.PENDING, 1)
    assert "SMTPRecipientsRefused" in refused.last_error
    assert refused.next_attempt_at > frozen_clock.now()

    smtp.inbox.refused = set()  # the mailbox is back
    frozen_clock.advance(hours=1)
    assert notifications_after_evaluation().sending.sent == 1
    assert smtp.inbox.recipients == ["anna@example.org", "gone@example.org", "zora@example.org"]


def test_a_message_that_cannot_be_composed_leaves_the_others_queued(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    org_a: Organisation,
    org_c: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one = immediate(org_a, "one@example.org")
    two = immediate(org_c, "two@example.org")
    raise_signal(trajectory, org_a, WORKER)
    raise_signal(trajectory, org_c, WORKER, rule_code="release_date_unknown")
    raise_signal(trajectory, org_c, WORKER, rule_code="municipality_doubtful")
    real = outbox.compose

    def broken_plural(count: int, *others: int) -> tuple[str, str]:
        if count == 2:  # as a translation whose plural form names a placeholder that is not there
            raise KeyError("counted")
        return real(count, *others)

    monkeypatch.setattr(outbox, "compose", broken_plural)

    run = notifications_after_evaluation()

    assert run.queued == 1
    assert [failure.id for failure in run.set_aside] == [two.pk]
    assert "KeyError" in run.set_aside[0].error
    assert [m.to for m in mail.outbox] == [["one@example.org"]]
    assert Notification.objects.filter(user=two, email__isnull=True).count() == 2
    assert not Notification.objects.filter(user=one, email__isnull=True).exists()

    monkeypatch.undo()  # the translation is mended: the next run mails what waited
    later = notifications_after_evaluation()
    assert (later.queued, later.set_aside) == (1, ())
    assert [m.to for m in mail.outbox] == [["one@example.org"], ["two@example.org"]]
    assert mail.outbox[1].subject == outbox.compose(2)[0]  # "… 2 new signals …"


def test_an_event_that_cannot_be_notified_leaves_the_others_notified(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    org_a: Organisation,
    org_c: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member(org_a, WORKER)
    member(org_c, WORKER)
    fine = raise_signal(trajectory, org_a, WORKER)
    broken = raise_signal(trajectory, org_c, WORKER, rule_code="release_date_unknown")
    real = services._notifications_for

    def planted(event: tuple[Any, ...], members: Any) -> Any:
        if event[0] == broken.pk:
            raise ValueError("cannot build the notifications of this event")
        return real(event, members)

    monkeypatch.setattr(services, "_notifications_for", planted)
    report = Report()

    assert notifications_fan_out(report=report) == 1
    assert [f.id for f in report.failures] == [broken.pk]
    assert Notification.objects.filter(event=fine).count() == 1
    assert not Notification.objects.filter(event=broken).exists()

    monkeypatch.undo()
    assert notifications_fan_out() == 1  # tried again, and notified
    assert Notification.objects.filter(event=broken).count() == 1


def test_a_notification_that_cannot_be_written_is_found_event_by_event(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    org_a: Organisation,
    org_c: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member(org_a, WORKER)
    member(org_c, WORKER)
    member(org_c, WORKER)
    fine = raise_signal(trajectory, org_a, WORKER)
    broken = raise_signal(trajectory, org_c, WORKER, rule_code="release_date_unknown")
    real = services._notifications_for

    def unwritable(event: tuple[Any, ...], members: Any) -> Any:
        rows = real(event, members)
        if event[0] == broken.pk:
            rows[0].created_at = "not a moment"  # the bulk insert refuses the whole batch
        return rows

    monkeypatch.setattr(services, "_notifications_for", unwritable)
    report = Report()

    assert notifications_fan_out(report=report) == 1
    assert [f.id for f in report.failures] == [broken.pk]
    assert Notification.objects.filter(event=fine).count() == 1
    assert not Notification.objects.filter(event=broken).exists()  # none of its two
    assert SignalEvent.objects.filter(pk=broken.pk).exists()
