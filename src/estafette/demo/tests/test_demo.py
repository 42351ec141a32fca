"""The demo dataset: deterministic, keeps the relay's invariants, and shows what it promises.

One tiny build per module (rolled back afterwards) serves every test; the
determinism test builds a second time inside its own savepoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from estafette.consent.models import Consent, ConsentDisclosure, ConsentNotice
from estafette.consent.policy import (
    HANDOVER_PURPOSE_CONSENT,
    consent_check_handover,
    covered_data_classes,
)
from estafette.consent.services import consent_expire_sweep
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.clock import LOCAL_ZONE
from estafette.core.errors import Conflict
from estafette.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_URL
from estafette.demo.build import BuildReport, build, demo_counts, demo_present, demo_wipe
from estafette.demo.checks import consent_violations, invariant_violations
from estafette.demo.examples import EXAMPLES
from estafette.demo.organisations import ARNHEM_DESK, ARNHEM_SERVES
from estafette.handovers.models import Handover
from estafette.organisations.models import Membership, Organisation
from estafette.people.models import Person
from estafette.trajectories.models import Stretch, Trajectory
from estafette.trajectories.selectors import (
    CaseloadFilters,
    CaseRelation,
    caseload_queryset,
    trajectory_scope,
)

SEED = 11
TODAY = dt.date(2026, 3, 2)


def _quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[BuildReport]:
    """A tiny demo built once for the module, on a frozen day, rolled back at the end."""
    with django_db_blocker.unblock(), clock.frozen(TODAY), transaction.atomic():  # type: ignore[attr-defined]
        report = build(scale="tiny", seed=SEED, say=_quiet)
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


def _fingerprint() -> list[tuple]:
    """The build's content without its ids: people with their trajectories, holders, consents."""
    trajectories = Trajectory.objects.values_list(
        "person__given_names",
        "person__family_name",
        "person__date_of_birth",
        "route",
        "phase",
        "release_on",
        "baton_holder__code",
        "offence",
    )
    consents = Consent.objects.values_list(
        "person__given_names",
        "person__family_name",
        "purpose__code",
        "recipient_kind",
        "recipient_organisation__code",
        "given_on",
        "ends_on",
        "revoked_at",
        "verbal_by",
    )
    # The services stamp the frozen clock plus real time elapsed: compare withdrawals by day.
    ledger = [(*row[:7], row[7] and row[7].date(), row[8]) for row in consents]
    return sorted(trajectories, key=str) + sorted(ledger, key=str)  # some dates are unknown


def _actor(username: str) -> Actor:
    membership = Membership.objects.select_related("user", "organisation").get(
        user__username=username
    )
    return Actor(membership.user, membership.organisation, membership.role)


@pytest.mark.django_db
def test_the_relay_invariants_hold_for_every_trajectory(demo: BuildReport) -> None:
    assert demo.built
    assert invariant_violations() == []
    open_stretches = Stretch.objects.filter(ended_at__isnull=True)
    assert open_stretches.count() == Trajectory.objects.count()
    for trajectory_id, organisation_id in open_stretches.values_list(
        "trajectory_id", "organisation_id"
    ):
        assert Trajectory.objects.get(pk=trajectory_id).baton_holder_id == organisation_id


@pytest.mark.django_db
def test_the_demo_covers_every_route_phase_and_handover_state(demo: BuildReport) -> None:
    routes = set(Trajectory.objects.values_list("route", flat=True))
    phases = set(Trajectory.objects.values_list("phase", flat=True))
    states = set(Handover.objects.values_list("state", flat=True))
    assert routes == {"abroad_bb", "abroad_transfer", "abroad_own", "domestic"}
    assert phases == {"detention", "return", "reintegration", "closed"}
    assert {"sent", "accepted", "declined", "taken_up", "no_show"} <= states
    closed = Trajectory.objects.filter(phase="closed")
    assert closed.exists() and not closed.filter(closed_at__isnull=True).exists()


@pytest.mark.django_db
def test_same_seed_same_demo(demo: BuildReport, frozen_today: None) -> None:
    first_counts, first = demo_counts(), _fingerprint()
    again = build(scale="tiny", seed=SEED, fresh=True, say=_quiet)
    assert again.built
    second_counts = demo_counts()
    # Services write audit rows for the named examples; the bulk writes none, so they match too.
    assert second_counts == first_counts
    assert _fingerprint() == first


