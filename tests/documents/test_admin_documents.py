"""The back office of documents and delivery: the invoice page shows the
stored PDF with its fingerprint, rendering failures and every sending; staff
download the exact stored bytes, render a missing document, retry a failed
sending, and render failed documents again from the failures list."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from documents import rendering
from documents import services as documents_services
from documents.models import DeliveryStatus, DocumentFailure, InvoiceDelivery, InvoiceDocument
from tests.factories import MemberFactory
from tests.helpers import staff_client, text_of
from tests.invoicing.support import draft, issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    return issued(MemberFactory(status="member", language="en"))


def test_the_invoice_page_shows_the_stored_pdf_and_staff_download_its_bytes(invoice):
    document, _created = documents_services.invoice_document_store(
        invoice_id=invoice.pk, format="pdf"
    )
    client, _staff = staff_client("view_invoice")
    page = text_of(client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])))
    assert document.sha256 in page and document.filename in page
    pdf_url = reverse("admin:documents_invoice_pdf", args=[invoice.pk])
    assert pdf_url in page
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response.content == documents_services.document_read(document)


def test_staff_render_a_missing_document_now(invoice):
    client, _staff = staff_client("view_invoice")
    page = text_of(client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])))
    assert "Not stored yet." in page
    response = client.get(reverse("admin:documents_invoice_render", args=[invoice.pk]))
    assert response.status_code == 302
    assert InvoiceDocument.objects.filter(invoice=invoice, format="pdf").count() == 1


def test_staff_preview_a_draft_and_need_the_view_permission():
    invoice = draft(MemberFactory(status="member"))
    client, _staff = staff_client("view_invoice")
    response = client.get(reverse("admin:documents_invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert not InvoiceDocument.objects.exists()
    other, _staff = staff_client("view_client")
    assert other.get(reverse("admin:documents_invoice_pdf", args=[invoice.pk])).status_code == 403


def test_a_failed_sending_shows_on_the_invoice_and_staff_queue_it_again(invoice):
    delivery = InvoiceDelivery.objects.create(
        invoice=invoice,
        recipient="billing@client.example.be",
        requested_by=invoice.member.user,
        status=DeliveryStatus.FAILED,
        attempts=5,
        error="SMTPDataError: 451 try later",
    )
    viewer, _staff = staff_client("view_invoice", "view_invoicedelivery")
    page = text_of(viewer.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])))
    assert "billing@client.example.be" in page and "451 try later" in page
    retry_url = reverse("admin:documents_invoicedelivery_retry", args=[delivery.pk])
    change = text_of(
        viewer.get(reverse("admin:documents_invoicedelivery_change", args=[delivery.pk]))
    )
    assert retry_url not in change  # no permission to retry: no button
    assert viewer.post(retry_url).status_code == 403
    retrier, _staff = staff_client("view_invoicedelivery", "change_invoicedelivery")
    change = text_of(
        retrier.get(reverse("admin:documents_invoicedelivery_change", args=[delivery.pk]))
    )
    assert escape(retry_url) in change
    assert retrier.get(retry_url).status_code == 405
    assert retrier.post(retry_url).status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 0


def test_rendering_failures_are_listed_and_rendered_again(invoice, monkeypatch):
    monkeypatch.setattr(rendering.PdfRenderer, "html", lambda self, invoice, draft=False: 1 / 0)
    with pytest.raises(rendering.RenderError):
        documents_services.invoice_document_store(invoice_id=invoice.pk, format="pdf")
    monkeypatch.undo()
    client, _staff = staff_client("view_documentfailure", "view_invoice")
    listing = text_of(client.get(reverse("admin:documents_documentfailure_changelist")))
    assert "ZeroDivisionError" in listing and invoice.number in listing
    page = text_of(client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])))
    assert "ZeroDivisionError" in page
    failure = DocumentFailure.objects.get()
    response = client.post(
        reverse("admin:documents_documentfailure_changelist"),
        {"action": "render_again", "_selected_action": [failure.pk]},
        follow=True,
    )
    assert "1 stored, 0 still failing." in text_of(response)
    failure.refresh_from_db()
    assert failure.resolved_at is not None
    assert InvoiceDocument.objects.filter(invoice=invoice, format="pdf").count() == 1


def test_stored_documents_are_read_only_in_the_admin(invoice):
    documents_services.invoice_document_store(invoice_id=invoice.pk, format="pdf")
    client, _staff = staff_client(superuser=True)
    listing = text_of(client.get(reverse("admin:documents_invoicedocument_changelist")))
    assert f"{invoice.number}.pdf" in listing
    assert client.get(reverse("admin:documents_invoicedocument_add")).status_code == 403
