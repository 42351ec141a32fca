"""Worker for bench/run.py: time the caseload, trajectory and signal pages on one dataset.

Run by ``bench/run.py`` in a fresh process per dataset (``--db`` a DATABASE_URL, or the
path of a SQLite file), prints one JSON line with the raw samples. For each demo user it:

1. signs in through the session, second factor included (``login_verified``, as the view
   tests do: the login page is not what we time);
2. picks the trajectory with the most timeline events that the user may see;
3. per page, counts the SQL queries of one request, warms up (caches, first-query
   costs), then times ``--n`` GETs without query capture (capture adds overhead), or
   fewer when the page is so slow that they would take more than ``--budget`` seconds;
4. on PostgreSQL, for a page whose median is above ``--explain-above`` ms, requests it
   once more, takes that request's slowest SELECT and runs EXPLAIN (ANALYZE, BUFFERS) on
   it (the plan the page's slowest query gets, warm).

Requests go through Django's test client: the full middleware, view and template
stack, without a network socket or a web server in the measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
USERS = ("coordinator", "nazorg")
MINE_ONLY_USERS = ("volunteer",)
"""Timed on the "mine" caseload only (issue 12): the volunteer sees only its own people."""
WARMUP = 3


def database_url(db: str | Path) -> str:
    """A DATABASE_URL as is; a bare path is a SQLite file."""
    return str(db) if "://" in str(db) else f"sqlite:///{db}"


def setup_django(db: str | Path) -> None:
    os.environ["DATABASE_URL"] = database_url(db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # dev turns DEBUG on, which keeps every query in memory and renders debug pages;
    # production does neither, so neither should the bench. The test client's host
    # name must be allowed, as Django's own test runner does.
    override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]).enable()


def time_page(client: Any, url: str, n: int, budget: float, label: str) -> dict[str, Any]:
    """Count the queries of one request, warm up, then time up to ``n`` GETs (milliseconds).

    A page slow enough to blow ``budget`` seconds gets fewer samples (at least one), so
    one pathological page cannot hold the whole run hostage; the table shows the
    real number of samples beside it.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    # The first request is the coldest: count its queries (capture costs a little, and
    # this request is not timed) and let it double as the first warm-up.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    first_ms = (time.perf_counter() - started) * 1000
    # Read the count now: every request start clears the connection's query log.
    queries = len(captured.captured_queries)
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:1]
    if response.status_code != 200:
        return {"url": url, "error": f"HTTP {response.status_code}"}
    result = {
        "url": url,
        "queries": queries,
        "bytes": len(response.content),
        "sql_ms": sql_ms,
        "slowest_query": {"seconds": float(slowest[0]["time"]), "sql": slowest[0]["sql"][:2000]}
        if slowest
        else None,
    }
    progress(f"{label}: first request {first_ms:,.0f} ms, {queries} queries ({sql_ms:,.0f} ms)")
    if first_ms / 1000 > budget:
        # Far too slow to sample: the one (cold) request is the measurement.
        return {**result, "samples": [first_ms], "capped": True}
    for _ in range(WARMUP - 1):
        if time.perf_counter() - started > budget / 3:
            break
        client.get(url)
    samples: list[float] = []
    while len(samples) < n and (not samples or time.perf_counter() - started < budget):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
    return {**result, "samples": samples, "capped": len(samples) < n}


