"""Documents and delivery (issue 6), in-process: the frozen PDF, the draft
preview, rendering failures, sending by email through a real SMTP server on
loopback (aiosmtpd), retries, the sweep and the pages. The real Celery
worker, SIGKILL and Redis outage tests are in test_documents_worker.py."""

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.template import Engine
from django.urls import reverse
from django.utils import translation

from documents import rendering, tasks
from documents import services as documents_services
from documents.models import DeliveryStatus, DocumentFailure, InvoiceDelivery, InvoiceDocument
from invoicing.models import Invoice, InvoiceStatus
from smartcoop.celery import app as celery_app
from smartcoop.lib.ogm import ogm_format
from tests.factories import ClientFactory, MemberFactory
from tests.invoicing.support import credit, draft, issued
from tests.workers import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def documents_root() -> Path:
    """The folder the document fields write to (DOCUMENTS_ROOT of the run)."""
    field = InvoiceDocument._meta.get_field("file")
    return Path(field.storage.path(""))


@pytest.fixture
def me():
    return MemberFactory(status="member", language="en")


def issue_and_render(
    member: Any, django_capture_on_commit_callbacks: Any, **kwargs: Any
) -> Invoice:
    with django_capture_on_commit_callbacks(execute=True):
        return issued(member, **kwargs)


# --- The frozen PDF ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "total", "due_words"),
    [
        ("nl", "Factuur", "€ 653,40", "Gelieve"),
        ("fr", "Facture", "€ 653,40", "Veuillez"),
        ("en", "Invoice", "€653.40", "Please pay"),
    ],
)
def test_issuing_stores_one_pdf_in_the_clients_language_with_what_the_law_asks(
    me, django_capture_on_commit_callbacks, language, title, total, due_words
):
    client = ClientFactory(member=me, language=language)
    invoice = issue_and_render(me, django_capture_on_commit_callbacks, client=client)
    document = InvoiceDocument.objects.get(invoice=invoice, format="pdf")
    content = documents_services.document_read(document)
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content) and document.filename == f"{invoice.number}.pdf"
    text = pdf_text(content)
    assert f"{title} {invoice.number}" in text
    assert total in text and due_words in text
    assert ogm_format(invoice.structured_reference) in text
    assert "BE0896755397" in text and "0896755397" in text  # the cooperative's numbers
    assert client.name in text and "BE0403019261" in text  # the client's legal data
    assert invoice.activity.name in text
    assert "1 / 1" in text  # page numbers


def test_the_pdf_prints_the_exemption_mention_and_a_credit_note_its_wording(
    me, django_capture_on_commit_callbacks
):
    client = ClientFactory(member=me, language="en", sector="show_organiser")
    invoice = issue_and_render(
        me,
        django_capture_on_commit_callbacks,
        client=client,
        lines=[("Concert", "1", "800.00", "E:art44_2_8"), ("Travel", "2", "10.00", "S:21")],
    )
    assert invoice.mentions
    text = pdf_text(
        documents_services.document_read(InvoiceDocument.objects.get(invoice=invoice, format="pdf"))
    )
    for mention in invoice.mentions:
        assert " ".join(mention.split()) in text
    with django_capture_on_commit_callbacks(execute=True):
        note = credit(invoice)
    note_text = pdf_text(
        documents_services.document_read(InvoiceDocument.objects.get(invoice=note, format="pdf"))
    )
    assert f"Credit note {note.number}" in note_text
    assert invoice.number in note_text and "Ordered twice" in note_text
    for mention in note.mentions:
        assert " ".join(mention.split()) in note_text
    assert "structured reference" not in note_text  # nothing to pay on a credit note


def test_a_150_line_invoice_runs_over_pages_with_numbers(me, django_capture_on_commit_callbacks):
    lines = [(f"Session {i}", "1", "10.00", "S:21") for i in range(150)]
    client = ClientFactory(member=me, language="en")
    invoice = issue_and_render(me, django_capture_on_commit_callbacks, lines=lines, client=client)
    text = pdf_text(
        documents_services.document_read(InvoiceDocument.objects.get(invoice=invoice, format="pdf"))
    )
    found = re.search(r"Page 1 / (\d+)", text)
    assert found is not None
    pages = int(found.group(1))
    assert pages >= 4
    assert f"Page {pages} / {pages}" in text
    assert "Session 0" in text and "Session 149" in text and "€1,815.00" in text


