"""Drafts and issuing: the lines checked against the rules of the date of supply,
the totals, and the gapless, date-ordered number given at issue."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from invoicing import en16931
from invoicing.calculation import (
    LineInput,
    Totals,
    VatOption,
    compute_totals,
    vat_option_for,
    vat_options,
)
from invoicing.models import (
    Activity,
    Client,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberCounter,
    Unit,
)
from invoicing.services.common import (
    ALREADY_ISSUED,
    ARCHIVED,
    BUSY,
    CLIENT_INCOMPLETE,
    CLIENT_NEEDS_VAT_NUMBER,
    CONTRIBUTION_RATE,
    DATE_ORDER,
    DESCRIPTION_REQUIRED,
    ISSUE_DEADLINE_DAY,
    LATE_ISSUE_WARNING,
    LINE_TOO_LARGE,
    LOCK_TIMEOUT,
    MAX_LINES,
    NO_LINES,
    NO_VAT_RULES,
    NOT_A_DRAFT,
    NOT_A_MEMBER,
    NOT_YOURS,
    NUMBER_FORMAT,
    PAYMENT_TERM_DEFAULT,
    PAYMENT_TERM_MAX,
    REFERENCE_BASE,
    SUPPLY_DATE_REQUIRED,
    SUPPLY_DATE_TOO_FAR,
    TERM_NOT_A_NUMBER,
    TERM_TOO_LONG,
    TERM_TOO_SHORT,
    TOO_MANY_LINES,
    UNIT_UNKNOWN,
    VAT_NOT_VALID_ON_DATE,
    VAT_UNKNOWN,
    _error,
)
from invoicing.validation import (
    MAX_ABS,
    PRICE_NEGATIVE,
    PRICE_PLACES,
    QUANTITY_NOT_POSITIVE,
    QUANTITY_PLACES,
    parse_decimal,
)
from members.models import Member, Status
from rules.selectors import NoVersionInForce, rules_on
from rules.values import Duration, LocalizedText
from smartcoop.lib.audit import audited
from smartcoop.lib.ogm import ogm_from_number

# --- Drafts --------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    option: VatOption

    def as_input(self) -> LineInput:
        return LineInput(self.quantity, self.unit_price, self.option.category, self.option.rate)


def parse_lines(
    raw_lines: Sequence[Mapping[str, Any]], *, supply_date: datetime.date, credit_note: bool = False
) -> tuple[list[ParsedLine], dict[str, int]]:
    """Check the lines a member typed against the rules in force on the date
    of supply. Errors are keyed `lines-<index>-<field>`, so the form shows
    each next to its input; nothing is saved while any is left."""
    try:
        options, provenance = vat_options(supply_date)
    except NoVersionInForce as exc:
        raise _error("supply_date", NO_VAT_RULES, date=f"{supply_date:%d/%m/%Y}") from exc
    errors: dict[str, list[Any]] = {}
    parsed: list[ParsedLine] = []
    if not raw_lines:
        errors["__all__"] = [NO_LINES]
    if len(raw_lines) > MAX_LINES:
        errors["__all__"] = [ValidationError(TOO_MANY_LINES, params={"maximum": MAX_LINES})]
    for index, raw in enumerate(raw_lines):
        prefix = f"lines-{index}-"
        description = str(raw.get("description") or "").strip()
        if not description:
            errors.setdefault(prefix + "description", []).append(DESCRIPTION_REQUIRED)
        quantity = unit_price = None
        try:
            quantity = parse_decimal(raw.get("quantity"), places=QUANTITY_PLACES)
            if quantity <= 0 and not credit_note:
                raise ValidationError(QUANTITY_NOT_POSITIVE)
        except ValidationError as exc:
            errors.setdefault(prefix + "quantity", []).append(exc)
        try:
            unit_price = parse_decimal(raw.get("unit_price"), places=PRICE_PLACES)
            if unit_price < 0:
                raise ValidationError(PRICE_NEGATIVE)
        except ValidationError as exc:
            errors.setdefault(prefix + "unit_price", []).append(exc)
        unit = str(raw.get("unit") or Unit.UNIT)
        if unit not in Unit.values:
            errors.setdefault(prefix + "unit", []).append(UNIT_UNKNOWN)
        code = str(raw.get("vat") or "")
        option = vat_option_for(code, options)
        if option is None:
            known_anywhere = code.partition(":")[0] in {"S", "Z", "E", "AE", "K", "G", "O"}
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
            parsed.append(ParsedLine(description[:300], quantity, unit, unit_price, option))
    if errors:
        raise ValidationError(errors)
    return parsed, provenance


def parse_payment_term(raw: Any, *, on: datetime.date) -> tuple[int, dict[str, int]]:
    rules = rules_on([PAYMENT_TERM_MAX], on=on)
    maximum = rules.value(PAYMENT_TERM_MAX).days
    try:
        days = int(str(raw).strip())
    except (TypeError, ValueError) as exc:
        raise _error("payment_term_days", TERM_NOT_A_NUMBER) from exc
    if days < 0:
        raise _error("payment_term_days", TERM_TOO_SHORT)
    if days > maximum:
        raise _error("payment_term_days", TERM_TOO_LONG, maximum=maximum)
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
        raise _error("client", ARCHIVED)
    if activity.archived:
        raise _error("activity", ARCHIVED)


def invoice_draft_save(
    *,
    member: Member,
    acting_user: User,
    client: Client,
    activity: Activity,
    supply_date: datetime.date | None,
    payment_term_days: Any,
    lines: Sequence[Mapping[str, Any]],
    buyer_reference: str = "",
    notes: str = "",
    invoice: Invoice | None = None,
    today: datetime.date | None = None,
) -> Invoice:
    """Create a draft or replace a draft's content. Drafts have no number and
    can change freely; their totals are kept for lists."""
    today = today or timezone.localdate()
    if invoice is not None and not invoice.is_draft:
        raise ValidationError(NOT_A_DRAFT)
    _check_owned(member, client, activity)
    if supply_date is None:
        raise _error("supply_date", SUPPLY_DATE_REQUIRED)
    if supply_date > today + datetime.timedelta(days=366):
        raise _error("supply_date", SUPPLY_DATE_TOO_FAR)
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
    if errors:
        raise ValidationError(errors)
    totals = draft_totals(parsed, on=today)
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
        _apply_totals(target, totals)
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
                net_amount=net,
            )
            for position, (line, net) in enumerate(zip(parsed, totals.line_nets, strict=True), 1)
        )
    return target


def _apply_totals(invoice: Invoice, totals: Totals) -> None:
    invoice.total_net, invoice.total_vat, invoice.total_gross = (
        totals.net,
        totals.vat,
        totals.gross,
    )
    invoice.contribution_rate, invoice.contribution = totals.contribution_rate, totals.contribution
    invoice.vat_breakdown = [group.as_json() for group in totals.groups]


def invoice_draft_delete(*, invoice: Invoice, acting_user: User) -> None:
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not locked.is_draft:
            raise ValidationError(NOT_A_DRAFT)
        locked.lines.all().delete()
        audited(locked, acting_user=acting_user, reason="draft deleted")
        locked.delete()


# --- Issuing -------------------------------------------------------------------------


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
    errors.extend(en16931.problems(client=invoice.client, lines=invoice.lines.all()))
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


class _lazy_format:
    """A message and its parameters, translated when shown (in the reader's
    language), recorded in English on the invoice."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % self.params


