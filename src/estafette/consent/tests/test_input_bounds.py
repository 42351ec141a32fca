"""The dates of a consent stay inside their ranges: given and heard at most twenty years back
(and not in the future), the last day at most ten years ahead. Service and form, at both ends
and one day beyond; a refusal stores no consent, no audit entry and no file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from estafette.consent import messages
from estafette.consent.forms import ConsentRecordForm
from estafette.consent.models import Consent
from estafette.consent.tests.helpers import TODAY, stored_files
from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.testing.auth import login_verified
from estafette.testing.bounds import EDGES, audited_changes, date_sentence, edge, nl_sentence

Record = Callable[..., Consent]

FIELDS = {
    "given_on": (bounds.CONSENT_GIVEN, messages.GIVEN_ON_FUTURE),
    "ends_on": (bounds.CONSENT_ENDS, None),
    "verbal_on": (bounds.CONSENT_HEARD, messages.VERBAL_ON_FUTURE),
}
"""Each date field, its range, and the sentence of its own for a day after today (if any)."""


def arguments_for(field: str, day: dt.date) -> dict[str, Any]:
    """The dates of a consent with ``field`` on ``day`` and the others valid around it."""
    if field == "given_on":
        return {"given_on": day, "verbal_on": min(day, TODAY)}
    if field == "ends_on":
        # Given as late as the end allows, but never before twenty years back.
        given = max(min(day, TODAY), bounds.CONSENT_GIVEN.range_on(TODAY)[0])
        return {"given_on": given, "verbal_on": given, "ends_on": day}
    return {"given_on": TODAY, "verbal_on": day}


def expected_refusal(field: str, day: dt.date, *, service: bool = False) -> Any:
    _bound, own = FIELDS[field]
    if service and field == "ends_on" and day < TODAY:
        # Twenty years back is also where the date given starts: to the service an end
        # before it ends before the consent was given, which has its own sentence (the
        # form checks each field's range first).
        return messages.END_BEFORE_START
    return own if own is not None and day > TODAY else bounds.DATE_OUT_OF_RANGE


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("which", EDGES)
def test_the_service_takes_each_date_inside_its_range(
    record: Record, media_root: Path, field: str, which: str
) -> None:
    bound, _own = FIELDS[field]
    day, accepted = edge(bound, which, TODAY)
    if accepted:
        consent = record(**arguments_for(field, day))
        assert getattr(consent, field) == day
        return
    changes = audited_changes()
    with pytest.raises(InvalidInput) as refused:
        record(**arguments_for(field, day))
    assert refused.value.message is expected_refusal(field, day, service=True)
    if refused.value.message is bounds.DATE_OUT_OF_RANGE:
        assert refused.value.params["what"] is bound.what
    assert Consent.objects.count() == 0
    assert audited_changes() == changes
    assert stored_files(media_root) == []


def form_data(**dates: dt.date) -> dict[str, Any]:
    data: dict[str, Any] = {
        "purpose": "aftercare_referral",
        "recipient_mode": "kind",
        "recipient_kind": "municipal_aftercare",
        "data_classes": ["identity", "detention"],
        "evidence_kind": "verbal",
        "verbal_by": "Joke de Vrijwilliger",
        "verbal_place": "Madrid VII",
    }
    return {**data, **{name: day.isoformat() for name, day in dates.items()}}


@pytest.fixture
def browser(coordinator: Actor, trajectory: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    login_verified(client, coordinator.user)
    return client


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("which", EDGES)
def test_the_form_takes_each_date_inside_its_range(
    browser: Client, person: Any, field: str, which: str
) -> None:
    bound, _own = FIELDS[field]
    day, accepted = edge(bound, which, TODAY)
    changes = audited_changes()
    response = browser.post(
        reverse("consent-record", args=[person.pk]), form_data(**arguments_for(field, day))
    )
    if accepted:
        assert response.status_code == 302
        assert getattr(Consent.objects.get(), field) == day
        return
    assert response.status_code == 400
    html = response.content.decode()
    refusal = expected_refusal(field, day)
    if refusal is bounds.DATE_OUT_OF_RANGE:
        assert date_sentence(bound, TODAY) in html
    else:
        assert nl_sentence(refusal) in html
    assert Consent.objects.count() == 0
    assert audited_changes() == changes


def test_the_heard_on_date_of_a_signed_form_is_ignored_not_refused(
    browser: Client, person: Any, media_root: Path
) -> None:
    from estafette.consent.tests.helpers import pdf_upload

    data = form_data(given_on=TODAY, verbal_on=dt.date(1, 1, 1))
    data.update(evidence_kind="document", evidence_file=pdf_upload())
    response = browser.post(reverse("consent-record", args=[person.pk]), data)
    assert response.status_code == 302
    assert Consent.objects.get().verbal_on is None


@pytest.mark.parametrize("field", list(FIELDS))
def test_a_service_refusal_of_a_date_lands_on_the_field_it_is_about(db: None, field: str) -> None:
    """The range sentence is shared by three fields; its subject says which one."""
    bound, _own = FIELDS[field]
    form = ConsentRecordForm(form_data(given_on=TODAY))
    assert form.is_valid(), form.errors
    with pytest.raises(InvalidInput) as refused:
        bounds.check_date(bound, dt.date(1, 1, 1), today=TODAY)
    form.add_domain_error(refused.value)
    assert list(form.errors) == [field]