def test_rendering_again_keeps_the_first_document_and_its_bytes(
    me, django_capture_on_commit_callbacks, documents_root
):
    invoice = issue_and_render(me, django_capture_on_commit_callbacks)
    first = InvoiceDocument.objects.get(invoice=invoice, format="pdf")
    before = documents_services.document_read(first)
    files = stored_files(documents_root)
    assert tasks.render.delay(invoice.pk, "pdf").get() is False
    again, created = documents_services.invoice_document_store(invoice_id=invoice.pk, format="pdf")
    assert not created and again.pk == first.pk
    assert InvoiceDocument.objects.filter(invoice=invoice, format="pdf").count() == 1
    assert documents_services.document_read(again) == before
    assert stored_files(documents_root) == files


def test_a_stored_document_never_changes(me, django_capture_on_commit_callbacks):
    invoice = issue_and_render(me, django_capture_on_commit_callbacks)
    document = InvoiceDocument.objects.get(invoice=invoice, format="pdf")
    document.size = 1
    with pytest.raises(ValidationError):
        document.save()
    with pytest.raises(ValidationError):
        document.delete()
    for sql in (
        "UPDATE invoicing_invoicedocument SET sha256 = 'x' WHERE id = %s",
        "DELETE FROM invoicing_invoicedocument WHERE id = %s",
    ):
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [document.pk])
    document.refresh_from_db()
    assert document.size == len(documents_services.document_read(document))


def test_bytes_changed_in_storage_are_refused_not_served(me, django_capture_on_commit_callbacks):
    invoice = issue_and_render(me, django_capture_on_commit_callbacks)
    document = InvoiceDocument.objects.get(invoice=invoice, format="pdf")
    Path(document.file.path).write_bytes(b"%PDF-1.7 forged")
    with pytest.raises(documents_services.DocumentDamaged):
        documents_services.document_read(document)


