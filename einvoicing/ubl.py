"""The e-invoice: an issued invoice or credit note as a Peppol BIS Billing 3.0
document in UBL 2.1 (domain.md, Electronic invoices), the second renderer of
the documents pipeline (documents/rendering.py, decisions.md 12), registered
by e-invoicing's AppConfig.

Everything comes from what the document froze when it was issued (seller,
buyer, mentions, lines, totals, VAT breakdown, language), so a re-render
never differs from what the PDF printed. The figures are the stored ones,
already rounded as EN 16931 wants (calculation.py): lines to the cent, VAT per
category and rate on the sum of the lines, totals as sums.

Choices the official rules leave to us (tests/invoicing/test_ubl.py runs the
official rules on every case):

* Buyer electronic address (BT-49, mandatory in Peppol: PEPPOL-EN16931-R010).
  A Belgian company is `0208:<enterprise number>` (the buyer snapshot's
  `peppol_id`, or derived from a Belgian VAT number); a client with another
  Peppol id keeps it; a client with an EU VAT number gets that number under
  its country's VAT scheme (9925, 9930, 9944, ... of the EAS list). A consumer,
  or a foreign client with neither, has no electronic address at all, and
  Peppol offers none to fall back on: the email scheme `EM` is in the CEN list
  but not in Peppol's (PEPPOL-EN16931-CL008, fatal). Their document then
  carries the cooperative's own address (`0208:<its enterprise number>`):
  valid, and whatever would route it over Peppol can only bring it back to
  us, never to a third party. Those clients get their invoice by email
  (their address is in the buyer's contact, BT-58).
* Buyer reference (BT-10) or order reference is mandatory in Peppol
  (PEPPOL-EN16931-R003): the client's reference when there is one, else the
  invoice's own number (for a credit note, the credited invoice's).
* Peppol allows one document note (PEPPOL-EN16931-R002): the credit reason,
  the legal mentions, the activity and member it is invoiced for, and the
  member's notes, one per line, in the document's language.
* VAT category O (outside the scope of VAT) forbids the seller's and the
  buyer's VAT numbers (BR-O-02): they are left out of such a document.
* The unit "half day" (HD) is no UN/ECE Recommendation 20 code (BR-CL-23):
  such a line is sent as C62 (one) with the same quantity and price, and the
  unit's name as an item property.
* Payment means (invoices only; a credit note is not paid to the cooperative):
  credit transfer (30) to the cooperative's IBAN, with the structured
  reference as payment id in its printed form (+++123/4567/89012+++), as
  Belgian banks and accounting software read it.

The readable PDF is embedded (BG-24): the stored one when it exists (checked
against its SHA-256), else rendered now. Output is deterministic: the same
invoice and PDF give the same bytes.
"""

import base64
import copy
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree

from documents.models import DocumentFormat, InvoiceDocument
from documents.rendering import (
    PdfRenderer,
    RenderedDocument,
    Renderer,
    RenderError,
    document_filename,
)
from documents.services import DocumentDamaged, document_read
from invoicing.calculation import options_of, price_places, vat_options
from invoicing.models import Invoice, InvoiceLine, Unit
from smartcoop.lib.ogm import ogm_format

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_PREFIXES = {"cbc": CBC, "cac": CAC}

CURRENCY = "EUR"
INVOICE_TYPE_CODE = "380"  # commercial invoice (UNTDID 1001)
CREDIT_NOTE_TYPE_CODE = "381"  # credit note
CREDIT_TRANSFER = "30"  # UNCL 4461
BELGIAN_ENTERPRISE_SCHEME = "0208"
VAT = "VAT"

# EAS schemes of VAT numbers (Peppol code list "Electronic Address Scheme"),
# by the VAT number's prefix. Belgium is absent on purpose: Belgian
# participants are addressed by their enterprise number (0208), which is the
# digits of their VAT number.
VAT_NUMBER_SCHEMES = {
    "AT": "9914",
    "BG": "9926",
    "CY": "9928",
    "CZ": "9929",
    "DE": "9930",
    "EE": "9931",
    "EL": "9933",
    "ES": "9920",
    "FR": "9957",
    "HR": "9934",
    "HU": "9910",
    "IE": "9935",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "SI": "9949",
    "SK": "9950",
}
# Units of the model with no UN/ECE Recommendation 20 code, and what is sent instead.
UNIT_FALLBACKS = {Unit.HALF_DAY.value: Unit.UNIT.value}
# Categories whose breakdown must give an exemption reason (BR-E-10, BR-AE-10,
# BR-IC-10, BR-G-10, BR-O-10); S and Z must not (BR-S-10, BR-Z-10).
EXEMPT_CATEGORIES = frozenset({"E", "AE", "K", "G", "O"})
NOT_SUBJECT = "O"  # no rate at all (BR-O-05, BR-O-09) and no VAT numbers (BR-O-02)
INTRA_COMMUNITY_SUPPLY = "K"  # needs the country of delivery (BR-IC-12)

