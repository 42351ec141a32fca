"""A caseload of my own (issue 12): assigning workers, need-to-know for volunteers, "mine".

Two organisations (a Bureau Buitenland family — the root, a regional desk, its volunteer
organisation — and a municipal desk) and two volunteers of one organisation: volunteer A
never sees volunteer B's person, on any surface.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass

import pytest
from django.http import Http404
from django.utils import translation

from estafette.access import policy
from estafette.access.tests.helpers import (
    assign,
    client_for,
    consent_for,
    make_actor,
    make_org,
    open_file,
    send,
)
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditEvent
from estafette.handovers.models import Purpose
from estafette.organisations.models import Organisation, OrganisationKind, Role
from estafette.people.selectors import person_search
from estafette.trajectories import messages, timeline
from estafette.trajectories.assignments import (
    assignment_create,
    assignment_end,
    assignments_reassign,
    trajectories_close_stale,
)
from estafette.trajectories.models import (
    Assignment,
    AssignmentKind,
    EventKind,
    Participant,
    Phase,
    Trajectory,
    TrajectoryEvent,
)
from estafette.trajectories.selectors import (
    CaseloadFilters,
    CaseloadScope,
    CaseRelation,
    caseload_page,
    caseload_queryset,
    caseload_scope_counts,
    caseload_tallies,
    relay_get,
)
from estafette.trajectories.services import trajectory_plan_next_step

pytestmark = pytest.mark.usefixtures("frozen_clock")


@dataclass
class Family:
    root: Organisation
    desk: Organisation
    volunteers: Organisation
    coordinator: Actor
    volunteer_a: Actor
    volunteer_b: Actor
    municipal: Actor
    municipal_volunteer: Actor


@pytest.fixture
def family(db: None) -> Family:
    root = make_org(OrganisationKind.BUREAU_BUITENLAND, "Bureau Buitenland")
    desk = make_org(OrganisationKind.BB_REGIONAL_DESK, "BB regio")
    volunteers = make_org(OrganisationKind.VOLUNTEER_ORGANISATION, "BB vrijwilligers")
    Organisation.objects.filter(pk__in=[desk.pk, volunteers.pk]).update(parent=root)
    desk.refresh_from_db()
    volunteers.refresh_from_db()
    municipal_desk = make_org(OrganisationKind.MUNICIPAL_AFTERCARE, "Nazorg")
    other_volunteers = make_org(OrganisationKind.VOLUNTEER_ORGANISATION, "Andere vrijwilligers")
    return Family(
        root=root,
        desk=desk,
        volunteers=volunteers,
        coordinator=make_actor(desk, Role.REGIONAL_COORDINATOR),
        volunteer_a=make_actor(volunteers, Role.VISITING_VOLUNTEER),
        volunteer_b=make_actor(volunteers, Role.VISITING_VOLUNTEER),
        municipal=make_actor(municipal_desk, Role.AFTERCARE_COORDINATOR),
        municipal_volunteer=make_actor(other_volunteers, Role.VISITING_VOLUNTEER),
    )


def _file(family: Family) -> Trajectory:
    """A file the desk holds, with a consent that covers the volunteer organisation."""
    trajectory = open_file(family.coordinator)
    consent_for(trajectory, family.volunteers)
    return trajectory


def _volunteer(family: Family, actor: Actor, trajectory: Trajectory) -> Assignment:
    return assignment_create(
        actor=family.coordinator,
        trajectory=trajectory,
        user=actor.user,
        kind=AssignmentKind.VISITING_VOLUNTEER,
    )


# --- assigning -----------------------------------------------------------------------


def test_the_coordinator_assigns_a_volunteer_of_its_family(family: Family) -> None:
    trajectory = _file(family)
    assignment = _volunteer(family, family.volunteer_a, trajectory)

    assert assignment.organisation == family.volunteers
    assert assignment.assigned_by == family.coordinator.user
    # The volunteer organisation now runs alongside, so it has a part.
    assert Participant.objects.filter(trajectory=trajectory, organisation=family.volunteers)
    event = TrajectoryEvent.objects.get(trajectory=trajectory, kind=EventKind.ASSIGNED)
    assert event.data["part"] == AssignmentKind.VISITING_VOLUNTEER
    with translation.override("en"):
        (line,) = timeline.event_texts([event])
    assert line == (
        f"{family.volunteer_a.user.get_full_name()} (visiting volunteer, {family.volunteers})"
    )
    assert AuditEvent.objects.filter(
        object_type="trajectories.assignment", object_id=str(assignment.pk), action="create"
    ).exists()
    # And the volunteer sees the person.
    assert relay_get(actor=family.volunteer_a, pk=trajectory.pk).trajectory == trajectory


def test_a_volunteer_of_another_organisation_is_refused_with_a_sentence(family: Family) -> None:
    trajectory = _file(family)
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            _volunteer(family, family.municipal_volunteer, trajectory)
        assert "works for another organisation" in str(refused.value)
    assert not Assignment.objects.exists()  # nothing half-saved
    assert not Participant.objects.filter(trajectory=trajectory).exists()


def test_a_worker_without_a_fitting_role_is_refused(family: Family) -> None:
    trajectory = _file(family)
    colleague = make_actor(family.desk, Role.REGIONAL_COORDINATOR)
    with pytest.raises(InvalidInput) as refused:
        assignment_create(
            actor=family.coordinator,
            trajectory=trajectory,
            user=colleague.user,
            kind=AssignmentKind.VISITING_VOLUNTEER,
        )
    assert refused.value.message == messages.NO_FITTING_ROLE


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.VISITING_VOLUNTEER, AssignmentKind.VISITING_VOLUNTEER),
        (Role.ORGANISATION_ADMIN, AssignmentKind.RESPONSIBLE_COORDINATOR),
        (Role.AFTERCARE_COORDINATOR, AssignmentKind.VISITING_VOLUNTEER),
    ],
)
def test_a_role_that_may_not_assign_is_refused(family: Family, role: str, kind: str) -> None:
    trajectory = _file(family)
    organisation = family.volunteers if role == Role.VISITING_VOLUNTEER else family.desk
    actor = make_actor(organisation, role)
    if role == Role.VISITING_VOLUNTEER:
        assign(actor, trajectory)
        Participant.objects.create(
            trajectory=trajectory,
            organisation=family.volunteers,
            role="visiting_volunteer",
            since=clock.today(),
        )
    with pytest.raises(NotPermitted):
        assignment_create(
            actor=actor, trajectory=trajectory, user=family.volunteer_b.user, kind=kind
        )


def test_an_actor_that_cannot_open_the_file_cannot_assign(family: Family) -> None:
    trajectory = open_file(family.municipal)  # the municipal desk's file
    with pytest.raises(NotPermitted):
        _volunteer(family, family.volunteer_a, trajectory)


def test_two_volunteers_at_most_and_never_the_same_one_twice(family: Family) -> None:
    trajectory = _file(family)
    _volunteer(family, family.volunteer_a, trajectory)
    with pytest.raises(Conflict):
        _volunteer(family, family.volunteer_a, trajectory)
    _volunteer(family, family.volunteer_b, trajectory)
    third = make_actor(family.volunteers, Role.VISITING_VOLUNTEER)
    with pytest.raises(Conflict) as refused:
        _volunteer(family, third, trajectory)
    assert refused.value.message == messages.TOO_MANY_VOLUNTEERS


def test_a_new_responsible_coordinator_takes_over(family: Family) -> None:
    trajectory = _file(family)
    colleague = make_actor(family.desk, Role.REGIONAL_COORDINATOR)
    first = assignment_create(
        actor=family.coordinator,
        trajectory=trajectory,
        user=family.coordinator.user,
        kind=AssignmentKind.RESPONSIBLE_COORDINATOR,
    )
    assignment_create(
        actor=family.coordinator,
        trajectory=trajectory,
        user=colleague.user,
        kind=AssignmentKind.RESPONSIBLE_COORDINATOR,
    )
    first.refresh_from_db()
    assert first.until is not None  # ended, kept for history
    assert Assignment.objects.filter(trajectory=trajectory, until__isnull=True).count() == 1


def test_ending_an_assignment_closes_the_file_to_the_volunteer(family: Family) -> None:
    trajectory = _file(family)
    assignment = _volunteer(family, family.volunteer_a, trajectory)
    assignment_end(actor=family.coordinator, assignment_pk=assignment.pk)
    assignment.refresh_from_db()
    assert assignment.until is not None
    with pytest.raises(Http404):
        relay_get(actor=family.volunteer_a, pk=trajectory.pk)
    assert TrajectoryEvent.objects.filter(kind=EventKind.ASSIGNMENT_ENDED).count() == 1


# --- need-to-know: volunteer A never sees volunteer B's person ------------------------


def test_a_volunteer_never_sees_a_colleagues_person_on_any_surface(family: Family) -> None:
    mine, theirs = _file(family), _file(family)
    _volunteer(family, family.volunteer_a, mine)
    _volunteer(family, family.volunteer_b, theirs)
    a = family.volunteer_a

    _, rows = caseload_page(actor=a, filters=CaseloadFilters())
    assert [row.trajectory for row in rows] == [mine]
    assert list(policy.trajectory_scope(a)) == [mine]
    assert policy.access_for(a, theirs).classes == frozenset()
    assert policy.relationship_of(a, theirs) == policy.Relationship.NONE
    assert policy.classes_for_page(a, [mine, theirs])[theirs.pk] == frozenset()
    assert not policy.trajectory_scope(a).filter(
        policy.class_granted_q(a, "identity"), pk=theirs.pk
    )
    client = client_for(a)
    assert client.get(f"/trajectories/{theirs.pk}/").status_code == 404
    assert client.get(f"/trajectories/{mine.pk}/").status_code == 200
    html = client.get("/caseload/").content.decode()
    assert theirs.person.family_name not in html
    assert mine.person.family_name in html
    # The people search follows the policy's scope.
    assert person_search(actor=a, query=theirs.person.family_name).rows == []
    assert [
        row.trajectory for row in person_search(actor=a, query=mine.person.family_name).rows
    ] == [mine]


def test_the_volunteer_organisations_part_still_bounds_an_assignment(family: Family) -> None:
    """An assignment opens nothing without its organisation's part (and ground)."""
    trajectory = _file(family)
    assign(family.volunteer_a, trajectory)  # written directly: no participation
    with pytest.raises(Http404):
        relay_get(actor=family.volunteer_a, pk=trajectory.pk)


