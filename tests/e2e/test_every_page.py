"""Every page, as every role, on a 320 px phone: nothing scrolls sideways, axe-core finds nothing.

Issue 13 ("For everyone"): every page of the product passes WCAG 2.1 AA (axe-core,
zero violations), is usable by keyboard, and works at 320 px wide without
horizontal scrolling. This walks, per subject (:data:`SUBJECTS`: each demo role,
and the demo's person and contact person, :data:`PORTAL_SUBJECTS`), every GET
address the subject can reach, on the tiny demo built through the real code:

1. **from the URL resolver**: every named route of the project (:func:`routes`),
   with real primary keys from the subject's own data (:data:`SAMPLERS`: its
   trajectories, their people, handovers, consents, signals, notifications …), at
   most :data:`PER_ROUTE` per route. A route without arguments, or on a trajectory or
   a person, is sampled by its shape (:func:`sampler_for`); any other route missing
   from :data:`SAMPLERS` and :data:`NOT_WALKED` fails a test of its own, so a new page
   cannot slip past unchecked;
2. **from the pages themselves**: every same-site link (``href``, ``hx-get``) and
   redirect, breadth first, at most :data:`PER_VIEW` addresses per URL name
   (query strings included: sort orders, filters, pages) and :data:`PER_ADMIN_VIEW`
   per Django admin view.

On every HTML page that answers (200; and the first 403 and 404 page of each
subject, which a user sees too), at 320×700 CSS px with a phone's ``is_mobile`` and
``has_touch``, in Dutch (the default language, whose compound words are longest):

- ``document.documentElement.scrollWidth <= clientWidth`` (no sideways scrolling;
  the failure names the elements that stick out);
- axe-core reports no WCAG 2.0/2.1 A or AA violation;
- keyboard: the first Tab stop is the skip link to the main content, and no
  element takes a positive ``tabindex`` (which breaks the reading order).

Then the same subject signs in again in English and opens the first page of each URL
name that answered 200, for width only (the words change, the markup axe-core judges
does not). Pages with a problem are photographed in ``test-results/every-page/``
(every page with ``ESTAFETTE_EVERY_PAGE_SCREENSHOTS=1``).

A 5xx anywhere fails. 403, 404, 405 and 409 are legitimate answers (the role may
not open that page, or the address takes only POST). The failure lists every
offending page of the subject at once; ``-s`` prints every address walked.

The sign-in pages (password, code) are checked on the way in; the language
switch and sign-out are left alone (they end the walk). Pages under ``/my/``
belong to the person's portal: the staff subjects skip them, and the person and
contact person of :data:`PORTAL_SUBJECTS` walk them. The Django
admin at ``/admin/`` is walked by the superuser like every other page, axe-core included;
its skip link goes to its own content (:data:`ADMIN_SKIP_TARGET`). What it took to pass:
core/admin_site.py (labelled split date/time inputs, plain multiple selects) and
templates/admin/base_site.html (underlined breadcrumb links).
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.helpers import AXE_SCRIPT, axe_violations, format_violations, screenshot
from tests.e2e.helpers import field as labelled

pytestmark = pytest.mark.e2e

WIDTH = 320
PHONE: dict[str, Any] = {
    "viewport": {"width": WIDTH, "height": 700},
    "is_mobile": True,  # honour <meta name="viewport">, as a phone's browser does
    "has_touch": True,
    "locale": "nl-NL",  # the default language, with the longest words
    "bypass_csp": True,  # the Content Security Policy (rightly) refuses the injected axe-core
}
PER_ROUTE = 2
"""Addresses per named route taken from the resolver (samples of primary keys)."""
PER_VIEW = 2
"""Further addresses per URL name found as links (another sort order, filter or page)."""
PER_ADMIN_VIEW = 1
SKIP_PREFIXES = ("/static/", "/media/", "/login/", "/logout/", "/i18n/", "/my/")
"""Not pages, pages that end the walk (sign-out, language switch), checked on the way in
(sign-in), or the person's portal (:data:`PORTAL_SUBJECTS`)."""
ADMIN_SKIP_TARGET = "#content-start"
"""Where the Django admin's own skip link goes (its templates, which we extend, not fork)."""
SKIP_ADMIN = ("/delete/", "/logout/", "/password/")
"""Admin pages that end the session or compute a whole cascade just to ask (as the crawl)."""
SCREENSHOTS = bool(os.environ.get("ESTAFETTE_EVERY_PAGE_SCREENSHOTS"))
"""Photograph every page checked (test-results/every-page/), not only those with problems."""
FINE = {200, 403, 404, 405, 409}
"""Answers that are not a failure in themselves (the page is still checked if it is HTML)."""

