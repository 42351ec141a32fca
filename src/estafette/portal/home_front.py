"""The home front's own page: practical advice, the municipality's after-care desk, a
message to the professionals, and children left behind (issue 13).

Everything here is for the **contact person** (a :class:`~estafette.portal.subject.Subject`
with ``is_contact_person``). The person themself is refused (``NotPermitted``, audited):
the person has their own race and plan; this page speaks to the family at home.

Contract:

* :func:`home_front_for` reads what the page shows, audited (``view`` of
  ``portal.home_front``: which parts were shown, never their content). What the contact
  person sees of the person follows the person's consents for the built-in purpose
  ``contact_person`` in force today, read through :func:`portal.race.shared_with_home_front`
  (one consent reader for the whole portal):

  - the **after-care desk of the person's municipality** is named only when those
    consents cover :data:`DESK_CLASS` (detention and release — the municipality of
    registration and of settlement are detention data, ``access.policy``); otherwise the
    page says in general words how to find "the after-care desk of the municipality";
  - the **children** the contact person registered are listed, and new ones can be
    registered, only when they cover :data:`CHILDREN_CLASS` (network and children).

* :func:`home_front_message_send` writes the contact person's message on the timeline of
  the person's running trajectory (:data:`EventKind.HOME_FRONT_MESSAGE`, read by whoever
  sees the NETWORK class of that file); the baton holder sees the file rise in its
  caseload for :data:`ATTENTION_DAYS` (:func:`home_front_attention_q`, a
  :mod:`core.attention` term). At most :data:`MESSAGES_PER_DAY` a day.
* :func:`child_register` adds a ``NetworkMember`` (relation child, minor, origin contact
  person) — refused and nothing saved without :data:`CHILDREN_CLASS` — writes a
  :data:`EventKind.HOME_FRONT_CHILD` line and tells :mod:`core.changes` that the person
  changed, so the signals (minor children out of view) are evaluated again.
* Every change is audited through :func:`~estafette.portal.subject.subject_audit`; every
  refusal too, before it is raised and outside the change's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NoReturn

from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core import clock
from estafette.core.changes import person_changed_after_commit
from estafette.core.data_classes import DataClass
from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.handovers.models import Handover, HandoverState, Purpose
from estafette.organisations.models import Organisation, OrganisationKind
from estafette.organisations.selectors import aftercare_desk_for
from estafette.people.models import MemberOrigin, NetworkMember, Person, Relation
from estafette.portal.race import Reach, shared_with_home_front
from estafette.portal.subject import Subject, subject_audit
from estafette.trajectories.models import EventKind, Phase, Trajectory, TrajectoryEvent
from estafette.trajectories.services import event_record

HOME_FRONT_OBJECT = "portal.home_front"
"""The audit log's object type for the home front's page and acts."""

DESK_CLASS: str = DataClass.DETENTION
"""The class a contact person's consent must cover before the page names the desk of the
person's municipality: which municipality the person returns to is detention data (the
trajectory page shows both municipalities only under DETENTION), as the race's own
detention sections (``race.SECTION_CLASSES``)."""

CHILDREN_CLASS: str = DataClass.NETWORK
"""The class the person must share with the home front before their contact person may
register (and see) children: network and children."""

MESSAGE_MAX_LENGTH = 1000
MESSAGES_PER_DAY = 5
"""Messages one contact person may send a day (a light brake on mistakes and abuse)."""

CHILD_NAME_MAX_LENGTH = 80
CARED_FOR_BY_MAX_LENGTH = 160
CHILDREN_PER_DAY = 10
"""Children one contact person may register a day."""

ATTENTION_DAYS = 7
"""How long a home-front message or child lifts the file in the holder's caseload."""

HOME_FRONT_KINDS_OF_EVENT = (EventKind.HOME_FRONT_MESSAGE, EventKind.HOME_FRONT_CHILD)

# --- sentences (plain language, B1) -----------------------------------------------------

ONLY_CONTACT_PERSON = _("This page is for the contact person at home.")
NOTHING_RUNNING = _(
    "Nothing is running in Estafette for %(name)s now, so there is nobody to send this to. "
    "Do you need help? Go to the after-care desk of the municipality."
)
MESSAGE_EMPTY = _("Write your message first.")
MESSAGE_TOO_LONG = _("Your message is too long. Use at most %(max)s letters.")
MESSAGES_TOO_MANY = _(
    "You sent %(max)s messages today. That is the most for one day. Try again tomorrow, "
    "or call the organisation that helps."
)
CHILD_NAME_EMPTY = _("Write the child's first name.")
CHILD_NAME_TOO_LONG = _("This name is too long. Use at most %(max)s letters.")
CARED_FOR_BY_TOO_LONG = _("This is too long. Use at most %(max)s letters.")
BIRTH_YEAR_INVALID = _("Write a year of birth between %(first)s and %(last)s, or leave it empty.")
CHILDREN_NOT_SHARED = _(
    "%(name)s has not agreed yet that you tell us about the children. Ask %(name)s to agree "
    "first, with the coordinator. Nothing was saved."
)
CHILDREN_TOO_MANY = _(
    "You registered %(max)s children today. That is the most for one day. Try again "
    "tomorrow, or call the organisation that helps."
)


