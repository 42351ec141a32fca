"""Sentences the plan's services refuse with (gettext constants; tests assert on them).

The person's sentences are plain language (B1): short, "you", no blame. The
professionals' sentences say what the rule is.
"""

from django.utils.translation import gettext_lazy as _

# --- the person ------------------------------------------------------------------------

NOT_FOR_CONTACT_PERSON = _(
    "This plan is written by the person it is about. As their contact person you cannot "
    "write in it."
)
WORDS_EMPTY = _("Write something in at least one box first.")
WORDS_TOO_LONG = _("This is too long. Use at most %(max)s letters.")
WORDS_UNKNOWN = _("This question is not on the page.")
STEP_EMPTY = _("Write what you want to do first.")
STEP_TOO_LONG = _("This step is too long. Use at most %(max)s letters.")
STEP_DUE_IN_PAST = _("Choose today or a day after today.")
STEP_NOT_YOURS_TO_TICK = _("%(organisation)s does this step. They tick it off when it is done.")
NOT_A_PROPOSAL = _("This step is your own wish. There is nothing to answer.")
ANSWER_UNKNOWN = _("Choose an answer: yes, no, or a comment.")
COMMENT_EMPTY = _("Write your comment first.")
COMMENT_TOO_LONG = _("Your comment is too long. Use at most %(max)s letters.")
STEP_NOT_FOUND = _("This step is not on your list.")

# --- the professional ------------------------------------------------------------------

ROLE_MAY_NOT = _("Your role does not work on the person's own plan.")
NOT_SHARED = _("The person's own plan is not shared with your organisation.")
NO_PART_NOW = _(
    "Only an organisation that runs with the person now (the holder, a committed receiver or "
    "a participant) can propose steps or mark them done."
)
CLOSED = _("This trajectory is closed; the plan can no longer change from it.")
PROPOSAL_EMPTY = _("Write the step you propose.")
PROPOSAL_TOO_LONG = _("A step has at most %(max)s characters.")
PROPOSAL_DUE_IN_PAST = _("A new step's date cannot lie in the past.")
PROPOSAL_OWNER_UNKNOWN = _("Choose who does the step: the person or your organisation.")
NOT_OUR_STEP = _("Only %(organisation)s can mark this step done.")
PERSONS_STEP = _("This step is the person's own: they tick it off themselves.")
NO_STEP = _("No such step in this person's plan.")