NOT_WALKED: dict[str, str] = {
    "set_language": "POST only: the language switch in the header (test_language.py)",
    "login": "checked on the way in (sign_in)",
    "two-factor-verify": "checked on the way in (sign_in)",
    "two-factor-setup": "only before an authenticator is added; test_access_pages covers it",
    "logout": "POST only; ends the walk",
}
"""Named routes the walk leaves out on purpose, with the reason (``/my/`` and admin apart)."""


# ------------------------------------------------------------------ subjects


@dataclass(frozen=True)
class Subject:
    """Who walks: a name (the test id), how they sign in, and where the walk starts.

    ``sign_in(page, check, language)`` signs in on ``page`` (in the interface language
    ``language``), calling ``check(page)`` on every page on the way. The walk starts at
    ``start`` and, with ``from_resolver``, at every named route sampled with the data of
    the staff member ``username``; it stays within ``prefixes`` and out of
    ``skip_prefixes`` (a portal subject walks only ``/my/``).
    """

    name: str
    sign_in: SignIn
    username: str = ""
    start: str = "/"
    prefixes: tuple[str, ...] = ("/",)
    skip_prefixes: tuple[str, ...] = SKIP_PREFIXES
    from_resolver: bool = True


SignIn = Callable[[Page, Callable[[Page], None], str], None]


def _staff_sign_in(username: str) -> SignIn:
    def sign_in(page: Page, check: Callable[[Page], None], language: str) -> None:
        """The login page, then the authenticator app's code, as a person would."""
        from django.utils import translation
        from django.utils.text import capfirst

        from estafette.demo.accounts import DEMO_PASSWORD
        from estafette.demo.otp import demo_code, demo_device

        with translation.override(language):
            labels = (
                str(capfirst(_user_model()._meta.get_field("username").verbose_name)),
                translation.gettext("Password"),
                translation.gettext("Sign in"),
                translation.gettext("Code"),
                translation.gettext("Confirm"),
            )
        username_label, password_label, sign_in_label, code_label, confirm = labels
        page.goto("/login/")
        check(page)
        labelled(page, username_label).fill(username)
        labelled(page, password_label).fill(DEMO_PASSWORD)
        page.get_by_role("button", name=sign_in_label, exact=True).click()
        page.wait_for_url(re.compile(r"/(caseload|login/verify)/"))
        if "/login/verify/" in page.url:
            check(page)
            device = demo_device(username)
            assert device is not None, f"{username} has no demo authenticator"
            labelled(page, code_label).fill(demo_code(device))
            page.get_by_role("button", name=confirm, exact=True).click()
        page.wait_for_url(re.compile(r"/caseload/"))

    return sign_in


def _user_model() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()


def _staff_subjects() -> list[Subject]:
    from estafette.demo.accounts import DEMO_ACCOUNTS

    return [
        Subject(name=a.username, username=a.username, sign_in=_staff_sign_in(a.username))
        for a in DEMO_ACCOUNTS
    ]


