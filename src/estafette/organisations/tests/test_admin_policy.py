"""Who runs an organisation (access/policy.py, issue 12), and the services' own refusals."""

from __future__ import annotations

from typing import Any

import pytest

from estafette.access import policy
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.organisations.models import Membership, OrganisationKind, Role
from estafette.organisations.services import (
    member_invite,
    membership_deactivate,
    organisation_details_update,
    second_factor_reset,
)
from estafette.testing.auth import totp_device
from estafette.testing.views import make_actor, make_org

ALL_ROLES = frozenset(Role)


def test_every_kind_has_its_roles_and_every_role_fits_somewhere() -> None:
    assert set(policy.ROLES_BY_ORGANISATION_KIND) == set(OrganisationKind)
    granted = frozenset().union(*policy.ROLES_BY_ORGANISATION_KIND.values())
    assert granted | policy.ADMINISTRATOR_ROLES == ALL_ROLES
    # The table lists care roles; the administrator comes with every kind.
    assert not granted & policy.ADMINISTRATOR_ROLES
    assert policy.ORGANISATION_MANAGER_ROLES == policy.ADMINISTRATOR_ROLES


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    bb = make_org("bb", OrganisationKind.BUREAU_BUITENLAND)
    desk = make_org("bb-oost", OrganisationKind.BB_REGIONAL_DESK, parent=bb)
    sibling = make_org("bb-west", OrganisationKind.BB_REGIONAL_DESK, parent=bb)
    prison = make_org("pi", OrganisationKind.PRISON)
    return {
        "bb": bb,
        "desk": desk,
        "sibling": sibling,
        "prison": prison,
        "admin": make_actor(bb, "beheer", Role.ORGANISATION_ADMIN),
        "desk_admin": make_actor(desk, "beheer-oost", Role.ORGANISATION_ADMIN),
        "coordinator": make_actor(bb, "coord", Role.REGIONAL_COORDINATOR),
    }


def test_an_admin_runs_its_organisation_and_desks_a_desk_admin_only_its_desk(
    world: dict[str, Any],
) -> None:
    admin, desk_admin = world["admin"], world["desk_admin"]
    assert policy.may_manage_organisation(admin, world["bb"])
    assert policy.may_manage_organisation(admin, world["desk"])
    assert policy.may_manage_organisation(admin, world["sibling"])
    assert not policy.may_manage_organisation(admin, world["prison"])
    assert policy.may_manage_organisation(desk_admin, world["desk"])
    assert not policy.may_manage_organisation(desk_admin, world["bb"])
    assert not policy.may_manage_organisation(desk_admin, world["sibling"])
    assert not policy.may_manage_organisation(world["coordinator"], world["bb"])


def test_only_fitting_roles_and_the_administrator_are_granted(world: dict[str, Any]) -> None:
    admin = world["admin"]
    assert policy.may_grant_role(admin, world["desk"], Role.REGIONAL_COORDINATOR)
    assert policy.may_grant_role(admin, world["desk"], Role.ORGANISATION_ADMIN)
    assert not policy.may_grant_role(admin, world["desk"], Role.CASE_MANAGER)
    assert not policy.may_grant_role(admin, world["prison"], Role.CASE_MANAGER)  # not theirs
    assert policy.roles_for_organisation(world["prison"]) == (
        Role.CASE_MANAGER,
        Role.ORGANISATION_ADMIN,
    )


@pytest.mark.django_db
def test_the_invite_service_refuses_a_role_that_does_not_fit(world: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        member_invite(
            actor=world["admin"],
            organisation=world["bb"],
            first_name="Piet",
            last_name="Fout",
            email="piet@example.org",
            role=Role.CASE_MANAGER,
        )
    with pytest.raises(NotPermitted):
        member_invite(
            actor=world["coordinator"],
            organisation=world["bb"],
            first_name="Piet",
            last_name="Fout",
            email="piet@example.org",
            role=Role.REGIONAL_COORDINATOR,
        )
    assert not Membership.objects.filter(user__email="piet@example.org").exists()


@pytest.mark.django_db
def test_deactivating_twice_is_a_conflict(world: dict[str, Any]) -> None:
    membership = Membership.objects.get(user=world["coordinator"].user)
    membership_deactivate(actor=world["admin"], membership=membership)
    with pytest.raises(Conflict):
        membership_deactivate(actor=world["admin"], membership=membership)


@pytest.mark.django_db
def test_no_admin_resets_its_own_second_factor(world: dict[str, Any]) -> None:
    admin = world["admin"]
    totp_device(admin.user)
    own = Membership.objects.get(user=admin.user)
    with pytest.raises(NotPermitted):
        second_factor_reset(actor=admin, membership=own, reason="lost")
    # A desk admin cannot reset a parent admin's either (not its organisation).
    assert not policy.may_reset_second_factor(world["desk_admin"], [own])


@pytest.mark.django_db
def test_details_change_only_what_changed_and_only_known_fields(world: dict[str, Any]) -> None:
    desk = world["desk"]
    assert organisation_details_update(actor=world["admin"], organisation=desk, city="Arnhem") == [
        "city"
    ]
    assert organisation_details_update(actor=world["admin"], organisation=desk, city="Arnhem") == []
    with pytest.raises(InvalidInput):
        organisation_details_update(actor=world["admin"], organisation=desk, name="Anders")
    with pytest.raises(NotPermitted):
        organisation_details_update(actor=world["desk_admin"], organisation=world["bb"], city="X")
