"""Sentences of the access app (gettext constants, asserted on by tests)."""

from django.utils.translation import gettext_lazy as _

EMERGENCY_REASON_REQUIRED = _(
    "State why you need this file now, in at least a full sentence: the holder reads it."
)
EMERGENCY_NOT_NEEDED = _("You already have access to this file; no emergency access is needed.")
ALREADY_REVIEWED = _("This emergency access was already reviewed.")
ONLY_HOLDER_REVIEWS = _("Only the organisation that holds the baton reviews emergency access.")
NOT_ENTITLED_TO_LOG = _("Your role does not give access to the access log of this file.")
EMERGENCY_PROFESSIONALS_ONLY = _(
    "Only professionals may open a file through emergency access; volunteers and buddies "
    "ask their coordinator."
)
NO_TRAJECTORY_WITH_NUMBER = _("There is no trajectory with this number.")
NO_EMERGENCY_ACCESS_FOUND = _("No emergency access found to a file your organisation holds.")
NO_PERSON_FOUND = _("No person found whose file you may open.")
NO_ACCESS_TO_FILE = _("No trajectory found that you have a part in.")
EMERGENCY_OPENED = _(
    "Emergency access is open until %(time)s. The organisation that holds the baton sees it "
    "and reviews your reason."
)
EMERGENCY_REVIEWED = _("The emergency access has been marked as reviewed.")
DETENTION_NOT_SHARED = _(
    "Release date, phase and route are detention data, which is not shared with your "
    "organisation. Record the person's consent first."
)
NOT_A_REVIEWER = _("Your role does not review emergency access.")
SIGNAL_NEUTRAL_LINE = _(
    "A point needs attention on this file; the organisation that holds the baton can tell you more."
)
SIGNAL_NEUTRAL_HOLDER = _(
    "A point needs attention on this file, about data the person has not shared with your "
    "organisation: ask the person's consent to see it."
)
PART_REQUEST_NOT_FOR_ROLE = _(
    "Only professionals ask for a part in a file; volunteers and buddies ask their coordinator."
)
PART_REQUEST_RECORDED = _(
    "Your request is recorded under reference %(reference)s. If an organisation holds a "
    "file of this person, it receives your request without the person's details and "
    "answers it; you will then find the person in your search. No answer means nothing "
    "was found or the request was declined."
)
PART_REQUEST_ONLY_HOLDER = _("Only the organisation that holds the baton answers this request.")
PART_REQUEST_ANSWERED = _("This request was already answered.")
PART_REQUEST_GRANTED = _("%(organisation)s now runs alongside in this file.")
PART_REQUEST_DECLINED = _("The request has been declined.")
NO_PART_REQUEST_FOUND = _("No open request found for a file your organisation holds.")
EMERGENCY_SEVERAL_MATCHES = _(
    "More than one file may match. Add the person's number (BSN, V-number or foreign prison "
    "number) to choose one."
)
EMERGENCY_NO_MATCH = _(
    "No file was opened. Check the name, the date of birth and the number, or ask the "
    "organisations involved to give you a part."
)