def invoice_issue_check(*, invoice: Invoice, today: datetime.date | None = None) -> IssueCheck:
    today = today or timezone.localdate()
    errors, warnings = _issue_problems(invoice, today)
    if not invoice.is_draft:
        errors.insert(0, _lazy_format(ALREADY_ISSUED, number=invoice.number))
    return IssueCheck([str(e) for e in errors], [str(w) for w in warnings])


def _seller() -> dict[str, str]:
    enterprise = settings.COOPERATIVE_ENTERPRISE_NUMBER
    return {
        "name": settings.COOPERATIVE_NAME,
        "address": settings.COOPERATIVE_ADDRESS,
        "country": "BE",
        "enterprise_number": enterprise,
        "vat_number": f"BE{enterprise}",
        "iban": settings.COOPERATIVE_IBAN,
        "bic": settings.COOPERATIVE_BIC,
    }


def _buyer(client: Client) -> dict[str, str]:
    return {
        "kind": client.kind,
        "name": client.name,
        "street": client.street,
        "postal_code": client.postal_code,
        "city": client.city,
        "country": str(client.country),
        "vat_number": client.vat_number,
        "enterprise_number": client.enterprise_number,
        "peppol_id": client.peppol_participant,
        "email": client.email,
        "language": client.language,
    }


def _member_mentions(invoice: Invoice) -> dict[str, str]:
    return {
        "activity": invoice.activity.name,
        "activity_kind": invoice.activity.kind,
        "member_name": invoice.member.legal_name,
        "member_number": str(invoice.member.member_number),
    }


def _mentions(options: list[VatOption], language: str, extra: list[LocalizedText]) -> list[str]:
    """The legal mentions the document prints, in its language, once each."""
    texts: list[str] = []
    for option in options:
        if option.mention is not None:
            text = option.mention.get(language)
            if text not in texts:
                texts.append(text)
    for mention in extra:
        text = mention.get(language)
        if text not in texts:
            texts.append(text)
    return texts


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def _counter_locked(series: str, year: int, today: datetime.date) -> int:
    """Take the next number of (series, year) and return it. One UPDATE ...
    RETURNING increments the counter row and locks it until commit; it only
    matches while the series' last issue date is not after `today`, which
    keeps the numbers in date order. The row is created on the first issue
    of a year with ON CONFLICT DO NOTHING, so two first issues racing never
    fail."""
    table = NumberCounter._meta.db_table
    with connection.cursor() as cursor:
        for _attempt in range(3):
            cursor.execute(
                f"UPDATE {table} SET last_number = last_number + 1, last_issued_on = %s "  # noqa: S608 - table name from the model
                "WHERE series = %s AND year = %s "
                "AND (last_issued_on IS NULL OR last_issued_on <= %s) RETURNING last_number",
                [today, series, year, today],
            )
            row = cursor.fetchone()
            if row is not None:
                return int(row[0])
            counter = (
                NumberCounter.objects.filter(series=series, year=year)
                .values_list("pk", "last_issued_on")
                .first()
            )
            if counter is None:
                NumberCounter.objects.bulk_create(
                    [NumberCounter(series=series, year=year)], ignore_conflicts=True
                )
            elif counter[1] is not None and counter[1] > today:
                raise ValidationError(DATE_ORDER, params={"last": f"{counter[1]:%d/%m/%Y}"})
            # else: another issue created the row after our UPDATE looked; again.
    raise RuntimeError(f"no counter row for {series} {year}")  # pragma: no cover


