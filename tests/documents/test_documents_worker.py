"""Invoice documents with the real moving parts (issue 6, "Done when"): a
real Celery worker on the test Redis, a worker process SIGKILLed in the
middle of a render, a Redis stopped or hung while a member issues, and the
renders' own queue. Nothing is mocked or patched; the helpers in
workers.py start and stop real processes and read real logs, queues and
/proc.

Each test runs on the transactional database (a worker sees only committed
rows) and leaves the broker's queues empty for the next one."""

import hashlib
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from documents import services as documents_services
from documents import tasks
from documents.models import DeliveryStatus, DocumentFailure, InvoiceDelivery, InvoiceDocument
from invoicing.models import Invoice, InvoiceStatus
from invoicing.services.common import MAX_LINES
from members.models import Member
from smartcoop.celery import app as celery_app
from smartcoop.lib.money import format_money
from smartcoop.lib.ogm import ogm_format
from smartcoop.lib.tasks import broker_breaker_reset
from tests.factories import ClientFactory, MemberFactory, draft_invoice
from tests.invoicing.support import issued
from tests.workers import (
    RedisServer,
    WorkerProcess,
    broker_switched,
    documents_root,
    finished_tasks,
    in_process_worker,
    pdf_text,
    purge_broker,
    queue_size,
    unacked_ages,
    unacked_count,
    wait_for,
)

pytestmark = pytest.mark.celery