def explain_slowest(client: Any, url: str) -> dict[str, Any] | None:
    """Request ``url`` once more; EXPLAIN (ANALYZE, BUFFERS) the slowest SELECT it ran.

    Only SELECTs: EXPLAIN ANALYZE executes the statement, and a page's writes (the
    audit entry, the session) are not what makes it slow. Django's PostgreSQL backend
    binds parameters on the client, so the captured SQL is the statement as sent.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    request_ms = (time.perf_counter() - started) * 1000
    queries = captured.captured_queries
    selects = [q for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    if not selects:
        return None
    slowest = max(selects, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = [row[0] for row in cursor.fetchall()]
    return {
        "request_ms": request_ms,
        "queries": len(queries),
        "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
        "ms": float(slowest["time"]) * 1000,
        "sql": slowest["sql"],
        "plan": plan,
    }


def progress(text: str) -> None:
    """A line on stderr, which bench/run.py passes through while stdout carries the result."""
    print(f"    {text}", file=sys.stderr, flush=True)


def actor_for(user: Any) -> Any:
    """The actor the middleware would make for ``user``: their first active membership."""
    from estafette.core.actor import Actor
    from estafette.organisations.models import Membership

    membership = (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("id")
        .first()
    )
    if membership is None:
        return None
    return Actor(user=user, organisation=membership.organisation, role=membership.role)


def busiest_trajectory(actor: Any) -> tuple[int, int] | None:
    """(pk, number of events) of the trajectory with the most events the actor may see."""
    from django.db.models import Count

    from estafette.trajectories.selectors import trajectory_scope

    found = (
        trajectory_scope(actor)
        .annotate(n_events=Count("events"))
        .order_by("-n_events", "pk")
        .values_list("pk", "n_events")
        .first()
    )
    return (found[0], found[1]) if found else None


PAGES = (
    "caseload",
    "caseload filtered",
    "trajectory",
    "signals",
    "consents",
    "notifications",
    "search",
    "mine",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a DATABASE_URL, or a SQLite file")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument(
        "--explain-above",
        type=float,
        default=None,
        help="on PostgreSQL, explain the slowest query of a page whose median is above this (ms)",
    )
    args = parser.parse_args()
    setup_django(args.db)

    import statistics

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from estafette.consent.models import Consent
    from estafette.people.models import Person
    from estafette.people.selectors import person_search
    from estafette.signals.notifications.models import Notification
    from estafette.signals.selectors import InboxFilters, signal_inbox_queryset
    from estafette.testing.auth import login_verified
    from estafette.trajectories.models import Trajectory
    from estafette.trajectories.selectors import (
        CaseloadFilters,
        CaseloadScope,
        caseload_queryset,
    )

    explain = args.explain_above is not None and connection.vendor == "postgresql"
    cells: dict[str, dict[str, Any]] = {}

    def measure_mine(client: Any, actor: Any, username: str) -> None:
        # "Mine" (issue 12): the people assigned to the user, what needs action first.
        mine = CaseloadFilters(scope=CaseloadScope.MINE)
        rows = caseload_queryset(actor=actor, filters=mine).count()
        measure(
            client, f"{username}|mine", f"{reverse('caseload')}?scope=mine", {"mine_rows": rows}
        )

    def measure(client: Any, key: str, url: str, detail: dict[str, int]) -> None:
        cell = {
            **time_page(client, url, args.n, args.budget, key.replace("|", " ")),
            "detail": detail,
        }
        samples = cell.get("samples")
        if explain and samples and statistics.median(samples) > args.explain_above:
            cell["explain"] = explain_slowest(client, url)
        cells[key] = cell

    for username in MINE_ONLY_USERS:
        user = get_user_model().objects.filter(username=username).first()
        actor = actor_for(user) if user is not None else None
        if actor is None:
            cells[f"{username}|mine"] = {"error": f"no demo user {username!r} with a membership"}
            continue
        client = Client(raise_request_exception=False)
        login_verified(client, user)
        measure_mine(client, actor, username)

    for username in USERS:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            for page in PAGES:
                cells[f"{username}|{page}"] = {"error": f"no demo user {username!r}"}
            continue
        actor = actor_for(user)
        if actor is None:
            for page in PAGES:
                cells[f"{username}|{page}"] = {"error": f"{username!r} has no membership"}
            continue
        # A page that fails (HTTP 500) is reported in its cell; the other pages still run.
        client = Client(raise_request_exception=False)
        # Signed in past the password and the second factor, as every page requires.
        login_verified(client, user)
        caseload = reverse("caseload")
        size = caseload_queryset(actor=actor, filters=CaseloadFilters()).count()
        measure(client, f"{username}|caseload", caseload, {"caseload_rows": size})
        # A filter plus a sort that needs the computed nearest deadline: the
        # heaviest ordering the caseload offers.
        measure(
            client,
            f"{username}|caseload filtered",
            f"{caseload}?relation=holding&sort=deadline",
            {"caseload_rows": size},
        )
        measure_mine(client, actor, username)
        busiest = busiest_trajectory(actor)
        if busiest is None:
            cells[f"{username}|trajectory"] = {"error": "no trajectory visible"}
            cells[f"{username}|consents"] = {"error": "no trajectory visible"}
            cells[f"{username}|search"] = {"error": "no trajectory visible"}
        else:
            pk, n_events = busiest
            measure(
                client,
                f"{username}|trajectory",
                reverse("trajectory-detail", args=[pk]),
                {"events": n_events},
            )
            # The person's consent overview: every consent, each field under its class
            # (issue 11), the withdraw forms for those who may.
            person_id = Trajectory.objects.filter(pk=pk).values_list("person_id", flat=True)[0]
            measure(
                client,
                f"{username}|consents",
                reverse("consent-overview", args=[person_id]),
                {"consents": Consent.objects.filter(person_id=person_id).count()},
            )
            # The people search (issue 12) by the family name of that person: every person of
            # that name in the country is a candidate, found only within what the user sees.
            family_name = Person.objects.filter(pk=person_id).values_list("family_name", flat=True)[
                0
            ]
            hits = len(person_search(actor=actor, query=family_name).rows)
            measure(
                client,
                f"{username}|search",
                f"{reverse('people-search')}?{urlencode({'q': family_name})}",
                {"hits": hits},
            )
        # The signal inbox as it opens (the signals for the user's role, most urgent
        # first), which the load benchmark opens too.
        signals = signal_inbox_queryset(actor=actor, filters=InboxFilters()).count()
        measure(client, f"{username}|signals", reverse("signal-inbox"), {"signals": signals})
        # The notification list (its first page): each signal's title as the policy allows.
        notifications = Notification.objects.filter(
            user=user, organisation_id=actor.organisation_id
        ).count()
        measure(
            client,
            f"{username}|notifications",
            reverse("notifications"),
            {"notifications": notifications},
        )
    print(json.dumps({"cells": cells}))


if __name__ == "__main__":
    main()
