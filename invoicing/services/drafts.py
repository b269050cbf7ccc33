"""Drafts: the lines a member types, checked against the rules of the date of
supply, and the totals shown live (the same arithmetic issuing uses)."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from invoicing.calculation import (
    LineInput,
    Totals,
    VatOption,
    compute_totals,
    line_net,
    vat_option_for,
    vat_options,
)
from invoicing.models import Activity, Client, Invoice, InvoiceLine, Unit
from invoicing.services.common import (
    ARCHIVED,
    CONTRIBUTION_RATE,
    DESCRIPTION_REQUIRED,
    LINE_TOO_LARGE,
    MAX_LINES,
    NO_LINES,
    NO_VAT_RULES,
    NOT_A_DRAFT,
    NOT_YOURS,
    PAYMENT_TERM_DEFAULT,
    PAYMENT_TERM_MAX,
    SUPPLY_DATE_REQUIRED,
    SUPPLY_DATE_TOO_FAR,
    TERM_TOO_LONG,
    TERM_TOO_SHORT,
    TOO_MANY_LINES,
    UNIT_UNKNOWN,
    VAT_NOT_VALID_ON_DATE,
    VAT_UNKNOWN,
    ZERO_TOTAL,
    field_error,
)
from invoicing.validation import (
    DESCRIPTION_MAX,
    DESCRIPTION_TOO_LONG,
    PRICE_NEGATIVE,
    PRICE_PLACES,
    PRICE_TOO_PRECISE,
    QUANTITY_NOT_POSITIVE,
    QUANTITY_PLACES,
)
from invoicing.vat_bases import mixed_bases, unmet_conditions
from members.models import Member
from rules.selectors import NoVersionInForce, rules_on
from rules.values import Duration
from smartcoop.lib.audit import audited
from smartcoop.lib.numbers import MAX_ABS, check_decimal

# --- Drafts --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineData:
    """One line as a member entered it, its numbers already read by the form
    (smartcoop.lib.forms.LocalDecimalField); `vat` is a VAT option's code
    ("S:21", "AE:eu_services")."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat: str


@dataclass(frozen=True)
class ParsedLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    option: VatOption

    def as_input(self) -> LineInput:
        return LineInput(self.quantity, self.unit_price, self.option.category, self.option.rate)

    def as_data(self) -> LineData:
        return LineData(
            self.description, self.quantity, self.unit, self.unit_price, self.option.code
        )


def _number(value: Decimal, places: int) -> Decimal:
    """`value` if it has at most `places` decimals and a sane size (the form
    checks it too; a service is called from elsewhere as well)."""
    return check_decimal(value, places=places)


def check_unit_price(value: Decimal) -> Decimal:
    """A unit price: at most 4 decimals (PRICE_TOO_PRECISE names the limit),
    a sane size, never negative."""
    try:
        price = check_decimal(value, places=PRICE_PLACES)
    except ValidationError as exc:
        if exc.code == "too_precise":
            raise ValidationError(PRICE_TOO_PRECISE, code="too_precise") from exc
        raise
    if price < 0:
        raise ValidationError(PRICE_NEGATIVE, code="price_negative")
    return price


