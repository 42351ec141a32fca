"""The person's own race in plain language, and the contact person's window on it.

:func:`race_for` builds a :class:`Race` for a :class:`~estafette.portal.subject.Subject`:
the data the ``portal/_race.html`` include shows, already cut to what that subject may
see. Nothing withheld is ever read into the :class:`Race`, so the template cannot leak it.

Contract:

* The race is the person's **newest open trajectory** (phase not closed). A person with
  none has a race with ``running`` False: "nothing is running".
* The **person** sees every section of :data:`SECTIONS`.
* The **contact person** sees the section ``call`` always ("someone is helping; this is
  who to call": an organisation whose work includes talking with the home front, with
  its public contact details) and every other section only when the person's consents
  for the built-in purpose ``contact_person`` in force today together cover that
  section's data class (:data:`SECTION_CLASSES`). A withdrawal counts at once: the
  consents are read on every call, nothing is cached.
* Never shown to anybody here: the offence, notes, a trajectory's ``next_step`` text (written
  for colleagues; a standard sentence per phase stands in its place), a handover's message
  or information, who recorded what, vulnerability markers.
* Every call is audited with :func:`~estafette.portal.subject.subject_audit` (a VIEW of
  ``portal.race``): which sections were shown, never their content.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estafette.conditions.models import (
    DONE,
    LIFE_DOMAINS,
    WAY_HOME,
    Condition,
    ConditionStatus,
    Status,
)
from estafette.consent.models import Consent
from estafette.consent.policy import effective_q
from estafette.core import clock
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction
from estafette.handovers.models import Handover, HandoverState
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.portal.subject import Subject, subject_audit
from estafette.trajectories.models import (
    Assignment,
    AssignmentKind,
    Participant,
    ParticipantRole,
    Phase,
    ReleaseCertainty,
    Route,
    Trajectory,
)

CONTACT_PERSON_PURPOSE = "contact_person"
"""The built-in consent purpose "Contact with your contact person at home" (consent 0002)."""

CALL = "call"
HELPERS = "helpers"
NOW = "now"
NEXT = "next"
CONDITIONS = "conditions"
APPOINTMENTS = "appointments"

SECTIONS: tuple[str, ...] = (CALL, HELPERS, NOW, NEXT, CONDITIONS, APPOINTMENTS)
"""Every section of the race, in the order the page shows them."""

SECTION_CLASSES: dict[str, DataClass | None] = {
    # Who to call: the organisation's public details, nothing of the person. Always shown.
    CALL: None,
    # Who helps now, by name and worker: a prison or a consular post names where the person
    # is, and the runner tells the phase of the detention.
    HELPERS: DataClass.DETENTION,
    # What happens now: a standard sentence per phase (in detention, on the way back, back).
    NOW: DataClass.DETENTION,
    # Who comes next and when: the handover follows the release.
    NEXT: DataClass.DETENTION,
    # What is arranged and what is open: ID, income, insurance, housing, debts, care.
    CONDITIONS: DataClass.CONDITIONS,
    # Dates: the release day, the day a handover is decided, the next step's day.
    APPOINTMENTS: DataClass.DETENTION,
}
"""The data class a contact person's consent must cover before they see a section."""

WAY_HOME_ROUTES = (Route.ABROAD_BB, Route.ABROAD_OWN)
"""Routes on which the person travels home on their own (as ``conditions.selectors``)."""

HOME_FRONT_KINDS: tuple[str, ...] = (
    OrganisationKind.BB_REGIONAL_DESK,
    OrganisationKind.BUREAU_BUITENLAND,
    OrganisationKind.MUNICIPAL_AFTERCARE,
)
"""Organisations whose work includes talking with the home front (DOMAIN.md §2: Bureau
Buitenland informs the contact person; the municipality's after-care desk advises the home
front). A prison or a consular post would tell where the person is, so a contact person
without the detention class is never sent there."""


# --- What the template receives ------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """An organisation and how to reach it: only the public details of its desk."""

    name: str
    phone: str = ""
    email: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    opening_hours: str = ""
    website: str = ""

    @classmethod
    def of(cls, organisation: Organisation) -> Reach:
        return cls(
            name=organisation.name,
            phone=organisation.phone,
            email=organisation.email,
            street=organisation.street,
            postal_code=organisation.postal_code,
            city=organisation.city,
            opening_hours=organisation.opening_hours,
            # Only a web address proper becomes a link (never javascript: or data:).
            website=organisation.website
            if organisation.website.lower().startswith(("https://", "http://"))
            else "",
        )

    @property
    def phone_link(self) -> str:
        """The phone number as a ``tel:`` address (digits and a leading +)."""
        digits = "".join(c for c in self.phone if c.isdigit() or c == "+")
        return f"tel:{digits}" if digits else ""

    @property
    def has_details(self) -> bool:
        return bool(self.phone or self.email or self.street or self.city or self.website)


