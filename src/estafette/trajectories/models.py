"""A person's way back (trajectory), the stretches each runner held, and its timeline.

Invariant (kept by ``services`` and ``handovers.services``, tested with
hypothesis): a trajectory always has exactly one ``baton_holder``, and exactly
one open :class:`Stretch`, held by that same organisation. While a handover is
pending the baton is *in the air*, but the sender stays the holder until the
receiver accepts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.core.models import AppendOnlyModel


class Route(models.TextChoices):
    ABROAD_BB = "abroad_bb", _("abroad, guided by Bureau Buitenland")
    ABROAD_TRANSFER = "abroad_transfer", _("abroad, sentence transfer (WETS/WOTS)")
    ABROAD_OWN = "abroad_own", _("abroad, on own strength")
    DOMESTIC = "domestic", _("domestic (Dutch prison)")


class Phase(models.TextChoices):
    DETENTION = "detention", _("detention")
    RETURN = "return", _("return")
    REINTEGRATION = "reintegration", _("re-integration")
    CLOSED = "closed", _("closed")


PHASE_ORDER = [Phase.DETENTION, Phase.RETURN, Phase.REINTEGRATION, Phase.CLOSED]


class ReleaseCertainty(models.TextChoices):
    KNOWN = "known", _("known date")
    ESTIMATE = "estimate", _("estimate")
    WINDOW = "window", _("between two dates")
    UNKNOWN = "unknown", _("unknown")


class RegistrationCertainty(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    ARREST_NOTIFICATION = "arrest_notification", _("from the arrest notification")
    DOUBTFUL = "doubtful", _("doubtful")
    UNKNOWN = "unknown", _("unknown")


def release_planning_date(
    certainty: str,
    date: dt.date | None,
    earliest: dt.date | None,
) -> dt.date | None:
    """The date to plan towards: the known or estimated date, or a window's earliest day.

    Planning from a window's first day is deliberate: the guide's weak link is
    release coming sooner than the chain was ready for (DOMAIN.md §7).
    """
    if certainty in (ReleaseCertainty.KNOWN, ReleaseCertainty.ESTIMATE):
        return date
    if certainty == ReleaseCertainty.WINDOW:
        return earliest
    return None


class Trajectory(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="trajectories"
    )
    route = models.CharField(_("route"), max_length=20, choices=Route.choices)
    transfer_law = models.CharField(
        _("transfer law"), max_length=4, blank=True, choices=[("WETS", "WETS"), ("WOTS", "WOTS")]
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.DETENTION
    )
    country = models.ForeignKey(
        "organisations.Country",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("country of detention"),
    )
    detention_place = models.CharField(_("place of detention"), max_length=160, blank=True)
    detention_start = models.DateField(_("detention start"), null=True, blank=True)
    domestic_entry = models.DateField(
        _("entered the Dutch prison on"),
        null=True,
        blank=True,
        help_text=_(
            "For a sentence transfer: the day the person entered the Dutch prison. The "
            "domestic norms (screening, mentor, D&R plan) run from this date."
        ),
    )
    offence = models.CharField(
        _("offence"),
        max_length=200,
        blank=True,
        help_text=_(
            "Data class 'offence': shown only to roles that need it (never to volunteers)."
        ),
    )

    release_certainty = models.CharField(
        _("release date certainty"),
        max_length=10,
        choices=ReleaseCertainty.choices,
        default=ReleaseCertainty.UNKNOWN,
    )
    release_date = models.DateField(_("release date"), null=True, blank=True)
    release_earliest = models.DateField(_("release at the earliest"), null=True, blank=True)
    release_latest = models.DateField(_("release at the latest"), null=True, blank=True)
    # Derived from the three above by release_planning_date(); stored so lists
    # can sort and filter on it with an index.
    release_on = models.DateField(_("planned release"), null=True, blank=True, db_index=True)

    registration_municipality = models.ForeignKey(
        "organisations.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality of last registration"),
    )
    registration_certainty = models.CharField(
        _("registration certainty"),
        max_length=20,
        choices=RegistrationCertainty.choices,
        default=RegistrationCertainty.UNKNOWN,
    )
    settlement_municipality = models.ForeignKey(
        "organisations.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("intended municipality of settlement"),
    )

    baton_holder = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="batons",
        verbose_name=_("baton holder"),
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    next_runner = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("next runner (planned)"),
    )

    opened_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["release_on", "id"]
        verbose_name = _("trajectory")
        verbose_name_plural = _("trajectories")
        indexes = [
            models.Index(fields=["baton_holder", "phase", "release_on"]),
            models.Index(fields=["phase", "release_on"]),
            # The caseload's "holding" part: only open trajectories, so its cost does not
            # grow with years of closed history (partial index; SQLite and PostgreSQL).
            models.Index(
                fields=["baton_holder", "release_on"],
                condition=~models.Q(phase="closed"),
                name="trajectory_open_by_holder",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(release_earliest__isnull=True)
                | models.Q(release_latest__isnull=True)
                | models.Q(release_earliest__lte=models.F("release_latest")),
                name="release_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_route_display()}"

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED

    @property
    def is_abroad(self) -> bool:
        return self.route != Route.DOMESTIC


class Stretch(models.Model):
    """One runner's stretch: from receiving the baton until handing it on."""

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="stretches")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="stretches"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    handover = models.ForeignKey(
        "handovers.Handover",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The handover through which this stretch began."),
    )

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["organisation", "trajectory"])]
        constraints = [
            models.UniqueConstraint(
                fields=["trajectory"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_stretch_per_trajectory",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.started_at:%Y-%m-%d}–{self.ended_at or ''}"


class ParticipantRole(models.TextChoices):
    VISITING_VOLUNTEER = "visiting_volunteer", _("visiting volunteer")
    SPIRITUAL_CARE = "spiritual_care", _("spiritual-care volunteer")
    CONSULAR_POST = "consular_post", _("consular post")
    BUDDY = "buddy", _("buddy")
    OTHER = "other", _("other participant")


class Participant(models.Model):
    """An organisation running alongside without holding the baton (e.g. visiting volunteers)."""

    trajectory = models.ForeignKey(
        Trajectory, on_delete=models.CASCADE, related_name="participants"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(max_length=30, choices=ParticipantRole.choices)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "trajectory"])]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class EventKind(models.TextChoices):
    OPENED = "opened", _("trajectory opened")
    ROUTE_CHANGED = "route_changed", _("route changed")
    PHASE_CHANGED = "phase_changed", _("phase changed")
    RELEASE_CHANGED = "release_changed", _("release date changed")
    REGISTRATION_CHANGED = "registration_changed", _("municipality of registration changed")
    NEXT_STEP = "next_step", _("next step planned")
    PARTICIPANT_ADDED = "participant_added", _("participant added")
    HANDOVER_SENT = "handover_sent", _("handover sent")
    HANDOVER_ACCEPTED = "handover_accepted", _("handover accepted")
    HANDOVER_DECLINED = "handover_declined", _("handover declined")
    HANDOVER_WITHDRAWN = "handover_withdrawn", _("handover withdrawn")
    HANDOVER_EXPIRED = "handover_expired", _("handover expired")
    TAKEN_UP = "taken_up", _("person turned up")
    NO_SHOW = "no_show", _("person did not turn up")
    OUTCOME_SEEN = "outcome_seen", _("outcome seen by sender")
    BATON_PASSED_AT_RELEASE = "baton_passed_at_release", _("baton passed at release")
    DOMESTIC_ENTRY = "domestic_entry", _("entered the Dutch prison")
    # The person's details and network (issue 12). Both person kinds carry one label on
    # purpose: a reader who does not see health cannot tell a health change from another.
    PERSON_CHANGED = "person_changed", _("person's details changed")
    PERSON_HEALTH_CHANGED = "person_health_changed", _("person's details changed")
    NETWORK_CHANGED = "network_changed", _("network changed")
    ASSIGNED = "assigned", _("worker assigned")
    ASSIGNMENT_ENDED = "assignment_ended", _("assignment ended")
    INTAKE = "intake", _("intake recorded")
    # The person's own plan (issue 13, personal_plan): the line says that the person wrote
    # or answered, never what; the words stay on the plan's page.
    PLAN_WORDS = "plan_words", _("the person wrote their own words")
    PLAN_STEP_ADDED = "plan_step_added", _("the person added a step of their own")
    PLAN_STEP_DONE = "plan_step_done", _("the person ticked off a step")
    PLAN_ANSWER = "plan_answer", _("the person answered a proposed step")
    # The home front (issue 13, portal.home_front): the contact person writes to the
    # professionals, or registers a child left behind. Network data: read under NETWORK.
    HOME_FRONT_MESSAGE = "home_front_message", _("message from the contact person")
    HOME_FRONT_CHILD = "home_front_child", _("the contact person registered a child")


class TrajectoryEvent(AppendOnlyModel):
    """One line of the timeline: what happened, when, by whom. Never changed afterwards."""

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=clock.now)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["trajectory", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.kind}"


