"""Every value of every norm stays inside what it can mean (issue #9: a norm of 999,999,999 days
broke every file of the organisation and the sweep). Service and form, at both ends and one
beyond; a refusal stores no override. A value stored out of range before the check existed is
used at the nearest end of its range and flagged on the norms page."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.html import escape

from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.norms.catalogue import NORMS, Norm
from estafette.norms.models import NormOverride
from estafette.norms.selectors import norm_effective, norms_effective_by_organisation
from estafette.norms.services import norm_override_set
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.testing.bounds import audited_changes, number_sentence
from estafette.testing.views import client_for, make_actor, make_org

VALUES = [
    (norm, name, position)
    for norm in NORMS
    for name, default in norm.params.items()
    for position in ((0, 1) if isinstance(default, list) else (None,))
]
"""Every value of the catalogue: (norm, parameter, which end of a range or None)."""


def value_id(case: tuple[Norm, str, int | None]) -> str:
    norm, name, position = case
    return f"{norm.code}.{name}" + ("" if position is None else (".low", ".high")[position])


def params_with(norm: Norm, name: str, position: int | None, value: int) -> dict[str, Any]:
    """Valid values for every parameter of ``norm``, with ``value`` in the one under test."""
    params: dict[str, Any] = {}
    for other, default in norm.params.items():
        bound = bounds.NORM_PARAMS[other]
        if isinstance(default, list):
            params[other] = [bound.low, bound.high]
        else:
            params[other] = default if default is not None else bound.low
    if position is None:
        params[name] = value
    else:
        low, high = params[name]
        params[name] = [value, max(value, high)] if position == 0 else [min(low, value), value]
    return params


@pytest.fixture
def organisation(db: None) -> Organisation:
    return make_org("nazorg-test", OrganisationKind.MUNICIPAL_AFTERCARE, name="Nazorg Test")


@pytest.fixture
def admin(organisation: Organisation) -> Actor:
    return make_actor(organisation, "beheer", Role.ORGANISATION_ADMIN)


def test_every_value_of_the_catalogue_has_a_range_that_holds_its_default() -> None:
    for norm, name, position in VALUES:
        bound = bounds.NORM_PARAMS[name]
        default = norm.params[name]
        value = default if position is None else default[position]
        assert value is None or bound.low <= value <= bound.high, (norm.code, name)


@pytest.mark.parametrize("case", VALUES, ids=value_id)
def test_the_service_takes_each_value_at_the_ends_of_its_range_and_refuses_one_beyond(
    admin: Actor, case: tuple[Norm, str, int | None]
) -> None:
    norm, name, position = case
    bound = bounds.NORM_PARAMS[name]
    for value in (bound.low, bound.high):
        params = params_with(norm, name, position, value)
        override = norm_override_set(actor=admin, code=norm.code, params=params, reason="Eigen.")
        assert override.params == params
    stored, changes = NormOverride.objects.count(), audited_changes()
    for value in (bound.low - 1, bound.high + 1, 999_999_999):
        params = params_with(norm, name, position, value)
        with pytest.raises(InvalidInput) as refused:
            norm_override_set(actor=admin, code=norm.code, params=params, reason="Eigen.")
        if value >= 0:  # a negative number is not a number of days at all (its own sentence)
            assert refused.value.message is bounds.NUMBER_OUT_OF_RANGE
            assert refused.value.params["what"] is bound.what
    assert (NormOverride.objects.count(), audited_changes()) == (stored, changes)


def form_data(norm: Norm, params: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"reason": "Onze eigen afspraak."}
    for name, value in params.items():
        if isinstance(value, list):
            data[f"p_{name}_low"], data[f"p_{name}_high"] = value
        else:
            data[f"p_{name}"] = value
    return data


@pytest.mark.parametrize("case", VALUES, ids=value_id)
def test_the_form_takes_each_value_at_the_ends_of_its_range_and_refuses_one_beyond(
    admin: Actor, case: tuple[Norm, str, int | None]
) -> None:
    norm, name, position = case
    bound = bounds.NORM_PARAMS[name]
    client = client_for(admin)
    url = f"/norms/{norm.code}/"
    for value in (bound.low, bound.high):
        params = params_with(norm, name, position, value)
        assert client.post(url, form_data(norm, params)).status_code == 302
        assert norm_effective(code=norm.code, organisation=admin.organisation).params == params
    stored, changes = NormOverride.objects.count(), audited_changes()
    for value in (bound.low - 1, bound.high + 1, 999_999_999):
        response = client.post(url, form_data(norm, params_with(norm, name, position, value)))
        assert response.status_code == 400
        assert number_sentence(bound) in response.content.decode()
    assert (NormOverride.objects.count(), audited_changes()) == (stored, changes)


def test_the_form_tells_the_number_inputs_their_range(admin: Actor) -> None:
    html = client_for(admin).get("/norms/volunteer_visit/").content.decode()
    field = html[html.index('name="p_every_days_high"') :]
    field = field[: field.index(">")]
    assert 'min="1"' in field and 'max="365"' in field


# ------------------------------------------------------------ stored before the check


def plant(organisation: Organisation, code: str, params: dict[str, Any]) -> NormOverride:
    """An override as an older version (or a direct database edit) could have stored it."""
    return NormOverride.objects.create(
        organisation=organisation, norm_code=code, params=params, reason="Van vroeger."
    )


def test_a_stored_value_out_of_range_is_used_at_the_end_of_its_range_and_flagged(
    organisation: Organisation,
) -> None:
    plant(organisation, "aftercare_referral", {"days_before_release": 999_999_999})
    plant(organisation, "volunteer_visit", {"every_days": [0, 10**12]})
    plant(organisation, "domestic_screening", {"within_days": "veertien"})
    referral = norm_effective(code="aftercare_referral", organisation=organisation)
    assert referral.params == {"days_before_release": 730}
    assert referral.flagged == ("days_before_release",)
    assert referral.stored_params == {"days_before_release": 999_999_999}
    visit = norm_effective(code="volunteer_visit", organisation=organisation)
    assert visit.params == {"every_days": [1, 365]} and visit.flagged == ("every_days",)
    screening = norm_effective(code="domestic_screening", organisation=organisation)
    assert screening.params == {"within_days": 14} and screening.flagged == ("within_days",)
    _default, by_org = norms_effective_by_organisation(code="aftercare_referral")
    assert by_org[organisation.pk].params == {"days_before_release": 730}


def test_a_value_inside_its_range_is_not_flagged(organisation: Organisation) -> None:
    plant(organisation, "volunteer_visit", {"every_days": [28, 42]})
    visit = norm_effective(code="volunteer_visit", organisation=organisation)
    assert visit.params == {"every_days": [28, 42]} and visit.flagged == ()


def test_the_norms_pages_show_a_stored_value_as_it_is_and_ask_to_correct_it(
    organisation: Organisation, admin: Actor
) -> None:
    plant(organisation, "aftercare_referral", {"days_before_release": 999_999_999})
    client = client_for(admin)
    listing = client.get("/norms/", HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "days before release: 999999999" in html
    assert "check this value" in html
    assert escape("outside 0–730: deadlines count with 730 until you correct it") in html
    detail = client.get("/norms/aftercare_referral/", HTTP_ACCEPT_LANGUAGE="en")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "check this value" in page
    assert 'value="999999999"' in page  # the form shows the stored value, to be corrected
    other = client.get("/norms/return_booklet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "check this value" not in other
