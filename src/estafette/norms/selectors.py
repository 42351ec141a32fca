"""Reads on norms: the effective norm for an organisation (its override, or the default)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from estafette.norms.catalogue import Norm, norm_get
from estafette.norms.models import NormOverride


@dataclass(frozen=True)
class EffectiveNorm:
    norm: Norm
    params: dict[str, Any]
    override: NormOverride | None = None

    @property
    def code(self) -> str:
        return self.norm.code

    @property
    def is_overridden(self) -> bool:
        return self.override is not None

    @property
    def has_deadline(self) -> bool:
        """A norm without a default deadline gets one when an organisation sets every value."""
        if self.norm.has_deadline:
            return True
        return bool(self.params) and all(v is not None for v in self.params.values())


def _effective(norm: Norm, override: NormOverride | None) -> EffectiveNorm:
    if override is None or not override.params:
        return EffectiveNorm(norm=norm, params=dict(norm.params), override=override)
    return EffectiveNorm(norm=norm, params={**norm.params, **override.params}, override=override)


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
