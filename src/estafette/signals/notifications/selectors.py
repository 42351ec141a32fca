"""Reading notifications: the actor's own list and the header's unread count.

A notification is the reader's own (user) for the organisation they act for
now; nobody reads another's. What a row says about the person is decided by
the access policy at the moment of reading: the name only with the IDENTITY
class; the rule's title, or which handover step happened between which
organisations, only while the reader may still open the file (otherwise one
neutral line); a rule's title only when the access policy lets the reader see it
(:func:`access.policy.signal_disclosure`, as in the inbox), else its neutral line.
Never a signal's reason; a handover step's reason (a decline's,
say) only to a reader who may read that organisation's notes about the person,
as on the trajectory page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction
from estafette.handovers.messages import ACTION_PAST
from estafette.handovers.models import Handover, HandoverTransition
from estafette.handovers.workflow import PENDING, State, transition_for
from estafette.signals.notifications import messages
from estafette.signals.notifications.models import Notification
from estafette.signals.rules import REGISTRY
from estafette.trajectories.models import Trajectory
from estafette.trajectories.selectors import OUTCOME_STATES

PER_PAGE = 50


def notification_unread_count(*, actor: Actor) -> int:
    """Unread notifications of the actor's user for its current organisation: one query."""
    return Notification.objects.filter(
        user_id=actor.user_id, organisation_id=actor.organisation_id, read_at__isnull=True
    ).count()


@dataclass(frozen=True)
class HandoverAttention:
    """The header's counts: handovers waiting for the organisation's answer, outcomes to review."""

    incoming: int = 0
    outcomes: int = 0


def handover_attention(*, actor: Actor) -> HandoverAttention:
    """The caseload's "about to receive" and "outcome to review" counts, in one cheap query.

    The same numbers as :func:`trajectories.selectors.caseload_counts` gives for
    those two relations without filters (a test holds them together), so the
    header's link to the caseload filtered on a relation lists exactly that
    many people: trajectories, not handovers, and only those the actor may open.
    Driven from the organisation's few open handovers (indexes on receiver and
    state, and on outcomes the sender has not seen), with the access policy
    probed per handover, never from every trajectory: it renders on every page.
    """
    org_id = actor.organisation_id
    incoming = Q(receiver_id=org_id, state__in=list(PENDING))
    outcomes = Q(sender_id=org_id, state__in=list(OUTCOME_STATES), outcome_seen_at__isnull=True)
    scope = policy.trajectory_scope(actor).filter(pk=OuterRef("trajectory_id"))
    counts = (
        Handover.objects.filter(incoming | outcomes)
        .filter(Exists(scope))
        .aggregate(
            incoming=Count("trajectory_id", distinct=True, filter=incoming),
            outcomes=Count("trajectory_id", distinct=True, filter=outcomes),
        )
    )
    return HandoverAttention(int(counts["incoming"] or 0), int(counts["outcomes"] or 0))


def signal_url(signal_id: int, trajectory_id: int) -> str:
    """Where a notification leads: the signal's page, or the file when there is none."""
    try:
        return reverse("signal-detail", args=[signal_id])
    except NoReverseMatch:  # without the signal pages, the file itself
        return reverse("trajectory-detail", args=[trajectory_id])


def handover_url(handover_id: int, trajectory_id: int) -> str:
    """Where a handover notification leads: the handover on the trajectory page."""
    return reverse("trajectory-detail", args=[trajectory_id]) + f"#handover-{handover_id}"


