"""No page of Estafette stays in a browser's or a proxy's cache (issue 11, point 5).

A shared computer must not show a person's file after its user signed out, so
every response Django answers carries ``Cache-Control: no-store, private``
(:class:`estafette.core.middleware.NoStoreMiddleware`). Checked over *every* URL
of the resolver, with a record behind each parameter the signed-in user may see,
and for an anonymous visitor; the admin's pages for a superuser.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from estafette.core.actor import Actor
from estafette.core.middleware import NoStoreMiddleware
from estafette.organisations.models import Organisation
from estafette.testing.auth import login_verified
from estafette.testing.clock import ClockControl
from estafette.testing.routes import (
    ADMIN_SKIPPED,
    RouteWorld,
    every_route,
    route_world,
    url_for,
)
from estafette.testing.views import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    frozen_clock: ClockControl, actor_a: Actor, org_b: Organisation, org_c: Organisation
) -> RouteWorld:
    return route_world(actor_a, org_b, org_c)


PERSON_PAGES = {
    "caseload",
    "trajectory-detail",
    "signal-inbox",
    "signal-detail",
    "notifications",
    "contact-create",
    "condition-record",
    "access-log",
    "access-log-export",
    "consent-overview",
    "emergency-access-review",
}
"""Pages with a person's data that must answer 200 in the world (so the check means something)."""


def _no_store(response: HttpResponse) -> bool:
    directives = {d.strip().lower() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def _failures(client: Client, urls: dict[str, str]) -> tuple[list[str], dict[str, int]]:
    """Each URL a GET of which answers without ``no-store, private`` (a 500 included)."""
    client.raise_request_exception = False
    failures, statuses = [], {}
    for name, url in urls.items():
        response = client.get(url)
        statuses[name] = response.status_code
        if not _no_store(response):
            failures.append(
                f"{name} {url} ({response.status_code}): "
                f"Cache-Control={response.get('Cache-Control')!r}"
            )
    return failures, statuses


def test_every_page_of_a_signed_in_user_is_no_store(world: RouteWorld) -> None:
    urls = {
        route.name: url_for(route, world.samples)
        for route in every_route()
        if not route.admin and route.name != "logout"
    }
    failures, statuses = _failures(client_for(world.actor), urls)
    assert not failures, "responses a browser may keep:\n" + "\n".join(failures)
    not_shown = {name: statuses[name] for name in PERSON_PAGES if statuses[name] != 200}
    assert not not_shown, f"person pages the world does not show: {not_shown}"


def test_every_page_of_an_anonymous_visitor_is_no_store(world: RouteWorld) -> None:
    urls = {route.name: url_for(route, world.samples) for route in every_route() if not route.admin}
    failures, _statuses = _failures(Client(), urls)
    assert not failures, "responses a browser may keep:\n" + "\n".join(failures)


def test_every_admin_page_without_a_number_is_no_store(world: RouteWorld) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "s3cret-pass!")
    client = Client()
    login_verified(client, admin)
    urls = {
        route.name: url_for(route, world.samples)
        for route in every_route()
        if route.admin and not route.params and route.name not in (*ADMIN_SKIPPED, "admin:app_list")
    }
    # A regular expression, not a path: its parameter is filled here.
    urls["admin:app_list"] = reverse("admin:app_list", kwargs={"app_label": "signals"})
    assert "admin:index" in urls
    failures, _statuses = _failures(client, urls)
    assert not failures, "responses a browser may keep:\n" + "\n".join(failures)


def test_a_view_that_set_its_own_caching_is_made_private_and_no_store() -> None:
    def public(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("x")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreMiddleware(public)(RequestFactory().get("/caseload/"))
    assert _no_store(response)
    assert "public" not in response["Cache-Control"]


def test_static_files_keep_their_own_caching() -> None:
    def static(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("body{}")
        response["Cache-Control"] = "max-age=60, public"
        return response

    response = NoStoreMiddleware(static)(RequestFactory().get("/static/css/app.css"))
    assert response["Cache-Control"] == "max-age=60, public"


def test_the_production_settings_keep_the_middleware_behind_whitenoise() -> None:
    """WhiteNoise answers static files before the middleware; everything else passes it."""
    env = {
        **os.environ,
        "ESTAFETTE_SECRET_KEY": "x" * 60,
        "ESTAFETTE_AUDIT_KEY": "k" * 64,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    shown = subprocess.run(
        [sys.executable, "-c", "import config.settings.production as p; print(repr(p.MIDDLEWARE))"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    middleware = ast.literal_eval(shown.stdout.strip())
    ours = middleware.index("estafette.core.middleware.NoStoreMiddleware")
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < ours
    assert ours < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
