"""What an issued document copies onto itself, so that a later edit of the
cooperative's settings, a client or a member changes nothing already issued
(style.md, item 3; pretix `base/models/invoices.py`).

Issuing, crediting, the PDF of a draft and the bulk seeder of the benchmarks
all take the snapshots from here: there is one definition of each.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from invoicing.calculation import VatOption
from invoicing.models import Client, Invoice
from rules.values import LocalizedText


def seller() -> dict[str, Any]:
    """The cooperative, the legal seller on every invoice."""
    enterprise = settings.COOPERATIVE_ENTERPRISE_NUMBER
    return {
        "name": settings.COOPERATIVE_NAME,
        "address": settings.COOPERATIVE_ADDRESS,
        "country": "BE",
        "enterprise_number": enterprise,
        "vat_number": f"BE{enterprise}",
        "iban": settings.COOPERATIVE_IBAN,
        "bic": settings.COOPERATIVE_BIC,
        "register": seller_register(),
    }


def seller_register() -> dict[str, str]:
    """The register of legal entities and its court (WVV art. 2:20), in nl,
    fr and en, from settings; kept with the seller on every issued document."""
    return {language: settings.COOPERATIVE_REGISTER[language] for language in ("nl", "fr", "en")}


def buyer(client: Client) -> dict[str, str]:
    """The client as the document prints it."""
    return {
        "kind": client.kind,
        "name": client.name,
        "street": client.street,
        "postal_code": client.postal_code,
        "city": client.city,
        "country": str(client.country),
        "vat_number": client.vat_number,
        "enterprise_number": client.enterprise_number,
        "peppol_id": client.peppol_participant,
        "email": client.email,
        "language": client.language,
    }


def member_mentions(invoice: Invoice) -> dict[str, str]:
    """The member's activity the document is invoiced for (kept with the buyer)."""
    return {
        "activity": invoice.activity.name,
        "activity_kind": invoice.activity.kind,
        "member_name": invoice.member.legal_name,
        "member_number": str(invoice.member.member_number),
    }


def mentions(
    options: Iterable[VatOption], language: str, extra: Iterable[LocalizedText] = ()
) -> list[str]:
    """The legal mentions the document prints, in its language, once each:
    those of its VAT categories, then `extra` (the credit note wording)."""
    texts: list[str] = []
    wordings = [option.mention for option in options if option.mention is not None]
    for wording in [*wordings, *extra]:
        text = wording.get(language)
        if text not in texts:
            texts.append(text)
    return texts
