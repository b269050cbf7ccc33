"""16 threads spend the same activity balance at once (issue 17, Tests):
transfers out of one activity, each taking a share of a balance that cannot
cover them all, while invoices are issued to it and some transactions roll
back. The balance never goes below zero, exactly the transfers the balance
covered went through, and it still equals the sum of its entries. On
PostgreSQL, one connection per thread, committed data (a transactional test)."""

import queue
import random
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from invoicing import services as invoicing_services
from invoicing.models import Invoice
from pay import services
from pay.models import ActivityAccount, EntryKind, LedgerEntry
from pay.selectors import balance_mismatches
from tests.clock import TODAY, on
from tests.factories import ActivityFactory, MemberFactory, draft_invoice
from tests.pay.support import assert_consistent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

THREADS = 16
TRANSFERS = 400
INVOICES = 16
SPEND = Decimal("37.00")
# The default line brings 504.90 per invoice: one to start with, 16 more.
SHARE = Decimal("504.90")


class ForcedRollback(Exception):
    pass


@pytest.fixture(autouse=True)
def _empty_queues_after() -> Iterator[None]:
    yield
    from smartcoop.celery import app as celery_app

    with celery_app.connection_for_write() as conn:
        for name in ("celery", "documents"):
            conn.default_channel.queue_purge(name)  # type: ignore[attr-defined]


def test_16_threads_spend_one_balance_and_it_never_goes_below_zero(seed_data):
    member = MemberFactory(status="member")
    source = ActivityFactory(member=member)
    targets = [ActivityFactory(member=member) for _ in range(4)]
    with on(TODAY):
        invoicing_services.invoice_issue(
            invoice=draft_invoice(member, activity=source, today=TODAY), acting_user=member.user
        )
        drafts = [draft_invoice(member, activity=source, today=TODAY) for _ in range(INVOICES)]

    rng = random.Random(20261203)
    tasks: list[tuple[str, int, bool]] = [
        ("transfer", i % len(targets), rng.random() < 0.1) for i in range(TRANSFERS)
    ] + [("issue", draft.pk, False) for draft in drafts]
    rng.shuffle(tasks)
    work: queue.SimpleQueue[tuple[str, int, bool]] = queue.SimpleQueue()
    for task in tasks:
        work.put(task)
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lowest: list[Decimal] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def one(kind: str, key: int, roll_back: bool) -> str:
        if kind == "issue":
            invoicing_services.invoice_issue(
                invoice=Invoice.objects.get(pk=key), acting_user=member.user
            )
            return "issued"
        try:
            with transaction.atomic():
                services.budget_transfer(
                    source=source, target=targets[key], amount=SPEND, acting_user=member.user
                )
                balance = ActivityAccount.objects.get(pk=source.pk).balance
                with lock:
                    lowest.append(balance)
                if roll_back:
                    raise ForcedRollback
        except ForcedRollback:
            return "rolled back"
        except ValidationError:
            return "refused"
        return "spent"

    def worker() -> None:
        try:
            start.wait(timeout=60)
            with on(TODAY):
                while True:
                    try:
                        task = work.get_nowait()
                    except queue.Empty:
                        break
                    try:
                        outcome = one(*task)
                    except BaseException as exc:
                        with lock:
                            errors.append(exc)
                        outcome = "error"
                    with lock:
                        outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert outcomes["issued"] == INVOICES
    assert outcomes["refused"] > 0, "the balance must run out for the test to mean anything"
    assert min(lowest) >= 0

    spent = LedgerEntry.objects.filter(account_id=source.pk, kind=EntryKind.TRANSFER).count()
    assert spent == outcomes["spent"]
    income = SHARE * (INVOICES + 1)
    balance = ActivityAccount.objects.get(pk=source.pk).balance
    assert balance == income - SPEND * spent >= 0
    # Each running balance on the source is never negative, and they chain.
    running = list(
        LedgerEntry.objects.filter(account_id=source.pk)
        .order_by("id")
        .values_list("amount", "balance_after")
    )
    total = Decimal(0)
    for amount, after in running:
        total += amount
        assert after == total >= 0
    for activity in [source, *targets]:
        assert_consistent(activity)
    assert list(balance_mismatches()) == []
