"""The contact person's own page, ``/my/home-front/`` (issue 13): advice for the home front,
the municipality's after-care desk, a message to the professionals, children left behind.

Only the contact person: :func:`contact_person_required` lets a signed-in subject through
(anyone else goes to the sign-in page) and answers the person themself 404, audited — the
same answer as a page that does not exist. Reads and acts go through
:mod:`portal.home_front`, which audits them. Forms are plain POSTs that work without
JavaScript; after a success the page is shown again (redirect), after a refusal the page
is shown with the sentence beside the field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from estafette.core.errors import Conflict, InvalidInput, NotPermitted
from estafette.core.models import AuditAction
from estafette.portal import home_front
from estafette.portal.subject import Subject, subject_audit, subject_required

TEMPLATE = "portal/home_front.html"


def contact_person_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run ``view`` only for the signed-in contact person (``request.subject``).

    No subject: to the sign-in page. The person themself: 404, audited as a refusal.
    """

    @subject_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subject: Subject = request.subject  # type: ignore[attr-defined]
        if not subject.is_contact_person:
            subject_audit(
                subject,
                AuditAction.DENIED,
                object_type="portal.page",
                object_id=request.resolver_match.url_name if request.resolver_match else "",
                what="contact-person-only page",
            )
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MessageForm(_Form):
    """One box: the message. The service checks it again (empty, too long)."""

    text = forms.CharField(
        label=_("Your message"),
        max_length=home_front.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": home_front.MESSAGE_EMPTY,
            "max_length": _("Your message is too long. Use at most %(limit_value)s letters."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Said in the language of the request, not of the moment the module was imported.
        self.fields["text"].help_text = _("At most %(max)s letters.") % {
            "max": home_front.MESSAGE_MAX_LENGTH
        }


class ChildForm(_Form):
    """A child left behind: first name, year of birth (optional), who cares for them now."""

    name = forms.CharField(
        label=_("First name of the child"),
        max_length=home_front.CHILD_NAME_MAX_LENGTH,
        error_messages={"required": home_front.CHILD_NAME_EMPTY},
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth (you may leave this empty)"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Write the year as four digits, for example 2015.")},
    )
    cared_for_by = forms.CharField(
        label=_("Who takes care of the child now? (you may leave this empty)"),
        help_text=_("For example: me, the mother, grandmother."),
        required=False,
        max_length=home_front.CARED_FOR_BY_MAX_LENGTH,
    )


def _page(
    request: HttpRequest,
    *,
    status: int = 200,
    message_form: MessageForm | None = None,
    child_form: ChildForm | None = None,
    refusal: str = "",
) -> HttpResponse:
    subject: Subject = request.subject  # type: ignore[attr-defined]
    page = home_front.home_front_for(subject=subject)
    first, last = home_front.birth_years()
    response = render(
        request,
        TEMPLATE,
        {
            "page": page,
            "message_form": message_form or MessageForm(),
            "child_form": child_form or ChildForm(),
            "message_max": home_front.MESSAGE_MAX_LENGTH,
            "first_year": first,
            "last_year": last,
            "refusal": refusal,
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response


@require_GET
@contact_person_required
def home_front_page(request: HttpRequest) -> HttpResponse:
    """``/my/home-front/``: advice, the desk, the message box, the children."""
    return _page(request)


def _field_error(form: forms.Form, error: InvalidInput) -> None:
    field = error.params.get("field")
    form.add_error(field if isinstance(field, str) and field in form.fields else None, str(error))


@require_POST
@contact_person_required
def home_front_message(request: HttpRequest) -> HttpResponse:
    """POST ``/my/home-front/message/``: send the message; back to the page."""
    subject: Subject = request.subject  # type: ignore[attr-defined]
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            home_front.home_front_message_send(subject=subject, text=form.cleaned_data["text"])
        except InvalidInput as error:
            form.add_error("text", str(error))
        except Conflict as error:
            form.add_error(None, str(error))
            return _page(request, status=409, message_form=form)
        else:
            flash.success(
                request,
                _("Thank you. Your message is sent. The people who help %(name)s can read it.")
                % {"name": home_front.first_name_of(subject.person)},
            )
            return redirect("portal:home-front")
    return _page(request, status=400, message_form=form)


@require_POST
@contact_person_required
def home_front_child(request: HttpRequest) -> HttpResponse:
    """POST ``/my/home-front/children/``: register a child left behind; back to the page."""
    subject: Subject = request.subject  # type: ignore[attr-defined]
    form = ChildForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            home_front.child_register(
                subject=subject,
                name=data["name"],
                birth_year=data["birth_year"],
                cared_for_by=data["cared_for_by"],
            )
        except InvalidInput as error:
            _field_error(form, error)
        except (NotPermitted, Conflict) as error:
            form.add_error(None, str(error))
            return _page(request, status=error.status, child_form=form)
        else:
            flash.success(
                request,
                _("Thank you. %(child)s is added. The people who help %(name)s can see it.")
                % {"child": data["name"], "name": home_front.first_name_of(subject.person)},
            )
            return redirect("portal:home-front")
    return _page(request, status=400, child_form=form)
