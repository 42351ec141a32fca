from __future__ import annotations

from typing import Any

from estafette.signals.models import Signal


def live(trajectory: Any, rule_code: str) -> Signal | None:
    return (
        Signal.objects.filter(trajectory=trajectory, rule_code=rule_code)
        .exclude(state="resolved")
        .first()
    )
