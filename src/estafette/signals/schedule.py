"""Ask for a trajectory's signals to be re-evaluated once the current change commits.

Every service that changes something a rule reads (release date, route, phase,
handovers, consent, contacts, basic conditions, network) calls
:func:`evaluate_after_commit` inside its transaction. Nothing happens if the
transaction rolls back; after commit the evaluation of that one trajectory
runs (DOMAIN.md §7: "right after every change that can affect a trajectory").

This module imports nothing from the feature apps at import time, so any
service may import it without import cycles.
"""

from __future__ import annotations

from django.db import transaction


def evaluate_after_commit(trajectory_id: int) -> None:
    """Schedule the evaluation of ``trajectory_id``'s signals for after the commit.

    Evaluation is idempotent, so two calls in one transaction cost time, not correctness.
    """
    transaction.on_commit(lambda: _evaluate(trajectory_id))


def _evaluate(trajectory_id: int) -> None:
    from estafette.signals.evaluate import signals_evaluate

    signals_evaluate([trajectory_id])
