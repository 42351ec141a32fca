"""The bulk of the demo: thousands of trajectories written with ``bulk_create``.

Going through the services would take an hour at national scale (a lock, an
audit row and a dozen queries per step), so :class:`Bulk` tells each
person's story with the in-memory steps of :class:`~estafette.demo.relay.Relay`
and writes the rows in batches. The stories: detained abroad today (guided
by BB, transfer in progress, on own strength), transferred to a Dutch
prison, detained in the Netherlands, returned in the last ten months, and
years of closed history. Before each batch is written, :class:`BulkLedger`
adds every story's consents, disclosures and notices (and its offence).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from typing import Any, cast

from estafette.core import clock
from estafette.demo import names
from estafette.demo.examples import EXAMPLES
from estafette.demo.ledger import BulkLedger
from estafette.demo.organisations import Directory
from estafette.demo.relay import Relay, Run, days
from estafette.demo.scales import Scale
from estafette.demo.vocabulary import (
    CLOSE_REASON_OWN,
    CLOSE_REASON_PRISON,
    CLOSE_REASONS_ABROAD,
    CLOSE_REASONS_DONE,
    CLOSE_REASONS_LOST,
    COUNTRY_WEIGHTS,
    EUROPE,
    MSG_BUDDY,
    MSG_GUIDANCE,
    MSG_INFOBLAD,
    MSG_LANDING,
    MSG_PROBATION,
    MSG_REFERRAL,
    MSG_TRANSFER,
    MUNICIPALITY_WEIGHTS,
    NEXT_STEPS_AFTERCARE,
    NEXT_STEPS_BB,
    NEXT_STEPS_PRISON,
    PLACES,
    PRISON_WEIGHTS,
    SECOND_NATIONALITIES,
    TRANSFER_COUNTRIES,
    WITHDRAW_FOR_TRANSFER,
    WITHDRAW_RELEASED,
)
from estafette.handovers.models import Handover, Purpose
from estafette.handovers.workflow import State
from estafette.organisations.models import Municipality
from estafette.people.models import Channel, Literacy, NetworkMember, Person, Relation
from estafette.trajectories.models import (
    ParticipantRole,
    Phase,
    RegistrationCertainty,
    ReleaseCertainty,
    Route,
    Trajectory,
)

FLUSH_EVERY = 5000
"""Trajectories kept in memory before their rows are written (bounds memory at national scale)."""
TRANSFER_ANSWER_DAYS = 90
"""A transfer office decides in months, not in the default two weeks."""
GAP_DATE_OF_BIRTH = 41
"""About one person in 41 without a known date of birth (see ``Bulk._leave_gaps``)."""
GAP_DETENTION_START = 29
"""About one trajectory abroad in 29 without a known start of detention."""
GAP_DETENTION_PLACE = 23
"""About one trajectory abroad in 23 without a known place of detention."""
RESERVED_NAMES = frozenset((e.given_names, e.family_name) for e in EXAMPLES)

Say = Callable[[str], None]


class Bulk(Relay):
    """Tells many people's stories through the relay steps and writes them in batches.

    Contract: deterministic for a given ``rng`` and ``ledger_rng`` state,
    ``today`` and database (ids start after the current maxima); every step
    lies before ``today``. The ledger draws only from ``ledger_rng``, so the
    stories themselves do not depend on it.
    """

    def __init__(
        self,
        directory: Directory,
        rng: random.Random,
        today: dt.date,
        say: Say,
        *,
        ledger_rng: random.Random,
    ) -> None:
        super().__init__(directory, rng, today)
        self.say = say
        self.ledger = BulkLedger(self, ledger_rng, clock.now())
        self.iso_list = list(COUNTRY_WEIGHTS)
        self.iso_cum = _cumulative(COUNTRY_WEIGHTS.values())
        # All 342, from the table: the directory's by-name map holds one of the two Bergens.
        municipalities = list(Municipality.objects.order_by("cbs_code"))
        self.mun_ids = [m.pk for m in municipalities]
        self.mun_cum = _cumulative(
            MUNICIPALITY_WEIGHTS.get(m.common_name, 1.5) for m in municipalities
        )
        self.prison_ids = [directory.prisons[code].pk for code in PRISON_WEIGHTS]
        self.prison_cum = _cumulative(PRISON_WEIGHTS.values())
        self.probation = [
            directory.others[c].pk for c in ("reclassering-nederland", "svg", "leger-des-heils-jr")
        ]
        self.landing = [
            directory.others[c].pk
            for c in ("currentstart", "de-instap", "leger-des-heils-opvang", "exodus")
        ]
        self.buddy = directory.others["brug-binnen-buiten"].pk
        self.history_days = 365
        self.history_pool: list[tuple[dt.date, int]] = []
        self.rows_seen: Counter[str] = Counter()  # rows written so far, for the gaps

    # ---------------------------------------------------------------- sampling

    def _pick(self, items: list[int], cum: list[float]) -> int:
        return items[_bisect(cum, self.rng.random() * cum[-1])]

    def _iso(self) -> str:
        return self.iso_list[_bisect(self.iso_cum, self.rng.random() * self.iso_cum[-1])]

    def _duration_abroad(self, iso: str) -> int:
        median = 700 if iso in EUROPE else 1500
        return int(min(4500, max(60, self.rng.lognormvariate(math.log(median), 0.6))))

    def _duration_domestic(self) -> int:
        return int(min(3650, max(14, self.rng.lognormvariate(math.log(200), 0.9))))

    def _registration(self, *, abroad: bool) -> tuple[int | None, str]:
        """Where the person was last registered, and how sure the chain is of it."""
        r = self.rng.random()
        if abroad:
            # BB cannot consult the population register; the arrest notification may be wrong.
            if r < 0.35:
                certainty = RegistrationCertainty.CONFIRMED
            elif r < 0.70:
                certainty = RegistrationCertainty.ARREST_NOTIFICATION
            elif r < 0.85:
                certainty = RegistrationCertainty.DOUBTFUL
            else:
                return None, RegistrationCertainty.UNKNOWN
        elif r < 0.82:
            certainty = RegistrationCertainty.CONFIRMED
        elif r < 0.90:
            certainty = RegistrationCertainty.DOUBTFUL
        else:
            return None, RegistrationCertainty.UNKNOWN
        return self._pick(self.mun_ids, self.mun_cum), certainty

    def _release(
        self, true_release: dt.date, *, abroad: bool, closed: bool = False
    ) -> tuple[str, dt.date | None, dt.date | None, dt.date | None]:
        """What the chain knows of the release: ``(certainty, date, earliest, latest)``."""
        r = self.rng.random()
        if closed:
            r = 0.0 if r < 0.9 else 0.5  # afterwards the date is mostly known
        known, estimate, window = (0.35, 0.60, 0.75) if abroad else (0.72, 0.82, 0.87)
        if r < known:
            return ReleaseCertainty.KNOWN, true_release, None, None
        if r < estimate:
            return (
                ReleaseCertainty.ESTIMATE,
                true_release + days(self.rng.randint(-60, 60)),
                None,
                None,
            )
        if r < window:
            earliest = true_release - days(self.rng.randint(0, 90))
            return (
                ReleaseCertainty.WINDOW,
                None,
                earliest,
                true_release + days(self.rng.randint(30, 240)),
            )
        return ReleaseCertainty.UNKNOWN, None, None, None

    def _aftercare_desk(self, municipality_id: int | None) -> int | None:
        if municipality_id is None:
            return None
        return self.d.aftercare_by_municipality.get(municipality_id)

    def _place(self, iso: str) -> str:
        word, cities = PLACES[iso]
        return f"{word} {self.rng.choice(cities)}"

    # ---------------------------------------------------------------- people

    def person(self, when: dt.date) -> int:
        """A synthetic person aged about 19–70 at ``when``; returns the new id."""
        rng = self.rng
        female = rng.random() < 0.09  # about nine in ten detainees are men
        given, family = names.full_name(rng, female=female)
        while (given, family) in RESERVED_NAMES:  # the named examples stay unique
            given, family = names.full_name(rng, female=female)
        age = rng.triangular(19, 70, 31)
        r = rng.random()
        literacy = Literacy.NO if r < 0.04 else Literacy.LIMITED if r < 0.12 else Literacy.YES
        channel = (
            Channel.PHONE
            if literacy != Literacy.YES
            else rng.choice((Channel.LETTER, Channel.LETTER, Channel.PHONE, Channel.EMAIL))
        )
        p = self._new(
            Person,
            given_names=given,
            family_name=family,
            date_of_birth=when - days(age * 365.25),
            language="nl" if rng.random() < 0.9 else rng.choice(("en", "ar", "tr", "pap", "es")),
            literacy=literacy,
            preferred_channel=channel,
            cannot_read_write=literacy == Literacy.NO,
            intellectual_disability=rng.random() < 0.05,
            addiction=rng.random() < 0.2,
            psychiatric_problems=rng.random() < 0.1,
        )
        through = Person.nationalities.through
        self._new(through, person_id=p.pk, country_id=self.country["NL"])
        if rng.random() < 0.1:
            second = self.country[rng.choice(SECOND_NATIONALITIES)]
            self._new(through, person_id=p.pk, country_id=second)
        if rng.random() < 0.7:
            relation = rng.choice(
                (Relation.PARTNER, Relation.PARENT, Relation.SIBLING, Relation.FRIEND)
            )
            cgiven, cfamily = names.full_name(rng)
            if relation in (Relation.PARENT, Relation.SIBLING):
                cfamily = family
            self._new(
                NetworkMember,
                person_id=p.pk,
                name=f"{cgiven} {cfamily}",
                relation=relation,
                is_contact_person=True,
                email=f"contact{p.pk}@example.org",
            )
        if rng.random() < 0.22:
            for _ in range(rng.randint(1, 3)):
                self._new(
                    NetworkMember,
                    person_id=p.pk,
                    name=f"{names.given_name(rng, female=rng.random() < 0.5)} {family}",
                    relation=Relation.CHILD,
                    is_minor=True,
                )
        return int(p.pk)

    def person_for(self, opened: dt.date) -> int:
        """A new person, or (about one in twelve) someone whose earlier trajectory closed."""
        if self.history_pool and self.rng.random() < 0.08:
            for _ in range(3):
                index = self.rng.randrange(len(self.history_pool))
                closed, person_id = self.history_pool[index]
                if closed < opened - days(30):
                    self.history_pool[index] = self.history_pool[-1]
                    self.history_pool.pop()
                    return person_id
        return self.person(opened)

    # ---------------------------------------------------------------- chains

    def _abroad_start(
        self,
        run: Run,
        iso: str,
        *,
        limit: dt.date | None,
        until: dt.date | None = None,
        withdraw_reason: str = "",
    ) -> bool:
        """Consular post → BB regional desk (guidance), with volunteers alongside until ``until``.

        Returns whether the desk took the baton before ``limit``. A request
        still unanswered at a past ``limit`` (release, transfer) is withdrawn
        then, so no stale baton stays in the air.
        """
        limit = min(limit or self.today, self.today)
        desk = self.d.desk_for_country[iso].pk
        ask = run.last.date() + days(self.rng.randint(10, 80))
        if not ask < limit:
            return False
        handover = self.send(
            run,
            to=desk,
            day=ask,
            purpose=Purpose.GUIDANCE,
            message=MSG_GUIDANCE,
            data_classes=("detention", "identity", "network"),
        )
        action = self.answer(run, handover, ask, accept=0.97, decline=0.0, limit=limit)
        if action is None and limit < self.today:
            self.act(run, handover, "withdraw", limit, withdraw_reason or WITHDRAW_RELEASED)
        if action != "accept":
            return False
        taken = run.last.date()
        self.participant(run, self.d.posts[iso].pk, ParticipantRole.CONSULAR_POST, taken, until)
        # The desk reaches the person within days: the consulate's loop is closed.
        self._take_up(run, handover, taken + days(self.rng.randint(2, 10)), limit, (1, 2))
        wants_visits = self.rng.random() < (0.55 if iso in EUROPE else 0.2)
        visit_day = taken + days(self.rng.randint(14, 70))
        if wants_visits and visit_day < limit:
            self.participant(
                run, self.d.volunteers.pk, ParticipantRole.VISITING_VOLUNTEER, visit_day, until
            )
        spiritual_day = visit_day + days(30)
        if self.rng.random() < 0.08 and spiritual_day < limit:
            self.participant(
                run, self.d.epafras.pk, ParticipantRole.SPIRITUAL_CARE, spiritual_day, until
            )
        return True

    def _after_release(
        self,
        run: Run,
        handover: Handover | None,
        release: dt.date,
        *,
        closing: bool,
        close_reasons: tuple[str, ...],
    ) -> None:
        """From release on: phases, take-up or no-show, a further runner, and closing.

        ``handover`` is the accepted referral whose receiver now holds the baton.
        Without one, the holder closes at release (BB's guidance stops when
        detention abroad ends) unless a referral is still in the air — that
        baton stays visibly up. History (``closing``) always ends closed.
        """
        if not release < self.today:
            return
        self.phase(run, Phase.RETURN, release)
        if handover is None:
            in_the_air = any(h.state == State.SENT for h in run.handovers)
            end = release + days(self.rng.randint(0, 21))
            if closing or (not in_the_air and end < self.today):
                self.close(run, min(end, self.today - days(1)), self.rng.choice(close_reasons))
            return
        outcome = self.outcome(run, handover, release)
        if outcome == "no_show":
            end = run.last.date() + days(self.rng.randint(7, 60))
            if closing:
                self.close(run, min(end, self.today - days(1)), self.rng.choice(CLOSE_REASONS_LOST))
            return
        reint = run.last.date() + days(self.rng.randint(3, 20))
        if outcome is not None and reint < self.today:
            self.phase(run, Phase.REINTEGRATION, reint)
            r = self.rng.random()
            if r < 0.25:
                landing = r < 0.15
                further = self.refer(
                    run,
                    to=self.rng.choice(self.landing) if landing else self.buddy,
                    day=reint + days(self.rng.randint(5, 40)),
                    purpose=Purpose.LANDING_PLACE if landing else Purpose.BUDDY,
                    message=MSG_LANDING if landing else MSG_BUDDY,
                )
                if further is not None:
                    taken = run.last.date() + days(self.rng.randint(3, 14))
                    self._take_up(run, further, taken, self.today, (1, 10))
            elif not closing and self.rng.random() < 0.6:
                due = self.today + days(self.rng.randint(-25, 30))
                self.next_step(run, self.rng.choice(NEXT_STEPS_AFTERCARE), due)
        if closing:
            end = run.last.date() + days(self.rng.randint(30, 300))
            self.close(run, min(end, self.today - days(1)), self.rng.choice(CLOSE_REASONS_DONE))

    def _domestic_tail(
        self, run: Run, release: dt.date, registration: int | None, *, closing: bool, p: float
    ) -> None:
        """Near release the prison refers to the municipality or to probation, then release."""
        handover = None
        desk = self._aftercare_desk(registration)
        if self.rng.random() < p:
            ask = release - days(self.rng.randint(10, 60))
            if desk is not None and self.rng.random() < 0.65:
                handover = self.refer(
                    run,
                    to=desk,
                    day=ask,
                    purpose=Purpose.AFTERCARE_REFERRAL,
                    message=MSG_INFOBLAD.format(release=release),
                )
            else:
                handover = self.refer(
                    run,
                    to=self.rng.choice(self.probation),
                    day=ask,
                    purpose=Purpose.PROBATION,
                    message=MSG_PROBATION.format(release=release),
                )
        self._after_release(
            run, handover, release, closing=closing, close_reasons=(CLOSE_REASON_PRISON,)
        )

    # ---------------------------------------------------------------- scenarios

    def abroad_detained(self) -> None:
        """Detained abroad today: BB-guided (60%), transfer in progress (8%), own strength."""
        rng, today = self.rng, self.today
        iso = self._iso()
        duration = self._duration_abroad(iso)
        elapsed = max(2, int(rng.uniform(0.0, 0.995) * duration))
        start = today - days(elapsed)
        true_release = max(start + days(duration), today + days(3))
        r = rng.random()
        route = (
            Route.ABROAD_BB if r < 0.6 else Route.ABROAD_TRANSFER if r < 0.68 else Route.ABROAD_OWN
        )
        registration = self._registration(abroad=True)
        run = self.open(
            person_id=self.person_for(start),
            route=route,
            day=min(start + days(rng.randint(2, 20)), today - days(1)),
            holder=self.d.posts[iso].pk,
            release=self._release(true_release, abroad=True),
            registration=registration,
            iso=iso,
            place=self._place(iso),
            start=start,
        )
        if route == Route.ABROAD_OWN:
            since = run.last.date() + days(rng.randint(14, 120))
            if rng.random() < 0.05 and since < today:
                self.participant(run, self.d.epafras.pk, ParticipantRole.SPIRITUAL_CARE, since)
            return
        if not self._abroad_start(run, iso, limit=None):
            return
        if route == Route.ABROAD_TRANSFER:
            # Transfers take months: the prison's answer is mostly still awaited.
            ask = max(run.last.date(), today - days(rng.randint(1, 40)))
            if rng.random() < 0.35 and ask < today:
                prison = self._pick(self.prison_ids, self.prison_cum)
                self.send(
                    run,
                    to=prison,
                    day=ask,
                    purpose=Purpose.SENTENCE_TRANSFER,
                    respond_days=TRANSFER_ANSWER_DAYS,
                    message=MSG_TRANSFER.format(
                        law=run.trajectory.transfer_law, prison=self.org_name[prison]
                    ),
                )
            return
        # BB-guided: the referral to municipal after-care, about three months before release.
        planning = run.trajectory.release_on
        desk = self._aftercare_desk(registration[0])
        if planning is not None and (planning - today).days <= 120:
            if desk is not None and rng.random() < 0.4:
                self.refer(
                    run,
                    to=desk,
                    day=planning - days(rng.randint(60, 110)),
                    purpose=Purpose.AFTERCARE_REFERRAL,
                    message=MSG_REFERRAL.format(release=planning),
                )
            elif rng.random() < 0.5:
                self.next_step(
                    run, "Verwijzing gemeentelijke nazorg sturen", planning - days(90), desk
                )
        elif rng.random() < 0.35:
            self.next_step(run, rng.choice(NEXT_STEPS_BB), today + days(rng.randint(-30, 60)))

    def transferred(self) -> None:
        """Sentence transferred from abroad; the rest is served in a Dutch prison."""
        rng, today = self.rng, self.today
        iso = rng.choice(TRANSFER_COUNTRIES)
        moved = today - days(rng.randint(10, 700))
        start = moved - days(rng.randint(150, 600))
        true_release = today + days(rng.randint(3, 900))
        registration = self._registration(abroad=False)
        run = self.open(
            person_id=self.person_for(start),
            route=Route.ABROAD_TRANSFER,
            day=start + days(rng.randint(2, 20)),
            holder=self.d.posts[iso].pk,
            release=self._release(true_release, abroad=False),
            registration=registration,
            iso=iso,
            place=self._place(iso),
            start=start,
        )
        self._transfer_to_prison(run, iso, moved)
        planning = run.trajectory.release_on
        if planning is not None and (planning - today).days <= 60:
            self._domestic_tail(run, true_release, registration[0], closing=False, p=0.6)

    def _transfer_to_prison(self, run: Run, iso: str, moved: dt.date) -> None:
        self._abroad_start(
            run, iso, limit=moved - days(30), until=moved, withdraw_reason=WITHDRAW_FOR_TRANSFER
        )
        prison = self._pick(self.prison_ids, self.prison_cum)
        handover = self.send(
            run,
            to=prison,
            day=max(run.last.date(), moved - days(self.rng.randint(20, 60))),
            purpose=Purpose.SENTENCE_TRANSFER,
            respond_days=TRANSFER_ANSWER_DAYS,
            message=MSG_TRANSFER.format(
                law=run.trajectory.transfer_law, prison=self.org_name[prison]
            ),
        )
        self.act(run, handover, "accept", max(moved, run.last.date()))
        self._take_up(run, handover, moved + days(self.rng.randint(1, 5)), self.today, (1, 10))
        run.trajectory.detention_place = self.org_name[prison]

    def domestic_detained(self) -> None:
        """In a Dutch prison today; near release a referral may be under way."""
        rng, today = self.rng, self.today
        duration = self._duration_domestic()
        elapsed = max(1, int(rng.uniform(0.0, 0.99) * duration))
        start = today - days(elapsed)
        true_release = max(start + days(duration), today + days(2))
        prison = self._pick(self.prison_ids, self.prison_cum)
        registration = self._registration(abroad=False)
        run = self.open(
            person_id=self.person_for(start),
            route=Route.DOMESTIC,
            day=start,
            holder=prison,
            release=self._release(true_release, abroad=False),
            registration=registration,
            place=self.org_name[prison],
            start=start,
        )
        planning = run.trajectory.release_on
        if elapsed < 28:
            self.next_step(run, "Screening vijf leefgebieden", start + days(14))
        elif planning is not None and (planning - today).days <= 60:
            self._domestic_tail(run, true_release, registration[0], closing=False, p=0.6)
            desk = self._aftercare_desk(registration[0])
            if not run.handovers and desk is not None and rng.random() < 0.5:
                self.next_step(run, "Infoblad naar de gemeente sturen", planning - days(28), desk)
        elif rng.random() < 0.3:
            self.next_step(
                run, rng.choice(NEXT_STEPS_PRISON[:2]), today + days(rng.randint(-10, 21))
            )

    def returned(self) -> None:
        """Released in the last ten months: return and re-integration, held in the Netherlands."""
        release = self.today - days(self.rng.randint(1, 300))
        r = self.rng.random()
        if r < 0.3:
            self._bb_with_referral(release, closing=False)
        elif r < 0.4:
            self._own_strength_found(release)
        else:
            self._domestic_released(release, closing=False)

    def _bb_with_referral(self, release: dt.date, *, closing: bool) -> Run:
        rng = self.rng
        iso = self._iso()
        start = release - days(self._duration_abroad(iso))
        registration = (
            self._pick(self.mun_ids, self.mun_cum),
            rng.choice(
                (RegistrationCertainty.CONFIRMED, RegistrationCertainty.ARREST_NOTIFICATION)
            ),
        )
        run = self.open(
            person_id=self.person(start) if closing else self.person_for(start),
            route=Route.ABROAD_BB,
            day=start + days(rng.randint(2, 20)),
            holder=self.d.posts[iso].pk,
            release=self._release(release, abroad=True, closed=True),
            registration=registration,
            iso=iso,
            place=self._place(iso),
            start=start,
        )
        if not self._abroad_start(run, iso, limit=release - days(120), until=release):
            self._after_release(
                run, None, release, closing=closing, close_reasons=(CLOSE_REASON_OWN,)
            )
            return run
        handover = self.refer(
            run,
            to=self._aftercare_desk(registration[0]) or self.d.arnhem.pk,
            day=release - days(rng.randint(45, 110)),
            purpose=Purpose.AFTERCARE_REFERRAL,
            message=MSG_REFERRAL.format(release=release),
            retry_to=self._aftercare_desk(self._pick(self.mun_ids, self.mun_cum)),
        )
        self._after_release(
            run, handover, release, closing=closing, close_reasons=CLOSE_REASONS_ABROAD
        )
        return run

    def _own_strength_found(self, release: dt.date) -> None:
        """Came back on own strength; the municipality found them (self-registration or signal)."""
        rng = self.rng
        iso = self._iso()
        start = release - days(self._duration_abroad(iso))
        found = min(release + days(rng.randint(10, 150)), self.today - days(1))
        municipality = self._pick(self.mun_ids, self.mun_cum)
        run = self.open(
            person_id=self.person_for(start),
            route=Route.ABROAD_OWN,
            phase=Phase.REINTEGRATION,
            day=found,
            holder=self._aftercare_desk(municipality) or self.d.arnhem.pk,
            release=(ReleaseCertainty.KNOWN, release, None, None),
            registration=(municipality, RegistrationCertainty.CONFIRMED),
            iso=iso,
            place=self._place(iso),
            start=start,
        )
        if rng.random() < 0.7:
            due = self.today + days(rng.randint(-25, 30))
            self.next_step(run, rng.choice(NEXT_STEPS_AFTERCARE), due)

    def _domestic_released(self, release: dt.date, *, closing: bool) -> Run:
        start = release - days(self._duration_domestic())
        prison = self._pick(self.prison_ids, self.prison_cum)
        registration = self._registration(abroad=False)
        run = self.open(
            person_id=self.person(start) if closing else self.person_for(start),
            route=Route.DOMESTIC,
            day=start,
            holder=prison,
            release=self._release(release, abroad=False, closed=True),
            registration=registration,
            place=self.org_name[prison],
            start=start,
        )
        self._domestic_tail(
            run, release, registration[0], closing=closing, p=0.6 if closing else 0.9
        )
        return run

    def history_item(self, *, abroad: bool) -> None:
        """One closed trajectory of the past ``history_years`` (all outcomes long seen)."""
        release = self.today - days(self.rng.randint(60, self.history_days))
        if not abroad:
            run = self._domestic_released(release, closing=True)
        else:
            r = self.rng.random()
            if r < 0.55:
                if self.rng.random() < 0.17:  # DOMAIN.md §8: ~17% of BB's outflow is referred
                    run = self._bb_with_referral(release, closing=True)
                else:
                    run = self._abroad_history(release, Route.ABROAD_BB)
            elif r < 0.70:
                run = self._transfer_history(release)
            else:
                run = self._abroad_history(release, Route.ABROAD_OWN)
        if run.trajectory.phase != Phase.CLOSED:
            # Only a tail that ran out of days before today gets here.
            self.close(run, self.today - days(1), CLOSE_REASONS_DONE[1])
        closed_at = run.trajectory.closed_at
        assert closed_at is not None
        self.history_pool.append((closed_at.date(), run.trajectory.person_id))

    def _abroad_history(self, release: dt.date, route: str) -> Run:
        iso = self._iso()
        start = release - days(self._duration_abroad(iso))
        run = self.open(
            person_id=self.person(start),
            route=route,
            day=start + days(self.rng.randint(2, 20)),
            holder=self.d.posts[iso].pk,
            release=self._release(release, abroad=True, closed=True),
            registration=self._registration(abroad=True),
            iso=iso,
            place=self._place(iso),
            start=start,
        )
        if route == Route.ABROAD_BB:
            self._abroad_start(run, iso, limit=release - days(30), until=release)
            reasons: tuple[str, ...] = CLOSE_REASONS_ABROAD
        else:
            reasons = (CLOSE_REASON_OWN,)
        self._after_release(run, None, release, closing=True, close_reasons=reasons)
        return run

    def _transfer_history(self, release: dt.date) -> Run:
        iso = self.rng.choice(TRANSFER_COUNTRIES)
        start = release - days(self.rng.randint(400, 2000))
        registration = self._registration(abroad=False)
        run = self.open(
            person_id=self.person(start),
            route=Route.ABROAD_TRANSFER,
            day=start + days(self.rng.randint(2, 20)),
            holder=self.d.posts[iso].pk,
            release=self._release(release, abroad=False, closed=True),
            registration=registration,
            iso=iso,
            place=self._place(iso),
            start=start,
        )
        self._transfer_to_prison(run, iso, start + days(self.rng.randint(150, 360)))
        self._domestic_tail(run, release, registration[0], closing=True, p=0.6)
        return run

    # ---------------------------------------------------------------- driver

    def flush(self) -> None:
        """Add the consent ledger of every story told since the last flush, then write."""
        for run in self.runs:
            self.ledger.record(run)
        self._leave_gaps()
        super().flush()

    def _leave_gaps(self) -> None:
        """Leave empty what real files leave empty: the pages must hold on it.

        An imported or hastily opened file often lacks a date of birth, and abroad
        the consulate may not know since when, or where, the person is held. The
        gaps fall on every n-th row written (not on ids, which differ from one
        database to the next, nor on draws, which would change every story after),
        so the same seed still gives the same demo.
        """
        for person in cast(list[Person], self.buffers[Person]):
            self.rows_seen["person"] += 1
            if self.rows_seen["person"] % GAP_DATE_OF_BIRTH == 0:
                person.date_of_birth = None
        for trajectory in cast(list[Trajectory], self.buffers[Trajectory]):
            if trajectory.route == Route.DOMESTIC:
                continue
            self.rows_seen["abroad"] += 1
            if self.rows_seen["abroad"] % GAP_DETENTION_START == 0:
                trajectory.detention_start = None
            if self.rows_seen["abroad"] % GAP_DETENTION_PLACE == 0:
                trajectory.detention_place = ""

    def run(self, scale: Scale) -> dict[str, int]:
        """Generate everything the scale asks for; returns rows written per model."""
        self.history_days = max(90, scale.history_years * 365)
        plan: list[tuple[str, Callable[[], None], int]] = [
            (
                "history abroad",
                lambda: self.history_item(abroad=True),
                scale.history_years * scale.abroad_per_year,
            ),
            (
                "history domestic",
                lambda: self.history_item(abroad=False),
                scale.history_years * scale.domestic_per_year,
            ),
            ("detained abroad", self.abroad_detained, scale.abroad_detained),
            ("transferred", self.transferred, scale.transferred_in_prison),
            ("detained domestic", self.domestic_detained, scale.domestic_detained),
            ("returned", self.returned, scale.returned),
        ]
        total = sum(n for _, _, n in plan)
        done, next_report, started = 0, 0.1, time.monotonic()
        for label, make, count in plan:
            for _ in range(count):
                make()
                done += 1
                if self.pending_runs >= FLUSH_EVERY:
                    self.flush()
                if total and done / total >= next_report:
                    self.say(
                        f"  trajectories {done:>7,}/{total:,} ({done / total:4.0%}) — {label}, "
                        f"{time.monotonic() - started:5.1f} s"
                    )
                    next_report += 0.1
        self.flush()
        self.reset_sequences()
        return dict(self.written)


def _cumulative(weights: Any) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += float(weight)
        out.append(total)
    return out


def _bisect(cum: list[float], x: float) -> int:
    return min(bisect_right(cum, x), len(cum) - 1)
