"""Helpers shared by the invoicing service tests (plain functions, not
fixtures, so they cannot shadow the fixtures of other test modules)."""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from invoicing import services
from invoicing.models import (
    Activity,
    Client,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    NumberCounter,
    UnmatchedBankLine,
)
from invoicing.services import numbering
from members.models import Member
from tests.clock import TODAY, on
from tests.factories import draft_invoice


def draft(member: Member, **kwargs: Any) -> Invoice:
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("supply_date", TODAY)
    return draft_invoice(member, **kwargs)


def issue(invoice: Invoice, today: datetime.date = TODAY) -> Invoice:
    """Issue `invoice` on `today` (the clock moved there: tests.clock)."""
    with on(today):
        return services.invoice_issue(invoice=invoice, acting_user=invoice.member.user)


def issued(member: Member, today: datetime.date = TODAY, **kwargs: Any) -> Invoice:
    kwargs.setdefault("supply_date", today)
    return issue(draft(member, today=today, **kwargs), today=today)


def credit(
    invoice: Invoice,
    quantities: Any = None,
    today: datetime.date = TODAY,
    reason: str = "Ordered twice",
) -> Invoice:
    with on(today):
        return services.credit_note_issue(
            invoice=invoice,
            acting_user=invoice.member.user,
            reason=reason,
            quantities=quantities,
        )


def counts() -> dict[str, int]:
    """How many rows each invoicing table holds: a refusal changes none."""
    return {
        model.__name__: model._default_manager.count()
        for model in (
            Activity,
            Client,
            Invoice,
            InvoiceLine,
            InvoicePayment,
            NumberCounter,
            UnmatchedBankLine,
        )
    }


@contextmanager
def while_numbered(hook: Callable[[Invoice], object]) -> Iterator[None]:
    """Run `hook(invoice)` right after an issue wrote its number, the counter
    row still locked until the issue commits: a hook that raises rolls the
    issue back there, one that waits holds the lock (numbering._number is
    patched; every thread of the test sees it)."""
    original = numbering._number

    def numbered(invoice: Invoice, **kwargs: Any) -> None:
        original(invoice, **kwargs)
        hook(invoice)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(numbering, "_number", numbered)
        yield
