"""The load generator's own arithmetic and HTML handling (no server, no database).

Not part of ``make test`` (whose test paths are src/ and tests/); run with
``.venv/bin/pytest bench/tests``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import loadgen
import run


def test_totp_matches_rfc_6238() -> None:
    # RFC 6238, appendix B, SHA-1: key "12345678901234567890", T = 59 s -> 94287082
    # (8 digits); django-otp shows the last 6.
    key = b"12345678901234567890".hex()
    assert loadgen.totp(key, 59 // 30) == "287082"
    assert loadgen.totp(key, 1111111109 // 30) == "081804"


PAGE = """
<form class="language-switch" action="/i18n/setlang/" method="post">
  <input type="hidden" name="csrfmiddlewaretoken" value="lang"><select name="language">
  <option value="nl" selected>NL</option><option value="en">EN</option></select>
</form>
<form method="post" action="/trajectories/7/contacts/" novalidate>
  <input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">
  <input type="radio" name="contact-kind" value="visit">
  <input type="radio" name="contact-kind" value="call">
  <input type="date" name="contact-happened_on" value="2025-10-06">
  <input type="radio" name="contact-channel" value="phone">
  <input type="radio" name="contact-channel" value="face_to_face" checked>
  <input type="checkbox" name="urgent" value="yes">
  <textarea name="contact-note">
</textarea>
  <button class="button" type="submit">Save</button>
</form>
"""


def test_form_values_are_what_a_browser_sends() -> None:
    form = loadgen.form_with_action(PAGE, "/contacts/")
    assert form is not None
    assert form.action == "/trajectories/7/contacts/"
    values = form.values({"contact-note": "a note"})
    assert values == {
        "csrfmiddlewaretoken": "tok&en",  # entities decoded, as a browser does
        "contact-kind": "visit",  # none checked: the first
        "contact-happened_on": "2025-10-06",
        "contact-channel": "face_to_face",  # the checked one
        "contact-note": "a note",  # unchecked checkbox and the button: not sent
    }


def test_select_sends_its_selected_option() -> None:
    form = loadgen.form_with_action(PAGE, "/setlang/")
    assert form is not None
    assert form.values() == {"csrfmiddlewaretoken": "lang", "language": "nl"}


def test_only_loopback() -> None:
    try:
        loadgen.Browser("example.org", 80, timeout=1, username="x")
    except ValueError:
        return
    raise AssertionError("a non-loopback host was accepted")


def test_cookies_set_and_expire() -> None:
    browser = loadgen.Browser("127.0.0.1", 1, timeout=1, username="x")
    browser._cookie("sessionid=abc; HttpOnly; Path=/; Secure")
    browser._cookie("csrftoken=def; Path=/")
    assert browser.cookies == {"sessionid": "abc", "csrftoken": "def"}
    browser._cookie('sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/')
    assert browser.cookies == {"csrftoken": "def"}


def test_percentiles_are_nearest_rank() -> None:
    ordered = [float(x) for x in range(1, 101)]
    assert run.percentile(ordered, 0.95) == 95.0
    assert run.percentile(ordered, 0.99) == 99.0
    assert run.percentile([5.0], 0.99) == 5.0
