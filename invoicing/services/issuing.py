"""Issuing: a draft is checked, its figures computed from the rules in force,
everything it prints copied onto it, and it gets the next number of its
series. From then on it never changes (models.ISSUED_IS_FINAL)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from invoicing import en16931, extensions, snapshots
from invoicing.calculation import LineInput, compute_totals, vat_option_for, vat_options
from invoicing.models import Client, Invoice, InvoiceStatus
from invoicing.services.common import (
    ALREADY_ISSUED,
    CLIENT_INCOMPLETE,
    CLIENT_NEEDS_VAT_NUMBER,
    CONTRIBUTION_RATE,
    ISSUE_DEADLINE_DAY,
    LATE_ISSUE_WARNING,
    NO_LINES,
    NOT_A_MEMBER,
    NUMBER_FORMAT,
    PAYMENT_TERM_MAX,
    REFERENCE_BASE,
    TERM_TOO_LONG,
    ZERO_TOTAL,
    field_error,
)
from invoicing.services.drafts import LineData, is_zero_total, parse_lines
from invoicing.services.numbering import number_assign
from invoicing.vat_bases import mixed_bases, unmet_conditions
from members.models import Status
from rules.selectors import NoVersionInForce, rules_on
from smartcoop.lib.ogm import ogm_from_number


def issue_deadline(supply_date: datetime.date, *, day: int) -> datetime.date:
    """The last day to invoice a supply: `day` of the month after it
    (Royal Decree no. 1, art. 4, § 1)."""
    year, month = (
        (supply_date.year + 1, 1)
        if supply_date.month == 12
        else (supply_date.year, supply_date.month + 1)
    )
    return datetime.date(year, month, day)


def client_missing_mentions(client: Client) -> list[str]:
    """The mandatory buyer mentions (name, address, country) the client lacks."""
    missing = []
    for field_name, label in [
        ("name", _("name")),
        ("street", _("street and number")),
        ("postal_code", _("postal code")),
        ("city", _("city")),
        ("country", _("country")),
    ]:
        if not str(getattr(client, field_name) or "").strip():
            missing.append(str(label))
    return missing


@dataclass(frozen=True)
class IssueCheck:
    """What issuing a draft would do: the blocking problems and the warnings
    (shown on the confirmation page before the member confirms)."""

    errors: list[str]
    warnings: list[str]


def _issue_problems(invoice: Invoice, today: datetime.date) -> tuple[list[Any], list[Any]]:
    errors: list[Any] = []
    warnings: list[Any] = []
    if invoice.member.status != Status.MEMBER:
        errors.append(NOT_A_MEMBER)
    missing = client_missing_mentions(invoice.client)
    if missing:
        errors.append(_lazy_format(CLIENT_INCOMPLETE, missing=", ".join(missing)))
    categories = {line.vat_category for line in invoice.lines.all()}
    for category in sorted(categories & {"AE", "K"}):
        if not invoice.client.vat_number:
            errors.append(_lazy_format(CLIENT_NEEDS_VAT_NUMBER, category=category))
    if not categories:
        errors.append(NO_LINES)
    elif is_zero_total(
        LineInput(line.quantity, line.unit_price, line.vat_category, line.vat_rate)
        for line in invoice.lines.all()
    ):
        errors.append(ZERO_TOTAL)
    errors.extend(en16931.problems(client=invoice.client, lines=invoice.lines.all()))
    errors.extend(_basis_problems(invoice))
    day = rules_on([ISSUE_DEADLINE_DAY], on=today).value(ISSUE_DEADLINE_DAY)
    deadline = issue_deadline(invoice.supply_date, day=day)
    if today > deadline:
        warnings.append(
            _lazy_format(
                LATE_ISSUE_WARNING,
                supply=f"{invoice.supply_date:%d/%m/%Y}",
                deadline=f"{deadline:%d/%m/%Y}",
            )
        )
    return errors, warnings


def _basis_problems(invoice: Invoice) -> list[Any]:
    """The conditions of the lines' legal bases, checked again on the client
    and activity as they are now (either may have changed since the draft)."""
    try:
        options, _provenance = vat_options(invoice.supply_date)
    except NoVersionInForce:
        return []  # parse_lines names the date
    chosen = [vat_option_for(line.vat_code, options) for line in invoice.lines.all()]
    used = [option for option in chosen if option is not None]
    found: list[Any] = []
    for option in {option.code: option for option in used}.values():
        found.extend(unmet_conditions(option, client=invoice.client, activity=invoice.activity))
    return found + list(mixed_bases(used))


class _lazy_format:
    """A message and its parameters, translated when shown (in the reader's
    language), recorded in English on the invoice."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % self.params