@dataclass
class NotificationRow:
    notification: Notification
    openable: bool
    classes: frozenset[str]
    notes: bool = False
    """Whether the reader may read the handover step's reason (notes of its author)."""

    @property
    def is_read(self) -> bool:
        return self.notification.read_at is not None

    @property
    def is_handover(self) -> bool:
        return self.notification.handover_transition_id is not None

    @property
    def transition(self) -> HandoverTransition:
        transition = self.notification.handover_transition
        assert transition is not None  # only asked of handover rows
        return transition

    @property
    def handover(self) -> Handover:
        return self.transition.handover

    @property
    def trajectory(self) -> Trajectory:
        if self.is_handover:
            return self.handover.trajectory
        return self.notification.signal.trajectory  # type: ignore[union-attr]

    @property
    def title(self) -> str:
        if not self.openable:
            if self.is_handover:
                return str(messages.HANDOVER_NO_LONGER_AVAILABLE)
            return str(messages.NO_LONGER_AVAILABLE)
        if self.is_handover:
            return self._handover_title()
        signal = self.notification.signal
        assert signal is not None
        rule = REGISTRY.get(signal.rule_code)
        disclosure = (
            policy.SignalDisclosure.NEUTRAL
            if rule is None
            else policy.signal_disclosure(
                title_classes=rule.title_classes,
                reason_classes=rule.classes_for_reason(signal.facts or {}),
                classes=self.classes,
            )
        )
        if disclosure is policy.SignalDisclosure.NEUTRAL:
            holder = signal.trajectory.baton_holder_id == self.notification.organisation_id
            return policy.signal_neutral_line(holder=holder)
        return str(rule.title) if rule is not None else ""

    def _handover_title(self) -> str:
        handover = self.handover
        names = {
            "sender": str(handover.sender),
            "receiver": str(handover.receiver),
            "state": handover.get_state_display(),
        }
        action = self.notification.kind
        if action == "send" and handover.state != State.SENT:
            return str(messages.HANDOVER_SINCE_ANSWERED) % names
        title = messages.HANDOVER_TITLES.get(action)
        return str(title) % names if title is not None else action

    @property
    def happened(self) -> str:
        """What happened, in words: "raised", "accepted", ..."""
        kind = self.notification.kind
        if self.is_handover:
            if kind == "send":
                return str(messages.HANDOVER_SENT)
            past = ACTION_PAST.get(kind)
            return str(past) if past is not None else kind
        return str(messages.REOPENED if kind == "reopened" else messages.RAISED)

    @property
    def reason(self) -> str:
        """The handover step's reason or note, for a reader who may read it; else empty."""
        if not (self.openable and self.is_handover and self.notes):
            return ""
        return self.transition.reason

    @property
    def reason_label(self) -> str:
        transition = transition_for(self.transition.action, self.transition.source)
        required = transition is not None and transition.reason_required
        return str(messages.REASON if required else messages.NOTE)

    @property
    def subject(self) -> str:
        trajectory = self.trajectory
        if self.openable and DataClass.IDENTITY in self.classes:
            return trajectory.person.full_name
        return str(_("Trajectory %(number)s")) % {"number": trajectory.pk}

    @property
    def open_label(self) -> str:
        return str(messages.OPEN_HANDOVER if self.is_handover else messages.OPEN_SIGNAL)

    @property
    def url(self) -> str:
        if not self.openable:
            return ""
        if self.is_handover:
            return handover_url(self.handover.pk, self.handover.trajectory_id)
        signal = self.notification.signal
        assert signal is not None
        return signal_url(signal.pk, signal.trajectory_id)


def notification_queryset(*, actor: Actor) -> QuerySet[Notification]:
    """The actor's notifications, unread first, then newest; ``openable``: may it be opened.

    A notification is about the trajectory of its signal or of its handover
    (``trajectory_ref``); ``openable`` asks the access policy about that one.
    """
    scope = policy.trajectory_scope(actor).filter(pk=OuterRef("trajectory_ref"))
    return (
        Notification.objects.filter(user_id=actor.user_id, organisation_id=actor.organisation_id)
        .select_related(
            "signal__trajectory__person",
            "handover_transition__organisation",
            "handover_transition__handover__trajectory__person",
            "handover_transition__handover__sender",
            "handover_transition__handover__receiver",
        )
        .annotate(
            trajectory_ref=Coalesce(
                F("signal__trajectory_id"), F("handover_transition__handover__trajectory_id")
            ),
        )
        .annotate(
            openable=Exists(scope),
            unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()),
        )
        .order_by("-unread", "-created_at", "-id")
    )


def notification_target(*, actor: Actor, pk: int) -> str:
    """The address a notification of the actor leads to; empty when the file cannot be opened."""
    row = notification_queryset(actor=actor).filter(pk=pk).first()
    if row is None or not row.openable:  # type: ignore[attr-defined]
        return ""
    return NotificationRow(notification=row, openable=True, classes=frozenset()).url


def _notes(actor: Actor, row: Notification, classes: frozenset[str]) -> bool:
    """May the actor read the handover step's reason: notes, of the organisation that wrote it."""
    transition = row.handover_transition
    if transition is None or DataClass.NOTES not in classes:
        return False
    author = transition.organisation
    return author is None or policy.may_see_notes_of(actor, author.kind)


def notification_page(*, actor: Actor, page: int = 1) -> tuple[Page, list[NotificationRow]]:
    """One page of the actor's notifications; the read is audited (one entry per page).

    Constant query count: count, page, at most two for the data classes
    (:func:`access.policy.classes_for_page`), and the audit entry.
    """
    page_obj = Paginator(notification_queryset(actor=actor), PER_PAGE).get_page(page)
    rows = [
        NotificationRow(notification=n, openable=bool(n.openable), classes=frozenset())
        for n in page_obj.object_list
    ]
    openable = {row.trajectory.pk: row.trajectory for row in rows if row.openable}
    classes = policy.classes_for_page(actor, openable.values())
    for row in rows:
        if row.openable:
            row.classes = classes.get(row.trajectory.pk, frozenset())
            row.notes = _notes(actor, row.notification, row.classes)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="signals.notifications",
        object_id=actor.user_id,
        signals=[row.notification.signal_id for row in rows if not row.is_handover],
        handovers=sorted({row.handover.pk for row in rows if row.is_handover}),
        people=sorted(
            {
                row.trajectory.person_id
                for row in rows
                if row.openable and DataClass.IDENTITY in row.classes
            }
        ),
    )
    return page_obj, rows
