"""Renderers: one issued (or draft) invoice in, one file out.

A renderer is an interface (style.md, item 4): `render(invoice) ->
RenderedDocument(filename, mimetype, content)`. The task that stores
documents knows no format. The PDF below is registered here; e-invoicing
registers its UBL renderer from its `AppConfig.ready()` (it embeds the PDF,
so it `requires` it: the PDF is stored first).

The PDF is a Django template rendered with a strict engine (a variable that
does not resolve is an error, not an empty string), then WeasyPrint. A
template or rendering error raises `RenderError`; nothing partial is ever
returned.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.template import Context, Engine
from django.template.backends.django import get_installed_libraries
from django.utils import translation
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from documents.models import DocumentFormat
from invoicing import snapshots
from invoicing.calculation import options_of, vat_options
from invoicing.models import ClientKind, Invoice
from invoicing.services import LATE_INTEREST_RATE, RECOVERY_COMPENSATION
from rules.selectors import rules_on
from smartcoop.lib.epc_qr import epc_payload, epc_qr_svg
from smartcoop.lib.money import format_money
from smartcoop.lib.ogm import ogm_format

logger = logging.getLogger(__name__)

PDF_TEMPLATE = "documents/pdf/invoice.html"


class RenderError(Exception):
    """A document could not be rendered; the message says why."""


@dataclass(frozen=True)
class RenderedDocument:
    filename: str
    mimetype: str
    content: bytes


class Renderer(Protocol):
    format: str
    # Formats stored before this one (the e-invoice embeds the stored PDF).
    requires: tuple[str, ...]

    def render(self, invoice: Invoice, *, draft: bool = False) -> RenderedDocument: ...


class _Invalid(str):
    """`string_if_invalid` that turns an unresolved `{{ variable }}` into an
    error: Django formats it with the variable's name (`%s`)."""

    def __mod__(self, name: object) -> str:
        raise RenderError(f"the document template uses an unknown variable: {name}")


@cache
def _engine() -> Engine:
    """A template engine of its own for documents: the project's templates and
    tag libraries, no request context processors, and strict variables."""
    return Engine(
        dirs=[str(settings.BASE_DIR / "templates")],
        app_dirs=True,
        string_if_invalid=_Invalid("%s"),
        libraries=get_installed_libraries(),
    )


def document_filename(invoice: Invoice, extension: str) -> str:
    if invoice.is_draft:
        return f"draft-{invoice.pk}.{extension}"
    return f"{invoice.number}.{extension}"


def _payment_qr(invoice: Invoice) -> str:
    """The EPC QR code of what the client pays, or "" when nothing is to be
    paid by transfer (a credit note, a zero invoice, a draft)."""
    if invoice.is_draft or invoice.is_credit_note or invoice.total_gross <= 0:
        return ""
    try:
        payload = epc_payload(
            name=invoice.seller["name"][:70],
            iban=invoice.seller["iban"],
            bic=invoice.seller.get("bic", ""),
            amount=invoice.total_gross,
            structured_reference=invoice.structured_reference,
        )
    except ValueError:
        # An amount beyond the EPC maximum: the bank details are printed anyway.
        logger.info("No EPC QR code for invoice %s", invoice.pk, exc_info=True)
        return ""
    return mark_safe(epc_qr_svg(payload))  # noqa: S308 - our own SVG, no user text in markup


def _late_terms(invoice: Invoice) -> str:
    """The late-payment terms in the document's language, for the issue date."""
    if invoice.is_credit_note:
        return ""
    on = invoice.issue_date or invoice.supply_date
    if invoice.buyer.get("kind", invoice.client.kind) == ClientKind.COMPANY:
        found = rules_on([LATE_INTEREST_RATE, RECOVERY_COMPENSATION], on=on)
        rate = Decimal(found.value(LATE_INTEREST_RATE))
        compensation = Decimal(found.value(RECOVERY_COMPENSATION).amount)
        return _(
            "Any amount unpaid on the due date bears, without prior notice, late-payment "
            "interest at the statutory rate (law of 2 August 2002; %(rate)s %% a year for this "
            "half-year) and a fixed compensation for recovery costs of %(compensation)s."
        ) % {
            "rate": number_format(rate, decimal_pos=2),
            "compensation": format_money(compensation, translation.get_language() or "en"),
        }
    return _(
        "If this invoice is not paid on time, you will first receive a free reminder with at "
        "least 14 days to pay; only after that may interest at the legal rate and the fixed "
        "compensation allowed by Book XIX of the Code of Economic Law be charged."
    )


