"""Every URL of the product, for tests that must hold on each of them (issue 11).

:func:`every_route` walks the URL resolver and lists each named pattern with the
parameters it takes; :func:`url_for` fills them from a dictionary of samples
(a parameter's name, or ``"<url name>:<parameter>"`` for one route). A route added
later is picked up without touching the tests — and fails them if it has a
parameter no sample covers, so nobody forgets to think about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.organisations.models import Organisation


@dataclass(frozen=True)
class Route:
    name: str
    """The URL's name, with its namespace (``admin:index``)."""
    route: str
    """The pattern as written, for messages."""
    params: tuple[tuple[str, str], ...]
    """``(parameter, converter)`` pairs: ``("pk", "int")``, ``("condition", "slug")`` …"""

    @property
    def admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def int_params(self) -> tuple[str, ...]:
        return tuple(name for name, converter in self.params if converter == "int")

    @property
    def str_params(self) -> tuple[str, ...]:
        return tuple(name for name, converter in self.params if converter in ("string", "slug"))


def _converter_name(converter: Any) -> str:
    if isinstance(converter, IntConverter):
        return "int"
    return type(converter).__name__.removesuffix("Converter").lower()


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for entry in patterns:
        pattern = entry.pattern
        converters = dict(getattr(pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, route, inner_converters in _walk(
                entry.url_patterns, prefix + str(pattern), inner
            ):
                yield name, route, {**converters, **inner_converters}
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(pattern), converters


def every_route() -> list[Route]:
    """Each named URL pattern once (the first one a name reverses to), in resolver order."""
    seen: set[str] = set()
    routes = []
    for name, route, converters in _walk(get_resolver().url_patterns):
        if name in seen:
            continue
        seen.add(name)
        params = tuple((param, _converter_name(conv)) for param, conv in converters.items())
        routes.append(Route(name=name, route=route, params=params))
    return routes


def url_for(route: Route, samples: Mapping[str, Any]) -> str:
    """The URL of ``route`` with each parameter taken from ``samples``.

    ``samples["<url name>:<parameter>"]`` wins over ``samples["<parameter>"]``; a
    parameter with neither raises ``KeyError`` naming the route.
    """
    kwargs = {}
    for param, _converter in route.params:
        specific = f"{route.name}:{param}"
        if specific in samples:
            kwargs[param] = samples[specific]
        elif param in samples:
            kwargs[param] = samples[param]
        else:
            raise KeyError(f"no sample for {param!r} of {route.name} ({route.route})")
    return reverse(route.name, kwargs=kwargs)


ADMIN_SKIPPED = ("admin:login", "admin:logout", "admin:password_change")
"""Admin pages that would end (or change) the session of the test's client."""


@dataclass
class RouteWorld:
    """A small world in which every route has something to show to ``actor``."""

    actor: Actor
    samples: dict[str, Any]
    """A real, visible record for each parameter of every route (see :func:`url_for`)."""


def route_world(actor_a: Actor, org_b: Organisation, org_c: Organisation) -> RouteWorld:
    """``actor_a`` (a regional coordinator) holding one file with a record behind every route.

    Build it on a frozen clock (the ``frozen_clock`` fixture); ``actor_a``, ``org_b``
    and ``org_c`` are the root conftest's.

    One trajectory with its consent, a signal and the notification of it, a handover
    sent to ``org_b``, a contact moment, a volunteer request, and an emergency access a
    professional of ``org_c`` opened on the file (for the holder's review).
    """
    from estafette.access.services import emergency_access_open
    from estafette.conditions.models import Condition
    from estafette.consent.models import Consent
    from estafette.handovers.models import Handover
    from estafette.norms.catalogue import BY_CODE
    from estafette.signals.evaluate import signals_evaluate
    from estafette.signals.models import Signal
    from estafette.signals.notifications.models import Notification
    from estafette.signals.notifications.services import notifications_after_evaluation
    from estafette.testing.factories import HandoverFactory, TrajectoryFactory, make_actor
    from estafette.trajectories.models import Trajectory
    from estafette.visits.models import ContactKind
    from estafette.visits.services import contact_record, volunteer_request_open

    trajectory = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    signals_evaluate([trajectory.pk])
    notifications_after_evaluation()
    signal = Signal.objects.filter(addressee=actor_a.organisation).first()
    notification = Notification.objects.filter(user=actor_a.user).first()
    handover = cast(Handover, HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=org_b))
    moment = contact_record(
        actor=actor_a,
        trajectory=trajectory,
        kind=ContactKind.RETURN_BOOKLET,
        happened_on=clock.today() - dt.timedelta(days=1),
    )
    request = volunteer_request_open(actor=actor_a, trajectory=trajectory)
    outsider = make_actor(org_c, role="landing_place_worker")
    grant = emergency_access_open(
        actor=outsider,
        trajectory_pk=trajectory.pk,
        reason="The police ask whether the person is known here; the holder is away.",
    )
    consent = Consent.objects.filter(person=trajectory.person).first()
    from estafette.people.models import NetworkMember, PersonIdentifier

    identifier = PersonIdentifier.objects.create(
        person=trajectory.person, kind="bsn", value="123456782"
    )
    member = NetworkMember.objects.create(
        person=trajectory.person, name="Marieke", relation="sibling"
    )
    assert signal and notification and consent, "the world is missing a record"
    samples: dict[str, Any] = {
        "pk": trajectory.pk,
        "person_pk": trajectory.person_id,
        "condition": Condition.values[0],
        "action": "accept",
        "code": sorted(BY_CODE)[0],
        "handover-acknowledge:pk": handover.pk,
        "handover-transition:pk": handover.pk,
        "consent-revoke:pk": consent.pk,
        "consent-evidence:pk": consent.pk,
        "consent-notice-seen:pk": trajectory.pk,  # (none in this world: a 404 answer)
        "emergency-access-review-save:pk": grant.pk,
        "notification-read:pk": notification.pk,
        "notification-open:pk": notification.pk,
        "signal-detail:pk": signal.pk,
        "signal-acknowledge:pk": signal.pk,
        "signal-snooze:pk": signal.pk,
        "signal-resolve:pk": signal.pk,
        "contact-withdraw:pk": moment.pk,
        "volunteer-request-answer:pk": request.pk,
        "identifier_pk": identifier.pk,  # the person details page (issue 12)
        "member_pk": member.pk,
        "kind": "guidance",  # actor_a is Bureau Buitenland's coordinator (intake)
        # An invitation's link (a user number in base64, a token): no invitation in this
        # world, so the page answers 404 (audited), as to a used or expired link.
        "uidb64": "MQ",
        "token": "no-such-token",
    }
    return RouteWorld(actor=actor_a, samples=samples)
