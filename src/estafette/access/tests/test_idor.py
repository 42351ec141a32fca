"""Guessed ids across organisations: every one answers 404 and leaves an audit entry.

Two organisations each hold a person's file with a handover, consents (one with a
signed form) and an emergency access; each tries the other's ids on every page
and endpoint that takes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from estafette.access.models import EmergencyAccess
from estafette.access.services import emergency_access_open
from estafette.consent.models import Consent, EvidenceKind
from estafette.consent.services import consent_record
from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.handovers.models import Handover
from estafette.organisations.models import OrganisationKind, Role
from estafette.trajectories.models import Trajectory

from .helpers import (
    TODAY,
    bb_desk,
    client_for,
    consent_for,
    main_content,
    make_actor,
    make_org,
    open_file,
    send,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Side:
    actor: Actor
    trajectory: Trajectory
    handover: Handover
    consent: Consent
    emergency: EmergencyAccess


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _side(name: str) -> Side:
    actor = make_actor(bb_desk(), Role.REGIONAL_COORDINATOR)
    trajectory = open_file(actor)
    consent_for(trajectory, actor.organisation)
    receiver = make_org(OrganisationKind.MUNICIPAL_AFTERCARE, f"Nazorg {name}")
    handover = send(actor, trajectory, receiver)
    consent = consent_record(
        actor=actor,
        person=trajectory.person,
        purpose_code="aftercare_referral",
        recipient_kind=OrganisationKind.MUNICIPAL_AFTERCARE,
        data_classes=["identity"],
        given_on=TODAY,
        evidence_kind=EvidenceKind.DOCUMENT,
        evidence_file=SimpleUploadedFile("form.pdf", PDF, content_type="application/pdf"),
    )
    outsider = make_actor(make_org(OrganisationKind.PARTNER), Role.PARTNER_WORKER)
    emergency = emergency_access_open(
        actor=outsider,
        trajectory_pk=trajectory.pk,
        reason="Onze cliënt noemde deze man; wij moeten de begeleider spreken.",
    )
    return Side(actor, trajectory, handover, consent, emergency)


@pytest.fixture
def sides(db: None) -> tuple[Side, Side]:
    return _side("A"), _side("B")


def guesses(theirs: Side) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, data) for every page and endpoint that takes an id of ``theirs``."""
    t, p = theirs.trajectory.pk, theirs.trajectory.person_id
    h, c, e = theirs.handover.pk, theirs.consent.pk, theirs.emergency.pk
    return [
        ("get", f"/trajectories/{t}/", {}),
        ("post", f"/trajectories/{t}/route/", {"route-route": "domestic", "route-reason": "x"}),
        ("post", f"/trajectories/{t}/release/", {"release-certainty": "unknown"}),
        ("post", f"/trajectories/{t}/phase/", {"phase-phase": "return"}),
        ("post", f"/trajectories/{t}/next-step/", {"next-next_step": "bellen"}),
        ("get", f"/trajectories/{t}/handover/", {}),
        ("post", f"/handovers/{h}/withdraw/", {f"h{h}-withdraw-reason": "weg"}),
        ("post", f"/handovers/{h}/accept/", {}),
        ("post", f"/handovers/{h}/acknowledge/", {}),
        ("get", f"/people/{p}/consents/", {}),
        ("get", f"/people/{p}/consents/new/", {}),
        ("get", f"/people/{p}/consents/receipt.pdf", {}),
        ("post", f"/consents/{c}/revoke/", {"reason": "weg"}),
        ("get", f"/consents/{c}/evidence/", {}),
        ("get", f"/people/{p}/access-log/", {}),
        ("get", f"/people/{p}/access-log.csv", {}),
        ("post", f"/emergency-access/{e}/review/", {"note": "ok"}),
    ]


def test_every_guessed_id_of_another_organisation_is_404_and_audited(
    sides: tuple[Side, Side],
) -> None:
    for mine, theirs in (sides, sides[::-1]):
        client = client_for(mine.actor)
        for method, url, data in guesses(theirs):
            before = AuditEvent.objects.filter(action="denied", user=mine.actor.user).count()
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (url, response.status_code)
            body = response.content.decode()
            assert theirs.trajectory.person.family_name not in body, url
            after = AuditEvent.objects.filter(action="denied", user=mine.actor.user).count()
            assert after == before + 1, f"no audit entry for {method.upper()} {url}"
    # Nothing of theirs changed.
    for side in sides:
        side.trajectory.refresh_from_db()
        side.handover.refresh_from_db()
        side.consent.refresh_from_db()
        side.emergency.refresh_from_db()
        assert side.trajectory.phase == "detention"
        assert side.handover.state == "sent"
        assert side.consent.revoked_at is None
        assert side.emergency.reviewed_at is None


def test_the_same_ids_work_for_their_own_organisation(sides: tuple[Side, Side]) -> None:
    """The guesses are real ids: the owner gets a page, not a 404."""
    for side in sides:
        client = client_for(side.actor)
        for url in (
            f"/trajectories/{side.trajectory.pk}/",
            f"/people/{side.trajectory.person_id}/consents/",
            f"/consents/{side.consent.pk}/evidence/",
            f"/people/{side.trajectory.person_id}/access-log/",
            f"/people/{side.trajectory.person_id}/access-log.csv",
            "/emergency-access/review/",
        ):
            assert client.get(url).status_code == 200, url


def test_a_guessed_person_that_does_not_exist_is_the_same_404(sides: tuple[Side, Side]) -> None:
    client = client_for(sides[0].actor)
    real = client.get(f"/people/{sides[1].trajectory.person_id}/access-log/")
    missing = client.get("/people/987654/access-log/")
    assert real.status_code == missing.status_code == 404
    assert main_content(real.content) == main_content(missing.content)
