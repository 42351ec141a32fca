"""Timeline events, handover transitions and audit entries are written once, never changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import models

from estafette.core.actor import Actor
from estafette.core.models import AppendOnlyError, AuditEvent
from estafette.handovers.models import HandoverTransition
from estafette.testing.factories import HandoverFactory
from estafette.trajectories.models import Trajectory, TrajectoryEvent

pytestmark = pytest.mark.django_db

APPEND_ONLY = [TrajectoryEvent, HandoverTransition, AuditEvent]
TEXT_FIELD = {TrajectoryEvent: "summary", HandoverTransition: "reason", AuditEvent: "object_id"}


@pytest.fixture
def record_of(
    trajectory: Trajectory, actor_a: Actor, org_b: object
) -> Callable[[type[models.Model]], models.Model]:
    """One existing row of each append-only model, written by the services."""
    HandoverFactory(actor=actor_a, trajectory=trajectory, receiver=org_b)

    def pick(model: type[models.Model]) -> models.Model:
        return model.objects.order_by("id").first()

    return pick


def _row(model: type[models.Model], pk: int) -> tuple[object, ...]:
    return tuple(model.objects.filter(pk=pk).values_list())


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_saving_an_existing_record_again_is_refused(
    record_of: Callable[[type[models.Model]], models.Model], model: type[models.Model]
) -> None:
    record = record_of(model)
    before = _row(model, record.pk)
    setattr(record, TEXT_FIELD[model], "rewritten history")
    with pytest.raises(AppendOnlyError):
        record.save()
    assert _row(model, record.pk) == before


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_queryset_update_is_refused(
    record_of: Callable[[type[models.Model]], models.Model], model: type[models.Model]
) -> None:
    record = record_of(model)
    before = _row(model, record.pk)
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=record.pk).update(**{TEXT_FIELD[model]: "x"})
    with pytest.raises(AppendOnlyError):
        model.objects.update(**{TEXT_FIELD[model]: "x"})
    assert _row(model, record.pk) == before


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_bulk_update_is_refused(
    record_of: Callable[[type[models.Model]], models.Model], model: type[models.Model]
) -> None:
    record = record_of(model)
    setattr(record, TEXT_FIELD[model], "x")
    with pytest.raises(AppendOnlyError):
        model.objects.bulk_update([record], [TEXT_FIELD[model]])


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_queryset_delete_is_refused(
    record_of: Callable[[type[models.Model]], models.Model], model: type[models.Model]
) -> None:
    record_of(model)
    count = model.objects.count()
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    assert model.objects.count() == count


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_instance_delete_is_refused(
    record_of: Callable[[type[models.Model]], models.Model], model: type[models.Model]
) -> None:
    record = record_of(model)
    with pytest.raises(AppendOnlyError):
        record.delete()
    assert model.objects.filter(pk=record.pk).exists()


def test_new_records_can_still_be_appended(trajectory: Trajectory) -> None:
    before = TrajectoryEvent.objects.filter(trajectory=trajectory).count()
    TrajectoryEvent.objects.create(trajectory=trajectory, kind="next_step", summary="bellen")
    assert TrajectoryEvent.objects.filter(trajectory=trajectory).count() == before + 1
