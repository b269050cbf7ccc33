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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from invoicing.models import Activity, DocumentKind, Invoice
from members.models import Member
from pay.models import ActivityAccount, EntryKind, LedgerEntry, PayRequest, PayRequestStatus
from pay.paydate import pay_date
from pay.payroll import Breakdown, FamilySituation, from_budget, from_net
from pay.selectors import account_balance, invoice_entry_amount, pay_rates, working_days_to_pay
from rules.selectors import NoVersionInForce, UnknownRuleKey
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


# --- Pay requests ------------------------------------------------------------------------

MAX_WORK_DAYS = 31
MAX_CHILDREN = 20
WORK_DATES_REQUIRED = _("Give at least one day of work.")
WORK_DATES_TOO_MANY = _("One request covers at most %(maximum)s days of work.")
WORK_DATES_FUTURE = _("Ask to be paid for work done: %(day)s is still to come.")
WORK_DATES_SPAN = _("The days of one request lie within one calendar month.")
DESCRIPTION_REQUIRED = _("Describe the work.")
AMOUNT_ONE_OF = _("Give either the budget to use or the net you want, not both.")
AMOUNT_REQUIRED = _("Give the budget to use or the net you want.")
AMOUNT_POSITIVE = _("Give an amount greater than zero.")
CHILDREN_RANGE = _("Give a number of dependent children between 0 and %(maximum)s.")
SITUATION_UNKNOWN = _("Choose your family situation from the list.")
NO_SCALE = _("There is no withholding tax scale yet for %(day)s; ask the finance team.")
ACTIVITY_ARCHIVED = _("This activity is archived; restore it first.")
NOT_REQUESTED = _("This request has already been decided.")
REFUSAL_REASON_REQUIRED = _("Give the reason for the refusal.")


@dataclass(frozen=True)
class PayQuote:
    """A breakdown with what it was computed from: the live preview and the
    request share it (pay_quote)."""

    breakdown: Breakdown
    pay_date: datetime.date
    rules_used: dict[str, int]


def _field(name: str, message: Any, **params: Any) -> ValidationError:
    return ValidationError({name: ValidationError(message, params=params or None)})


def pay_quote(
    *,
    work_dates: list[datetime.date],
    budget: Decimal | None,
    net_wanted: Decimal | None,
    situation: str,
    children: int,
) -> PayQuote:
    """The breakdown of a pay request: from the budget to use, or back from
    the net wanted; with the rates in force on the last day of work, and the
    payment date (the last day plus the rule's Belgian working days). The
    one computation behind the live preview and the approved request."""
    errors: dict[str, list[ValidationError]] = {}

    def add(name: str, message: Any, **params: Any) -> None:
        errors.setdefault(name, []).append(ValidationError(message, params=params or None))

    days = sorted(set(work_dates))
    today = timezone.localdate()
    if not days:
        add("work_dates", WORK_DATES_REQUIRED)
    elif len(days) > MAX_WORK_DAYS:
        add("work_dates", WORK_DATES_TOO_MANY, maximum=MAX_WORK_DAYS)
    elif days[-1] > today:
        add("work_dates", WORK_DATES_FUTURE, day=date_format(days[-1], "SHORT_DATE_FORMAT"))
    elif (days[0].year, days[0].month) != (days[-1].year, days[-1].month):
        add("work_dates", WORK_DATES_SPAN)
    if situation not in FamilySituation.values:
        add("situation", SITUATION_UNKNOWN)
    if not 0 <= children <= MAX_CHILDREN:
        add("children", CHILDREN_RANGE, maximum=MAX_CHILDREN)
    if budget is not None and net_wanted is not None:
        add("budget", AMOUNT_ONE_OF)
    elif budget is None and net_wanted is None:
        add("budget", AMOUNT_REQUIRED)
    for name, amount in (("budget", budget), ("net_wanted", net_wanted)):
        if amount is None:
            continue
        try:
            checked = check_decimal(amount, places=2)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.error_list)
            continue
        if checked <= 0:
            add(name, AMOUNT_POSITIVE)
    if errors:
        raise ValidationError(errors)
    last = days[-1]
    try:
        rates, used = pay_rates(last)
    except (NoVersionInForce, UnknownRuleKey) as exc:
        raise _field("work_dates", NO_SCALE, day=date_format(last, "SHORT_DATE_FORMAT")) from exc
    if budget is not None:
        breakdown = from_budget(budget, rates=rates, situation=situation, children=children)
    else:
        assert net_wanted is not None
        breakdown = from_net(net_wanted, rates=rates, situation=situation, children=children)
    if breakdown.budget <= 0:
        raise _field("budget" if budget is not None else "net_wanted", AMOUNT_POSITIVE)
    return PayQuote(
        breakdown=breakdown,
        pay_date=pay_date(last, working_days=working_days_to_pay(last)),
        rules_used=used,
    )


