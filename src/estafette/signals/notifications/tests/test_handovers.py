"""Everyone hears of the baton (issue 10): notifications of handover steps.

Tests of the after-commit hook run their setup inside
``django_capture_on_commit_callbacks(execute=True)`` too: the test's own
transaction never commits, so a callback registered outside a capture would
stay waiting and stand in for the next one.

A new handover notifies the receiving organisation's people who can act; every
answer and outcome (accepted, declined, expired, taken up, no-show) notifies the
sender's; a withdrawal the receiver's. In the app at once, by e-mail as each
one chose, and never with anything about the person in the e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, cast

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tasks.signals import task_enqueued
from pytest_django.fixtures import Settings as SettingsWrapper

from estafette.core.actor import Actor
from estafette.core.isolation import Report
from estafette.core.models import AuditEvent
from estafette.handovers.models import Handover, HandoverTransition
from estafette.handovers.services import (
    handover_accept,
    handover_decline,
    handover_record_no_show,
    handover_record_taken_up,
    handover_transition,
    handover_withdraw,
)
from estafette.handovers.views import DONE
from estafette.organisations.models import Membership, Organisation, Role
from estafette.people.models import Person
from estafette.signals.notifications import messages, services
from estafette.signals.notifications.models import EmailFrequency, Notification, OutgoingEmail
from estafette.signals.notifications.outbox import compose
from estafette.signals.notifications.selectors import handover_attention
from estafette.signals.notifications.services import (
    notifications_fan_out,
    notifications_send_daily_digests,
)
from estafette.signals.notifications.tests.helpers import member, notified_users
from estafette.testing.clock import ClockControl
from estafette.testing.factories import HandoverFactory, PersonFactory, TrajectoryFactory
from estafette.testing.views import client_for
from estafette.trajectories.models import Phase, Trajectory
from estafette.trajectories.selectors import CaseloadFilters, CaseRelation, caseload_counts

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SITE = "https://estafette.example.nl"
REASON = "Geen plek: de schulden van meneer zijn te hoog voor ons budgettraject."


@pytest.fixture(autouse=True)
def site(settings: SettingsWrapper) -> None:
    settings.ESTAFETTE_SITE_URL = SITE
    settings.ESTAFETTE_DIGEST_HOUR = 7
    settings.LANGUAGE_CODE = "en"


def text(message: Any, **params: Any) -> str:
    with translation.override("en"):
        return str(message) % params if params else str(message)


def released(trajectory: Trajectory) -> Trajectory:
    """The person is out (re-integration): taken up and no-show may be recorded."""
    Trajectory.objects.filter(pk=trajectory.pk).update(phase=Phase.REINTEGRATION)
    trajectory.refresh_from_db()
    return trajectory


def send(actor: Actor, trajectory: Trajectory, receiver: Organisation) -> Handover:
    return cast(Handover, HandoverFactory(actor=actor, trajectory=trajectory, receiver=receiver))


def transition(handover: Handover, action: str) -> HandoverTransition:
    return HandoverTransition.objects.get(handover=handover, action=action)


@pytest.fixture
def people(
    org_a: Organisation, org_b: Organisation, org_c: Organisation, actor_a: Actor, actor_b: Actor
) -> dict[str, Actor]:
    """Who works where: the ones who can act, and everyone who must not hear of it."""
    return {
        "a": actor_a,
        "a_colleague": member(org_a, Role.REGIONAL_COORDINATOR),
        "a_volunteer": member(org_a, Role.VISITING_VOLUNTEER),
        "a_admin": member(org_a, Role.ORGANISATION_ADMIN),
        "b": actor_b,
        "b_colleague": member(org_b, Role.AFTERCARE_COORDINATOR),
        "b_partner": member(org_b, Role.PARTNER_WORKER),  # professional, not the desk's role
        "b_volunteer": member(org_b, Role.VISITING_VOLUNTEER),
        "b_buddy": member(org_b, Role.BUDDY),
        "b_gone": member(org_b, Role.AFTERCARE_COORDINATOR, active=False),
        "c": member(org_c, Role.LANDING_PLACE_WORKER),
    }


def users(people: dict[str, Actor], *names: str) -> set[int]:
    return {people[name].user_id for name in names}


# --- who hears of what -----------------------------------------------------------------


def test_a_new_handover_notifies_the_receivers_people_who_can_act(
    trajectory: Trajectory, people: dict[str, Actor], org_b: Organisation
) -> None:
    handover = send(people["a"], trajectory, org_b)

    assert notifications_fan_out() == 2

    sent = transition(handover, "send")
    assert notified_users() == users(people, "b", "b_colleague")
    for notification in Notification.objects.all():
        assert notification.handover_transition_id == sent.pk
        assert (notification.event_id, notification.signal_id) == (None, None)
        assert (notification.organisation_id, notification.kind) == (org_b.pk, "send")
        assert notification.created_at == sent.at and notification.read_at is None


SENDER_HEARS = ["accept", "decline", "expire", "take_up", "no_show"]


def take(action: str, handover: Handover, receiver: Actor) -> None:
    """The receiver (or, for an expiry, the system) takes ``action`` on ``handover``."""
    if action == "expire":
        handover_transition(actor=None, handover=handover, action="expire")
        return
    if action == "decline":
        handover_decline(actor=receiver, handover=handover, reason=REASON)
        return
    accepted = handover_accept(actor=receiver, handover=handover)
    if action == "take_up":
        handover_record_taken_up(actor=receiver, handover=accepted)
    elif action == "no_show":
        handover_record_no_show(actor=receiver, handover=accepted, reason=REASON)


@pytest.mark.parametrize("action", SENDER_HEARS)
def test_every_answer_and_outcome_notifies_the_senders_people(
    action: str, trajectory: Trajectory, people: dict[str, Actor], org_a: Organisation
) -> None:
    handover = send(people["a"], released(trajectory), people["b"].organisation)
    notifications_fan_out()  # the receiver's notification of the new handover
    before = set(Notification.objects.values_list("pk", flat=True))

    take(action, handover, people["b"])
    notifications_fan_out()

    new = Notification.objects.exclude(pk__in=before).filter(kind=action)
    assert set(new.values_list("user_id", flat=True)) == users(people, "a", "a_colleague")
    assert set(new.values_list("organisation_id", flat=True)) == {org_a.pk}
    assert set(new.values_list("handover_transition_id", flat=True)) == {
        transition(handover, action).pk
    }
    # Nobody of the receiver (who took the step), of org_c, no volunteer or administrator.
    for name in ("b", "b_colleague", "b_partner", "c", "a_volunteer", "a_admin"):
        assert not new.filter(user_id=people[name].user_id).exists(), name


def test_a_withdrawal_notifies_the_receivers_people(
    trajectory: Trajectory, people: dict[str, Actor], org_b: Organisation
) -> None:
    handover = send(people["a"], trajectory, org_b)
    notifications_fan_out()
    handover_withdraw(actor=people["a"], handover=handover, reason="Verkeerde gemeente.")

    assert notifications_fan_out() == 2
    assert notified_users(kind="withdraw") == users(people, "b", "b_colleague")


def test_without_anyone_in_the_role_every_professional_hears_but_no_buddy_or_volunteer(
    trajectory: Trajectory, actor_a: Actor, org_c: Organisation
) -> None:
    # org_c, a landing place, has no landing place worker: its other professionals hear of it.
    partner = member(org_c, Role.PARTNER_WORKER)
    coordinator = member(org_c, Role.REGIONAL_COORDINATOR)
    member(org_c, Role.BUDDY)
    member(org_c, Role.VISITING_VOLUNTEER)
    member(org_c, Role.ORGANISATION_ADMIN)
    send(actor_a, trajectory, org_c)

    notifications_fan_out()

    assert notified_users() == {partner.user_id, coordinator.user_id}


def test_whoever_took_the_step_is_not_told_even_if_they_work_for_both(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation, actor_b: Actor
) -> None:
    Membership.objects.create(
        user=actor_a.user, organisation=org_b, role=Role.AFTERCARE_COORDINATOR
    )
    send(actor_a, trajectory, org_b)
    notifications_fan_out()
    assert notified_users() == {actor_b.user_id}


def test_an_inactive_receiver_organisation_hears_nothing(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation, actor_b: Actor
) -> None:
    send(actor_a, trajectory, org_b)
    Organisation.objects.filter(pk=org_b.pk).update(is_active=False)
    assert notifications_fan_out() == 0


def test_a_new_handover_answered_before_anyone_was_told_waits_for_nobody(
    trajectory: Trajectory, actor_a: Actor, org_b: Organisation, actor_b: Actor
) -> None:
    handover = send(actor_a, trajectory, org_b)
    handover_decline(actor=actor_b, handover=handover, reason=REASON)  # the worker was down

    notifications_fan_out()

    assert not Notification.objects.filter(kind="send").exists()
    assert notified_users(kind="decline") == {actor_a.user_id}


# --- idempotent, set-based, faults stay local --------------------------------------------


def test_running_the_fan_out_twice_creates_nothing_new(
    trajectory: Trajectory, people: dict[str, Actor], org_b: Organisation
) -> None:
    handover = send(people["a"], trajectory, org_b)
    assert notifications_fan_out() == 2
    handover_accept(actor=people["b"], handover=handover)
    assert notifications_fan_out() == 2
    first = list(Notification.objects.order_by("pk").values_list("pk", "user_id", "kind"))

    assert notifications_fan_out() == 0
    notifications_fan_out(since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert list(Notification.objects.order_by("pk").values_list("pk", "user_id", "kind")) == first


def test_steps_older_than_the_window_are_left_alone(
    frozen_clock: ClockControl, trajectory: Trajectory, actor_a: Actor, org_b: Organisation
) -> None:
    send(actor_a, trajectory, org_b)
    frozen_clock.advance(days=3)
    assert notifications_fan_out() == 0


def test_the_fan_out_of_handover_steps_is_set_based(
    frozen_clock: ClockControl,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
    org_c: Organisation,
) -> None:
    """The same number of queries for 1 handover as for 12, to two organisations."""
    member(org_c, Role.LANDING_PLACE_WORKER)

    def queries_for(count: int) -> int:
        for i in range(count):
            handover = send(actor_a, TrajectoryFactory(actor=actor_a), org_b if i % 2 else org_c)
            if i % 3 == 0:
                handover_withdraw(actor=actor_a, handover=handover, reason="Toch niet.")
        with CaptureQueriesContext(connection) as captured:
            notifications_fan_out()
        return len(captured)

    assert queries_for(1) == queries_for(12)


def test_one_step_that_cannot_be_notified_leaves_the_others_notified(
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fine = send(actor_a, trajectory, org_b)
    broken = send(actor_a, TrajectoryFactory(actor=actor_a), org_b)
    bad = transition(broken, "send")
    real = services._handover_notifications_for

    def planted(row: tuple[Any, ...], members: Any) -> Any:
        if row[0] == bad.pk:
            raise ValueError("cannot build the notifications of this step")
        return real(row, members)

    monkeypatch.setattr(services, "_handover_notifications_for", planted)
    report = Report()

    assert notifications_fan_out(report=report) == 1
    assert [f.id for f in report.failures] == [bad.pk]
    assert Notification.objects.filter(handover_transition=transition(fine, "send")).count() == 1
    assert not Notification.objects.filter(handover_transition=bad).exists()

    monkeypatch.undo()
    assert notifications_fan_out() == 1  # tried again, and notified
    assert Notification.objects.filter(handover_transition=bad).count() == 1


def test_a_step_whose_notifications_cannot_be_written_is_found_step_by_step(
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member(org_b, Role.AFTERCARE_COORDINATOR)
    fine = send(actor_a, trajectory, org_b)
    broken = send(actor_a, TrajectoryFactory(actor=actor_a), org_b)
    bad = transition(broken, "send")
    real = services._handover_notifications_for

    def unwritable(row: tuple[Any, ...], members: Any) -> Any:
        rows = real(row, members)
        if row[0] == bad.pk:
            rows[0].created_at = "not a moment"  # the bulk insert refuses the whole batch
        return rows

    monkeypatch.setattr(services, "_handover_notifications_for", unwritable)
    report = Report()

    assert notifications_fan_out(report=report) == 2
    assert [f.id for f in report.failures] == [bad.pk]
    assert Notification.objects.filter(handover_transition=transition(fine, "send")).count() == 2
    assert not Notification.objects.filter(handover_transition=bad).exists()  # none of its two


# --- at once, after the commit ---------------------------------------------------------------


@pytest.fixture
def enqueued() -> Iterator[list[str]]:
    """The names of the tasks enqueued during the test."""
    seen: list[str] = []

    def record(sender: Any, task_result: Any, **kwargs: Any) -> None:
        seen.append(task_result.task.name)

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


def test_the_receiver_hears_at_once_after_the_commit_by_e_mail_as_each_chose(
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    fast = member(org_b, Role.AFTERCARE_COORDINATOR, frequency=EmailFrequency.IMMEDIATE)
    daily = member(org_b, Role.AFTERCARE_COORDINATOR)  # the default: a daily summary
    off = member(org_b, Role.AFTERCARE_COORDINATOR, frequency=EmailFrequency.OFF)

    with django_capture_on_commit_callbacks(execute=True):
        send(actor_a, trajectory, org_b)

    # In the app for all three, at once; by e-mail only for the one who wants it straight away.
    assert notified_users() == {fast.user_id, daily.user_id, off.user_id}
    assert [m.to for m in mail.outbox] == [[fast.user.email]]
    assert mail.outbox[0].subject == "1 handover for your organisation is waiting in Estafette"
    assert f"{SITE}/notifications/" in mail.outbox[0].body

    # The daily one gets it in today's summary; the one who said "never" gets nothing.
    run = notifications_send_daily_digests()
    assert run.queued == 1
    assert [m.to for m in mail.outbox][1:] == [[daily.user.email]]
    assert not OutgoingEmail.objects.filter(recipient=off.user).exists()


def test_the_sender_hears_of_the_answer_at_once(
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        handover = send(actor_a, trajectory, org_b)
    with django_capture_on_commit_callbacks(execute=True):
        handover_accept(actor=actor_b, handover=handover)
    assert notified_users(kind="accept") == {actor_a.user_id}


def test_one_task_per_transaction_and_none_on_a_rollback(
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
    django_capture_on_commit_callbacks: Capture,
    enqueued: list[str],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the setup's own
        handover = send(actor_a, released(trajectory), org_b)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        accepted = handover_accept(actor=actor_b, handover=handover)
        handover_record_taken_up(actor=actor_b, handover=accepted)
    assert enqueued.count("notify") == 1
    assert notified_users(kind="take_up") == {actor_a.user_id}

    with django_capture_on_commit_callbacks(execute=True):
        other = send(actor_a, TrajectoryFactory(actor=actor_a), org_b)
    enqueued.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        handover_decline(actor=actor_b, handover=other, reason=REASON)
        raise RuntimeError("the request fails after the decline")
    assert callbacks == [] and "notify" not in enqueued
    assert not Notification.objects.filter(kind="decline").exists()


def test_a_failing_notification_never_fails_the_step(
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(**kwargs: Any) -> int:
        raise RuntimeError("the fan-out is broken today")

    monkeypatch.setattr(services, "notifications_fan_out", broken)
    with django_capture_on_commit_callbacks(execute=True):
        handover = send(actor_a, trajectory, org_b)
    assert Handover.objects.filter(pk=handover.pk).exists()
    monkeypatch.undo()
    assert notifications_fan_out() == 1  # the next run (at the latest the periodic one)


# --- what the e-mail says ------------------------------------------------------------------


def test_the_e_mail_says_a_handover_waits_and_nothing_about_the_person(
    frozen_clock: ClockControl,
    actor_a: Actor,
    org_a: Organisation,
    org_b: Organisation,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    person: Person = PersonFactory(
        given_names="Wilhelmina", family_name="Zeldzaamheid", date_of_birth=dt.date(1979, 11, 23)
    )
    trajectory = released(TrajectoryFactory(actor=actor_a, person=person))
    receiver = member(org_b, Role.AFTERCARE_COORDINATOR, frequency=EmailFrequency.IMMEDIATE)
    sender = member(org_a, Role.REGIONAL_COORDINATOR, frequency=EmailFrequency.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        handover = send(actor_a, trajectory, org_b)
    with django_capture_on_commit_callbacks(execute=True):
        handover_decline(actor=receiver, handover=handover, reason=REASON)

    assert [m.to for m in mail.outbox] == [[receiver.user.email], [sender.user.email]]
    assert mail.outbox[0].subject == compose(0, 1, 0)[0]
    assert mail.outbox[1].subject == compose(0, 0, 1)[0]
    forbidden = [
        "Wilhelmina",
        "Zeldzaamheid",
        "1979",
        "23-11",
        "Madrid",  # the place of detention
        handover.message,
        handover.information,
        REASON,
        "schulden",
        org_a.name,
        org_b.name,
        actor_a.user.username,
        receiver.user.username,
        f"/trajectories/{trajectory.pk}",
    ]
    for sent in mail.outbox:
        message = sent.message()
        del message["To"]
        everything = "\n".join([sent.subject, sent.body, message.as_string()])
        for words in forbidden:
            assert words.lower() not in everything.lower(), words


def test_compose_names_each_kind_and_the_total_when_mixed() -> None:
    assert compose(0, 1)[0] == "1 handover for your organisation is waiting in Estafette"
    assert compose(0, 3)[0] == "3 handovers for your organisation are waiting in Estafette"
    assert compose(0, 0, 2)[0] == "2 updates on your organisation's handovers in Estafette"
    subject, body = compose(2, 1, 1)
    assert subject == "You have 4 new notifications in Estafette"
    assert "- You have 2 new signals in Estafette" in body
    assert "- 1 handover for your organisation is waiting in Estafette" in body
    assert "- 1 update on your organisation's handovers in Estafette" in body


# --- in the app --------------------------------------------------------------------------------


def test_the_sender_reads_the_decline_and_its_reason_in_the_app(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
) -> None:
    handover = send(actor_a, trajectory, org_b)
    handover_decline(actor=actor_b, handover=handover, reason=REASON)
    notifications_fan_out()
    notification = Notification.objects.get(user_id=actor_a.user_id)
    client = client_for(actor_a)

    html = client.get("/notifications/", **EN).content.decode()

    assert text(messages.HANDOVER_TITLES["decline"], receiver=org_b.name) in html
    assert trajectory.person.full_name in html
    assert REASON in html
    assert text(messages.OPEN_HANDOVER) in html
    audit = AuditEvent.objects.filter(object_type="signals.notifications").get()
    assert audit.detail["handovers"] == [handover.pk]
    assert audit.detail["people"] == [trajectory.person_id]
    # Opening marks it read and goes to the handover on the trajectory page.
    response = client.post(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == f"/trajectories/{trajectory.pk}/#handover-{handover.pk}"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_receiver_reads_which_handover_waits(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    actor_a: Actor,
    org_a: Organisation,
    org_b: Organisation,
    actor_b: Actor,
) -> None:
    handover = send(actor_a, trajectory, org_b)
    notifications_fan_out()
    client = client_for(actor_b)

    html = client.get("/notifications/", **EN).content.decode()
    assert text(messages.HANDOVER_TITLES["send"], sender=org_a.name) in html
    assert f"/notifications/{Notification.objects.get().pk}/open/" in html

    # Once answered, the title no longer says it waits.
    handover_accept(actor=actor_b, handover=handover)
    html = client.get("/notifications/", **EN).content.decode()
    assert text(messages.HANDOVER_TITLES["send"], sender=org_a.name) not in html
    assert "Handover from Bureau Buitenland, regio Oost, now accepted" in html


def test_a_withdrawn_handover_no_longer_shows_the_file_to_the_receiver(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    actor_a: Actor,
    org_a: Organisation,
    org_b: Organisation,
    actor_b: Actor,
) -> None:
    handover = send(actor_a, trajectory, org_b)
    handover_withdraw(actor=actor_a, handover=handover, reason="Verkeerde gemeente.")
    notifications_fan_out()
    client = client_for(actor_b)

    html = client.get("/notifications/", **EN).content.decode()

    assert text(messages.HANDOVER_NO_LONGER_AVAILABLE) in html
    assert trajectory.person.full_name not in html
    assert "Verkeerde gemeente" not in html
    assert org_a.name not in html.split("</header>")[1]
    assert "/open/" not in html
    for notification in Notification.objects.filter(user_id=actor_b.user_id):
        response = client.post(f"/notifications/{notification.pk}/open/")
        assert response["Location"] == "/notifications/"


def test_the_header_counts_handover_notifications_as_unread(
    frozen_clock: ClockControl, trajectory: Trajectory, actor_a: Actor, org_b: Organisation
) -> None:
    receiver = member(org_b, Role.AFTERCARE_COORDINATOR)
    send(actor_a, trajectory, org_b)
    notifications_fan_out()
    html = client_for(receiver).get("/notifications/", **EN).content.decode()
    header = html.split("</header>")[0]
    assert '<span class="badge badge--soon">1<span class="visually-hidden"> unread</span>' in header


@pytest.mark.parametrize("action", ["accept", "decline", "take_up", "no_show"])
def test_the_receivers_done_message_is_true(
    action: str,
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    """ "The sender has been told" (and "reads your reason"): the sender's people are notified."""
    with django_capture_on_commit_callbacks(execute=True):  # the setup's own
        handover = send(actor_a, released(trajectory), org_b)
        if action in ("take_up", "no_show"):
            handover = handover_accept(actor=actor_b, handover=handover)
    form = {f"h{handover.pk}-{action}-reason": REASON}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(actor_b).post(
            f"/handovers/{handover.pk}/{action}/", form, follow=True, **EN
        )
    assert text(DONE[action]) in response.content.decode()
    assert notified_users(kind=action) == {actor_a.user_id}


