"""Every read of the person's own plan: by the person (a subject) or by a worker (an actor).

Contract:

* The person reads their own plan through :func:`own_plan_get`; a contact person is
  refused (the plan is the person's own, not the home front's), audited.
* A worker reads it through :func:`trajectory_plan_get`, from a trajectory of the person
  it may open (:func:`trajectories.selectors.trajectory_get`: 404 and audited otherwise),
  with a role that works on the plan and :data:`access.policy.PERSONAL_PLAN_CLASS` in its
  view of that file (``NotPermitted`` otherwise). Every read is audited with the
  person's id.
* Both read in a fixed number of queries, whatever the number of steps and answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import Conflict, NotPermitted
from estafette.core.models import AuditAction, AuditEvent
from estafette.personal_plan import messages
from estafette.personal_plan.models import (
    OwnWords,
    ProposalAnswer,
    Step,
    StepOwner,
    WordsKind,
)
from estafette.portal.subject import Subject, subject_audit
from estafette.trajectories.models import Trajectory
from estafette.trajectories.selectors import trajectory_get

PLAN_OBJECT = "personal_plan.plan"
"""The audit log's ``object_type`` for a read of the whole plan (``object_id``: the person)."""

PROPOSING_RELATIONSHIPS: frozenset[str] = frozenset(
    {policy.Relationship.HOLDER, policy.Relationship.COMMITTED, policy.Relationship.PARTICIPANT}
)
"""Who proposes steps and marks its own steps done: whoever runs with the person now. An
earlier holder, a receiver that has not accepted yet, or emergency access only reads."""


@dataclass
class WordsItem:
    kind: str
    label: str
    row: OwnWords | None
    is_new: bool = False


@dataclass
class StepItem:
    """One step with the person's answers to it (oldest first; the last one counts)."""

    step: Step
    answers: list[ProposalAnswer]
    is_new: bool = False
    may_mark: bool = False
    """Whether the reading worker may mark it done or not done (its organisation's step)."""

    @property
    def latest(self) -> ProposalAnswer | None:
        return self.answers[-1] if self.answers else None

    @property
    def earlier(self) -> list[ProposalAnswer]:
        return self.answers[:-1]


@dataclass
class Plan:
    """The person's plan as a page shows it."""

    words: list[WordsItem]
    own_steps: list[StepItem]
    """The person's own steps (their wishes and what was proposed for them): open first."""
    others_steps: list[StepItem]
    """Steps an organisation does for the person (always proposals): open first."""
    seen_before: dt.datetime | None = None
    """When the reading worker last looked at this plan (``None``: never, or the person)."""
    may_propose: bool = False
    trajectory: Trajectory | None = None
    access: policy.Access | None = None

    @property
    def has_words(self) -> bool:
        return any(item.row is not None for item in self.words)

    @property
    def new_count(self) -> int:
        steps = (*self.own_steps, *self.others_steps)
        return sum(item.is_new for item in self.words) + sum(item.is_new for item in steps)


def steps_of(person_id: int) -> QuerySet[Step]:
    """The person's steps with what a page shows of them: one query, plus one for answers."""
    return (
        Step.objects.filter(person_id=person_id)
        .select_related("organisation", "proposed_by_organisation", "done_by_organisation")
        .prefetch_related(
            Prefetch("answers", queryset=ProposalAnswer.objects.order_by("answered_at", "id"))
        )
        .order_by("created_at", "id")
    )


def _plan(person_id: int, seen_before: dt.datetime | None = None) -> Plan:
    by_kind = {row.kind: row for row in OwnWords.objects.filter(person_id=person_id)}

    def new(moment: dt.datetime | None) -> bool:
        return seen_before is not None and moment is not None and moment > seen_before

    words = [
        WordsItem(
            kind=kind.value,
            label=str(kind.label),
            row=by_kind.get(kind.value),
            is_new=new(by_kind[kind.value].written_at) if kind.value in by_kind else False,
        )
        for kind in WordsKind
    ]
    own: list[StepItem] = []
    others: list[StepItem] = []
    for step in steps_of(person_id):
        answers = list(step.answers.all())
        moments = [step.created_at, step.done_at, *(a.answered_at for a in answers[-1:])]
        item = StepItem(step=step, answers=answers, is_new=any(new(m) for m in moments))
        (own if step.owner == StepOwner.PERSON else others).append(item)
    # Open steps first, each group in the order they were written.
    own.sort(key=lambda item: item.step.is_done)
    others.sort(key=lambda item: item.step.is_done)
    return Plan(words=words, own_steps=own, others_steps=others, seen_before=seen_before)