# --- "mine", the organisation and the unassigned -------------------------------------------


def test_mine_organisation_and_unassigned(family: Family) -> None:
    c = family.coordinator
    mine, other, nobody = open_file(c), open_file(c), open_file(c)
    colleague = make_actor(family.desk, Role.REGIONAL_COORDINATOR)
    assign(c, mine)
    assign(colleague, other)

    def rows(scope: str) -> list[Trajectory]:
        return [
            r.trajectory for r in caseload_page(actor=c, filters=CaseloadFilters(scope=scope))[1]
        ]

    assert rows(CaseloadScope.MINE) == [mine]
    assert set(rows(CaseloadScope.ORGANISATION)) == {mine, other, nobody}
    assert rows(CaseloadScope.UNASSIGNED) == [nobody]
    counts = caseload_scope_counts(actor=c, filters=CaseloadFilters())
    assert counts == {"mine": 1, "organisation": 3, "unassigned": 1, "stale": 0}
    # The page opens on "mine"; "my organisation" is one click away.
    response = client_for(c).get("/caseload/")
    assert response.context["scope"] == "mine"
    assert [s.relation for s in response.context["scopes"]] == [
        "mine",
        "organisation",
        "unassigned",
        "stale",
    ]


def test_the_single_count_pass_agrees_with_the_rows_of_every_scope_and_relation(
    family: Family,
) -> None:
    """The caseload counts scopes, relations and the pager in one pass (caseload_tallies);
    each number must be what the list itself holds for that scope and relation."""
    c = family.coordinator
    mine, other, _nobody = open_file(c), open_file(c), open_file(c)
    assign(c, mine)
    assign(make_actor(family.desk, Role.REGIONAL_COORDINATOR), other)
    _stale(family)
    scopes = [s.value for s in CaseloadScope]
    tallies = caseload_tallies(actor=c, filters=CaseloadFilters(), relation_scopes=scopes)
    for scope in scopes:
        for relation in ["", *(r.value for r in CaseRelation)]:
            filters = CaseloadFilters(scope=scope, relation=relation)
            expected = caseload_queryset(actor=c, filters=filters).count()
            assert tallies.total(scope, relation) == expected, (scope, relation)
    # The page's pager uses that number, not a COUNT of its own.
    response = client_for(c).get("/caseload/", {"scope": "organisation"})
    assert response.context["page_obj"].paginator.count == tallies.total("organisation")