def _number(
    invoice: Invoice,
    *,
    today: datetime.date,
    number_format: dict[str, str],
    acting_user: User,
    reason: str,
    hook: Any = None,
) -> None:
    """Give `invoice` the next number of its series and make it issued.
    Called last in the issuing transaction. Its content is written first,
    still as a draft; then the counter row is taken, and the only work left
    under that lock until commit is two short statements: the number and the
    status on the invoice, and its audit row (style.md, item 5)."""
    issued_status = invoice.status
    invoice.status = InvoiceStatus.DRAFT
    invoice.save_without_historical_record()  # type: ignore[attr-defined]
    invoice.status = issued_status
    series = invoice.kind
    _set_lock_timeout()
    try:
        number = _counter_locked(series, today.year, today)
    except OperationalError as exc:
        if "lock timeout" in str(exc).lower():
            raise ValidationError(BUSY) from exc
        raise
    invoice.series, invoice.year, invoice.sequence = series, today.year, number
    invoice.number = number_format[series].format(year=today.year, number=number)
    if hook is not None:  # tests and benchmarks: what runs while the lock is held
        hook(invoice)
    Invoice.objects.filter(pk=invoice.pk).update(
        status=issued_status,
        series=series,
        year=today.year,
        sequence=number,
        number=invoice.number,
    )
    invoice._stored_status = issued_status
    _history_row(invoice, acting_user=acting_user, reason=reason)


def _history_row(invoice: Invoice, *, acting_user: User, reason: str) -> None:
    """The audit row of the issue (django-simple-history's table), copied
    from the invoice's row by the database in one statement."""
    history = Invoice.history.model
    columns = [
        f.column for f in history._meta.concrete_fields if not f.column.startswith("history_")
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({names}, history_date, history_type, "  # noqa: S608 - names from the models
            f"history_user_id, history_change_reason) SELECT {names}, %s, '~', %s, %s "
            f"FROM {quote(Invoice._meta.db_table)} WHERE id = %s",
            [timezone.now(), acting_user.pk, reason[:100], invoice.pk],
        )


def invoice_issue(
    *,
    invoice: Invoice,
    acting_user: User,
    today: datetime.date | None = None,
    numbering_hook: Any = None,
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
        today = today or timezone.localdate()
        errors, warnings = _issue_problems(locked, today)
        if errors:
            raise ValidationError([ValidationError(str(e)) for e in errors])
        lines = list(locked.lines.all())
        raw = [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "vat": f"{line.vat_category}:{line.vat_rate.normalize():f}",
            }
            for line in lines
        ]
        parsed, vat_provenance = parse_lines(raw, supply_date=locked.supply_date)
        rules = rules_on(
            [CONTRIBUTION_RATE, PAYMENT_TERM_MAX, NUMBER_FORMAT, ISSUE_DEADLINE_DAY], on=today
        )
        if locked.payment_term_days > rules.value(PAYMENT_TERM_MAX).days:
            raise _error(None, TERM_TOO_LONG, maximum=rules.value(PAYMENT_TERM_MAX).days)
        rate = Decimal(rules.value(CONTRIBUTION_RATE))
        totals = compute_totals([line.as_input() for line in parsed], contribution_rate=rate)
        _apply_totals(locked, totals)
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
        locked.seller = _seller()
        locked.buyer = _buyer(locked.client)
        locked.buyer |= _member_mentions(locked)
        locked.mentions = _mentions(list(used.values()), locked.client.language, [])
        locked.language = locked.client.language
        with override("en"):
            locked.warnings = [str(w) for w in warnings]
        locked.rules_used = rules.provenance() | vat_provenance
        locked.structured_reference = ogm_from_number(REFERENCE_BASE + locked.pk)
        locked.issued_by, locked.issued_at = acting_user, timezone.now()
        _number(
            locked,
            today=today,
            number_format=rules.value(NUMBER_FORMAT),
            acting_user=acting_user,
            reason="issued",
            hook=numbering_hook,
        )
        from invoicing.services.documents import documents_enqueue_for

        documents_enqueue_for(locked)  # after commit: the PDF, outside the lock
    return locked
