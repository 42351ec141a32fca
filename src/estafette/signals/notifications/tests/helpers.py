"""Builders for the notification tests: a signal with its event, users with a preference."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.organisations.models import Membership, Organisation
from estafette.signals.models import EventKind, Signal, SignalEvent
from estafette.signals.notifications.models import NotificationPreference
from estafette.trajectories.models import Trajectory

_counter = {"n": 0}


def raise_signal(
    trajectory: Trajectory,
    addressee: Organisation,
    role: str,
    *,
    rule_code: str = "no_contact_person",
    kind: str = EventKind.RAISED,
) -> SignalEvent:
    """A live signal for ``addressee`` (in ``role``) and its raised (or reopened) event."""
    signal = Signal.objects.filter(rule_code=rule_code, trajectory=trajectory).first()
    if signal is None:
        signal = Signal.objects.create(
            rule_code=rule_code,
            trajectory=trajectory,
            addressee=addressee,
            addressee_role=role,
            severity="info",
            reason="Reden met persoonsgegevens die nooit in een e-mail mag staan.",
            first_raised_at=clock.now(),
        )
    return SignalEvent.objects.create(signal=signal, kind=kind, at=clock.now())


def member(
    organisation: Organisation,
    role: str,
    *,
    email: str | None = None,
    frequency: str | None = None,
    active: bool = True,
) -> Actor:
    """A new user in ``organisation`` with ``role``; optionally an e-mail preference."""
    _counter["n"] += 1
    username = f"notified{_counter['n']}"
    user = get_user_model().objects.create_user(
        username=username,
        password="s3cret-test-pass",
        email=f"{username}@example.org" if email is None else email,
    )
    Membership.objects.create(user=user, organisation=organisation, role=role, is_active=active)
    if frequency is not None:
        NotificationPreference.objects.create(user=user, email_frequency=frequency)
    return Actor(user=user, organisation=organisation, role=role)


def notified_users(**filters: Any) -> set[int]:
    from estafette.signals.notifications.models import Notification

    return set(Notification.objects.filter(**filters).values_list("user_id", flat=True))
