"""A reader always sees the terms of a consent that names its own organisation.

Without the detention class (a landing place, a partner, a buddy) a reader sees of
other consents only their purpose and state (decision 0013); but the consent that is
its own ground tells it whom it covers, which classes, and until when — what it needs
to stay within it — and still not the evidence or the notes.
"""

from __future__ import annotations

from typing import cast

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.testing.consent import give_consent
from estafette.testing.factories import OrganisationFactory, make_actor
from estafette.trajectories.models import Trajectory


def test_own_consent_terms_without_detention(trajectory: Trajectory, actor_a: Actor) -> None:
    partner = make_actor(
        cast(
            Organisation,
            OrganisationFactory(kind=OrganisationKind.PARTNER, name="Werkgever", code="werk"),
        ),
        Role.PARTNER_WORKER,
    )
    mine = give_consent(
        person=trajectory.person,
        purpose_code="partner_sharing",
        recipient=partner.organisation,
        data_classes=["identity", "conditions"],
    )
    other = give_consent(
        person=trajectory.person, purpose_code="bb_guidance", recipient=actor_a.organisation
    )
    seen = frozenset({"identity", "conditions"})
    own = policy.consent_fields_visible(partner, mine, seen)
    assert {"purpose", "state", "recipient", "data_classes", "dates"} <= own
    assert not own & {"verbal_by", "verbal_place", "revoke_reason", "disclosures"}
    assert policy.consent_fields_visible(partner, other, seen) == {"purpose", "state"}