# --- the header's counts ---------------------------------------------------------------------


def test_the_header_counts_equal_the_caseloads_and_cost_one_query(
    frozen_clock: ClockControl,
    actor_a: Actor,
    org_a: Organisation,
    org_b: Organisation,
    actor_b: Actor,
    org_c: Organisation,
    actor_c: Actor,
    django_assert_num_queries: Any,
) -> None:
    # org_a: two handovers waiting for org_b, one declined and one taken up (to review), one
    # outcome already seen; org_c sends one to org_a (incoming for org_a).
    waiting = [send(actor_a, TrajectoryFactory(actor=actor_a), org_b) for _ in range(2)]
    handover_decline(
        actor=actor_b, handover=send(actor_a, TrajectoryFactory(actor=actor_a), org_b), reason="x"
    )
    done = send(actor_a, released(TrajectoryFactory(actor=actor_a)), org_b)
    handover_record_taken_up(actor=actor_b, handover=handover_accept(actor=actor_b, handover=done))
    send(actor_c, TrajectoryFactory(actor=actor_c), org_a)

    for actor, incoming, outcomes in ((actor_a, 1, 2), (actor_b, 2, 0), (actor_c, 0, 0)):
        with django_assert_num_queries(1):
            attention = handover_attention(actor=actor)
        counts = caseload_counts(actor=actor, filters=CaseloadFilters())
        assert (attention.incoming, attention.outcomes) == (
            counts[CaseRelation.INCOMING],
            counts[CaseRelation.OUTCOME_TO_REVIEW],
        )
        assert (attention.incoming, attention.outcomes) == (incoming, outcomes), actor

    html = client_for(actor_a).get("/notifications/settings/", **EN).content.decode()
    header = html.split("</header>")[0]
    assert 'href="/caseload/?relation=incoming">1 handover waiting for your answer</a>' in header
    assert 'href="/caseload/?relation=outcome_to_review">2 outcomes to review</a>' in header
    # The receiver's link lists exactly the people counted.
    response = client_for(actor_b).get("/caseload/?relation=incoming", **EN)
    assert response.context["page_obj"].paginator.count == 2 == len(waiting)
    assert "2 handovers waiting for your answer" in response.content.decode()


