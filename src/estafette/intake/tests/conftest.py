"""Fixtures of the intake tests: one organisation per first runner, and a signed-in client."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from django.test import Client

from estafette.core.actor import Actor
from estafette.organisations.models import Country, Organisation, OrganisationKind
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.testing.factories import OrganisationFactory, make_actor


def _org(**fields: object) -> Organisation:
    return cast(Organisation, OrganisationFactory(**fields))


@pytest.fixture
def consulate(spain: Country) -> Organisation:
    return _org(
        name="Consulaat-generaal Madrid", kind=OrganisationKind.CONSULAR_POST, country=spain
    )


@pytest.fixture
def prison(db: None) -> Organisation:
    return _org(name="PI Arnhem Zuid", kind=OrganisationKind.PRISON)


@pytest.fixture
def consul(frozen_clock: ClockControl, consulate: Organisation) -> Actor:
    return make_actor(consulate)


@pytest.fixture
def coordinator(frozen_clock: ClockControl, org_a: Organisation) -> Actor:
    return make_actor(org_a)


@pytest.fixture
def case_manager(frozen_clock: ClockControl, prison: Organisation) -> Actor:
    return make_actor(prison)


@pytest.fixture
def desk(frozen_clock: ClockControl, org_b: Organisation) -> Actor:
    return make_actor(org_b)


@pytest.fixture
def other_desk(frozen_clock: ClockControl, amsterdam: object) -> Actor:
    return make_actor(
        _org(
            name="Nazorg Amsterdam",
            kind=OrganisationKind.MUNICIPAL_AFTERCARE,
            municipality=amsterdam,
        )
    )


@pytest.fixture
def client_for() -> Callable[..., Client]:
    def make(actor: Actor, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        login_verified(client, actor.user)
        return client

    return make