def _portal_sign_in(kind: str) -> SignIn:
    def sign_in(page: Page, check: Callable[[Page], None], language: str) -> None:
        """A paper code the demo coordinator hands (``demo.portal``), typed on the code page."""
        from django.utils import translation

        from estafette.demo.portal import demo_paper_code

        with translation.override(language):
            code_label = translation.gettext("Your code")
            sign_in_label = translation.gettext("Sign in")
        page.goto("/my/sign-in/")
        check(page)
        page.goto("/my/code/")
        check(page)
        labelled(page, code_label).fill(demo_paper_code(kind))
        page.get_by_role("button", name=sign_in_label, exact=True).click()
        page.wait_for_url(re.compile(r"/my/$"))

    return sign_in


PORTAL_SKIP = ("/my/sign-out/", "/my/sign-in/", "/my/code/")
"""Sign-out ends the walk; the sign-in and code pages are checked on the way in (signed
in, they only send the subject to their page)."""

PORTAL_SUBJECTS: list[Subject] = [
    Subject(
        name=name,
        sign_in=_portal_sign_in(kind),
        start="/my/",
        prefixes=("/my/",),
        skip_prefixes=PORTAL_SKIP,
        from_resolver=False,
    )
    for name, kind in (("person", "person"), ("contact-person", "contact"))
]
"""The person's own pages (issue 13): the demo's Sander Verhoeven and his sister Ilse, his
contact person (``demo/portal.py``), each signed in with a paper code. The walk starts at
``/my/`` and at every route of the person's pages that takes no argument
(:func:`portal_starts` — the contact person meets the refusals of the person-only pages
there, which are checked too), follows the links within ``/my/``, and opens nothing else."""


def portal_starts() -> list[str]:
    """Every named route under ``/my/`` without arguments (GET or not: a POST-only one
    answers 405 and is left at that)."""
    found: list[str] = []

    def walk(patterns: Iterable[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, (namespace, p.namespace or "")))
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                path = prefix + str(p.pattern)
                if path.startswith("/my/") and "<" not in path:
                    found.append(path)

    walk(get_resolver().url_patterns, "/", "")
    return found


SUBJECTS: list[Subject] = _staff_subjects() + PORTAL_SUBJECTS


# ------------------------------------------------------------------ the resolver's routes


def routes() -> dict[str, str]:
    """Every named route of the project (outside the admin and /my/): name → pattern."""
    found: dict[str, str] = {}

    def walk(patterns: Iterable[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, (namespace, p.namespace or "")))
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                path = prefix + str(p.pattern)
                if not path.startswith(("/admin/", "/my/")):
                    found[":".join(filter(None, (namespace, p.name)))] = path

    walk(get_resolver().url_patterns, "/", "")
    return found


@dataclass
class Data:
    """The subject's own data, from which the primary keys in the addresses are taken."""

    actor: Any
    trajectories: list[Any]
    people: list[int]

    @classmethod
    def of(cls, username: str) -> Data:
        from estafette.core.actor import Actor
        from estafette.handovers.models import Handover, HandoverState
        from estafette.organisations.models import Membership
        from estafette.trajectories.models import Phase
        from estafette.trajectories.selectors import trajectory_scope

        m = Membership.objects.select_related("user", "organisation").get(user__username=username)
        actor = Actor(m.user, m.organisation, m.role)
        scope = trajectory_scope(actor).exclude(phase=Phase.CLOSED).order_by("pk")
        org = actor.organisation
        # The richest pages: one the role holds, one with the baton in the air to or from it.
        held = scope.filter(baton_holder=org).first()
        air = Handover.objects.filter(trajectory__in=scope, state=HandoverState.SENT)
        pending = air.filter(receiver=org).first() or air.filter(sender=org).first()
        in_the_air = scope.filter(pk=pending.trajectory_id).first() if pending else None
        chosen = [t for t in (held, in_the_air) if t is not None]
        chosen += [t for t in scope[:PER_ROUTE] if t not in chosen]
        chosen = chosen[:PER_ROUTE]
        return cls(actor=actor, trajectories=chosen, people=[t.person_id for t in chosen])

    @property
    def trajectory_pks(self) -> list[int]:
        return [t.pk for t in self.trajectories]


