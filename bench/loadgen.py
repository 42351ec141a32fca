"""The load generator of ``bench/load.py``: virtual users over plain HTTP, standard library only.

Each virtual user is a thread with its own cookie jar that signs in like a person
(the password, then the code of its authenticator app), then loops: the caseload, a
trajectory picked from the caseload's links, the signal inbox, and now and then a
write through the real form (record a contact on the trajectory page, or acknowledge
a signal from its page), with think time between requests. Every request is a
:class:`Sample`; :mod:`bench.load` turns them into figures.

It speaks to a server on a loopback address only, as the TLS-terminating proxy in
front of production would: ``X-Forwarded-Proto: https`` (production trusts it:
``SECURE_PROXY_SSL_HEADER``), and a same-origin ``https://`` Referer on every POST,
which Django's CSRF check asks of a secure request. So the production settings run
unchanged, redirect, secure cookies, HSTS and CSRF included.

No third-party package: ``http.client`` and threads (a new dependency would need the
lock, docs/decisions/0001; and a client that costs little CPU matters when it shares
two cores with the server).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import random
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

LOOPBACK = ("127.0.0.1", "::1", "localhost")
TOTP_STEP = 30  # RFC 6238 as django-otp's TOTPDevice defaults: SHA-1, 6 digits, 30 s, t0 0
TOTP_DIGITS = 6
TRAJECTORY_LINK = re.compile(r'href="(/trajectories/(\d+)/)"')
SIGNAL_LINK = re.compile(r'href="(/signals/(\d+)/)"')


# --- the second factor ------------------------------------------------------------------


def totp(key_hex: str, step: int) -> str:
    """The RFC 6238 code of time step ``step`` for a key stored as django-otp stores it (hex)."""
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**TOTP_DIGITS).zfill(TOTP_DIGITS)


# --- forms in a page --------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[dict[str, Any]] = field(default_factory=list)

    def values(self, overrides: dict[str, str] | None = None) -> dict[str, str]:
        """What a browser submits when the user changes nothing but ``overrides``.

        Text, hidden and date inputs send their value; of radio buttons the checked
        one, else (the user picks one) the first; checkboxes only when checked; a
        select its selected option, else its first; a textarea its text.
        """
        values: dict[str, str] = {}
        checked_radios: set[str] = set()
        for f in self.fields:
            name, kind = f["name"], f["kind"]
            if kind == "radio":
                if f["checked"] and name not in checked_radios:
                    values[name] = f["value"]
                    checked_radios.add(name)
                elif name not in values:
                    values[name] = f["value"]
                continue
            if kind == "checkbox" and not f["checked"]:
                continue
            if kind in ("submit", "button", "file", "reset", "image"):
                continue
            values[name] = f["value"]
        values.update(overrides or {})
        return values


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            value = a.get("value", "on" if kind in ("radio", "checkbox") else "")
            checked = "checked" in a
            self._form.fields.append(
                {"name": a["name"], "kind": kind, "value": value, "checked": checked}
            )
        elif tag == "textarea":
            self._textarea = {"name": a["name"], "kind": "textarea", "value": "", "checked": False}
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = {"name": a["name"], "kind": "select", "value": None, "checked": False}
            self._form.fields.append(self._select)

    def _option(self, a: dict[str, str]) -> None:
        assert self._select is not None
        if self._select["value"] is None or "selected" in a:
            self._select["value"] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            if self._select is not None and self._select["value"] is None:
                self._select["value"] = ""
            self._select = None


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with_action(html: str, suffix: str) -> Form | None:
    """The first POST form whose action ends with ``suffix`` (``/contacts/``, ``/acknowledge/``)."""
    for form in forms_in(html):
        if form.method == "post" and urlsplit(form.action).path.endswith(suffix):
            return form
    return None


# --- one browser ------------------------------------------------------------------------


@dataclass
class Sample:
    """One request: which page, when it ended (monotonic), how long, and what went wrong."""

    page: str
    ms: float
    status: int
    error: str | None
    ended: float
    user: str = ""


@dataclass
class Response:
    status: int
    location: str
    body: str


class Recorder:
    """Collects samples from every thread (list.append is atomic in CPython)."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)