class AssignmentKind(models.TextChoices):
    """The part a worker plays for one person within an organisation."""

    RESPONSIBLE_COORDINATOR = "responsible_coordinator", _("responsible coordinator")
    CASE_MANAGER = "case_manager", _("case manager")
    MENTOR = "mentor", _("mentor")
    VISITING_VOLUNTEER = "visiting_volunteer", _("visiting volunteer")
    BUDDY = "buddy", _("buddy")


SINGLE_ASSIGNMENT_KINDS = (
    AssignmentKind.RESPONSIBLE_COORDINATOR,
    AssignmentKind.CASE_MANAGER,
    AssignmentKind.MENTOR,
)
"""Kinds an organisation gives one worker at a time per person (decision 0016); a person
may have up to two visiting volunteers or buddies of one organisation (they visit in pairs,
or one takes over from the other)."""


class Assignment(models.Model):
    """A worker of an organisation is assigned to a person's trajectory ("mine").

    Active while ``until`` is empty; ending one keeps it, for history. A volunteer (visiting
    volunteer, buddy) sees a person only through an active assignment (decision 0016).
    """

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="assignments",
        help_text=_("The organisation the worker works for in this assignment."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    kind = models.CharField(_("part"), max_length=30, choices=AssignmentKind.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateTimeField(default=clock.now)
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["since", "id"]
        indexes = [
            # "Mine": the active assignments of a user in an organisation (caseload, scope).
            models.Index(
                fields=["user", "organisation", "trajectory"],
                condition=models.Q(until__isnull=True),
                name="assignment_active_by_user",
            ),
            # Who is assigned to a trajectory (its page, the "unassigned" count).
            models.Index(
                fields=["trajectory", "organisation"],
                condition=models.Q(until__isnull=True),
                name="assignment_active_by_traj",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["trajectory", "organisation", "kind"],
                condition=models.Q(until__isnull=True)
                & models.Q(kind__in=[k.value for k in SINGLE_ASSIGNMENT_KINDS]),
                name="assignment_one_active_per_kind",
            ),
            models.UniqueConstraint(
                fields=["trajectory", "user", "kind"],
                condition=models.Q(until__isnull=True),
                name="assignment_one_active_per_user_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()}"

    @property
    def is_active(self) -> bool:
        return self.until is None
