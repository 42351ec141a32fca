"""The authorization matrix, extended to every surface that shows a signal (issue 11, point 1).

The world of ``test_matrix.py`` (every role × relationship × consent state, the
same sentinels) gets, in each case, five signals addressed to the actor's
organisation — one per kind of title: about the relay only, about the
detention, about the basic conditions, about health, about the network — each
with a notification for the actor. Every signal is then read where a user reads
it: the inbox, the signal's own page, the trajectory page's panel, the
notification list, and the e-mail that announces it.

The oracle restates, in a small table of its own (:data:`REVEALS`), which data
classes each title and reason reveal, and weighs them against the classes the
matrix's oracle gives the actor (:func:`test_matrix.expected`): the title only
with all of its classes (else one neutral line, never the title, never the
suggested action), the reason only with its classes as well, the name only with
identity. It never asks the access policy.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.html import escape

from estafette.access import messages as access_messages
from estafette.access.tests import test_matrix as m
from estafette.signals.models import EventKind, Signal, SignalEvent
from estafette.signals.notifications.models import (
    EmailFrequency,
    Notification,
    NotificationPreference,
    OutgoingEmail,
)
from estafette.signals.notifications.outbox import emails_queue_immediate
from estafette.signals.rules import REGISTRY

D, C, H, N = m.DETENTION, m.CONDITIONS, m.HEALTH, m.NETWORK

REVEALS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # rule: (what its title reveals, what its reason reveals)
    "handover_unanswered": (frozenset(), frozenset()),  # the relay itself
    "release_date_unknown": (frozenset({D}), frozenset({D})),
    "id_missing_after_return": (frozenset({C}), frozenset({C, D})),  # "no valid ID"
    "vulnerable_without_support": (frozenset({H}), frozenset({H})),  # "vulnerable person"
    "children_out_of_view": (frozenset({N}), frozenset({N})),  # "minor children"
}

SURFACES = ["signal_inbox", "signal_page", "trajectory_panel", "notifications"]


@dataclass
class SignalCase:
    case: m.Case
    signals: dict[str, Signal]  # rule code → the signal
    reasons: dict[str, str]  # rule code → the reason's sentinel


@dataclass
class SignalWorld:
    world: m.World
    cases: dict[tuple[str, str, str], SignalCase]


def _plant(n: int, case: m.Case, actor: Any) -> SignalCase:
    signals, reasons = {}, {}
    for code in REVEALS:
        reason = f"SENTINEL-SIGREASON-{code}-{n:04d}"
        signal = Signal.objects.create(
            rule_code=code,
            trajectory=case.trajectory,
            addressee=actor.organisation,
            addressee_role=actor.role,
            # No facts: the reason cannot be re-rendered, so the stored sentence (the
            # sentinel) is what a reader who may read it gets.
            reason=reason,
            facts={},
        )
        event = SignalEvent.objects.create(signal=signal, kind=EventKind.RAISED)
        Notification.objects.create(
            user=actor.user,
            organisation=actor.organisation,
            event=event,
            signal=signal,
            kind=EventKind.RAISED,
        )
        signals[code], reasons[code] = signal, reason
    return SignalCase(case, signals, reasons)


@pytest.fixture(scope="module")
def signal_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SignalWorld]:
    """The matrix's world with signals and notifications; rolled back when the module ends."""
    media = Path(tmp_path_factory.mktemp("matrix-signals-media"))
    with m.rolled_back_world(django_db_blocker, media):
        world = m._build_world()
        cases = {
            key: _plant(case.number, case, world.actors[key[0]])
            for key, case in world.cases.items()
        }
        yield SignalWorld(world, cases)


# ---------------------------------------------------------------------------------------
# What a reader should see of one signal
# ---------------------------------------------------------------------------------------


def _words() -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Titles and suggested actions as the pages render them (Dutch, escaped), and the
    neutral lines."""
    with translation.override("nl"):
        titles = {code: str(escape(REGISTRY[code].title)) for code in REVEALS}
        actions = {code: str(escape(REGISTRY[code].suggested_action)) for code in REVEALS}
        neutral = [
            str(escape(access_messages.SIGNAL_NEUTRAL_LINE)),
            str(escape(access_messages.SIGNAL_NEUTRAL_HOLDER)),
        ]
    return titles, actions, neutral


TITLES, ACTIONS, NEUTRAL = _words()


def _check_block(block: str, code: str, sc: SignalCase, exp: m.Expected, where: str) -> int:
    """One signal's block on a page: title or neutral line, reason, name, nothing else."""
    title_classes, reason_classes = REVEALS[code]
    sees_title = title_classes <= exp.classes
    sees_reason = sees_title and reason_classes <= exp.classes
    assert block, f"{code}: no block on {where}"
    assert (TITLES[code] in block) == sees_title, (
        f"{code} title {'missing' if sees_title else 'LEAKED'} on {where}"
    )
    if not sees_title:
        assert any(line in block for line in NEUTRAL), f"{code}: no neutral line on {where}"
        assert ACTIONS[code] not in block, f"{code}: suggested action LEAKED on {where}"
    assert (sc.reasons[code] in block) == (sees_reason and where != "notifications"), (
        f"{code} reason {'missing' if sees_reason else 'LEAKED'} on {where}"
    )
    identity = sc.case.sentinels[m.IDENTITY]
    if where != "trajectory_panel":  # the panel sits on the person's own page
        assert (identity in block) == (m.IDENTITY in exp.classes), f"{code}: name on {where}"
    for sentinel_class in (m.DETENTION, m.OFFENCE, m.NETWORK, m.NOTES, m.BUDDY_NOTE):
        assert sc.case.sentinels[sentinel_class] not in block, (
            f"{code}: {sentinel_class} LEAKED on {where}"
        )
    # Health: only the names of the markers of "vulnerable person", with its reason.
    shows_markers = (
        code == "vulnerable_without_support" and sees_reason and where != "notifications"
    )
    assert (sc.case.sentinels[m.HEALTH] in block) == shows_markers, f"{code}: markers on {where}"
    return 1


