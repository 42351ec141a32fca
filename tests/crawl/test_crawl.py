"""The crawl: every demo role signs in on the small demo and opens its pages; none may answer 5xx.

What the unit tests cannot promise, this does: that the pages hold on the data the
product really holds — statuses and moments recorded by nobody (imported, or by the
system), optional fields left empty, years of closed history. The small demo (named
examples *and* bulk; signals evaluated, notifications sent, a few emergency accesses
opened) is built once for the module on a frozen day, and rolled back at the end.

Per demo role (:data:`estafette.demo.accounts.DEMO_ACCOUNTS`), signed in through the
login page with the password and the authenticator app's code:

1. every page of the unfiltered caseload, and the first page under each relation filter;
2. a seeded random sample of :data:`SAMPLE` trajectory pages from the role's scope,
   each of which must answer 200, and the consent page of each one's person (which
   no page links to);
3. every same-site page linked from the pages opened (``href``, ``hx-get``, a
   redirect's ``Location``): breadth first, GET only, each URL once, at most
   :data:`DEFAULT_BUDGET` pages per view (see :data:`BUDGETS`), the administrator's
   admin pages included, so that a role takes seconds, not hours.

Any 5xx fails the role's test, as does a link to a page that refuses GET (405); the
message lists *every* failing URL with the page that linked it and the exception.
Other 4xx are legitimate answers (403, 404, 409).

DEBUG is off, as in production, and the test client does not re-raise a view's
exception (``raise_request_exception=False``): a template error becomes the 500 a
user would see; the exception is read from ``response.exc_info`` for the message.

The sample's seed is printed in pytest's header and summary and in every failure;
replay with ``ESTAFETTE_CRAWL_SEED=<seed> make test-crawl`` (docs/testing.md).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from estafette.access import policy
from estafette.access.services import emergency_access_open, emergency_access_review
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoAccount
from estafette.demo.build import build
from estafette.demo.otp import demo_code, demo_device
from estafette.organisations.models import Membership
from estafette.signals.evaluate import signals_evaluate
from estafette.signals.notifications.services import notifications_after_evaluation
from estafette.trajectories.models import Phase, Trajectory
from estafette.trajectories.selectors import trajectory_scope
from tests.crawl.seed import SEED_VARIABLE, crawl_seed

pytestmark = pytest.mark.crawl

DEMO_SEED = 2025
"""The demo's own seed: the same data as ``make run`` builds."""
TODAY = dt.date(2026, 3, 2)
SAMPLE = 100
"""Trajectory pages per role, drawn at random (seeded) from the role's scope."""
DEFAULT_BUDGET = 20
"""Pages per view (URL name) per role, beyond the caseload's pages and the sample."""
BUDGETS = {
    "trajectory-detail": 5,  # linked from signals, notifications …: beyond the sample
    "caseload": 6,  # sort orders, other filters and pages, beyond the pager (below)
    "consent-receipt": 4,  # a PDF takes WeasyPrint a good fraction of a second
}
LANGUAGES = ("nl", "en")
ADMIN_BUDGET = 2
"""Pages per admin view (a model's list, its change page …) for the administrator."""
EMERGENCY = "Police at the door asks whether the person is in the chain; the holder is unreachable."
SKIP_PREFIXES = ("/static/", "/media/", "/login/", "/logout/", "/i18n/")
"""Not pages of the product, or pages that would end the session."""
SKIP_ADMIN = ("/delete/", "/logout/", "/password/")
"""Admin pages that end the session or compute a whole cascade just to ask a question."""


def _quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def small_demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[float]:
    """The small demo with its bulk, built once for the module on a frozen day, then rolled back.

    Signals are evaluated (the worker's sweep) and their notifications sent, so the
    inbox, the notifications and the trajectory pages' inline signals have content.
    Yields the seconds the build took.
    """
    with django_db_blocker.unblock(), clock.frozen(TODAY), transaction.atomic():  # type: ignore[attr-defined]
        started = time.monotonic()
        build(scale="small", seed=DEMO_SEED, say=_quiet)
        emergency_accesses_open()
        signals_evaluate()
        notifications_after_evaluation()
        yield time.monotonic() - started
        transaction.set_rollback(True)


