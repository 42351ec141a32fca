"""The basic conditions (basisvoorwaarden) of a trajectory: a status per condition over time.

DOMAIN.md §5: the national agreement names five basic conditions and a sixth
protective factor (valid ID, a place to stay, income, insight into debts, care
needs with health insurance, a supportive network). Health insurance is kept
apart from care needs because ID precedes it (001 §3.3); for the way home from
abroad two more: valid travel documents and money for the journey (001 §3.3,
"Zelfredzaamheid"). The network is modelled in ``people`` (contact person,
children), so it is not a status here.

History is kept: a :class:`ConditionStatus` row says from which day (``since``)
a status held and, once superseded, until which day (``until``); the row with
no ``until`` is the current one (at most one per trajectory and condition, a
database constraint). A condition without any row is *unknown*. Rows are never
deleted; the only change a row ever sees is its ``until`` being set, once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock


class Condition(models.TextChoices):
    ID = "id", _("valid identity document")
    INCOME = "income", _("income from work or benefit")
    HEALTH_INSURANCE = "health_insurance", _("health insurance")
    HOUSING = "housing", _("a place to stay")
    DEBTS = "debts", _("insight into and a plan for debts")
    CARE = "care", _("care needs established")
    TRAVEL_DOCUMENTS = "travel_documents", _("valid travel documents")
    JOURNEY_MONEY = "journey_money", _("money for the journey home")


LIFE_DOMAINS: tuple[str, ...] = (
    Condition.ID,
    Condition.INCOME,
    Condition.HEALTH_INSURANCE,
    Condition.HOUSING,
    Condition.DEBTS,
    Condition.CARE,
)
"""The basic conditions every trajectory has, in the order ID-first (001 §3.3)."""

WAY_HOME: tuple[str, ...] = (Condition.TRAVEL_DOCUMENTS, Condition.JOURNEY_MONEY)
"""Only for a return from abroad on the person's own journey (BB-guided or own strength)."""

WAITS_ON_ID: tuple[str, ...] = (Condition.INCOME, Condition.HEALTH_INSURANCE)
"""Without a valid ID no benefit and no health insurance can be applied for (001 §3.3)."""


class Status(models.TextChoices):
    UNKNOWN = "unknown", _("unknown")
    OPEN = "open", _("open")
    BEING_ARRANGED = "being_arranged", _("being arranged")
    ARRANGED = "arranged", _("arranged")
    NOT_NEEDED = "not_needed", _("not needed")


DONE: frozenset[str] = frozenset({Status.ARRANGED, Status.NOT_NEEDED})
"""A condition in one of these statuses asks nothing more of the chain."""


class ConditionStatus(models.Model):
    """One status of one basic condition of a trajectory, from ``since`` until ``until``."""

    trajectory = models.ForeignKey(
        "trajectories.Trajectory", on_delete=models.CASCADE, related_name="condition_statuses"
    )
    condition = models.CharField(_("basic condition"), max_length=20, choices=Condition.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by organisation"),
    )

    class Meta:
        ordering = ["trajectory", "condition", "since", "id"]
        verbose_name = _("basic condition status")
        verbose_name_plural = _("basic condition statuses")
        indexes = [
            # The rules read only current rows: a partial index keeps that fast
            # however long the history grows.
            models.Index(
                fields=["trajectory", "condition", "status"],
                condition=models.Q(until__isnull=True),
                name="condition_current",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["trajectory", "condition"],
                condition=models.Q(until__isnull=True),
                name="one_current_status_per_condition",
            ),
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="condition_status_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_condition_display()}: {self.get_status_display()} ({self.since})"

    @property
    def is_done(self) -> bool:
        return self.status in DONE