def parse_lines(
    lines: Sequence[LineData], *, supply_date: datetime.date, credit_note: bool = False
) -> tuple[list[ParsedLine], dict[str, int]]:
    """Check the lines against the rules in force on the date of supply.
    Errors are keyed `lines-<index>-<field>`, so the form shows each next to
    its input; nothing is saved while any is left."""
    try:
        options, provenance = vat_options(supply_date)
    except NoVersionInForce as exc:
        raise field_error("supply_date", NO_VAT_RULES, date=f"{supply_date:%d/%m/%Y}") from exc
    errors: dict[str, list[Any]] = {}
    parsed: list[ParsedLine] = []
    if not lines:
        errors["__all__"] = [NO_LINES]
    if len(lines) > MAX_LINES:
        errors["__all__"] = [ValidationError(TOO_MANY_LINES, params={"maximum": MAX_LINES})]
    for index, line in enumerate(lines):
        prefix = f"lines-{index}-"
        description = line.description.strip()
        if not description:
            errors.setdefault(prefix + "description", []).append(DESCRIPTION_REQUIRED)
        elif len(description) > DESCRIPTION_MAX:
            errors.setdefault(prefix + "description", []).append(
                ValidationError(
                    DESCRIPTION_TOO_LONG,
                    params={"maximum": DESCRIPTION_MAX, "length": len(description)},
                )
            )
        quantity = unit_price = None
        try:
            quantity = _number(line.quantity, QUANTITY_PLACES)
            if quantity <= 0 and not credit_note:
                raise ValidationError(QUANTITY_NOT_POSITIVE)
        except ValidationError as exc:
            quantity = None
            errors.setdefault(prefix + "quantity", []).append(exc)
        try:
            unit_price = check_unit_price(line.unit_price)
        except ValidationError as exc:
            unit_price = None
            errors.setdefault(prefix + "unit_price", []).append(exc)
        unit = line.unit or Unit.UNIT
        if unit not in Unit.values:
            errors.setdefault(prefix + "unit", []).append(UNIT_UNKNOWN)
        option = vat_option_for(line.vat, options)
        if option is None:
            # A rate of S or Z not in force then; anything else (a legal basis
            # unknown or withdrawn, a code from before the bases) is chosen again.
            known_anywhere = line.vat.partition(":")[0] in {"S", "Z"}
            message = (
                ValidationError(VAT_NOT_VALID_ON_DATE, params={"date": f"{supply_date:%d/%m/%Y}"})
                if known_anywhere
                else VAT_UNKNOWN
            )
            errors.setdefault(prefix + "vat", []).append(message)
        if quantity is not None and unit_price is not None and abs(quantity * unit_price) > MAX_ABS:
            errors.setdefault(prefix + "quantity", []).append(LINE_TOO_LARGE)
            quantity = None
        if quantity is not None and unit_price is not None and option is not None and description:
            parsed.append(ParsedLine(description, quantity, unit, unit_price, option))
    if errors:
        raise ValidationError(errors)
    return parsed, provenance


def is_zero_total(lines: Iterable[LineInput]) -> bool:
    """True when the lines come to €0.00: such an invoice would use a number
    of the series for nothing (ZERO_TOTAL)."""
    return all(line_net(line.quantity, line.unit_price) == 0 for line in lines)


def parse_payment_term(days: int, *, on: datetime.date) -> tuple[int, dict[str, int]]:
    """The payment term if the rules in force on `on` allow it (0 days:
    payable on receipt; at most invoicing.payment_term_max_b2b)."""
    rules = rules_on([PAYMENT_TERM_MAX], on=on)
    maximum = rules.value(PAYMENT_TERM_MAX).days
    if days < 0:
        raise field_error("payment_term_days", TERM_TOO_SHORT)
    if days > maximum:
        raise field_error("payment_term_days", TERM_TOO_LONG, maximum=maximum)
    return days, rules.provenance()


def default_payment_term(on: datetime.date | None = None) -> int:
    term: Duration = rules_on([PAYMENT_TERM_DEFAULT], on=on).value(PAYMENT_TERM_DEFAULT)
    return term.days


def contribution_rate_on(on: datetime.date) -> Decimal:
    return Decimal(rules_on([CONTRIBUTION_RATE], on=on).value(CONTRIBUTION_RATE))


def draft_totals(lines: Sequence[ParsedLine], *, on: datetime.date) -> Totals:
    """The totals a draft shows live: the same function that issuing uses,
    with the contribution rate in force today (the day it would be issued)."""
    return compute_totals(
        [line.as_input() for line in lines], contribution_rate=contribution_rate_on(on)
    )


