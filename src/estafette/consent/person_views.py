"""The person's own consents, under /my/consents/ (issue 13): read them, ask to withdraw one.

Only the person themself: :func:`person_required` lets a signed-in subject through
(anyone else goes to the portal's sign-in page) and answers a contact person 404,
audited — the contact person's own pages show what the person shares with them, never
the consents. Reads go through ``selectors.my_consents`` / ``my_consent_get`` and the
withdrawal through ``services.consent_withdraw_by_person``; both audit through
``portal.subject.subject_audit``. Every page works without JavaScript: the withdrawal
is a link to a confirm page, then a POST.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from estafette.consent import messages
from estafette.consent.forms import PersonWithdrawForm
from estafette.consent.models import CONSENT_STATE_LABELS, Consent
from estafette.consent.rules import ConsentState
from estafette.consent.selectors import my_consent_get, my_consents
from estafette.consent.services import consent_withdraw_by_person, withdrawal_would_notify
from estafette.core import clock
from estafette.core.errors import Conflict
from estafette.core.models import AuditAction
from estafette.portal.subject import Subject, subject_audit, subject_required

WITHDRAWABLE = frozenset({ConsentState.ACTIVE, ConsentState.NOT_YET})
"""The states in which asking to withdraw changes something: in force, or not yet started."""


def person_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run ``view`` only for the signed-in person themself (``request.subject``).

    No subject (a visitor, a staff session): to the portal's sign-in page. A contact
    person: 404, audited as a refusal — the same answer as for a page that does not exist.
    """

    @subject_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subject: Subject = request.subject  # type: ignore[attr-defined]
        if not subject.is_person:
            subject_audit(
                subject,
                AuditAction.DENIED,
                object_type="portal.page",
                object_id=request.resolver_match.url_name if request.resolver_match else "",
                what="person-only page",
            )
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@dataclass(frozen=True)
class MyConsent:
    """One consent as the person reads it: what, to whom, when, its state — in words."""

    consent: Consent
    state: ConsentState

    @property
    def state_label(self) -> str:
        return str(CONSENT_STATE_LABELS[self.state])

    @property
    def may_withdraw(self) -> bool:
        return self.state in WITHDRAWABLE and not self.consent.is_revoked

    @property
    def badge_class(self) -> str:
        if self.state == ConsentState.ACTIVE:
            return "badge--state-accepted"
        if self.state in (ConsentState.ENDED, ConsentState.WITHDRAWN):
            return "badge--state-expired"
        return ""


def _my_consents(consents: list[Consent], today: dt.date) -> list[MyConsent]:
    return [MyConsent(consent, consent.state_on(today)) for consent in consents]


@person_required
@require_http_methods(["GET", "HEAD"])
def my_consents_view(request: HttpRequest) -> HttpResponse:
    """Every consent of the person, in plain words; a way to ask to withdraw each one in force."""
    subject: Subject = request.subject  # type: ignore[attr-defined]
    consents = my_consents(subject=subject)
    today = clock.today()
    rows = _my_consents(consents, today)
    response = render(
        request,
        "consent/my_consents.html",
        {
            "rows": rows,
            "in_force": [row for row in rows if row.state in WITHDRAWABLE],
            "past": [row for row in rows if row.state not in WITHDRAWABLE],
            "today": today,
        },
    )
    add_never_cache_headers(response)
    return response


@person_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_consent_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to withdraw one consent: a confirm page saying what will happen, then the POST.

    Another person's consent, or one that does not exist: 404 (audited), no hint which.
    A consent already withdrawn or ended: back to the list with a sentence saying so.
    After the withdrawal: back to the list (post/redirect/get), naming whom we told.
    """
    subject: Subject = request.subject  # type: ignore[attr-defined]
    consent = my_consent_get(subject=subject, pk=pk)
    state = consent.state_on(clock.today())
    if consent.is_revoked:
        flash.info(request, messages.ALREADY_WITHDRAWN_BY_YOU)
        return redirect("my-consents")
    if state not in WITHDRAWABLE:
        flash.info(request, messages.ALREADY_ENDED)
        return redirect("my-consents")
    status = 200
    if request.method == "POST":
        form = PersonWithdrawForm(request.POST)
        if form.is_valid():
            try:
                consent = consent_withdraw_by_person(
                    subject=subject, consent=consent, reason=form.cleaned_data["reason"]
                )
            except Conflict as error:
                flash.info(request, str(error))
                return redirect("my-consents")
            # The same rule the withdrawal followed: these organisations have a notice now.
            told = [organisation.name for organisation in withdrawal_would_notify(consent)]
            if told:
                flash.success(
                    request,
                    str(messages.WITHDRAWN_BY_YOU) % {"organisations": ", ".join(told)},
                )
            else:
                flash.success(request, messages.WITHDRAWN_BY_YOU_NOBODY)
            return redirect("my-consents")
        status = 400
    else:
        form = PersonWithdrawForm()
    subject_audit(
        subject,
        AuditAction.VIEW,
        object_type="consent.consent",
        object_id=consent.pk,
        what="withdraw-confirm",
    )
    response = render(
        request,
        "consent/my_consent_withdraw.html",
        {
            "row": MyConsent(consent, state),
            "form": form,
            "told": withdrawal_would_notify(consent),
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response