CENT = Decimal("0.01")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ADDRESS = re.compile(r"^(?P<street>.+?),\s*(?P<postal>[0-9]{4,5})\s+(?P<city>.+)$")

Element = Any  # lxml's _Element (lxml ships no type information)


@cache
def _qname(name: str) -> str:
    prefix, _sep, local = name.partition(":")
    return f"{{{_PREFIXES[prefix]}}}{local}"


def _agg(name: str, *children: Element | None) -> Element | None:
    """An aggregate with its children, or None when none is left: an empty
    element is an error (PEPPOL-EN16931-R008)."""
    present = [child for child in children if child is not None]
    if not present:
        return None
    element = etree.Element(_qname(name))
    element.extend(present)
    return element


def _clean(value: object) -> str:
    """The text of a value, stripped; characters XML cannot carry (control
    characters pasted into a description) become spaces."""
    return "" if value is None else _NOT_XML.sub(" ", str(value)).strip()


def _val(name: str, value: object, **attributes: str) -> Element | None:
    """A basic element with its text, or None when the value is empty."""
    text = _clean(value)
    if not text:
        return None
    element = etree.Element(_qname(name), {k: v for k, v in attributes.items() if v})
    element.text = text
    return element


def _money(value: Decimal | str) -> str:
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):f}"


def _price(value: Decimal) -> str:
    """The item net price (BT-146) with every decimal it has, at least the
    cents (0.085, 85.00): EN 16931 does not cap them, and rounding them would
    break PEPPOL-EN16931-R120 (line amount = quantity × price)."""
    return f"{value.quantize(Decimal(1).scaleb(-price_places(value))):f}"


def _amount(name: str, value: Decimal | str) -> Element:
    element = etree.Element(_qname(name), currencyID=CURRENCY)
    element.text = _money(value)
    return element


def _number(value: Decimal | str) -> str:
    """A quantity or a rate without trailing zeros: 12, 0.333, 21, 5.5."""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in {"-0", ""} else text


# --- Parties ---------------------------------------------------------------------------------


def buyer_endpoint(buyer: dict[str, Any], seller: dict[str, Any]) -> tuple[str, str]:
    """(scheme, identifier) of the buyer's electronic address (BT-49); see
    the module's docstring for the order of the choices."""
    peppol_id = (buyer.get("peppol_id") or "").strip()
    if peppol_id and ":" in peppol_id:
        scheme, _sep, identifier = peppol_id.partition(":")
        return scheme, identifier
    vat_number = (buyer.get("vat_number") or "").strip().upper()
    enterprise = (buyer.get("enterprise_number") or "").strip()
    if enterprise and buyer.get("country") == "BE":
        return BELGIAN_ENTERPRISE_SCHEME, enterprise
    if vat_number.startswith("BE"):
        return BELGIAN_ENTERPRISE_SCHEME, vat_number[2:]
    if vat_number[:2] in VAT_NUMBER_SCHEMES:
        return VAT_NUMBER_SCHEMES[vat_number[:2]], vat_number
    return BELGIAN_ENTERPRISE_SCHEME, seller["enterprise_number"]


def _split_address(address: str) -> tuple[str, str, str]:
    """(street, postal code, city) of "Rue Coenraets 72, 1060 Saint-Gilles";
    an address in another shape stays whole as the street."""
    match = _ADDRESS.match(address.strip())
    if match is None:
        return address.strip(), "", ""
    return match["street"].strip(), match["postal"], match["city"].strip()


def _country(code: str) -> Element | None:
    return _agg("cac:Country", _val("cbc:IdentificationCode", code))


def _tax_scheme() -> Element:
    return _agg("cac:TaxScheme", _val("cbc:ID", VAT))


def _party_vat(vat_number: str) -> Element | None:
    if not vat_number:
        return None
    return _agg("cac:PartyTaxScheme", _val("cbc:CompanyID", vat_number), _tax_scheme())


