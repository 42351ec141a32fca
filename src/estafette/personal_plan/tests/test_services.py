"""The person's own plan: what the person writes, what a worker proposes, who may, bad input."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.http import Http404
from django.utils import translation

from estafette.core.actor import Actor
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditEvent
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.personal_plan import messages
from estafette.personal_plan.models import (
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
from estafette.personal_plan.selectors import PLAN_OBJECT, own_plan_get, trajectory_plan_get
from estafette.personal_plan.services import (
    own_step_add,
    own_words_write,
    proposal_answer,
    step_mark_done,
    step_propose,
    step_tick,
)
from estafette.personal_plan.tests.conftest import alongside, contact_subject, person_subject
from estafette.portal.subject import Subject
from estafette.testing.clock import ClockControl
from estafette.testing.factories import TrajectoryFactory, make_actor
from estafette.trajectories.models import EventKind, Phase, Trajectory, TrajectoryEvent
from estafette.trajectories.services import trajectory_set_phase

pytestmark = pytest.mark.usefixtures("frozen_clock")

WISH = "Een eigen kamer in Arnhem en weer werken in de bouw."


def plan_events(trajectory: Trajectory) -> list[TrajectoryEvent]:
    kinds = [EventKind.PLAN_WORDS, EventKind.PLAN_STEP_ADDED]
    kinds += [EventKind.PLAN_STEP_DONE, EventKind.PLAN_ANSWER]
    return list(TrajectoryEvent.objects.filter(trajectory=trajectory, kind__in=kinds))


# -- the person's own words ---------------------------------------------------------------


def test_the_person_writes_replaces_and_takes_back_their_words(
    frozen_clock: ClockControl, subject: Subject, trajectory: Trajectory
) -> None:
    changed = own_words_write(
        subject=subject, words={WordsKind.WANT: WISH, WordsKind.GOOD_AT: "Koken.", "worry": ""}
    )
    assert changed == [WordsKind.WANT, WordsKind.GOOD_AT]
    frozen_clock.advance(days=2)
    assert own_words_write(subject=subject, words={WordsKind.WANT: WISH}) == []  # unchanged
    own_words_write(subject=subject, words={WordsKind.WANT: "Werk.", WordsKind.GOOD_AT: ""})
    rows = {row.kind: row for row in OwnWords.objects.filter(person=trajectory.person)}
    assert set(rows) == {WordsKind.WANT}
    assert rows[WordsKind.WANT].text == "Werk."
    assert rows[WordsKind.WANT].written_at.date() == frozen_clock.today  # two days on
    # Audited with the person's id, as the person, naming the kinds but never the words.
    entries = AuditEvent.objects.filter(object_type="personal_plan.ownwords").order_by("id")
    assert [e.detail["kinds"] for e in entries] == [["want", "good_at"], ["want", "good_at"]]
    assert all(e.person_id == trajectory.person_id and e.user_id is None for e in entries)
    assert all(e.detail["subject"] == "person" for e in entries)
    assert not any(WISH in str(e.detail) for e in entries)
    # The timeline says that the person wrote, never what.
    events = plan_events(trajectory)
    assert [e.kind for e in events] == [EventKind.PLAN_WORDS, EventKind.PLAN_WORDS]
    assert all(e.summary == "" and e.data == {"by": "person"} for e in events)
    assert events[0].user_id is None and events[0].organisation_id is None


def test_bad_words_are_refused_and_nothing_is_saved(subject: Subject) -> None:
    with pytest.raises(InvalidInput) as empty:
        own_words_write(subject=subject, words={WordsKind.WANT: "   ", WordsKind.WORRY: ""})
    assert empty.value.message == messages.WORDS_EMPTY
    with pytest.raises(InvalidInput) as long:
        own_words_write(
            subject=subject,
            words={WordsKind.WANT: WISH, WordsKind.WORRY: "x" * (WORDS_MAX_LENGTH + 1)},
        )
    assert long.value.message == messages.WORDS_TOO_LONG
    with pytest.raises(InvalidInput):
        own_words_write(subject=subject, words={"offence": "niets"})
    assert not OwnWords.objects.exists()
    with translation.override("en"):
        assert str(long.value) == f"This is too long. Use at most {WORDS_MAX_LENGTH} letters."


def test_a_contact_person_does_not_write_the_persons_plan(trajectory: Trajectory) -> None:
    sister = contact_subject(trajectory.person)
    own = own_step_add(subject=person_subject(trajectory.person), text="Bel de woningcorporatie")
    attempts = [
        lambda: own_words_write(subject=sister, words={WordsKind.WANT: WISH}),
        lambda: own_step_add(subject=sister, text="Bel de gemeente"),
        lambda: step_tick(subject=sister, step_id=own.pk),
        lambda: own_plan_get(subject=sister),
    ]
    for attempt in attempts:
        with pytest.raises(NotPermitted) as refused:
            attempt()
        assert refused.value.message == messages.NOT_FOR_CONTACT_PERSON
    assert not OwnWords.objects.exists()
    assert Step.objects.count() == 1 and not Step.objects.get().is_done
    denied = AuditEvent.objects.filter(action="denied", object_type=PLAN_OBJECT)
    assert denied.count() == len(attempts)
    assert all(
        e.person_id == trajectory.person_id and e.detail["subject"] == "contact_person"
        for e in denied
    )


# -- steps the person adds and ticks off ---------------------------------------------------


def test_the_person_adds_and_ticks_off_an_own_step(
    frozen_clock: ClockControl, subject: Subject, trajectory: Trajectory
) -> None:
    step = own_step_add(
        subject=subject, text=" Neem je ID mee naar de balie ", due=frozen_clock.today
    )
    assert (step.text, step.owner, step.origin) == (
        "Neem je ID mee naar de balie",
        StepOwner.PERSON,
        StepOrigin.OWN_WISH,
    )
    ticked = step_tick(subject=subject, step_id=step.pk)
    assert ticked.is_done and ticked.done_by_user is None
    assert step_tick(subject=subject, step_id=step.pk).done_at == ticked.done_at  # harmless
    assert not step_tick(subject=subject, step_id=step.pk, done=False).is_done
    kinds = [e.kind for e in plan_events(trajectory)]
    assert kinds == [EventKind.PLAN_STEP_ADDED, EventKind.PLAN_STEP_DONE]
    changes = AuditEvent.objects.filter(object_type="personal_plan.step", action="change")
    assert [e.detail["done"] for e in changes.order_by("id")] == [True, False]


@pytest.mark.parametrize(
    ("text", "due", "message"),
    [
        ("", None, messages.STEP_EMPTY),
        ("x" * (STEP_MAX_LENGTH + 1), None, messages.STEP_TOO_LONG),
        ("Bel de bank", dt.date(2025, 3, 2), messages.STEP_DUE_IN_PAST),
    ],
)
def test_a_bad_own_step_is_refused(
    subject: Subject, text: str, due: dt.date | None, message: object
) -> None:
    with pytest.raises(InvalidInput) as refused:
        own_step_add(subject=subject, text=text, due=due)
    assert refused.value.message == message
    assert not Step.objects.exists()


def test_the_person_cannot_tick_someone_elses_step(
    actor_a: Actor, subject: Subject, trajectory: Trajectory
) -> None:
    other = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    theirs = own_step_add(subject=person_subject(other.person), text="Bel de reclassering")
    for step_id in (theirs.pk, 987654):  # another person's step and none at all: the same
        with pytest.raises(Http404):
            step_tick(subject=subject, step_id=step_id)
    assert not Step.objects.get(pk=theirs.pk).is_done
    denied = AuditEvent.objects.filter(action="denied", object_type="personal_plan.step")
    assert [e.person_id for e in denied] == [trajectory.person_id] * 2
    # A step an organisation does is ticked off by that organisation, not by the person.
    ours = step_propose(
        actor=actor_a, trajectory=trajectory, text="Paspoort aanvragen", owner="organisation"
    )
    with pytest.raises(NotPermitted) as refused:
        step_tick(subject=subject, step_id=ours.pk)
    assert refused.value.message == messages.STEP_NOT_YOURS_TO_TICK


# -- proposals and answers ----------------------------------------------------------------


def test_the_person_answers_a_proposal_and_the_latest_answer_counts(
    frozen_clock: ClockControl, actor_a: Actor, subject: Subject, trajectory: Trajectory
) -> None:
    proposal = step_propose(
        actor=actor_a,
        trajectory=trajectory,
        text="Schrijf je in bij de gemeente",
        due=frozen_clock.today + dt.timedelta(days=14),
    )
    assert proposal.is_persons and proposal.is_proposal
    assert proposal.proposed_by_organisation == actor_a.organisation
    proposal_answer(subject=subject, step_id=proposal.pk, answer=Answer.AGREE)
    frozen_clock.advance(days=1)
    proposal_answer(
        subject=subject, step_id=proposal.pk, answer=Answer.COMMENT, comment="Liever in Ede."
    )
    answers = list(ProposalAnswer.objects.filter(step=proposal))
    assert [a.answer for a in answers] == [Answer.AGREE, Answer.COMMENT]
    plan = trajectory_plan_get(actor=actor_a, pk=trajectory.pk)
    item = plan.own_steps[0]
    assert item.latest is not None and item.latest.comment == "Liever in Ede."
    assert [a.answer for a in item.earlier] == [Answer.AGREE]
    entries = AuditEvent.objects.filter(object_type="personal_plan.proposalanswer")
    assert not any("Ede" in str(e.detail) for e in entries)
    assert [e.kind for e in plan_events(trajectory)] == [EventKind.PLAN_ANSWER] * 2


def test_bad_answers_are_refused(actor_a: Actor, subject: Subject, trajectory: Trajectory) -> None:
    proposal = step_propose(actor=actor_a, trajectory=trajectory, text="Bel het UWV")
    own = own_step_add(subject=subject, text="Mijn zus bellen")
    cases = [
        (proposal.pk, Answer.COMMENT, "  ", messages.COMMENT_EMPTY),
        (proposal.pk, "maybe", "", messages.ANSWER_UNKNOWN),
        (proposal.pk, Answer.DISAGREE, "x" * 501, messages.COMMENT_TOO_LONG),
        (own.pk, Answer.AGREE, "", messages.NOT_A_PROPOSAL),
    ]
    for step_id, answer, comment, message in cases:
        with pytest.raises(InvalidInput) as refused:
            proposal_answer(subject=subject, step_id=step_id, answer=answer, comment=comment)
        assert refused.value.message == message
    assert not ProposalAnswer.objects.exists()


# -- the worker's side --------------------------------------------------------------------


def test_a_worker_reads_the_plan_audited_and_sees_what_is_new(
    frozen_clock: ClockControl, actor_a: Actor, subject: Subject, trajectory: Trajectory
) -> None:
    own_words_write(subject=subject, words={WordsKind.WANT: WISH})
    first = trajectory_plan_get(actor=actor_a, pk=trajectory.pk)
    assert first.seen_before is None and first.words[0].row is not None
    assert first.may_propose
    frozen_clock.advance(hours=1)
    own_step_add(subject=subject, text="Bel de woningcorporatie")
    second = trajectory_plan_get(actor=actor_a, pk=trajectory.pk)
    assert second.seen_before is not None
    assert [i.is_new for i in second.own_steps] == [True]
    assert not second.words[0].is_new and second.new_count == 1
    reads = AuditEvent.objects.filter(action="view", object_type=PLAN_OBJECT)
    assert reads.count() == 2
    assert {(e.user_id, e.person_id) for e in reads} == {(actor_a.user_id, trajectory.person_id)}


def test_isolation_across_two_organisations(
    actor_a: Actor, org_b: Organisation, org_c: Organisation, trajectory: Trajectory
) -> None:
    """No part: 404 (audited). A part without the plan's class: refused. With it: reads."""
    outsider = make_actor(org_c)
    with pytest.raises(Http404):
        trajectory_plan_get(actor=outsider, pk=trajectory.pk)
    with pytest.raises(NotPermitted) as not_shared:
        step_propose(actor=outsider, trajectory=trajectory, text="Iets")
    assert not_shared.value.message == messages.NOT_SHARED
    identity_only = alongside(actor_a, trajectory, org_b, classes=[DataClass.IDENTITY])
    with pytest.raises(NotPermitted) as refused:
        trajectory_plan_get(actor=identity_only, pk=trajectory.pk)
    assert refused.value.message == messages.NOT_SHARED
    assert not Step.objects.exists()
    denied = AuditEvent.objects.filter(action="denied", object_type=PLAN_OBJECT)
    assert denied.count() == 2 and {e.person_id for e in denied} == {trajectory.person_id}


