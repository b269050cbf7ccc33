"""Helpers shared by the pay tests (plain functions, not fixtures)."""

from decimal import Decimal

from django.db.models import Sum

from invoicing.models import Activity
from pay.models import INVOICE_KINDS, ActivityAccount, LedgerEntry
from pay.selectors import invoice_entry_amount

ZERO = Decimal("0.00")


def balance(activity: Activity) -> Decimal:
    account = ActivityAccount.objects.filter(pk=activity.pk).first()
    return account.balance if account else ZERO


def entries_sum(activity: Activity, kinds=None) -> Decimal:
    entries = LedgerEntry.objects.filter(account_id=activity.pk)
    if kinds is not None:
        entries = entries.filter(kind__in=kinds)
    return entries.aggregate(s=Sum("amount"))["s"] or ZERO


def implied_by_invoices(activity: Activity) -> Decimal:
    """What the activity's issued documents imply, computed in Python from
    each document's frozen figures (independently of the selector's SQL)."""
    return sum(
        (invoice_entry_amount(doc) for doc in activity.invoices.exclude(status="draft")),
        ZERO,
    )


def assert_consistent(activity: Activity) -> None:
    kept = balance(activity)
    assert kept >= 0
    assert kept == entries_sum(activity)
    last = LedgerEntry.objects.filter(account_id=activity.pk).order_by("-id").first()
    assert kept == (last.balance_after if last else ZERO)
    assert entries_sum(activity, INVOICE_KINDS) == implied_by_invoices(activity)