class Browser:
    """A cookie jar and the requests of one person, against one loopback server."""

    def __init__(self, host: str, port: int, *, timeout: float, username: str) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the load benchmark only talks to loopback addresses, not {host}")
        self.host, self.port, self.timeout = host, port, timeout
        self.username = username
        self.cookies: dict[str, str] = {}
        self.origin = f"https://{host}:{port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        referer: str | None = None,
    ) -> Response:
        """One request on a fresh connection (gunicorn's sync workers close it anyway).

        Raises ``OSError`` (``TimeoutError`` among them) or ``http.client.HTTPException``.
        """
        headers = {
            "Host": f"{self.host}:{self.port}",
            "User-Agent": "estafette-bench-load",
            "Accept": "text/html",
            "Accept-Language": "nl",
            "X-Forwarded-Proto": "https",
            "Connection": "close",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.origin + (referer or path)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    self._cookie(value)
            return Response(
                status=response.status,
                location=response.getheader("Location") or "",
                body=content.decode("utf-8", "replace"),
            )
        finally:
            connection.close()

    def _cookie(self, header: str) -> None:
        name_value, *attributes = header.split(";")
        name, _, value = name_value.strip().partition("=")
        expired = any(
            a.strip().lower().startswith(("max-age=0", "expires=thu, 01 jan 1970"))
            for a in attributes
        )
        if expired or not value.strip('"'):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


class SignInFailed(Exception):
    pass


@dataclass
class Account:
    """A demo user to sign in as: username, password, role, and its authenticator's hex key."""

    username: str
    password: str
    role: str
    key: str
    last_step: int = -1  # a code is accepted once: never reuse a time step


def sign_in(browser: Browser, account: Account, recorder: Recorder | None = None) -> None:
    """The password, then the second factor, through the real forms; raises SignInFailed."""

    def step(page: str, method: str, path: str, **kwargs: Any) -> Response:
        started = time.perf_counter()
        response = browser.request(method, path, **kwargs)
        if recorder is not None:
            ms = (time.perf_counter() - started) * 1000
            error = None if response.status < 400 else f"HTTP {response.status}"
            recorder.add(
                Sample(page, ms, response.status, error, time.monotonic(), account.username)
            )
        return response

    page = step("sign-in page", "GET", "/login/")
    form = form_with_action(page.body, "/login/")
    if page.status != 200 or form is None:
        raise SignInFailed(f"{account.username}: the sign-in page answered {page.status}")
    values = form.values({"username": account.username, "password": account.password})
    done = step("sign-in password", "POST", "/login/", form=values, referer="/login/")
    if done.status != 302 or "/login/verify/" not in done.location:
        raise SignInFailed(f"{account.username}: the password step answered {done.status}")
    verify_path = _path(done.location)
    page = step("sign-in code page", "GET", verify_path)
    form = form_with_action(page.body, "/login/verify/")
    if page.status != 200 or form is None:
        raise SignInFailed(f"{account.username}: the code page answered {page.status}")
    account.last_step = max(int(time.time()) // TOTP_STEP, account.last_step + 1)
    values = form.values({"code": totp(account.key, account.last_step)})
    done = step("sign-in code", "POST", verify_path, form=values, referer=verify_path)
    if done.status != 302 or "/login/" in _path(done.location):
        raise SignInFailed(f"{account.username}: the code step answered {done.status}")


def _path(location: str) -> str:
    """The path (and query) of a Location header, without the fragment."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- one virtual user -------------------------------------------------------------------


@dataclass
class Plan:
    """What every virtual user does, and how long."""

    stop_at: float  # time.monotonic() after which no request starts
    think: float = 5.0  # mean think time between requests, seconds (0: none)
    jitter: float = 0.5  # think time uniformly within think × (1 ± jitter)
    write_every: int = 10  # one iteration in this many also writes
    start_spread: float = 0.0  # users start at a random moment within this many seconds


class VirtualUser:
    """One signed-in person working through the caseload; every request becomes a Sample."""

    def __init__(
        self,
        browser: Browser,
        account: Account,
        recorder: Recorder,
        rng: random.Random,
        stop: threading.Event,
    ) -> None:
        self.browser, self.account, self.recorder = browser, account, recorder
        self.rng, self.stop = rng, stop
        self.writes: dict[str, int] = {}

    def run(self, plan: Plan) -> None:
        if plan.start_spread:
            self._sleep(self.rng.uniform(0, plan.start_spread), plan)
        while self._open(plan):
            self.iteration(plan)

    def _open(self, plan: Plan) -> bool:
        return not self.stop.is_set() and time.monotonic() < plan.stop_at

    def _sleep(self, seconds: float, plan: Plan) -> None:
        self.stop.wait(max(0.0, min(seconds, plan.stop_at - time.monotonic())))

    def _think(self, plan: Plan) -> None:
        if plan.think > 0:
            low, high = plan.think * (1 - plan.jitter), plan.think * (1 + plan.jitter)
            self._sleep(self.rng.uniform(low, high), plan)

    def get(self, page: str, path: str, plan: Plan) -> Response | None:
        return self._timed(page, "GET", path, plan)

    def _timed(
        self,
        page: str,
        method: str,
        path: str,
        plan: Plan,
        *,
        form: dict[str, str] | None = None,
        referer: str | None = None,
        expect_redirect: bool = False,
    ) -> Response | None:
        """One request, recorded; None if it failed (the iteration then starts over)."""
        if not self._open(plan):
            return None
        started = time.perf_counter()
        error: str | None = None
        status = 0
        response = None
        try:
            response = self.browser.request(method, path, form=form, referer=referer)
            status = response.status
        except TimeoutError:
            error = "timeout"
        except (OSError, http.client.HTTPException) as exc:
            error = f"connection: {type(exc).__name__}"
        ms = (time.perf_counter() - started) * 1000
        if response is not None:
            if status >= 400:
                error = f"HTTP {status}"
            elif status in (301, 302, 303, 307, 308) and "/login/" in _path(response.location):
                error = "signed out (sent to the sign-in page)"
            elif expect_redirect and status != 302:
                error = f"form not accepted (HTTP {status})"
            elif not expect_redirect and status != 200:
                error = f"unexpected HTTP {status}"
        self.recorder.add(Sample(page, ms, status, error, time.monotonic(), self.account.username))
        if error == "signed out (sent to the sign-in page)":
            self._sign_in_again()
        return response if error is None else None

    def _sign_in_again(self) -> None:
        try:
            sign_in(self.browser, self.account)
        except (SignInFailed, OSError, http.client.HTTPException):
            self.stop.wait(1.0)  # the next request shows the error again

    def iteration(self, plan: Plan) -> None:
        """The caseload, a trajectory from it, the signal inbox; one time in ``write_every``
        also a write (record a contact, or acknowledge a signal)."""
        caseload = self.get("caseload", "/caseload/", plan)
        if caseload is None:
            self._think(plan)
            return
        links = sorted({m.group(1) for m in TRAJECTORY_LINK.finditer(caseload.body)})
        trajectory = trajectory_path = None
        if links:
            self._think(plan)
            trajectory_path = self.rng.choice(links)
            trajectory = self.get("trajectory", trajectory_path, plan)
        self._think(plan)
        inbox = self.get("signals", "/signals/", plan)
        if self.rng.random() < 1 / max(1, plan.write_every):
            self._think(plan)
            self.write(plan, trajectory, trajectory_path, inbox)
        self._think(plan)

    def write(
        self,
        plan: Plan,
        trajectory: Response | None,
        trajectory_path: str | None,
        inbox: Response | None,
    ) -> None:
        """Record a contact or acknowledge a signal, whichever this user can (a coin decides
        when both); then follow the redirect, as a browser does."""
        contact = form_with_action(trajectory.body, "/contacts/") if trajectory else None
        signals = sorted({m.group(1) for m in SIGNAL_LINK.finditer(inbox.body)}) if inbox else []
        choices: list[Callable[[], None]] = []
        if contact is not None and trajectory_path is not None:
            choices.append(lambda: self._contact(plan, contact, trajectory_path))
        if signals:
            choices.append(lambda: self._acknowledge(plan, signals))
        if not choices:
            self.writes["nothing to write"] = self.writes.get("nothing to write", 0) + 1
            return
        self.rng.choice(choices)()

    def _contact(self, plan: Plan, form: Form, referer: str) -> None:
        values = form.values()
        if "contact-note" in values:
            values["contact-note"] = "Load benchmark: a contact recorded through the form."
        done = self._timed(
            "record contact",
            "POST",
            _path(form.action),
            plan,
            form=values,
            referer=referer,
            expect_redirect=True,
        )
        if done is not None:
            self.writes["contact"] = self.writes.get("contact", 0) + 1
            self.get("trajectory", _path(done.location), plan)

    def _acknowledge(self, plan: Plan, signals: list[str]) -> None:
        path = self.rng.choice(signals)
        page = self.get("signal", path, plan)
        if page is None:
            return
        form = form_with_action(page.body, "/acknowledge/")
        if form is None:  # acknowledged already (by a colleague, or by this user before)
            self.writes["signal acknowledged already"] = (
                self.writes.get("signal acknowledged already", 0) + 1
            )
            return
        self._think(plan)
        values = form.values({"ack-note": "Load benchmark: acknowledged through the form."})
        done = self._timed(
            "acknowledge signal",
            "POST",
            _path(form.action),
            plan,
            form=values,
            referer=path,
            expect_redirect=True,
        )
        if done is not None:
            self.writes["acknowledge"] = self.writes.get("acknowledge", 0) + 1
            self.get("signal", _path(done.location), plan)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
