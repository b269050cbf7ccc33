"""Member pages of PDF exports: every PDF the member issued in a period, as
one ZIP that a task builds (services.documents) while the page shows its
progress, polled with htmx and without script by a link that reloads it.

Only the member's own exports of their own documents are found here; any
other id answers 404 (selectors.export_get_owned)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from invoicing import selectors
from invoicing.forms import ExportPeriodForm
from invoicing.models import DocumentExport, ExportStatus
from invoicing.services import documents
from invoicing.views import PAGE_SIZE, _member
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.requests import request_user


def export_download_response(export: DocumentExport) -> FileResponse:
    """The finished ZIP, streamed from storage as an attachment (shared with
    the back office). A ZIP not finished yet is not there: 404."""
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    filename = (export.file.name or "").rsplit("/", 1)[-1]
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def progress_context(
    export: DocumentExport, *, progress_url: str, download_url: str
) -> dict[str, Any]:
    """What _export_progress.html shows (shared with the back office)."""
    return {
        "export": export,
        "polling": export.status in (ExportStatus.PENDING, ExportStatus.RUNNING),
        "progress_url": progress_url,
        "download_url": download_url,
    }


def _progress(export: DocumentExport) -> dict[str, Any]:
    return progress_context(
        export,
        progress_url=reverse("invoicing:export_progress", args=[export.pk]),
        download_url=reverse("invoicing:export_download", args=[export.pk]),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_list(request: HttpRequest) -> HttpResponse:
    """GET: the member's exports and the form for a new one. POST: start one
    and go to its page; a refusal shows next to the field it is about."""
    member = _member(request)
    user = request_user(request)
    if request.method == "POST":
        form = ExportPeriodForm(request.POST)
        if form.is_valid():
            try:
                export = documents.documents_export_request(
                    acting_user=user,
                    member=member,
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("invoicing:export_detail", pk=export.pk)
    else:
        today = timezone.localdate()
        form = ExportPeriodForm(
            initial={"date_from": today.replace(month=1, day=1), "date_to": today}
        )
    page = Paginator(selectors.export_list_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "invoicing/export_list.html", {"form": form, "page": page})


@login_required
@require_safe
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = selectors.export_get_owned(user=request_user(request), pk=pk)
    return render(request, "invoicing/export_detail.html", _progress(export))


@login_required
@require_safe
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment the detail page polls every second until the ZIP is
    ready or failed (the fragment it then gets no longer polls)."""
    export = selectors.export_get_owned(user=request_user(request), pk=pk)
    return render(request, "invoicing/_export_progress.html", _progress(export))


@login_required
@require_safe
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = selectors.export_get_owned(user=request_user(request), pk=pk)
    return export_download_response(export)
