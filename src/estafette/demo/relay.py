"""Replaying the relay in memory, row by row, the way the services would write it.

:class:`Relay` offers the steps of the services (open, send, accept …, close)
without their locks, queries and audit rows, and buffers the rows for
``bulk_create``. It keeps the invariants the services keep, and
``checks.invariant_violations`` verifies them over every trajectory:

1. each trajectory has exactly one open stretch, held by its ``baton_holder``;
2. stretches chain in time: each ends when the next begins, through the handover
   that moved the baton;
3. at most one handover per trajectory is ``sent`` (the baton in the air);
4. every handover's transitions follow ``handovers.workflow``, and its state is
   the target of its last transition;
5. ``release_on`` comes from ``release_planning_date()``;
6. a closed trajectory has ``closed_at``, nothing in the air and every outcome seen;
7. nothing happens after today.

Primary keys are assigned here (from the current maximum up), so a batch can
refer to rows of the same batch without reading ids back. Each finished
:class:`Run` waits in ``runs`` until the next :meth:`~Relay.flush`, so a
subclass can add rows that depend on the whole story (the consent ledger,
see :mod:`estafette.demo.ledger`) before anything is written. No audit rows are
written: the audit log records what users did and saw, and this generated
past had no users (timeline events and transitions name the organisation).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, reset_queries
from django.db.models import Max

from estafette.consent.models import Consent, ConsentDisclosure, ConsentNotice
from estafette.core.clock import LOCAL_ZONE
from estafette.demo.organisations import Directory
from estafette.demo.vocabulary import (
    COUNTRY_WEIGHTS,
    DECLINE_REASONS,
    INFO,
    NO_SHOW_REASONS,
    SECOND_NATIONALITIES,
)
from estafette.handovers.exchange import is_committed, may_record_outcome, passes_at_release
from estafette.handovers.models import Handover, HandoverTransition
from estafette.handovers.services import EVENT_FOR_ACTION
from estafette.handovers.workflow import BatonMove, Party, State, transition_for
from estafette.organisations.models import Country, Organisation
from estafette.people.models import NetworkMember, Person
from estafette.trajectories.models import (
    EventKind,
    Participant,
    Phase,
    RegistrationCertainty,
    Route,
    Stretch,
    Trajectory,
    TrajectoryEvent,
    release_planning_date,
)

BATCH_SIZE = 2000


@dataclass(slots=True)
class Run:
    """One trajectory being replayed: its row, open stretch and the last moment used.

    ``opened_by`` (the first holder), ``participants`` and ``close_reason`` are
    kept for what is written after the story ends (the consent ledger).
    """

    trajectory: Trajectory
    stretch: Stretch
    last: dt.datetime
    handovers: list[Handover]
    opened_by: int = 0
    participants: list[Participant] = field(default_factory=list)
    close_reason: str = ""


def days(n: float) -> dt.timedelta:
    """``n`` whole days (fractions dropped), the unit every scenario counts in."""
    return dt.timedelta(days=int(n))


class Relay:
    """The relay's steps on in-memory rows, and the buffers that write them in batches.

    Contract: every step takes the day it happens (strictly before ``today``)
    and keeps the invariants above; :meth:`flush` writes parents before
    children; ids continue after the database's current maxima.
    """

    def __init__(self, directory: Directory, rng: random.Random, today: dt.date) -> None:
        self.d = directory
        self.rng = rng
        self.today = today
        self.models: list[type[models.Model]] = [
            Person,
            Person.nationalities.through,
            NetworkMember,
            Trajectory,
            Handover,
            Stretch,
            HandoverTransition,
            TrajectoryEvent,
            Participant,
            Consent,
            ConsentDisclosure,
            ConsentNotice,
        ]
        self.buffers: dict[type[models.Model], list[models.Model]] = {m: [] for m in self.models}
        self.next_id = {
            m: (m.objects.aggregate(top=Max("pk"))["top"] or 0) + 1  # type: ignore[attr-defined]
            for m in self.models
        }
        self.written: dict[str, int] = {m.__name__: 0 for m in self.models}
        self.org_name = dict(Organisation.objects.values_list("pk", "name"))
        countries = {*COUNTRY_WEIGHTS, *SECOND_NATIONALITIES, "NL"}
        self.country = {
            c.iso2: c.pk for c in Country.objects.filter(iso2__in=countries).order_by("iso2")
        }
        self.transfer_law = dict(
            Country.objects.filter(iso2__in=list(COUNTRY_WEIGHTS)).values_list(
                "iso2", "transfer_law"
            )
        )
        self.pending_runs = 0
        self.runs: list[Run] = []
        """The runs told since the last flush, in order."""

    # ---------------------------------------------------------------- writing

    def _new(self, model: type[models.Model], **fields: Any) -> Any:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        obj = model(pk=pk, **fields)
        self.buffers[model].append(obj)
        return obj

    def flush(self) -> None:
        """Write every buffered row, parents before children."""
        for model in self.models:
            rows = self.buffers[model]
            if rows:
                model.objects.bulk_create(rows, batch_size=BATCH_SIZE)  # type: ignore[attr-defined]
                self.written[model.__name__] += len(rows)
                rows.clear()
        # Under DEBUG every INSERT stays in the query log; hundreds of MB at national scale.
        reset_queries()
        self.pending_runs = 0
        self.runs.clear()

    def reset_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the ids assigned here (SQLite needs nothing)."""
        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    # ---------------------------------------------------------------- time

    def _at(self, day: dt.date) -> dt.datetime:
        """A moment during office hours on ``day`` (local time, stored as UTC)."""
        return dt.datetime.combine(
            day, dt.time(self.rng.randint(8, 16), self.rng.randint(0, 59)), tzinfo=LOCAL_ZONE
        )

    def _when(self, run: Run, day: dt.date) -> dt.datetime:
        """A moment on ``day``, but never before the run's previous step (events stay ordered)."""
        moment = self._at(day)
        if moment <= run.last:
            moment = run.last + dt.timedelta(minutes=self.rng.randint(5, 90))
        run.last = moment
        return moment

    # ---------------------------------------------------------------- relay steps

    def open(
        self,
        *,
        person_id: int,
        route: str,
        day: dt.date,
        holder: int,
        release: tuple[str, dt.date | None, dt.date | None, dt.date | None],
        registration: tuple[int | None, str],
        phase: str = Phase.DETENTION,
        iso: str | None = None,
        place: str = "",
        start: dt.date | None = None,
    ) -> Run:
        """Open a trajectory held by ``holder`` on ``day``: its row, first stretch and event."""
        certainty, date, earliest, latest = release
        at = self._at(day)
        trajectory = self._new(
            Trajectory,
            person_id=person_id,
            route=route,
            transfer_law=self.transfer_law[iso] if route == Route.ABROAD_TRANSFER and iso else "",
            phase=phase,
            country_id=self.country[iso] if iso else None,
            detention_place=place,
            detention_start=start,
            release_certainty=certainty,
            release_date=date,
            release_earliest=earliest,
            release_latest=latest,
            release_on=release_planning_date(certainty, date, earliest),
            registration_municipality_id=registration[0],
            registration_certainty=registration[1],
            settlement_municipality_id=registration[0]
            if registration[1] == RegistrationCertainty.CONFIRMED
            else None,
            baton_holder_id=holder,
            opened_at=at,
        )
        stretch = self._new(
            Stretch, trajectory_id=trajectory.pk, organisation_id=holder, started_at=at
        )
        run = Run(trajectory, stretch, at, [], opened_by=holder)
        self._event(run, EventKind.OPENED, at, holder, self.org_name[holder], route=route)
        self.pending_runs += 1
        self.runs.append(run)
        return run

    def _event(
        self,
        run: Run,
        kind: str,
        at: dt.datetime,
        org: int | None,
        summary: str = "",
        reason: str = "",
        **data: Any,
    ) -> None:
        self._new(
            TrajectoryEvent,
            trajectory_id=run.trajectory.pk,
            at=at,
            kind=kind,
            organisation_id=org,
            summary=summary[:300],
            reason=reason,
            data=data,
        )

    def send(
        self,
        run: Run,
        *,
        to: int,
        day: dt.date,
        purpose: str,
        message: str,
        data_classes: tuple[str, ...] = ("conditions", "detention", "identity"),
        respond_days: int = 14,
    ) -> Handover:
        """The holder puts the baton in the air towards ``to`` (as ``handover_send`` does)."""
        if any(h.state == State.SENT for h in run.handovers):  # a scenario bug, not data
            raise AssertionError("the baton is already in the air")
        at = self._when(run, day)
        sender = run.trajectory.baton_holder_id
        handover = self._new(
            Handover,
            trajectory_id=run.trajectory.pk,
            sender_id=sender,
            receiver_id=to,
            purpose=purpose,
            message=message,
            information=INFO,
            data_classes=sorted(data_classes),
            respond_by=at.astimezone(LOCAL_ZONE).date() + days(respond_days),
            state=State.SENT,
            sent_at=at,
        )
        run.handovers.append(handover)
        self._new(
            HandoverTransition,
            handover_id=handover.pk,
            action="send",
            source="",
            target=State.SENT,
            at=at,
            organisation_id=sender,
        )
        self._event(
            run,
            EventKind.HANDOVER_SENT,
            at,
            sender,
            f"{self.org_name[sender]} → {self.org_name[to]}",
            handover=handover.pk,
            sender=sender,
            receiver=to,
            purpose=purpose,
        )
        return handover

    def act(
        self, run: Run, handover: Handover, action: str, day: dt.date, reason: str = ""
    ) -> None:
        """Apply one transition of the workflow table, moving the baton as it says."""
        transition = transition_for(action, handover.state)
        if transition is None:  # a bug in a scenario, not in the data
            raise AssertionError(f"{action} not allowed from {handover.state}")
        at = self._when(run, day)
        handover.state = transition.target
        handover.reason = reason
        if transition.source == State.SENT:
            handover.decided_at = at
        else:
            handover.outcome_at = at
        if transition.target == State.WITHDRAWN:
            handover.outcome_seen_at = at
        org = {
            Party.RECEIVER: handover.receiver_id,
            Party.SENDER: handover.sender_id,
            Party.SYSTEM: None,
        }[transition.by]
        self._new(
            HandoverTransition,
            handover_id=handover.pk,
            action=action,
            source=transition.source,
            target=transition.target,
            at=at,
            organisation_id=org,
            reason=reason,
        )
        commits = action == "accept" and passes_at_release(
            purpose=handover.purpose, phase=run.trajectory.phase
        )
        if transition.baton == BatonMove.TO_RECEIVER and not commits:
            handover.baton_at = at
            self._move(run, handover.receiver_id, at, handover)
        elif transition.baton == BatonMove.TO_SENDER:
            self._move(run, handover.sender_id, at, handover)
        self._event(
            run,
            EVENT_FOR_ACTION[action],
            at,
            org,
            f"{self.org_name[handover.sender_id]} → {self.org_name[handover.receiver_id]}",
            reason,
            handover=handover.pk,
            sender=handover.sender_id,
            receiver=handover.receiver_id,
        )

    def _move(self, run: Run, to: int, at: dt.datetime, handover: Handover) -> None:
        run.stretch.ended_at = at
        run.stretch = self._new(
            Stretch,
            trajectory_id=run.trajectory.pk,
            organisation_id=to,
            started_at=at,
            handover_id=handover.pk,
        )
        run.trajectory.baton_holder_id = to
        if run.trajectory.next_runner_id == to:
            run.trajectory.next_runner_id = None
        # As ``baton_move``: the new holder plans its own next step.
        run.trajectory.next_step = ""
        run.trajectory.next_step_due = None

    def seen(self, run: Run, handover: Handover, day: dt.date) -> None:
        """The sender marks the outcome as seen (``handover_acknowledge_outcome``)."""
        at = self._when(run, day)
        handover.outcome_seen_at = at
        self._event(
            run,
            EventKind.OUTCOME_SEEN,
            at,
            handover.sender_id,
            handover=handover.pk,
            state=handover.state,
        )

    def phase(self, run: Run, phase: str, day: dt.date, reason: str = "") -> None:
        """The holder moves the trajectory to ``phase``; closing stamps ``closed_at``."""
        at = self._when(run, day)
        old = run.trajectory.phase
        run.trajectory.phase = phase
        run.trajectory.closed_at = at if phase == Phase.CLOSED else None
        self._event(
            run,
            EventKind.PHASE_CHANGED,
            at,
            run.trajectory.baton_holder_id,
            "",
            reason,
            old=old,
            new=phase,
        )
        if old == Phase.DETENTION and phase in (Phase.RETURN, Phase.REINTEGRATION):
            # The person left detention: a committed receiver takes the baton (decision 0011).
            for handover in run.handovers:
                if is_committed(handover):
                    sender = run.trajectory.baton_holder_id
                    handover.baton_at = at
                    self._move(run, handover.receiver_id, at, handover)
                    self._event(
                        run,
                        EventKind.BATON_PASSED_AT_RELEASE,
                        at,
                        sender,
                        f"{self.org_name[sender]} → {self.org_name[handover.receiver_id]}",
                        handover=handover.pk,
                        sender=sender,
                        receiver=handover.receiver_id,
                    )

    def participant(
        self, run: Run, org: int, role: str, day: dt.date, until: dt.date | None = None
    ) -> None:
        """``org`` runs alongside from ``day`` (until ``until``), without the baton."""
        at = self._when(run, day)
        participant = self._new(
            Participant,
            trajectory_id=run.trajectory.pk,
            organisation_id=org,
            role=role,
            since=day,
            until=until,
        )
        run.participants.append(participant)
        self._event(
            run,
            EventKind.PARTICIPANT_ADDED,
            at,
            run.trajectory.baton_holder_id,
            self.org_name[org],
            runner=org,
            role=role,
        )

    def next_step(
        self, run: Run, text: str, due: dt.date | None, runner: int | None = None
    ) -> None:
        """The holder plans the next step, recently (within the last three weeks)."""
        day = min(self.today - days(1), max(run.last.date(), self.today - days(20)))
        at = self._when(run, day)
        trajectory = run.trajectory
        trajectory.next_step = text
        trajectory.next_step_due = due
        trajectory.next_runner_id = runner
        self._event(
            run,
            EventKind.NEXT_STEP,
            at,
            trajectory.baton_holder_id,
            text,
            step=text,
            due=due.isoformat() if due else None,
        )

    # ---------------------------------------------------------------- compound steps

    def answer(
        self,
        run: Run,
        handover: Handover,
        sent: dt.date,
        *,
        accept: float = 0.8,
        decline: float = 0.12,
        limit: dt.date | None = None,
        seen_lag: tuple[int, int] = (1, 12),
    ) -> str | None:
        """The receiver answers (or lets it expire) if that moment has come; returns the action.

        Declined and expired offers are seen by the sender after ``seen_lag``
        days, if that moment has come too; otherwise they wait as an outcome
        to review.
        """
        limit = min(limit or self.today, self.today)
        r = self.rng.random()
        # Answers come late in the answer period more often than early.
        delay = days(round(self.rng.triangular(1, 14, 10)))
        if r < accept:
            action, day = "accept", sent + delay
        elif r < accept + decline:
            action, day = "decline", sent + delay
        else:
            action, day = "expire", handover.respond_by + days(1)
        if day >= limit:
            return None
        reason = self.rng.choice(DECLINE_REASONS) if action == "decline" else ""
        self.act(run, handover, action, day, reason)
        if action != "accept":
            seen_day = day + days(self.rng.randint(*seen_lag))
            if seen_day < limit:
                self.seen(run, handover, seen_day)
        return action

    def refer(
        self,
        run: Run,
        *,
        to: int,
        day: dt.date,
        purpose: str,
        message: str,
        retry_to: int | None = None,
    ) -> Handover | None:
        """Send, await the answer, and after a seen refusal try once more (elsewhere if known).

        Returns the handover that was accepted (the baton moved), or ``None``:
        not sent yet, still in the air, or refused.
        """
        day = max(day, run.last.date())
        if not day < self.today:
            return None
        handover = self.send(run, to=to, day=day, purpose=purpose, message=message)
        action = self.answer(run, handover, day)
        if action == "accept":
            return handover
        if action is None or handover.outcome_seen_at is None:
            return None
        if self.rng.random() < 0.6:
            again = run.last.date() + days(self.rng.randint(0, 5))
            if again < self.today:
                target = retry_to if retry_to and retry_to != run.trajectory.baton_holder_id else to
                second = self.send(run, to=target, day=again, purpose=purpose, message=message)
                if self.answer(run, second, again, accept=0.9, decline=0.05) == "accept":
                    return second
        return None

    def outcome(self, run: Run, handover: Handover, release: dt.date) -> str | None:
        """After release: the receiver reports take-up or no-show (if that moment has come)."""
        if self.rng.random() < 0.85:
            action, day = "take_up", release + days(self.rng.randint(1, 20))
            reason = ""
        else:
            action, day = "no_show", release + days(self.rng.randint(21, 45))
            reason = self.rng.choice(NO_SHOW_REASONS)
        day = max(day, run.last.date())
        if day >= self.today:
            return None
        self.act(run, handover, action, day, reason)
        seen_day = day + days(self.rng.randint(2, 21))
        if seen_day < self.today:
            self.seen(run, handover, seen_day)
        return action

    def _take_up(
        self, run: Run, handover: Handover, day: dt.date, limit: dt.date, lag: tuple[int, int]
    ) -> None:
        """The receiver records that the person turned up; the sender sees it ``lag`` days later."""
        if day < limit:
            self.act(run, handover, "take_up", day)
            seen = day + days(self.rng.randint(*lag))
            if seen < limit:
                self.seen(run, handover, seen)

    def close(self, run: Run, day: dt.date, reason: str) -> None:
        """Close the trajectory, first settling its open handovers as the parties would.

        A closed trajectory keeps no baton in the air and no outcome unknown:
        the sender withdraws what is still pending, the receiver records
        take-up of what it accepted, and the sender has seen every outcome.
        """
        for handover in run.handovers:
            if handover.state == State.SENT:
                self.act(run, handover, "withdraw", day, reason)
            elif handover.state == State.ACCEPTED and may_record_outcome(
                purpose=handover.purpose, phase=run.trajectory.phase
            ):
                self.act(run, handover, "take_up", day)
        for handover in run.handovers:
            if handover.outcome_seen_at is None:
                self.seen(run, handover, day)
        run.close_reason = reason
        self.phase(run, Phase.CLOSED, day, reason)
