"""What a transaction changed, told once it commits to whoever listens.

Every service that changes something about a trajectory says so inside its
transaction, in the domain's words:

* :func:`trajectory_changed_after_commit` — one trajectory (its release date,
  route, phase, a handover, a contact, a basic condition …);
* :func:`person_changed_after_commit` — a person, so every live trajectory of
  theirs (a consent, the network, a vulnerability marker);
* :func:`organisation_norms_changed_after_commit` — an organisation's own norms,
  so every live trajectory it runs in;
* :func:`handover_step_recorded_after_commit` — a handover step was written (the
  other party must hear of it).

Nothing happens if the transaction rolls back (or the savepoint the first call
was made in). After the commit, **one** callback per transaction and kind of
change (trajectories, handover steps) tells every listener of that kind once what
the transaction touched, however many services it passed.
Outside a transaction (autocommit) the listeners are told at once. A listener
that raises is logged and stops no other listener, and never fails the change:
it is committed already.

Core knows no listener. The apps that react register at start-up, in their
``AppConfig.ready()``: the signals app re-evaluates the touched trajectories
(:mod:`estafette.signals.schedule`) and notifies of handover steps
(:mod:`estafette.signals.notifications.schedule`). So a feature app tells core,
never the signals app: import-linter checks that no feature app imports
``estafette.signals`` (decision 0015).

This module imports nothing but Django, so any service may import it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrajectoryChanges:
    """What one transaction touched: trajectories, people and organisations' norms, by id.

    The listener resolves people and organisations to their live trajectories itself,
    after the commit.
    """

    trajectory_ids: frozenset[int] = frozenset()
    person_ids: frozenset[int] = frozenset()
    organisation_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.trajectory_ids or self.person_ids or self.organisation_ids)


TrajectoryListener = Callable[[TrajectoryChanges], Any]
HandoverStepListener = Callable[[], Any]

_TRAJECTORY_LISTENERS: list[TrajectoryListener] = []
_HANDOVER_STEP_LISTENERS: list[HandoverStepListener] = []

_ATTRIBUTE = "_estafette_changes_{kind}"


def on_trajectory_changed(listener: TrajectoryListener) -> TrajectoryListener:
    """Register ``listener`` to hear, after each commit, which trajectories changed.

    Call from ``AppConfig.ready()``; registering the same listener twice keeps one.
    Returns the listener, so it can decorate it.
    """
    if listener not in _TRAJECTORY_LISTENERS:
        _TRAJECTORY_LISTENERS.append(listener)
    return listener


def on_handover_step_recorded(listener: HandoverStepListener) -> HandoverStepListener:
    """Register ``listener`` to hear, after each commit that wrote a handover step, that it did.

    Called without arguments: the listener reads what is new itself (idempotently).
    """
    if listener not in _HANDOVER_STEP_LISTENERS:
        _HANDOVER_STEP_LISTENERS.append(listener)
    return listener


def trajectory_listeners() -> tuple[TrajectoryListener, ...]:
    return tuple(_TRAJECTORY_LISTENERS)


def handover_step_listeners() -> tuple[HandoverStepListener, ...]:
    return tuple(_HANDOVER_STEP_LISTENERS)


def _tell(listener: Callable[..., Any], *args: Any) -> None:
    try:
        listener(*args)
    except Exception:
        # The change is committed already; the listener's own catch-up (the daily sweep,
        # the periodic notifications) makes good for what it missed.
        logger.exception("a listener of committed changes failed: %r", listener)


@dataclass(eq=False)
class _Batch:
    """What one transaction touched; told to the listeners once, after its commit."""

    trajectory_ids: set[int] = field(default_factory=set)
    person_ids: set[int] = field(default_factory=set)
    organisation_ids: set[int] = field(default_factory=set)
    handover_steps: bool = False
    flushed: bool = False

    def flush(self) -> None:
        self.flushed = True
        changes = TrajectoryChanges(
            frozenset(self.trajectory_ids),
            frozenset(self.person_ids),
            frozenset(self.organisation_ids),
        )
        if changes:
            for listener in trajectory_listeners():
                _tell(listener, changes)
        if self.handover_steps:
            for step_listener in handover_step_listeners():
                _tell(step_listener)


def _pending(connection: Any, batch: _Batch | None) -> bool:
    """Whether ``batch``'s callback still waits for this transaction's commit.

    Django drops the callbacks of a rolled-back transaction or savepoint from
    ``run_on_commit``; a batch no longer listed there must not collect more.
    """
    if batch is None or batch.flushed:
        return False
    return any(entry[1] == batch.flush for entry in connection.run_on_commit)


def _batch(kind: str) -> _Batch | None:
    """This transaction's batch of ``kind`` (registered on first use), or None in autocommit.

    One per kind, each with its own callback: a batch of one kind left waiting in an
    enclosing block (a test's transaction) never holds back the other kind.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    attribute = _ATTRIBUTE.format(kind=kind)
    batch: _Batch | None = getattr(connection, attribute, None)
    if batch is None or not _pending(connection, batch):
        batch = _Batch()
        setattr(connection, attribute, batch)
        # robust: the change is committed already; a failing listener is logged, not
        # raised into the request.
        transaction.on_commit(batch.flush, robust=True)
    return batch


def _add(
    *,
    trajectory_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    organisation_ids: Iterable[int] = (),
    handover_steps: bool = False,
) -> None:
    batch = _batch("handover_steps" if handover_steps else "trajectories")
    if batch is None:  # autocommit: already committed, tell at once
        batch = _Batch()
        now = True
    else:
        now = False
    batch.trajectory_ids.update(trajectory_ids)
    batch.person_ids.update(person_ids)
    batch.organisation_ids.update(organisation_ids)
    batch.handover_steps = batch.handover_steps or handover_steps
    if now:
        batch.flush()


def trajectory_changed_after_commit(trajectory_id: int) -> None:
    """Say that ``trajectory_id`` changed; its listeners hear of it after the commit.

    Call inside the service's transaction. Listeners must be idempotent: an extra
    call costs time, not correctness.
    """
    _add(trajectory_ids=[trajectory_id])


def person_changed_after_commit(person_id: int) -> None:
    """Say that something of the person changed: every live trajectory of theirs counts."""
    _add(person_ids=[person_id])


def organisation_norms_changed_after_commit(organisation_id: int) -> None:
    """Say that the organisation's own norms changed: every live trajectory it runs in counts."""
    _add(organisation_ids=[organisation_id])


def handover_step_recorded_after_commit() -> None:
    """Say that this transaction wrote a handover step (after writing it).

    Its listeners hear once per transaction, however many steps it wrote.
    """
    _add(handover_steps=True)
