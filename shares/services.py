"""Writes to shares: subscribing, booking payments (one by one or from a bank
file), the append-only share register, certificates, exits and refunds.

The register is the legal record (CSA/WVV art. 5:25 and 6:24, domain.md):
every change of a holding is a new numbered entry, never an edit. The number
of shares in the register always equals the paid subscriptions minus exits.
"""

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import services as member_services
from members.models import Member, Status
from rules.selectors import rules_on
from rules.values import Duration
from shares.bankfile import MAX_FILE_BYTES, BankFileError, looks_like_statement, parse_statement
from shares.models import (
    BankImport,
    Certificate,
    EntryType,
    ExitRequest,
    ExitStatus,
    Payment,
    PaymentStatus,
    RegisterEntry,
    ShareCounter,
    Subscription,
    SubscriptionStatus,
)
from shares.selectors import register_entries
from smartcoop.lib import bankrouting
from smartcoop.lib.money import round_cents
from smartcoop.lib.ogm import ogm_from_number
from smartcoop.lib.tasks import enqueue_on_commit

NOMINAL_VALUE = "shares.nominal_value"
MINIMUM_TO_JOIN = "shares.minimum_to_join"
EXIT_WINDOW = "shares.exit_window"
REFUND_TERM = "shares.refund_term"
# A safety bound against typing errors (10,000 shares is €300,000).
MAX_SHARES_PER_SUBSCRIPTION = 10_000

QUANTITY_BELOW_MINIMUM = _("You need at least %(minimum)s share(s) to join.")
QUANTITY_AT_LEAST_ONE = _("Enter at least 1 share.")
QUANTITY_TOO_LARGE = _("At most %(maximum)s shares can be bought at once; contact us for more.")
ALREADY_PAID = _("This subscription is already paid.")
NOT_AWAITING = _("This subscription is cancelled; it cannot be paid.")
WRONG_AMOUNT = _("The amount %(amount)s does not match the %(expected)s due.")
UNKNOWN_REFERENCE = _("No subscription has this structured reference.")
NO_REFERENCE = _("The communication holds no valid structured reference.")
ALREADY_RECORDED = _("This bank line was already recorded.")
STATEMENT_TOO_LARGE = _(
    "This file is %(size)s MB; a bank statement of at most %(maximum)s MB is accepted. "
    "Nothing was imported."
)
NOT_A_STATEMENT = _(
    "This is not a bank statement: upload your bank's CSV export or CODA file. "
    "Nothing was imported."
)
NOT_EURO = _("The payment is not in euro.")
EXIT_OUTSIDE_WINDOW = _(
    "Exit requests are accepted from %(start)s to %(end)s each year; the next window opens "
    "on %(next)s."
)
EXIT_TOO_MANY = _(
    "You hold %(held)s share(s) that are not already leaving; you asked for %(asked)s."
)
EXIT_NOT_REQUESTED = _("This exit request has already been decided.")
EXIT_NOT_APPROVED = _("Only an approved exit can be refunded.")
REFUND_TOO_HIGH = _("A refund cannot exceed the nominal value paid: at most %(maximum)s.")
REFUND_NOT_POSITIVE = _("Enter a refund amount above zero.")
ALREADY_REVERSED = _("This entry has already been reversed.")
CANNOT_REVERSE = _("This kind of entry cannot be reversed here.")
NO_SHARES_FOR_CERTIFICATE = _("A certificate lists shares held; you hold none yet.")
TRANSFER_TO_SELF = _("Shares can only be transferred to another holder.")
EXCLUSION_REASON_REQUIRED = _("Give the decision that excludes the member (body and date).")
NO_SHARES_TO_EXCLUDE = _("This member holds no shares.")
PAYMENT_NOT_TO_RESOLVE = _("This payment is not waiting to be resolved.")


def _counter() -> ShareCounter:
    counter, _created = ShareCounter.objects.select_for_update().get_or_create(pk=1)
    return counter


