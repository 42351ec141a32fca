"""The number typed for emergency access is a number a record can have: 1 up to what the
database holds. Beyond it is refused on the form and in the service, before any lookup,
audit entry or grant (a 30-digit number used to reach the audit log's 40-character field)."""

from __future__ import annotations

import pytest
from django.http import Http404

from estafette.access.models import EmergencyAccess
from estafette.access.services import emergency_access_open
from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.core.models import AuditEvent
from estafette.organisations.models import OrganisationKind, Role
from estafette.testing.bounds import number_sentence

from .helpers import client_for, make_actor, make_org

pytestmark = pytest.mark.usefixtures("frozen_clock")

REASON = "De man staat aan onze balie in crisis en wij moeten weten wie hem begeleidt."
TOP = bounds.RECORD_NUMBER.high


@pytest.fixture
def stranger(db: None) -> Actor:
    return make_actor(make_org(OrganisationKind.MUNICIPAL_AFTERCARE), Role.AFTERCARE_COORDINATOR)


@pytest.mark.parametrize("number", [1, TOP])
def test_the_service_looks_up_a_number_inside_the_range(stranger: Actor, number: int) -> None:
    with pytest.raises(Http404):  # no such file: the ordinary answer, audited
        emergency_access_open(actor=stranger, trajectory_pk=number, reason=REASON)
    assert AuditEvent.objects.filter(action="denied", object_id=str(number)).exists()


@pytest.mark.parametrize("number", [0, -1, TOP + 1, 10**30])
def test_the_service_refuses_a_number_beyond_the_range_and_writes_nothing(
    stranger: Actor, number: int
) -> None:
    audited = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        emergency_access_open(actor=stranger, trajectory_pk=number, reason=REASON)
    assert refused.value.message is bounds.NUMBER_OUT_OF_RANGE
    assert AuditEvent.objects.count() == audited
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize(
    ("number", "accepted"), [(1, True), (TOP, True), (0, False), (TOP + 1, False)]
)
def test_the_form_takes_a_number_inside_the_range(
    stranger: Actor, number: int, accepted: bool
) -> None:
    response = client_for(stranger).post(
        "/emergency-access/", {"trajectory": str(number), "reason": REASON}
    )
    html = response.content.decode()
    if accepted:
        assert response.status_code == 404  # looked up: no such file
        return
    assert response.status_code == 400
    assert number_sentence(bounds.RECORD_NUMBER) in html
    assert not AuditEvent.objects.filter(action="denied", user=stranger.user).exists()
    assert not EmergencyAccess.objects.exists()
