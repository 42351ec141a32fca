"""The outbox: what is queued for whom and when, what a message says, back-off, sending once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from estafette.core.actor import Actor
from estafette.organisations.models import Organisation, Role
from estafette.people.models import Person
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.models import Signal
from estafette.signals.notifications.models import (
    EmailFrequency,
    EmailKind,
    EmailState,
    Notification,
    OutgoingEmail,
)
from estafette.signals.notifications.outbox import (
    backoff,
    compose,
    emails_queue_daily_digests,
    emails_queue_immediate,
    emails_send_due,
)
from estafette.signals.notifications.services import (
    notification_preference_set,
    notifications_after_evaluation,
    notifications_fan_out,
    notifications_send_daily_digests,
)
from estafette.signals.notifications.tests.helpers import member, raise_signal
from estafette.testing.clock import ClockControl
from estafette.testing.factories import PersonFactory, TrajectoryFactory
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db

SITE = "https://estafette.example.nl"


@pytest.fixture(autouse=True)
def site(settings: SettingsWrapper) -> None:
    settings.ESTAFETTE_SITE_URL = SITE
    settings.ESTAFETTE_DIGEST_HOUR = 7
    settings.ESTAFETTE_EMAIL_RETRY_SECONDS = 60
    settings.ESTAFETTE_EMAIL_MAX_ATTEMPTS = 3
    settings.LANGUAGE_CODE = "en"


def notify(trajectory: Trajectory, org: Organisation, role: str, rules: list[str]) -> None:
    for rule in rules:
        raise_signal(trajectory, org, role, rule_code=rule)
    notifications_fan_out()


# --- immediate -------------------------------------------------------------------------


def test_immediate_users_get_one_mail_per_batch(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    fast = member(org_c, Role.LANDING_PLACE_WORKER, frequency=EmailFrequency.IMMEDIATE)
    member(org_c, Role.LANDING_PLACE_WORKER)  # default: daily, nothing immediate
    notify(
        trajectory, org_c, Role.LANDING_PLACE_WORKER, ["no_contact_person", "registration_unknown"]
    )

    assert emails_queue_immediate() == 1
    assert emails_queue_immediate() == 0  # the batch is announced once
    message = OutgoingEmail.objects.get()
    assert (message.recipient_id, message.to_address, message.kind) == (
        fast.user_id,
        fast.user.email,
        EmailKind.IMMEDIATE,
    )
    assert message.subject == "You have 2 new signals in Estafette"
    assert set(
        Notification.objects.filter(user_id=fast.user_id).values_list("email", flat=True)
    ) == {message.pk}

    notify(trajectory, org_c, Role.LANDING_PLACE_WORKER, ["vulnerable_without_support"])
    assert emails_queue_immediate() == 1
    assert OutgoingEmail.objects.order_by("-id").first().subject == (  # type: ignore[union-attr]
        "You have 1 new signal in Estafette"
    )


def test_nothing_is_mailed_to_users_who_said_off_who_read_it_or_who_have_no_address(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    member(org_c, Role.LANDING_PLACE_WORKER, frequency=EmailFrequency.OFF)
    reader = member(org_c, Role.LANDING_PLACE_WORKER, frequency=EmailFrequency.IMMEDIATE)
    member(org_c, Role.LANDING_PLACE_WORKER, frequency=EmailFrequency.IMMEDIATE, email="")
    notify(trajectory, org_c, Role.LANDING_PLACE_WORKER, ["no_contact_person"])
    Notification.objects.filter(user_id=reader.user_id).update(read_at=frozen_clock.now())

    assert emails_queue_immediate() == 0
    assert emails_queue_daily_digests() == 0
    assert not OutgoingEmail.objects.exists()


# --- daily -----------------------------------------------------------------------------


def test_daily_summary_once_per_day_even_if_the_task_runs_twice(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    daily = member(org_c, Role.LANDING_PLACE_WORKER)  # no preference: the default, daily
    notify(trajectory, org_c, Role.LANDING_PLACE_WORKER, ["no_contact_person"])
    assert emails_queue_immediate() == 0

    frozen_clock.set(dt.datetime(2025, 3, 3, 6, 30, tzinfo=dt.UTC).astimezone(dt.UTC))
    # 06:30 UTC is 07:30 in Amsterdam (winter time): past the digest hour.
    assert emails_queue_daily_digests() == 1
    assert emails_queue_daily_digests() == 0
    notify(trajectory, org_c, Role.LANDING_PLACE_WORKER, ["registration_unknown"])
    assert emails_queue_daily_digests() == 0  # today's is out: the new one waits for tomorrow
    digest = OutgoingEmail.objects.get()
    assert (digest.kind, digest.digest_date, digest.recipient_id) == (
        EmailKind.DIGEST,
        dt.date(2025, 3, 3),
        daily.user_id,
    )
    assert digest.subject == "You have 1 new signal in Estafette"

    frozen_clock.advance(days=1)
    assert emails_queue_daily_digests() == 1
    assert OutgoingEmail.objects.filter(digest_date=dt.date(2025, 3, 4)).get().subject == (
        "You have 1 new signal in Estafette"
    )


def test_no_summary_before_the_digest_hour(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    member(org_c, Role.LANDING_PLACE_WORKER, frequency=EmailFrequency.DAILY)
    notify(trajectory, org_c, Role.LANDING_PLACE_WORKER, ["no_contact_person"])
    early = dt.datetime(2025, 3, 4, 5, 0, tzinfo=dt.UTC)  # 06:00 in Amsterdam
    assert emails_queue_daily_digests(now=early) == 0
    assert emails_queue_daily_digests(now=early + dt.timedelta(hours=1)) == 1


def test_a_changed_preference_takes_effect_at_the_next_run(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    actor = member(org_c, Role.LANDING_PLACE_WORKER)
    notify(trajectory, org_c, Role.LANDING_PLACE_WORKER, ["no_contact_person"])
    assert emails_queue_immediate() == 0
    notification_preference_set(actor=actor, email_frequency=EmailFrequency.IMMEDIATE)
    assert emails_queue_immediate() == 1
    assert emails_queue_daily_digests() == 0  # announced already: not again in a summary


# --- what it says ----------------------------------------------------------------------


def test_a_message_carries_a_count_and_links_and_no_personal_data(
    frozen_clock: ClockControl, actor_a: Actor, org_a: Organisation, settings: SettingsWrapper
) -> None:
    person: Person = PersonFactory(
        given_names="Wilhelmina", family_name="Zeldzaamheid", date_of_birth=dt.date(1979, 11, 23)
    )
    trajectory = TrajectoryFactory(
        actor=actor_a, person=person, release_date=None, release_certainty="unknown"
    )
    Trajectory.objects.filter(pk=trajectory.pk).update(offence="Invoer van verdovende middelen")
    notification_preference_set(actor=actor_a, email_frequency=EmailFrequency.IMMEDIATE)
    signals_evaluate()
    reasons = list(Signal.objects.filter(trajectory=trajectory).values_list("reason", flat=True))
    assert reasons

    run = notifications_after_evaluation()
    assert run.notified >= 1 and run.queued == 1 and run.sending.sent == 1

    sent = mail.outbox[-1]
    stored = OutgoingEmail.objects.get()
    # Everything but the recipient's own address (the To header).
    message = sent.message()
    del message["To"]
    everything = "\n".join([sent.subject, sent.body, message.as_string()])
    forbidden = [
        "Wilhelmina",
        "Zeldzaamheid",
        "1979",
        "23-11",
        "23 november",
        "November 23",
        "verdovende",
        "Madrid",  # the place of detention
        org_a.name,
        actor_a.user.username,
        *reasons,
    ]
    for text in forbidden:
        assert text.lower() not in everything.lower(), text
    assert f"{SITE}/notifications/" in sent.body
    assert f"{SITE}/notifications/settings/" in sent.body
    assert sent.subject == stored.subject and sent.body == stored.body
    assert sent.to == [actor_a.user.email]
    assert sent.extra_headers["Message-ID"] == stored.message_id
    assert stored.message_id.endswith("@estafette.example.nl>")


def test_compose_counts_in_words() -> None:
    assert compose(1)[0] == "You have 1 new signal in Estafette"
    assert compose(12)[0] == "You have 12 new signals in Estafette"


# --- sending ---------------------------------------------------------------------------


def test_backoff_doubles_and_stops_at_six_hours() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30) == dt.timedelta(hours=6)


def test_sending_twice_never_sends_twice(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    member(org_c, Role.LANDING_PLACE_WORKER, frequency=EmailFrequency.IMMEDIATE)
    member(org_c, Role.LANDING_PLACE_WORKER, frequency=EmailFrequency.IMMEDIATE)
    notify(trajectory, org_c, Role.LANDING_PLACE_WORKER, ["no_contact_person"])
    emails_queue_immediate()

    assert emails_send_due().sent == 2
    assert emails_send_due().sent == 0
    notifications_after_evaluation()
    notifications_send_daily_digests()
    assert len(mail.outbox) == 2
    assert set(OutgoingEmail.objects.values_list("state", "attempts")) == {(EmailState.SENT, 1)}
    assert all(m.sent_at is not None for m in OutgoingEmail.objects.all())


def test_the_command_runs_everything_and_says_what_it_did(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    member(org_c, Role.LANDING_PLACE_WORKER, frequency=EmailFrequency.IMMEDIATE)
    member(org_c, Role.LANDING_PLACE_WORKER)
    raise_signal(trajectory, org_c, Role.LANDING_PLACE_WORKER)
    from io import StringIO

    out = StringIO()
    call_command("notifications_send", stdout=out)
    assert out.getvalue().strip() == (
        "notified 2, queued 1 immediate and 1 daily, sent 2, retrying 0, failed 0"
    )
    assert len(mail.outbox) == 2


def test_the_database_refuses_a_second_summary_for_the_same_day(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    from django.db import IntegrityError, transaction

    fields = {
        "recipient": actor_a.user,
        "to_address": "a@example.org",
        "subject": "s",
        "body": "b",
        "kind": EmailKind.DIGEST,
        "digest_date": dt.date(2025, 3, 3),
    }
    OutgoingEmail.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingEmail.objects.create(**fields)
    OutgoingEmail.objects.create(**{**fields, "kind": EmailKind.IMMEDIATE})  # immediate: any number


def test_a_racing_summary_run_leaves_the_first_ones_summary_standing(
    frozen_clock: ClockControl, trajectory: Trajectory, org_c: Organisation
) -> None:
    actor = member(org_c, Role.LANDING_PLACE_WORKER)
    notify(trajectory, org_c, Role.LANDING_PLACE_WORKER, ["no_contact_person"])
    # Another run wrote today's summary between this run's check and its insert.
    from unittest import mock

    from estafette.signals.notifications import outbox

    real_queue = outbox._queue

    def racing(*args: object, **kwargs: object) -> int:
        OutgoingEmail.objects.create(
            recipient=actor.user,
            to_address="x@example.org",
            subject="s",
            body="b",
            kind=EmailKind.DIGEST,
            digest_date=frozen_clock.today,
        )
        return real_queue(*args, **kwargs)  # type: ignore[arg-type]

    with mock.patch.object(outbox, "_queue", racing):
        assert emails_queue_daily_digests() == 0
    # No error; nothing of this run stays (here the stand-in for the other run's row was
    # written inside this run's transaction, so it went too).
    assert not OutgoingEmail.objects.exists()
    assert Notification.objects.filter(email__isnull=True).count() == 1  # waits for tomorrow