def _pks(queryset: Any) -> list[int]:
    return list(queryset.order_by("-pk").values_list("pk", flat=True)[:PER_ROUTE])


def _by_trajectory(d: Data) -> list[dict[str, Any]]:
    return [{"pk": pk} for pk in d.trajectory_pks]


def _by_person(d: Data) -> list[dict[str, Any]]:
    return [{"person_pk": pk} for pk in d.people]


def _identifiers(d: Data) -> list[dict[str, Any]]:
    from estafette.people.models import PersonIdentifier

    return [
        {"pk": t.pk, "identifier_pk": i}
        for t in d.trajectories
        for i in _pks(PersonIdentifier.objects.filter(person_id=t.person_id))[:1]
    ]


def _network(d: Data) -> list[dict[str, Any]]:
    from estafette.people.models import NetworkMember

    return [
        {"pk": t.pk, "member_pk": m}
        for t in d.trajectories
        for m in _pks(NetworkMember.objects.filter(person_id=t.person_id))[:1]
    ]


def _handovers(d: Data) -> list[int]:
    from django.db.models import Q

    from estafette.handovers.models import Handover

    org = d.actor.organisation
    return _pks(Handover.objects.filter(Q(sender=org) | Q(receiver=org)))


def _consents(d: Data) -> list[dict[str, Any]]:
    from estafette.consent.models import Consent

    return [{"pk": pk} for pk in _pks(Consent.objects.filter(person_id__in=d.people))]


def _conditions(d: Data) -> list[dict[str, Any]]:
    from estafette.conditions.models import Condition

    return [{"pk": pk, "condition": c} for pk in d.trajectory_pks for c in Condition.values[:1]]


def _intake(d: Data, *, continued: bool = False) -> list[dict[str, Any]]:
    from estafette.intake.models import IntakeKind

    kinds = list(IntakeKind.values)
    if not continued:
        return [{"kind": kind} for kind in kinds]
    return [{"kind": kind, "pk": pk} for kind in kinds for pk in d.trajectory_pks[:1]]


def _norms(d: Data) -> list[dict[str, Any]]:
    from estafette.norms.catalogue import NORMS

    return [{"code": norm.code} for norm in NORMS[:PER_ROUTE]]


def _org_pks(model_path: str, **filters: str) -> Callable[[Data], list[dict[str, Any]]]:
    """Primary keys of ``model_path`` rows whose ``filters`` point at the actor's user or org."""

    def sample(d: Data) -> list[dict[str, Any]]:
        from django.apps import apps
        from django.db.models import Q

        model = apps.get_model(model_path)
        values = {"org": d.actor.organisation, "user": d.actor.user}
        q = Q()
        for lookup, what in filters.items():
            q |= Q(**{lookup: values[what]})
        return [{"pk": pk} for pk in _pks(model.objects.filter(q))]

    return sample


def _invitation(d: Data) -> list[dict[str, Any]]:
    """A working one-time link of an invited member (no password yet) of the organisation."""
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from estafette.organisations.models import Membership
    from estafette.organisations.tokens import invitation_tokens

    invited = [
        m.user
        for m in Membership.objects.filter(is_active=True).select_related("user").order_by("pk")
        if not m.user.has_usable_password()
    ][:1]
    return [
        {
            "uidb64": urlsafe_base64_encode(force_bytes(u.pk)),
            "token": invitation_tokens.make_token(u),
        }
        for u in invited
    ] + [{"uidb64": "MA", "token": "not-a-token"}]  # the calm page for a link that does not work