# --- What the page receives ------------------------------------------------------------


@dataclass(frozen=True)
class Child:
    """A child the contact person registered: first name, year of birth, who cares now."""

    name: str
    birth_year: int | None
    cared_for_by: str


@dataclass(frozen=True)
class HomeFront:
    """What the contact person's page shows; withheld parts are left empty."""

    first_name: str
    running: bool
    desk_shared: bool
    """The consent covers :data:`DESK_CLASS`: the desk of the municipality may be named."""
    desk: Reach | None
    """The after-care desk of the person's municipality (only when ``desk_shared``)."""
    children_shared: bool
    """The consent covers :data:`CHILDREN_CLASS`: children may be registered and listed."""
    children: tuple[Child, ...] = ()
    messages_left: int = MESSAGES_PER_DAY

    @property
    def may_message(self) -> bool:
        return self.running and self.messages_left > 0


# --- Reading --------------------------------------------------------------------------


def first_name_of(person: Person) -> str:
    """The person's first name, as the race says it."""
    return person.given_names.split(" ")[0] if person.given_names else ""


def require_contact_person(subject: Subject, *, what: str) -> None:
    """Refuse (audited, ``NotPermitted``) a subject who is not the contact person.

    Call it outside a transaction, so the refusal's audit entry is kept.
    """
    if subject.is_contact_person:
        return
    subject_audit(
        subject,
        AuditAction.DENIED,
        object_type=HOME_FRONT_OBJECT,
        object_id=subject.person.pk,
        what=what,
        reason="not_contact_person",
    )
    raise NotPermitted(ONLY_CONTACT_PERSON)


def _running(subject: Subject) -> Trajectory | None:
    """The race the home front looks at: the person's newest open trajectory (as
    ``race._open_trajectory``), with the two municipalities."""
    return (
        Trajectory.objects.filter(person_id=subject.person.pk)
        .exclude(phase=Phase.CLOSED)
        .select_related("registration_municipality", "settlement_municipality")
        .order_by("-opened_at", "-id")
        .first()
    )


