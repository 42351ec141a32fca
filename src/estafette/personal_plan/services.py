"""Every change to the person's own plan: one audited function each, all or nothing.

Two kinds of callers:

* **the person** (a :class:`portal.subject.Subject` of kind person) writes their own
  words, adds their own steps, ticks off their own steps and answers proposals. A
  contact person is refused calmly (``NotPermitted``, audited): the plan is the person's.
  Each change adds a line to the timeline of the person's open trajectories that says
  *that* the person wrote or answered, never *what*;
* **a worker** (a :class:`core.actor.Actor`) proposes a step from a trajectory it may
  open, and marks its own organisation's steps done (see
  :func:`personal_plan.selectors.change_refusal` for who may).

Bad input is refused with :class:`core.errors.InvalidInput` and a sentence before
anything is written; refusals of who-may are audited outside the transaction, so they
stay when the change does not happen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core import bounds, clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.days import add_years
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.core.refusal import refuse_not_found
from estafette.personal_plan import messages
from estafette.personal_plan.models import (
    COMMENT_MAX_LENGTH,
    STEP_MAX_LENGTH,
    WORDS_MAX_LENGTH,
    Answer,
    OwnWords,
    ProposalAnswer,
    Step,
    StepOrigin,
    StepOwner,
    WordsKind,
)
from estafette.personal_plan.selectors import PLAN_OBJECT, change_refusal, require_person
from estafette.portal.subject import Subject, subject_audit
from estafette.trajectories.models import EventKind, Phase, Trajectory
from estafette.trajectories.services import event_record

STEP_DUE = bounds.DateBound(
    "plan_step_due",
    _("The date of a step"),
    lambda today: today,
    lambda today: add_years(today, 2),
    "A new step of the person's plan lies ahead: from today, and no more than two years on "
    "(further away is a wish, not a step).",
)


# --- checks shared by both kinds of callers ---------------------------------------------


def _text(value: str, *, empty: object, too_long: object, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(empty)  # type: ignore[arg-type]
    if len(text) > limit:
        raise InvalidInput(too_long, max=limit)  # type: ignore[arg-type]
    return text


def _due(value: dt.date | None, too_early: object) -> None:
    bounds.check_date(STEP_DUE, value, too_early=too_early)  # type: ignore[arg-type]


def _timeline(person_id: int, kind: str) -> None:
    """A line on each open trajectory of the person: the person did this (no words).

    ``data["by"] = "person"`` lets the timeline name the person as its author (the line
    has no staff user or organisation)."""
    for trajectory in Trajectory.objects.filter(person_id=person_id).exclude(phase=Phase.CLOSED):
        event_record(trajectory=trajectory, kind=kind, actor=None, by="person")


def _persons_step(subject: Subject, step_id: int) -> Step:
    """The person's step ``step_id``, else an audited 404 — the same for a step of another
    person and one that does not exist. Call it outside the transaction."""
    step = Step.objects.filter(pk=step_id, person_id=subject.person.pk).first()
    if step is None:
        subject_audit(
            subject, AuditAction.DENIED, object_type="personal_plan.step", object_id=step_id
        )
        raise Http404(str(messages.STEP_NOT_FOUND))
    return step


def _locked(step: Step) -> Step:
    return Step.objects.select_for_update(of=("self",)).get(pk=step.pk)


# --- the person ---------------------------------------------------------------------------


def own_words_write(*, subject: Subject, words: Mapping[str, str]) -> list[str]:
    """Write, replace or take back the person's own words; returns the kinds that changed.

    Contract:
    1. only the person themself (a contact person: ``NotPermitted``, audited);
    2. ``words`` maps a :class:`WordsKind` code to the text; a kind left out stays as it
       is, an empty text takes the earlier words of that kind back (they are the person's);
       an unknown kind or a text longer than :data:`WORDS_MAX_LENGTH` is refused, and so is
       nothing at all written when nothing was there (``InvalidInput``), before any write;
    3. one audit entry names the kinds changed (never the words); one timeline line per
       open trajectory says that the person wrote their own words. Unchanged: no writes.
    """
    require_person(subject)
    cleaned: dict[str, str] = {}
    for kind, value in words.items():
        if kind not in WordsKind.values:
            raise InvalidInput(messages.WORDS_UNKNOWN)
        text = (value or "").strip()
        if len(text) > WORDS_MAX_LENGTH:
            raise InvalidInput(messages.WORDS_TOO_LONG, max=WORDS_MAX_LENGTH)
        cleaned[kind] = text
    person_id = subject.person.pk
    with transaction.atomic():
        current = {
            row.kind: row
            for row in OwnWords.objects.select_for_update().filter(person_id=person_id)
        }
        if not any(cleaned.values()) and not current:
            raise InvalidInput(messages.WORDS_EMPTY)
        now = clock.now()
        changed: list[str] = []
        for kind, text in cleaned.items():
            row = current.get(kind)
            if row is None and text:
                OwnWords.objects.create(person_id=person_id, kind=kind, text=text, written_at=now)
            elif row is not None and not text:
                row.delete()
            elif row is not None and row.text != text:
                row.text, row.written_at = text, now
                row.save(update_fields=["text", "written_at"])
            else:
                continue
            changed.append(kind)
        if changed:
            subject_audit(
                subject,
                AuditAction.CHANGE,
                object_type="personal_plan.ownwords",
                object_id=person_id,
                kinds=changed,
            )
            _timeline(person_id, EventKind.PLAN_WORDS)
    return changed


def own_step_add(*, subject: Subject, text: str, due: dt.date | None = None) -> Step:
    """Add a step of the person's own wish to their list (theirs to tick off).

    Refused: a contact person (``NotPermitted``, audited); an empty or too long text, or a
    date before today (``InvalidInput``). Audited; a timeline line says the person added a
    step of their own.
    """
    require_person(subject)
    text = _text(
        text,
        empty=messages.STEP_EMPTY,
        too_long=messages.STEP_TOO_LONG,
        limit=STEP_MAX_LENGTH,
    )
    _due(due, messages.STEP_DUE_IN_PAST)
    with transaction.atomic():
        step = Step.objects.create(
            person_id=subject.person.pk,
            text=text,
            owner=StepOwner.PERSON,
            origin=StepOrigin.OWN_WISH,
            due=due,
        )
        subject_audit(
            subject, AuditAction.CREATE, object_type="personal_plan.step", object_id=step.pk
        )
        _timeline(subject.person.pk, EventKind.PLAN_STEP_ADDED)
    return step


def step_tick(*, subject: Subject, step_id: int, done: bool = True) -> Step:
    """The person ticks off one of their own steps (``done``), or unticks it.

    Refused: a contact person (``NotPermitted``); a step not on the person's list (404,
    audited, the same for one that does not exist); an organisation's step
    (``NotPermitted``: that organisation marks it). Ticking what is already ticked changes
    nothing (a second tap is harmless). Audited; a tick adds a timeline line.
    """
    require_person(subject)
    step = _persons_step(subject, step_id)
    if not step.is_persons:
        raise NotPermitted(
            messages.STEP_NOT_YOURS_TO_TICK, organisation=str(step.organisation or "")
        )
    with transaction.atomic():
        step = _locked(step)
        if step.is_done == done:
            return step
        step.done_at = clock.now() if done else None
        step.done_by_user = None
        step.done_by_organisation = None
        step.save(update_fields=["done_at", "done_by_user", "done_by_organisation"])
        subject_audit(
            subject,
            AuditAction.CHANGE,
            object_type="personal_plan.step",
            object_id=step.pk,
            done=done,
        )
        if done:
            _timeline(subject.person.pk, EventKind.PLAN_STEP_DONE)
    return step


def proposal_answer(
    *, subject: Subject, step_id: int, answer: str, comment: str = ""
) -> ProposalAnswer:
    """The person answers a proposed step: agree, disagree, or a comment. The latest counts.

    Refused: a contact person (``NotPermitted``); a step not on the person's list (404,
    audited); an own wish (nothing to answer), an unknown answer, a comment answer without
    a comment, a comment longer than :data:`COMMENT_MAX_LENGTH` (``InvalidInput``).
    Earlier answers are kept. Audited (the answer, never the comment); a timeline line
    says the person answered a proposed step.
    """
    require_person(subject)
    step = _persons_step(subject, step_id)
    if not step.is_proposal:
        raise InvalidInput(messages.NOT_A_PROPOSAL)
    if answer not in Answer.values:
        raise InvalidInput(messages.ANSWER_UNKNOWN)
    comment = (comment or "").strip()
    if answer == Answer.COMMENT:
        comment = _text(
            comment,
            empty=messages.COMMENT_EMPTY,
            too_long=messages.COMMENT_TOO_LONG,
            limit=COMMENT_MAX_LENGTH,
        )
    elif len(comment) > COMMENT_MAX_LENGTH:
        raise InvalidInput(messages.COMMENT_TOO_LONG, max=COMMENT_MAX_LENGTH)
    with transaction.atomic():
        row = ProposalAnswer.objects.create(step=_locked(step), answer=answer, comment=comment)
        subject_audit(
            subject,
            AuditAction.CREATE,
            object_type="personal_plan.proposalanswer",
            object_id=row.pk,
            step=step.pk,
            answer=answer,
        )
        _timeline(subject.person.pk, EventKind.PLAN_ANSWER)
    return row


# --- the worker ---------------------------------------------------------------------------


def _require_change(actor: Actor, trajectory: Trajectory) -> None:
    """Refuse (audited) an actor who may not propose or mark steps from ``trajectory``."""
    refusal = change_refusal(actor, trajectory, policy.access_for(actor, trajectory))
    if refusal is not None:
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            object_type=PLAN_OBJECT,
            object_id=trajectory.person_id,
            person_id=trajectory.person_id,
            trajectory=trajectory.pk,
            reason=str(refusal.message),
        )
        raise refusal


def step_propose(
    *,
    actor: Actor,
    trajectory: Trajectory,
    text: str,
    due: dt.date | None = None,
    owner: str = StepOwner.PERSON,
) -> Step:
    """Propose a step in the plan of ``trajectory``'s person: for the person to do
    (``owner`` person) or for the actor's own organisation (``owner`` organisation).

    Contract:
    1. the caller has opened ``trajectory`` through the actor (its selector's 404);
    2. the actor's role works on the plan, its view of the file shows the plan's class,
       it runs with the person now and the file is open (``NotPermitted``/``Conflict``,
       audited);
    3. the text is not empty and at most :data:`STEP_MAX_LENGTH`; a date lies from today
       up to two years on; ``owner`` is a :class:`StepOwner` (``InvalidInput``);
    4. the step is marked as proposed by the actor's organisation; audited with the
       person's id. The person sees it on their list, "proposed by" that organisation.
    """
    _require_change(actor, trajectory)
    text = _text(
        text,
        empty=messages.PROPOSAL_EMPTY,
        too_long=messages.PROPOSAL_TOO_LONG,
        limit=STEP_MAX_LENGTH,
    )
    if owner not in StepOwner.values:
        raise InvalidInput(messages.PROPOSAL_OWNER_UNKNOWN)
    _due(due, messages.PROPOSAL_DUE_IN_PAST)
    with transaction.atomic():
        step = Step.objects.create(
            person_id=trajectory.person_id,
            text=text,
            owner=owner,
            organisation=actor.organisation if owner == StepOwner.ORGANISATION else None,
            origin=StepOrigin.PROPOSED,
            proposed_by=actor.user,
            proposed_by_organisation=actor.organisation,
            trajectory=trajectory,
            due=due,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=step,
            person_id=trajectory.person_id,
            trajectory=trajectory.pk,
            owner=owner,
        )
    return step


def step_mark_done(
    *, actor: Actor, trajectory: Trajectory, step_id: int, done: bool = True
) -> Step:
    """Mark a step of the actor's organisation done (or not done after all).

    Refused: who may not change the plan from ``trajectory`` (as :func:`step_propose`);
    a step not in the plan of the trajectory's person (404, audited, the same as one that
    does not exist); the person's own step (they tick it themselves) or another
    organisation's step (``NotPermitted``). Marking what is marked changes nothing.
    """
    _require_change(actor, trajectory)
    step = (
        Step.objects.select_related("organisation")
        .filter(pk=step_id, person_id=trajectory.person_id)
        .first()
    )
    if step is None:
        refuse_not_found(
            actor=actor,
            object_type="personal_plan.step",
            object_id=step_id,
            message=messages.NO_STEP,
        )
    if step.is_persons:
        raise NotPermitted(messages.PERSONS_STEP)
    if step.organisation_id != actor.organisation_id:
        raise NotPermitted(messages.NOT_OUR_STEP, organisation=str(step.organisation))
    with transaction.atomic():
        step = _locked(step)
        if step.is_done == done:
            return step
        step.done_at = clock.now() if done else None
        step.done_by_user = actor.user if done else None
        step.done_by_organisation = actor.organisation if done else None
        step.save(update_fields=["done_at", "done_by_user", "done_by_organisation"])
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            target=step,
            person_id=trajectory.person_id,
            done=done,
        )
    return step
