"""Credit notes: the only correction of an issued invoice."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from invoicing import extensions, snapshots
from invoicing.calculation import (
    CreditLineInput,
    credit_totals,
    options_of,
    proportional_contribution,
    vat_options,
)
from invoicing.models import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from invoicing.services.common import (
    CREDIT_NOTE_MENTION,
    CREDIT_NOTHING,
    CREDIT_ONLY_ISSUED_INVOICE,
    CREDIT_OVER_TOTAL,
    CREDIT_QUANTITY_NEGATIVE,
    CREDIT_REASON_REQUIRED,
    CREDIT_TOO_MUCH,
    CREDIT_UNKNOWN_LINE,
    NUMBER_FORMAT,
    REFERENCE_BASE,
    field_error,
)
from invoicing.services.numbering import number_assign
from invoicing.validation import QUANTITY_PLACES
from rules.selectors import rules_on
from rules.values import LocalizedText
from smartcoop.lib.audit import audited
from smartcoop.lib.numbers import check_decimal
from smartcoop.lib.ogm import ogm_from_number

# --- Credit notes --------------------------------------------------------------------


def _credited_lines(invoice: Invoice) -> dict[int, tuple[Decimal, Decimal]]:
    """{invoice line id: (quantity, net)} that issued credit notes took."""
    credited: dict[int, tuple[Decimal, Decimal]] = {}
    for line in InvoiceLine.objects.filter(
        credits_line__invoice=invoice, invoice__status__in=_ISSUED_STATES
    ).only("credits_line_id", "quantity", "net_amount"):
        assert line.credits_line_id is not None
        quantity, net = credited.get(line.credits_line_id, (Decimal(0), Decimal(0)))
        credited[line.credits_line_id] = (quantity + line.quantity, net + line.net_amount)
    return credited


def _remaining(
    invoice: Invoice, credited: dict[int, tuple[Decimal, Decimal]]
) -> dict[int, Decimal]:
    return {
        line.pk: line.quantity - credited.get(line.pk, (Decimal(0), Decimal(0)))[0]
        for line in invoice.lines.all()
    }


def creditable_quantities(invoice: Invoice) -> dict[int, Decimal]:
    """{line id: quantity still creditable} for an issued invoice."""
    return _remaining(invoice, _credited_lines(invoice))


_ISSUED_STATES = [s for s in InvoiceStatus.values if s != InvoiceStatus.DRAFT]


def credit_note_issue(
    *,
    invoice: Invoice,
    acting_user: User,
    reason: str,
    quantities: Mapping[int, Decimal] | None = None,
) -> Invoice:
    """Credit an issued invoice fully (`quantities` None) or partly ({line id:
    quantity to credit}). The credit note is issued at once in the credit
    note series, refers to the invoice, repeats its VAT treatment, carries
    the statutory wording on VAT to repay (rule invoicing.credit_note_mention),
    and gives back the contribution in proportion to the net credited."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", CREDIT_REASON_REQUIRED)
    with transaction.atomic():
        original = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("member", "client", "activity")
            .prefetch_related("lines")
            .get(pk=invoice.pk)
        )
        if original.kind != DocumentKind.INVOICE or original.is_draft:
            raise ValidationError(CREDIT_ONLY_ISSUED_INVOICE)
        credited_lines = _credited_lines(original)
        remaining = _remaining(original, credited_lines)
        lines = {line.pk: line for line in original.lines.all()}
        wanted: dict[int, Decimal] = {}
        errors: dict[str, list[Any]] = {}
        if quantities is None:
            wanted = {pk: qty for pk, qty in remaining.items() if qty > 0}
        else:
            for pk, asked in quantities.items():
                field = f"quantity-{pk}"
                if pk not in lines:
                    errors.setdefault(field, []).append(CREDIT_UNKNOWN_LINE)
                    continue
                try:
                    qty = check_decimal(asked, places=QUANTITY_PLACES)
                except ValidationError as exc:
                    errors.setdefault(field, []).append(exc)
                    continue
                if qty < 0:
                    errors.setdefault(field, []).append(CREDIT_QUANTITY_NEGATIVE)
                elif qty > remaining[pk]:
                    maximum = f"{remaining[pk].normalize():f}"
                    errors.setdefault(field, []).append(
                        ValidationError(CREDIT_TOO_MUCH, params={"maximum": maximum})
                    )
                elif qty > 0:
                    wanted[pk] = qty
        if errors:
            raise ValidationError(errors)
        if not wanted:
            raise ValidationError(CREDIT_NOTHING)
        today = timezone.localdate()
        rules = rules_on([NUMBER_FORMAT, CREDIT_NOTE_MENTION], on=today)
        credited_nets = {pk: net for pk, (_quantity, net) in credited_lines.items()}
        credited_vat = _credited_vat(original)
        inputs = [
            CreditLineInput(
                wanted[pk],
                lines[pk].unit_price,
                lines[pk].vat_category,
                lines[pk].vat_rate,
                rest_of_line_net=lines[pk].net_amount - credited_nets.get(pk, Decimal(0))
                if wanted[pk] == remaining[pk]
                else None,
            )
            for pk in wanted
        ]
        takes_the_rest = all(wanted.get(pk, Decimal(0)) == qty for pk, qty in remaining.items())
        rest_of_vat: dict[tuple[str, Decimal], Decimal] | None = None
        if takes_the_rest:
            rest_of_vat = {}
            for group in original.vat_breakdown:
                key = (group["category"], Decimal(group["rate"]))
                rest_of_vat[key] = Decimal(group["vat"]) - credited_vat.get(key, Decimal(0))
        totals = credit_totals(
            inputs, contribution_rate=original.contribution_rate, rest_of_vat=rest_of_vat
        )
        remaining_gross = original.total_gross - original.amount_credited
        if totals.gross > remaining_gross:
            raise ValidationError(CREDIT_OVER_TOTAL)
        remaining_net = original.total_net - sum(credited_nets.values(), Decimal(0))
        contribution = proportional_contribution(
            credited_net=totals.net,
            invoice_net=original.total_net,
            invoice_contribution=original.contribution,
            already_reversed=original.contribution_credited,
            remaining_net=remaining_net,
        )
        note = Invoice(
            kind=DocumentKind.CREDIT_NOTE,
            member=original.member,
            client=original.client,
            activity=original.activity,
            credited_invoice=original,
            supply_date=original.supply_date,
            payment_term_days=0,
            buyer_reference=original.buyer_reference,
            credit_reason=reason[:300],
            created_by=acting_user,
            language=original.language,
        )
        note.set_totals(totals)
        note.contribution = contribution
        note.seller, note.buyer = original.seller, original.buyer
        mention: LocalizedText = rules.value(CREDIT_NOTE_MENTION)
        # The exemption or reverse-charge mentions of the categories credited
        # (as they read on the supply date), then the statutory credit wording.
        options, vat_provenance = vat_options(original.supply_date)
        used = options_of([lines[pk] for pk in wanted], options)
        note.mentions = snapshots.mentions(used, original.language, [mention])
        note.rules_used = rules.provenance() | vat_provenance
        note.save()
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=note,
                position=position,
                description=lines[pk].description,
                quantity=wanted[pk],
                unit=lines[pk].unit,
                unit_price=lines[pk].unit_price,
                vat_category=lines[pk].vat_category,
                vat_rate=lines[pk].vat_rate,
                vat_basis=lines[pk].vat_basis,
                net_amount=net,
                credits_line=lines[pk],
            )
            for position, (pk, net) in enumerate(zip(wanted, totals.line_nets, strict=True), 1)
        )
        note.issue_date, note.due_date = today, today
        note.status = InvoiceStatus.ISSUED
        note.structured_reference = ogm_from_number(REFERENCE_BASE + note.pk)
        note.issued_by, note.issued_at = acting_user, timezone.now()
        original.amount_credited += totals.gross
        original.contribution_credited += contribution
        original.status = original.follow_up_status()
        audited(original, acting_user=acting_user, reason=f"credited: {reason[:200]}")
        original.save(
            update_fields=["amount_credited", "contribution_credited", "status", "updated_at"]
        )
        number_assign(
            note,
            today=today,
            number_format=rules.value(NUMBER_FORMAT),
            acting_user=acting_user,
            reason="credit note issued",
        )
        extensions.issued(note)
    return note


def _credited_vat(invoice: Invoice) -> dict[tuple[str, Decimal], Decimal]:
    """The VAT its issued credit notes took, per category and rate."""
    vat: dict[tuple[str, Decimal], Decimal] = {}
    for note in invoice.credit_notes.exclude(status=InvoiceStatus.DRAFT).only("vat_breakdown"):
        for group in note.vat_breakdown:
            key = (group["category"], Decimal(group["rate"]))
            vat[key] = vat.get(key, Decimal(0)) + Decimal(group["vat"])
    return vat
