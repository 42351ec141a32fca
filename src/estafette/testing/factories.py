"""factory_boy factories for the relay's building blocks.

Organisations, users, memberships and people are plain model factories.
Trajectories and handovers are made through their services (``trajectory_open``,
``handover_send``), because a trajectory without its first stretch or a
handover without its transition would break the very invariants the tests
check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import factory
from django.contrib.auth import get_user_model

from estafette.core import clock
from estafette.core.actor import Actor
from estafette.handovers.models import Handover, Purpose
from estafette.organisations.models import (
    Country,
    Membership,
    Municipality,
    Organisation,
    OrganisationKind,
    Role,
)
from estafette.people.models import Person
from estafette.testing.consent import intake_consent, send_with_consent
from estafette.trajectories.models import (
    Assignment,
    AssignmentKind,
    RegistrationCertainty,
    ReleaseCertainty,
    Route,
    Trajectory,
)
from estafette.trajectories.services import trajectory_open

GIVEN_NAMES = ["Anouk", "Bram", "Chaima", "Dennis", "Esra", "Fleur", "Gijs", "Hamid"]
FAMILY_NAMES = ["de Vries", "Jansen", "Bakker", "El Amrani", "Visser", "Smit", "Yilmaz", "Bos"]

ROLE_FOR_KIND = {
    OrganisationKind.BB_REGIONAL_DESK: Role.REGIONAL_COORDINATOR,
    OrganisationKind.BUREAU_BUITENLAND: Role.REGIONAL_COORDINATOR,
    OrganisationKind.MUNICIPAL_AFTERCARE: Role.AFTERCARE_COORDINATOR,
    OrganisationKind.PROBATION: Role.PROBATION_OFFICER,
    OrganisationKind.PRISON: Role.CASE_MANAGER,
    OrganisationKind.LANDING_PLACE: Role.LANDING_PLACE_WORKER,
    OrganisationKind.CONSULAR_POST: Role.CONSULAR_OFFICER,
    OrganisationKind.VOLUNTEER_ORGANISATION: Role.VISITING_VOLUNTEER,
    OrganisationKind.BUDDY_PROGRAMME: Role.BUDDY_PROFESSIONAL,
}


def municipality(cbs_code: str) -> Municipality:
    """A municipality from the directory the data migration loaded (GM0202 is Arnhem)."""
    return Municipality.objects.get(cbs_code=cbs_code)


def country(iso2: str) -> Country:
    return Country.objects.get(iso2=iso2)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testorganisatie {n}")
    code = factory.Sequence(lambda n: f"test-org-{n}")
    kind = OrganisationKind.PARTNER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"medewerker{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("estafette-test-wachtwoord")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = factory.LazyAttribute(
        lambda m: ROLE_FOR_KIND.get(m.organisation.kind, Role.PARTNER_WORKER)
    )


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_names = factory.Sequence(lambda n: GIVEN_NAMES[n % len(GIVEN_NAMES)])
    family_name = factory.Sequence(lambda n: f"{FAMILY_NAMES[n % len(FAMILY_NAMES)]} {n}")
    date_of_birth = dt.date(1988, 5, 17)


def make_actor(organisation: Organisation, role: str | None = None) -> Actor:
    """A new user working for ``organisation`` (in ``role``, or the kind's usual role)."""
    role = role or ROLE_FOR_KIND.get(OrganisationKind(organisation.kind), Role.PARTNER_WORKER)
    membership = cast(Membership, MembershipFactory(organisation=organisation, role=role))
    return Actor(user=membership.user, organisation=organisation, role=role)


def assign(actor: Actor, trajectory: Any, kind: str = "") -> Any:
    """An active assignment of ``actor``'s user to ``trajectory`` in its organisation, written
    directly (the services are tested in trajectories/tests/test_assignments.py): a
    volunteer or buddy sees a person only while assigned to them (decision 0016)."""
    defaults: dict[str, str] = {
        Role.VISITING_VOLUNTEER: AssignmentKind.VISITING_VOLUNTEER,
        Role.BUDDY: AssignmentKind.BUDDY,
    }
    default = defaults.get(actor.role, AssignmentKind.RESPONSIBLE_COORDINATOR)
    return Assignment.objects.create(
        trajectory=trajectory,
        organisation=actor.organisation,
        user=actor.user,
        kind=kind or default,
    )


class TrajectoryFactory(factory.django.DjangoModelFactory):
    """Opens a trajectory through ``trajectory_open``; pass ``actor=`` (the first holder).

    Defaults: a person detained in Spain, guided by BB, release known 90 days
    from the (frozen) today, registered in Arnhem.
    """

    class Meta:
        model = Trajectory

    actor = None
    person = factory.SubFactory(PersonFactory)
    route = Route.ABROAD_BB
    country = factory.LazyFunction(lambda: country("ES"))
    detention_place = "Centro Penitenciario Madrid VII"
    release_certainty = ReleaseCertainty.KNOWN
    release_date = factory.LazyFunction(lambda: clock.today() + dt.timedelta(days=90))
    registration_municipality = factory.LazyFunction(lambda: municipality("GM0202"))
    registration_certainty = RegistrationCertainty.CONFIRMED

    @classmethod
    def _create(cls, model_class: type[Trajectory], *args: Any, **kwargs: Any) -> Trajectory:
        actor = kwargs.pop("actor")
        with_consent = kwargs.pop("with_consent", True)
        if actor is None:
            raise TypeError("TrajectoryFactory needs actor= (the organisation that opens it)")
        trajectory = trajectory_open(actor=actor, **kwargs)
        if with_consent:
            intake_consent(trajectory=trajectory, organisation=actor.organisation)
        return trajectory


class HandoverFactory(factory.django.DjangoModelFactory):
    """Sends a handover through ``handover_send``.

    Pass ``actor=`` (the holder), ``trajectory=`` and ``receiver=``.
    """

    class Meta:
        model = Handover

    actor = None
    trajectory = None
    receiver = None
    purpose = Purpose.AFTERCARE_REFERRAL
    message = "Graag nazorg bij terugkeer: ID-kaart en uitkering regelen."
    information = "Wil in Arnhem wonen; contactpersoon is zijn zus."
    data_classes = None  # default: identity and detention, as far as the sender may see them
    respond_by = None

    @classmethod
    def _create(cls, model_class: type[Handover], *args: Any, **kwargs: Any) -> Handover:
        actor = kwargs.pop("actor")
        if actor is None or kwargs.get("trajectory") is None or kwargs.get("receiver") is None:
            raise TypeError("HandoverFactory needs actor=, trajectory= and receiver=")
        if kwargs.get("data_classes") is None:
            from estafette.access.policy import shareable_classes

            shareable = shareable_classes(actor, kwargs["trajectory"])
            kwargs["data_classes"] = [c for c in ("identity", "detention") if c in shareable]
        return send_with_consent(actor=actor, **kwargs)
