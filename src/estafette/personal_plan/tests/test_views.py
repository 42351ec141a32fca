"""The plan's pages: the person's (/my/plan/) and the worker's (/trajectories/<pk>/plan/)."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from estafette.core.actor import Actor
from estafette.core.models import AuditEvent
from estafette.organisations.models import Organisation
from estafette.personal_plan import messages
from estafette.personal_plan.models import Answer, ProposalAnswer, Step, WordsKind
from estafette.personal_plan.selectors import PLAN_OBJECT
from estafette.personal_plan.services import own_step_add, own_words_write, step_propose
from estafette.personal_plan.tests.conftest import (
    alongside,
    contact_subject,
    person_subject,
    subject_client,
)
from estafette.portal.subject import Subject
from estafette.testing.factories import TrajectoryFactory, make_actor
from estafette.testing.views import client_for, nl
from estafette.trajectories.models import Trajectory

pytestmark = pytest.mark.usefixtures("frozen_clock")

MINE = "/my/plan/"
PROPOSED_BY = gettext_lazy("Proposed by %(organisation)s")
OWN_WISH = gettext_lazy("Your own wish")


def plan_url(trajectory: Trajectory) -> str:
    return f"/trajectories/{trajectory.pk}/plan/"


def text_of(response: Any) -> str:
    return cast(str, response.content.decode())


def same_page(a: Any, b: Any, *addresses: tuple[str, str]) -> bool:
    """Whether two answers are the same page but for their CSRF tokens and own addresses."""

    def plain(response: Any) -> str:
        return re.sub(r'value="[A-Za-z0-9]{64}"', "", text_of(response))

    first = plain(a)
    for theirs, ours in addresses:
        first = first.replace(theirs, ours)
    return first == plain(b)


def fill(subject: Subject, actor: Actor, trajectory: Trajectory, steps: int) -> None:
    for n in range(steps):
        own_step_add(subject=subject, text=f"Eigen stap {n}")
        proposal = step_propose(actor=actor, trajectory=trajectory, text=f"Voorstel {n}")
        ProposalAnswer.objects.create(step=proposal, answer=Answer.AGREE)
        step_propose(actor=actor, trajectory=trajectory, text=f"Wij {n}", owner="organisation")


# -- the person ---------------------------------------------------------------------------


def test_urls_are_named() -> None:
    assert reverse("personal_plan:mine") == MINE
    assert reverse("personal_plan:trajectory", args=[7]) == "/trajectories/7/plan/"


def test_my_plan_needs_a_signed_in_subject(db: None) -> None:
    response = Client().get(MINE)
    assert response.status_code == 302 and response["Location"] == reverse("portal:sign-in")


def test_my_plan_shows_own_wishes_apart_from_proposals(
    actor_a: Actor, subject: Subject, trajectory: Trajectory
) -> None:
    Trajectory.objects.filter(pk=trajectory.pk).update(offence="Drugssmokkel")
    own_words_write(subject=subject, words={WordsKind.GOOD_AT: "Ik kan goed koken."})
    own_step_add(subject=subject, text="Mijn zus bellen")
    step_propose(actor=actor_a, trajectory=trajectory, text="Neem je ID mee naar de balie")
    response = subject_client(subject).get(MINE)
    html = text_of(response)
    assert response.status_code == 200
    assert "Ik kan goed koken." in html
    assert "Mijn zus bellen" in html and "Neem je ID mee naar de balie" in html
    assert html.count(nl(PROPOSED_BY, organisation=actor_a.organisation)) == 1
    assert html.count(nl(OWN_WISH)) == 1
    assert "Drugssmokkel" not in html
    read = AuditEvent.objects.get(action="view", object_type=PLAN_OBJECT)
    assert read.person_id == trajectory.person_id and read.detail["subject"] == "person"


def test_the_person_saves_words_ticks_and_answers_without_javascript(
    actor_a: Actor, subject: Subject, trajectory: Trajectory
) -> None:
    client = subject_client(subject)
    response = client.post(
        "/my/plan/words/", {"want": "Een eigen huis.", "worry": "", "good_at": ""}
    )
    assert response.status_code == 302 and response["Location"] == MINE + "#my-words"
    response = client.post("/my/plan/steps/", {"step-text": "Bel de woningcorporatie"})
    assert response.status_code == 302
    step = Step.objects.get(person=trajectory.person)
    response = client.post("/my/plan/tick/", {"step": step.pk, "done": "1"})
    assert response.status_code == 302 and response["Location"] == f"{MINE}#step-{step.pk}"
    step.refresh_from_db()
    assert step.is_done
    proposal = step_propose(actor=actor_a, trajectory=trajectory, text="Ga naar het UWV")
    prefix = f"answer-{proposal.pk}"
    response = client.post(
        "/my/plan/answer/",
        {
            "step": proposal.pk,
            f"{prefix}-answer": "disagree",
            f"{prefix}-comment": "Dat heb ik al gedaan.",
        },
    )
    assert response.status_code == 302
    assert ProposalAnswer.objects.get(step=proposal).answer == Answer.DISAGREE
    # The worker sees the answer and the comment.
    page = text_of(client_for(actor_a).get(plan_url(trajectory)))
    assert "Een eigen huis." in page and "Dat heb ik al gedaan." in page


def test_bad_input_comes_back_on_the_page_with_a_sentence(subject: Subject) -> None:
    client = subject_client(subject)
    response = client.post("/my/plan/words/", {"want": " ", "worry": "", "good_at": ""})
    assert response.status_code == 400
    assert nl(messages.WORDS_EMPTY) in text_of(response)
    response = client.post("/my/plan/steps/", {"step-text": "Bank", "step-due": "2025-03-01"})
    assert response.status_code == 400
    assert nl(messages.STEP_DUE_IN_PAST) in text_of(response)
    assert not Step.objects.exists()


def test_an_empty_comment_is_refused_on_its_own_step(
    actor_a: Actor, subject: Subject, trajectory: Trajectory
) -> None:
    proposal = step_propose(actor=actor_a, trajectory=trajectory, text="Ga naar het UWV")
    prefix = f"answer-{proposal.pk}"
    response = subject_client(subject).post(
        "/my/plan/answer/", {"step": proposal.pk, f"{prefix}-answer": "comment"}
    )
    assert response.status_code == 400
    assert nl(messages.COMMENT_EMPTY) in text_of(response)
    assert not ProposalAnswer.objects.exists()


def test_another_persons_step_answers_404_with_no_hint(actor_a: Actor, subject: Subject) -> None:
    other = cast(Trajectory, TrajectoryFactory(actor=actor_a))
    theirs = own_step_add(subject=person_subject(other.person), text="Bel de reclassering")
    client = subject_client(subject)
    pages = [
        client.post("/my/plan/tick/", {"step": theirs.pk, "done": "1"}),
        client.post("/my/plan/tick/", {"step": theirs.pk + 1000, "done": "1"}),
        client.post("/my/plan/tick/", {"step": "x" * 60, "done": "1"}),
    ]
    assert [p.status_code for p in pages] == [404, 404, 404]
    assert same_page(pages[0], pages[1]) and same_page(pages[0], pages[2])
    assert "Bel de reclassering" not in text_of(pages[0])
    assert str(other.person.family_name) not in text_of(pages[0])
    assert not Step.objects.get(pk=theirs.pk).is_done


def test_a_contact_person_is_told_calmly_that_the_plan_is_the_persons(
    trajectory: Trajectory,
) -> None:
    sister = contact_subject(trajectory.person)
    client = subject_client(sister)
    response = client.get(MINE)
    assert response.status_code == 403
    assert nl(messages.NOT_FOR_CONTACT_PERSON) in text_of(response)
    response = client.post("/my/plan/words/", {"want": "Iets", "worry": "", "good_at": ""})
    assert response.status_code == 403
    assert not trajectory.person.own_words.exists()


def test_my_plan_reads_in_a_bounded_number_of_queries(
    actor_a: Actor,
    subject: Subject,
    trajectory: Trajectory,
    django_assert_max_num_queries: Any,
) -> None:
    client = subject_client(subject)
    fill(subject, actor_a, trajectory, steps=2)
    with django_assert_max_num_queries(10) as small:
        assert client.get(MINE).status_code == 200
    fill(subject, actor_a, trajectory, steps=8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(MINE).status_code == 200


# -- the worker ---------------------------------------------------------------------------


def test_the_worker_proposes_a_step_and_marks_its_own_step_done(
    actor_a: Actor, subject: Subject, trajectory: Trajectory
) -> None:
    client = client_for(actor_a)
    response = client.post(
        f"{plan_url(trajectory)}propose/",
        {"propose-text": "Afspraak bij Burgerzaken", "propose-owner": "organisation"},
    )
    assert response.status_code == 302
    step = Step.objects.get()
    assert step.organisation == actor_a.organisation
    response = client.post(f"{plan_url(trajectory)}done/", {"step": step.pk, "done": "1"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.is_done and step.done_by_organisation == actor_a.organisation
    # The person sees it as proposed by the organisation, done by it; no tick button of theirs.
    html = text_of(subject_client(subject).get(MINE))
    assert "Afspraak bij Burgerzaken" in html
    assert "/my/plan/tick/" not in html  # the only step is the organisation's


def test_a_bad_proposal_comes_back_with_a_sentence(actor_a: Actor, trajectory: Trajectory) -> None:
    response = client_for(actor_a).post(
        f"{plan_url(trajectory)}propose/",
        {"propose-text": "Bank", "propose-owner": "person", "propose-due": "2025-01-01"},
    )
    assert response.status_code == 400
    assert nl(messages.PROPOSAL_DUE_IN_PAST) in text_of(response)
    assert not Step.objects.exists()


def test_a_file_without_a_part_answers_404_like_a_missing_one(
    org_c: Organisation, trajectory: Trajectory
) -> None:
    client = client_for(make_actor(org_c))
    missing = client.get(f"/trajectories/{trajectory.pk + 999}/plan/")
    foreign = client.get(plan_url(trajectory))
    assert missing.status_code == foreign.status_code == 404
    assert same_page(missing, foreign, (f"/{trajectory.pk + 999}/", f"/{trajectory.pk}/"))
    post = client.post(f"{plan_url(trajectory)}propose/", {"propose-text": "Iets"})
    assert post.status_code == 404 and not Step.objects.exists()


def test_the_plan_page_reads_in_a_bounded_number_of_queries(
    actor_a: Actor,
    landing_place: Organisation,
    subject: Subject,
    trajectory: Trajectory,
    django_assert_max_num_queries: Any,
) -> None:
    anker = alongside(actor_a, trajectory, landing_place)
    client = client_for(anker)
    fill(subject, actor_a, trajectory, steps=2)
    with django_assert_max_num_queries(21) as small:
        assert client.get(plan_url(trajectory)).status_code == 200
    fill(subject, actor_a, trajectory, steps=8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(plan_url(trajectory)).status_code == 200


def test_the_trajectory_page_links_to_the_plan_and_names_the_person_on_the_timeline(
    actor_a: Actor, subject: Subject, trajectory: Trajectory
) -> None:
    own_words_write(subject=subject, words={WordsKind.WANT: "Werk in de bouw."})
    with translation.override("en"):
        html = text_of(
            client_for(actor_a).get(f"/trajectories/{trajectory.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        )
    assert plan_url(trajectory) in html
    assert "The person wrote their own words" in html
    assert "the person themself" in html
    assert "Werk in de bouw." not in html  # the timeline says that, never what
