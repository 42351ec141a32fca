"""One view: the form of one basic condition (GET on its own page, POST from the panel)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from estafette.access import policy
from estafette.conditions import services
from estafette.conditions.forms import ConditionForm, form_prefix
from estafette.conditions.selectors import condition_form_row
from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput
from estafette.core.views import actor_required
from estafette.trajectories.selectors import trajectory_get
from estafette.trajectories.views import display_name, no_access_response


@actor_required
def condition_record_view(request: HttpRequest, pk: int, condition: str) -> HttpResponse:
    """Show (GET) or record (POST) the status of one basic condition of trajectory ``pk``.

    Works without JavaScript: the panel on the trajectory page posts here and comes
    back to the panel; a form with errors is shown again on this page (HTTP 400).
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    try:
        # Reading the form page is audited by condition_form_row; a POST by the service.
        trajectory = trajectory_get(actor=actor, pk=pk, audit=False)
    except Http404:
        return no_access_response(request)
    access = policy.access_for(actor, trajectory)
    # An unknown condition: 404, audited; an actor who may not record: 403.
    row = condition_form_row(actor=actor, trajectory=trajectory, condition=condition, access=access)
    prefix = form_prefix(condition)
    status = 200
    if request.method == "POST":
        form = ConditionForm(request.POST, current=row.status, condition=condition, prefix=prefix)
        if form.is_valid():
            try:
                services.condition_record(
                    actor=actor,
                    trajectory=trajectory,
                    condition=condition,
                    status=form.cleaned_data["status"],
                    since=form.cleaned_data.get("since"),
                )
            except InvalidInput as exc:
                form.add_error(None, str(exc))
            else:
                flash.success(
                    request,
                    _("Saved: %(condition)s.") % {"condition": row.label},
                )
                return redirect(reverse("trajectory-detail", args=[pk]) + "#conditions-heading")
        status = 400
    else:
        form = ConditionForm(current=row.status, condition=condition, prefix=prefix)
    return render(
        request,
        "conditions/condition_form.html",
        {
            "trajectory": trajectory,
            "display_name": display_name(trajectory, access),
            "row": row,
            "form": form,
        },
        status=status,
    )
