"""No untranslated string on the person's pages (issue 13, "For everyone").

Every page the person and their contact person see — the race, the plan, the consents,
the confirm step of a withdrawal, who looked (page and PDF), the printout, the home front,
the sign-in and code pages, the refusals (403, 404) and the forms sent back with their
sentences — is rendered in Dutch through the real views, for a person with a full race
(:mod:`portal.tests.subject_world`) and for their contact person, while
:func:`untranslated_lookups` records every gettext lookup (``gettext``, ``pgettext``,
``ngettext``, lazy or not; Python code and templates alike) that the Dutch catalogue does not
hold. Any such msgid fails the test, with its text, so the fix is a msgstr in
``locale/nl/LC_MESSAGES/django.po``.

Why lookups and not the page's words: a page holds names and addresses typed by people,
which may be in any language; what the product itself says always goes through gettext.
A string not wrapped in gettext at all is not seen here (``make messages`` would not see it
either); :data:`ENGLISH_WORDS` is a coarse second net on the visible text for that.

The negative cases prove the net holds: a template of a person's page with one added
``{% translate %}`` sentence that has no Dutch msgstr, and a bare ``gettext`` call, are both
caught.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from estafette.core.actor import Actor
from estafette.portal.tests.subject_world import (
    SubjectWorld,
    sign_in,
    subject_world,
    visible_text,
)
from estafette.portal.tests.test_matrix_subjects import pdf_text, portal_routes
from estafette.testing.clock import ClockControl
from estafette.testing.views import client_for

pytestmark = pytest.mark.django_db

ENGLISH_WORDS = re.compile(r"\b(the|your|you|please|with|and|which|who|when|what)\b", re.IGNORECASE)
"""English words that no Dutch sentence of ours holds: on a Dutch page they mean an English
sentence that never went through gettext."""

NOT_RENDERED = {
    "portal:sign-out": "a redirect to the sign-in page (rendered here), nothing of its own",
}
"""Routes of the person's pages that this test does not render, with the reason."""


@contextlib.contextmanager
def untranslated_lookups() -> Iterator[list[str]]:
    """Record each msgid looked up in Dutch that the Dutch catalogue does not hold.

    Wraps ``gettext`` and ``ngettext`` of the Dutch translation object itself (the one
    ``translation.activate("nl")`` and the locale middleware use), so every lookup counts:
    ``{% translate %}``, ``{% blocktranslate %}`` (with context and plurals), ``gettext``
    and lazy strings as they are rendered. A msgid with no letters (``%(a)s – %(b)s``)
    is not a sentence and is left out.
    """
    catalogue = trans_real.translation("nl")
    found: list[str] = []
    # Django's {% get_available_languages %} runs gettext over the language names of
    # settings.LANGUAGES once they are already translated ("Engels"): not our msgids.
    names = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names |= {str(name) for _code, name in settings.LANGUAGES}
    real_gettext, real_ngettext = catalogue.gettext, catalogue.ngettext

    def note(key: Any, msgid: str) -> None:
        if (
            re.search(r"[A-Za-z]{2,}", msgid)
            and key not in catalogue._catalog
            and (msgid not in names)
        ):
            found.append(msgid)

    def gettext(message: str) -> str:
        result = real_gettext(message)
        if result == message:
            note(message, message.split("\x04", 1)[-1])  # "context\x04msgid" for pgettext
        return result

    def ngettext(singular: str, plural: str, n: int) -> str:
        result = real_ngettext(singular, plural, n)
        if result in (singular, plural):
            note((singular, 0), singular.split("\x04", 1)[-1])
        return result

    catalogue.gettext = gettext  # type: ignore[method-assign]
    catalogue.ngettext = ngettext  # type: ignore[method-assign]
    try:
        yield found
    finally:
        del catalogue.gettext
        del catalogue.ngettext