def _seller_party(seller: dict[str, Any], *, with_vat: bool) -> Element:
    street, postal, city = _split_address(seller.get("address") or "")
    enterprise = seller["enterprise_number"]
    return _agg(
        "cac:AccountingSupplierParty",
        _agg(
            "cac:Party",
            _val("cbc:EndpointID", enterprise, schemeID=BELGIAN_ENTERPRISE_SCHEME),
            _agg(
                "cac:PostalAddress",
                _val("cbc:StreetName", street),
                _val("cbc:CityName", city),
                _val("cbc:PostalZone", postal),
                _country(seller.get("country") or "BE"),
            ),
            _party_vat(seller.get("vat_number") or "") if with_vat else None,
            _agg(
                "cac:PartyLegalEntity",
                _val("cbc:RegistrationName", seller["name"]),
                _val("cbc:CompanyID", enterprise, schemeID=BELGIAN_ENTERPRISE_SCHEME),
            ),
        ),
    )


def _buyer_party(buyer: dict[str, Any], seller: dict[str, Any], *, with_vat: bool) -> Element:
    scheme, identifier = buyer_endpoint(buyer, seller)
    enterprise = (buyer.get("enterprise_number") or "").strip()
    return _agg(
        "cac:AccountingCustomerParty",
        _agg(
            "cac:Party",
            _val("cbc:EndpointID", identifier, schemeID=scheme),
            _agg(
                "cac:PostalAddress",
                _val("cbc:StreetName", buyer.get("street")),
                _val("cbc:CityName", buyer.get("city")),
                _val("cbc:PostalZone", buyer.get("postal_code")),
                _country(buyer.get("country") or ""),
            ),
            _party_vat((buyer.get("vat_number") or "").strip()) if with_vat else None,
            _agg(
                "cac:PartyLegalEntity",
                _val("cbc:RegistrationName", buyer.get("name")),
                _val(
                    "cbc:CompanyID",
                    enterprise,
                    schemeID=BELGIAN_ENTERPRISE_SCHEME if buyer.get("country") == "BE" else "",
                ),
            ),
            _agg("cac:Contact", _val("cbc:ElectronicMail", buyer.get("email"))),
        ),
    )


# --- Document parts --------------------------------------------------------------------------


def _note(invoice: Invoice) -> str:
    """The one document note (BT-22), in the document's language."""
    parts: list[str] = []
    if invoice.is_credit_note and invoice.credit_reason:
        parts.append(f"{_('Reason')}: {invoice.credit_reason}")
    parts.extend(str(mention) for mention in invoice.mentions)
    buyer = invoice.buyer
    if buyer.get("activity") and buyer.get("member_name"):
        parts.append(
            _("For the activity “%(activity)s” of %(member)s")
            % {"activity": buyer["activity"], "member": buyer["member_name"]}
            + (
                f" ({_('member no.')} {buyer['member_number']})"
                if buyer.get("member_number")
                else ""
            )
        )
    if invoice.notes:
        parts.append(invoice.notes)
    return "\n".join(part.strip() for part in parts if part and part.strip())


def _own_reference(invoice: Invoice) -> str:
    """The buyer reference of a document whose client gave none: the
    invoice's number (for a credit note, the credited invoice's, as its
    e-invoice said)."""
    credited = invoice.credited_invoice
    return credited.number if credited is not None else invoice.number


def _pdf_reference(invoice: Invoice, pdf: bytes) -> Element:
    title = _("Credit note") if invoice.is_credit_note else _("Invoice")
    binary = etree.Element(
        _qname("cbc:EmbeddedDocumentBinaryObject"),
        mimeCode="application/pdf",
        filename=document_filename(invoice, "pdf"),
    )
    binary.text = base64.b64encode(pdf).decode("ascii")
    return _agg(
        "cac:AdditionalDocumentReference",
        _val("cbc:ID", invoice.number),
        _val("cbc:DocumentDescription", f"{title} {invoice.number}"),
        _agg("cac:Attachment", binary),
    )


def _billing_reference(invoice: Invoice) -> Element | None:
    credited = invoice.credited_invoice
    if credited is None:
        return None
    return _agg(
        "cac:BillingReference",
        _agg(
            "cac:InvoiceDocumentReference",
            _val("cbc:ID", credited.number),
            _val("cbc:IssueDate", credited.issue_date.isoformat() if credited.issue_date else ""),
        ),
    )


def _delivery(invoice: Invoice, categories: set[str]) -> Element | None:
    location = None
    if INTRA_COMMUNITY_SUPPLY in categories:
        location = _agg(
            "cac:DeliveryLocation",
            _agg("cac:Address", _country(invoice.buyer.get("country") or "")),
        )
    return _agg(
        "cac:Delivery", _val("cbc:ActualDeliveryDate", invoice.supply_date.isoformat()), location
    )


