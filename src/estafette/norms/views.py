"""The norms page of an organisation's administrator: every norm, its source, our own value.

Only the organisation's administrator (role ``organisation_admin``) may open it;
anyone else gets the 403 page with the service's own sentence, and the attempt
is audited. Changes go through :func:`norms.services.norm_override_set`
(reason required, append-only history, audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from estafette.access import policy
from estafette.core import bounds
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.core.views import actor_required
from estafette.norms.catalogue import BY_CODE, NORMS, Norm
from estafette.norms.forms import NormOverrideForm, param_label, params_words
from estafette.norms.models import NormOverride
from estafette.norms.selectors import EffectiveNorm, norm_effective, norm_override_history
from estafette.norms.services import ONLY_ADMIN, norm_override_set


def _require_admin(actor: Actor, what: str) -> None:
    if not policy.may_set_norms(actor):
        audit_record(
            actor=actor, action=AuditAction.DENIED, object_type="norms.norm", object_id=what
        )
        raise NotPermitted(ONLY_ADMIN)


OUT_OF_RANGE = gettext_lazy(
    "“%(name)s” is stored as %(value)s, outside %(low)s–%(high)s: deadlines count with "
    "%(used)s until you correct it."
)


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{value[0]}–{value[1]}"
    return str(value)


@dataclass
class NormRow:
    norm: Norm
    effective: EffectiveNorm

    @property
    def default_words(self) -> str:
        return params_words(self.norm.params)

    @property
    def effective_words(self) -> str:
        """The organisation's values as stored (a value out of range is flagged beside them)."""
        return params_words(self.effective.stored_params)

    @property
    def flags(self) -> list[str]:
        """One sentence per value stored outside its range, before the range was checked."""
        stored, used = self.effective.stored_params, self.effective.params
        sentences = []
        for name in self.effective.flagged:
            bound = bounds.NORM_PARAMS[name]
            sentences.append(
                str(OUT_OF_RANGE)
                % {
                    "name": param_label(name),
                    "value": _shown(stored.get(name)),
                    "low": bound.low,
                    "high": bound.high,
                    "used": _shown(used.get(name)),
                }
            )
        return sentences


@require_http_methods(["GET"])
@actor_required
def norm_list(request: HttpRequest) -> HttpResponse:
    """Every norm in the catalogue with its default, source, deadline and our value."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    _require_admin(actor, "*")
    rows = [
        NormRow(norm, norm_effective(code=norm.code, organisation=actor.organisation))
        for norm in NORMS
    ]
    return render(request, "norms/norm_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@actor_required
def norm_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One norm: the override form (values and a required reason) and the history."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    _require_admin(actor, code)
    norm = BY_CODE.get(code)
    if norm is None:
        raise Http404(_("There is no such norm."))
    effective = norm_effective(code=code, organisation=actor.organisation)
    form = NormOverrideForm(
        request.POST if request.method == "POST" else None,
        norm=norm,
        current=effective.stored_params,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                norm_override_set(
                    actor=actor, code=code, params=form.params(), reason=form.cleaned_data["reason"]
                )
            except InvalidInput as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The norm is saved for your organisation."))
                return redirect("norm-detail", code=code)
        status = 400
    history: list[NormOverride] = norm_override_history(code=code, organisation=actor.organisation)
    context = {
        "norm": norm,
        "row": NormRow(norm, effective),
        "form": form,
        "history": [
            (entry, params_words(entry.params) if entry.params else "") for entry in history
        ],
    }
    return render(request, "norms/norm_detail.html", context, status=status)
