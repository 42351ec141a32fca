"""The plan's pages: the person's own (/my/plan/) and the worker's (/trajectories/<pk>/plan/).

Thin: reads through :mod:`personal_plan.selectors`, changes through
:mod:`personal_plan.services`. Every form works without JavaScript: POST, then a redirect
back to the page (with a message), or the page again with the form's errors (HTTP 400).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from estafette.core.actor import Actor
from estafette.core.errors import InvalidInput, NotPermitted
from estafette.core.views import actor_required
from estafette.personal_plan import services
from estafette.personal_plan.forms import AnswerForm, OwnStepForm, OwnWordsForm, ProposeForm
from estafette.personal_plan.selectors import Plan, own_plan_get, trajectory_plan_get
from estafette.portal.subject import Subject, subject_required
from estafette.trajectories.selectors import trajectory_get
from estafette.trajectories.views import display_name, no_access_response

MINE_TEMPLATE = "personal_plan/mine.html"
TRAJECTORY_TEMPLATE = "personal_plan/trajectory_plan.html"


# --- the person ---------------------------------------------------------------------------


def _subject(request: HttpRequest) -> Subject:
    return request.subject  # type: ignore[attr-defined]


def _not_for_contact_person(request: HttpRequest, error: NotPermitted) -> HttpResponse:
    return render(
        request, "personal_plan/not_for_contact.html", {"message": str(error)}, status=403
    )


def _not_on_list(request: HttpRequest) -> HttpResponse:
    """A step that is not on the person's list: the same page whether it exists or not."""
    return render(request, "personal_plan/not_found.html", status=404)


def _mine_page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    """The person's plan with its forms; ``forms`` replaces a form by a bound one with errors."""
    try:
        plan = own_plan_get(subject=_subject(request))
    except NotPermitted as error:
        return _not_for_contact_person(request, error)
    words_form = forms.get("words_form") or OwnWordsForm(
        initial={item.kind: item.row.text for item in plan.words if item.row is not None}
    )
    failed_answer: AnswerForm | None = forms.get("answer_form")
    failed_step = forms.get("answer_step")
    for item in (*plan.own_steps, *plan.others_steps):
        if item.step.is_proposal:
            item.answer_form = (  # type: ignore[attr-defined]
                failed_answer
                if failed_answer is not None and failed_step == item.step.pk
                else AnswerForm(step_id=item.step.pk)
            )
    context = {
        "plan": plan,
        "words_form": words_form,
        "words_rows": [(item, words_form[item.kind]) for item in plan.words],
        "step_form": forms.get("step_form") or OwnStepForm(),
    }
    return render(request, MINE_TEMPLATE, context, status=status)


def _step_id(request: HttpRequest) -> int | None:
    """The step's number a form sent (``step``), or None for anything but a number."""
    value = request.POST.get("step", "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _back(anchor: str = "") -> HttpResponse:
    return redirect(reverse("personal_plan:mine") + (f"#{anchor}" if anchor else ""))


@require_GET
@subject_required
def mine(request: HttpRequest) -> HttpResponse:
    """My plan: my own words, my steps to tick off, and what others proposed."""
    return _mine_page(request)


@require_POST
@subject_required
def words_save(request: HttpRequest) -> HttpResponse:
    form = OwnWordsForm(request.POST)
    if form.is_valid():
        try:
            services.own_words_write(subject=_subject(request), words=form.cleaned_data)
        except NotPermitted as error:
            return _not_for_contact_person(request, error)
        except InvalidInput as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Your words are saved."))
            return _back("my-words")
    return _mine_page(request, status=400, words_form=form)


@require_POST
@subject_required
def step_add(request: HttpRequest) -> HttpResponse:
    form = OwnStepForm(request.POST)
    if form.is_valid():
        try:
            services.own_step_add(
                subject=_subject(request),
                text=form.cleaned_data["text"],
                due=form.cleaned_data.get("due"),
            )
        except NotPermitted as error:
            return _not_for_contact_person(request, error)
        except InvalidInput as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Your step is on your list."))
            return _back("my-steps")
    return _mine_page(request, status=400, step_form=form)


@require_POST
@subject_required
def step_tick(request: HttpRequest) -> HttpResponse:
    pk = _step_id(request)
    if pk is None:
        return _not_on_list(request)
    done = request.POST.get("done") != "0"
    try:
        services.step_tick(subject=_subject(request), step_id=pk, done=done)
    except Http404:
        return _not_on_list(request)
    except NotPermitted as error:
        if not _subject(request).is_person:
            return _not_for_contact_person(request, error)
        flash.error(request, str(error))
        return _back(f"step-{pk}")
    flash.success(
        request, _("Well done! The step is ticked off.") if done else _("The step is open again.")
    )
    return _back(f"step-{pk}")


@require_POST
@subject_required
def answer_save(request: HttpRequest) -> HttpResponse:
    pk = _step_id(request)
    if pk is None:
        return _not_on_list(request)
    form = AnswerForm(request.POST, step_id=pk)
    if form.is_valid():
        try:
            services.proposal_answer(
                subject=_subject(request),
                step_id=pk,
                answer=form.cleaned_data["answer"],
                comment=form.cleaned_data.get("comment", ""),
            )
        except Http404:
            return _not_on_list(request)
        except NotPermitted as error:
            return _not_for_contact_person(request, error)
        except InvalidInput as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Thank you. Your answer is sent."))
            return _back(f"step-{pk}")
    return _mine_page(request, status=400, answer_form=form, answer_step=pk)


# --- the worker ---------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


def _trajectory_page(
    request: HttpRequest, pk: int, status: int = 200, form: ProposeForm | None = None
) -> HttpResponse:
    actor = _actor(request)
    try:
        plan: Plan = trajectory_plan_get(actor=actor, pk=pk)
    except Http404:
        return no_access_response(request)
    assert plan.trajectory is not None and plan.access is not None
    context = {
        "plan": plan,
        "trajectory": plan.trajectory,
        "display_name": display_name(plan.trajectory, plan.access),
        "form": form or ProposeForm(),
    }
    return render(request, TRAJECTORY_TEMPLATE, context, status=status)


@require_GET
@actor_required
def trajectory_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's own plan, as a worker with a part in file ``pk`` sees it."""
    return _trajectory_page(request, pk)


def _opened(request: HttpRequest, pk: int) -> Any:
    # The service audits the change or the refusal; the read itself is not a view.
    return trajectory_get(actor=_actor(request), pk=pk, audit=False)


@require_POST
@actor_required
def trajectory_plan_propose(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        trajectory = _opened(request, pk)
    except Http404:
        return no_access_response(request)
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            services.step_propose(
                actor=_actor(request),
                trajectory=trajectory,
                text=form.cleaned_data["text"],
                due=form.cleaned_data.get("due"),
                owner=form.cleaned_data["owner"],
            )
        except InvalidInput as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("The step is proposed. The person sees it on their list."))
            return redirect("personal_plan:trajectory", pk=pk)
    return _trajectory_page(request, pk, status=400, form=form)


@require_POST
@actor_required
def trajectory_plan_step_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        trajectory = _opened(request, pk)
        step = _step_id(request)
        if step is None:
            raise Http404
        services.step_mark_done(
            actor=_actor(request),
            trajectory=trajectory,
            step_id=step,
            done=request.POST.get("done") != "0",
        )
    except Http404:
        return no_access_response(request)
    flash.success(request, _("Saved."))
    return redirect(reverse("personal_plan:trajectory", args=[pk]) + f"#step-{step}")