@pytest.mark.django_db
def test_fresh_wipes_people_trajectories_and_demo_organisations(demo: BuildReport) -> None:
    demo_wipe(_quiet)
    assert not Person.objects.exists()
    assert not Trajectory.objects.exists()
    assert not Organisation.objects.filter(code="bureau-buitenland").exists()
    assert not Consent.objects.exists()
    assert not ConsentDisclosure.objects.exists()
    assert not ConsentNotice.objects.exists()
    assert not get_user_model().objects.filter(username="coordinator").exists()
    # The migrated municipal desks stay.
    assert Organisation.objects.filter(code=ARNHEM_DESK).exists()
    assert not demo_present()


@pytest.mark.django_db
def test_every_named_example_exists_and_is_seen_by_its_accounts(demo: BuildReport) -> None:
    scopes = {
        username: set(
            trajectory_scope(_actor(username)).values_list(
                "person__given_names", "person__family_name"
            )
        )
        for username in {u for example in EXAMPLES for u in example.seen_by}
    }
    for example in EXAMPLES:
        person = Person.objects.get(
            given_names=example.given_names, family_name=example.family_name
        )
        assert person.trajectories.count() == 1, example.full_name
        for username in example.seen_by:
            assert (example.given_names, example.family_name) in scopes[username], (
                f"{username} does not see {example.full_name}"
            )
    assert sum("coordinator" in e.seen_by for e in EXAMPLES) >= 5
    assert sum("nazorg" in e.seen_by for e in EXAMPLES) >= 5
    examples_md = (Path(__file__).parent.parent / "EXAMPLES.md").read_text(encoding="utf-8")
    for example in EXAMPLES:
        assert example.full_name in examples_md


@pytest.mark.django_db
def test_the_coordinator_and_nazorg_have_work_waiting(demo: BuildReport) -> None:
    def count(username: str, relation: CaseRelation) -> int:
        return caseload_queryset(
            actor=_actor(username), filters=CaseloadFilters(relation=relation)
        ).count()

    assert count("coordinator", CaseRelation.OUTCOME_TO_REVIEW) >= 2  # Bas Smit, Tom Kramer
    assert count("coordinator", CaseRelation.HANDING_OVER) >= 1  # Erik van Dijk
    assert count("nazorg", CaseRelation.INCOMING) >= 2  # Dennis de Wit, Erik van Dijk
    assert count("buddy", CaseRelation.INCOMING) >= 1  # Frank Peters


@pytest.mark.django_db
def test_demo_accounts_exist_with_their_roles(demo: BuildReport) -> None:
    for account in DEMO_ACCOUNTS:
        membership = Membership.objects.select_related("user", "organisation").get(
            user__username=account.username
        )
        assert membership.role == account.role
        assert membership.organisation.code == account.organisation_code
        assert membership.user.check_password(DEMO_PASSWORD)
        assert membership.user.is_superuser == account.superuser
    assert (
        Membership.objects.filter(
            organisation__code="bb-vrijwilligers", role="visiting_volunteer"
        ).count()
        == 1 + 12
    )  # the `volunteer` account and the tiny scale's volunteers


