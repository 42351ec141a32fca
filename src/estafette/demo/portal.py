"""The demo's person and contact person on their own pages (issue 13).

Sander Verhoeven (EXAMPLES.md) and his sister Ilse, his contact person, sign in without a
password: with a code sent to their e-mail address (in development the mail lands in
``var/mail/``), or with a paper code the coordinator hands them, which
``manage.py demo_portal_code person|contact`` prints, issued through the product's own
service (:func:`portal.codes.issue_paper_code`) by the demo coordinator, and audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from estafette.core.actor import Actor
from estafette.organisations.models import Membership
from estafette.people.models import NetworkMember, Person
from estafette.portal.codes import issue_paper_code, paper_code_printed
from estafette.portal.subject import SubjectKind
from estafette.trajectories.models import Phase, Trajectory

PERSON = ("Sander", "Verhoeven")
ISSUER = "coordinator"
"""The demo account that hands the paper codes: Sander's BB regional coordinator."""

KINDS = {"person": SubjectKind.PERSON, "contact": SubjectKind.CONTACT_PERSON}


@dataclass(frozen=True)
class PortalAccount:
    """How one demo subject signs in: who, as what, and the address a code goes to."""

    kind: str  # "person" or "contact"
    name: str
    email: str


def demo_person() -> Person | None:
    given, family = PERSON
    return Person.objects.filter(given_names=given, family_name=family).order_by("pk").first()


def portal_accounts() -> list[PortalAccount]:
    """The demo's person and contact person, if the demo holds them (else empty)."""
    person = demo_person()
    if person is None:
        return []
    accounts = [PortalAccount("person", f"{person.given_names} {person.family_name}", person.email)]
    member = NetworkMember.objects.filter(person=person, is_contact_person=True).first()
    if member is not None:
        accounts.append(PortalAccount("contact", member.name, member.email))
    return accounts


def demo_paper_code(kind: str) -> str:
    """A fresh paper code for the demo person (``kind`` "person") or their contact person.

    Raises LookupError when the demo does not hold them or the coordinator, and the
    product's own refusal (NotPermitted) if the coordinator may not hand one.
    """
    person = demo_person()
    membership = (
        Membership.objects.filter(user__username=ISSUER, is_active=True)
        .select_related("organisation", "user")
        .order_by("id")
        .first()
    )
    if person is None or membership is None:
        raise LookupError("the demo has no Sander Verhoeven or no coordinator")
    actor = Actor(user=membership.user, organisation=membership.organisation, role=membership.role)
    trajectory = (
        Trajectory.objects.filter(person=person).exclude(phase=Phase.CLOSED).order_by("-pk").first()
    )
    if trajectory is None:
        raise LookupError("Sander Verhoeven has no open trajectory")
    issued = issue_paper_code(actor=actor, trajectory=trajectory, kind=str(KINDS[kind]))
    return paper_code_printed(issued.code)
