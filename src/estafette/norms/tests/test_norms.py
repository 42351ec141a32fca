"""The catalogue and an organisation's own values for it (with who and why, history kept)."""

from __future__ import annotations

from typing import Any

import pytest

from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AppendOnlyError, AuditEvent
from estafette.norms.catalogue import BY_CODE, NORMS, NormKind
from estafette.norms.models import NormOverride
from estafette.norms.selectors import (
    norm_effective,
    norm_override_history,
    norms_effective_by_organisation,
)
from estafette.norms.services import norm_override_set
from estafette.organisations.models import Organisation

PARAMS_FOR_KIND = {
    NormKind.BEFORE_RELEASE: {"days_before_release"},
    NormKind.AFTER_RELEASE: {"within_days_after_release"},
    NormKind.WITHIN_DAYS_OF_ENTRY: {"within_days"},
    NormKind.PERIODIC: {"every_days"},
}


def test_catalogue_is_complete_and_sourced() -> None:
    assert len(BY_CODE) == len(NORMS)
    for norm in NORMS:
        assert norm.source.document, norm.code
        assert str(norm.title) and str(norm.description)
        if norm.kind in PARAMS_FOR_KIND:
            assert set(norm.params) == PARAMS_FOR_KIND[norm.kind], norm.code
        if norm.kind == NormKind.EXPECTED:
            assert not norm.has_deadline
    assert BY_CODE["aftercare_referral"].params == {"days_before_release": 90}
    assert (
        str(BY_CODE["aftercare_referral"].source) == "Handreiking terugkeer en re-integratie §3.2"
    )
    assert BY_CODE["return_booklet"].params == {"days_before_release": 180}
    assert BY_CODE["volunteer_visit"].params == {"every_days": [42, 56]}
    assert BY_CODE["domestic_screening"].params == {"within_days": 14}
    assert BY_CODE["dr_plan"].params == {"within_days": 28}
    assert BY_CODE["consular_visits"].params == {"basic_per_detention": 1, "extra_per_year": 4}


@pytest.fixture
def admin_a(actor_for: Any, org_a: Organisation) -> Actor:
    return actor_for(org_a, "organisation_admin")  # type: ignore[no-any-return]


def test_override_wins_for_its_organisation_only(
    frozen_clock: Any, admin_a: Actor, org_b: Organisation
) -> None:
    norm_override_set(
        actor=admin_a,
        code="aftercare_referral",
        params={"days_before_release": 120},
        reason="Gemeenten in onze regio vragen vier maanden.",
    )
    mine = norm_effective(code="aftercare_referral", organisation=admin_a.organisation)
    theirs = norm_effective(code="aftercare_referral", organisation=org_b)
    assert mine.params["days_before_release"] == 120 and mine.is_overridden
    assert theirs.params["days_before_release"] == 90 and not theirs.is_overridden
    default, by_org = norms_effective_by_organisation(code="aftercare_referral")
    assert default.params["days_before_release"] == 90
    assert by_org[admin_a.organisation_id].params["days_before_release"] == 120


def test_latest_override_wins_and_history_is_kept(frozen_clock: Any, admin_a: Actor) -> None:
    norm_override_set(
        actor=admin_a, code="volunteer_visit", params={"every_days": [28, 42]}, reason="Eerst."
    )
    frozen_clock.advance(hours=1)
    norm_override_set(actor=admin_a, code="volunteer_visit", params={}, reason="Terug naar 6–8.")
    effective = norm_effective(code="volunteer_visit", organisation=admin_a.organisation)
    assert effective.params == {"every_days": [42, 56]}
    _default, by_org = norms_effective_by_organisation(code="volunteer_visit")
    assert admin_a.organisation_id not in by_org
    history = norm_override_history(code="volunteer_visit", organisation=admin_a.organisation)
    assert [h.reason for h in history] == ["Terug naar 6–8.", "Eerst."]
    assert history[0].set_by_id == admin_a.user_id
    assert AuditEvent.objects.filter(object_type="norms.normoverride").count() == 2
    with pytest.raises(AppendOnlyError):
        history[0].save()


def test_local_norm_gets_a_deadline_when_set(frozen_clock: Any, admin_a: Actor) -> None:
    before = norm_effective(code="contact_person_informed", organisation=admin_a.organisation)
    assert not before.has_deadline
    norm_override_set(
        actor=admin_a, code="contact_person_informed", params={"within_days": 10}, reason="Lokaal."
    )
    after = norm_effective(code="contact_person_informed", organisation=admin_a.organisation)
    assert after.has_deadline


def test_only_the_administrator_with_a_reason_and_valid_values(
    frozen_clock: Any, actor_a: Actor, admin_a: Actor
) -> None:
    with pytest.raises(NotPermitted):
        norm_override_set(
            actor=actor_a, code="aftercare_referral", params={"days_before_release": 60}, reason="x"
        )
    bad = [
        ("no_such_norm", {"days_before_release": 60}),
        ("aftercare_referral", {"weeks": 6}),
        ("aftercare_referral", {"days_before_release": -1}),
        ("aftercare_referral", {"days_before_release": "90"}),
        ("volunteer_visit", {"every_days": [56, 42]}),
    ]
    for code, params in bad:
        with pytest.raises(InvalidInput):
            norm_override_set(actor=admin_a, code=code, params=params, reason="x")
    with pytest.raises(InvalidInput):
        norm_override_set(
            actor=admin_a, code="aftercare_referral", params={"days_before_release": 60}, reason=" "
        )
    assert not NormOverride.objects.exists()