def test_the_header_counts_once_per_page_and_not_for_volunteers(
    frozen_clock: ClockControl,
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
) -> None:
    send(actor_a, trajectory, org_b)
    volunteer = member(org_b, Role.VISITING_VOLUNTEER)
    html = client_for(volunteer).get("/notifications/settings/", **EN).content.decode()
    assert "waiting for your answer" not in html

    client = client_for(actor_b)
    client.get("/notifications/settings/")  # warm the session
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/notifications/settings/", **EN).content.decode()
    assert "1 handover waiting for your answer" in html
    counting = [q for q in captured if "handovers_handover" in q["sql"] and "COUNT" in q["sql"]]
    assert len(counting) == 1


def test_accepting_during_detention_commits_and_still_tells_the_sender(
    trajectory: Trajectory,
    actor_a: Actor,
    org_b: Organisation,
    actor_b: Actor,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    """Decision 0011: the baton waits for release, but the sender hears of the acceptance now."""
    assert trajectory.phase == Phase.DETENTION
    with django_capture_on_commit_callbacks(execute=True):
        handover = send(actor_a, trajectory, org_b)
    with django_capture_on_commit_callbacks(execute=True):
        handover_accept(actor=actor_b, handover=handover)
    assert notified_users(kind="accept") == {actor_a.user_id}


def test_a_buddys_reason_never_reaches_a_justice_role(
    frozen_clock: ClockControl, actor_for: Callable[..., Actor]
) -> None:
    """The reason is a note of the organisation that wrote it: as on the trajectory page."""
    prison = Organisation.objects.create(name="PI Arnhem", code="pi-arnhem", kind="prison")
    buddies = Organisation.objects.create(
        name="Brug Binnen Buiten", code="bbb", kind="buddy_programme"
    )
    case_manager, professional = actor_for(prison), actor_for(buddies)
    trajectory = TrajectoryFactory(actor=case_manager, route="domestic", country=None)
    handover = cast(
        Handover,
        HandoverFactory(
            actor=case_manager, trajectory=trajectory, receiver=buddies, purpose="buddy"
        ),
    )
    handover_decline(actor=professional, handover=handover, reason=REASON)
    notifications_fan_out()

    html = client_for(case_manager).get("/notifications/", **EN).content.decode()

    assert text(messages.HANDOVER_TITLES["decline"], receiver=buddies.name) in html
    assert REASON not in html