def emergency_accesses_open() -> None:
    """Break the glass once on a file each demo organisation holds, and review every other one.

    The demo has no emergency access; with these, the trajectory pages list grants and
    the review pages have rows, some reviewed — through the services, as users do.
    """
    actors = [_actor(account.username) for account in DEMO_ACCOUNTS]
    requesters = [actor for actor in actors if policy.may_request_emergency_access(actor)]
    for n, holder in enumerate(actors):
        held = list(
            Trajectory.objects.filter(baton_holder_id=holder.organisation_id)
            .exclude(phase=Phase.CLOSED)
            .order_by("pk")
            .values_list("pk", flat=True)[:50]
        )
        for requester in requesters:
            scope = trajectory_scope(requester).filter(pk__in=held)
            inside = set(scope.values_list("pk", flat=True))
            pk = next((pk for pk in held if pk not in inside), None)
            if requester.organisation_id == holder.organisation_id or pk is None:
                continue
            grant = emergency_access_open(actor=requester, trajectory_pk=pk, reason=EMERGENCY)
            if n % 2 and policy.may_review_emergency_access(holder):
                emergency_access_review(actor=holder, grant=grant, note="Checked with the caller.")
            break


# ------------------------------------------------------------------------ links


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` and the ``hx-get`` of any element, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or name == "hx-get"):
                self.links.append(value)


def links_in(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def same_site(base: str, href: str) -> str | None:
    """``href`` as a path with its query, if it is a same-site page worth a GET; else None."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(f"http://testserver{base}", href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    path = parts.path
    if path.startswith(SKIP_PREFIXES):
        return None
    if path.startswith("/admin/") and any(part in path for part in SKIP_ADMIN):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def view_name(url: str) -> str:
    """What a budget counts: the URL's name (one admin app's index counts as its own view)."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return "(unresolved)"
    if match.view_name == "admin:app_list":
        return f"admin:app_list:{match.kwargs.get('app_label', '')}"
    return match.view_name or match._func_path


# ------------------------------------------------------------------------ crawl


@dataclass(frozen=True)
class Failure:
    role: str
    url: str
    status: int
    linked_from: str
    error: str

    def __str__(self) -> str:
        where = f" (linked from {self.linked_from})" if self.linked_from else ""
        error = f": {self.error}" if self.error else ""
        return f"  {self.role}: {self.status} GET {self.url}{where}{error}"


@dataclass
class Crawl:
    """One role's crawl: a queue of URLs, each fetched once, with a budget per view."""

    role: str
    client: Client
    queue: deque[tuple[str, str]] = field(default_factory=deque)
    seen: set[str] = field(default_factory=set)
    per_view: Counter[str] = field(default_factory=Counter)
    over_budget: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    must_answer_200: set[str] = field(default_factory=set)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def budget(self, name: str) -> int:
        if name.startswith("admin:"):
            return ADMIN_BUDGET
        return BUDGETS.get(name, DEFAULT_BUDGET)

    def add(self, url: str, linked_from: str = "", *, forced: bool = False) -> None:
        if url in self.seen:
            return
        name = view_name(url)
        if not forced:
            if self.per_view[name] >= self.budget(name):
                self.over_budget[name] += 1
                return
            self.per_view[name] += 1
        self.seen.add(url)
        self.queue.append((url, linked_from))

    def run(self) -> None:
        while self.queue:
            url, linked_from = self.queue.popleft()
            self.fetch(url, linked_from)

    def fetch(self, url: str, linked_from: str) -> None:
        # Each request in its own savepoint, rolled back after: the crawl changes nothing
        # (reads are audited), so the next page and a replay see the same data, and a
        # database error inside one request cannot poison the next (PostgreSQL).
        savepoint = transaction.savepoint()
        started = time.perf_counter()
        try:
            response = self.client.get(url)
            body = _body(response)
        finally:
            transaction.savepoint_rollback(savepoint)
            transaction.set_rollback(False)
        self.seconds[view_name(url)] += time.perf_counter() - started
        status = response.status_code
        self.statuses[status] += 1
        # A link (href) to a page that refuses GET is a broken link, whatever its code says.
        if (
            status >= 500
            or (status == 405 and linked_from)
            or (url in self.must_answer_200 and status != 200)
        ):
            self.failures.append(Failure(self.role, url, status, linked_from, _error(response)))
        if 300 <= status < 400 and response.has_header("Location"):
            target = same_site(url, response["Location"])
            if target is not None:
                self.add(target, url)
        if status == 200 and response.get("Content-Type", "").startswith("text/html"):
            caseload_pager = _is_caseload_pager(url)
            for href in links_in(body.decode("utf-8", "replace")):
                target = same_site(url, href)
                if target is not None:
                    self.add(target, url, forced=caseload_pager and _is_caseload_pager(target))


def _is_caseload_pager(url: str) -> bool:
    """Every page of the unfiltered caseload, and the first under each relation filter."""
    parts = urlsplit(url)
    if parts.path != reverse("caseload"):
        return False
    keys = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return keys <= {"page"} or keys == {"relation"}


def _body(response: Any) -> bytes:
    """The whole body, read to the end also for a streamed file (which then closes)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _error(response: object) -> str:
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return ""
    exc_type, exc, _ = exc_info
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc_type.__name__}: {first_line[:300]}"


def _actor(username: str) -> Actor:
    membership = Membership.objects.select_related("user", "organisation").get(
        user__username=username
    )
    return Actor(membership.user, membership.organisation, membership.role)


def sign_in(client: Client, username: str) -> None:
    """Through the login page: the password, then the authenticator app's code."""
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username}: password refused ({response.status_code})"
    device = demo_device(username)
    if device is not None:  # every professional has one (ESTAFETTE_REQUIRE_2FA)
        response = client.post(reverse("two-factor-verify"), {"code": demo_code(device)})
        assert response.status_code == 302, f"{username}: code refused ({response.status_code})"
    response = client.get(reverse("caseload"))
    assert response.status_code == 200, f"{username}: not signed in ({response.status_code})"


@pytest.mark.django_db
@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.username)
def test_no_page_answers_5xx(
    small_demo: float, account: DemoAccount, record_property: Callable[[str, object], None]
) -> None:
    assert not settings.DEBUG, "the crawl must see pages as production renders them"
    started = time.monotonic()
    username, seed = account.username, crawl_seed()
    # Half the roles read Dutch (the default), half English: both catalogues render.
    language = LANGUAGES[DEMO_ACCOUNTS.index(account) % len(LANGUAGES)]
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    sign_in(client, username)
    crawl = Crawl(role=f"{username} ({language})", client=client)

    crawl.add(reverse("home"), forced=True)
    crawl.add(reverse("caseload"), forced=True)
    if account.superuser:
        crawl.add(reverse("admin:index"), forced=True)
    scope = sorted(trajectory_scope(_actor(username)).values_list("pk", flat=True))
    sample = random.Random(f"{seed}:{username}").sample(scope, min(SAMPLE, len(scope)))
    for pk in sample:
        url = reverse("trajectory-detail", args=[pk])
        crawl.must_answer_200.add(url)
        crawl.add(url, forced=True)
    # The consent pages are not linked from the trajectory page: open them by address.
    people = dict(Trajectory.objects.filter(pk__in=sample).values_list("pk", "person_id"))
    for pk in sample:
        crawl.add(reverse("consent-overview", args=[people[pk]]))
    crawl.run()

    seconds = time.monotonic() - started
    statuses = ", ".join(f"{n}× {status}" for status, n in sorted(crawl.statuses.items()))
    record_property(
        "crawl_build", f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')} {small_demo:.0f}"
    )
    record_property(
        "crawl",
        f"{crawl.role}: {sum(crawl.statuses.values())} pages in {seconds:.0f} s "
        f"({len(sample)} of {len(scope)} trajectories in scope; {statuses})",
    )
    print(
        f"{crawl.role}: per view {dict(crawl.per_view.most_common())}; "
        f"left over budget {dict(crawl.over_budget.most_common())}; "
        f"seconds per view { {k: round(v, 1) for k, v in sorted(crawl.seconds.items())} }"
    )
    errors = Counter(failure.error or f"HTTP {failure.status}" for failure in crawl.failures)
    assert not crawl.failures, (
        f"{len(crawl.failures)} page(s) failed for {crawl.role} "
        f"(replay with {SEED_VARIABLE}={seed}):\n"
        + "".join(f"  {n}× {error}\n" for error, n in errors.most_common())
        + "\n".join(map(str, crawl.failures))
    )
