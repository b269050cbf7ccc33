"""Writes to the activity accounts (issue 17).

Every entry is posted with its account row locked (`select_for_update`,
waiting at most LOCK_TIMEOUT) and the balance rechecked inside the
transaction, so two spends racing for the same budget never both pass; the
database's CHECK constraint on the balance is the last guard. Accounts are
locked in primary-key order, so two transfers in opposite directions never
deadlock (style.md, item 5). An issue hook locks the numbering counter
first and then the account; nothing locks them the other way round.
"""

import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from invoicing.models import Activity, DocumentKind, Invoice
from pay.models import ActivityAccount, EntryKind, LedgerEntry
from pay.selectors import invoice_entry_amount
from smartcoop.lib.money import format_money
from smartcoop.lib.numbers import check_decimal

LOCK_TIMEOUT = "5s"

BALANCE_TOO_LOW = _("The balance of “%(activity)s” is %(balance)s: it cannot cover %(amount)s.")
CREDIT_BEYOND_BALANCE = _(
    "This credit note takes %(amount)s back from “%(activity)s”, whose balance is only "
    "%(balance)s: the activity has already spent it. Move budget to it from another "
    "activity first, or ask the finance team."
)
ACCOUNT_BUSY = _("The activity's account is busy; please try again in a moment.")
TRANSFER_AMOUNT_POSITIVE = _("Give an amount greater than zero.")
TRANSFER_SAME_ACTIVITY = _("Choose two different activities.")
TRANSFER_OTHER_MEMBER = _("You can only move budget between your own activities.")
TRANSFER_ARCHIVED = _("This activity is archived; restore it first.")


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def _accounts_locked(activity_ids: list[int]) -> dict[int, ActivityAccount]:
    """Lock the accounts of `activity_ids` in ascending order, creating the
    missing ones (INSERT ... ON CONFLICT DO NOTHING, so two first entries
    racing never fail). Inside a transaction."""
    _set_lock_timeout()
    wanted = sorted(set(activity_ids))
    locked: dict[int, ActivityAccount] = {}
    try:
        for activity_id in wanted:
            account = ActivityAccount.objects.select_for_update().filter(pk=activity_id).first()
            if account is None:
                ActivityAccount.objects.bulk_create(
                    [ActivityAccount(activity_id=activity_id)], ignore_conflicts=True
                )
                account = ActivityAccount.objects.select_for_update().get(pk=activity_id)
            locked[activity_id] = account
    except OperationalError as exc:
        if "lock timeout" in str(exc).lower():
            raise ValidationError(ACCOUNT_BUSY) from exc
        raise
    return locked


def _post(
    account: ActivityAccount,
    *,
    kind: str,
    amount: Decimal,
    date: datetime.date,
    label: str,
    acting_user: User,
    invoice: Invoice | None = None,
    counterpart: LedgerEntry | None = None,
) -> LedgerEntry:
    """Append one entry to a locked account and move its balance. The caller
    has checked that the balance covers a negative amount."""
    balance = account.balance + amount
    entry = LedgerEntry.objects.create(
        account=account,
        date=date,
        kind=kind,
        amount=amount,
        balance_after=balance,
        label=label[:200],
        invoice=invoice,
        counterpart=counterpart,
        created_by=acting_user,
    )
    ActivityAccount.objects.filter(pk=account.pk).update(balance=balance, updated_at=timezone.now())
    account.balance = balance
    return entry


def _money(amount: Decimal) -> str:
    return format_money(amount, get_language() or "en")


def invoice_entry_post(invoice: Invoice) -> LedgerEntry | None:
    """Inside the transaction that issues `invoice` (invoicing.extensions.on_issue):
    post its income (an invoice) or its reversal (a credit note) on the
    activity's account, from the document's own net and contribution. A
    document whose net after contribution is zero posts nothing. A reversal
    the balance cannot cover refuses the credit note: the balance is never
    negative. Safe to call twice: a document has at most one entry."""
    amount = invoice_entry_amount(invoice)
    if amount == 0:
        return None
    account = _accounts_locked([invoice.activity_id])[invoice.activity_id]
    existing = LedgerEntry.objects.filter(invoice=invoice).first()
    if existing is not None:
        return existing
    if account.balance + amount < 0:
        raise ValidationError(
            CREDIT_BEYOND_BALANCE,
            params={
                "amount": _money(-amount),
                "activity": invoice.activity.name,
                "balance": _money(account.balance),
            },
        )
    assert invoice.issue_date is not None and invoice.issued_by is not None
    is_credit = invoice.kind == DocumentKind.CREDIT_NOTE
    return _post(
        account,
        kind=EntryKind.REVERSAL if is_credit else EntryKind.INCOME,
        amount=amount,
        date=invoice.issue_date,
        label=invoice.number,
        acting_user=invoice.issued_by,
        invoice=invoice,
    )


def budget_transfer(
    *,
    source: Activity,
    target: Activity,
    amount: Decimal,
    acting_user: User,
) -> tuple[LedgerEntry, LedgerEntry]:
    """Move `amount` of budget from `source` to `target`, two activities of the
    same member: a negative transfer entry on one and a positive one on the
    other, each pointing to the other. Refused when the source's balance,
    read under its lock, does not cover it."""
    try:
        amount = check_decimal(amount, places=2)
    except ValidationError as exc:
        raise ValidationError({"amount": exc}) from exc
    if amount <= 0:
        raise ValidationError({"amount": ValidationError(TRANSFER_AMOUNT_POSITIVE)})
    if source.pk == target.pk:
        raise ValidationError({"target": ValidationError(TRANSFER_SAME_ACTIVITY)})
    if source.member_id != target.member_id:
        raise ValidationError({"target": ValidationError(TRANSFER_OTHER_MEMBER)})
    if target.archived:
        raise ValidationError({"target": ValidationError(TRANSFER_ARCHIVED)})
    day = timezone.localdate()
    with transaction.atomic():
        accounts = _accounts_locked([source.pk, target.pk])
        paying, receiving = accounts[source.pk], accounts[target.pk]
        if paying.balance < amount:
            raise ValidationError(
                {
                    "amount": ValidationError(
                        BALANCE_TOO_LOW,
                        params={
                            "activity": source.name,
                            "balance": _money(paying.balance),
                            "amount": _money(amount),
                        },
                    )
                }
            )
        out = _post(
            paying,
            kind=EntryKind.TRANSFER,
            amount=-amount,
            date=day,
            label=str(_("To %(activity)s") % {"activity": target.name}),
            acting_user=acting_user,
        )
        into = _post(
            receiving,
            kind=EntryKind.TRANSFER,
            amount=amount,
            date=day,
            label=str(_("From %(activity)s") % {"activity": source.name}),
            acting_user=acting_user,
            counterpart=out,
        )
    return out, into