def require_person(subject: Subject) -> None:
    """Refuse (audited, ``NotPermitted``) a subject who is not the person themself.

    Call it outside a transaction, so the refusal's audit entry is kept.
    """
    if subject.is_person:
        return
    subject_audit(
        subject,
        AuditAction.DENIED,
        object_type=PLAN_OBJECT,
        object_id=subject.person.pk,
        reason="contact_person",
    )
    raise NotPermitted(messages.NOT_FOR_CONTACT_PERSON)


def own_plan_get(*, subject: Subject, audit: bool = True) -> Plan:
    """The person's own plan, for the person; audited as a read of their plan.

    A contact person is refused (:func:`require_person`). ``audit=False`` only for a caller
    that audits the read itself (the printout, ``portal.printout``).
    """
    require_person(subject)
    plan = _plan(subject.person.pk)
    if audit:
        subject_audit(
            subject, AuditAction.VIEW, object_type=PLAN_OBJECT, object_id=subject.person.pk
        )
    return plan


def plan_refusal(actor: Actor, access: policy.Access) -> NotPermitted | None:
    """Why the actor may not read the plan through the file ``access`` is about, or None."""
    if not policy.may_work_on_personal_plan(actor):
        return NotPermitted(messages.ROLE_MAY_NOT)
    if not policy.may_work_on_personal_plan(actor, access):
        return NotPermitted(messages.NOT_SHARED)
    return None


def change_refusal(
    actor: Actor, trajectory: Trajectory, access: policy.Access
) -> NotPermitted | Conflict | None:
    """Why the actor may not propose or mark steps from this file, or None."""
    refusal = plan_refusal(actor, access)
    if refusal is not None:
        return refusal
    if access.relationship not in PROPOSING_RELATIONSHIPS:
        return NotPermitted(messages.NO_PART_NOW)
    if trajectory.is_closed:
        return Conflict(messages.CLOSED)
    return None


def last_looked(actor: Actor, person_id: int) -> dt.datetime | None:
    """When the actor's user last read this person's plan (from the audit log), or None."""
    return (
        AuditEvent.objects.filter(
            user_id=actor.user_id,
            action=AuditAction.VIEW,
            object_type=PLAN_OBJECT,
            person_id=person_id,
        )
        .order_by("-id")
        .values_list("at", flat=True)
        .first()
    )


def trajectory_plan_get(*, actor: Actor, pk: int) -> Plan:
    """The plan of the person of trajectory ``pk``, for a worker; audited with the person's id.

    404 (audited) for a trajectory the actor may not open or that does not exist;
    ``NotPermitted`` (audited) when its role or its view of the file does not cover the
    plan. Items changed since the worker's previous read are marked ``is_new``.
    """
    trajectory = trajectory_get(actor=actor, pk=pk, audit=False)
    access = policy.access_for(actor, trajectory)
    refusal = plan_refusal(actor, access)
    if refusal is not None:
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            object_type=PLAN_OBJECT,
            object_id=trajectory.person_id,
            person_id=trajectory.person_id,
            trajectory=trajectory.pk,
        )
        raise refusal
    seen_before = last_looked(actor, trajectory.person_id)
    plan = _plan(trajectory.person_id, seen_before)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=PLAN_OBJECT,
        object_id=trajectory.person_id,
        person_id=trajectory.person_id,
        trajectory=trajectory.pk,
    )
    plan.trajectory = trajectory
    plan.access = access
    plan.may_propose = change_refusal(actor, trajectory, access) is None
    for item in plan.others_steps:
        item.may_mark = plan.may_propose and item.step.organisation_id == actor.organisation_id
    return plan
