"""Reads of the basic conditions, always through the access policy (data class CONDITIONS)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NoReturn

from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.conditions.models import (
    DONE,
    LIFE_DOMAINS,
    WAY_HOME,
    Condition,
    ConditionStatus,
    Status,
)
from estafette.conditions.policy import may_record, recording_refusal
from estafette.core.actor import Actor
from estafette.core.audit import OBJECT_ID_MAX, audit_record
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.trajectories.models import Route, Trajectory

NO_SUCH_CONDITION = _("There is no such basic condition on this file.")
"""The refusal of an address naming no basic condition (a guess, or a typing error)."""

WAY_HOME_ROUTES = (Route.ABROAD_BB, Route.ABROAD_OWN)
"""Routes on which the person travels home on their own (a transfer travels under escort)."""


@dataclass
class ConditionRow:
    """One basic condition as the panel shows it: the current status and the history."""

    condition: str
    current: ConditionStatus | None
    history: list[ConditionStatus] = field(default_factory=list)
    """Earlier statuses, newest first."""

    @property
    def label(self) -> str:
        return str(Condition(self.condition).label)

    @property
    def status(self) -> str:
        return self.current.status if self.current else Status.UNKNOWN

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def since(self) -> dt.date | None:
        return self.current.since if self.current else None

    @property
    def is_done(self) -> bool:
        return self.status in DONE


@dataclass
class Board:
    """The basic conditions of one trajectory for one actor."""

    shared: bool
    can_record: bool = False
    life: list[ConditionRow] = field(default_factory=list)
    way_home: list[ConditionRow] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(not row.is_done for row in self.life + self.way_home)


def conditions_board(
    *,
    actor: Actor,
    trajectory: Trajectory,
    access: policy.Access | None = None,
    audit: bool = True,
) -> Board:
    """The trajectory's basic conditions with their history, if the actor sees the class.

    ``access`` is the caller's answer of :func:`policy.access_for` for the same actor
    and trajectory (the trajectory page has it already); without it the policy is
    asked here. ``audit=False`` only where the caller has already audited the view
    of this person's file in the same request (the trajectory page does). One query
    for the rows; none when the class is not shared.
    """
    access = access or policy.access_for(actor, trajectory)
    if not access.sees(DataClass.CONDITIONS):
        return Board(shared=False)
    rows = list(
        ConditionStatus.objects.filter(trajectory_id=trajectory.pk)
        .select_related("recorded_by", "organisation")
        .order_by("condition", "-since", "-id")
    )
    if audit:
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="conditions.conditionstatus",
            object_id=trajectory.pk,
            person_id=trajectory.person_id,
            field="conditions",
        )
    by_condition: dict[str, list[ConditionStatus]] = {}
    for row in rows:
        by_condition.setdefault(row.condition, []).append(row)

    def build(condition: str) -> ConditionRow:
        found = by_condition.get(condition, [])
        current = next((r for r in found if r.until is None), None)
        return ConditionRow(
            condition=condition, current=current, history=[r for r in found if r is not current]
        )

    way_home = (trajectory.route in WAY_HOME_ROUTES and access.sees(DataClass.DETENTION)) or any(
        c in by_condition for c in WAY_HOME
    )
    return Board(
        shared=True,
        can_record=may_record(actor, access) and trajectory.phase != "closed",
        life=[build(c) for c in LIFE_DOMAINS],
        way_home=[build(c) for c in WAY_HOME] if way_home else [],
    )


def condition_row_get(
    *, actor: Actor, trajectory: Trajectory, condition: str, access: policy.Access | None = None
) -> ConditionRow | None:
    """One condition of the board (for its own form page), or ``None`` if not shared."""
    board = conditions_board(actor=actor, trajectory=trajectory, access=access)
    if not board.shared:
        return None
    return next((r for r in board.life + board.way_home if r.condition == condition), None)


def condition_form_row(
    *, actor: Actor, trajectory: Trajectory, condition: str, access: policy.Access
) -> ConditionRow:
    """The row of ``condition`` for its form page, once the actor may record it.

    Contract: a ``condition`` that is none of the basic conditions (a guessed or
    mistyped address), or one not on the board, answers 404 and is audited as a
    refused read; an actor that may not record conditions of this file gets the
    policy's 403 (:func:`conditions.policy.recording_refusal`). Reading the row is
    audited as a view of the file (:func:`conditions_board`).
    """
    if condition not in Condition.values:
        _refuse_condition(actor, trajectory, condition)
    refusal = recording_refusal(actor, access)
    if refusal is not None:
        raise refusal
    row = condition_row_get(actor=actor, trajectory=trajectory, condition=condition, access=access)
    if row is None:
        _refuse_condition(actor, trajectory, condition)
    return row


def _refuse_condition(actor: Actor, trajectory: Trajectory, condition: str) -> NoReturn:
    refuse_not_found(
        actor=actor,
        object_type="conditions.condition",
        object_id=trajectory.pk,
        message=NO_SUCH_CONDITION,
        person_id=trajectory.person_id,
        condition=condition[:OBJECT_ID_MAX],
    )
