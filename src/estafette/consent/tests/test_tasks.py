""" "Consent ended" notices go out from the task worker, hourly, one failure at a time (issue #9).

The worker's runs use the database backend of django-tasks-db and its real
worker, in-process (:mod:`estafette.testing.tasks`); ``.enqueue()`` under the
test settings runs the same task body immediately.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from estafette.consent import services
from estafette.consent.models import Consent, ConsentNotice, NoticeKind
from estafette.consent.services import consent_disclose
from estafette.consent.tasks import consent_expire, consent_expire_schedule
from estafette.consent.tests.helpers import TODAY
from estafette.core.actor import Actor
from estafette.core.periodic import next_full_hour
from estafette.organisations.models import Organisation
from estafette.testing.tasks import database_backend, finished, run_worker, waiting

PATH = "estafette.consent.tasks.consent_expire"

Record = Callable[..., Consent]


@pytest.fixture
def ended(record: Record, coordinator: Actor) -> Callable[[Organisation], Consent]:
    """``ended(recipient)``: a consent that ended yesterday, under which data went to it."""

    def _ended(recipient: Organisation) -> Consent:
        consent = record(given_on=TODAY - dt.timedelta(days=30), ends_on=TODAY + dt.timedelta(1))
        consent_disclose(
            actor=coordinator, consent=consent, recipient=recipient, data_classes=["identity"]
        )
        Consent.objects.filter(pk=consent.pk).update(ends_on=TODAY - dt.timedelta(days=1))
        return consent

    return _ended


def notified(consent: Consent) -> set[int]:
    return set(
        ConsentNotice.objects.filter(consent=consent, kind=NoticeKind.EXPIRED).values_list(
            "organisation_id", flat=True
        )
    )


def test_the_worker_tells_the_holders_and_schedules_the_next_hour(
    ended: Callable[[Organisation], Consent],
    aftercare: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consent = ended(aftercare)
    with database_backend():
        consent_expire_schedule(run_now=True)
        consent_expire_schedule(run_now=True)  # kept single
        assert len(waiting(PATH)) == 1
        run_worker(monkeypatch)
        done = finished(PATH)
        assert done.return_value == {"notices": 1, "failed": 0}
        [next_run] = waiting(PATH)
        assert next_run.run_after == next_full_hour(done.finished_at)
    assert notified(consent) == {aftercare.pk}


def test_one_consent_whose_notices_fail_holds_back_no_other(
    ended: Callable[[Organisation], Consent],
    aftercare: Organisation,
    aftercare_2: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fine = ended(aftercare)
    stuck = ended(aftercare_2)
    real = services._notify_holders

    def planted(consent: Consent, kind: str) -> list[int]:
        if consent.pk == stuck.pk:
            raise ValueError("planted: these notices cannot be written")
        return real(consent, kind)

    monkeypatch.setattr(services, "_notify_holders", planted)

    result = consent_expire.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL  # partial, not failed
    assert result.return_value == {
        "notices": 1,
        "failed": 1,
        "partial": "partial: 1 of 2 could not be notified",
        "failures": [f"#{stuck.pk}: ValueError: planted: these notices cannot be written"],
    }
    assert notified(fine) == {aftercare.pk}
    assert notified(stuck) == set()

    monkeypatch.undo()  # the next run tries it again
    again = consent_expire.enqueue()
    assert again.return_value == {"notices": 1, "failed": 0}
    assert notified(stuck) == {aftercare_2.pk}


def test_the_cron_command_says_partial(
    ended: Callable[[Organisation], Consent],
    aftercare: Organisation,
    aftercare_2: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ended(aftercare)
    stuck = ended(aftercare_2)
    real = services._notify_holders

    def planted(consent: Consent, kind: str) -> Any:
        if consent.pk == stuck.pk:
            raise ValueError("planted")
        return real(consent, kind)

    monkeypatch.setattr(services, "_notify_holders", planted)
    out = StringIO()
    call_command("consent_expire_sweep", stdout=out)
    assert out.getvalue().splitlines() == [
        "1 notice(s) created",
        "partial: 1 of 2 could not be notified",
        f"  consent #{stuck.pk}: ValueError: planted",
    ]
