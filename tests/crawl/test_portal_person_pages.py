"""People of the small demo open their own pages, and contact persons theirs (issue 13).

The unit tests build the few consents and log entries they need; the demo holds what the
product really holds — consents withdrawn before the portal existed (no person marker),
ended, to a kind of organisation, BIJ, with disclosures; years of audit entries by the
bulk's organisations and the system. Signed in as each person in turn (the portal's
session, as ``portal.subject`` keeps it), both pages must answer 200; the PDF is made for
a seeded sample. The small demo is built for this module as for the crawl and rolled back.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest
from django.test import Client

from estafette.people.models import NetworkMember, Person
from estafette.portal import session_limits
from estafette.portal.subject import SESSION_KEY, Subject, SubjectKind
from tests.crawl.seed import crawl_seed
from tests.crawl.test_crawl import small_demo  # noqa: F401  (the module's demo fixture)

pytestmark = pytest.mark.crawl

PEOPLE_SAMPLE = 1500
"""People of the bulk demo signed in as, a seeded sample (ESTAFETTE_CRAWL_SEED replays it):
every one of the ~8,900 took six minutes per engine; the sample keeps the bulk's gaps in
view (closed files, no contact person, consents withdrawn before the portal) at a sixth of it."""

PDF_SAMPLE = 10
"""People whose PDF is made too (WeasyPrint takes a good fraction of a second each)."""

PERSON_PAGES = ("/my/", "/my/plan/", "/my/consents/", "/my/who-looked/")


def _as(client: Client, person: Person) -> None:
    session = client.session
    session[SESSION_KEY] = Subject(kind=SubjectKind.PERSON, person=person).session_value()
    session_limits.start(session)
    session.save()


@pytest.mark.django_db
def test_every_person_reads_their_consents_and_who_looked(
    small_demo: float,  # noqa: F811
    record_property: Callable[[str, object], None],
) -> None:
    started = time.monotonic()
    client = Client(raise_request_exception=False)
    everyone = list(Person.objects.order_by("pk"))
    people = random.Random(crawl_seed()).sample(everyone, min(PEOPLE_SAMPLE, len(everyone)))
    failures = []
    for person in people:
        _as(client, person)
        for url in PERSON_PAGES:
            response = client.get(url)
            if response.status_code != 200:
                failures.append(f"{url} as person {person.pk}: {response.status_code}")
    # Their contact persons: the race only, as much as the person shares with them.
    contacts = NetworkMember.objects.filter(person__in=people, is_contact_person=True)
    for member in contacts.select_related("person"):
        session = client.session
        session[SESSION_KEY] = Subject(
            kind=SubjectKind.CONTACT_PERSON, person=member.person, member=member
        ).session_value()
        session_limits.start(session)
        session.save()
        response = client.get("/my/")
        if response.status_code != 200:
            failures.append(f"/my/ as contact person {member.pk}: {response.status_code}")
    sample = random.Random(crawl_seed()).sample(people, min(PDF_SAMPLE, len(people)))
    for person in sample:
        _as(client, person)
        response = client.get("/my/who-looked.pdf")
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            failures.append(f"/my/who-looked.pdf as person {person.pk}: {response.status_code}")
    record_property(
        "crawl",
        f"portal pages: {len(people)} of {len(everyone)} people, {contacts.count()} contact "
        f"persons, "
        f"{time.monotonic() - started:.0f} s (seed {crawl_seed()})",
    )
    assert people, "the small demo has people"
    assert not failures, "\n".join(failures[:50])
