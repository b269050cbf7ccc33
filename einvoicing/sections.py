"""What e-invoicing adds to the member's pages (invoicing.extensions): on an
invoice, how it reaches the client (Peppol or email, and why), its Peppol
transmission and its UBL file; on a client, the route its invoices take."""

from collections.abc import Mapping

from einvoicing import selectors
from einvoicing.routing import route_for_client, route_for_invoice
from invoicing.extensions import CLIENT_PAGE, INVOICE_PAGE, Section
from invoicing.models import Client, Invoice


def invoice_context(invoice: Invoice | Client) -> Mapping[str, object]:
    assert isinstance(invoice, Invoice)
    return {"route": route_for_invoice(invoice), "transmission": selectors.transmission_of(invoice)}


def client_context(client: Invoice | Client) -> Mapping[str, object]:
    assert isinstance(client, Client)
    return {"route": route_for_client(client)}


INVOICE_SECTION = Section(
    name="einvoicing",
    page=INVOICE_PAGE,
    template="einvoicing/_invoice_section.html",
    context=invoice_context,
    order=10,
    select_related=("transmission",),
)
CLIENT_SECTION = Section(
    name="einvoicing",
    page=CLIENT_PAGE,
    template="einvoicing/_client_section.html",
    context=client_context,
    order=10,
)
