"""Reads of the directory and organisations. Reference data is not personal data."""

from __future__ import annotations

from django.db.models import QuerySet

from estafette.organisations.models import (
    Country,
    Municipality,
    Organisation,
    OrganisationKind,
)


def organisation_list(*, exclude: Organisation | None = None) -> QuerySet[Organisation]:
    """Active organisations a baton can be handed to, by name."""
    qs = Organisation.objects.filter(is_active=True).select_related("municipality")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("name")


def aftercare_desk_for(municipality: Municipality) -> Organisation | None:
    """The municipal after-care desk that serves ``municipality``.

    A central municipality's desk that lists ``municipality`` among those it
    serves wins over the municipality's own desk (DOMAIN.md §2, centrumgemeente).
    """
    central = (
        Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPAL_AFTERCARE,
            is_active=True,
            serves_municipalities=municipality,
        )
        .order_by("id")
        .first()
    )
    if central is not None:
        return central
    return (
        Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPAL_AFTERCARE, is_active=True, municipality=municipality
        )
        .order_by("id")
        .first()
    )


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.all()


def country_list() -> QuerySet[Country]:
    return Country.objects.all()