def dutch(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


def visit(world: SubjectWorld) -> tuple[list[tuple[str, str, int, str]], set[str]]:
    """Open every page of the person's side in Dutch, as the person, the contact person, a
    visitor, and (for the paper code sheet in the person's language) the coordinator.
    Returns (who, address, status, html) per page and the URL names opened."""
    a = world.a
    pages: list[tuple[str, str, int, str]] = []
    names: set[str] = set()
    routes = portal_routes()

    def get(who: str, client: Client, url: str, data: Any = None, *, method: str = "GET") -> None:
        client.raise_request_exception = False
        if method == "GET":
            response = client.get(url, follow=True)
        else:
            response = client.post(url, data or {}, follow=True)
        content_type = response.get("Content-Type", "")
        html = ""
        if content_type.startswith("text/html"):
            html = response.content.decode()
        elif content_type.startswith("application/pdf"):
            html = pdf_text(response.content)
        pages.append((who, f"{method} {url}", response.status_code, html))
        from django.urls import resolve

        names.add(resolve(url.split("?")[0]).view_name)
        assert response.status_code < 500, f"{who} {method} {url}: {response.status_code}"

    person = dutch(sign_in(Client(), a.subject, language="nl"))
    for name in ("portal:home", "personal_plan:mine", "my-consents", "my-access-log"):
        get("person", person, reverse(name))
    get("person", person, reverse("my-access-log-pdf"))
    get("person", person, reverse("my-consent-withdraw", kwargs={"pk": a.consent.pk}))
    get("person", person, reverse("my-consent-withdraw", kwargs={"pk": world.b.consent.pk}))
    if "portal:print" in routes:
        get("person", person, reverse("portal:print"))
    # The forms, sent back with their sentences, and after success with their message.
    plan = "personal_plan:"
    get("person", person, reverse(plan + "words"), {"want": "", "worry": "", "good_at": ""},
        method="POST")  # fmt: skip
    get("person", person, reverse(plan + "step-add"),
        {"step-text": "Bank", "step-due": "2000-01-01"}, method="POST")  # fmt: skip
    get("person", person, reverse(plan + "answer"),
        {"step": a.proposal.pk, f"answer-{a.proposal.pk}-answer": "comment"},
        method="POST")  # fmt: skip
    get("person", person, reverse(plan + "step-tick"), {"step": 10**9}, method="POST")
    get("person", person, reverse(plan + "words"), {"want": "Werk"}, method="POST")
    get("person", person, reverse(plan + "step-add"), {"step-text": "Bellen"}, method="POST")
    get("person", person, reverse(plan + "step-tick"), {"step": a.own_step.pk}, method="POST")
    get("person", person, reverse(plan + "answer"),
        {"step": a.proposal.pk, f"answer-{a.proposal.pk}-answer": "agree"},
        method="POST")  # fmt: skip
    get("person", person, reverse("my-consent-withdraw", kwargs={"pk": a.consent.pk}),
        {"reason": ""}, method="POST")  # fmt: skip

    contact = dutch(sign_in(Client(), a.contact, language="nl"))
    get("contact person", contact, reverse("portal:home"))
    get("contact person", contact, reverse("personal_plan:mine"))  # the calm 403
    get("contact person", contact, reverse("my-consents"))  # the 404
    for name in ("portal:home-front", "portal:home-front-message", "portal:home-front-child"):
        if name in routes:
            method = "GET" if name == "portal:home-front" else "POST"
            get("contact person", contact, reverse(name), {}, method=method)

    visitor = dutch(Client())
    get("visitor", visitor, reverse("portal:sign-in"))
    get("visitor", visitor, reverse("portal:sign-in"), {"address": "nee"}, method="POST")
    get("visitor", visitor, reverse("portal:sign-in"), {"address": "iemand@example.org"},
        method="POST")  # fmt: skip
    get("visitor", visitor, reverse("portal:code"), {"code": "ACDE-FHJK-MNPR"}, method="POST")
    get("visitor", visitor, reverse("portal:code"), {"code": ""}, method="POST")
    get("visitor", visitor, reverse("portal:code"))
    get("visitor", visitor, reverse("personal_plan:mine"))  # sent to sign in

    # The paper code sheet a coordinator prints in the person's language (Dutch).
    staff = dutch(client_for(world.staff))
    sheet = reverse("person-sign-in-code", kwargs={"pk": a.trajectory.pk})
    get("coordinator (the sheet)", staff, sheet, {"kind": "person", "language": "nl"},
        method="POST")  # fmt: skip
    # The printout a professional hands over, and the consent receipt: the person's papers.
    get("coordinator (the printout)", staff,
        reverse("person-printout", kwargs={"pk": a.trajectory.pk}) + "?lang=nl")  # fmt: skip
    get("coordinator (the receipt)", staff,
        reverse("consent-receipt", kwargs={"person_pk": a.person.pk}) + "?lang=nl")  # fmt: skip
    return pages, names


@pytest.fixture
def world(frozen_clock: ClockControl, actor_a: Actor) -> SubjectWorld:
    return subject_world(actor_a)


def test_the_persons_pages_in_dutch_have_no_untranslated_string(world: SubjectWorld) -> None:
    with untranslated_lookups() as missing:
        pages, names = visit(world)
    broken = [(who, url, status) for who, url, status, _html in pages if status >= 500]
    assert not broken, f"pages that failed: {broken}"
    assert not missing, (
        "msgids used on the person's pages without a Dutch translation (add the msgstr to "
        "src/estafette/locale/nl/LC_MESSAGES/django.po and compile):\n"
        + "\n".join(f"  {m!r}" for m in sorted(set(missing)))
    )
    english = [
        f"{who} {url}: …{match.group(0)}…"
        for who, url, _status, html in pages
        for match in [ENGLISH_WORDS.search(visible_text(html))]
        if match
    ]
    assert not english, "English words on a Dutch page (not wrapped in gettext?):\n" + "\n".join(
        english
    )
    unvisited = sorted(set(portal_routes()) - names - set(NOT_RENDERED))
    assert not unvisited, (
        f"pages of the person's side this test does not render yet: {unvisited}; add them to "
        "visit() (src/estafette/portal/tests/test_translated.py) or to NOT_RENDERED with a reason"
    )


NEW_SENTENCE = "A new English sentence that nobody translated"


def test_an_added_sentence_without_dutch_fails_the_check(world: SubjectWorld) -> None:
    """The negative case: ``portal/home.html`` with one more ``{% translate %}`` sentence
    (served from memory in place of the real file) renders, and the check catches it."""
    home = Path(settings.BASE_DIR if hasattr(settings, "BASE_DIR") else ".")
    source = next(
        Path(p).read_text()
        for p in (
            Path(__file__).resolve().parents[1] / "templates" / "portal" / "home.html",
            home / "src/estafette/portal/templates/portal/home.html",
        )
        if Path(p).exists()
    )
    changed = source.replace(
        '{% include "portal/_race.html" %}',
        f'<p>{{% translate "{NEW_SENTENCE}" %}}</p>{{% include "portal/_race.html" %}}',
    )
    assert changed != source
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", {"portal/home.html": changed}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    with override_settings(TEMPLATES=templates), untranslated_lookups() as missing:
        page = dutch(sign_in(Client(), world.a.subject, language="nl")).get("/my/")
    assert page.status_code == 200
    assert NEW_SENTENCE in page.content.decode()
    assert missing == [NEW_SENTENCE]


def test_a_bare_gettext_in_code_is_caught_too() -> None:
    with translation.override("nl"), untranslated_lookups() as missing:
        assert translation.gettext("Sign out") != "Sign out"  # has its Dutch
        translation.gettext(NEW_SENTENCE)
        translation.pgettext("portal", NEW_SENTENCE + " (in a context)")
        Template('{% load i18n %}{% blocktranslate count n=2 %}One thing{% plural %}{{ n }} '
                 "things{% endblocktranslate %}").render(Context())  # fmt: skip
    assert missing == [NEW_SENTENCE, NEW_SENTENCE + " (in a context)", "One thing"]