def _next_entry_number() -> int:
    counter = _counter()
    counter.last_entry += 1
    counter.save(update_fields=["last_entry"])
    return counter.last_entry


def _entry(**fields: Any) -> RegisterEntry:
    return RegisterEntry.objects.create(number=_next_entry_number(), **fields)


def check_quantity(quantity: int) -> int:
    """A number of shares: at least one, at most MAX_SHARES_PER_SUBSCRIPTION."""
    if quantity < 1:
        raise ValidationError({"quantity": QUANTITY_AT_LEAST_ONE})
    if quantity > MAX_SHARES_PER_SUBSCRIPTION:
        raise ValidationError(
            {
                "quantity": ValidationError(
                    QUANTITY_TOO_LARGE, params={"maximum": MAX_SHARES_PER_SUBSCRIPTION}
                )
            }
        )
    return quantity


def shares_held(*, member: Member, on: datetime.date | None = None) -> int:
    entries = RegisterEntry.objects.filter(member=member)
    if on is not None:
        entries = entries.filter(effective_on__lte=on)
    return int(entries.aggregate(n=Sum("quantity"))["n"] or 0)


def share_subscribe(
    *,
    member: Member,
    quantity: int,
    accepted: Iterable[str],
    acting_user: User,
) -> Subscription:
    """Subscribe to shares at the nominal value in force today, with a unique
    structured reference to pay by. A newcomer needs the minimum to join."""
    today = timezone.localdate()
    quantity = check_quantity(quantity)
    rules = rules_on([NOMINAL_VALUE, MINIMUM_TO_JOIN], on=today)
    minimum = rules.value(MINIMUM_TO_JOIN)
    if shares_held(member=member) == 0 and quantity < minimum:
        raise ValidationError(
            {"quantity": ValidationError(QUANTITY_BELOW_MINIMUM, params={"minimum": minimum})}
        )
    unit_price = rules.value(NOMINAL_VALUE).amount
    with transaction.atomic():
        consents = member_services.member_consents_record(
            member=member, accepted=accepted, acting_user=acting_user
        )
        counter = _counter()
        counter.last_reference += 1
        counter.save(update_fields=["last_reference"])
        subscription = Subscription.objects.create(
            member=member,
            quantity=quantity,
            category=member.category,
            unit_price=unit_price,
            amount=round_cents(unit_price * quantity),
            structured_reference=ogm_from_number(1_000_000_000 + counter.last_reference),
            subscribed_on=today,
            rules_used={**rules.provenance(), **consents},
        )
        enqueue_on_commit("shares.subscription_confirmation_send", subscription.pk)
    return subscription


def _book(subscription: Subscription, payment: Payment, acting_user: User) -> None:
    """Mark a locked subscription paid and write its register entry."""
    subscription.status = SubscriptionStatus.PAID
    subscription.paid_on = payment.value_date
    subscription.save(update_fields=["status", "paid_on"])
    _entry(
        member=subscription.member,
        entry_type=EntryType.SUBSCRIPTION_PAID,
        effective_on=payment.value_date,
        quantity=subscription.quantity,
        category=subscription.category,
        amount=subscription.amount,
        subscription=subscription,
        recorded_by=acting_user,
        note=f"{subscription.structured_reference}",
    )
    member = subscription.member
    if member.status != Status.MEMBER:
        member_services.member_status_set(
            member=member,
            status=Status.MEMBER,
            acting_user=acting_user,
            reason=f"share subscription {subscription.structured_reference} paid",
            effective_on=payment.value_date,
        )


def _problem(subscription: Subscription | None, amount: Decimal) -> Any:
    if subscription is None:
        return UNKNOWN_REFERENCE
    if subscription.status == SubscriptionStatus.PAID:
        return ALREADY_PAID
    if subscription.status != SubscriptionStatus.AWAITING_PAYMENT:
        return NOT_AWAITING
    if amount != subscription.amount:
        return _("wrong amount: %(amount)s received, %(expected)s due") % {
            "amount": amount,
            "expected": subscription.amount,
        }
    return None