@dataclass(frozen=True)
class Worker:
    """Someone assigned to the person: a first name (if known) and their part, in words."""

    first_name: str
    part: str
    organisation: str


@dataclass(frozen=True)
class Alongside:
    """An organisation running alongside the holder (a volunteer organisation, a consulate)."""

    organisation: str
    part: str


@dataclass(frozen=True)
class Runner:
    """The organisation that comes next, and when, in words."""

    reach: Reach
    sentence: str
    when: dt.date | None = None

    @property
    def when_words(self) -> str:
        return _day(self.when) if self.when else ""


@dataclass(frozen=True)
class ConditionLine:
    """One basic condition and how far it is, in words."""

    key: str
    label: str
    status: str
    status_words: str
    done: bool


@dataclass(frozen=True)
class Appointment:
    """A dated step that concerns the person, in a sentence."""

    on: dt.date
    on_words: str
    what: str


@dataclass(frozen=True)
class Race:
    """What one subject sees of the person's race; withheld sections are left empty."""

    is_person: bool
    first_name: str
    running: bool
    sections: tuple[str, ...] = ()
    call: Reach | None = None
    helper: Reach | None = None
    workers: tuple[Worker, ...] = ()
    alongside: tuple[Alongside, ...] = ()
    now: str = ""
    next: Runner | None = None
    conditions: tuple[ConditionLine, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    trajectory_id: int | None = field(default=None, repr=False)

    def shows(self, section: str) -> bool:
        return section in self.sections

    @property
    def shows_call(self) -> bool:
        return CALL in self.sections

    @property
    def shows_helpers(self) -> bool:
        return HELPERS in self.sections

    @property
    def shows_now(self) -> bool:
        return NOW in self.sections

    @property
    def shows_next(self) -> bool:
        return NEXT in self.sections

    @property
    def shows_conditions(self) -> bool:
        return CONDITIONS in self.sections

    @property
    def shows_appointments(self) -> bool:
        return APPOINTMENTS in self.sections

    @property
    def conditions_done(self) -> tuple[ConditionLine, ...]:
        return tuple(line for line in self.conditions if line.done)

    @property
    def conditions_open(self) -> tuple[ConditionLine, ...]:
        return tuple(line for line in self.conditions if not line.done)


# --- Words ---------------------------------------------------------------------------

CONDITION_WORDS: dict[str, Promise] = {
    Condition.ID: gettext_lazy("Your ID card or passport"),
    Condition.INCOME: gettext_lazy("Money: work or a benefit"),
    Condition.HEALTH_INSURANCE: gettext_lazy("Health insurance"),
    Condition.HOUSING: gettext_lazy("A place to live"),
    Condition.DEBTS: gettext_lazy("A plan for your debts"),
    Condition.CARE: gettext_lazy("Care and support you need"),
    Condition.TRAVEL_DOCUMENTS: gettext_lazy("Papers to travel home"),
    Condition.JOURNEY_MONEY: gettext_lazy("Money for the trip home"),
}
"""The basic conditions as the person says them (B1), addressed to the person."""

STATUS_WORDS: dict[str, Promise] = {
    Status.UNKNOWN: gettext_lazy("Not known yet"),
    Status.OPEN: gettext_lazy("Still to do"),
    Status.BEING_ARRANGED: gettext_lazy("Someone is working on it"),
    Status.ARRANGED: gettext_lazy("Arranged"),
    Status.NOT_NEEDED: gettext_lazy("Not needed"),
}

PART_WORDS: dict[str, Promise] = {
    AssignmentKind.RESPONSIBLE_COORDINATOR: gettext_lazy("your coordinator"),
    AssignmentKind.CASE_MANAGER: gettext_lazy("your case manager"),
    AssignmentKind.MENTOR: gettext_lazy("your mentor"),
    AssignmentKind.VISITING_VOLUNTEER: gettext_lazy("your visiting volunteer"),
    AssignmentKind.BUDDY: gettext_lazy("your buddy"),
}
"""A worker's part, said to the person."""

PART_WORDS_HOME_FRONT: dict[str, Promise] = {
    AssignmentKind.RESPONSIBLE_COORDINATOR: gettext_lazy("coordinator"),
    AssignmentKind.CASE_MANAGER: gettext_lazy("case manager"),
    AssignmentKind.MENTOR: gettext_lazy("mentor"),
    AssignmentKind.VISITING_VOLUNTEER: gettext_lazy("visiting volunteer"),
    AssignmentKind.BUDDY: gettext_lazy("buddy"),
}
"""A worker's part, said to the contact person (never "your": they are not theirs)."""

ALONGSIDE_WORDS: dict[str, Promise] = {
    ParticipantRole.VISITING_VOLUNTEER: gettext_lazy("volunteers who visit"),
    ParticipantRole.SPIRITUAL_CARE: gettext_lazy("spiritual care"),
    ParticipantRole.CONSULAR_POST: gettext_lazy("the embassy or consulate"),
    ParticipantRole.BUDDY: gettext_lazy("a buddy"),
    ParticipantRole.OTHER: gettext_lazy("also helps"),
}


def _now_sentence(trajectory: Trajectory, *, is_person: bool, name: str) -> str:
    """A standard sentence per phase: never the colleagues' ``next_step`` text."""
    sentences: dict[str, str]
    if is_person:
        sentences = {
            Phase.DETENTION: _(
                "You are preparing your return. Together we arrange what you need when you "
                "come back."
            ),
            Phase.RETURN: _(
                "You are coming back, or you are just back. First: your ID, money and a place "
                "to live."
            ),
            Phase.REINTEGRATION: _(
                "You are back. Now we work on what helps you to build your life again."
            ),
        }
    else:
        sentences = {
            Phase.DETENTION: _("%(name)s is preparing the return.") % {"name": name},
            Phase.RETURN: _("%(name)s is coming back, or is just back.") % {"name": name},
            Phase.REINTEGRATION: _("%(name)s is back and is building a life again.")
            % {"name": name},
        }
    return sentences.get(trajectory.phase, "")


DAY_FORMAT = "j F Y"
"""A day in words with the month written out, in the active language: "1 juni 2025",
"1 June 2025" (English's own DATE_FORMAT abbreviates the month: "June 1, 2025" is fine, but
"Aug. 12, 2028" is not plain language)."""


def _day(day: dt.date) -> str:
    return date_format(day, DAY_FORMAT)


# --- Reading ---------------------------------------------------------------------------


def _open_trajectory(subject: Subject) -> Trajectory | None:
    return (
        Trajectory.objects.filter(person_id=subject.person.pk)
        .exclude(phase=Phase.CLOSED)
        .select_related("baton_holder", "next_runner")
        .order_by("-opened_at", "-id")
        .first()
    )


def shared_with_home_front(*, subject: Subject, on: dt.date | None = None) -> frozenset[str]:
    """The data classes the person lets their contact person see on ``on`` (default today).

    The union over the person's consents for :data:`CONTACT_PERSON_PURPOSE` in force that
    day, whoever passes the information on. Read on every call: a withdrawal counts at once.
    """
    rows = Consent.objects.filter(
        effective_q(on or clock.today()),
        person_id=subject.person.pk,
        purpose__code=CONTACT_PERSON_PURPOSE,
    ).values_list("data_classes", flat=True)
    return frozenset(value for classes in rows for value in classes)


def sections_for(*, subject: Subject, classes: frozenset[str]) -> tuple[str, ...]:
    """The sections ``subject`` sees: all for the person; for the contact person ``call`` and
    those whose class is in ``classes``."""
    if subject.is_person:
        return SECTIONS
    return tuple(
        section
        for section in SECTIONS
        if SECTION_CLASSES[section] is None or SECTION_CLASSES[section] in classes
    )


def _next_handover(trajectory: Trajectory) -> Handover | None:
    """The handover in the air, or the one whose receiver is committed to take over."""
    return (
        Handover.objects.filter(trajectory_id=trajectory.pk)
        .filter(
            Q(state=HandoverState.SENT) | Q(state=HandoverState.ACCEPTED, baton_at__isnull=True)
        )
        .select_related("receiver")
        .order_by("-sent_at", "-id")
        .first()
    )


def _call_for_contact_person(
    trajectory: Trajectory, handover: Handover | None, *, detention: bool
) -> Organisation | None:
    """Whom the contact person may call: the holder, if it talks with the home front (or the
    detention class is shared); else the next runner or an earlier runner that does."""
    holder = trajectory.baton_holder
    if detention or holder.kind in HOME_FRONT_KINDS:
        return holder
    candidates: list[Organisation] = []
    if handover is not None:
        candidates.append(handover.receiver)
    if trajectory.next_runner is not None:
        candidates.append(trajectory.next_runner)
    for organisation in candidates:
        if organisation.kind in HOME_FRONT_KINDS:
            return organisation
    earlier = (
        Organisation.objects.filter(
            stretches__trajectory_id=trajectory.pk, kind__in=HOME_FRONT_KINDS
        )
        .order_by("-stretches__started_at", "-id")
        .first()
    )
    return earlier


def _workers(trajectory: Trajectory, *, is_person: bool) -> tuple[Worker, ...]:
    words = PART_WORDS if is_person else PART_WORDS_HOME_FRONT
    rows = (
        Assignment.objects.filter(trajectory_id=trajectory.pk, until__isnull=True)
        .select_related("user", "organisation")
        .order_by("since", "id")
    )
    return tuple(
        Worker(
            first_name=row.user.first_name.strip(),
            part=str(words.get(row.kind, row.get_kind_display())),
            organisation=row.organisation.name,
        )
        for row in rows
    )


def _alongside(trajectory: Trajectory, *, named: set[str]) -> tuple[Alongside, ...]:
    """Organisations running alongside, but not those ``named`` already (by a worker)."""
    today = clock.today()
    rows = (
        Participant.objects.filter(trajectory_id=trajectory.pk, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .exclude(organisation_id=trajectory.baton_holder_id)
        .select_related("organisation")
        .order_by("since", "id")
    )
    return tuple(
        Alongside(
            organisation=row.organisation.name,
            part=str(ALONGSIDE_WORDS.get(row.role, ALONGSIDE_WORDS[ParticipantRole.OTHER])),
        )
        for row in rows
        if row.organisation.name not in named
    )


def _conditions(trajectory: Trajectory, *, detention: bool) -> tuple[ConditionLine, ...]:
    """The basic conditions, ID first; the way home (travel papers, money for the trip) on a
    route home from abroad, or once recorded — but only with the detention class, because
    those two tell that the person is abroad."""
    current = dict(
        ConditionStatus.objects.filter(trajectory_id=trajectory.pk, until__isnull=True).values_list(
            "condition", "status"
        )
    )
    keys = list(LIFE_DOMAINS)
    way_home = trajectory.route in WAY_HOME_ROUTES or any(key in current for key in WAY_HOME)
    if detention and way_home:
        keys += list(WAY_HOME)
    lines = []
    for key in keys:
        status = current.get(key, Status.UNKNOWN)
        lines.append(
            ConditionLine(
                key=key,
                label=str(CONDITION_WORDS[Condition(key)]),
                status=status,
                status_words=str(STATUS_WORDS[Status(status)]),
                done=status in DONE,
            )
        )
    return tuple(lines)


def _release_appointment(
    trajectory: Trajectory, *, is_person: bool, name: str
) -> Appointment | None:
    """The day the person is free, while in detention, with how sure that day is.

    The planning day (``release_on``) is the date shown first; a window says both ends, an
    estimate says it may change. An unknown day is no appointment.
    """
    if trajectory.phase != Phase.DETENTION or trajectory.release_on is None:
        return None
    certainty = trajectory.release_certainty
    values = {"name": name}
    if certainty == ReleaseCertainty.WINDOW and trajectory.release_latest:
        values.update(first=_day(trajectory.release_on), last=_day(trajectory.release_latest))
        what = (
            _("You will be free between %(first)s and %(last)s.")
            if is_person
            else _("%(name)s will be free between %(first)s and %(last)s.")
        )
    elif certainty == ReleaseCertainty.KNOWN:
        what = _("The day you are free.") if is_person else _("The day %(name)s is free.")
    else:
        what = (
            _("The day you are free. This date may still change.")
            if is_person
            else _("The day %(name)s is free. This date may still change.")
        )
    return Appointment(
        on=trajectory.release_on, on_words=_day(trajectory.release_on), what=what % values
    )


def _next_runner(
    trajectory: Trajectory, handover: Handover | None, *, is_person: bool, name: str
) -> Runner | None:
    release_day = trajectory.release_on if trajectory.phase == Phase.DETENTION else None
    if handover is not None and handover.state == HandoverState.ACCEPTED:
        organisation = handover.receiver
        if is_person:
            sentence = _("%(org)s will help you when you are back.")
        else:
            sentence = _("%(org)s will help %(name)s after the return.")
        return Runner(
            reach=Reach.of(organisation),
            sentence=sentence % {"org": organisation.name, "name": name},
            when=release_day,
        )
    if handover is not None:
        organisation = handover.receiver
        if is_person:
            sentence = _("We asked %(org)s to help you next. They answer by %(day)s.")
        else:
            sentence = _("%(org)s has been asked to help %(name)s next.")
        return Runner(
            reach=Reach.of(organisation),
            sentence=sentence
            % {"org": organisation.name, "name": name, "day": _day(handover.respond_by)},
            when=None,
        )
    if trajectory.next_runner is not None and trajectory.next_runner_id != (
        trajectory.baton_holder_id
    ):
        organisation = trajectory.next_runner
        if is_person:
            sentence = _("After this, %(org)s will help you.")
        else:
            sentence = _("After this, %(org)s will help %(name)s.")
        return Runner(
            reach=Reach.of(organisation),
            sentence=sentence % {"org": organisation.name, "name": name},
            when=release_day,
        )
    return None


def _appointments(
    trajectory: Trajectory, handover: Handover | None, *, is_person: bool, name: str
) -> tuple[Appointment, ...]:
    """Dated steps from today on: the release day, a handover's answer, the next step's day."""
    today = clock.today()
    found: list[Appointment] = []
    release = _release_appointment(trajectory, is_person=is_person, name=name)
    if release is not None and release.on >= today:
        found.append(release)
    if (
        handover is not None
        and handover.state == HandoverState.SENT
        and handover.respond_by >= today
    ):
        found.append(
            Appointment(
                on=handover.respond_by,
                on_words=_day(handover.respond_by),
                what=_("%(org)s says whether they can help.") % {"org": handover.receiver.name},
            )
        )
    if trajectory.next_step_due and trajectory.next_step_due >= today:
        found.append(
            Appointment(
                on=trajectory.next_step_due,
                on_words=_day(trajectory.next_step_due),
                what=_("%(org)s plans the next step.") % {"org": trajectory.baton_holder.name},
            )
        )
    return tuple(sorted(found, key=lambda a: a.on))


# --- The race --------------------------------------------------------------------------


def race_for(*, subject: Subject, audit: bool = True) -> Race:
    """The race ``subject`` may see, audited (which sections, never their content).

    ``audit=False`` only for a caller that audits the read itself (the printout,
    ``portal.printout``, writes one entry for the whole paper).
    """
    is_person = subject.is_person
    first_name = subject.person.given_names.split(" ")[0] if subject.person.given_names else ""
    trajectory = _open_trajectory(subject)
    if trajectory is None:
        if audit:
            subject_audit(
                subject, AuditAction.VIEW, object_type="portal.race", object_id="", sections=[]
            )
        return Race(is_person=is_person, first_name=first_name, running=False)

    classes = frozenset(DataClass.values) if is_person else shared_with_home_front(subject=subject)
    sections = sections_for(subject=subject, classes=classes)
    handover = _next_handover(trajectory)
    detention = DataClass.DETENTION in classes

    if is_person:
        call: Organisation | None = trajectory.baton_holder
    else:
        call = _call_for_contact_person(trajectory, handover, detention=detention)

    workers = _workers(trajectory, is_person=is_person) if HELPERS in sections else ()
    race = Race(
        is_person=is_person,
        first_name=first_name,
        running=True,
        sections=sections,
        call=Reach.of(call) if call is not None else None,
        helper=Reach.of(trajectory.baton_holder) if HELPERS in sections else None,
        workers=workers,
        alongside=_alongside(trajectory, named={w.organisation for w in workers})
        if HELPERS in sections
        else (),
        now=_now_sentence(trajectory, is_person=is_person, name=first_name)
        if NOW in sections
        else "",
        next=_next_runner(trajectory, handover, is_person=is_person, name=first_name)
        if NEXT in sections
        else None,
        conditions=_conditions(trajectory, detention=detention) if CONDITIONS in sections else (),
        appointments=_appointments(trajectory, handover, is_person=is_person, name=first_name)
        if APPOINTMENTS in sections
        else (),
        trajectory_id=trajectory.pk,
    )
    if audit:
        subject_audit(
            subject,
            AuditAction.VIEW,
            object_type="portal.race",
            object_id=trajectory.pk,
            sections=list(sections),
        )
    return race
