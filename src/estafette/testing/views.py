"""Small builders the view tests share: organisations, actors, signed-in clients, Dutch text."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from estafette.core.actor import Actor
from estafette.organisations.models import Membership, Organisation, OrganisationKind, Role
from estafette.testing.auth import login_verified


def make_org(code: str, kind: str = OrganisationKind.PARTNER, **extra: Any) -> Organisation:
    """An organisation with a unique ``code``; ``name`` defaults to "Organisatie <code>"."""
    return Organisation.objects.create(
        name=extra.pop("name", f"Organisatie {code}"), code=code, kind=kind, **extra
    )


def make_actor(
    org: Organisation, username: str, role: str = Role.PARTNER_WORKER, **user_fields: Any
) -> Actor:
    """A user working for ``org`` in ``role``, as the actor the services take."""
    user = get_user_model().objects.create_user(
        username=username, password="s3cret-test-pass", **user_fields
    )
    Membership.objects.create(user=user, organisation=org, role=role)
    return Actor(user=user, organisation=org, role=role)


def client_for(actor: Actor) -> Client:
    """A test client signed in as the actor's user, second factor included."""
    client = Client()
    login_verified(client, actor.user)
    return client


def nl(message: Any, **params: Any) -> str:
    """The sentence as a Dutch reader sees it in the HTML."""
    with translation.override("nl"):
        text = str(message)
        text = text % {k: str(v) for k, v in params.items()} if params else text
    return escape(text)