def share_payment_register(
    *,
    subscription: Subscription,
    amount: Decimal,
    value_date: datetime.date,
    acting_user: User,
    transaction_id: str = "",
    communication: str = "",
) -> Payment:
    """Staff book a payment received for a subscription. The subscription row
    is locked, so two people booking the same payment book it once."""
    if not isinstance(amount, Decimal):
        raise TypeError("amount must be a Decimal")
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .select_related("member")
            .get(pk=subscription.pk)
        )
        if subscription.status == SubscriptionStatus.PAID:
            raise ValidationError(ALREADY_PAID, code="already_paid")
        if subscription.status != SubscriptionStatus.AWAITING_PAYMENT:
            raise ValidationError(NOT_AWAITING, code="not_awaiting")
        if amount != subscription.amount:
            raise ValidationError(
                {
                    "amount": ValidationError(
                        WRONG_AMOUNT, params={"amount": amount, "expected": subscription.amount}
                    )
                }
            )
        payment = Payment.objects.create(
            subscription=subscription,
            amount=amount,
            value_date=value_date,
            communication=communication or subscription.structured_reference,
            structured_reference=subscription.structured_reference,
            transaction_id=transaction_id or f"manual-{subscription.pk}",
            status=PaymentStatus.BOOKED,
            recorded_by=acting_user,
        )
        _book(subscription, payment, acting_user)
    return payment


@dataclass
class ImportLineResult:
    line_number: int
    outcome: str  # booked, to_resolve, already_recorded, error
    message: str
    reference: str = ""
    amount: str = ""


def statement_file_check(*, size: int, head: bytes) -> None:
    """Refuse a bank file before any of its lines is read: larger than the
    limit, or not a CSV export or CODA file by its content."""
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            {
                "file": ValidationError(
                    STATEMENT_TOO_LARGE,
                    code="too_large",
                    params={
                        "size": f"{size / 1024 / 1024:.1f}",
                        "maximum": MAX_FILE_BYTES // 1024 // 1024,
                    },
                )
            }
        )
    if not looks_like_statement(head):
        raise ValidationError({"file": ValidationError(NOT_A_STATEMENT, code="not_a_statement")})


def share_bank_import(*, data: bytes, file_name: str, acting_user: User) -> BankImport:
    """Book a bank statement: each credit line on its own, all-or-nothing per
    line; exact matches are booked, the rest wait for a person. A line seen
    before (same bank transaction id) is never recorded twice. Lines whose
    structured reference belongs to another ledger (an invoice's) are booked
    by that ledger (smartcoop.lib.bankrouting)."""
    statement_file_check(size=len(data), head=data[:4096])
    try:
        lines, errors = parse_statement(data)
    except BankFileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    by_line: dict[int, list[str]] = {}
    for error in errors:
        by_line.setdefault(error.line_number, []).append(error.message)
    results = [
        ImportLineResult(number, "error", "; ".join(messages))
        for number, messages in by_line.items()
    ]
    bank_import = BankImport.objects.create(
        file_name=file_name[:200], sha256=hashlib.sha256(data).hexdigest(), uploaded_by=acting_user
    )
    for line in lines:
        result = ImportLineResult(
            line.line_number, "", "", line.structured_reference or "", str(line.amount)
        )
        if len(line.transaction_id) > 128:
            result.outcome, result.message = "error", "bank transaction id over 128 characters"
            results.append(result)
            continue
        route = bankrouting.route_for(line.structured_reference)
        if route is not None:
            # Another ledger's reference (an invoice's): that ledger books it.
            result.outcome, result.message = route.book(
                line, file_name=file_name, acting_user=acting_user
            )
            results.append(result)
            continue
        try:
            with transaction.atomic():
                if Payment.objects.filter(transaction_id=line.transaction_id).exists():
                    result.outcome, result.message = "already_recorded", str(ALREADY_RECORDED)
                    results.append(result)
                    continue
                subscription = None
                if line.structured_reference:
                    subscription = (
                        Subscription.objects.select_for_update()
                        .select_related("member")
                        .filter(structured_reference=line.structured_reference)
                        .first()
                    )
                if line.currency != "EUR":
                    problem: Any = NOT_EURO
                elif not line.structured_reference:
                    problem = NO_REFERENCE
                else:
                    problem = _problem(subscription, line.amount)
                payment = Payment.objects.create(
                    subscription=subscription,
                    amount=line.amount,
                    value_date=line.booking_date,
                    communication=line.communication[:200],
                    structured_reference=line.structured_reference or "",
                    counterparty_name=line.counterparty_name[:200],
                    counterparty_iban=line.counterparty_iban[:34],
                    transaction_id=line.transaction_id,
                    status=PaymentStatus.TO_RESOLVE if problem else PaymentStatus.BOOKED,
                    problem=str(problem or ""),
                    bank_import=bank_import,
                    recorded_by=acting_user,
                )
                if problem:
                    result.outcome, result.message = "to_resolve", str(problem)
                else:
                    assert subscription is not None
                    _book(subscription, payment, acting_user)
                    result.outcome = "booked"
                    result.message = str(subscription.member)
        except IntegrityError:
            # A concurrent upload of the same line won the race: it is recorded once.
            result.outcome, result.message = "already_recorded", str(ALREADY_RECORDED)
        results.append(result)
    results.sort(key=lambda r: r.line_number)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    bank_import.report = {"counts": counts, "lines": [asdict(r) for r in results]}
    bank_import.save(update_fields=["report"])
    return bank_import


