"""Member pages of an invoice's documents: the PDF (frozen once issued, a
marked preview for a draft), sending it to the client by email with each
sending listed and a failed one retried, and PDF exports of a period as one
ZIP that a task builds while the page shows its progress (polled with htmx,
and without script by a link that reloads it).

Only the member's own invoices, sendings and exports are found here; any
other id answers 404 (the selectors' `_get_owned`)."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from documents import selectors, services
from documents.forms import ExportPeriodForm, SendForm
from documents.models import DocumentExport, DocumentFormat, ExportStatus
from invoicing.models import Invoice
from invoicing.selectors import invoice_get_owned
from members.selectors import member_of_user
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.pages import page_of
from smartcoop.lib.requests import request_user


def pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def document_response(invoice: Invoice, format: str) -> HttpResponse:
    """An issued document's stored file in `format`, the same bytes every time
    (stored now if the render task has not run yet). Shared with the back
    office and e-invoicing's download of the UBL."""
    if invoice.is_draft:
        raise Http404
    document = selectors.document_get(invoice=invoice, format=format)
    if document is None:
        document, _created = services.invoice_document_store(invoice_id=invoice.pk, format=format)
    content = services.document_read(document)
    if format == DocumentFormat.PDF:
        return pdf_response(content, document.filename)
    response = HttpResponse(content, content_type=document.mimetype)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    """An issued document's PDF; a draft's preview, marked "draft", rendered on
    request and not stored. Shared with the back office."""
    if invoice.is_draft:
        preview = services.invoice_draft_preview(invoice=invoice)
        return pdf_response(preview.content, preview.filename, inline=True)
    return document_response(invoice, DocumentFormat.PDF)


@login_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_get_owned(user=request_user(request), pk=pk)
    return invoice_pdf_response(invoice)


@login_required
def invoice_send(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: to whom the email goes, from whom, with what. POST: queue it."""
    user = request_user(request)
    invoice = invoice_get_owned(user=user, pk=pk)
    form = SendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            delivery = services.invoice_send_request(
                invoice=invoice, acting_user=user, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The email to %(recipient)s is on its way; its result shows below.")
                % {"recipient": delivery.recipient},
            )
            return redirect("invoicing:invoice_detail", pk=invoice.pk)
    return render(
        request,
        "documents/invoice_send.html",
        {"invoice": invoice, "form": form, "from_email": settings.DEFAULT_FROM_EMAIL},
    )


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    user = request_user(request)
    delivery = selectors.delivery_get_owned(user=user, invoice_pk=pk, pk=delivery_pk)
    try:
        services.invoice_delivery_retry(delivery=delivery, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The email to %(recipient)s will be tried again.")
            % {"recipient": delivery.recipient},
        )
    return redirect("invoicing:invoice_detail", pk=pk)


# --- PDF exports ---------------------------------------------------------------------


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
        progress_url=reverse("documents:export_progress", args=[export.pk]),
        download_url=reverse("documents:export_download", args=[export.pk]),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_list(request: HttpRequest) -> HttpResponse:
    """GET: the member's exports and the form for a new one. POST: start one
    and go to its page; a refusal shows next to the field it is about."""
    user = request_user(request)
    member = member_of_user(user=user)
    if request.method == "POST":
        form = ExportPeriodForm(request.POST)
        if form.is_valid():
            try:
                export = services.documents_export_request(
                    acting_user=user,
                    member=member,
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("documents:export_detail", pk=export.pk)
    else:
        today = timezone.localdate()
        form = ExportPeriodForm(
            initial={"date_from": today.replace(month=1, day=1), "date_to": today}
        )
    page = page_of(request, selectors.export_list_for(user))
    return render(request, "documents/export_list.html", {"form": form, "page": page})


@login_required
@require_safe
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = selectors.export_get_owned(user=request_user(request), pk=pk)
    return render(request, "documents/export_detail.html", _progress(export))


@login_required
@require_safe
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment the detail page polls every second until the ZIP is
    ready or failed (the fragment it then gets no longer polls)."""
    export = selectors.export_get_owned(user=request_user(request), pk=pk)
    return render(request, "documents/_export_progress.html", _progress(export))


@login_required
@require_safe
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = selectors.export_get_owned(user=request_user(request), pk=pk)
    return export_download_response(export)
