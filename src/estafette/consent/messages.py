"""Sentences the consent ledger refuses with (gettext constants, asserted on by tests).

Every refusal says what is wrong *and* what to do about it, in plain words:
the reader is often a coordinator with a person on the phone.
"""

from django.utils.translation import gettext_lazy as _

# Recording a consent
UNKNOWN_PURPOSE = _("Choose a purpose from the list; this one is unknown or no longer in use.")
RECIPIENT_EXACTLY_ONE = _(
    "Choose who receives the data: either one named organisation or one kind of organisation, "
    "not both and not neither."
)
UNKNOWN_RECIPIENT_KIND = _("Choose a kind of organisation from the list.")
RECIPIENT_INACTIVE = _("%(organisation)s is no longer active; choose another organisation.")
DATA_CLASSES_REQUIRED = _("Tick at least one kind of information the consent covers.")
UNKNOWN_DATA_CLASS = _("Unknown kind of information: %(value)s.")
GIVEN_ON_REQUIRED = _("Fill in the date the person gave consent.")
GIVEN_ON_FUTURE = _("The date the person gave consent cannot lie in the future.")
END_BEFORE_START = _("The end date cannot come before the date the consent was given.")
UNKNOWN_EVIDENCE_KIND = _("Choose how the person gave consent: a signed form or verbally.")
EVIDENCE_FILE_REQUIRED = _(
    "Upload the signed consent form (PDF or a photo). Without evidence no consent is recorded."
)
EVIDENCE_VERBAL_REQUIRED = _(
    "For verbal consent, fill in who heard it, on which date and where. "
    "Without evidence no consent is recorded."
)
VERBAL_ON_FUTURE = _("The date of the verbal consent cannot lie in the future.")
EVIDENCE_EMPTY = _("The uploaded file is empty.")
EVIDENCE_TOO_LARGE = _(
    "The uploaded file is too large (%(size)s). The most we accept is %(limit)s; "
    "scan at a lower resolution or take a smaller photo."
)
EVIDENCE_WRONG_TYPE = _(
    "The uploaded file is not a PDF, PNG or JPEG. Upload the signed form as a PDF or a photo."
)
EVIDENCE_UNREADABLE = _(
    "The uploaded image cannot be read; it may be damaged. Take a new photo or scan the form."
)

CLASSES_BEYOND_MAXIMUM = _(
    "A consent for “%(purpose)s” can never cover: %(classes)s. The purpose does not need it; "
    "untick it, or record a consent for another purpose."
)
CLASSES_REASON_REQUIRED = _(
    "“%(purpose)s” does not usually cover: %(classes)s. Write in one sentence why this "
    "person's consent covers it, or untick it."
)

# Withdrawing a consent
WITHDRAWAL_EVIDENCE_FILE_REQUIRED = _(
    "Upload the person's signed letter of withdrawal (PDF or a photo). Without evidence no "
    "withdrawal is recorded."
)
WITHDRAWAL_EVIDENCE_VERBAL_REQUIRED = _(
    "For a verbal withdrawal, fill in who heard it, on which date and where. Without evidence "
    "no withdrawal is recorded."
)
WITHDRAWAL_HEARD_FUTURE = _("The date the withdrawal was heard cannot lie in the future.")
WITHDRAWAL_HEARD_BEFORE_GIVEN = _(
    "The withdrawal cannot have been heard before the consent was given (%(date)s)."
)
UNKNOWN_WITHDRAWAL_EVIDENCE_KIND = _("Choose how the person withdrew: a signed letter or verbally.")
NOT_YOURS_TO_WITHDRAW = _(
    "Only the organisation that holds the person's trajectory, or an organisation this consent "
    "covers, can record its withdrawal. Tell %(holder)s what the person said."
)

NOT_YOUR_CONSENT = _("No consent found.")
ALREADY_ENDED = _("This consent has already ended. Nothing is shared under it any more.")

THE_HOLDER = _("the organisation that holds the person's trajectory")

# Reviewing a self-recorded consent
NOT_A_CONSENT_REVIEWER = _(
    "A consent your organisation recorded for itself is reviewed by a colleague in a reviewing "
    "role who did not record it."
)
CONSENT_ALREADY_REVIEWED = _("This consent has been reviewed already.")
UNKNOWN_REVIEW_OUTCOME = _("Choose whether the evidence holds.")
REVIEWED = _("The review is recorded.")

# Who may do what
NOT_YOUR_PERSON = _(
    "You can only record or change consent for a person whose trajectory your organisation "
    "has a part in."
)
PROFESSIONALS_ONLY = _(
    "Only a professional can record or withdraw consent. Ask the coordinator to do it."
)
EVIDENCE_PROFESSIONALS_ONLY = _("Only a professional can open the evidence of a consent.")
NOT_YOUR_NOTICE = _("This notice is addressed to another organisation.")
NO_CONSENT_FOUND = _("No consent found that you may see.")
NO_PERSON_FOUND = _("No person found whose trajectory your organisation has a part in.")
NO_EVIDENCE_FILE = _("This consent was given verbally; there is no file to download.")

# Sharing under a consent
CONSENT_MISSING = _(
    "There is no consent for “%(purpose)s” that covers %(recipient)s. "
    "Record the person's consent for “%(purpose)s” on the consent page first."
)
CONSENT_WITHDRAWN = _(
    "The person withdrew the consent for “%(purpose)s” on %(date)s. "
    "Nothing is shared for this purpose unless the person agrees again: record a new consent "
    "for “%(purpose)s” on the consent page first."
)
CONSENT_ENDED = _(
    "The consent for “%(purpose)s” ran until %(date)s. "
    "Record a new consent for “%(purpose)s” on the consent page first."
)
CLASSES_NOT_COVERED = _(
    "The consent for “%(purpose)s” does not cover: %(classes)s. "
    "Share only what the consent covers, or record a consent that covers more on the "
    "consent page first."
)
DISCLOSURE_RECIPIENT_MISMATCH = _("This consent does not name %(recipient)s as a recipient.")
DISCLOSURE_NOT_EFFECTIVE = _("This consent is not in force today; nothing can be shared under it.")
MESSAGE_WITHOUT_HANDOVER = _("Only a handover carries a message; record the handover with it.")

# Feedback on pages
RECORDED = _("The consent is recorded.")
REVOKED = _(
    "The consent is withdrawn. The organisations it covered, those that received data under it "
    "and the holder are notified."
)
RECORDED_SELF = _(
    "The consent is recorded. It covers your own organisation, so a colleague reviews it "
    "(“Consents to review”)."
)
ALREADY_REVOKED = _("This consent was already withdrawn.")
NOTICE_SEEN = _("Marked as read.")
NAME_NOT_SHARED = _("this person (name not shared with you)")
RECEIPT_NEEDS_IDENTITY = _(
    "Only an organisation that may see who the person is can print the receipt."
)

# The person's own pages (issue 13): plain words, said to the person ("you").
WITHDRAWN_BY_YOU = _(
    "You withdrew this consent. From now on nothing is shared for this purpose. "
    "We told these organisations: %(organisations)s."
)
WITHDRAWN_BY_YOU_NOBODY = _(
    "You withdrew this consent. From now on nothing is shared for this purpose."
)
ALREADY_WITHDRAWN_BY_YOU = _("This consent was already withdrawn. Nothing more is shared under it.")
