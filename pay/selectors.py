"""Reads of the activity accounts that pages, admin and the nightly check share."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, F, QuerySet, Sum, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from invoicing.models import Activity, DocumentKind, Invoice, InvoiceStatus
from members.models import Member
from pay import catalogue
from pay.models import (
    INVOICE_KINDS,
    ActivityAccount,
    LedgerEntry,
    PayRequest,
    PayRequestStatus,
)
from pay.payroll import KeyFormula, Rates
from rules.selectors import rule_value, rules_on

ZERO = Decimal("0.00")


def invoice_entry_amount(invoice: Invoice) -> Decimal:
    """What an issued document brings to its activity, from its own frozen
    figures: the net less the cooperative's contribution, negative for a
    credit note (issue 17, the activity account)."""
    share = invoice.total_net - invoice.contribution
    return -share if invoice.kind == DocumentKind.CREDIT_NOTE else share


def account_balance(activity: Activity) -> Decimal:
    """The balance kept on the account: one primary-key read, no sum."""
    balance = (
        ActivityAccount.objects.filter(pk=activity.pk).values_list("balance", flat=True).first()
    )
    return ZERO if balance is None else balance


def ledger_entries(activity: Activity) -> QuerySet[LedgerEntry]:
    """The activity's entries, newest first, each with its balance after it."""
    return LedgerEntry.objects.filter(account_id=activity.pk).order_by("-id")


@dataclass(frozen=True)
class BalanceMismatch:
    activity_id: int
    label: str
    balance: Decimal
    entries: Decimal
    last_balance_after: Decimal
    from_entries: Decimal
    from_invoices: Decimal


def _implied_by_invoices() -> dict[int, Decimal]:
    """{activity id: what its issued invoices and credit notes imply}, in one
    GROUP BY over the issued documents."""
    share = F("total_net") - F("contribution")
    rows = (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .values("activity_id")
        .annotate(
            implied=Sum(
                Case(
                    When(kind=DocumentKind.CREDIT_NOTE, then=-share),
                    default=share,
                    output_field=DecimalField(max_digits=16, decimal_places=2),
                )
            )
        )
        .values_list("activity_id", "implied")
    )
    return {activity_id: implied for activity_id, implied in rows if implied}


def balance_mismatches() -> Iterator[BalanceMismatch]:
    """Every activity whose kept balance differs from the sum of its entries
    or from its last entry's running balance, or whose income and reversal
    entries differ from what its issued documents imply. Three set-based
    queries (accounts with their sums; the last running balances; the
    invoices' implication), compared in memory."""
    accounts = {
        row["pk"]: row
        for row in ActivityAccount.objects.values("pk", "balance", "activity__name").annotate(
            entries_sum=Sum("entries__amount", default=Value(ZERO)),
            from_entries=Sum(
                Case(
                    When(entries__kind__in=INVOICE_KINDS, then=F("entries__amount")),
                    default=Value(ZERO),
                    output_field=DecimalField(max_digits=16, decimal_places=2),
                ),
                default=Value(ZERO),
            ),
        )
    }
    last_balances = dict(
        LedgerEntry.objects.order_by("account_id", "-id")
        .distinct("account_id")
        .values_list("account_id", "balance_after")
    )
    implied = _implied_by_invoices()
    missing_accounts = set(implied) - set(accounts)
    names = dict(
        Activity.objects.filter(pk__in=missing_accounts).values_list("pk", "name")
        if missing_accounts
        else []
    )
    for activity_id in sorted(set(accounts) | missing_accounts):
        row = accounts.get(activity_id)
        balance = row["balance"] if row else ZERO
        entries = row["entries_sum"] if row else ZERO
        from_entries = row["from_entries"] if row else ZERO
        last = last_balances.get(activity_id, ZERO)
        expected = implied.get(activity_id, ZERO)
        if balance != entries or balance != last or from_entries != expected:
            yield BalanceMismatch(
                activity_id=activity_id,
                label=row["activity__name"] if row else names.get(activity_id, ""),
                balance=balance,
                entries=entries,
                last_balance_after=last,
                from_entries=from_entries,
                from_invoices=expected,
            )


def pay_rates(on: datetime.date) -> tuple[Rates, dict[str, int]]:
    """The rates and key formula in force on `on`, with the rule versions used."""
    rules = rules_on(catalogue.KEYS, on=on)
    rates = Rates(
        employer=rules.value(catalogue.EMPLOYER_RATE) / 100,
        employee=rules.value(catalogue.EMPLOYEE_RATE) / 100,
        holiday=rules.value(catalogue.HOLIDAY_RATE) / 100,
        formula=KeyFormula.from_rule(rules.value(catalogue.WITHHOLDING)),
    )
    return rates, rules.provenance()


def working_days_to_pay(on: datetime.date) -> int:
    return int(rule_value(catalogue.WORKING_DAYS_TO_PAY, on=on))


def pay_requests_of(member: Member) -> QuerySet[PayRequest]:
    return PayRequest.objects.filter(member=member).select_related("activity")


def pay_request_get_owned(*, member: Member, pk: int) -> PayRequest:
    """The member's own request; another member's answers 404."""
    return get_object_or_404(pay_requests_of(member), pk=pk)


def activity_get_owned(*, member: Member, pk: int) -> Activity:
    return get_object_or_404(Activity.objects.filter(member=member), pk=pk)


def next_payment(member: Member) -> PayRequest | None:
    """The member's next payment: the earliest approved or requested pay
    request not yet due (dashboard)."""
    return (
        PayRequest.objects.filter(
            member=member,
            status__in=[PayRequestStatus.REQUESTED, PayRequestStatus.APPROVED],
            pay_date__gte=timezone.localdate(),
        )
        .select_related("activity")
        .order_by("pay_date", "pk")
        .first()
    )
