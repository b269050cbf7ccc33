"""What documents adds to the member's invoice page (invoicing.extensions):
the PDF to download or preview, the email sendings and their results."""

from collections.abc import Mapping

from documents import selectors
from documents.models import DocumentFormat
from invoicing.extensions import INVOICE_PAGE, Section
from invoicing.models import Client, Invoice


def invoice_context(invoice: Invoice | Client) -> Mapping[str, object]:
    assert isinstance(invoice, Invoice)
    return {
        "pdf": selectors.document_get(invoice=invoice, format=DocumentFormat.PDF),
        "deliveries": invoice.deliveries.all(),
    }


INVOICE_SECTION = Section(
    name="documents",
    page=INVOICE_PAGE,
    template="documents/_invoice_section.html",
    context=invoice_context,
    order=20,
    prefetch_related=("documents", "deliveries"),
)