def test_a_volunteer_only_ever_has_mine(family: Family) -> None:
    trajectory = _file(family)
    _volunteer(family, family.volunteer_a, trajectory)
    response = client_for(family.volunteer_a).get("/caseload/", {"scope": "organisation"})
    assert response.context["scope"] == "mine"
    assert [s.relation for s in response.context["scopes"]] == ["mine"]
    html = response.content.decode()
    # "Record a visit" is one tap from the person.
    assert f"/trajectories/{trajectory.pk}/contacts/" in html
    page = client_for(family.volunteer_a).get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert page.index(f"/trajectories/{trajectory.pk}/contacts/") < page.index("<h2")


def test_the_mine_caseload_costs_the_same_queries_for_few_or_many_rows(
    family: Family, django_assert_max_num_queries: Callable[[int], ContextManager[object]]
) -> None:
    for actor in (family.coordinator, family.volunteer_a):
        filters = CaseloadFilters(scope=CaseloadScope.MINE)
        first = _file(family)
        _volunteer(family, family.volunteer_a, first)
        assign(family.coordinator, first)
        with django_assert_max_num_queries(6):
            caseload_page(actor=actor, filters=filters)
        for _ in range(12):
            more = _file(family)
            _volunteer(family, family.volunteer_a, more)
            assign(family.coordinator, more)
        with django_assert_max_num_queries(6):
            _, rows = caseload_page(actor=actor, filters=filters)
        assert len(rows) >= 13
        Assignment.objects.all().delete()