def _check_owned(member: Member, client: Client, activity: Activity) -> None:
    if client.member_id != member.pk or activity.member_id != member.pk:
        raise ValidationError(NOT_YOURS)
    if client.archived:
        raise field_error("client", ARCHIVED)
    if activity.archived:
        raise field_error("activity", ARCHIVED)


def invoice_draft_check(
    *,
    member: Member,
    client: Client,
    activity: Activity,
    supply_date: datetime.date | None,
    payment_term_days: int,
    lines: Sequence[LineData],
) -> tuple[datetime.date, int, list[ParsedLine]]:
    """Every check a draft must pass, with all its errors at once; nothing is
    saved. Returns the date of supply, the payment term and the lines."""
    today = timezone.localdate()
    _check_owned(member, client, activity)
    if supply_date is None:
        raise field_error("supply_date", SUPPLY_DATE_REQUIRED)
    if supply_date > today + datetime.timedelta(days=366):
        raise field_error("supply_date", SUPPLY_DATE_TOO_FAR)
    errors: dict[str, Any] = {}
    term, parsed = 0, list[ParsedLine]()
    try:
        term, _provenance = parse_payment_term(payment_term_days, on=today)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        parsed, _provenance = parse_lines(lines, supply_date=supply_date)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if parsed and not errors:
        # parse_lines refused nothing, so parsed[i] is lines[i].
        for index, line in enumerate(parsed):
            unmet = unmet_conditions(line.option, client=client, activity=activity)
            if unmet:
                errors[f"lines-{index}-vat"] = [str(problem) for problem in unmet]
        mixed = mixed_bases([line.option for line in parsed])
        if mixed:
            errors["__all__"] = [str(problem) for problem in mixed]
        elif is_zero_total(line.as_input() for line in parsed):
            errors["__all__"] = [ZERO_TOTAL]
    if errors:
        raise ValidationError(errors)
    return supply_date, term, parsed


def invoice_draft_save(
    *,
    member: Member,
    acting_user: User,
    client: Client,
    activity: Activity,
    supply_date: datetime.date | None,
    payment_term_days: int,
    lines: Sequence[LineData],
    buyer_reference: str = "",
    notes: str = "",
    invoice: Invoice | None = None,
) -> Invoice:
    """Create a draft or replace a draft's content (invoice_draft_check first).
    Drafts have no number and can change freely; their totals are kept for
    lists."""
    if invoice is not None and not invoice.is_draft:
        raise ValidationError(NOT_A_DRAFT)
    supply_date, term, parsed = invoice_draft_check(
        member=member,
        client=client,
        activity=activity,
        supply_date=supply_date,
        payment_term_days=payment_term_days,
        lines=lines,
    )
    totals = draft_totals(parsed, on=timezone.localdate())
    with transaction.atomic():
        if invoice is not None:
            # Lock, so a draft being issued in another tab is not edited under it.
            invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
            if not invoice.is_draft:
                raise ValidationError(NOT_A_DRAFT)
        target = invoice or Invoice(member=member, created_by=acting_user)
        target.client, target.activity = client, activity
        target.supply_date, target.payment_term_days = supply_date, term
        target.buyer_reference = (buyer_reference or "").strip()[:100]
        target.notes = (notes or "").strip()
        target.language = client.language
        target.set_totals(totals)
        audited(target, acting_user=acting_user, reason="draft saved")
        target.save()
        target.lines.all().delete()
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=target,
                position=position,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                vat_category=line.option.category,
                vat_rate=line.option.rate,
                vat_basis=line.option.basis,
                net_amount=net,
            )
            for position, (line, net) in enumerate(zip(parsed, totals.line_nets, strict=True), 1)
        )
    return target


def invoice_draft_delete(*, invoice: Invoice, acting_user: User) -> None:
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not locked.is_draft:
            raise ValidationError(NOT_A_DRAFT)
        locked.lines.all().delete()
        audited(locked, acting_user=acting_user, reason="draft deleted")
        locked.delete()