def _payment(invoice: Invoice) -> list[Element | None]:
    if invoice.is_credit_note:
        return []
    seller = invoice.seller
    iban = (seller.get("iban") or "").replace(" ", "").upper()
    reference = ogm_format(invoice.structured_reference) if invoice.structured_reference else ""
    means = _agg(
        "cac:PaymentMeans",
        _val("cbc:PaymentMeansCode", CREDIT_TRANSFER),
        _val("cbc:PaymentID", reference),
        _agg(
            "cac:PayeeFinancialAccount",
            _val("cbc:ID", iban),
            _val("cbc:Name", seller.get("name")),
            _agg("cac:FinancialInstitutionBranch", _val("cbc:ID", seller.get("bic"))),
        ),
    )
    days = invoice.payment_term_days
    term = ngettext(
        "Payment term: %(days)s day after the invoice date",
        "Payment term: %(days)s days after the invoice date",
        days,
    ) % {"days": days}
    return [means, _agg("cac:PaymentTerms", _val("cbc:Note", term))]


def _tax_category(
    name: str, category: str, rate: Decimal, reasons: dict[str, tuple[str, str]] | None = None
) -> Element:
    code, text = (reasons or {}).get(category, ("", ""))
    return _agg(
        name,
        _val("cbc:ID", category),
        _val("cbc:Percent", _number(rate)) if category != NOT_SUBJECT else None,
        _val("cbc:TaxExemptionReasonCode", code),
        _val("cbc:TaxExemptionReason", text),
        _tax_scheme(),
    )