VISIBILITY_TIMEOUT = 5
RENDER = tasks.render.name
RECEIVED_RENDER = r"Task documents\.render\[[0-9a-f-]+\] received"
# Long enough that a render takes seconds (WeasyPrint lays out every line),
# so a kill after a second of its CPU time lands in the middle of it.
LONG_INVOICE_LINES = [
    (f"Translation, chapter {n}: proofreading and layout", "1", "12.50", "S:21")
    for n in range(1, MAX_LINES // 2 + 1)
]


@pytest.fixture
def broker(seed_data: None) -> Iterator[None]:
    """The test broker with empty queues, before and after the test."""
    purge_broker(celery_app)
    yield
    purge_broker(celery_app)


@pytest.fixture
def me(broker: None) -> Member:
    return MemberFactory(status="member", language="en")


def documents_of(invoice: Invoice) -> list[InvoiceDocument]:
    return list(InvoiceDocument.objects.filter(invoice=invoice, format="pdf"))


def the_one_document(invoice: Invoice) -> InvoiceDocument:
    """Exactly one stored PDF, whose file holds the bytes it was stored with."""
    documents = documents_of(invoice)
    assert len(documents) == 1, documents
    document = documents[0]
    content = Path(document.file.path).read_bytes()
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert document.size == len(content) and content.startswith(b"%PDF-")
    assert documents_services.document_read(document) == content
    return document


# --- 1. A real worker renders what issuing enqueues --------------------------------------


def test_issuing_with_a_real_worker_stores_one_pdf_with_number_totals_reference_and_mentions(
    me,
):
    assert celery_app.conf.task_always_eager is False
    dutch = ClientFactory(member=me, language="nl", sector="show_organiser")
    english = ClientFactory(member=me, language="en")
    with in_process_worker(celery_app, ["celery", "documents"]):
        # Issuing commits, then enqueues the render on the `documents` queue.
        invoices = [
            issued(
                me,
                client=dutch,
                lines=[
                    ("Vertaling NL>FR", "10", "50.00", "S:21"),
                    ("Boeken", "2", "20.00", "S:6"),
                    ("Voorstelling", "1", "100.00", "E:art44_2_8"),
                ],
            ),
            issued(
                me,
                client=english,
                lines=[
                    ("Translation EN>NL", "12", "45.00", "S:21"),
                    ("Renovation of the attic", "3", "80.00", "AE:be_cocontractor"),
                ],
            ),
        ]
        assert wait_for(lambda: all(documents_of(i) for i in invoices)), "no PDF was stored"
        # Rendering again (a redelivery, the sweep) stores nothing new.
        with finished_tasks() as finished:
            again = [tasks.render.delay(i.pk, "pdf").id for i in invoices]
            assert wait_for(lambda: all(task_id in finished for task_id in again))
        assert [finished[task_id] for task_id in again] == [False, False]

    for invoice, language in zip(invoices, ["nl", "en"], strict=True):
        invoice.refresh_from_db()
        document = the_one_document(invoice)
        assert document.filename == f"{invoice.number}.pdf"
        text = pdf_text(documents_services.document_read(document))
        assert invoice.number and invoice.number in text
        for amount in (invoice.total_net, invoice.total_vat, invoice.total_gross):
            assert format_money(amount, language) in text, (amount, text)
        assert ogm_format(invoice.structured_reference) in text
        assert invoice.mentions, "an exempt or reverse-charge line gives a mention"
        for mention in invoice.mentions:
            assert " ".join(mention.split()) in text, mention
    assert not DocumentFailure.objects.exists()


# --- 2. A worker killed mid-render -------------------------------------------------------


@pytest.fixture
def workers(broker: None) -> Iterator[list[WorkerProcess]]:
    """Worker processes a test starts; all are stopped afterwards, whatever happened."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def start_process(workers: list[WorkerProcess], log: Path, **environment: str) -> WorkerProcess:
    worker = WorkerProcess(
        broker_url=celery_app.conf.broker_read_url, log=log, environment=environment
    )
    workers.append(worker)
    return worker.start()


def warm_worker(workers: list[WorkerProcess], log: Path, member: Member) -> WorkerProcess:
    """A worker process whose pool process has already rendered one PDF
    (WeasyPrint imported, fonts loaded): the CPU its next task uses is
    that task's rendering."""
    worker = start_process(workers, log)
    warm = issued(member)
    assert wait_for(lambda: documents_of(warm)), worker.output()
    return worker


def files_in_storage() -> set[Path]:
    return {path for path in documents_root().rglob("*.pdf") if path.is_file()}


def render_mid_way(worker: WorkerProcess, member: Member) -> tuple[Invoice, str, int]:
    """Issue a long invoice and return it, its render task's id and the pid
    of the pool process once that has spent a second of CPU rendering it."""
    invoice = issued(member, lines=LONG_INVOICE_LINES)
    worker.wait_for_log(RECEIVED_RENDER, count=2)
    task_id = worker.received(RENDER)[-1]
    child = worker.busy_child(cpu_seconds=1.0)
    assert not documents_of(invoice), "the render finished before it could be killed"
    return invoice, task_id, child


def test_a_pool_process_killed_mid_render_leaves_exactly_one_document(me, workers, tmp_path):
    worker = warm_worker(workers, tmp_path / "worker.log", me)
    before = files_in_storage()
    invoice, task_id, child = render_mid_way(worker, me)

    worker.sigkill(child)

    # The pool replaces the process, the message is rejected back to the
    # queue (acks late, reject on worker lost) and rendered again.
    assert wait_for(lambda: documents_of(invoice)), worker.output()
    worker.wait_for_log(rf"Task documents\.render\[{task_id}\] succeeded")
    log = worker.output()
    assert worker.received(RENDER)[1:] == [task_id, task_id], log  # ran twice
    assert re.search(rf"pid:{child} exited with 'signal 9 \(SIGKILL\)'", log), log
    assert "WorkerLostError" in log
    assert child not in worker.pool_children()
    document = the_one_document(invoice)
    # The killed run left no file behind: the storage gained exactly this one.
    assert files_in_storage() - before == {Path(document.file.path)}
    assert queue_size(celery_app, "documents") == unacked_count(celery_app) == 0


def test_a_whole_worker_killed_mid_render_is_redelivered_after_the_visibility_timeout(
    me, workers, tmp_path
):
    first = warm_worker(workers, tmp_path / "first.log", me)
    before = files_in_storage()
    invoice, task_id, child = render_mid_way(first, me)

    # The machine dies: main and pool process at once, no chance to reject.
    first.kill_all()
    assert wait_for(lambda: not first.alive(child)), "the pool process survived"
    first.stop()
    assert not documents_of(invoice)
    # The message is neither back in the queue nor lost: it waits,
    # unacknowledged, for the visibility timeout (settings, from the
    # environment) to pass; kombu restores it when a worker starts polling
    # and every few seconds after.
    assert queue_size(celery_app, "documents") == 0
    assert unacked_count(celery_app) == 1

    # A worker with a visibility timeout of 5 s, started once the message is
    # older than that (kombu looks for such messages when a worker starts
    # polling, then only every unacked_restore_interval x throttle seconds).
    assert wait_for(lambda: min(unacked_ages(celery_app)) > VISIBILITY_TIMEOUT + 0.5)
    second = start_process(
        workers, tmp_path / "second.log", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT)
    )
    assert wait_for(lambda: documents_of(invoice)), second.output()
    assert second.received(RENDER) == [task_id], second.output()  # the same message
    document = the_one_document(invoice)
    assert files_in_storage() - before == {Path(document.file.path)}
    second.wait_for_log(rf"Task documents\.render\[{task_id}\] succeeded")
    assert wait_for(lambda: unacked_count(celery_app) == 0, timeout=15)
    assert queue_size(celery_app, "documents") == 0