def share_payment_resolve(
    *,
    payment: Payment,
    acting_user: User,
    subscription: Subscription | None = None,
    note: str = "",
) -> Payment:
    """A person settles a payment the import could not book: against the
    right subscription (same amount), or closed with a note (refunded...)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != PaymentStatus.TO_RESOLVE:
            raise ValidationError(PAYMENT_NOT_TO_RESOLVE)
        if subscription is None:
            payment.status = PaymentStatus.RESOLVED
            payment.resolution_note = note
            payment.save(update_fields=["status", "resolution_note"])
            return payment
        subscription = (
            Subscription.objects.select_for_update()
            .select_related("member")
            .get(pk=subscription.pk)
        )
        problem = _problem(subscription, payment.amount)
        if problem:
            raise ValidationError(str(problem))
        payment.subscription = subscription
        payment.status = PaymentStatus.BOOKED
        payment.resolution_note = note
        payment.save(update_fields=["subscription", "status", "resolution_note"])
        _book(subscription, payment, acting_user)
    return payment


def exit_dates(on: datetime.date) -> tuple[bool, datetime.date, datetime.date, datetime.date]:
    """(request allowed on `on`, window start, window end, when the exit takes
    effect) under the exit-window rule; the financial year is the calendar year.
    An exit asked in the window takes effect on the window's last day
    (CSA/WVV art. 6:120)."""
    window = rules_on([EXIT_WINDOW], on=on).value(EXIT_WINDOW)
    start = datetime.date(on.year, window["from_month"], 1)
    end_month = window["to_month"]
    end = datetime.date(on.year + end_month // 12, end_month % 12 + 1, 1) - datetime.timedelta(
        days=1
    )
    return start <= on <= end, start, end, end


def refund_due_by(effective_on: datetime.date) -> datetime.date:
    """The latest refund date for an exit taking effect on `effective_on`."""
    term: Duration = rules_on([REFUND_TERM], on=effective_on).value(REFUND_TERM)
    return term.add_to(effective_on)


def _pending_exit_quantity(member: Member) -> int:
    return int(
        ExitRequest.objects.filter(member=member, status=ExitStatus.REQUESTED).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )


def share_exit_request(
    *, member: Member, quantity: int, requested_on: datetime.date, acting_user: User
) -> ExitRequest:
    """A member asks in writing (dated) to leave with some or all shares."""
    quantity = check_quantity(quantity)
    allowed, start, end, effective_on = exit_dates(requested_on)
    if not allowed:
        next_start = start if requested_on < start else start.replace(year=start.year + 1)
        params = {
            "start": f"{start:%d/%m}",
            "end": f"{end:%d/%m}",
            "next": f"{next_start:%d/%m/%Y}",
        }
        raise ValidationError(EXIT_OUTSIDE_WINDOW, code="outside_window", params=params)
    with transaction.atomic():
        Member.objects.select_for_update().get(pk=member.pk)  # one request at a time
        # Approved exits are in the register already (dated when they take
        # effect); requested ones are not yet, so they are counted here.
        free = shares_held(member=member) - _pending_exit_quantity(member)
        if quantity > free:
            raise ValidationError(
                {
                    "quantity": ValidationError(
                        EXIT_TOO_MANY, params={"held": max(free, 0), "asked": quantity}
                    )
                }
            )
        rules = rules_on([EXIT_WINDOW, REFUND_TERM], on=requested_on)
        return ExitRequest.objects.create(
            member=member,
            quantity=quantity,
            requested_on=requested_on,
            effective_on=effective_on,
            refund_due_by=refund_due_by(effective_on),
            rules_used=rules.provenance(),
        )


def share_exit_decide(
    *, exit_request: ExitRequest, approve: bool, acting_user: User
) -> ExitRequest:
    """Staff approve an exit (the register records it on its effective date;
    a member whose last share leaves becomes resigned) or reject it."""
    with transaction.atomic():
        exit_request = (
            ExitRequest.objects.select_for_update().select_related("member").get(pk=exit_request.pk)
        )
        if exit_request.status != ExitStatus.REQUESTED:
            raise ValidationError(EXIT_NOT_REQUESTED)
        exit_request.decided_by = acting_user
        exit_request.decided_at = timezone.now()
        exit_request.status = ExitStatus.APPROVED if approve else ExitStatus.REJECTED
        exit_request.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            member = exit_request.member
            _entry(
                member=member,
                entry_type=EntryType.EXIT,
                effective_on=exit_request.effective_on,
                quantity=-exit_request.quantity,
                category=member.category,
                exit_request=exit_request,
                recorded_by=acting_user,
            )
            if shares_held(member=member) == 0 and member.status == Status.MEMBER:
                member_services.member_status_set(
                    member=member,
                    status=Status.RESIGNED,
                    acting_user=acting_user,
                    reason="last shares left",
                    effective_on=exit_request.effective_on,
                )
    return exit_request


def refund_maximum(exit_request: ExitRequest) -> Decimal:
    """The nominal value paid for the shares leaving: never more (domain.md)."""
    paid = RegisterEntry.objects.filter(
        member=exit_request.member,
        entry_type=EntryType.SUBSCRIPTION_PAID,
        reversed_by__isnull=True,
    ).aggregate(shares=Sum("quantity"), amount=Sum("amount"))
    if not paid["shares"]:
        return Decimal("0.00")
    return round_cents(paid["amount"] / paid["shares"] * exit_request.quantity)


def share_refund_record(
    *,
    exit_request: ExitRequest,
    amount: Decimal,
    refunded_on: datetime.date,
    acting_user: User,
) -> ExitRequest:
    if not isinstance(amount, Decimal):
        raise TypeError("amount must be a Decimal")
    with transaction.atomic():
        exit_request = (
            ExitRequest.objects.select_for_update().select_related("member").get(pk=exit_request.pk)
        )
        if exit_request.status != ExitStatus.APPROVED:
            raise ValidationError(EXIT_NOT_APPROVED)
        if amount <= 0:
            raise ValidationError({"amount": REFUND_NOT_POSITIVE})
        maximum = refund_maximum(exit_request)
        if amount > maximum:
            raise ValidationError(
                {"amount": ValidationError(REFUND_TOO_HIGH, params={"maximum": maximum})}
            )
        exit_request.status = ExitStatus.REFUNDED
        exit_request.refunded_amount = amount
        exit_request.refunded_on = refunded_on
        exit_request.save(update_fields=["status", "refunded_amount", "refunded_on"])
        _entry(
            member=exit_request.member,
            entry_type=EntryType.REFUND,
            effective_on=refunded_on,
            quantity=0,
            category=exit_request.member.category,
            amount=-amount,
            exit_request=exit_request,
            recorded_by=acting_user,
        )
    return exit_request


def share_transfer(
    *,
    from_member: Member,
    to_member: Member,
    quantity: int,
    transferred_on: datetime.date,
    acting_user: User,
    note: str = "",
) -> tuple[RegisterEntry, RegisterEntry]:
    """Shares passed from one holder to another (with the board's consent,
    recorded outside the platform): two entries, out and in, on one date."""
    quantity = check_quantity(quantity)
    if from_member.pk == to_member.pk:
        raise ValidationError({"to_member": TRANSFER_TO_SELF})
    with transaction.atomic():
        # Lock both holders in a fixed order (style.md, item 5), fresh from the database.
        locked = {
            m.pk: m
            for m in Member.objects.select_for_update()
            .filter(pk__in=[from_member.pk, to_member.pk])
            .order_by("pk")
        }
        from_member, to_member = locked[from_member.pk], locked[to_member.pk]
        free = shares_held(member=from_member) - _pending_exit_quantity(from_member)
        if quantity > free:
            raise ValidationError(
                {
                    "quantity": ValidationError(
                        EXIT_TOO_MANY, params={"held": max(free, 0), "asked": quantity}
                    )
                }
            )
        out = _entry(
            member=from_member,
            entry_type=EntryType.TRANSFER_OUT,
            effective_on=transferred_on,
            quantity=-quantity,
            category=from_member.category,
            recorded_by=acting_user,
            note=note or f"to {to_member.member_number}",
        )
        into = _entry(
            member=to_member,
            entry_type=EntryType.TRANSFER_IN,
            effective_on=transferred_on,
            quantity=quantity,
            category=to_member.category,
            recorded_by=acting_user,
            note=note or f"from {from_member.member_number}",
        )
        if to_member.status != Status.MEMBER:
            member_services.member_status_set(
                member=to_member,
                status=Status.MEMBER,
                acting_user=acting_user,
                reason="shares received by transfer",
                effective_on=transferred_on,
            )
        if shares_held(member=from_member) == 0 and from_member.status == Status.MEMBER:
            member_services.member_status_set(
                member=from_member,
                status=Status.RESIGNED,
                acting_user=acting_user,
                reason="all shares transferred",
                effective_on=transferred_on,
            )
    return out, into


def share_member_exclude(
    *, member: Member, excluded_on: datetime.date, acting_user: User, reason: str
) -> ExitRequest:
    """A member excluded by the general meeting or the board: all shares leave
    the register on that date and are refunded like an exit (refund term from
    the exclusion date). Returns the exit record that the refund settles."""
    if not reason.strip():
        raise ValidationError({"reason": EXCLUSION_REASON_REQUIRED})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        held = shares_held(member=member)
        if held <= 0:
            raise ValidationError(NO_SHARES_TO_EXCLUDE)
        ExitRequest.objects.filter(member=member, status=ExitStatus.REQUESTED).update(
            status=ExitStatus.REJECTED, decided_by=acting_user, decided_at=timezone.now()
        )
        rules = rules_on([REFUND_TERM], on=excluded_on)
        exclusion = ExitRequest.objects.create(
            member=member,
            quantity=held,
            requested_on=excluded_on,
            effective_on=excluded_on,
            refund_due_by=rules.value(REFUND_TERM).add_to(excluded_on),
            status=ExitStatus.APPROVED,
            decided_by=acting_user,
            decided_at=timezone.now(),
            rules_used=rules.provenance(),
        )
        _entry(
            member=member,
            entry_type=EntryType.EXCLUSION,
            effective_on=excluded_on,
            quantity=-held,
            category=member.category,
            exit_request=exclusion,
            recorded_by=acting_user,
            note=reason,
        )
        member_services.member_status_set(
            member=member,
            status=Status.EXCLUDED,
            acting_user=acting_user,
            reason=reason,
            effective_on=excluded_on,
        )
    return exclusion


def register_entry_reverse(*, entry: RegisterEntry, acting_user: User, note: str) -> RegisterEntry:
    """Correct a mistake with a reversing entry; the source document follows
    (a reversed payment leaves its subscription cancelled and its payment to
    resolve, a reversed exit is rejected), so the register stays equal to
    paid subscriptions minus exits."""
    with transaction.atomic():
        entry = RegisterEntry.objects.select_for_update().get(pk=entry.pk)
        if RegisterEntry.objects.filter(reverses=entry).exists():
            raise ValidationError(ALREADY_REVERSED)
        if entry.entry_type == EntryType.SUBSCRIPTION_PAID and entry.subscription_id:
            Subscription.objects.filter(pk=entry.subscription_id).update(
                status=SubscriptionStatus.CANCELLED
            )
            Payment.objects.filter(
                subscription_id=entry.subscription_id, status=PaymentStatus.BOOKED
            ).update(status=PaymentStatus.TO_RESOLVE, problem=f"register entry reversed: {note}")
        elif entry.entry_type in (EntryType.EXIT, EntryType.EXCLUSION) and entry.exit_request_id:
            ExitRequest.objects.filter(pk=entry.exit_request_id).update(status=ExitStatus.REJECTED)
        elif entry.entry_type == EntryType.REFUND and entry.exit_request_id:
            ExitRequest.objects.filter(pk=entry.exit_request_id).update(
                status=ExitStatus.APPROVED, refunded_amount=None, refunded_on=None
            )
        else:
            raise ValidationError(CANNOT_REVERSE)
        # Dated today, or on the reversed entry's own date when that is later
        # (an exit not yet in effect): on no date is only one of them counted.
        reversal = _entry(
            member=entry.member,
            entry_type=EntryType.REVERSAL,
            effective_on=max(timezone.localdate(), entry.effective_on),
            quantity=-entry.quantity,
            category=entry.category,
            amount=-entry.amount,
            subscription=entry.subscription,
            exit_request=entry.exit_request,
            reverses=entry,
            recorded_by=acting_user,
            note=note,
        )
        member = Member.objects.get(pk=entry.member_id)
        held = shares_held(member=member)
        if held > 0 and member.status in (Status.RESIGNED, Status.EXCLUDED):
            member_services.member_status_set(
                member=member,
                status=Status.MEMBER,
                acting_user=acting_user,
                reason=f"register entry #{entry.number} reversed: {note}",
            )
        elif held == 0 and member.status == Status.MEMBER:
            paid_before = entry.entry_type == EntryType.SUBSCRIPTION_PAID
            member_services.member_status_set(
                member=member,
                status=Status.APPLICANT if paid_before else Status.RESIGNED,
                acting_user=acting_user,
                reason=f"register entry #{entry.number} reversed: {note}",
            )
        return reversal


def share_certificate_issue(*, member: Member, acting_user: User) -> Certificate:
    """Freeze the holding from the register into a numbered, dated certificate."""
    today = timezone.localdate()
    if shares_held(member=member, on=today) <= 0:
        raise ValidationError(NO_SHARES_FOR_CERTIFICATE)
    with transaction.atomic():
        counter = _counter()
        counter.last_certificate += 1
        counter.save(update_fields=["last_certificate"])
        entries = register_entries(member=member, as_of=today)
        return Certificate.objects.create(
            number=counter.last_certificate,
            member=member,
            issued_on=today,
            quantity=sum(e.quantity for e in entries),
            holding=[
                {
                    "number": e.number,
                    "type": e.entry_type,
                    "date": e.effective_on.isoformat(),
                    "quantity": e.quantity,
                    "amount": str(e.amount),
                    "category": e.category,
                }
                for e in entries
            ],
            holder_name=member.legal_name,
            holder_address=", ".join([*member.address_lines, member.country]),
            language=member.language,
        )
