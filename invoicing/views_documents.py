"""Member pages for an invoice's documents and their delivery: the PDF
(frozen once issued, a marked preview for a draft) and sending it to the
client by email, with each sending listed and a failed one retried."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from invoicing import selectors
from invoicing.models import DocumentFormat, Invoice
from invoicing.services import documents
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.requests import request_user


def pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued document: its stored PDF, the same bytes every time (stored
    now if the render task has not run yet). A draft: a preview marked
    "draft", rendered on request and not stored."""
    invoice = selectors.invoice_get_owned(user=request_user(request), pk=pk)
    return invoice_pdf_response(invoice)


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    """Shared with the staff admin."""
    if invoice.is_draft:
        preview = documents.invoice_draft_preview(invoice=invoice)
        return pdf_response(preview.content, preview.filename, inline=True)
    document = selectors.document_get(invoice=invoice, format=DocumentFormat.PDF)
    if document is None:
        document, _created = documents.invoice_document_store(
            invoice_id=invoice.pk, format=DocumentFormat.PDF
        )
    return pdf_response(documents.document_read(document), document.filename)


@login_required
def invoice_ubl(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored e-invoice (UBL) of an issued document; a draft has none."""
    invoice = selectors.invoice_get_owned(user=request_user(request), pk=pk)
    return invoice_ubl_response(invoice)


def invoice_ubl_response(invoice: Invoice) -> HttpResponse:
    """Shared with the staff admin."""
    if invoice.is_draft:
        raise Http404
    document = selectors.document_get(invoice=invoice, format=DocumentFormat.UBL)
    if document is None:
        document, _created = documents.invoice_document_store(
            invoice_id=invoice.pk, format=DocumentFormat.UBL
        )
    response = HttpResponse(documents.document_read(document), content_type=document.mimetype)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class SendForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Personal message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Added to the email above the payment details."),
    )


@login_required
def invoice_send(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: to whom the email goes, from whom, with what. POST: queue it."""
    user = request_user(request)
    invoice = selectors.invoice_get_owned(user=user, pk=pk)
    form = SendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            delivery = documents.invoice_send_request(
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
        "invoicing/invoice_send.html",
        {"invoice": invoice, "form": form, "from_email": settings.DEFAULT_FROM_EMAIL},
    )


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    user = request_user(request)
    delivery = selectors.delivery_get_owned(user=user, invoice_pk=pk, pk=delivery_pk)
    try:
        documents.invoice_delivery_retry(delivery=delivery, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The email to %(recipient)s will be tried again.")
            % {"recipient": delivery.recipient},
        )
    return redirect("invoicing:invoice_detail", pk=pk)