NONE: list[dict[str, Any]] = [{}]
SAMPLERS: dict[str, Callable[[Data], list[dict[str, Any]]]] = {
    "home": lambda d: NONE,
    "caseload": lambda d: NONE,
    "caseload-reassign": lambda d: NONE,
    "caseload-close-stale": lambda d: NONE,
    "trajectory-detail": _by_trajectory,
    "trajectory-route": _by_trajectory,
    "trajectory-release": _by_trajectory,
    "trajectory-phase": _by_trajectory,
    "trajectory-domestic-entry": _by_trajectory,
    "trajectory-registration": _by_trajectory,
    "trajectory-next-step": _by_trajectory,
    "trajectory-assign": _by_trajectory,
    "assignment-end": _org_pks("trajectories.Assignment", organisation="org"),
    "people-search": lambda d: NONE,
    "person-details": _by_trajectory,
    "person-contact": _by_trajectory,
    "person-profile": _by_trajectory,
    "person-markers": _by_trajectory,
    "person-identifier-add": _by_trajectory,
    "person-identifier-remove": _identifiers,
    "network-member-add": _by_trajectory,
    "network-member-edit": _network,
    "network-member-remove": _network,
    "contact-person": _by_trajectory,
    "handover-start": _by_trajectory,
    "handover-acknowledge": lambda d: [{"pk": pk} for pk in _handovers(d)],
    "handover-transition": lambda d: [{"pk": pk, "action": "accept"} for pk in _handovers(d)],
    "consent-overview": _by_person,
    "consent-record": _by_person,
    "consent-receipt": _by_person,
    "consent-revoke": _consents,
    "consent-evidence": _consents,
    "consent-review": lambda d: NONE,
    "consent-review-save": _consents,
    "consent-notices": lambda d: NONE,
    "consent-notice-seen": _org_pks("consent.ConsentNotice", organisation="org"),
    "emergency-access": lambda d: NONE,
    "emergency-access-review": lambda d: NONE,
    "emergency-access-review-save": _org_pks(
        "access.EmergencyAccess", organisation="org", trajectory__baton_holder="org"
    ),
    "part-requests": lambda d: NONE,
    "part-request-answer": _org_pks(
        "access.PartRequest", requester_organisation="org", trajectory__baton_holder="org"
    ),
    "access-log": _by_person,
    "access-log-export": _by_person,
    "notifications": lambda d: NONE,
    "notifications-read-all": lambda d: NONE,
    "notification-settings": lambda d: NONE,
    "notification-read": _org_pks("signals.Notification", user="user"),
    "notification-open": _org_pks("signals.Notification", user="user"),
    "condition-record": _conditions,
    "signal-inbox": lambda d: NONE,
    "signal-detail": _org_pks("signals.Signal", addressee="org"),
    "signal-acknowledge": _org_pks("signals.Signal", addressee="org"),
    "signal-snooze": _org_pks("signals.Signal", addressee="org"),
    "signal-resolve": _org_pks("signals.Signal", addressee="org"),
    "norm-list": lambda d: NONE,
    "norm-detail": _norms,
    "contact-create": _by_trajectory,
    "contact-withdraw": _org_pks("visits.ContactMoment", organisation="org"),
    "volunteer-request-create": _by_trajectory,
    "volunteer-request-answer": _org_pks(
        "visits.VolunteerRequest", requested_for="org", trajectory__baton_holder="org"
    ),
    "organisation-members": lambda d: NONE,
    "organisation-invite": lambda d: NONE,
    "organisation-member": _org_pks("organisations.Membership", organisation="org"),
    "organisation-member-deactivate": _org_pks("organisations.Membership", organisation="org"),
    "organisation-member-reactivate": _org_pks("organisations.Membership", organisation="org"),
    "organisation-member-resend": _org_pks("organisations.Membership", organisation="org"),
    "organisation-member-second-factor": _org_pks("organisations.Membership", organisation="org"),
    "organisation-details": lambda d: [{"pk": d.actor.organisation.pk}],
    "invitation-accept": _invitation,
    "intake-start": lambda d: NONE,
    "intake-merge": lambda d: NONE,
    "intake-ask-for-part": lambda d: NONE,
    "intake-find": _intake,
    "intake-new": _intake,
    "intake-continue": lambda d: _intake(d, continued=True),
}
"""Per named route: the keyword arguments of the addresses to open, from the subject's data."""


