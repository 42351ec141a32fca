"""The bounds module, the overflow-free date arithmetic, and the admin's bounded inputs."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import strategies as st

from estafette.consent.models import ConsentPurpose
from estafette.core import bounds, clock, env
from estafette.core.admin_site import BoundedInputAdmin
from estafette.core.days import FIRST, LAST, add_days, add_years, clamp
from estafette.core.errors import InvalidInput
from estafette.testing.auth import login_verified
from estafette.testing.bounds import EDGES, edge, number_sentence

TODAY = dt.date(2025, 3, 3)

# ------------------------------------------------------------------ core.days


def test_add_days_holds_at_the_calendars_edges_instead_of_overflowing() -> None:
    assert add_days(dt.date(1, 1, 1), -90) == FIRST
    assert add_days(dt.date(9999, 12, 31), 1) == LAST
    assert add_days(TODAY, 999_999_999) == LAST
    assert add_days(TODAY, -(10**12)) == FIRST  # beyond what a timedelta can hold
    assert add_days(TODAY, 14) == dt.date(2025, 3, 17)


@given(day=st.dates(), days=st.integers(-(10**10), 10**10))
def test_add_days_never_raises_and_agrees_with_timedelta_where_that_works(
    day: dt.date, days: int
) -> None:
    result = add_days(day, days)
    try:
        expected = day + dt.timedelta(days=days)
    except OverflowError:
        assert result in (FIRST, LAST)
    else:
        assert result == expected


def test_add_years_keeps_the_day_and_turns_a_leap_day_into_the_28th() -> None:
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(TODAY, -20) == dt.date(2005, 3, 3)
    assert add_years(dt.date(9999, 1, 1), 5) == LAST
    assert add_years(dt.date(3, 1, 1), -5) == FIRST
    assert clamp(dt.date(1, 1, 1), TODAY, LAST) == TODAY


# ------------------------------------------------------------------ ranges


def test_every_date_range_lies_inside_1900_2100_whatever_the_day() -> None:
    for bound in bounds.DATE_BOUNDS.values():
        for today in (TODAY, dt.date(1901, 6, 1), dt.date(2099, 6, 1)):
            earliest, latest = bound.range_on(today)
            assert earliest >= bounds.FLOOR and latest <= bounds.CEILING, bound.key


def test_the_ranges_the_issue_names() -> None:
    assert bounds.ANSWER_DATE.range_on(TODAY) == (TODAY, dt.date(2026, 3, 3))
    assert bounds.BIRTH_DATE.range_on(TODAY) == (dt.date(1900, 1, 1), TODAY)
    assert bounds.ANY_DATE.range_on(TODAY) == (dt.date(1900, 1, 1), dt.date(2100, 12, 31))
    assert bounds.SNOOZE_UNTIL.range_on(TODAY)[0] == dt.date(2025, 3, 4)
    earliest, latest = bounds.RELEASE_DATE.range_on(TODAY)
    assert earliest.year == 2005 and latest.year == 2065


@pytest.mark.parametrize("bound", list(bounds.DATE_BOUNDS.values()), ids=lambda b: b.key)
@pytest.mark.parametrize("which", EDGES)
def test_check_date_accepts_each_end_and_refuses_one_day_beyond(
    bound: bounds.DateBound, which: str
) -> None:
    day, accepted = edge(bound, which, TODAY)
    if accepted:
        bounds.check_date(bound, day, today=TODAY)
        assert bounds.date_is_plausible(bound, day, TODAY)
    else:
        with pytest.raises(InvalidInput) as refused:
            bounds.check_date(bound, day, today=TODAY)
        assert refused.value.message is bounds.DATE_OUT_OF_RANGE
        assert refused.value.params["what"] is bound.what
        assert not bounds.date_is_plausible(bound, day, TODAY)


def test_the_refusal_names_the_field_and_the_range_in_the_readers_language() -> None:
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        bounds.check_date(bounds.ANSWER_DATE, dt.date(9999, 12, 31), today=TODAY)
    with translation.override("en"):
        assert str(refused.value) == (
            "The answer date must lie between 3 March 2025 and 3 March 2026."
        )
    assert refused.value.status == 400


def test_a_side_with_a_sentence_of_its_own_says_that_sentence() -> None:
    own = "The date cannot lie in the future."
    with pytest.raises(InvalidInput) as future:
        bounds.check_date(bounds.CONTACT_ON, dt.date(2025, 3, 4), today=TODAY, too_late=own)
    assert future.value.message == own
    with pytest.raises(InvalidInput) as ancient:
        bounds.check_date(bounds.CONTACT_ON, dt.date(1, 1, 1), today=TODAY, too_late=own)
    assert ancient.value.message is bounds.DATE_OUT_OF_RANGE


def test_none_passes_and_a_non_date_is_not_plausible() -> None:
    bounds.check_date(bounds.RELEASE_DATE, None)
    with pytest.raises(InvalidInput):
        bounds.check_date(bounds.RELEASE_DATE, "2025-03-03", too_early="x")  # type: ignore[arg-type]
    bounds.check_number(bounds.NORM_PARAMS["within_days"], None)
    assert not bounds.date_is_plausible(bounds.RELEASE_DATE, "2025-03-03")
    assert not bounds.number_is_plausible(bounds.NORM_PARAMS["within_days"], True)
    assert not bounds.number_is_plausible(bounds.NORM_PARAMS["within_days"], 3.5)


@pytest.mark.parametrize("bound", list(bounds.NORM_PARAMS.values()), ids=lambda b: b.key)
def test_check_number_accepts_each_end_and_refuses_one_beyond(bound: bounds.NumberBound) -> None:
    bounds.check_number(bound, bound.low)
    bounds.check_number(bound, bound.high)
    for beyond in (bound.low - 1, bound.high + 1, 999_999_999):
        with pytest.raises(InvalidInput) as refused:
            bounds.check_number(bound, beyond)
        assert refused.value.message is bounds.NUMBER_OUT_OF_RANGE


# ------------------------------------------------------------------ forms


class _Form(forms.Form):
    day = forms.DateField(required=False)
    count = forms.IntegerField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bounds.bound_field(self.fields["day"], bounds.ANSWER_DATE)
        bounds.bound_field(self.fields["count"], bounds.NORM_PARAMS["every_days"])


def test_a_bound_form_field_checks_like_the_service_and_shows_min_and_max() -> None:
    with clock.frozen(TODAY), translation.override("en"):
        assert _Form({"day": "2026-03-03", "count": "365"}).is_valid()
        form = _Form({"day": "2026-03-04", "count": "366"})
        assert not form.is_valid()
        assert form.errors["day"] == [
            "The answer date must lie between 3 March 2025 and 3 March 2026."
        ]
        assert form.errors["count"] == [
            "The number of days between two times must be a whole number from 1 to 365."
        ]
        html = str(_Form())
    assert 'min="2025-03-03"' in html and 'max="2026-03-03"' in html
    assert 'min="1"' in html and 'max="365"' in html


# ------------------------------------------------------------------ the admin


def test_every_model_admin_on_the_site_has_bounded_inputs() -> None:
    assert admin.site._registry
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, BoundedInputAdmin)


@pytest.fixture
def superuser_client(db: None) -> Client:
    client = Client()
    login_verified(client, get_user_model().objects.create_superuser("beheer", password="x-y-z"))
    return client


def _purpose_form(order: int) -> dict[str, Any]:
    return {
        "code": "test_purpose",
        "name_nl": "Testdoel",
        "name_en": "Test purpose",
        "description_nl": "Uitleg voor de test.",
        "description_en": "Explanation for the test.",
        "is_active": "on",
        "order": str(order),
        "default_classes": ["identity"],
        "max_classes": ["identity", "detention"],
    }


def test_the_admin_refuses_a_number_beyond_its_range_and_saves_nothing(
    superuser_client: Client,
) -> None:
    bound = bounds.ADMIN_NUMBERS["consent.consentpurpose.order"]
    before = ConsentPurpose.objects.count()
    refused = superuser_client.post("/admin/consent/consentpurpose/add/", _purpose_form(1001))
    assert refused.status_code == 200  # the admin shows the form again with the error
    assert number_sentence(bound) in refused.content.decode()
    assert ConsentPurpose.objects.count() == before
    accepted = superuser_client.post("/admin/consent/consentpurpose/add/", _purpose_form(1000))
    assert accepted.status_code == 302
    assert ConsentPurpose.objects.get(code="test_purpose").order == 1000


def test_the_admin_refuses_a_date_outside_1900_2100(superuser_client: Client) -> None:
    user = get_user_model().objects.create_user("iemand", password="x-y-z")
    model_admin = admin.site._registry[get_user_model()]
    request = superuser_client.get("/admin/").wsgi_request
    form_class = model_admin.get_form(request, user, change=True)

    def form_with(date_joined: str) -> forms.ModelForm[Any]:
        data = {
            "username": user.username,
            "date_joined_0": date_joined,
            "date_joined_1": "09:00:00",
            "is_active": "on",
        }
        return form_class(data, instance=user)

    assert "date_joined" in form_with("0001-01-01").errors
    assert "date_joined" in form_with("1899-12-31").errors
    assert "date_joined" not in form_with("1900-01-01").errors
    assert "date_joined" in form_with("2101-01-01").errors


def test_the_admin_keeps_an_authenticator_device_within_what_apps_can_do(
    superuser_client: Client,
) -> None:
    user = get_user_model().objects.create_user("iemand", password="x-y-z")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    model_admin = admin.site._registry[TOTPDevice]
    request = superuser_client.get("/admin/").wsgi_request
    form_class = model_admin.get_form(request, device, change=True)
    fields = {"user": user.pk, "name": "app", "key": device.key, "confirmed": "on"}
    numbers = {
        "step": 30,
        "t0": 0,
        "digits": 6,
        "tolerance": 1,
        "drift": 0,
        "throttling_failure_count": 0,
    }
    assert not set(form_class({**fields, **numbers}, instance=device).errors) & set(numbers)
    for name, wrong in (("step", 100_000), ("tolerance", 11), ("drift", -11), ("t0", -1)):
        assert name in form_class({**fields, **numbers, name: wrong}, instance=device).errors
    assert (
        "tolerance"
        not in form_class({**fields, **numbers, "tolerance": 10}, instance=device).errors
    )


# ------------------------------------------------------------------ commands


@pytest.mark.parametrize("command", ["sweep", "consent_expire_sweep", "handovers_expire"])
def test_a_replay_day_outside_1900_2100_is_a_usage_error(db: None, command: str) -> None:
    for day in ("0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"):
        with pytest.raises(CommandError, match="must lie between"):
            call_command(command, f"--today={day}", stdout=StringIO())
    with pytest.raises(CommandError, match="not a date"):
        call_command(command, "--today=morgen", stdout=StringIO())
    for day in ("1900-01-01", "2100-12-31"):
        call_command(command, f"--today={day}", stdout=StringIO())


# ------------------------------------------------------------------ environment


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read real names: their test defaults must not reach ``manage.py envvars``."""
    monkeypatch.setattr(env, "REGISTRY", dict(env.REGISTRY))


