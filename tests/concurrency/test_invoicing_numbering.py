"""16 threads issue 2,000 invoices and credit notes at once, 10% of the
transactions rolled back: in each series the numbers are gapless, unique and
in date order (issue 5, Done when). On PostgreSQL, one connection per thread,
committed data (a transactional test)."""

import datetime
import queue
import random
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction

from invoicing import services
from invoicing.models import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberCounter,
)
from tests.clock import noon, on
from tests.factories import ActivityFactory, ClientFactory, MemberFactory
from tests.invoicing.support import while_numbered

# Issuing only enqueues its documents (render, Peppol) to the broker, as a web
# process does: this test is about numbers, and rendering 1,800 PDFs eagerly
# in the issuing threads would make it a rendering benchmark. The queues are
# emptied afterwards so no later worker picks the messages up.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]


@pytest.fixture(autouse=True)
def _empty_queues_after() -> Iterator[None]:
    yield
    from smartcoop.celery import app as celery_app

    with celery_app.connection_for_write() as connection:
        for queue in ("celery", "documents"):
            connection.default_channel.queue_purge(queue)  # type: ignore[attr-defined]


THREADS = 16
INVOICES = 1_600  # by invoice_issue
CREDIT_NOTES = 400  # by credit_note_issue, of invoices issued in the first waves
ATTEMPTS = INVOICES + CREDIT_NOTES
ROLLBACKS = ATTEMPTS // 10
WAVES = 20  # one issue date per wave, later for each wave
YEAR = 2026
FIRST_DAY = datetime.date(YEAR, 12, 1)
EARLY_INVOICES = 500  # the first five waves: invoices only, some credited later


class ForcedRollback(Exception):
    """Raised inside an issuing transaction to roll it back."""


def _drafts(member, client, activity, user, count: int) -> list[int]:
    """`count` one-line drafts, in two bulk inserts: the subject is issuing."""
    drafts = Invoice.objects.bulk_create(
        Invoice(
            member=member,
            client=client,
            activity=activity,
            created_by=user,
            supply_date=FIRST_DAY,
            payment_term_days=30,
            language=client.language,
        )
        for _ in range(count)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=draft,
            position=1,
            description=f"Session {i}",
            quantity=Decimal(2),
            unit="HUR",
            unit_price=Decimal("60.00"),
            vat_category="S",
            vat_rate=Decimal(21),
            net_amount=Decimal("120.00"),
        )
        for i, draft in enumerate(drafts)
    )
    return [draft.pk for draft in drafts]


def _run(
    tasks_per_wave: list[list[tuple]], work, days: list[datetime.date]
) -> tuple[Counter, list[BaseException]]:
    """Run the waves on THREADS threads, wave w on days[w]: a wave starts when
    the previous one is done, and the clock (tests.clock, every thread's)
    moves to its day in between, so each wave's date is later than every
    earlier number's. Every thread closes its connection at the end."""
    outcomes: Counter = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    waves: list[queue.SimpleQueue[tuple]] = [queue.SimpleQueue() for _ in tasks_per_wave]
    for wave, tasks in zip(waves, tasks_per_wave, strict=True):
        for task in tasks:
            wave.put(task)
    travel = time_machine.travel(noon(days[0]), tick=True)
    clock = travel.start()
    next_days = iter(days[1:])
    barrier = threading.Barrier(
        THREADS, action=lambda: clock.move_to(noon(next(next_days, days[-1])))
    )

    def worker() -> None:
        try:
            for wave in waves:
                while True:
                    try:
                        task = wave.get_nowait()
                    except queue.Empty:
                        break
                    try:
                        outcome = work(*task)
                    except ForcedRollback:
                        outcome = "rolled back"
                    except BaseException as exc:  # reported by the test
                        with lock:
                            errors.append(exc)
                        outcome = "error"
                    with lock:
                        outcomes[outcome] += 1
                barrier.wait(timeout=120)
        except threading.BrokenBarrierError as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        travel.stop()
    assert not any(thread.is_alive() for thread in threads)
    return outcomes, errors


def _assert_gapless_and_date_ordered(series: str, expected: int) -> None:
    rows = list(
        Invoice.objects.filter(series=series, year=YEAR)
        .order_by("sequence")
        .values_list("sequence", "issue_date", "number")
    )
    assert len(rows) == expected
    assert [sequence for sequence, _day, _number in rows] == list(range(1, expected + 1))
    days = [day for _sequence, day, _number in rows]
    assert None not in days
    assert days == sorted(day for day in days if day is not None), (
        f"{series}: numbers out of date order"
    )
    prefix = "F" if series == DocumentKind.INVOICE else "C"
    assert [number for *_rest, number in rows] == [
        f"{prefix}{YEAR}-{sequence:06d}" for sequence in range(1, expected + 1)
    ]
    counter = NumberCounter.objects.get(series=series, year=YEAR)
    assert (counter.last_number, counter.last_issued_on) == (expected, days[-1])


