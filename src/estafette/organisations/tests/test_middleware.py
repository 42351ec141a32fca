"""Which membership acts for a signed-in user (the actor every selector and service takes)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from estafette.organisations.middleware import SESSION_KEY, actor_for_request
from estafette.organisations.models import Organisation, Role
from estafette.testing.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(user: object, session: dict[str, object] | None = None) -> SimpleNamespace:
    return SimpleNamespace(user=user, session=session or {})


def test_an_anonymous_visitor_has_no_actor() -> None:
    assert actor_for_request(_request(AnonymousUser())) is None


def test_a_user_without_membership_has_no_actor() -> None:
    assert actor_for_request(_request(UserFactory())) is None


def test_the_first_membership_acts_unless_the_session_chose_another(
    org_a: Organisation, org_b: Organisation
) -> None:
    user = UserFactory()
    MembershipFactory(user=user, organisation=org_a, role=Role.REGIONAL_COORDINATOR)
    second = MembershipFactory(user=user, organisation=org_b, role=Role.AFTERCARE_COORDINATOR)

    actor = actor_for_request(_request(user))
    assert actor is not None
    assert (actor.organisation, actor.role) == (org_a, Role.REGIONAL_COORDINATOR)

    chosen = actor_for_request(_request(user, {SESSION_KEY: second.pk}))
    assert chosen is not None
    assert (chosen.organisation, chosen.role) == (org_b, Role.AFTERCARE_COORDINATOR)


def test_a_session_choice_of_someone_elses_membership_is_ignored(
    org_a: Organisation, org_b: Organisation
) -> None:
    user = UserFactory()
    MembershipFactory(user=user, organisation=org_a)
    other = MembershipFactory(organisation=org_b)
    actor = actor_for_request(_request(user, {SESSION_KEY: other.pk}))
    assert actor is not None
    assert actor.organisation == org_a


def test_inactive_memberships_and_inactive_organisations_do_not_act(
    org_a: Organisation, org_b: Organisation
) -> None:
    user = UserFactory()
    MembershipFactory(user=user, organisation=org_a, is_active=False)
    MembershipFactory(user=user, organisation=org_b)
    org_b.is_active = False
    org_b.save()
    assert actor_for_request(_request(user)) is None
