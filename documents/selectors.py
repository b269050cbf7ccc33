"""Reads of stored documents, sendings, rendering failures and exports."""

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from documents.models import DocumentExport, DocumentFailure, InvoiceDelivery, InvoiceDocument
from invoicing.models import Invoice, InvoiceStatus


def document_get(*, invoice: Invoice, format: str) -> InvoiceDocument | None:
    """The stored document of an invoice in a format, if rendered yet (uses
    the prefetched `documents` when the invoice has them)."""
    for document in invoice.documents.all():
        if document.format == format:
            return document
    return None


def delivery_get_owned(*, user: User, invoice_pk: int, pk: int) -> InvoiceDelivery:
    """A sending of one of the user's own invoices (404 otherwise)."""
    return get_object_or_404(
        InvoiceDelivery.objects.select_related("invoice"),
        pk=pk,
        invoice_id=invoice_pk,
        invoice__member__user=user,
    )


def document_failures_open(*, invoice: Invoice) -> QuerySet[DocumentFailure]:
    return DocumentFailure.objects.filter(invoice=invoice, resolved_at__isnull=True)


def _has(format: str) -> Exists:
    return Exists(InvoiceDocument.objects.filter(invoice_id=OuterRef("pk"), format=format))


def missing_documents(
    *, older_than: datetime.datetime, formats: Sequence[str]
) -> QuerySet[Invoice]:
    """Issued invoices and credit notes, issued before `older_than`, that
    lack one of `formats`; each row says which it has (`has_pdf`, ...). One
    query: an anti-join per format (a NOT EXISTS alone in its WHERE, which
    PostgreSQL runs as a hash anti-join), their union the invoices lacking
    any. OR-ing the NOT EXISTS instead probes the index twice per issued
    invoice (seconds at a million invoices)."""
    issued = Invoice.objects.exclude(status=InvoiceStatus.DRAFT).filter(issued_at__lt=older_than)
    lacking = [issued.filter(~_has(format)).values("pk").order_by() for format in formats]
    return (
        Invoice.objects.filter(pk__in=lacking[0].union(*lacking[1:]))
        .annotate(**{f"has_{format}": _has(format) for format in formats})
        .order_by("issued_at")
    )


# --- PDF exports ---------------------------------------------------------------------


def export_list_for(user: User) -> QuerySet[DocumentExport]:
    """The user's own exports of their own documents, newest first (one
    query; the page shows no related row). A staff export of every member
    belongs to the back office and is not listed here."""
    return DocumentExport.objects.filter(requested_by=user, member__user=user).order_by(
        "-created_at", "-pk"
    )


def export_get_owned(*, user: User, pk: int) -> DocumentExport:
    """One of the user's own exports of their own documents (404 otherwise)."""
    return get_object_or_404(DocumentExport, pk=pk, requested_by=user, member__user=user)
