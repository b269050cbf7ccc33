"""The member's download of an issued document's e-invoice (UBL)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from documents.models import DocumentFormat
from documents.views import document_response
from invoicing.selectors import invoice_get_owned
from smartcoop.lib.requests import request_user


@login_required
def invoice_ubl(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored e-invoice of an issued document; a draft has none (404)."""
    invoice = invoice_get_owned(user=request_user(request), pk=pk)
    return document_response(invoice, DocumentFormat.UBL)
