"""Evidence pages. Uploads stream straight into encryption; viewing streams out."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from safetrail.accounts.decorators import signed_in
from safetrail.diary import services as diary
from safetrail.diary.templatetags.diary import when_text
from safetrail.diary.views import case_for
from safetrail.evidence import custody_log, forms, services
from safetrail.evidence.upload import EncryptingUploadHandler
from safetrail.safety.http import posted
from safetrail.vault.filestore import default_store

REFUSAL_MESSAGES = {
    "empty": gettext_lazy("is empty. Choose a file that has something in it."),
    "too_large": gettext_lazy("is too big. The largest file you can add is %(limit)s."),
    "dangerous": gettext_lazy("is a kind of file that could harm a computer, so it was not added."),
    "polyglot": gettext_lazy("looks like more than one kind of file at once, so it was not added."),
    "unknown": gettext_lazy(
        "is not a kind of file Safetrail keeps. Add photos, screenshots, audio, video, "
        "PDFs, emails (.eml) or text files."
    ),
    "storage": gettext_lazy(
        "could not be saved, because there is no space on the server. Try again later."
    ),
}


def _incident_choices(open_case: diary.OpenCase) -> list[tuple[str, str]]:
    return [
        (
            str(view.id),
            f"{when_text(view.current.get('when', {}))}: "
            f"{view.current.get('what_happened', '')[:60]}",
        )
        for view in reversed(diary.incidents_all(open_case))
    ]


def _human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


@signed_in
@require_safe
def locker(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    return render(
        request,
        "evidence/locker.html",
        {
            "case": open_case,
            "items": services.items(open_case),
            "form": forms.CapturedForm(incident_choices=_incident_choices(open_case)),
            "limit": _human_size(settings.SAFETRAIL_MAX_UPLOAD_BYTES),
        },
    )


@csrf_exempt
@signed_in
@require_POST
def upload(request: HttpRequest, case_id) -> HttpResponse:
    # The handler must be in place before anything reads the body; the CSRF
    # check (below) reads it, so it runs after, through csrf_protect.
    handler = EncryptingUploadHandler(
        request, store=default_store(), max_bytes=settings.SAFETRAIL_MAX_UPLOAD_BYTES
    )
    request.upload_handlers = [handler]
    try:
        request.POST  # noqa: B018  (reads the body now, so a cut-off upload is caught here)
        # A body that simply ends inside a file raises nothing: Django tells the handler.
        finished = not handler.interrupted
    except Exception:
        finished = False
    if not finished:
        handler.discard_all()
        messages.error(request, _("The upload did not finish. Nothing was saved. Try again."))
        return redirect("evidence:locker", case_id=case_id)
    try:
        return _upload(request, case_id, handler)
    finally:
        # Whatever went wrong (a stale form token, a bad form, an error saving),
        # files that were stored but not recorded must not be left behind.
        if not handler.saved:
            handler.discard_all()


@csrf_protect
def _upload(request: HttpRequest, case_id, handler: EncryptingUploadHandler) -> HttpResponse:
    open_case = case_for(request, case_id)
    form = forms.CapturedForm(request.POST, incident_choices=_incident_choices(open_case))
    if not form.is_valid():
        return render(
            request,
            "evidence/locker.html",
            {
                "case": open_case,
                "items": services.items(open_case),
                "form": form,
                "limit": _human_size(settings.SAFETRAIL_MAX_UPLOAD_BYTES),
            },
            status=400,
        )
    of_physical = form.cleaned_data.get("of_physical")
    if of_physical and not services.is_physical_item(open_case=open_case, item_id=of_physical):
        raise Http404
    captured = {
        "when": form.cleaned_data["captured_when"],
        "how": form.cleaned_data["captured_how"],
    }
    with transaction.atomic():
        added = [
            services.file_add(
                open_case=open_case,
                upload=accepted,
                captured=captured,
                incident_ids=form.cleaned_data["incidents"],
                of_physical=str(of_physical or ""),
            )
            for accepted in handler.uploads
        ]
    handler.saved = True
    for item in added:
        services.derive(open_case=open_case, item=item)
    for refusal in handler.refusals:
        message = REFUSAL_MESSAGES.get(refusal.reason, REFUSAL_MESSAGES["unknown"])
        # Never the file's name: messages wait in a cookie or the session, in clear.
        messages.error(
            request,
            _("One of the files %(problem)s")
            % {"problem": message % {"limit": _human_size(settings.SAFETRAIL_MAX_UPLOAD_BYTES)}},
        )
    if not added and not handler.refusals:
        messages.error(request, _("Choose at least one file to add."))
    if added:
        messages.success(request, _("Added and locked: %(count)s.") % {"count": len(added)})
    if len(added) == 1 and not handler.refusals:
        return redirect("evidence:item", case_id=open_case.id, item_id=added[0].id)
    return redirect("evidence:locker", case_id=open_case.id)


@signed_in
@require_http_methods(["GET", "POST"])
def physical(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    form = forms.PhysicalItemForm(posted(request), incident_choices=_incident_choices(open_case))
    if request.method == "POST" and form.is_valid():
        item = services.physical_add(
            open_case=open_case,
            description=form.cleaned_data["description"],
            arrived=form.cleaned_data["arrived"],
            kept_where=form.cleaned_data["kept_where"],
            incident_ids=form.cleaned_data["incidents"],
        )
        messages.success(request, _("The item is recorded."))
        return redirect("evidence:item", case_id=open_case.id, item_id=item.id)
    return render(request, "evidence/physical.html", {"case": open_case, "form": form})


@signed_in
@require_safe
def item(request: HttpRequest, case_id, item_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    view = services.item_get(open_case=open_case, item_id=item_id)
    return render(
        request,
        "evidence/item.html",
        {"case": open_case, "item": view, "size": _human_size(view.size)},
    )


def _stream(request: HttpRequest, case_id, item_id, *, download: bool) -> HttpResponse:
    open_case = case_for(request, case_id)
    view, chunks = services.item_content(
        open_case=open_case,
        item_id=item_id,
        action="evidence_downloaded" if download else "evidence_viewed",
    )
    mime = view.details.get("mime", "application/octet-stream")
    inline = not download and view.family in {"image", "audio", "video"}
    response = StreamingHttpResponse(
        chunks, content_type=mime if inline else "application/octet-stream"
    )
    response["Content-Length"] = str(view.size)
    response["Content-Disposition"] = "inline" if inline else 'attachment; filename="evidence"'
    response["X-Content-Type-Options"] = "nosniff"
    # A page of its own must never run anything, whatever the file holds.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@signed_in
@require_safe
def view(request: HttpRequest, case_id, item_id) -> HttpResponse:
    return _stream(request, case_id, item_id, download=False)


@signed_in
@require_safe
def download(request: HttpRequest, case_id, item_id) -> HttpResponse:
    return _stream(request, case_id, item_id, download=True)


@signed_in
@require_safe
def preview(request: HttpRequest, case_id, item_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    response = StreamingHttpResponse(
        services.preview_content(open_case=open_case, item_id=item_id), content_type="image/jpeg"
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@signed_in
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, case_id, item_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    view = services.item_get(open_case=open_case, item_id=item_id)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            raise Http404
        services.item_delete(open_case=open_case, item_id=view.id)
        messages.success(request, _("Deleted. The custody log still shows it existed."))
        return redirect("evidence:locker", case_id=open_case.id)
    return render(request, "evidence/delete.html", {"case": open_case, "item": view})


@signed_in
@require_safe
def custody(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    return render(
        request,
        "evidence/custody.html",
        {
            "case": open_case,
            "entries": custody_log.entries(open_case),
            "problem": custody_log.verify(open_case),
        },
    )
