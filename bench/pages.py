"""Worker for bench/run.py: time the caseload and trajectory pages on one dataset.

Run by ``bench/run.py`` in a fresh process per dataset (``--db var/bench/<scale>.sqlite3``),
prints one JSON line with the raw samples. For each demo user it:

1. signs in through the session, second factor included (``login_verified``, as the view
   tests do: the login page is not what we time);
2. picks the trajectory with the most timeline events that the user may see;
3. per page, counts the SQL queries of one request, warms up (caches, first-query
   costs), then times ``--n`` GETs without query capture (capture adds overhead), or
   fewer when the page is so slow that they would take more than ``--budget`` seconds.

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

ROOT = Path(__file__).resolve().parent.parent
USERS = ("coordinator", "nazorg")
WARMUP = 3


def setup_django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    setup_django(args.db)

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from estafette.testing.auth import login_verified
    from estafette.trajectories.selectors import CaseloadFilters, caseload_queryset

    cells: dict[str, dict[str, Any]] = {}
    for username in USERS:
        user = get_user_model().objects.filter(username=username).first()
        pages = ("caseload", "caseload filtered", "trajectory")
        if user is None:
            for page in pages:
                cells[f"{username}|{page}"] = {"error": f"no demo user {username!r}"}
            continue
        actor = actor_for(user)
        if actor is None:
            for page in pages:
                cells[f"{username}|{page}"] = {"error": f"{username!r} has no membership"}
            continue
        client = Client()
        # Signed in past the password and the second factor, as every page requires.
        login_verified(client, user)
        caseload = reverse("caseload")
        size = caseload_queryset(actor=actor, filters=CaseloadFilters()).count()
        cells[f"{username}|caseload"] = {
            **time_page(client, caseload, args.n, args.budget, f"{username} caseload"),
            "detail": {"caseload_rows": size},
        }
        # A filter plus a sort that needs the computed nearest deadline: the
        # heaviest ordering the caseload offers.
        cells[f"{username}|caseload filtered"] = {
            **time_page(
                client,
                f"{caseload}?relation=holding&sort=deadline",
                args.n,
                args.budget,
                f"{username} caseload filtered",
            ),
            "detail": {"caseload_rows": size},
        }
        busiest = busiest_trajectory(actor)
        if busiest is None:
            cells[f"{username}|trajectory"] = {"error": "no trajectory visible"}
            continue
        pk, n_events = busiest
        cells[f"{username}|trajectory"] = {
            **time_page(
                client,
                reverse("trajectory-detail", args=[pk]),
                args.n,
                args.budget,
                f"{username} trajectory",
            ),
            "detail": {"events": n_events},
        }
    print(json.dumps({"cells": cells}))


if __name__ == "__main__":
    main()