def document_context(invoice: Invoice, *, draft: bool) -> dict[str, Any]:
    """Everything the PDF prints, from the invoice's frozen copies once issued
    (seller, buyer, mentions) and from the live records for a draft."""
    lines = list(invoice.lines.all())
    if invoice.is_draft:
        buyer = snapshots.buyer(invoice.client)
        seller = snapshots.seller()
    else:
        buyer = dict(invoice.buyer)
        seller = dict(invoice.seller)
    credited = invoice.credited_invoice
    language = translation.get_language() or "en"
    options, _provenance = vat_options(invoice.supply_date)
    labels = {(o.category, o.rate): o.label(language) for o in options}
    # A line on a legal basis shows the basis's name, its VAT group too.
    for option in options_of(lines, options):
        labels[(option.category, option.rate)] = option.label(language)
    groups = invoice.vat_groups
    for group in groups:
        group["label"] = labels.get((group["category"], group["rate"]), group["category"])
    for line in lines:
        line.vat_label = labels.get(  # type: ignore[attr-defined]  # shown by the template
            (line.vat_category, line.vat_rate), line.vat_category
        )
    return {
        "invoice": invoice,
        "draft": draft,
        "lines": lines,
        "vat_groups": groups,
        "seller": seller,
        "buyer": buyer,
        "member_name": invoice.buyer.get("member_name") or invoice.member.legal_name,
        "member_number": invoice.buyer.get("member_number") or str(invoice.member.member_number),
        "activity_name": invoice.buyer.get("activity") or invoice.activity.name,
        "mentions": list(invoice.mentions),
        "reference": ogm_format(invoice.structured_reference)
        if invoice.structured_reference
        else "",
        "payment_qr": _payment_qr(invoice),
        "late_terms": _late_terms(invoice),
        "credited": credited,
        "credited_date": credited.issue_date if credited else None,
        # Documents issued before the register was copied print today's.
        "register": (seller.get("register") or snapshots.seller_register()).get(language, ""),
    }


class PdfRenderer:
    """The readable document: A4, in the client's language, WeasyPrint."""

    format: str = DocumentFormat.PDF.value
    requires: tuple[str, ...] = ()
    mimetype = "application/pdf"

    def html(self, invoice: Invoice, *, draft: bool = False) -> str:
        language = invoice.language if not invoice.is_draft else invoice.client.language
        with translation.override(language):
            template = _engine().get_template(PDF_TEMPLATE)
            return template.render(Context(document_context(invoice, draft=draft), autoescape=True))

    def render(self, invoice: Invoice, *, draft: bool = False) -> RenderedDocument:
        from weasyprint import HTML  # heavy: imported by the processes that render only

        try:
            html = self.html(invoice, draft=draft)
            content = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
        except RenderError:
            raise
        except Exception as exc:
            raise RenderError(f"{type(exc).__name__}: {exc}") from exc
        if not content or not content.startswith(b"%PDF-") or b"%%EOF" not in content[-64:]:
            raise RenderError("WeasyPrint returned an empty or truncated PDF")
        return RenderedDocument(
            filename=document_filename(invoice, "pdf"), mimetype=self.mimetype, content=content
        )


RENDERERS: dict[str, Renderer] = {}


def renderer_register(renderer: Renderer) -> None:
    """Add (or replace, on a reload) the renderer of `renderer.format`."""
    RENDERERS[renderer.format] = renderer


def renderer_for(format: str) -> Renderer:
    try:
        return RENDERERS[format]
    except KeyError:
        raise RenderError(f"no renderer for the format {format!r}") from None


def formats_on_issue() -> tuple[str, ...]:
    """Every format an issued document is stored in, each after the formats
    it requires."""
    ordered: list[str] = []

    def visit(format: str) -> None:
        if format not in ordered:
            for required in renderer_for(format).requires:
                visit(required)
            ordered.append(format)

    for format in RENDERERS:
        visit(format)
    return tuple(ordered)


def formats_to_enqueue() -> tuple[str, ...]:
    """The formats one task each renders on issue: those no other format
    requires (storing one stores what it requires first)."""
    required = {r for renderer in RENDERERS.values() for r in renderer.requires}
    return tuple(f for f in formats_on_issue() if f not in required)


renderer_register(PdfRenderer())
