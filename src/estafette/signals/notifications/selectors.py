"""Reading notifications: the actor's own list and the header's unread count.

A notification is the reader's own (user) for the organisation they act for
now; nobody reads another's. What a row says about the person is decided by
the access policy at the moment of reading: the name only with the IDENTITY
class, the rule's title only while the reader may still open the file
(otherwise one neutral line). Never the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.models import AuditAction
from estafette.signals.notifications import messages
from estafette.signals.notifications.models import Notification
from estafette.signals.rules import REGISTRY

PER_PAGE = 50


def notification_unread_count(*, actor: Actor) -> int:
    """Unread notifications of the actor's user for its current organisation: one query."""
    return Notification.objects.filter(
        user_id=actor.user_id, organisation_id=actor.organisation_id, read_at__isnull=True
    ).count()


def signal_url(signal_id: int, trajectory_id: int) -> str:
    """Where a notification leads: the signal's page, or the file when there is none."""
    try:
        return reverse("signal-detail", args=[signal_id])
    except NoReverseMatch:  # without the signal pages, the file itself
        return reverse("trajectory-detail", args=[trajectory_id])


@dataclass
class NotificationRow:
    notification: Notification
    openable: bool
    classes: frozenset[str]

    @property
    def is_read(self) -> bool:
        return self.notification.read_at is not None

    @property
    def title(self) -> str:
        if not self.openable:
            return str(messages.NO_LONGER_AVAILABLE)
        rule = REGISTRY.get(self.notification.signal.rule_code)
        return str(rule.title) if rule is not None else self.notification.signal.rule_code

    @property
    def subject(self) -> str:
        trajectory = self.notification.signal.trajectory
        if self.openable and DataClass.IDENTITY in self.classes:
            return trajectory.person.full_name
        return str(_("Trajectory %(number)s")) % {"number": trajectory.pk}

    @property
    def url(self) -> str:
        if not self.openable:
            return ""
        signal = self.notification.signal
        return signal_url(signal.pk, signal.trajectory_id)


def notification_queryset(*, actor: Actor) -> QuerySet[Notification]:
    """The actor's notifications, unread first, then newest; ``openable``: may it be opened."""
    scope = policy.trajectory_scope(actor).filter(pk=OuterRef("signal__trajectory_id"))
    return (
        Notification.objects.filter(user_id=actor.user_id, organisation_id=actor.organisation_id)
        .select_related("signal__trajectory__person")
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
    return signal_url(row.signal_id, row.signal.trajectory_id)


def notification_page(*, actor: Actor, page: int = 1) -> tuple[Page, list[NotificationRow]]:
    """One page of the actor's notifications; the read is audited (one entry per page).

    Constant query count: count, page, at most two for the data classes
    (:func:`access.policy.classes_for_page`), and the audit entry.
    """
    page_obj = Paginator(notification_queryset(actor=actor), PER_PAGE).get_page(page)
    notifications = list(page_obj.object_list)
    openable = [n.signal.trajectory for n in notifications if n.openable]
    classes = policy.classes_for_page(actor, openable)
    rows = [
        NotificationRow(
            notification=n,
            openable=bool(n.openable),
            classes=classes.get(n.signal.trajectory_id, frozenset()),
        )
        for n in notifications
    ]
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="signals.notifications",
        object_id=actor.user_id,
        signals=[row.notification.signal_id for row in rows],
        people=sorted(
            {
                row.notification.signal.trajectory.person_id
                for row in rows
                if row.openable and DataClass.IDENTITY in row.classes
            }
        ),
    )
    return page_obj, rows