# --- bulk reassignment ------------------------------------------------------------------


def test_bulk_reassignment_hands_everyone_over_and_reports_refusals(family: Family) -> None:
    files = [_file(family) for _ in range(3)]
    for trajectory in files:
        _volunteer(family, family.volunteer_a, trajectory)
    # One file the coordinator's desk no longer has a part in: refused, the rest goes on.
    gone = files[2]
    Trajectory.objects.filter(pk=gone.pk).update(baton_holder=family.municipal.organisation)
    result = assignments_reassign(
        actor=family.coordinator, from_user=family.volunteer_a.user, to_user=family.volunteer_b.user
    )
    assert {a.trajectory_id for a in result.done} == {files[0].pk, files[1].pk}
    assert [pk for pk, _reason in result.failed] == [gone.pk]
    assert Assignment.objects.filter(user=family.volunteer_b.user, until__isnull=True).count() == 2
    assert (
        Assignment.objects.filter(user=family.volunteer_a.user, until__isnull=True).get().trajectory
        == gone
    )


def test_bulk_reassignment_of_the_chosen_ones_only(family: Family) -> None:
    files = [_file(family) for _ in range(2)]
    chosen, _other = (_volunteer(family, family.volunteer_a, t) for t in files)
    result = assignments_reassign(
        actor=family.coordinator,
        from_user=family.volunteer_a.user,
        to_user=family.volunteer_b.user,
        assignment_pks=[chosen.pk],
    )
    assert [a.trajectory_id for a in result.done] == [files[0].pk]
    with pytest.raises(InvalidInput):
        assignments_reassign(
            actor=family.coordinator,
            from_user=family.volunteer_a.user,
            to_user=family.volunteer_a.user,
        )


