"""Environment variables that document themselves.

Every setting that can come from the environment is read through
:func:`config`, which records its name, default and help text in
:data:`REGISTRY`. ``manage.py envvars`` prints the table the README shows, so
the documentation cannot drift from the code (pattern from Open Formulieren).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: Any
    help: str


REGISTRY: dict[str, EnvVar] = {}

_TRUE = {"1", "true", "yes", "on"}


def config(name: str, default: Any = None, *, help: str) -> Any:
    """Read ``name`` from the environment, cast to the type of ``default``.

    Booleans accept 1/true/yes/on; lists (default is a list) are comma-separated.
    """
    REGISTRY[name] = EnvVar(name, default, help)
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in _TRUE
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw
