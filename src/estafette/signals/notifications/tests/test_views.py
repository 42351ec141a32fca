"""The notification pages and the header's unread count, through real requests and rendering."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.organisations.models import Organisation, Role
from estafette.signals.notifications import messages
from estafette.signals.notifications.models import (
    EmailFrequency,
    Notification,
    NotificationPreference,
)
from estafette.signals.notifications.selectors import notification_unread_count, signal_url
from estafette.signals.notifications.services import notifications_fan_out
from estafette.signals.notifications.tests.helpers import member, raise_signal
from estafette.signals.rules import REGISTRY
from estafette.testing.clock import ClockControl
from estafette.testing.factories import TrajectoryFactory
from estafette.testing.views import client_for
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def title(rule_code: str) -> str:
    with translation.override("en"):
        return str(REGISTRY[rule_code].title)


def text(message: Any) -> str:
    with translation.override("en"):
        return str(message)


@pytest.fixture
def two(
    frozen_clock: ClockControl, trajectory: Trajectory, org_a: Organisation, actor_a: Actor
) -> list[Notification]:
    """Two notifications for actor_a: the older one already read."""
    raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR, rule_code="registration_unknown")
    notifications_fan_out()
    Notification.objects.update(read_at=frozen_clock.now())
    frozen_clock.advance(hours=1)
    raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR, rule_code="no_contact_person")
    notifications_fan_out()
    return list(Notification.objects.filter(user_id=actor_a.user_id).order_by("created_at"))


def test_the_page_lists_unread_first_with_the_rule_and_the_person(
    two: list[Notification], actor_a: Actor, trajectory: Trajectory
) -> None:
    response = client_for(actor_a).get("/notifications/", **EN)

    assert response.status_code == 200
    html = response.content.decode()
    unread, read = html.index(title("no_contact_person")), html.index(title("registration_unknown"))
    assert unread < read
    assert trajectory.person.full_name in html
    assert html.count('action="/notifications/') >= 3  # open ×2, mark read ×1, mark all
    assert f'action="/notifications/{two[1].pk}/read/"' in html
    assert f'action="/notifications/{two[0].pk}/read/"' not in html  # read already
    assert 'action="/notifications/read-all/"' in html
    assert response["Cache-Control"].startswith("max-age=0")
    audit = AuditEvent.objects.filter(object_type="signals.notifications").get()
    assert audit.user_id == actor_a.user_id
    assert audit.detail["people"] == [trajectory.person_id]


def test_the_header_shows_the_unread_count_in_one_query(
    two: list[Notification], actor_a: Actor
) -> None:
    client = client_for(actor_a)
    html = client.get("/caseload/", **EN).content.decode()
    assert 'href="/notifications/"' in html and 'href="/notifications/settings/"' in html
    assert '<span class="badge badge--soon">1<span class="visually-hidden"> unread</span>' in html

    with CaptureQueriesContext(connection) as captured:
        assert notification_unread_count(actor=actor_a) == 1
    assert len(captured) == 1

    client.post(f"/notifications/{two[1].pk}/read/")
    html = client.get("/caseload/", **EN).content.decode()
    assert 'badge badge--soon">' not in html.split("</header>")[0]


def test_mark_read_and_mark_all_read(
    frozen_clock: ClockControl, trajectory: Trajectory, org_a: Organisation, actor_a: Actor
) -> None:
    for rule in ("no_contact_person", "registration_unknown", "release_date_unknown"):
        raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR, rule_code=rule)
    colleague = member(org_a, Role.REGIONAL_COORDINATOR)
    notifications_fan_out()
    mine = list(Notification.objects.filter(user_id=actor_a.user_id).order_by("pk"))
    client = client_for(actor_a)

    response = client.post(f"/notifications/{mine[0].pk}/read/", **EN)
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert notification_unread_count(actor=actor_a) == 2
    response = client.post("/notifications/read-all/", **EN)
    assert response.status_code == 302
    assert notification_unread_count(actor=actor_a) == 0
    assert notification_unread_count(actor=colleague) == 3  # a colleague's stay unread
    assert text(messages.ALL_MARKED_READ) in client.get("/notifications/", **EN).content.decode()


def test_nobody_reads_or_marks_another_users_notifications(
    two: list[Notification], org_a: Organisation, actor_a: Actor
) -> None:
    colleague = member(org_a, Role.REGIONAL_COORDINATOR)
    client = client_for(colleague)
    assert client.post(f"/notifications/{two[1].pk}/read/").status_code == 404
    assert client.post(f"/notifications/{two[1].pk}/open/").status_code == 404
    two[1].refresh_from_db()
    assert two[1].read_at is None
    html = client.get("/notifications/", **EN).content.decode()
    assert title("no_contact_person") not in html


def test_opening_marks_read_and_goes_to_the_signal(two: list[Notification], actor_a: Actor) -> None:
    response = client_for(actor_a).post(f"/notifications/{two[1].pk}/open/")
    assert response.status_code == 302
    signal = two[1].signal
    assert response["Location"] == signal_url(signal.pk, signal.trajectory_id)
    two[1].refresh_from_db()
    assert two[1].read_at is not None


def test_a_file_the_reader_can_no_longer_open_shows_neither_rule_nor_name(
    frozen_clock: ClockControl, actor_a: Actor, org_c: Organisation
) -> None:
    # A signal addressed to org_c about a file org_c has no part in (nor a consent for).
    trajectory = TrajectoryFactory(actor=actor_a)
    worker = member(org_c, Role.LANDING_PLACE_WORKER)
    raise_signal(trajectory, org_c, Role.LANDING_PLACE_WORKER, rule_code="no_contact_person")
    notifications_fan_out()
    notification = Notification.objects.get(user_id=worker.user_id)
    client = client_for(worker)

    html = client.get("/notifications/", **EN).content.decode()

    assert text(messages.NO_LONGER_AVAILABLE) in html
    assert title("no_contact_person") not in html
    assert trajectory.person.full_name not in html
    assert f"Trajectory {trajectory.pk}" in html
    assert f'action="/notifications/{notification.pk}/open/"' not in html
    response = client.post(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_the_list_page_costs_the_same_queries_for_few_and_many(
    frozen_clock: ClockControl, org_a: Organisation, actor_a: Actor
) -> None:
    client = client_for(actor_a)

    def page_queries(count: int) -> int:
        for _ in range(count):
            trajectory = TrajectoryFactory(actor=actor_a)
            raise_signal(trajectory, org_a, Role.REGIONAL_COORDINATOR)
        notifications_fan_out()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notifications/").status_code == 200
        return len(captured)

    assert page_queries(2) == page_queries(10)


def test_the_settings_page_shows_the_default_and_saves_an_audited_choice(
    frozen_clock: ClockControl, actor_a: Actor
) -> None:
    client = client_for(actor_a)
    html = client.get("/notifications/settings/", **EN).content.decode()
    assert 'value="daily" required id="id_email_frequency_1" checked' in html
    assert html.count(" checked") == 1

    response = client.post("/notifications/settings/", {"email_frequency": "immediate"}, **EN)
    assert response.status_code == 302 and response["Location"] == "/notifications/settings/"
    preference = NotificationPreference.objects.get(user=actor_a.user)
    assert preference.email_frequency == EmailFrequency.IMMEDIATE
    audit = AuditEvent.objects.filter(object_type="signals.notificationpreference").get()
    assert (audit.action, audit.user_id) == ("change", actor_a.user_id)
    assert (audit.detail["before"], audit.detail["after"]) == ("daily", "immediate")
    assert (
        text(messages.PREFERENCE_SAVED)
        in client.get("/notifications/settings/", **EN).content.decode()
    )

    client.post("/notifications/settings/", {"email_frequency": "off"})
    preference.refresh_from_db()
    assert preference.email_frequency == EmailFrequency.OFF
    assert AuditEvent.objects.filter(object_type="signals.notificationpreference").count() == 2


def test_the_settings_page_refuses_an_unknown_choice(actor_a: Actor) -> None:
    response = client_for(actor_a).post("/notifications/settings/", {"email_frequency": "hourly"})
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/settings/"])
def test_pages_need_a_signed_in_user(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response["Location"]
