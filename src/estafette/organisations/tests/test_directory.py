"""The directory: reference data from the migration, and finding the right after-care desk."""

from __future__ import annotations

import pytest

from estafette.organisations.models import (
    Country,
    Municipality,
    Organisation,
    OrganisationKind,
    TransferLaw,
)
from estafette.organisations.selectors import (
    aftercare_desk_for,
    country_list,
    municipality_list,
    organisation_list,
)
from estafette.testing.factories import OrganisationFactory, municipality

pytestmark = pytest.mark.django_db


def test_the_migration_loads_all_342_municipalities_each_with_its_own_aftercare_desk() -> None:
    assert Municipality.objects.count() == 342
    desks = Organisation.objects.filter(kind=OrganisationKind.MUNICIPAL_AFTERCARE)
    assert desks.count() == 342
    assert set(desks.values_list("municipality__cbs_code", flat=True)) == set(
        Municipality.objects.values_list("cbs_code", flat=True)
    )


def test_countries_carry_their_transfer_law_eu_inside_wets_elsewhere_wots() -> None:
    assert Country.objects.get(iso2="ES").transfer_law == TransferLaw.WETS
    assert Country.objects.get(iso2="TH").transfer_law == TransferLaw.WOTS
    assert not Country.objects.filter(eu_member=True, transfer_law=TransferLaw.WOTS).exists()


def test_municipality_and_country_lists_are_the_whole_directory() -> None:
    assert municipality_list().count() == 342
    assert country_list().count() == Country.objects.count() > 100


def test_aftercare_desk_for_a_municipality_is_its_own_desk() -> None:
    arnhem = municipality("GM0202")
    desk = aftercare_desk_for(arnhem)
    assert desk is not None
    assert desk.municipality == arnhem
    assert desk.code == "nazorg-gm0202"


def test_a_central_municipality_desk_that_serves_a_municipality_wins_over_its_own() -> None:
    arnhem, renkum = municipality("GM0202"), municipality("GM0274")
    central = OrganisationFactory(
        name="Nazorg regio Arnhem", kind=OrganisationKind.MUNICIPAL_AFTERCARE, municipality=arnhem
    )
    central.serves_municipalities.add(renkum)
    assert aftercare_desk_for(renkum) == central


def test_an_inactive_desk_is_never_chosen() -> None:
    amsterdam = municipality("GM0363")
    Organisation.objects.filter(municipality=amsterdam).update(is_active=False)
    assert aftercare_desk_for(amsterdam) is None


def test_organisation_list_leaves_out_inactive_ones_and_the_one_excluded(
    org_a: Organisation, org_b: Organisation, org_c: Organisation
) -> None:
    org_c.is_active = False
    org_c.save()
    listed = set(organisation_list(exclude=org_a))
    assert org_b in listed
    assert org_a not in listed
    assert org_c not in listed
    names = list(organisation_list().values_list("name", flat=True))
    assert names == sorted(names)


def test_the_factory_gives_every_organisation_a_unique_code() -> None:
    codes = {OrganisationFactory().code for _ in range(5)}
    assert len(codes) == 5