def _plan_steps(d: Data) -> list[dict[str, Any]]:
    from django.apps import apps

    step = apps.get_model("personal_plan", "Step")
    return [
        {"pk": t.pk, "step": s}
        for t in d.trajectories
        for s in _pks(step.objects.filter(person_id=t.person_id))[:1]
    ]


SAMPLERS["personal_plan:step-done"] = _plan_steps


def sampler_for(pattern: str) -> Callable[[Data], list[dict[str, Any]]] | None:
    """The sampler a route gets by its shape when :data:`SAMPLERS` names none: a route
    without arguments, one on a trajectory (``trajectories/<int:pk>/…``) or one on a
    person (``people/<int:person_pk>/…``). None for any other shape (it needs an entry)."""
    arguments = re.findall(r"<(?:\w+:)?(\w+)>", pattern)
    if not arguments:
        return lambda d: NONE
    if arguments == ["pk"] and pattern.startswith("/trajectories/<int:pk>/"):
        return _by_trajectory
    if arguments == ["person_pk"] and pattern.startswith("/people/<int:person_pk>/"):
        return _by_person
    return None


def unsampled() -> list[str]:
    """Named routes the walk can neither sample nor has left out with a reason."""
    return sorted(
        name
        for name, pattern in routes().items()
        if name not in SAMPLERS and name not in NOT_WALKED and sampler_for(pattern) is None
    )


def resolver_urls(d: Data) -> Iterator[str]:
    """The addresses of every named route, with keys from ``d`` (none for an unsampled one)."""
    for name, pattern in routes().items():
        sample = SAMPLERS.get(name) or sampler_for(pattern)
        if name in NOT_WALKED or sample is None:
            continue
        for kwargs in sample(d):
            yield reverse(name, kwargs=kwargs)


# ------------------------------------------------------------------ checks in the page

_OVERFLOWING = """() => {
    const limit = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width && r.right > limit + 0.5) {
            // Only the innermost: a parent that sticks out because of its child is noise.
            if (![...el.children].some(c => c.getBoundingClientRect().right > limit + 0.5)) {
                const id = el.id ? '#' + el.id : '';
                const cls = el.className && typeof el.className === 'string'
                    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
                const text = (el.textContent || '').trim().slice(0, 40);
                const edge = Math.round(r.right);
                out.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${edge}px)`
                    + (text ? ` "${text}"` : ''));
            }
        }
        if (out.length >= 5) break;
    }
    return out;
}"""

_LINKS = """() => {
    const out = [];
    for (const a of document.querySelectorAll('a[href]')) out.push(a.href);
    for (const el of document.querySelectorAll('[hx-get]')) {
        out.push(new URL(el.getAttribute('hx-get'), document.baseURI).href);
    }
    return out;
}"""


_TAB_ORDER = """() => {
    const stops = [...document.querySelectorAll(
        'a[href], button, input, select, textarea, summary, [tabindex]'
    )].filter(el => el.tabIndex >= 0 && !el.disabled && el.type !== 'hidden');
    const first = stops.length
        ? (stops[0].getAttribute('href') || stops[0].outerHTML.slice(0, 80)) : '';
    const positive = stops.filter(el => el.tabIndex > 0).map(el => el.outerHTML.slice(0, 80));
    return [first, positive];
}"""


