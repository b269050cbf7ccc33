"""Reads of Peppol transmissions, and the Peppol route as a query."""

from django.db.models import CharField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Length, Upper

from einvoicing.models import PeppolTransmission
from invoicing.models import ClientKind, Invoice, InvoiceStatus


def transmission_of(invoice: Invoice) -> PeppolTransmission | None:
    """The invoice's Peppol transmission, if it has one (from the
    `transmission` that the invoice page's query selected)."""
    try:
        return invoice.transmission
    except PeppolTransmission.DoesNotExist:
        return None


def peppol_routed(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The invoices among `invoices` whose route is Peppol: the rule of
    einvoicing.routing.route_for_invoice (a Belgian company with a VAT number)
    as a filter. An issued document is routed by the buyer it printed; a
    draft, or a document without buyer data, by its client. The tests hold
    this filter and the function to the same answers."""
    by_client = Q(status=InvoiceStatus.DRAFT) | Q(buyer={})
    return invoices.alias(
        buyer_kind=Cast(KT("buyer__kind"), CharField()),  # compared as text on any database
        buyer_country=Upper(KT("buyer__country")),
        buyer_vat_length=Length(KT("buyer__vat_number")),  # 0 or NULL: no VAT number
        client_country=Upper("client__country"),
    ).filter(
        (~by_client & Q(buyer_kind=ClientKind.COMPANY, buyer_country="BE", buyer_vat_length__gt=0))
        | (
            by_client
            & Q(client__kind=ClientKind.COMPANY, client_country="BE", client__vat_number__gt="")
        )
    )


def peppol_routed_invoices() -> QuerySet[Invoice]:
    """Issued invoices and credit notes whose route is Peppol, whatever
    their date."""
    return peppol_routed(Invoice.objects.exclude(status=InvoiceStatus.DRAFT))
