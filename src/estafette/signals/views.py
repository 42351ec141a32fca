"""The signal inbox and the signal page: thin views over the signal selectors and services.

Every read goes through a selector scoped by ``request.actor`` (404 and an
audit entry for a signal addressed to someone else); every change through a
service. Forms work without JavaScript (POST, then redirect to the signal
page); htmx only swaps the inbox's results when a filter changes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from estafette.core.actor import Actor
from estafette.core.errors import DomainError, InvalidInput
from estafette.core.views import actor_required
from estafette.organisations.models import Role
from estafette.organisations.selectors import country_list, municipality_list
from estafette.signals import services
from estafette.signals.forms import InboxFilterForm, NoteForm, ResolveForm, SnoozeForm
from estafette.signals.lifecycle import move_for
from estafette.signals.selectors import (
    SCOPE_ORGANISATION,
    signal_for_action,
    signal_get,
    signal_inbox_page,
    signal_rule_choices,
    volunteer_reminders,
)

DETAIL_TEMPLATE = "signals/signal_detail.html"
PREFIXES = {"acknowledge": "ack", "snooze": "snooze", "resolve": "resolve"}


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _is_htmx_swap(request: HttpRequest, target: str) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == target
    )


@require_GET
@actor_required
def signal_inbox(request: HttpRequest) -> HttpResponse:
    """Signals addressed to the actor's role (or whole organisation), most urgent first.

    A visiting volunteer is never the addressee of a signal (that load is the
    coordinator's): for their role the page lists the reminders of their own
    visits instead (:func:`selectors.volunteer_reminders`).
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role == Role.VISITING_VOLUNTEER and request.GET.get("scope") != SCOPE_ORGANISATION:
        reminders = volunteer_reminders(actor=actor)
        return render(request, "signals/volunteer_reminders.html", {"reminders": reminders})
    form = InboxFilterForm(
        request.GET or None,
        rules=signal_rule_choices(),
        countries=country_list(),
        municipalities=municipality_list(),
    )
    if form.is_bound:
        form.is_valid()  # the valid part still filters; errors are shown beside their fields
    filters = form.filters()
    page_obj, rows = signal_inbox_page(actor=actor, filters=filters, page=_page_number(request))
    context = {
        "form": form,
        "filters": filters,
        "page_obj": page_obj,
        "rows": rows,
        "whole_organisation": filters.scope == SCOPE_ORGANISATION,
        "is_filtered": any((filters.rule, filters.country, filters.municipality, filters.state)),
    }
    template = "signals/inbox.html"
    if _is_htmx_swap(request, "inbox-results"):
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _forms(bound: dict[str, forms.Form] | None = None) -> dict[str, forms.Form]:
    bound = bound or {}
    return {
        "acknowledge": bound.get("acknowledge") or NoteForm(prefix=PREFIXES["acknowledge"]),
        "snooze": bound.get("snooze") or SnoozeForm(prefix=PREFIXES["snooze"]),
        "resolve": bound.get("resolve") or ResolveForm(prefix=PREFIXES["resolve"]),
    }


def _detail(
    request: HttpRequest, pk: int, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    view = signal_get(actor=actor, pk=pk)
    actions = services_allowed(view.signal.state)
    context = {
        "view": view,
        "row": view.row,
        "signal": view.signal,
        "forms": _forms(bound),
        "actions": actions,
        "open_form": next(iter(bound or {}), ""),
    }
    return render(request, DETAIL_TEMPLATE, context, status=status)


def services_allowed(state: str) -> list[str]:
    """The hand actions the lifecycle table allows from ``state``."""
    return [action for action in PREFIXES if move_for(action, state) is not None]


@require_GET
@actor_required
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One signal: reason, norm and source, due date and what it was counted from, history."""
    return _detail(request, pk)


def _act(request: HttpRequest, pk: int, action: str, form: forms.Form, apply: Any) -> HttpResponse:
    """Validate, call the service, then redirect (PRG); errors go beside the field or to a message.

    ``InvalidInput`` lands on the form's text field (the domain's sentence);
    ``Conflict`` and ``NotPermitted`` become a message on the signal page.
    """
    actor: Actor = request.actor  # type: ignore[attr-defined]
    signal = signal_for_action(actor=actor, pk=pk)
    if form.is_valid():
        try:
            apply(actor, signal, form.cleaned_data)
        except InvalidInput as exc:
            field = "note" if "note" in form.fields else "reason"
            form.add_error(field, str(exc))
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("signal-detail", pk=pk)
        else:
            messages.success(request, DONE[action])
            return redirect("signal-detail", pk=pk)
    return _detail(request, pk, bound={action: form}, status=400)


DONE = {  # lazy: evaluated per request, in that request's language
    "acknowledge": _("The signal is acknowledged."),
    "snooze": _("The signal is snoozed."),
    "resolve": _("The signal is resolved."),
}


@require_POST
@actor_required
def signal_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "acknowledge",
        NoteForm(request.POST, prefix=PREFIXES["acknowledge"]),
        lambda actor, signal, data: services.signal_acknowledge(
            actor=actor, signal=signal, note=data["note"]
        ),
    )


@require_POST
@actor_required
def signal_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "snooze",
        SnoozeForm(request.POST, prefix=PREFIXES["snooze"]),
        lambda actor, signal, data: services.signal_snooze(
            actor=actor, signal=signal, until=data["until"], reason=data["reason"]
        ),
    )


@require_POST
@actor_required
def signal_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "resolve",
        ResolveForm(request.POST, prefix=PREFIXES["resolve"]),
        lambda actor, signal, data: services.signal_resolve(
            actor=actor, signal=signal, reason=data["reason"]
        ),
    )