def test_an_organisation_alongside_proposes_and_marks_only_its_own_steps(
    actor_a: Actor, landing_place: Organisation, subject: Subject, trajectory: Trajectory
) -> None:
    anker = alongside(actor_a, trajectory, landing_place)
    assert trajectory_plan_get(actor=anker, pk=trajectory.pk).may_propose
    theirs = step_propose(
        actor=anker, trajectory=trajectory, text="Bed vrijhouden", owner="organisation"
    )
    ours = step_propose(
        actor=actor_a, trajectory=trajectory, text="ID regelen", owner="organisation"
    )
    for_person = step_propose(actor=actor_a, trajectory=trajectory, text="Foto's laten maken")
    done = step_mark_done(actor=anker, trajectory=trajectory, step_id=theirs.pk)
    assert done.is_done and done.done_by_organisation == landing_place
    assert done.done_by_user == anker.user
    with pytest.raises(NotPermitted) as not_ours:
        step_mark_done(actor=anker, trajectory=trajectory, step_id=ours.pk)
    assert not_ours.value.message == messages.NOT_OUR_STEP
    with pytest.raises(NotPermitted) as persons:
        step_mark_done(actor=actor_a, trajectory=trajectory, step_id=for_person.pk)
    assert persons.value.message == messages.PERSONS_STEP
    # A step of another person, through this person's file: 404, audited.
    other = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    elsewhere = step_propose(actor=actor_a, trajectory=other, text="Iets", owner="organisation")
    with pytest.raises(Http404):
        step_mark_done(actor=actor_a, trajectory=trajectory, step_id=elsewhere.pk)
    assert not Step.objects.get(pk=elsewhere.pk).is_done
    assert not step_mark_done(
        actor=anker, trajectory=trajectory, step_id=theirs.pk, done=False
    ).is_done