def test_bulk_reassignment_page(family: Family) -> None:
    trajectory = _file(family)
    _volunteer(family, family.volunteer_a, trajectory)
    client = client_for(family.coordinator)
    listed = client.get("/caseload/reassign/", {"reassign-from_worker": family.volunteer_a.user.pk})
    assert listed.status_code == 200
    assert trajectory.person.family_name in listed.content.decode()
    done = client.post(
        "/caseload/reassign/",
        {
            "reassign-from_worker": family.volunteer_a.user.pk,
            "reassign-to_worker": family.volunteer_b.user.pk,
        },
    )
    assert done.status_code == 302
    assert Assignment.objects.get(until__isnull=True).user == family.volunteer_b.user
    assert client_for(family.volunteer_a).get("/caseload/reassign/").status_code == 403


# --- closing stale files ------------------------------------------------------------------


def _stale(family: Family) -> Trajectory:
    trajectory = open_file(family.coordinator)
    consent_for(trajectory, family.desk)  # the holder sees the detention data it closes on
    Trajectory.objects.filter(pk=trajectory.pk).update(
        phase=Phase.REINTEGRATION, release_on=clock.today() - dt.timedelta(days=400)
    )
    trajectory.refresh_from_db()
    return trajectory


def test_bulk_closing_isolates_a_failing_record(family: Family) -> None:
    stale = [_stale(family) for _ in range(3)]
    # One is no longer stale: a next step is still to come.
    trajectory_plan_next_step(
        actor=family.coordinator,
        trajectory=stale[1],
        next_step="Gesprek",
        due=clock.today() + dt.timedelta(days=5),
    )
    counts = caseload_scope_counts(actor=family.coordinator, filters=CaseloadFilters())
    assert counts["stale"] == 2
    result = trajectories_close_stale(
        actor=family.coordinator,
        trajectory_pks=[t.pk for t in stale] + [10**9],
        reason="Al lang terug, niets meer open.",
    )
    assert sorted(t.pk for t in result.done) == sorted([stale[0].pk, stale[2].pk])
    assert [pk for pk, _ in result.failed] == [stale[1].pk, 10**9]
    phases = dict(Trajectory.objects.values_list("pk", "phase"))
    assert phases[stale[0].pk] == Phase.CLOSED and phases[stale[1].pk] == Phase.REINTEGRATION


def test_closing_needs_a_reason_and_keeps_the_ticks(family: Family) -> None:
    stale = _stale(family)
    client = client_for(family.coordinator)
    listed = client.get("/caseload/", {"scope": "stale"})
    assert f'value="{stale.pk}"' in listed.content.decode()
    refused = client.post("/caseload/close/", {"trajectories": [stale.pk], "reason": ""})
    assert refused.status_code == 400
    assert f'value="{stale.pk}" checked' in refused.content.decode()
    done = client.post("/caseload/close/", {"trajectories": [stale.pk], "reason": "Klaar."})
    assert done.status_code == 302
    assert Trajectory.objects.get(pk=stale.pk).phase == Phase.CLOSED


# --- the default order: what needs action first ---------------------------------------------


def test_the_default_order_puts_what_needs_action_first(family: Family) -> None:
    c = family.coordinator
    quiet = open_file(c)  # nothing due
    Trajectory.objects.filter(pk=quiet.pk).update(release_on=clock.today() + dt.timedelta(days=3))
    consent_for(quiet, family.desk)  # its release is shown, so it sorts by it
    later = open_file(c)
    trajectory_plan_next_step(
        actor=c, trajectory=later, next_step="Later", due=clock.today() + dt.timedelta(days=60)
    )
    near = open_file(c)
    trajectory_plan_next_step(
        actor=c, trajectory=near, next_step="Bijna", due=clock.today() + dt.timedelta(days=5)
    )
    overdue = open_file(c)
    trajectory_plan_next_step(
        actor=c, trajectory=overdue, next_step="Te laat", due=clock.today() + dt.timedelta(days=1)
    )
    Trajectory.objects.filter(pk=overdue.pk).update(
        next_step_due=clock.today() - dt.timedelta(days=2)
    )
    # An incoming handover for the desk, without a near deadline.
    sender = make_actor(make_org(OrganisationKind.PRISON), Role.CASE_MANAGER)
    incoming = open_file(sender)
    handover = send(sender, incoming, family.desk, Purpose.SENTENCE_TRANSFER)
    consent_for(incoming, family.desk)  # the desk's ground: the row is in its caseload
    type(handover).objects.filter(pk=handover.pk).update(
        respond_by=clock.today() + dt.timedelta(days=40)
    )
    # An open signal addressed to the coordinator's desk and role (core.attention: the
    # signals app adds it to the order without this app importing it).
    from estafette.signals.models import Signal

    signalled = open_file(c)
    Signal.objects.create(
        rule_code="no_contact_person",
        trajectory=signalled,
        addressee=c.organisation,
        addressee_role=c.role,
        reason="Nobody is the contact person.",
    )
    _, rows = caseload_page(actor=c, filters=CaseloadFilters())
    order = [row.trajectory for row in rows]
    assert order[:4] == [overdue, near, incoming, signalled]
    assert order.index(later) > order.index(signalled)
    # The other sorts stay selectable.
    _, by_release = caseload_page(actor=c, filters=CaseloadFilters(sort="release"))
    assert by_release[0].trajectory == quiet


