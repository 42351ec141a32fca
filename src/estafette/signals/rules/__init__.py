"""Signal rules: declared objects in a registry (importing this package registers them)."""

from estafette.signals.rules import (
    conditions,  # noqa: F401  (registers the rules)
    relay,  # noqa: F401  (registers the rules)
    support,  # noqa: F401  (registers the rules)
    visits,  # noqa: F401  (registers the rules)
)
from estafette.signals.rules.base import REGISTRY, Candidate, Rule

__all__ = ["REGISTRY", "Candidate", "Rule"]