def page_problems(page: Page, *, full: bool = True, skip_target: str = "#main") -> list[str]:
    """What is wrong with the page as rendered (empty if nothing): sideways overflow, and
    unless ``full`` is False also axe-core's violations and the keyboard's order (the first
    Tab stop is the skip link to ``skip_target``)."""
    problems = []
    scroll_width, client_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll_width > client_width:
        culprits = "; ".join(page.evaluate(_OVERFLOWING)) or "(no single element found)"
        problems.append(
            f"scrolls sideways: {scroll_width}px wide at {client_width}px; sticking out: {culprits}"
        )
    if not full:
        return problems
    violations = axe_violations(page)
    if violations:
        problems.append("axe-core:\n" + format_violations(violations))
    # The first stop of the Tab key, in document order, must be the skip link; and
    # no positive tabindex may reorder the stops (WCAG 2.4.1, 2.4.3).
    first, positive = page.evaluate(_TAB_ORDER)
    if positive:
        problems.append(f"positive tabindex breaks the keyboard order: {positive}")
    if first != skip_target:
        problems.append(f"the first Tab stop is {first!r}, not the skip link to {skip_target}")
    return problems


# ------------------------------------------------------------------ the walk


def view_name(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return "(unresolved)"
    if match.view_name == "admin:app_list":
        return f"admin:app_list:{match.kwargs.get('app_label', '')}"
    return match.view_name or match._func_path


@dataclass
class Walk:
    """One subject's walk: a queue of addresses, each opened once, a budget per URL name."""

    subject: Subject
    page: Page
    origin: str
    queue: deque[tuple[str, str]] = field(default_factory=deque)
    seen: set[str] = field(default_factory=set)
    per_view: Counter[str] = field(default_factory=Counter)
    checked_error_pages: set[int] = field(default_factory=set)
    walked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)
    """The first page of each URL name that answered 200 (what the second language sees)."""

    def wanted(self, url: str) -> str | None:
        """``url`` as a path with its query if the walk should open it, else None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != (
            self.origin
        ):
            return None
        path = parts.path
        if not path.startswith(self.subject.prefixes) or path.startswith(
            self.subject.skip_prefixes
        ):
            return None
        if path.startswith("/admin/") and any(part in path for part in SKIP_ADMIN):
            return None
        return f"{path}?{parts.query}" if parts.query else path

    def add(self, url: str, linked_from: str = "", *, budget: int = PER_VIEW) -> None:
        target = self.wanted(url if "://" in url else self.origin + url)
        if target is None or target in self.seen:
            return
        name = view_name(urlsplit(target).path)
        if name.startswith("admin:"):
            budget = PER_ADMIN_VIEW
        if self.per_view[name] >= budget:
            return
        self.per_view[name] += 1
        self.seen.add(target)
        self.queue.append((target, linked_from))

    def check(self, page: Page, where: str = "", *, full: bool = True, tag: str = "nl") -> None:
        """Check the page as it stands (on the way in, too); note and photograph problems."""
        where = where or urlsplit(page.url).path
        # Django's admin has its own skip link, to its own content (ADMIN_SKIP_TARGET).
        skip_target = ADMIN_SKIP_TARGET if where.startswith("/admin/") else "#main"
        problems = page_problems(page, full=full, skip_target=skip_target)
        for problem in problems:
            self.failures.append(f"[{tag}] {where}: {problem}")
        if problems or SCREENSHOTS:
            slug = re.sub(r"[^a-z0-9]+", "-", where.split(" (linked")[0].lower()).strip("-")
            screenshot(page, f"every-page/{self.subject.name}/{tag}-{slug or 'root'}")

    def run(self) -> None:
        while self.queue:
            url, linked_from = self.queue.popleft()
            started = time.perf_counter()
            self.open(url, linked_from)
            self.walked[-1] += f"  [{time.perf_counter() - started:.1f} s]"

    def open(self, url: str, linked_from: str) -> None:
        origin = f" (linked from {linked_from})" if linked_from else ""
        try:
            response = self.page.goto(url)
        except PlaywrightError:
            # Chromium does not render a download (a PDF, a CSV) or an answer without a
            # body (405); ask again without the browser, only to learn the status.
            answer = self.page.request.get(url)
            status = answer.status
            # Chromium then navigates to its own error page, which would interrupt the next
            # goto (that page fell back here too, unchecked): go on in a fresh tab.
            context = self.page.context
            self.page.close()
            self.page = context.new_page()
            kind = answer.headers.get("content-type", "").split(";")[0]
            self.walked.append(f"{status}   {url} ({kind or 'no body'})")
            if status not in FINE:
                self.failures.append(f"{url}{origin}: answered {status}")
            return
        status = response.status if response else 0
        final = self.wanted(self.page.url)
        self.walked.append(f"{status}   {url}" + (f" → {final}" if final and final != url else ""))
        if status not in FINE and not 300 <= status < 400:
            self.failures.append(f"{url}{origin}: answered {status}")
            return
        if final is None:
            return
        if final != url:  # followed a redirect: that page counts as opened
            if final in self.seen:
                return
            self.seen.add(final)
        is_html = (response.headers.get("content-type", "") if response else "").startswith(
            "text/html"
        )
        if not is_html or not self.page.content().strip() or status == 405:
            return
        if status != 200:
            if status in self.checked_error_pages:
                return  # one error page per status is enough: the same template
            self.checked_error_pages.add(status)
        self.check(self.page, f"{final}{origin}")
        if status == 200:
            self.pages.setdefault(view_name(urlsplit(final).path), final)
            for href in self.page.evaluate(_LINKS):
                self.add(href, final)


# ------------------------------------------------------------------ the data


@pytest.fixture
def tiny_demo(_reference_data: None) -> None:
    """The tiny demo (named examples and a little bulk, every scenario), built by the real
    code; signals evaluated and notified, and a few emergency accesses opened and reviewed
    as in the crawl, so the inbox, notifications and review pages have rows."""
    from estafette.demo.build import build
    from estafette.signals.evaluate import signals_evaluate
    from estafette.signals.notifications.services import notifications_after_evaluation
    from tests.crawl.test_crawl import emergency_accesses_open

    build(scale="tiny", seed=2025, say=lambda _: None)
    emergency_accesses_open()
    signals_evaluate()
    notifications_after_evaluation()


def test_every_route_is_walked_or_left_out_with_a_reason() -> None:
    """A new named route must get a sampler (its pages are walked) or a reason (it is not)."""
    missing = unsampled()
    assert not missing, (
        f"named routes neither walked nor left out: {missing}; add them to SAMPLERS "
        "(tests/e2e/test_every_page.py) with real keys from the subject's data"
    )


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: s.name)
def test_every_page_at_320_px_passes_axe(
    new_context: Callable[..., BrowserContext],
    live_server: Any,
    tiny_demo: None,
    subject: Subject,
) -> None:
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: run `npm ci` (make setup does)"
    page = new_context(**PHONE).new_page()
    walk = Walk(subject=subject, page=page, origin=live_server.url)
    subject.sign_in(page, walk.check, "nl")
    starts = [subject.start]
    if _user_model().objects.filter(username=subject.username, is_superuser=True).exists():
        starts.append("/admin/")
    if subject.from_resolver:
        starts += list(resolver_urls(Data.of(subject.username)))
    elif subject.prefixes == ("/my/",):
        starts += portal_starts()
    for url in starts:
        walk.add(url, budget=PER_ROUTE + PER_VIEW)
    walk.run()

    # English, the second language: one page of each kind, for width (axe-core's rules
    # do not depend on the words, and the Dutch walk ran them all).
    english = new_context(**{**PHONE, "locale": "en-US"}).new_page()
    subject.sign_in(english, lambda p: walk.check(p, full=False, tag="en"), "en")
    for url in walk.pages.values():
        english.goto(url)
        walk.check(english, url, full=False, tag="en")
    walk.walked.append(f"…and in English, for width: {len(walk.pages)} pages")

    print(f"\n{subject.name}: {len(walk.walked)} addresses walked")
    print("\n".join(f"  {line}" for line in walk.walked))
    assert not walk.failures, (
        f"{len(walk.failures)} problem(s) as {subject.name} at {WIDTH}px "
        f"({len(walk.walked)} addresses walked):\n" + "\n".join(walk.failures)
    )