def invoice_issue_check(*, invoice: Invoice, today: datetime.date) -> IssueCheck:
    """What issuing the draft on `today` would refuse and warn about."""
    errors, warnings = _issue_problems(invoice, today)
    if not invoice.is_draft:
        errors.insert(0, _lazy_format(ALREADY_ISSUED, number=invoice.number))
    return IssueCheck([str(e) for e in errors], [str(w) for w in warnings])


def invoice_issue(
    *,
    invoice: Invoice,
    acting_user: User,
) -> Invoice:
    """Issue a draft: it is checked, its figures are computed from the rules
    in force, everything it prints is copied onto it, and it gets the next
    number of its series. From then on it never changes (ISSUED_IS_FINAL).

    Refused: a member without a paid share, a client missing a mandatory
    mention, a draft without lines, a draft already issued (a double click or
    a second tab: the row lock makes the second attempt see it issued).
    Warned and recorded: a supply older than the 15th-of-next-month deadline.
    """
    with transaction.atomic():
        locked = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("member", "client", "activity")
            .prefetch_related("lines")
            .get(pk=invoice.pk)
        )
        if not locked.is_draft:
            raise ValidationError(ALREADY_ISSUED, params={"number": locked.number})
        today = timezone.localdate()
        errors, warnings = _issue_problems(locked, today)
        if errors:
            raise ValidationError([ValidationError(str(e)) for e in errors])
        # The stored lines, checked again against the rules of the date of supply.
        stored = [
            LineData(line.description, line.quantity, line.unit, line.unit_price, line.vat_code)
            for line in locked.lines.all()
        ]
        parsed, vat_provenance = parse_lines(stored, supply_date=locked.supply_date)
        rules = rules_on(
            [CONTRIBUTION_RATE, PAYMENT_TERM_MAX, NUMBER_FORMAT, ISSUE_DEADLINE_DAY], on=today
        )
        if locked.payment_term_days > rules.value(PAYMENT_TERM_MAX).days:
            raise field_error(None, TERM_TOO_LONG, maximum=rules.value(PAYMENT_TERM_MAX).days)
        rate = Decimal(rules.value(CONTRIBUTION_RATE))
        totals = compute_totals([line.as_input() for line in parsed], contribution_rate=rate)
        locked.set_totals(totals)
        wrong = en16931.sum_problems(
            line_nets=totals.line_nets,
            total_net=locked.total_net,
            total_vat=locked.total_vat,
            total_gross=locked.total_gross,
            breakdown=locked.vat_breakdown,
        )
        if wrong:
            raise ValidationError([ValidationError(str(e)) for e in wrong])
        used = {line.option.code: line.option for line in parsed}
        locked.issue_date = today
        locked.due_date = today + datetime.timedelta(days=locked.payment_term_days)
        locked.status = InvoiceStatus.ISSUED
        locked.seller = snapshots.seller()
        locked.buyer = snapshots.buyer(locked.client) | snapshots.member_mentions(locked)
        locked.mentions = snapshots.mentions(used.values(), locked.client.language)
        locked.language = locked.client.language
        with override("en"):
            locked.warnings = [str(w) for w in warnings]
        locked.rules_used = rules.provenance() | vat_provenance
        locked.structured_reference = ogm_from_number(REFERENCE_BASE + locked.pk)
        locked.issued_by, locked.issued_at = acting_user, timezone.now()
        number_assign(
            locked,
            today=today,
            number_format=rules.value(NUMBER_FORMAT),
            acting_user=acting_user,
            reason="issued",
        )
        extensions.issued(locked)  # the PDF, the e-invoice: scheduled for after commit
    return locked
