"""Gapless, date-ordered numbers (domain.md, Invoicing; architecture.md,
Rules that keep the data right).

Numbers are given last in the issuing transaction, from one counter row per
series and year. The row is locked only for the numbering and the write of
the number (style.md, item 5); the lock waits at most LOCK_TIMEOUT, then the
issue is refused as busy rather than queued behind a stuck transaction.
"""

import datetime
from functools import cache

from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from invoicing.models import Invoice, InvoiceStatus, NumberCounter
from invoicing.services.common import BUSY, DATE_ORDER, LOCK_TIMEOUT


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


def number_assign(
    invoice: Invoice,
    *,
    today: datetime.date,
    number_format: dict[str, str],
    acting_user: User,
    reason: str,
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
    _number(invoice, status=issued_status, year=today.year, number=number, fmt=number_format)
    _history_row(invoice, acting_user=acting_user, reason=reason)


def _number(invoice: Invoice, *, status: str, year: int, number: int, fmt: dict[str, str]) -> None:
    """Write the number just taken and the issued status on the invoice, the
    counter row locked (what the numbering tests make fail or wait)."""
    invoice.series, invoice.year, invoice.sequence = invoice.kind, year, number
    invoice.number = fmt[invoice.kind].format(year=year, number=number)
    Invoice.objects.filter(pk=invoice.pk).update(
        status=status,
        series=invoice.series,
        year=year,
        sequence=number,
        number=invoice.number,
    )
    invoice._stored_status = status


@cache
def _history_insert() -> str:
    """The statement that copies an invoice's row into its history
    (django-simple-history's table), built once per process."""
    history = apps.get_model("invoicing", "HistoricalInvoice")
    columns = [
        f.column for f in history._meta.concrete_fields if not f.column.startswith("history_")
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    return (
        f"INSERT INTO {quote(history._meta.db_table)} ({names}, history_date, history_type, "  # noqa: S608 - names from the models
        f"history_user_id, history_change_reason) SELECT {names}, %s, '~', %s, %s "
        f"FROM {quote(Invoice._meta.db_table)} WHERE id = %s"
    )


def _history_row(invoice: Invoice, *, acting_user: User, reason: str) -> None:
    """The audit row of the issue, copied from the invoice's row by the
    database in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            _history_insert(), [timezone.now(), acting_user.pk, reason[:100], invoice.pk]
        )