def _exemption_reasons(invoice: Invoice, categories: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{category: (VATEX code, legal mention)} of the exempt categories used,
    from the VAT rules of the date of supply, in the document's language."""
    wanted = set(categories) & EXEMPT_CATEGORIES
    if not wanted:
        return {}
    options, _provenance = vat_options(invoice.supply_date)
    reasons: dict[str, tuple[str, str]] = {}
    # The lines' own bases (one per category: issuing refuses two), then the
    # category's first option for a line issued before the bases existed.
    for option in [*options_of(invoice.lines.all(), options), *options]:
        if option.category in wanted and option.category not in reasons:
            text = option.mention.get(invoice.language) if option.mention else ""
            reasons[option.category] = (
                option.vatex_code or "",
                text or option.name.get(invoice.language),
            )
    return reasons


def _tax_total(
    invoice: Invoice, groups: list[dict[str, Any]], reasons: dict[str, tuple[str, str]]
) -> Element:
    return _agg(
        "cac:TaxTotal",
        _amount("cbc:TaxAmount", invoice.total_vat),
        *(
            _agg(
                "cac:TaxSubtotal",
                _amount("cbc:TaxableAmount", group["base"]),
                _amount("cbc:TaxAmount", group["vat"]),
                _tax_category("cac:TaxCategory", group["category"], group["rate"], reasons),
            )
            for group in groups
        ),
    )


def _monetary_total(invoice: Invoice) -> Element:
    return _agg(
        "cac:LegalMonetaryTotal",
        _amount("cbc:LineExtensionAmount", invoice.total_net),
        _amount("cbc:TaxExclusiveAmount", invoice.total_net),
        _amount("cbc:TaxInclusiveAmount", invoice.total_gross),
        _amount("cbc:PayableAmount", invoice.total_gross),
    )


def _add_lines(root: Element, invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """The invoice or credit note lines (BG-25), the last children of the
    document. The hot loop of a long invoice: built in place under the root
    (whose namespaces they reuse), one tax category per category and rate
    copied onto each line."""
    credit_note = invoice.is_credit_note
    line_tag = _qname("cac:CreditNoteLine" if credit_note else "cac:InvoiceLine")
    quantity_tag = _qname("cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity")
    id_tag, amount_tag = _qname("cbc:ID"), _qname("cbc:LineExtensionAmount")
    item_tag, name_tag = _qname("cac:Item"), _qname("cbc:Name")
    price_tag, price_amount_tag = _qname("cac:Price"), _qname("cbc:PriceAmount")
    categories: dict[tuple[str, Decimal], Element] = {}
    for line in lines:
        element = etree.SubElement(root, line_tag)
        etree.SubElement(element, id_tag).text = str(line.position)
        unit = UNIT_FALLBACKS.get(line.unit, line.unit)
        etree.SubElement(element, quantity_tag, unitCode=unit).text = _number(line.quantity)
        etree.SubElement(element, amount_tag, currencyID=CURRENCY).text = _money(line.net_amount)
        item = etree.SubElement(element, item_tag)
        etree.SubElement(item, name_tag).text = _clean(line.description) or "-"
        key = (line.vat_category, line.vat_rate)
        if key not in categories:
            categories[key] = _tax_category("cac:ClassifiedTaxCategory", *key)
        item.append(copy.deepcopy(categories[key]))
        if unit != line.unit:  # the unit's name, since its code could not be sent
            item.append(
                _agg(
                    "cac:AdditionalItemProperty",
                    _val("cbc:Name", _("unit")),
                    _val("cbc:Value", str(Unit(line.unit).label)),
                )
            )
        price = etree.SubElement(element, price_tag)
        etree.SubElement(price, price_amount_tag, currencyID=CURRENCY).text = _price(
            line.unit_price
        )


# --- The renderer ----------------------------------------------------------------------------


class UblRenderer:
    """Peppol BIS Billing 3.0: a UBL 2.1 Invoice for an invoice, a CreditNote
    for a credit note. Issued documents only: a draft has no number and is
    never an e-invoice.

    `pdf` renders the readable copy embedded when none is stored yet
    (PdfRenderer by default)."""

    format: str = DocumentFormat.UBL.value
    requires: tuple[str, ...] = (DocumentFormat.PDF.value,)
    mimetype = "application/xml"

    def __init__(self, pdf: Renderer | None = None) -> None:
        self.pdf = pdf or PdfRenderer()

    def render(self, invoice: Invoice, *, draft: bool = False) -> RenderedDocument:
        if draft or invoice.is_draft:
            raise RenderError("a draft has no e-invoice: only issued documents are rendered as UBL")
        try:
            with translation.override(invoice.language):
                content = etree.tostring(
                    self.tree(invoice), xml_declaration=True, encoding="UTF-8", pretty_print=True
                )
        except RenderError:
            raise
        except Exception as exc:
            raise RenderError(f"{type(exc).__name__}: {exc}") from exc
        return RenderedDocument(
            filename=document_filename(invoice, "xml"), mimetype=self.mimetype, content=content
        )

    def embedded_pdf(self, invoice: Invoice) -> bytes:
        """The stored PDF (its bytes checked against their SHA-256), else a
        fresh render."""
        stored = InvoiceDocument.objects.filter(invoice=invoice, format=DocumentFormat.PDF).first()
        if stored is None:
            return self.pdf.render(invoice).content
        try:
            return document_read(stored)
        except DocumentDamaged as exc:
            raise RenderError(f"the stored PDF {stored.pk} no longer matches its SHA-256") from exc

    def tree(self, invoice: Invoice) -> Element:
        credit_note = invoice.is_credit_note
        if not invoice.number or invoice.issue_date is None:
            raise RenderError(f"invoice {invoice.pk} has no number or issue date")
        lines = list(invoice.lines.all())
        groups = invoice.vat_groups
        categories = {line.vat_category for line in lines} | {g["category"] for g in groups}
        with_vat = NOT_SUBJECT not in categories
        namespace = CREDIT_NOTE_NS if credit_note else INVOICE_NS
        root = etree.Element(
            f"{{{namespace}}}{'CreditNote' if credit_note else 'Invoice'}",
            nsmap={None: namespace, "cac": CAC, "cbc": CBC},
        )
        children = [
            _val("cbc:CustomizationID", CUSTOMIZATION_ID),
            _val("cbc:ProfileID", PROFILE_ID),
            _val("cbc:ID", invoice.number),
            _val("cbc:IssueDate", invoice.issue_date.isoformat()),
            None
            if credit_note or invoice.due_date is None
            else _val("cbc:DueDate", invoice.due_date.isoformat()),
            _val("cbc:CreditNoteTypeCode", CREDIT_NOTE_TYPE_CODE)
            if credit_note
            else _val("cbc:InvoiceTypeCode", INVOICE_TYPE_CODE),
            _val("cbc:Note", _note(invoice)),
            _val("cbc:DocumentCurrencyCode", CURRENCY),
            _val("cbc:BuyerReference", invoice.buyer_reference or _own_reference(invoice)),
            _billing_reference(invoice),
            _pdf_reference(invoice, self.embedded_pdf(invoice)),
            _seller_party(invoice.seller, with_vat=with_vat),
            _buyer_party(invoice.buyer, invoice.seller, with_vat=with_vat),
            _delivery(invoice, categories),
            *_payment(invoice),
            _tax_total(invoice, groups, _exemption_reasons(invoice, categories)),
            _monetary_total(invoice),
        ]
        root.extend(child for child in children if child is not None)
        _add_lines(root, invoice, lines)
        return root