def _get(world: m.World, role: str, url: str) -> tuple[int, str]:
    return m._get(world, role, url)


def _all_pages(world: m.World, role: str, url: str) -> str:
    """Every page of a paginated list, joined (fetched once per role)."""
    key = ("pages", role, url)
    if key not in world.cache:
        bodies = []
        for number in itertools.count(1):
            status, body = _get(world, role, f"{url}{'&' if '?' in url else '?'}page={number}")
            assert status == 200
            bodies.append(body)
            if f"page={number + 1}" not in body:
                break
        world.cache[key] = "\n".join(bodies)
    return str(world.cache[key])


def _article(html: str, marker: str) -> str:
    """The ``<article>`` that holds ``marker`` (an id), or ''."""
    at = html.find(marker)
    if at < 0:
        return ""
    start = html.rfind("<article", 0, at)
    end = html.find("</article>", at)
    return html[start:end]


CASES = list(itertools.product(m.MATRIX_ROLES, m.RELATIONSHIPS, m.CONSENT_STATES, SURFACES))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "relationship", "consent", "surface"),
    CASES,
    ids=["-".join(str(part) for part in case) for case in CASES],
)
def test_signal_surfaces(
    signal_world: SignalWorld,
    role: str,
    relationship: str,
    consent: str,
    surface: str,
    record_property: Any,
) -> None:
    world = signal_world.world
    sc = signal_world.cases[(role, relationship, consent)]
    exp = m.expected(role, relationship, consent)
    checks = 0
    if surface == "signal_inbox":
        html = _all_pages(world, role, "/signals/?scope=organisation")
        for code, signal in sc.signals.items():
            block = _article(html, f'id="signal-{signal.pk}-title"')
            checks += _check_block(block, code, sc, exp, surface)
    elif surface == "signal_page":
        for code, signal in sc.signals.items():
            status, html = _get(world, role, f"/signals/{signal.pk}/")
            assert status == 200  # addressed to the actor's organisation
            main = html[html.index("<main") : html.index("</main>")]
            checks += _check_block(main, code, sc, exp, surface)
    elif surface == "trajectory_panel":
        status, html = _get(world, role, f"/trajectories/{sc.case.trajectory.pk}/")
        if not exp.in_scope:
            assert status == 404
            return
        for code, signal in sc.signals.items():
            block = _article(html, f'id="signal-{signal.pk}-title"')
            checks += _check_block(block, code, sc, exp, surface)
    else:
        html = _all_pages(world, role, "/notifications/")
        for code, signal in sc.signals.items():
            notification = Notification.objects.get(signal=signal)
            block = _article(html, f'id="notification-{notification.pk}"')
            if not exp.in_scope:  # no longer (or never) openable: one neutral line, no title
                assert block and TITLES[code] not in block
                assert sc.case.sentinels[m.IDENTITY] not in block
                checks += 1
                continue
            checks += _check_block(block, code, sc, exp, surface)
    record_property("matrix_checks", checks)  # tallied by the root conftest.py


@pytest.mark.django_db
def test_the_e_mail_names_no_signal_and_no_person(signal_world: SignalWorld) -> None:
    """The e-mail that announces the notifications: numbers and links, whoever reads it."""
    world = signal_world.world
    for actor in world.actors.values():
        type(actor.user).objects.filter(pk=actor.user.pk).update(
            email=f"{actor.user.username}@example.org"
        )
        NotificationPreference.objects.update_or_create(
            user=actor.user, defaults={"email_frequency": EmailFrequency.IMMEDIATE}
        )
    with transaction.atomic():
        queued = emails_queue_immediate()
        assert queued == len(m.MATRIX_ROLES)  # one per reader with notifications
        bodies = "\n".join(
            f"{e.subject}\n{e.body}" for e in OutgoingEmail.objects.order_by("id")[:queued]
        )
        transaction.set_rollback(True)
    assert mail.outbox == []  # queued, not sent, in this test
    assert re.search(r"\d+", bodies)
    for title in TITLES.values():
        assert title not in bodies
    for sc in signal_world.cases.values():
        for sentinel in (*sc.case.sentinels.values(), *sc.reasons.values()):
            assert sentinel not in bodies