# --- 3. Redis stopped or hung while a member issues --------------------------------------


@pytest.fixture
def own_redis(broker: None, tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, this process's Celery pointed at it."""
    server = RedisServer(tmp_path / "redis.log")
    try:
        server.start()
        with broker_switched(celery_app, server.url()):
            yield server
    finally:
        server.stop()


def issue_through_the_page(web: HttpClient, invoice: Invoice) -> float:
    """POST the issue form; returns how long the request took."""
    start = time.monotonic()
    response = web.post(reverse("invoicing:invoice_issue", args=[invoice.pk]))
    elapsed = time.monotonic() - start
    assert response.status_code == 302
    assert response["Location"] == reverse("invoicing:invoice_detail", args=[invoice.pk])
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number
    assert not documents_of(invoice)
    return elapsed


def test_issuing_while_redis_is_down_or_hung_answers_at_once_and_the_sweep_catches_up(
    me, own_redis, settings, caplog
):
    # An in-process worker of an earlier test (Celery's logging setup) may
    # have left the root logger at ERROR: the warnings read here are asked for.
    caplog.set_level(logging.WARNING, logger="smartcoop.lib.tasks")
    web = HttpClient()
    web.force_login(me.user)
    stopped, hung = draft_invoice(me), draft_invoice(me)

    own_redis.stop()
    assert issue_through_the_page(web, stopped) < 2.0
    # The render's failed publish opened the breaker: the transmission task
    # of the same request was not even tried (one timeout per request).
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Broker marked")]
    assert skipped == ["Broker marked down; einvoicing.transmit not sent, a sweep will retry it"]

    own_redis.start()  # the same port
    # The failed publish opened the per-process breaker, which would skip the
    # next publishes without trying; close it to time a hung broker too.
    broker_breaker_reset()
    own_redis.pause()
    try:
        assert issue_through_the_page(web, hung) < 2.0
    finally:
        own_redis.resume()
    # Both renders were tried after commit and given up on, nothing was queued.
    refused = [r for r in caplog.records if r.getMessage().startswith("Could not enqueue")]
    assert [r.getMessage() for r in refused] == [
        f"Could not enqueue {RENDER}; a sweep will retry it"
    ] * 2
    assert queue_size(celery_app, "documents") == 0

    # Redis is back; the sweep (beat runs it every few minutes) re-enqueues
    # what was issued while it was away.
    settings.DOCUMENTS_SWEEP_AFTER_SECONDS = 0
    with in_process_worker(celery_app, ["celery", "documents"]):
        tasks.sweep.delay()
        assert wait_for(lambda: documents_of(stopped) and documents_of(hung))
        assert wait_for(lambda: queue_size(celery_app, "documents") == 0)
    the_one_document(stopped)
    the_one_document(hung)
    assert numbers_of(me) == [f"F{stopped.year}-000001", f"F{stopped.year}-000002"]


def numbers_of(member: Member) -> list[str]:
    return list(
        Invoice.objects.filter(member=member).order_by("number").values_list("number", flat=True)
    )


# --- 4. Renders never delay an email -----------------------------------------------------


def test_an_email_goes_out_while_thirty_renders_wait_in_their_own_queue(me):
    with in_process_worker(celery_app, ["celery"]):  # no worker on `documents`
        invoices = [issued(me) for _ in range(30)]
        assert wait_for(lambda: queue_size(celery_app, "documents") == 30)
        delivery = documents_services.invoice_send_request(
            invoice=invoices[-1], acting_user=me.user
        )
        assert wait_for(lambda: len(mail.outbox) == 1)
        assert wait_for(
            lambda: InvoiceDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT
        )
        # Still all waiting: the email did not wait for them, nor they for it.
        assert queue_size(celery_app, "documents") == 30
    message = mail.outbox[0]
    assert message.to == [invoices[-1].client.email]
    assert [name for name, _content, _type in message.attachments] == [
        f"{invoices[-1].number}.pdf",
        f"{invoices[-1].number}.xml",
    ]
    # The emailed invoice's PDF and UBL were stored by the sending itself; the other
    # 29 renders have not run.
    assert InvoiceDocument.objects.filter(invoice__in=invoices[:-1]).count() == 0
    the_one_document(invoices[-1])