@pytest.mark.parametrize("name", list(bounds.ENV_NUMBERS))
def test_an_environment_number_outside_its_range_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, own_registry: None, name: str
) -> None:
    low, high, _what = bounds.ENV_NUMBERS[name]
    for value in (low, high):
        monkeypatch.setenv(name, str(value))
        assert env.config(name, 1, help="for a test") == value
    for value in (low - 1, high + 1, 999_999_999):
        monkeypatch.setenv(name, str(value))
        with pytest.raises(ImproperlyConfigured, match=name):
            env.config(name, 1, help="for a test")


def test_a_frozen_today_outside_1900_2100_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, own_registry: None
) -> None:
    for good in ("1900-01-01", "2100-12-31", ""):
        monkeypatch.setenv("ESTAFETTE_TODAY", good)
        assert env.config("ESTAFETTE_TODAY", "", help="for a test") == good
    for bad in ("0001-01-01", "2101-01-01", "morgen"):
        monkeypatch.setenv("ESTAFETTE_TODAY", bad)
        with pytest.raises(ImproperlyConfigured, match="ESTAFETTE_TODAY"):
            env.config("ESTAFETTE_TODAY", "", help="for a test")


# ------------------------------------------------------------------ the audit of a guess


def test_a_guessed_number_of_any_length_is_audited_within_its_column(
    trajectory: Any, actor_b: Any
) -> None:
    """The refusal of a 60-digit trajectory number is audited (cut to the column), not a 500."""
    from estafette.core.audit import OBJECT_ID_MAX, audit_verify
    from estafette.core.models import AuditEvent

    assert AuditEvent._meta.get_field("object_id").max_length == OBJECT_ID_MAX
    client = Client(raise_request_exception=False)
    login_verified(client, actor_b.user)
    guess = "9" * 60
    assert client.get(f"/trajectories/{guess}/").status_code == 404
    denied = AuditEvent.objects.filter(action="denied").latest("id")
    assert denied.object_id == guess[:OBJECT_ID_MAX]
    assert audit_verify() is None


def test_a_purposes_usual_information_lies_within_its_maximum(
    superuser_client: Client,
) -> None:
    form = _purpose_form(10) | {"default_classes": ["identity", "health"]}
    refused = superuser_client.post("/admin/consent/consentpurpose/add/", form)
    assert refused.status_code == 200
    assert not ConsentPurpose.objects.filter(code="test_purpose").exists()
    accepted = superuser_client.post("/admin/consent/consentpurpose/add/", _purpose_form(10))
    assert accepted.status_code == 302
    purpose = ConsentPurpose.objects.get(code="test_purpose")
    assert purpose.default_classes == ["identity"]
    assert purpose.max_classes == ["identity", "detention"]