def test_who_may_not_propose(
    frozen_clock: ClockControl, actor_a: Actor, org_a: Organisation, trajectory: Trajectory
) -> None:
    admin = make_actor(org_a, Role.ORGANISATION_ADMIN)
    with pytest.raises(NotPermitted) as role:
        step_propose(actor=admin, trajectory=trajectory, text="Iets")
    assert role.value.message == messages.ROLE_MAY_NOT
    with pytest.raises(InvalidInput) as past:
        step_propose(
            actor=actor_a,
            trajectory=trajectory,
            text="Bel de bank",
            due=frozen_clock.today - dt.timedelta(days=1),
        )
    assert past.value.message == messages.PROPOSAL_DUE_IN_PAST
    with pytest.raises(InvalidInput):
        step_propose(actor=actor_a, trajectory=trajectory, text="Iets", owner="municipality")
    with pytest.raises(InvalidInput):
        step_propose(actor=actor_a, trajectory=trajectory, text=" ")
    trajectory_set_phase(
        actor=actor_a, trajectory=trajectory, phase=Phase.CLOSED, reason="Traject afgerond."
    )
    trajectory.refresh_from_db()
    with pytest.raises(Conflict):
        step_propose(actor=actor_a, trajectory=trajectory, text="Iets")
    assert not Step.objects.exists()


def test_a_volunteer_reads_only_the_plan_of_a_person_assigned_to_them(
    actor_a: Actor, trajectory: Trajectory
) -> None:
    from estafette.testing.consent import give_consent
    from estafette.testing.factories import assign
    from estafette.trajectories.models import ParticipantRole
    from estafette.trajectories.services import participant_add

    volunteers = Organisation.objects.create(
        name="Vrijwilligers", code="vw", kind=OrganisationKind.VOLUNTEER_ORGANISATION
    )
    participant_add(
        actor=actor_a,
        trajectory=trajectory,
        organisation=volunteers,
        role=ParticipantRole.VISITING_VOLUNTEER,
    )
    give_consent(person=trajectory.person, purpose_code="volunteer_visits", recipient=volunteers)
    volunteer = make_actor(volunteers, Role.VISITING_VOLUNTEER)
    with pytest.raises(Http404):
        trajectory_plan_get(actor=volunteer, pk=trajectory.pk)
    assign(volunteer, trajectory)
    assert trajectory_plan_get(actor=volunteer, pk=trajectory.pk).own_steps == []
