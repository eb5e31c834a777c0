"""Risk pages: the checklist, its results, how answers changed, the stop date, the plan."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from safetrail.accounts.decorators import signed_in
from safetrail.diary.views import case_for
from safetrail.risk import checklist as checklists
from safetrail.risk import forms, services
from safetrail.safety.http import posted


def _checklist(key: str | None = None) -> checklists.Checklist:
    available = checklists.configured()
    if key is None:
        return checklists.default()
    if key not in available:
        raise Http404
    return available[key]


@signed_in
@require_safe
def start(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    return render(
        request,
        "risk/start.html",
        {
            "case": open_case,
            "checklist": _checklist(),
            "screenings": services.screenings(open_case)[:5],
            "around_stop": services.counts_around_stop(open_case),
            "stop_date": services.stop_date(open_case),
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    checklist = _checklist(request.GET.get("checklist"))
    suggested = services.suggestions_for(open_case)
    form = forms.ScreeningForm(posted(request), checklist=checklist, suggested=suggested)
    if request.method == "POST" and form.is_valid():
        screening = services.screening_save(
            open_case=open_case,
            checklist=checklist,
            answers=form.answers(),
            suggested={key: item.occasions for key, item in suggested.items()},
        )
        return redirect("risk:result", case_id=open_case.id, screening_id=screening.id)
    return render(
        request, "risk/check.html", {"case": open_case, "checklist": checklist, "form": form}
    )


@signed_in
@require_safe
def result(request: HttpRequest, case_id, screening_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    screening = services.screening_get(open_case=open_case, screening_id=screening_id)
    if screening is None:
        raise Http404
    checklist = checklists.configured().get(screening.checklist_key)
    return render(
        request,
        "risk/result.html",
        {"case": open_case, "screening": screening, "checklist": checklist},
    )


@signed_in
@require_safe
def history(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    done = list(reversed(services.screenings(open_case)))
    checklist = _checklist()
    rows = [
        {
            "question": question,
            "answers": [
                screening.answers.get(question.key, "")
                if screening.checklist_key == checklist.key
                else ""
                for screening in done
            ],
        }
        for question in checklist.questions
    ]
    return render(
        request,
        "risk/history.html",
        {
            "case": open_case,
            "screenings": done,
            "rows": rows,
            "answer_labels": {answer.key: str(answer.label) for answer in checklist.answers},
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def stop_date(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    current = services.stop_date(open_case)
    form = forms.StopDateForm(posted(request), initial={"date": current})
    if request.method == "POST" and form.is_valid():
        services.stop_date_set(open_case=open_case, day=form.cleaned_data["date"])
        messages.success(request, _("Saved."))
        return redirect("risk:start", case_id=open_case.id)
    return render(request, "risk/stop_date.html", {"case": open_case, "form": form})


@signed_in
@require_http_methods(["GET", "POST"])
def safety_plan(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    plan, saved_at = services.safety_plan(open_case)
    form = forms.SafetyPlanForm(posted(request), initial=plan)
    if request.method == "POST" and form.is_valid():
        services.safety_plan_save(open_case=open_case, plan=form.plan())
        messages.success(request, _("Your safety plan is saved. Earlier versions are kept."))
        return redirect("risk:safety_plan_print", case_id=open_case.id)
    return render(
        request,
        "risk/safety_plan.html",
        {"case": open_case, "form": form, "saved_at": saved_at},
    )


@signed_in
@require_safe
def safety_plan_print(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    plan, saved_at = services.safety_plan(open_case)
    return render(
        request,
        "risk/safety_plan_print.html",
        {
            "case": open_case,
            "plan": plan,
            "saved_at": saved_at,
            "bag_labels": dict(forms.PLAN_BAG_ITEMS),
            "tech_labels": dict(forms.PLAN_TECH_STEPS),
        },
    )