def test_16_threads_issue_2000_documents_in_two_series_without_gaps(seed_data):
    """2,000 attempts in 20 waves of 100, one issue date per wave: 1,600
    invoice_issue and 400 credit_note_issue, mixed; a credit note credits an
    invoice issued in an earlier wave. 10% of each kind roll back: invoices
    inside the numbering (the counter row locked), credit notes after the
    service returned, before the commit."""
    member = MemberFactory(status="member")
    user = member.user
    client, activity = ClientFactory(member=member), ActivityFactory(member=member)
    drafts = _drafts(member, client, activity, user, INVOICES)

    rng = random.Random(20261201)
    invoice_rollbacks = set(rng.sample(drafts, INVOICES // 10))
    early, late = drafts[:EARLY_INVOICES], drafts[EARLY_INVOICES:]
    creditable = [pk for pk in early if pk not in invoice_rollbacks]
    assert len(creditable) >= CREDIT_NOTES
    to_credit = rng.sample(creditable, CREDIT_NOTES)
    credit_rollbacks = set(rng.sample(to_credit, CREDIT_NOTES // 10))
    first_waves = [("invoice", pk, pk in invoice_rollbacks) for pk in early]
    last_waves = [("invoice", pk, pk in invoice_rollbacks) for pk in late] + [
        ("credit_note", pk, pk in credit_rollbacks) for pk in to_credit
    ]
    rng.shuffle(first_waves)
    rng.shuffle(last_waves)
    tasks = first_waves + last_waves
    assert len(tasks) == ATTEMPTS
    assert sum(roll_back for *_task, roll_back in tasks) == ROLLBACKS
    size = ATTEMPTS // WAVES
    waves = [tasks[w * size : (w + 1) * size] for w in range(WAVES)]
    days = [FIRST_DAY + datetime.timedelta(days=w) for w in range(WAVES)]

    def fail(invoice: Invoice) -> None:
        if invoice.pk in invoice_rollbacks and invoice.kind == DocumentKind.INVOICE:
            raise ForcedRollback  # while the counter row is locked and incremented

    def work(kind: str, pk: int, roll_back: bool) -> str:
        if kind == "invoice":
            services.invoice_issue(invoice=Invoice(pk=pk), acting_user=user)
            return "invoice"
        with transaction.atomic():
            services.credit_note_issue(invoice=Invoice(pk=pk), acting_user=user, reason="Cancelled")
            if roll_back:
                raise ForcedRollback
        return "credit_note"

    with while_numbered(fail):
        outcomes, errors = _run(waves, work, days)
    assert not errors, errors[:5]
    invoices_issued = INVOICES - len(invoice_rollbacks)
    notes_issued = CREDIT_NOTES - len(credit_rollbacks)
    assert outcomes == {
        "invoice": invoices_issued,
        "credit_note": notes_issued,
        "rolled back": ROLLBACKS,
    }

    # Issued = attempts - rollbacks; each series gapless, unique and in date order.
    issued = Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
    assert issued.count() == ATTEMPTS - ROLLBACKS
    _assert_gapless_and_date_ordered(DocumentKind.INVOICE, invoices_issued)
    _assert_gapless_and_date_ordered(DocumentKind.CREDIT_NOTE, notes_issued)
    assert set(Invoice.objects.filter(status=InvoiceStatus.DRAFT).values_list("pk", flat=True)) == (
        invoice_rollbacks
    )
    credited = Invoice.objects.filter(status=InvoiceStatus.CREDITED).values_list("pk", flat=True)
    assert set(credited) == set(to_credit) - credit_rollbacks
    assert set(issued.values_list("issue_date", flat=True)) == {
        FIRST_DAY + datetime.timedelta(days=w) for w in range(WAVES)
    }
    assert len(set(issued.values_list("structured_reference", flat=True))) == issued.count()


def test_a_rolled_back_number_is_given_to_the_next_issuer(seed_data):
    """Two threads: the first takes the counter lock and rolls back while the
    second waits on it; the second gets the number the first gave back."""
    member = MemberFactory(status="member")
    client, activity = ClientFactory(member=member), ActivityFactory(member=member)
    first, second = _drafts(member, client, activity, member.user, 2)
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_then_fail(invoice: Invoice) -> None:
        if invoice.pk == first:
            locked.set()
            release.wait(timeout=30)
            raise ForcedRollback

    def run(pk: int) -> None:
        try:
            services.invoice_issue(invoice=Invoice(pk=pk), acting_user=member.user)
        except ForcedRollback:
            pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with on(FIRST_DAY), while_numbered(hold_then_fail):
        holder = threading.Thread(target=run, args=(first,))
        holder.start()
        assert locked.wait(timeout=30)
        waiter = threading.Thread(target=run, args=(second,))
        waiter.start()
        waiter.join(timeout=0.5)
        assert waiter.is_alive()  # blocked on the counter row
        release.set()
        holder.join(timeout=30)
        waiter.join(timeout=30)
    assert not errors, errors
    assert dict(Invoice.objects.values_list("pk", "number")) == {first: "", second: "F2026-000001"}
    assert NumberCounter.objects.get().last_number == 1