def desk_of(trajectory: Trajectory) -> Organisation | None:
    """The municipal after-care desk the person goes to after the return.

    The receiver of an after-care referral of the trajectory (accepted before sent), if it
    is a municipal desk; otherwise the desk that serves the municipality of settlement, or
    else of registration (``organisations.selectors.aftercare_desk_for``: a central
    municipality's desk first).
    """
    referral = (
        Handover.objects.filter(
            trajectory_id=trajectory.pk,
            purpose=Purpose.AFTERCARE_REFERRAL,
            state__in=(HandoverState.ACCEPTED, HandoverState.SENT),
            receiver__kind=OrganisationKind.MUNICIPAL_AFTERCARE,
        )
        .select_related("receiver")
        .order_by(
            Case(
                When(state=HandoverState.ACCEPTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-sent_at",
            "-id",
        )
        .first()
    )
    if referral is not None:
        return referral.receiver
    for municipality in (trajectory.settlement_municipality, trajectory.registration_municipality):
        if municipality is not None:
            desk = aftercare_desk_for(municipality)
            if desk is not None:
                return desk
    return None


def _today_start() -> dt.datetime:
    """Midnight today in the Netherlands, as an aware moment (the day the limits count)."""
    return dt.datetime.combine(clock.today(), dt.time.min, tzinfo=clock.LOCAL_ZONE)


def _sent_today(subject: Subject, kind: str) -> int:
    assert subject.member is not None
    return TrajectoryEvent.objects.filter(
        trajectory__person_id=subject.person.pk,
        kind=kind,
        at__gte=_today_start(),
        data__member_id=subject.member.pk,
    ).count()


def _children(subject: Subject) -> tuple[Child, ...]:
    rows = NetworkMember.objects.filter(
        person_id=subject.person.pk, origin=MemberOrigin.CONTACT_PERSON, is_minor=True
    ).order_by("name", "id")
    return tuple(Child(r.name, r.birth_year, r.cared_for_by) for r in rows)


def home_front_for(*, subject: Subject) -> HomeFront:
    """What the contact person's page shows, audited (the parts shown, never content).

    Refuses the person themself (:func:`require_contact_person`).
    """
    require_contact_person(subject, what="page")
    classes = shared_with_home_front(subject=subject)
    trajectory = _running(subject)
    desk_shared = DESK_CLASS in classes
    children_shared = CHILDREN_CLASS in classes
    desk = None
    if desk_shared and trajectory is not None:
        organisation = desk_of(trajectory)
        desk = Reach.of(organisation) if organisation is not None else None
    page = HomeFront(
        first_name=first_name_of(subject.person),
        running=trajectory is not None,
        desk_shared=desk_shared,
        desk=desk,
        children_shared=children_shared,
        children=_children(subject) if children_shared else (),
        messages_left=max(0, MESSAGES_PER_DAY - _sent_today(subject, EventKind.HOME_FRONT_MESSAGE))
        if trajectory is not None
        else 0,
    )
    shown = ["advice"]
    if desk is not None:
        shown.append("desk")
    if children_shared:
        shown.append("children")
    subject_audit(
        subject,
        AuditAction.VIEW,
        object_type=HOME_FRONT_OBJECT,
        object_id=trajectory.pk if trajectory is not None else "",
        parts=shown,
    )
    return page


# --- Acting ---------------------------------------------------------------------------


def _refused(subject: Subject, error: Exception, **detail: Any) -> NoReturn:
    """Audit a refusal of a home-front act (outside the transaction), then raise it."""
    subject_audit(
        subject,
        AuditAction.DENIED,
        object_type=HOME_FRONT_OBJECT,
        object_id=subject.person.pk,
        refusal=type(error).__name__,
        **detail,
    )
    raise error


def _message_cleaned(text: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput(MESSAGE_EMPTY)
    if len(cleaned) > MESSAGE_MAX_LENGTH:
        raise InvalidInput(MESSAGE_TOO_LONG, max=MESSAGE_MAX_LENGTH)
    return cleaned


def home_front_message_send(*, subject: Subject, text: str) -> TrajectoryEvent:
    """The contact person writes to the professionals of the person's running race.

    Contract:
    1. only the contact person (the person: ``NotPermitted``, audited);
    2. an empty text, or one longer than :data:`MESSAGE_MAX_LENGTH`: ``InvalidInput``;
       nothing running: ``Conflict``; more than :data:`MESSAGES_PER_DAY` today:
       ``Conflict`` — each audited, nothing written;
    3. one timeline line (:data:`EventKind.HOME_FRONT_MESSAGE`, ``data``: ``by``,
       ``member_id``, ``text``) on the newest open trajectory, read under NETWORK; one audit
       entry (its length, never its words). The holder's caseload lifts the file
       (:func:`home_front_attention_q`).
    """
    require_contact_person(subject, what="message")
    assert subject.member is not None
    try:
        cleaned = _message_cleaned(text)
    except InvalidInput as error:
        _refused(subject, error, what="message")
    trajectory = _running(subject)
    if trajectory is None:
        _refused(
            subject,
            Conflict(NOTHING_RUNNING, name=first_name_of(subject.person)),
            what="message",
        )
    over_limit = False
    with transaction.atomic():
        # One writer per trajectory at a time, so two tabs cannot pass the day's limit.
        Trajectory.objects.select_for_update(of=("self",)).filter(pk=trajectory.pk).first()
        if _sent_today(subject, EventKind.HOME_FRONT_MESSAGE) >= MESSAGES_PER_DAY:
            over_limit = True
        else:
            event = event_record(
                trajectory=trajectory,
                kind=EventKind.HOME_FRONT_MESSAGE,
                actor=None,
                by="contact_person",
                member_id=subject.member.pk,
                text=cleaned,
            )
            subject_audit(
                subject,
                AuditAction.CREATE,
                object_type="trajectories.trajectoryevent",
                object_id=event.pk,
                what="home_front_message",
                trajectory_id=trajectory.pk,
                length=len(cleaned),
            )
    if over_limit:
        _refused(
            subject, Conflict(MESSAGES_TOO_MANY, max=MESSAGES_PER_DAY), what="message", limit=True
        )
    return event


def _child_cleaned(name: str, birth_year: int | None, cared_for_by: str) -> tuple[str, str]:
    first_name = " ".join((name or "").split())
    if not first_name:
        raise InvalidInput(CHILD_NAME_EMPTY, field="name")
    if len(first_name) > CHILD_NAME_MAX_LENGTH:
        raise InvalidInput(CHILD_NAME_TOO_LONG, field="name", max=CHILD_NAME_MAX_LENGTH)
    carer = " ".join((cared_for_by or "").split())
    if len(carer) > CARED_FOR_BY_MAX_LENGTH:
        raise InvalidInput(CARED_FOR_BY_TOO_LONG, field="cared_for_by", max=CARED_FOR_BY_MAX_LENGTH)
    if birth_year is not None:
        first, last = birth_years()
        if not first <= birth_year <= last:
            raise InvalidInput(BIRTH_YEAR_INVALID, field="birth_year", first=first, last=last)
    return first_name, carer


def birth_years() -> tuple[int, int]:
    """The years of birth a minor child can have today: the last 18 years, this one too."""
    year = clock.today().year
    return year - 18, year


def child_register(
    *, subject: Subject, name: str, birth_year: int | None = None, cared_for_by: str = ""
) -> NetworkMember:
    """The contact person registers a child left behind, so the chain keeps them in view.

    Contract:
    1. only the contact person (the person: ``NotPermitted``, audited);
    2. only when the person's consents for the contact person in force today cover
       :data:`CHILDREN_CLASS`; otherwise ``NotPermitted`` (:data:`CHILDREN_NOT_SHARED`),
       audited, nothing saved;
    3. an empty or too long first name, a year of birth outside :func:`birth_years`, a too
       long carer: ``InvalidInput`` (``params["field"]``); more than
       :data:`CHILDREN_PER_DAY` today: ``Conflict`` — each audited, nothing written;
    4. one ``NetworkMember`` (relation child, minor, origin contact person), one audit
       entry (which fields were given, never their values), one timeline line
       (:data:`EventKind.HOME_FRONT_CHILD`) on each open trajectory of the person, and
       ``person_changed_after_commit`` so the signals see the child.
    """
    require_contact_person(subject, what="child")
    assert subject.member is not None
    first_name = first_name_of(subject.person)
    if CHILDREN_CLASS not in shared_with_home_front(subject=subject):
        _refused(
            subject, NotPermitted(CHILDREN_NOT_SHARED, name=first_name), what="child", consent=False
        )
    try:
        child_name, carer = _child_cleaned(name, birth_year, cared_for_by)
    except InvalidInput as error:
        _refused(subject, error, what="child", field=error.params.get("field", ""))
    person_id = subject.person.pk
    over_limit = False
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person_id).first()  # one writer per network
        if _sent_today(subject, EventKind.HOME_FRONT_CHILD) >= CHILDREN_PER_DAY:
            over_limit = True
        else:
            member = NetworkMember.objects.create(
                person_id=person_id,
                name=child_name,
                relation=Relation.CHILD,
                is_minor=True,
                origin=MemberOrigin.CONTACT_PERSON,
                birth_year=birth_year,
                cared_for_by=carer,
            )
            subject_audit(
                subject,
                AuditAction.CREATE,
                object_type="people.networkmember",
                object_id=member.pk,
                what="home_front_child",
                fields=["name"]
                + (["birth_year"] if birth_year is not None else [])
                + (["cared_for_by"] if carer else []),
            )
            for trajectory in Trajectory.objects.filter(person_id=person_id).exclude(
                phase=Phase.CLOSED
            ):
                event_record(
                    trajectory=trajectory,
                    kind=EventKind.HOME_FRONT_CHILD,
                    actor=None,
                    summary=child_name,
                    by="contact_person",
                    member_id=subject.member.pk,
                    child_id=member.pk,
                    name=child_name,
                    birth_year=birth_year,
                    cared_for_by=carer,
                )
            person_changed_after_commit(person_id)
    if over_limit:
        _refused(
            subject, Conflict(CHILDREN_TOO_MANY, max=CHILDREN_PER_DAY), what="child", limit=True
        )
    return member


# --- The holder is told ------------------------------------------------------------------


def home_front_attention_q(actor: Any) -> Q | None:
    """A :mod:`core.attention` term: files the actor's organisation holds on which the home
    front wrote or registered a child in the last :data:`ATTENTION_DAYS` days, where the
    actor sees the NETWORK class (so the order says nothing the row would not show)."""
    if actor is None or getattr(actor, "organisation_id", None) is None:
        return None
    since = clock.now() - dt.timedelta(days=ATTENTION_DAYS)
    recent = TrajectoryEvent.objects.filter(
        trajectory=OuterRef("pk"), kind__in=HOME_FRONT_KINDS_OF_EVENT, at__gte=since
    )
    return (
        Q(baton_holder_id=actor.organisation_id)
        & Q(Exists(recent))
        & policy.class_granted_q(actor, DataClass.NETWORK)
    )
