"""The person's own plan: their own words, the steps on their list, and their answers.

DOMAIN.md §10 ("values to honour"): the person's own words and goals come first; a plan
marks what is the person's own wish and what a professional proposes; strengths stand
beside worries. Everything here belongs to the person (:class:`people.models.Person`),
not to one trajectory: a person with a second trajectory keeps their words and list.

Who wrote what is kept in the rows themselves, so a page never has to ask the audit log:

* :class:`OwnWords` — written by the person only (one current text per kind, dated);
* :class:`Step` — an own wish (written by the person, always their own step) or a
  proposal (by a worker of an organisation, for the person or for that organisation);
  ``done_at`` with ``done_by_user`` empty means the person ticked it off themself;
* :class:`ProposalAnswer` — the person's answer to a proposal; append-only, the latest
  counts, the earlier ones stay as history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estafette.core import clock
from estafette.core.models import AppendOnlyModel

WORDS_MAX_LENGTH = 1000
"""A few sentences: room enough to say it, short enough to read back on a phone."""

STEP_MAX_LENGTH = 200
"""One step is one thing to do ("Bring your ID to the desk")."""

COMMENT_MAX_LENGTH = 500


class WordsKind(models.TextChoices):
    """The three questions the person answers in their own words (strengths beside worries)."""

    WANT = "want", _("What I want")
    WORRY = "worry", _("What worries me")
    GOOD_AT = "good_at", _("What I am good at")


class OwnWords(models.Model):
    """The person's current answer to one of the three questions, in their own words."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="own_words")
    kind = models.CharField(max_length=10, choices=WordsKind.choices)
    text = models.TextField(max_length=WORDS_MAX_LENGTH)
    written_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("own words")
        verbose_name_plural = _("own words")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="own_words_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.kind}"


class StepOwner(models.TextChoices):
    """Whose step it is: who does it, and who ticks it off."""

    PERSON = "person", _("the person")
    ORGANISATION = "organisation", _("an organisation")


class StepOrigin(models.TextChoices):
    """Where the step comes from: the person's own wish, or a professional's proposal."""

    OWN_WISH = "own_wish", _("own wish")
    PROPOSED = "proposed", _("proposed")


class Step(models.Model):
    """One thing to do on the person's list.

    Invariants (database constraints): an own wish is always the person's own step and
    names no organisation; a proposal names the organisation that proposed it; an
    organisation's step names that organisation.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="steps")
    text = models.CharField(max_length=STEP_MAX_LENGTH)
    owner = models.CharField(max_length=12, choices=StepOwner.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose step it is, when the step is an organisation's.",
    )
    origin = models.CharField(max_length=10, choices=StepOrigin.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_by_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    trajectory = models.ForeignKey(
        "trajectories.Trajectory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The file the proposal was made from (none for an own wish).",
    )
    due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who ticked it off for an organisation; empty when the person did.",
    )
    done_by_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["person", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin="proposed", proposed_by_organisation__isnull=False)
                | Q(
                    origin="own_wish",
                    owner="person",
                    organisation__isnull=True,
                    proposed_by_organisation__isnull=True,
                ),
                name="step_origin_consistent",
            ),
            models.CheckConstraint(
                condition=Q(owner="person", organisation__isnull=True)
                | Q(owner="organisation", organisation__isnull=False),
                name="step_owner_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_proposal(self) -> bool:
        return self.origin == StepOrigin.PROPOSED

    @property
    def is_persons(self) -> bool:
        """Whether it is the person's own step (they tick it off)."""
        return self.owner == StepOwner.PERSON


class Answer(models.TextChoices):
    AGREE = "agree", _("I agree")
    DISAGREE = "disagree", _("I do not agree")
    COMMENT = "comment", _("I have a comment")


class ProposalAnswer(AppendOnlyModel):
    """The person's answer to a proposed step, at one moment. The latest one counts."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="answers")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    comment = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    answered_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["answered_at", "id"]
        indexes = [models.Index(fields=["step", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.step_id}: {self.answer}"