def test_a_draft_is_previewed_marked_and_never_stored(me, client):
    invoice = draft(me, client=ClientFactory(member=me, language="en"))
    client.force_login(me.user)
    response = client.get(reverse("documents:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    text = pdf_text(response.content)
    assert "Draft: not an invoice" in text  # and a DRAFT watermark across the page
    assert not InvoiceDocument.objects.exists()


# --- Rendering failures -----------------------------------------------------------------


@pytest.fixture
def broken_template(monkeypatch) -> Iterator[str]:
    """The document template replaced by one that breaks, as a bad deploy would."""
    templates = {
        rendering.PDF_TEMPLATE: "{% load i18n %}<p>{{ invoice.number }}</p>{{ no_such_value }}"
    }

    def engine() -> Engine:
        return Engine(
            loaders=[("django.template.loaders.locmem.Loader", templates)],
            string_if_invalid=rendering._Invalid("%s"),
            libraries=rendering.get_installed_libraries(),
        )

    monkeypatch.setattr(rendering, "_engine", engine)
    yield rendering.PDF_TEMPLATE


def test_a_template_error_fails_loudly_and_stores_nothing(
    me, django_capture_on_commit_callbacks, documents_root, broken_template, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice = issued(me)
    files = stored_files(documents_root)
    with pytest.raises(rendering.RenderError, match="no_such_value"):
        tasks.render.apply(args=(invoice.pk, "pdf"), throw=True)
    assert not InvoiceDocument.objects.filter(invoice=invoice).exists()
    assert stored_files(documents_root) == files
    failure = DocumentFailure.objects.get(invoice=invoice, format="pdf")
    assert "no_such_value" in failure.error and failure.resolved_at is None
    with pytest.raises(rendering.RenderError):
        documents_services.invoice_document_store(invoice_id=invoice.pk, format="pdf")
    failure.refresh_from_db()
    assert failure.attempts == 2
    # Fixed: the next attempt stores the document and closes the failure.
    monkeypatch.undo()
    rendering._engine.cache_clear()
    documents_services.invoice_document_store(invoice_id=invoice.pk, format="pdf")
    failure.refresh_from_db()
    assert failure.resolved_at is not None
    assert len(callbacks) == 2  # the render and the Peppol transmission, after commit


def test_a_syntax_error_in_the_template_fails_the_same_way(me, monkeypatch):
    invoice = issued(me)
    templates = {rendering.PDF_TEMPLATE: "{% if %}"}
    monkeypatch.setattr(
        rendering,
        "_engine",
        lambda: Engine(loaders=[("django.template.loaders.locmem.Loader", templates)]),
    )
    with pytest.raises(rendering.RenderError, match="TemplateSyntaxError"):
        documents_services.invoice_document_store(invoice_id=invoice.pk, format="pdf")
    assert not InvoiceDocument.objects.exists()


# --- Sending by email through a real SMTP server -------------------------------------------


def test_sending_emails_the_stored_pdf_from_the_cooperative_with_the_member_as_reply_to(
    me, smtp, django_capture_on_commit_callbacks, settings
):
    customer = ClientFactory(member=me, language="fr", email="compta@client.example.be")
    invoice = issue_and_render(me, django_capture_on_commit_callbacks, client=customer)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = documents_services.invoice_send_request(
            invoice=invoice, acting_user=me.user, message="Merci pour la collaboration !"
        )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.sent_at is not None and delivery.message_id
    [email] = smtp.received
    assert smtp.envelopes[0].rcpt_tos == ["compta@client.example.be"]
    assert email["From"] == settings.DEFAULT_FROM_EMAIL
    assert email["Reply-To"] == me.user.email
    assert email["Message-ID"] == delivery.message_id
    assert invoice.number in email["Subject"] and "Facture" in email["Subject"]
    parts = list(email.walk())
    body = next(p for p in parts if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert "Merci pour la collaboration !" in body.decode()
    assert ogm_format(invoice.structured_reference) in body.decode()
    [attachment] = [p for p in parts if p.get_content_type() == "application/pdf"]
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    stored = InvoiceDocument.objects.get(invoice=invoice, format="pdf")
    assert attachment.get_payload(decode=True) == documents_services.document_read(stored)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and invoice.sent_at == delivery.sent_at
    # The same task delivered twice sends nothing more.
    assert tasks.delivery_send.delay(delivery.pk).get() == "skipped"
    assert len(smtp.received) == 1


def test_resending_is_a_new_recorded_sending(me, smtp, django_capture_on_commit_callbacks):
    invoice = issue_and_render(me, django_capture_on_commit_callbacks)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            documents_services.invoice_send_request(invoice=invoice, acting_user=me.user)
    assert len(smtp.received) == 2
    assert list(invoice.deliveries.values_list("status", flat=True)) == ["sent", "sent"]


def test_sending_renders_the_pdf_if_its_task_has_not_run(
    me, smtp, django_capture_on_commit_callbacks
):
    invoice = issued(me)  # the render task never ran (its message was lost)
    with django_capture_on_commit_callbacks(execute=True):
        documents_services.invoice_send_request(invoice=invoice, acting_user=me.user)
    assert InvoiceDocument.objects.filter(invoice=invoice, format="pdf").count() == 1
    assert len(smtp.received) == 1


def test_an_smtp_failure_is_retried_then_shown_as_failed_and_retried_by_the_member(
    me, smtp, django_capture_on_commit_callbacks, settings, client
):
    settings.INVOICE_EMAIL_MAX_ATTEMPTS = 3
    invoice = issue_and_render(me, django_capture_on_commit_callbacks)
    smtp.refuse = "451 4.3.0 Mailbox temporarily unavailable"
    # Celery's own retry runs each attempt (eagerly here, one after the other;
    # a worker waits the backoff countdown between them).
    celery_app.conf.task_eager_propagates = False  # restored by conftest._celery_mode
    with django_capture_on_commit_callbacks(execute=True):
        delivery = documents_services.invoice_send_request(invoice=invoice, acting_user=me.user)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert "451" in delivery.error and not smtp.received
    history = list(delivery.history.order_by("history_id").values_list("attempts", "status"))
    assert history == [(0, "queued"), (1, "queued"), (2, "queued"), (3, "failed")]
    invoice.refresh_from_db()
    assert invoice.sent_at is None and invoice.status == InvoiceStatus.ISSUED

    client.force_login(me.user)
    page = client.get(reverse("invoicing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Failed" in page and "451" in page and "Try again" in page
    smtp.refuse = None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:delivery_retry", args=[invoice.pk, delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(smtp.received) == 1
    # Only a failed sending can be tried again.
    with pytest.raises(ValidationError) as exc:
        documents_services.invoice_delivery_retry(delivery=delivery, acting_user=me.user)
    assert exc.value.messages == [str(documents_services.RETRY_NOT_FAILED)]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "This client has no email address. Add one on the client's page, then send the "
            "invoice.",
        ),
        (
            "nl",
            "Deze klant heeft geen e-mailadres. Voeg er een toe op de pagina van de klant en "
            "verstuur dan de factuur.",
        ),
    ],
)
def test_a_client_without_email_gets_a_clear_message_and_nothing_is_queued(
    client, django_capture_on_commit_callbacks, language, expected
):
    member = MemberFactory(status="member", language=language)
    customer = ClientFactory(member=member, email="")
    invoice = issue_and_render(member, django_capture_on_commit_callbacks, client=customer)
    client.force_login(member.user)
    url = reverse("documents:invoice_send", args=[invoice.pk])
    with translation.override(language):
        assert expected in client.get(url).content.decode()
        response = client.post(url, {"message": "Hello"})
    assert response.status_code == 200 and expected in response.content.decode()
    assert not InvoiceDelivery.objects.exists()


def test_a_draft_cannot_be_sent(me):
    with pytest.raises(ValidationError) as exc:
        documents_services.invoice_send_request(invoice=draft(me), acting_user=me.user)
    assert exc.value.messages == [str(documents_services.SEND_NOT_ISSUED)]
    assert not InvoiceDelivery.objects.exists()


def test_the_send_page_says_to_whom_from_whom_and_queues_on_post(
    me, client, smtp, django_capture_on_commit_callbacks
):
    customer = ClientFactory(member=me, email="billing@client.example.be")
    invoice = issue_and_render(me, django_capture_on_commit_callbacks, client=customer)
    client.force_login(me.user)
    url = reverse("documents:invoice_send", args=[invoice.pk])
    page = client.get(url).content.decode()
    assert "billing@client.example.be" in page and me.user.email in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": ""}, follow=True)
    assert "billing@client.example.be" in response.content.decode()
    assert InvoiceDelivery.objects.get().status == DeliveryStatus.SENT


# --- Downloading --------------------------------------------------------------------------


def test_downloading_returns_the_stored_bytes_every_time(
    me, client, django_capture_on_commit_callbacks
):
    invoice = issue_and_render(me, django_capture_on_commit_callbacks)
    stored = documents_services.document_read(
        InvoiceDocument.objects.get(invoice=invoice, format="pdf")
    )
    client.force_login(me.user)
    url = reverse("documents:invoice_pdf", args=[invoice.pk])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and response.content == stored
        assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
        assert "no-store" in response["Cache-Control"]


def test_downloading_before_the_render_task_ran_stores_it_once(me, client):
    invoice = issued(me)
    client.force_login(me.user)
    url = reverse("documents:invoice_pdf", args=[invoice.pk])
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert InvoiceDocument.objects.filter(invoice=invoice, format="pdf").count() == 1


def test_another_members_pdf_answers_404(me, client, django_capture_on_commit_callbacks):
    invoice = issue_and_render(me, django_capture_on_commit_callbacks)
    client.force_login(MemberFactory(status="member").user)
    assert client.get(reverse("documents:invoice_pdf", args=[invoice.pk])).status_code == 404


# --- The sweep and the queues ---------------------------------------------------------------


def test_the_sweep_renders_documents_missing_after_the_grace_period(me, settings):
    invoice = issued(me)  # its render message was lost
    settings.DOCUMENTS_SWEEP_AFTER_SECONDS = 3600
    assert documents_services.documents_sweep().documents == 0
    assert not InvoiceDocument.objects.exists()
    settings.DOCUMENTS_SWEEP_AFTER_SECONDS = 0
    assert documents_services.documents_sweep().documents == 1
    assert InvoiceDocument.objects.filter(invoice=invoice, format="pdf").count() == 1
    assert documents_services.documents_sweep().documents == 0


def test_the_sweep_sends_a_queued_email_whose_task_was_lost(
    me, smtp, settings, django_capture_on_commit_callbacks
):
    invoice = issue_and_render(me, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # the message is lost
        delivery = documents_services.invoice_send_request(invoice=invoice, acting_user=me.user)
    settings.DOCUMENTS_SWEEP_AFTER_SECONDS = 0
    assert documents_services.documents_sweep().deliveries == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(smtp.received) == 1
    assert documents_services.documents_sweep().deliveries == 0


def test_the_sweep_is_scheduled_in_beat_and_editable():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="documents.sweep")
    assert task.enabled and task.interval.every == 5 and task.interval.period == "minutes"


def test_renders_have_their_own_queue_and_workers_are_recycled():
    router = celery_app.amqp.router
    assert router.route({}, "documents.render")["queue"].name == "documents"
    assert router.route({}, "documents.export_build")["queue"].name == "documents"
    assert router.route({}, "documents.delivery_send")["queue"].name == "celery"
    assert router.route({}, "documents.sweep")["queue"].name == "celery"
    assert 0 < celery_app.conf.worker_max_tasks_per_child <= 1000
    assert celery_app.conf.worker_max_memory_per_child