@pytest.mark.django_db
def test_only_the_printed_demo_accounts_can_sign_in(demo: BuildReport) -> None:
    """The public demo password opens the printed accounts only (issue 11, point 8).

    Every other demo user — the bulk volunteers, the staff behind the examples —
    has an unusable password: the sign-in page refuses it with the demo password,
    so nobody can reach the page that enrols an authenticator for it.
    """
    from django.test import Client

    from estafette.demo.accounts import DEMO_USERNAMES, USER_PREFIX

    others = get_user_model().objects.filter(username__startswith=USER_PREFIX)
    assert others.count() >= 12  # the tiny scale's volunteers, and the staff
    for user in others:
        assert not user.has_usable_password(), user.username
    for account in DEMO_ACCOUNTS:
        assert get_user_model().objects.get(username=account.username).has_usable_password()
    bulk = others.filter(username__startswith=f"{USER_PREFIX}vrijwilliger-").first()
    assert bulk is not None and bulk.username not in DEMO_USERNAMES
    client = Client()
    response = client.post("/login/", {"username": bulk.username, "password": DEMO_PASSWORD})
    assert response.status_code == 200  # the form again, with its refusal; no session
    assert "_auth_user_id" not in client.session
    assert client.get("/login/setup/")["Location"].startswith("/login/")
    response = client.post("/login/", {"username": "volunteer", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/login/verify/")


@pytest.mark.django_db
def test_arnhem_is_a_central_municipality(demo: BuildReport) -> None:
    arnhem = Organisation.objects.get(code=ARNHEM_DESK)
    served = set(arnhem.serves_municipalities.values_list("common_name", flat=True))
    assert served == set(ARNHEM_SERVES)
    assert arnhem.email.endswith("@example.org")
    assert arnhem.phone.startswith("0800-")


@pytest.mark.django_db
def test_if_empty_is_a_no_op_the_second_time(
    demo: BuildReport, capsys: pytest.CaptureFixture[str]
) -> None:
    before = demo_counts()
    call_command("demo", "--scale", "tiny", "--if-empty")
    assert demo_counts() == before
    assert "nothing to do" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--fresh"):
        call_command("demo", "--scale", "tiny")


@pytest.mark.django_db
def test_demo_accounts_prints_a_table_with_the_url(
    demo: BuildReport, capsys: pytest.CaptureFixture[str]
) -> None:
    # call_command, not the CLI: a command run from argv closes every database
    # connection when it ends, which would cut the module's shared transaction.
    call_command("demo_accounts")
    out = capsys.readouterr().out
    assert DEMO_URL in out
    for account in DEMO_ACCOUNTS:
        assert account.username in out
    assert DEMO_PASSWORD in out
    assert "demo-vrijwilliger" not in out  # the volunteers are users, not listed


@pytest.mark.django_db
def test_the_demo_person_and_contact_person_sign_in_with_the_printed_paper_code(
    demo: BuildReport, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make run` prints how the person and the contact person sign in (issue 13); the
    paper code `demo_portal_code` prints opens their own pages, each with what is theirs."""
    from django.test import Client

    call_command("demo_accounts")
    out = capsys.readouterr().out
    assert "sander.verhoeven@example.org" in out
    assert "demo_portal_code person" in out and "demo_portal_code contact" in out
    for kind, person_pages in (("person", True), ("contact", False)):
        call_command("demo_portal_code", kind)
        code = capsys.readouterr().out.strip()
        client = Client()
        response = client.post("/my/code/", {"code": code}, follow=True)
        assert response.status_code == 200
        assert response.request["PATH_INFO"] == "/my/", kind
        # The person has their plan, consents and log; the contact person the race only.
        assert ('href="/my/plan/"' in response.content.decode()) is person_pages, kind
        # The printed code works once.
        again = Client().post("/my/code/", {"code": code}, follow=True)
        assert again.request["PATH_INFO"] != "/my/"


@pytest.mark.django_db
def test_every_handover_that_needs_consent_had_one_and_a_disclosure(
    demo: BuildReport, frozen_today: None
) -> None:
    assert consent_violations() == []
    needing = [p for p, code in HANDOVER_PURPOSE_CONSENT.items() if code is not None]
    for handover in Handover.objects.filter(purpose__in=needing).only("pk"):
        assert ConsentDisclosure.objects.filter(handover=handover).exists(), handover.pk
    # The services and the nightly sweep have nothing left to say.
    assert consent_expire_sweep() == 0
    purposes = set(Consent.objects.values_list("purpose__code", flat=True))
    assert {
        "consular",
        "bb_guidance",
        "volunteer_visits",
        "aftercare_referral",
        "buddy_programme",
        "partner_sharing",
    } <= purposes
    revoked = Consent.objects.filter(revoked_at__isnull=False, disclosures__isnull=False)
    assert revoked.exists()
    for consent in revoked.distinct():
        for recipient in consent.disclosures.values_list("recipient_id", flat=True):
            assert consent.notices.filter(organisation_id=recipient, kind="revoked").exists()
    assert Consent.objects.filter(ends_on__lt=TODAY).exists()
    # Every BB-guided person has the BB consent; most trajectories name an offence.
    bb_people = Trajectory.objects.filter(route="abroad_bb").values("person_id")
    guided = Consent.objects.filter(purpose__code="bb_guidance").values("person_id")
    assert not bb_people.exclude(person_id__in=guided).exists()
    assert Trajectory.objects.exclude(offence="").count() > Trajectory.objects.count() * 0.7


@pytest.mark.django_db
def test_every_named_example_handover_passes_the_consent_check_of_its_day(
    demo: BuildReport,
) -> None:
    checked = 0
    for example in EXAMPLES:
        person = Person.objects.get(
            given_names=example.given_names, family_name=example.family_name
        )
        for handover in Handover.objects.filter(trajectory__person=person).select_related(
            "receiver"
        ):
            consent = consent_check_handover(
                person=person,
                handover_purpose=handover.purpose,
                recipient=handover.receiver,
                data_classes=handover.data_classes,
                on=handover.sent_at.astimezone(LOCAL_ZONE).date(),
            )
            needed = HANDOVER_PURPOSE_CONSENT[handover.purpose] is not None
            assert (consent is not None) == needed, (example.full_name, handover.purpose)
            checked += 1
    assert checked >= 20


def _person(given: str, family: str) -> Person:
    return Person.objects.get(given_names=given, family_name=family)


@pytest.mark.django_db
def test_the_consent_stories(demo: BuildReport, frozen_today: None) -> None:
    arnhem = Organisation.objects.get(code=ARNHEM_DESK)
    # Withdrawn after the referral was accepted: Arnhem holds the baton, sees no classes
    # under consent any more, and was told.
    anton = _person("Anton", "Schouten")
    assert anton.trajectories.get().baton_holder == arnhem
    assert covered_data_classes(person=anton, recipient=arnhem) == set()
    withdrawn = Consent.objects.get(person=anton, purpose__code="aftercare_referral")
    assert withdrawn.revoked_at is not None
    assert ConsentNotice.objects.filter(consent=withdrawn, organisation=arnhem, kind="revoked")
    # Ended: the landing place holds the baton, its consent ran out, and it was told.
    gerrit = _person("Gerrit", "Dijkman")
    instap = Organisation.objects.get(code="de-instap")
    assert gerrit.trajectories.get().baton_holder == instap
    ended = Consent.objects.get(person=gerrit, purpose__code="partner_sharing")
    assert ended.state == "ended"
    assert covered_data_classes(person=gerrit, recipient=instap) == set()
    assert ConsentNotice.objects.filter(consent=ended, organisation=instap, kind="expired")
    # Missing: release in two months and the referral cannot be sent.
    stefan = _person("Stefan", "Kok")
    trajectory = stefan.trajectories.get()
    assert trajectory.release_on is not None and 50 < (trajectory.release_on - TODAY).days < 70
    with pytest.raises(Conflict):
        consent_check_handover(
            person=stefan,
            handover_purpose="aftercare_referral",
            recipient=arnhem,
            data_classes=["identity"],
        )


def test_the_estafette_cli_dispatches_to_django_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`estafette <command>` is manage.py under another name (no database needed here)."""
    from estafette.cli import main

    main(["--version"])
    assert capsys.readouterr().out.strip()[:1].isdigit()


@pytest.mark.django_db
def test_every_timeline_line_of_the_demo_is_written_from_codes(demo: BuildReport) -> None:
    """The bulk demo writes events directly: each line renders from its data, never from
    a summary in one language (issue 10, :mod:`trajectories.timeline`)."""
    from estafette.trajectories import timeline
    from estafette.trajectories.models import TrajectoryEvent

    events = list(TrajectoryEvent.objects.select_related("organisation"))
    names = timeline.names_for(events)
    unread = []
    for event in events:
        renderer = timeline.RENDERERS.get(event.kind)
        try:
            if renderer is not None:
                renderer(event, names)
        except (LookupError, ValueError, TypeError) as error:
            unread.append((event.kind, event.data, repr(error)))
    assert events and not unread
    assert not any(timeline._ISO_DAY.search(e.summary) for e in events)


@pytest.mark.django_db
def test_the_demo_assigns_workers_and_leaves_gaps(demo: BuildReport) -> None:
    """Issue 12: the printed volunteer has a handful of people of its own and sees no one
    else; the bulk volunteers share the rest; some people have nobody, some assignments
    ended; the printed professionals have a "mine" that is not empty."""
    from estafette.trajectories.models import Assignment, Participant
    from estafette.trajectories.selectors import CaseloadScope

    volunteer = _actor("volunteer")
    own = set(
        Assignment.objects.filter(user=volunteer.user, until__isnull=True).values_list(
            "trajectory_id", flat=True
        )
    )
    assert 3 <= len(own) <= 15
    assert set(trajectory_scope(volunteer).values_list("pk", flat=True)) <= own
    mine = CaseloadFilters(scope=CaseloadScope.MINE)
    assert caseload_queryset(actor=volunteer, filters=mine).exists()
    assert Assignment.objects.filter(until__isnull=False).exists()  # history kept
    alongside = Participant.objects.filter(
        organisation__code="bb-vrijwilligers", until__isnull=True
    ).exclude(trajectory__phase="closed")
    assigned = Assignment.objects.filter(
        organisation__code="bb-vrijwilligers", until__isnull=True
    ).values("trajectory_id")
    assert alongside.exclude(trajectory_id__in=assigned).exists()  # gaps remain
    for username in ("coordinator", "nazorg", "casemanager"):
        assert caseload_queryset(actor=_actor(username), filters=mine).exists(), username
