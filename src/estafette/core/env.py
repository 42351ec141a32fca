"""Environment variables that document themselves.

Every setting that can come from the environment is read through
:func:`config`, which records its name, default and help text in
:data:`REGISTRY`. ``manage.py envvars`` prints the table the README shows, so
the documentation cannot drift from the code (pattern from Open Formulieren).
A number or date outside its range in :mod:`estafette.core.bounds`
(``ENV_NUMBERS``, ``ENV_DATES``) stops the start with ``ImproperlyConfigured``
naming the variable and the range, instead of failing later on a page.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from estafette.core import bounds


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
        return _within(name, int(raw))
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if name in bounds.ENV_DATES and raw.strip():
        _date_within(name, raw.strip())
    return raw


def _within(name: str, value: int) -> int:
    """``value``, if inside the range :data:`core.bounds.ENV_NUMBERS` gives ``name``."""
    if name in bounds.ENV_NUMBERS:
        low, high, what = bounds.ENV_NUMBERS[name]
        if not low <= value <= high:
            raise ImproperlyConfigured(f"{name}={value}: must be from {low} to {high} ({what}).")
    return value


def _date_within(name: str, raw: str) -> None:
    bound = bounds.ENV_DATES[name]
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={raw}: not a date (YYYY-MM-DD).") from error
    earliest, latest = bound.range_on()
    if not earliest <= day <= latest:
        raise ImproperlyConfigured(f"{name}={raw}: must lie between {earliest} and {latest}.")