def test_the_assign_form_on_the_trajectory_page(family: Family) -> None:
    trajectory = _file(family)
    client = client_for(family.coordinator)
    url = f"/trajectories/{trajectory.pk}/assign/"
    page = client.get(f"/trajectories/{trajectory.pk}/").content.decode()
    assert 'id="assign"' in page and family.volunteer_a.user.get_full_name() in page
    # A worker of another organisation is not even offered: refused beside the field.
    other = client.post(
        url,
        {"assign-kind": "visiting_volunteer", "assign-worker": family.municipal_volunteer.user.pk},
    )
    assert other.status_code == 400
    # A colleague without the fitting role: the service's sentence, input kept.
    colleague = make_actor(family.desk, Role.REGIONAL_COORDINATOR)
    with translation.override("en"):
        refused = client.post(
            url,
            {"assign-kind": "visiting_volunteer", "assign-worker": colleague.user.pk},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert refused.status_code == 400
    assert "does not have a role" in refused.content.decode()
    assert not Assignment.objects.exists()
    done = client.post(
        url, {"assign-kind": "visiting_volunteer", "assign-worker": family.volunteer_a.user.pk}
    )
    assert done.status_code == 302
    assert Assignment.objects.get().user == family.volunteer_a.user
    # A volunteer gets no form, and may not post one.
    assert client_for(family.volunteer_a).post(url, {}).status_code == 403


def test_visit_reminders_only_for_the_volunteers_own_people(family: Family) -> None:
    """The signal inbox of a volunteer (its visit reminders) follows need-to-know."""
    from estafette.signals.selectors import volunteer_reminders

    trajectory = _file(family)
    Trajectory.objects.filter(pk=trajectory.pk).update(
        release_on=clock.today() + dt.timedelta(days=400)
    )
    _volunteer(family, family.volunteer_a, trajectory)
    later = clock.today() + dt.timedelta(days=60)
    with clock.frozen(later):
        assert [r.trajectory.pk for r in volunteer_reminders(actor=family.volunteer_a)] == [
            trajectory.pk
        ]
        assert volunteer_reminders(actor=family.volunteer_b) == []


def test_consent_notices_only_of_the_volunteers_own_people(family: Family) -> None:
    """The notices panel above the caseload names people: a volunteer's only its own."""
    from estafette.consent.models import ConsentNotice, NoticeKind
    from estafette.consent.selectors import consent_notices_unread

    mine, theirs = _file(family), _file(family)
    _volunteer(family, family.volunteer_a, mine)
    _volunteer(family, family.volunteer_b, theirs)
    for trajectory in (mine, theirs):
        consent = trajectory.person.consents.first()
        ConsentNotice.objects.create(
            organisation=family.volunteers, consent=consent, kind=NoticeKind.values[0]
        )
    people = {n.consent.person_id for n in consent_notices_unread(actor=family.volunteer_a)}
    assert people == {mine.person_id}
    coordinator = make_actor(family.volunteers, Role.REGIONAL_COORDINATOR)
    assert len(consent_notices_unread(actor=coordinator)) == 2  # professionals: all
