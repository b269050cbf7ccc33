"""How an invoice must reach its client (domain.md, Electronic invoices).

Since 1 January 2026 an invoice from a Belgian VAT-registered supplier (the
cooperative) to a Belgian VAT-registered business must be a structured
e-invoice sent over Peppol; a PDF alone no longer counts for it. Everyone
else (consumers, Belgian businesses without a VAT number, clients abroad)
gets the PDF by email, with the UBL file attached for those who want it.

The decision is a pure function of the client's kind, country, VAT number and
Peppol id, so the client page, the invoice page (from the invoice's frozen
buyer data) and issuing all say the same thing, with the reason.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PEPPOL = "peppol", _("Peppol e-invoice")
    EMAIL = "email", _("Email with the PDF")


@dataclass(frozen=True)
class Route:
    channel: str
    mandatory: bool
    reason: Promise | str
    participant: str = ""

    @property
    def is_peppol(self) -> bool:
        return self.channel == Channel.PEPPOL

    @property
    def label(self) -> str:
        return str(Channel(self.channel).label)


PEPPOL_MANDATORY = _(
    "A Belgian VAT-registered business: since 1 January 2026 its invoices must be structured "
    "e-invoices sent over Peppol (to %(participant)s); a PDF alone does not count."
)
BELGIAN_NO_VAT = _(
    "A Belgian business without a VAT number: the e-invoicing obligation does not apply. The "
    "PDF goes by email, with the e-invoice (UBL) attached."
)
ABROAD = _(
    "A business outside Belgium: the Belgian e-invoicing obligation does not apply. The PDF "
    "goes by email, with the e-invoice (UBL) attached."
)
CONSUMER = _(
    "A consumer: e-invoicing does not apply. The PDF goes by email, with the e-invoice (UBL) "
    "attached."
)


def route_for(*, kind: str, country: str, vat_number: str, peppol_id: str) -> Route:
    """The channel for a client with these details, and why."""
    if kind != "company":
        return Route(Channel.EMAIL, False, CONSUMER)
    if str(country).upper() != "BE":
        return Route(Channel.EMAIL, False, ABROAD)
    if not vat_number:
        return Route(Channel.EMAIL, False, BELGIAN_NO_VAT)
    return Route(
        Channel.PEPPOL,
        True,
        PEPPOL_MANDATORY % {"participant": peppol_id},
        participant=peppol_id,
    )


def route_for_client(client: Any) -> Route:
    return route_for(
        kind=client.kind,
        country=str(client.country),
        vat_number=client.vat_number,
        peppol_id=client.peppol_participant,
    )


def route_for_invoice(invoice: Any) -> Route:
    """From what the issued document printed (a draft: from its client)."""
    if invoice.is_draft or not invoice.buyer:
        return route_for_client(invoice.client)
    buyer = invoice.buyer
    return route_for(
        kind=buyer.get("kind", ""),
        country=buyer.get("country", ""),
        vat_number=buyer.get("vat_number", ""),
        peppol_id=buyer.get("peppol_id", ""),
    )