def pay_request_create(
    *,
    member: Member,
    activity: Activity,
    work_dates: list[datetime.date],
    description: str,
    budget: Decimal | None,
    net_wanted: Decimal | None,
    situation: str,
    children: int,
    acting_user: User,
) -> PayRequest:
    """Record a member's request to be paid for work done on their activity,
    with its breakdown. Refused when the activity's balance does not cover
    the budget it needs (checked again, under the lock, on approval)."""
    if activity.member_id != member.pk:
        raise _field("activity", TRANSFER_OTHER_MEMBER)
    if activity.archived:
        raise _field("activity", ACTIVITY_ARCHIVED)
    description = (description or "").strip()
    if not description:
        raise _field("description", DESCRIPTION_REQUIRED)
    quote = pay_quote(
        work_dates=work_dates,
        budget=budget,
        net_wanted=net_wanted,
        situation=situation,
        children=children,
    )
    breakdown = quote.breakdown
    balance = account_balance(activity)
    if breakdown.budget > balance:
        raise _field(
            "net_wanted" if budget is None else "budget",
            BALANCE_TOO_LOW,
            activity=activity.name,
            balance=_money(balance),
            amount=_money(breakdown.budget),
        )
    days = sorted(set(work_dates))
    with transaction.atomic():
        request = PayRequest.objects.create(
            member=member,
            activity=activity,
            work_dates=[day.isoformat() for day in days],
            first_day=days[0],
            last_day=days[-1],
            description=description[:2000],
            situation=situation,
            children=children,
            breakdown=breakdown.as_json(),
            budget=breakdown.budget,
            net=breakdown.net,
            pay_date=quote.pay_date,
            rules_used=quote.rules_used,
            created_by=acting_user,
        )
    return request


def pay_request_approve(*, pay_request: PayRequest, acting_user: User) -> PayRequest:
    """Staff approve a request: its budget used is charged to the activity
    as a salary entry, the account locked and its balance rechecked."""
    with transaction.atomic():
        locked = PayRequest.objects.select_for_update().get(pk=pay_request.pk)
        if locked.status != PayRequestStatus.REQUESTED:
            raise ValidationError(NOT_REQUESTED)
        account = _accounts_locked([locked.activity_id])[locked.activity_id]
        if account.balance < locked.budget:
            raise ValidationError(
                BALANCE_TOO_LOW,
                params={
                    "activity": str(locked.activity),
                    "balance": _money(account.balance),
                    "amount": _money(locked.budget),
                },
            )
        entry = _post(
            account,
            kind=EntryKind.SALARY,
            amount=-locked.budget,
            date=timezone.localdate(),
            label=str(
                _("Salary for %(first)s to %(last)s")
                % {
                    "first": date_format(locked.first_day, "SHORT_DATE_FORMAT"),
                    "last": date_format(locked.last_day, "SHORT_DATE_FORMAT"),
                }
            ),
            acting_user=acting_user,
        )
        locked.status = PayRequestStatus.APPROVED
        locked.salary_entry = entry
        locked.decided_by, locked.decided_at = acting_user, timezone.now()
        locked.save(update_fields=["status", "salary_entry", "decided_by", "decided_at"])
    return locked


def pay_request_refuse(*, pay_request: PayRequest, reason: str, acting_user: User) -> PayRequest:
    reason = (reason or "").strip()
    if not reason:
        raise _field("reason", REFUSAL_REASON_REQUIRED)
    with transaction.atomic():
        locked = PayRequest.objects.select_for_update().get(pk=pay_request.pk)
        if locked.status != PayRequestStatus.REQUESTED:
            raise ValidationError(NOT_REQUESTED)
        locked.status = PayRequestStatus.REFUSED
        locked.refusal_reason = reason[:300]
        locked.decided_by, locked.decided_at = acting_user, timezone.now()
        locked.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    return locked
