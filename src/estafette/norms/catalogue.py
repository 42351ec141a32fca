"""The norm catalogue: what should happen, and by when, with the source that says so.

Each norm is a small declared object (DESIGN.md §4). Its ``params`` are the
defaults that come with the product; an organisation's administrator can
override them for their own organisation (:class:`norms.models.NormOverride`,
resolved by :mod:`norms.selectors`). ``has_deadline=False`` marks a norm that is
expected but sets no date or frequency ("expected, no frequency", DOMAIN.md §10).

Sources (DOMAIN.md, table of seeds):

* 001 — the practitioners' guide on return and re-integration after detention
  abroad ("Handreiking terugkeer en re-integratie");
* 003 — the book on the Brug Binnen Buiten buddy programme (Antwerp);
* 004 — the dissertation on re-integration support during detention in Dutch
  prisons, citing DJI, Inspectie JenV and the DJI–VNG agreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class NormKind(StrEnum):
    BEFORE_RELEASE = "before_release"  # params: days_before_release
    AFTER_RELEASE = "after_release"  # params: within_days_after_release
    WITHIN_DAYS_OF_ENTRY = "within_days_of_entry"  # params: within_days
    PERIODIC = "periodic"  # params: every_days [low, high]
    COUNT_LIMIT = "count_limit"  # params: per_detention / per_year / max_count
    DURATION = "duration"  # params: about_days / max_periods, period_days
    EXPECTED = "expected"  # no params: expected, no deadline


@dataclass(frozen=True)
class Source:
    document: str
    section: str

    def __str__(self) -> str:
        return f"{self.document} {self.section}".strip()


GUIDE = "Handreiking terugkeer en re-integratie"
BUDDY_BOOK = "Brug Binnen Buiten"
DISSERTATION = "Proefschrift re-integratieondersteuning in detentie"


@dataclass(frozen=True)
class Norm:
    code: str
    title: str | Promise
    description: str | Promise
    kind: NormKind
    source: Source
    params: dict[str, Any] = field(default_factory=dict)
    has_deadline: bool = True

    def __str__(self) -> str:
        return str(self.title)


NORMS: tuple[Norm, ...] = (
    Norm(
        code="aftercare_referral",
        title=_("Referral to municipal after-care"),
        description=_(
            "Refer to the after-care desk of the municipality of last registration about "
            "three months before release, with the person's after-care consent."
        ),
        kind=NormKind.BEFORE_RELEASE,
        params={"days_before_release": 90},
        source=Source(GUIDE, "§3.2"),
    ),
    Norm(
        code="return_booklet",
        title=_("“Return” booklet sent"),
        description=_("Send the “Return” booklet to the person and the contact person."),
        kind=NormKind.BEFORE_RELEASE,
        params={"days_before_release": 180},
        source=Source(GUIDE, "§3.1"),
    ),
    Norm(
        code="volunteer_visit",
        title=_("Volunteer visit"),
        description=_("A visiting volunteer visits every 6 to 8 weeks and reports the visit."),
        kind=NormKind.PERIODIC,
        params={"every_days": [42, 56]},
        source=Source(GUIDE, "§3.1, §5.1"),
    ),
    Norm(
        code="consular_visits",
        title=_("Consular visits"),
        description=_(
            "Basic package: one visit per detention (Europe, Australia, Canada, New Zealand); "
            "extra package elsewhere: at most four visits a year."
        ),
        kind=NormKind.COUNT_LIMIT,
        params={"basic_per_detention": 1, "extra_per_year": 4},
        source=Source(GUIDE, "§3.1"),
    ),
    Norm(
        code="contact_person_informed",
        title=_("Contact person informed"),
        description=_(
            "The regional coordinator informs the designated contact person soon after the "
            "start of guidance (a local norm: set a number of days to make it a deadline)."
        ),
        kind=NormKind.WITHIN_DAYS_OF_ENTRY,
        params={"within_days": None},
        source=Source(GUIDE, "§3.1"),
        has_deadline=False,
    ),
    Norm(
        code="domestic_screening",
        title=_("Screening of the five life domains"),
        description=_("The case manager screens work, housing, care, debts and ID."),
        kind=NormKind.WITHIN_DAYS_OF_ENTRY,
        params={"within_days": 14},
        source=Source(DISSERTATION, "(DJI 2014/2019)"),
    ),
    Norm(
        code="mentor_conversation",
        title=_("Mentor conversation"),
        description=_("A mentor conversation with every detainee every two weeks."),
        kind=NormKind.PERIODIC,
        params={"every_days": [14, 14]},
        source=Source(DISSERTATION, "(Inspectie JenV 2018)"),
    ),
    Norm(
        code="dr_plan",
        title=_("Detention and re-integration plan"),
        description=_(
            "A D&R plan made by municipality and probation together with the case manager "
            "and the person."
        ),
        kind=NormKind.WITHIN_DAYS_OF_ENTRY,
        params={"within_days": 28},
        source=Source(DISSERTATION, "(DJI–VNG 2019)"),
    ),
    Norm(
        code="care_and_volunteer_contact",
        title=_("Contact with care professionals and volunteers"),
        description=_("Encouraged during detention; no frequency is set."),
        kind=NormKind.EXPECTED,
        source=Source(DISSERTATION, ""),
        has_deadline=False,
    ),
    Norm(
        code="aftercare_contact_after_arrival",
        title=_("Person contacts municipal after-care"),
        description=_("As soon as possible after arrival; no number of days is set."),
        kind=NormKind.EXPECTED,
        source=Source(GUIDE, "§3.3"),
        has_deadline=False,
    ),
    Norm(
        code="landing_place_instap",
        title=_("Landing place De Instap"),
        description=_("A stay of at most three periods of three months."),
        kind=NormKind.DURATION,
        params={"max_periods": 3, "period_days": 91},
        source=Source(GUIDE, "§4"),
    ),
    Norm(
        code="buddy_contact",
        title=_("Buddy contact"),
        description=_("The buddy has contact at least weekly (face to face preferred)."),
        kind=NormKind.PERIODIC,
        params={"every_days": [7, 7]},
        source=Source(BUDDY_BOOK, ""),
    ),
    Norm(
        code="buddy_contact_after_release",
        title=_("Contact within a week after release"),
        description=_("If nothing is heard within a week after release, the social worker calls."),
        kind=NormKind.AFTER_RELEASE,
        params={"within_days_after_release": 7},
        source=Source(BUDDY_BOOK, ""),
    ),
    Norm(
        code="buddy_trajectory_length",
        title=_("Buddy trajectory length"),
        description=_("A buddy trajectory lasts about six months, then closes with a handover."),
        kind=NormKind.DURATION,
        params={"about_days": 182},
        source=Source(BUDDY_BOOK, ""),
    ),
    Norm(
        code="basic_conditions_after_return",
        title=_("Basic conditions arranged after return"),
        description=_(
            "After-care arranges ID and a first benefit first; the other basic conditions "
            "take longer. A basic condition still open this many days after return is a "
            "signal (four weeks is the product's default, not the guide's: set your own)."
        ),
        kind=NormKind.AFTER_RELEASE,
        params={"within_days_after_release": 28},
        source=Source(GUIDE, "§3.3"),
    ),
    Norm(
        code="id_first",
        title=_("A valid ID first"),
        description=_(
            "Without a valid ID no benefit and no health insurance or care can be applied "
            "for: the ID is arranged first, as soon as the person is back."
        ),
        kind=NormKind.EXPECTED,
        source=Source(GUIDE, "§3.3"),
        has_deadline=False,
    ),
    Norm(
        code="way_home_ready",
        title=_("Travel documents and money for the journey home"),
        description=_(
            "People detained abroad do not always have money for the ticket home, and "
            "their travel papers may have expired: both are ready before release (30 days "
            "is the product's default)."
        ),
        kind=NormKind.BEFORE_RELEASE,
        params={"days_before_release": 30},
        source=Source(GUIDE, "§3.2"),
    ),
    Norm(
        code="preparation_before_release",
        title=_("Preparation before release"),
        description=_(
            "A receiver committed to take the baton at release (a referral accepted while the "
            "person is still detained) prepares the arrival alongside the runner abroad: it "
            "records its first step on the basic conditions (a status of a basic condition, or "
            "a contact) this many days before the planned release. 28 days is the product's "
            "own default, not a number from the guide: set your own."
        ),
        kind=NormKind.BEFORE_RELEASE,
        params={"days_before_release": 28},
        source=Source(GUIDE, "§3.2–§3.3"),
    ),
    Norm(
        code="taken_up_after_arrival",
        title=_("Taken up after arrival"),
        description=_(
            "The person contacts the receiver as soon as possible after arrival; an accepted "
            "handover not yet taken up this many days after release is a signal (14 days is "
            "the product's default)."
        ),
        kind=NormKind.AFTER_RELEASE,
        params={"within_days_after_release": 14},
        source=Source(GUIDE, "§3.3"),
    ),
)

BY_CODE: dict[str, Norm] = {norm.code: norm for norm in NORMS}


def norm_get(code: str) -> Norm:
    """The default norm ``code``; ``KeyError`` for a code the product does not know."""
    return BY_CODE[code]
