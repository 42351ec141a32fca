"""Reads on norms: the effective norm for an organisation (its override, or the default)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from estafette.core.bounds import NORM_PARAMS
from estafette.norms.catalogue import Norm, norm_get
from estafette.norms.models import NormOverride


@dataclass(frozen=True)
class EffectiveNorm:
    """A norm as it applies to one organisation.

    ``params`` are the values every deadline counts with: the override's, held
    inside the range each value can mean (:data:`core.bounds.NORM_PARAMS`).
    ``flagged`` names the values stored outside that range before the range
    was checked on input: they are used clamped, and the norms page asks the
    administrator to correct them (``override.params`` keeps them as stored).
    """

    norm: Norm
    params: dict[str, Any]
    override: NormOverride | None = None
    flagged: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return self.norm.code

    @property
    def is_overridden(self) -> bool:
        return self.override is not None

    @property
    def stored_params(self) -> dict[str, Any]:
        """The values as stored (the override over the defaults), before any clamping."""
        if self.override is None or not self.override.params:
            return dict(self.params)
        return {**self.norm.params, **self.override.params}

    @property
    def has_deadline(self) -> bool:
        """A norm without a default deadline gets one when an organisation sets every value."""
        if self.norm.has_deadline:
            return True
        return bool(self.params) and all(v is not None for v in self.params.values())


def _within(name: str, value: Any, default: Any) -> tuple[Any, bool]:
    """One stored value held inside its range: (value to count with, was it out of range)."""
    bound = NORM_PARAMS.get(name)
    if bound is None:
        return value, False
    if isinstance(default, list | tuple):
        if not (isinstance(value, list | tuple) and len(value) == 2):
            return list(default), True
        low, low_bad = _within(name, value[0], default[0])
        high, high_bad = _within(name, value[1], default[1])
        return [low, max(low, high)], low_bad or high_bad or high < low
    if value is None:
        return default, default is not None  # "not set" is a value only where it is the default
    if isinstance(value, bool) or not isinstance(value, int):
        return default, True
    clamped = bound.clamp(value)
    return clamped, clamped != value


def params_within_bounds(
    norm: Norm, params: dict[str, Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``params`` (an override over ``norm``'s defaults) with every value inside its range.

    Returns the values to count with and the names that were out of range. A
    value stored before the range was checked on input must neither break a
    deadline nor disappear: it is used at the nearest end of its range and
    flagged for correction.
    """
    merged = {**norm.params, **params}
    result: dict[str, Any] = {}
    flagged: list[str] = []
    for name, value in merged.items():
        result[name], bad = _within(name, value, norm.params.get(name))
        if bad:
            flagged.append(name)
    return result, tuple(flagged)


def _effective(norm: Norm, override: NormOverride | None) -> EffectiveNorm:
    if override is None or not override.params:
        return EffectiveNorm(norm=norm, params=dict(norm.params), override=override)
    params, flagged = params_within_bounds(norm, override.params)
    return EffectiveNorm(norm=norm, params=params, override=override, flagged=flagged)


def norm_effective(*, code: str, organisation: Any) -> EffectiveNorm:
    """The norm ``code`` as it applies to ``organisation`` (one query)."""
    latest = (
        NormOverride.objects.filter(norm_code=code, organisation=organisation)
        .order_by("-set_at", "-id")
        .first()
    )
    return _effective(norm_get(code), latest)


_SNAPSHOT: ContextVar[dict[str, list[NormOverride]] | None] = ContextVar(
    "norm_overrides_snapshot", default=None
)


@contextmanager
def norm_overrides_snapshot() -> Iterator[None]:
    """Within the block, read every organisation's overrides once (one query), not per norm.

    An evaluation asks :func:`norms_effective_by_organisation` for a dozen
    norms; the overrides table is small (a row per organisation's change), so
    reading it whole once is cheaper than a dozen queries. Nested blocks reuse
    the outer snapshot. Changes made inside the block are not seen by it.
    """
    if _SNAPSHOT.get() is not None:
        yield
        return
    grouped: dict[str, list[NormOverride]] = {}
    for row in NormOverride.objects.order_by("organisation_id", "set_at", "id"):
        grouped.setdefault(row.norm_code, []).append(row)
    token = _SNAPSHOT.set(grouped)
    try:
        yield
    finally:
        _SNAPSHOT.reset(token)


def norms_effective_by_organisation(
    *, code: str, organisation_ids: Iterable[int] | None = None
) -> tuple[EffectiveNorm, dict[int, EffectiveNorm]]:
    """The default and every organisation's override of ``code``, in one query (or none
    inside :func:`norm_overrides_snapshot`).

    For set-based rules: look up the holder's norm in the dict, fall back to the default.
    """
    norm = norm_get(code)
    snapshot = _SNAPSHOT.get()
    rows: Iterable[NormOverride]
    if snapshot is not None:
        wanted = None if organisation_ids is None else set(organisation_ids)
        rows = [r for r in snapshot.get(code, []) if wanted is None or r.organisation_id in wanted]
    else:
        query = NormOverride.objects.filter(norm_code=code).order_by(
            "organisation_id", "set_at", "id"
        )
        if organisation_ids is not None:
            query = query.filter(organisation_id__in=list(organisation_ids))
        rows = query
    latest: dict[int, NormOverride] = {}
    for row in rows:
        latest[row.organisation_id] = row  # ordered ascending: the last one wins
    by_org = {org_id: _effective(norm, row) for org_id, row in latest.items() if row.params}
    return _effective(norm, None), by_org


def norm_override_history(*, code: str, organisation: Any) -> list[NormOverride]:
    """Every override of ``code`` for ``organisation``, newest first (who, when, why)."""
    return list(
        NormOverride.objects.filter(norm_code=code, organisation=organisation)
        .select_related("set_by")
        .order_by("-set_at", "-id")
    )
