"""Documents and delivery: the frozen PDF of each issued invoice and credit
note, sending it to the client by email, the sweep that makes sure nothing
is lost, and period exports as one ZIP.

Everything here is safe to run twice (architecture.md, Rules): storing a
document is "render, then insert if absent" under a unique constraint; an
email is sent while its delivery row is locked and only from the queued
state; the sweep only re-enqueues. Rendering and SMTP happen outside any
lock that issuing needs.
"""

import datetime
import hashlib
import logging
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, make_msgid
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from documents.models import (
    DELIVERY_TRANSITIONS,
    DeliveryStatus,
    DocumentExport,
    DocumentFailure,
    DocumentFormat,
    ExportStatus,
    InvoiceDelivery,
    InvoiceDocument,
)
from documents.rendering import (
    RenderedDocument,
    RenderError,
    formats_on_issue,
    formats_to_enqueue,
    renderer_for,
)
from documents.selectors import missing_documents
from invoicing.models import Invoice, InvoiceStatus
from invoicing.services import invoice_sent_record
from members.models import Member
from smartcoop.lib.audit import audited
from smartcoop.lib.ogm import ogm_format
from smartcoop.lib.tasks import enqueue_now, enqueue_on_commit

logger = logging.getLogger(__name__)

CLIENT_NO_EMAIL = _(
    "This client has no email address. Add one on the client's page, then send the invoice."
)
SEND_NOT_ISSUED = _("Only an issued invoice or credit note can be sent.")
RETRY_NOT_FAILED = _("Only a sending that failed can be tried again.")
EXPORT_PERIOD_ORDER = _("The start of the period must not be after its end.")
EXPORT_PERIOD_TOO_LONG = _("An export covers at most one year (366 days).")
EXPORT_BUSY = _("An export of yours is still being built; wait until it is ready.")
DOCUMENT_DAMAGED = "stored document {pk} no longer matches its SHA-256"

EXPORT_MAX_DAYS = 366
SWEEP_BATCH = 1000

RENDER_TASK = "documents.render"
DELIVERY_TASK = "documents.delivery_send"
EXPORT_TASK = "documents.export_build"


class DocumentDamaged(Exception):
    """The bytes in storage are not the bytes that were stored."""


class Outcome:
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


# --- Rendering and storing --------------------------------------------------------------


def documents_enqueue_for(invoice: Invoice) -> None:
    """After the issuing transaction commits, render the new document in
    every format (invoicing.extensions.on_issue: invoice_issue and
    credit_note_issue call it, with the counter row still locked, so it only
    schedules). One task per format that no other requires: storing the
    e-invoice stores the PDF it embeds first."""
    for format in formats_to_enqueue():
        enqueue_on_commit(RENDER_TASK, invoice.pk, format)


def _storage() -> Any:
    """The storage of the document fields (the one their files are read from)."""
    return InvoiceDocument._meta.get_field("file").storage


def _stored_name(invoice: Invoice, rendered: RenderedDocument, digest: str) -> str:
    stem, _dot, extension = rendered.filename.rpartition(".")
    return f"invoices/{invoice.year}/{invoice.series}/{stem}-{digest[:16]}.{extension}"


def invoice_document_store(*, invoice_id: int, format: str) -> tuple[InvoiceDocument, bool]:
    """The stored document of an issued invoice in `format`, rendering and
    storing it first if it does not exist yet; returns (document, created).

    Rendering happens with no lock held. Two runs racing both render, the
    unique constraint keeps the first row, and the second removes its file,
    so exactly one document exists and its bytes never change afterwards.
    A rendering error is recorded for staff (DocumentFailure) and raised.
    """
    existing = InvoiceDocument.objects.filter(invoice_id=invoice_id, format=format).first()
    if existing is not None:
        return existing, False
    renderer = renderer_for(format)
    for required in renderer.requires:
        # The e-invoice embeds the frozen PDF: store that first.
        invoice_document_store(invoice_id=invoice_id, format=required)
    invoice = (
        Invoice.objects.select_related("member", "client", "activity", "credited_invoice")
        .prefetch_related("lines")
        .get(pk=invoice_id)
    )
    if invoice.is_draft:
        raise RenderError(f"invoice {invoice_id} is a draft: drafts are previewed, never stored")
    try:
        rendered = renderer.render(invoice)
    except RenderError as exc:
        _failure_record(invoice_id=invoice_id, format=format, error=str(exc))
        raise
    digest = hashlib.sha256(rendered.content).hexdigest()
    storage = _storage()
    name = storage.save(_stored_name(invoice, rendered, digest), ContentFile(rendered.content))
    try:
        document, created = InvoiceDocument.objects.get_or_create(
            invoice_id=invoice_id,
            format=format,
            defaults={
                "file": name,
                "filename": rendered.filename,
                "mimetype": rendered.mimetype,
                "size": len(rendered.content),
                "sha256": digest,
            },
        )
    except BaseException:
        # Ours only if no row points at it (a storage that overwrites, like
        # S3, may give two identical renders the same name).
        if not InvoiceDocument.objects.filter(file=name).exists():
            storage.delete(name)
        raise
    if not created and name != document.file.name:
        storage.delete(name)  # another run stored it first: keep theirs, drop ours
    DocumentFailure.objects.filter(
        invoice_id=invoice_id, format=format, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())
    return document, created


def _failure_record(*, invoice_id: int, format: str, error: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        failure = (
            DocumentFailure.objects.select_for_update()
            .filter(invoice_id=invoice_id, format=format)
            .first()
        )
        if failure is None:
            DocumentFailure.objects.create(
                invoice_id=invoice_id, format=format, error=error[:4000], last_failed_at=now
            )
            return
        failure.error = error[:4000]
        failure.attempts += 1
        failure.last_failed_at = now
        failure.resolved_at = None
        failure.save(update_fields=["error", "attempts", "last_failed_at", "resolved_at"])
    logger.error("Rendering %s of invoice %s failed: %s", format, invoice_id, error)


def document_read(document: InvoiceDocument) -> bytes:
    """The stored bytes, checked against the SHA-256 recorded when stored."""
    with document.file.open("rb") as handle:
        content: bytes = handle.read()
    if hashlib.sha256(content).hexdigest() != document.sha256:
        logger.critical(DOCUMENT_DAMAGED.format(pk=document.pk))
        raise DocumentDamaged(DOCUMENT_DAMAGED.format(pk=document.pk))
    return content


def invoice_draft_preview(*, invoice: Invoice) -> RenderedDocument:
    """A draft's PDF, rendered on request, marked "draft" and never stored.
    An issued document previews as its stored file instead."""
    invoice = (
        Invoice.objects.select_related("member", "client", "activity", "credited_invoice")
        .prefetch_related("lines")
        .get(pk=invoice.pk)
    )
    return renderer_for(DocumentFormat.PDF).render(invoice, draft=True)


# --- The sweep ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    documents: int
    deliveries: int
    exports: int


def documents_sweep() -> SweepResult:
    """Re-enqueue what a lost message would otherwise lose: documents still
    missing a few minutes after issuing, queued emails whose task never ran,
    and exports still waiting. Run by Celery beat every few minutes
    (e-invoicing sweeps its transmissions in a task of its own)."""
    now = timezone.now()
    older_than = now - datetime.timedelta(seconds=settings.DOCUMENTS_SWEEP_AFTER_SECONDS)
    documents = 0
    # One task stores whatever is missing: the UBL stores its PDF first, and
    # each store is a no-op when its document exists.
    missing = missing_documents(older_than=older_than, formats=formats_on_issue()).values_list(
        "pk", flat=True
    )
    for invoice_id in missing[:SWEEP_BATCH]:
        for format in formats_to_enqueue():
            enqueue_now(RENDER_TASK, invoice_id, format)
        documents += 1
    deliveries = 0
    stale = InvoiceDelivery.objects.filter(status=DeliveryStatus.QUEUED).filter(
        Q(next_attempt_at__lt=older_than)
        | Q(next_attempt_at__isnull=True, requested_at__lt=older_than)
    )
    for delivery_id in stale.values_list("pk", flat=True)[:SWEEP_BATCH]:
        enqueue_now(DELIVERY_TASK, delivery_id)
        deliveries += 1
    exports = 0
    # Waiting since before the grace period, or building with no progress
    # reported for that long (its worker died).
    waiting = DocumentExport.objects.filter(
        Q(status=ExportStatus.PENDING, created_at__lt=older_than)
        | Q(status=ExportStatus.RUNNING, heartbeat_at__lt=older_than)
    )
    for export_id in waiting.values_list("pk", flat=True)[:SWEEP_BATCH]:
        enqueue_now(EXPORT_TASK, export_id)
        exports += 1
    return SweepResult(documents=documents, deliveries=deliveries, exports=exports)


# --- Delivery by email ------------------------------------------------------------------


def _set_status(delivery: InvoiceDelivery, status: str) -> None:
    if status not in DELIVERY_TRANSITIONS[delivery.status]:
        raise ValidationError(f"a delivery cannot go from {delivery.status} to {status}")
    delivery.status = status


def invoice_send_request(
    *, invoice: Invoice, acting_user: User, message: str = ""
) -> InvoiceDelivery:
    """Queue the sending of an issued document to its client's email, from
    the cooperative's address with the member as reply-to. Each request is a
    new delivery (so a resend is recorded as such)."""
    if invoice.is_draft:
        raise ValidationError(SEND_NOT_ISSUED)
    recipient = (invoice.client.email or "").strip()
    if not recipient:
        raise ValidationError({"recipient": CLIENT_NO_EMAIL})
    with transaction.atomic():
        delivery = InvoiceDelivery(
            invoice=invoice,
            recipient=recipient,
            reply_to=invoice.member.user.email,
            message=message.strip()[:2000],
            requested_by=acting_user,
        )
        audited(delivery, acting_user=acting_user, reason="sending requested")
        delivery.save()
        enqueue_on_commit(DELIVERY_TASK, delivery.pk)
    return delivery


def invoice_delivery_retry(*, delivery: InvoiceDelivery, acting_user: User) -> InvoiceDelivery:
    """Queue a failed sending again (the retry button)."""
    with transaction.atomic():
        locked = InvoiceDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != DeliveryStatus.FAILED:
            raise ValidationError(RETRY_NOT_FAILED)
        _set_status(locked, DeliveryStatus.QUEUED)
        locked.attempts = 0
        locked.next_attempt_at = None
        audited(locked, acting_user=acting_user, reason="sending retried")
        locked.save()
        enqueue_on_commit(DELIVERY_TASK, locked.pk)
    return locked


def _email_for(delivery: InvoiceDelivery, attachments: list[InvoiceDocument]) -> EmailMessage:
    invoice = delivery.invoice
    with translation.override(invoice.language):
        context = {
            "invoice": invoice,
            "member_name": invoice.buyer.get("member_name") or invoice.member.legal_name,
            "activity_name": invoice.buyer.get("activity") or invoice.activity.name,
            "reference": ogm_format(invoice.structured_reference)
            if invoice.structured_reference
            else "",
            "message": delivery.message,
            "seller": invoice.seller,
        }
        subject = " ".join(render_to_string("documents/email/invoice_subject.txt", context).split())
        body = render_to_string("documents/email/invoice_body.txt", context)
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        reply_to=[delivery.reply_to] if delivery.reply_to else None,
        headers={
            "Message-ID": make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN),
            "X-Smartcoop-Delivery": str(delivery.pk),
        },
    )
    for document in attachments:
        email.attach(document.filename, document_read(document), document.mimetype)
    return email


def _backoff_seconds(attempts: int) -> int:
    return int(settings.INVOICE_EMAIL_RETRY_BASE_SECONDS * 4 ** max(attempts - 1, 0))


def invoice_delivery_send(*, delivery_id: int) -> tuple[str, int]:
    """Send one queued delivery; returns (outcome, seconds before a retry).

    The delivery row stays locked (FOR UPDATE SKIP LOCKED) while the email
    goes out, and only a queued delivery is sent: a second run of the same
    task, at the same time or later, sends nothing. If the worker dies
    mid-send the lock goes with its connection and the redelivered task
    sends it. An SMTP failure counts an attempt and asks for a retry with
    backoff; after INVOICE_EMAIL_MAX_ATTEMPTS the delivery shows as failed.
    """
    delivery = InvoiceDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.QUEUED:
        return Outcome.SKIPPED, 0
    # The attachments first, outside the lock (rendered now if the render
    # task has not run yet; idempotent either way).
    attachments = [
        invoice_document_store(invoice_id=delivery.invoice_id, format=format)[0]
        for format in formats_on_issue()
    ]
    with transaction.atomic():
        delivery = (
            InvoiceDelivery.objects.select_for_update(skip_locked=True)
            .select_related("invoice", "invoice__member", "invoice__activity")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.QUEUED:
            return Outcome.SKIPPED, 0
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        try:
            email = _email_for(delivery, attachments)
            email.send(fail_silently=False)
        except (OSError, ValueError) as exc:
            # smtplib.SMTPException is an OSError; so are refused connections.
            delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= settings.INVOICE_EMAIL_MAX_ATTEMPTS:
                _set_status(delivery, DeliveryStatus.FAILED)
                delivery.next_attempt_at = None
                outcome, delay = Outcome.FAILED, 0
            else:
                delay = _backoff_seconds(delivery.attempts)
                delivery.next_attempt_at = now + datetime.timedelta(seconds=delay)
                outcome = Outcome.RETRY
            audited(delivery, acting_user=None, reason=f"sending attempt {delivery.attempts}")
            delivery.save()
            logger.warning("Invoice delivery %s: %s", delivery_id, delivery.error)
            return outcome, delay
        _set_status(delivery, DeliveryStatus.SENT)
        delivery.sent_at = now
        delivery.error = ""
        delivery.next_attempt_at = None
        delivery.message_id = email.extra_headers.get("Message-ID", "")[:200]
        audited(delivery, acting_user=None, reason="sent")
        delivery.save()
        invoice_sent_record(invoice_id=delivery.invoice_id, when=now, channel="email")
    return Outcome.SENT, 0


# --- Period export ------------------------------------------------------------------------


def _export_documents(export: DocumentExport) -> QuerySet[Invoice]:
    invoices = Invoice.objects.exclude(status=InvoiceStatus.DRAFT).filter(
        issue_date__gte=export.date_from, issue_date__lte=export.date_to
    )
    if export.member_id is not None:
        invoices = invoices.filter(member_id=export.member_id)
    return invoices.order_by("series", "year", "sequence")


def documents_export_request(
    *,
    acting_user: User,
    member: Member | None,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
) -> DocumentExport:
    """Start building one ZIP of the PDFs issued in a period: the member's own,
    or (member None, staff only) everyone's."""
    errors: dict[str, Any] = {}
    if date_from is None:
        errors["date_from"] = _("Give the first day of the period.")
    if date_to is None:
        errors["date_to"] = _("Give the last day of the period.")
    if errors:
        raise ValidationError(errors)
    assert date_from is not None and date_to is not None
    if date_from > date_to:
        raise ValidationError({"date_to": EXPORT_PERIOD_ORDER})
    if (date_to - date_from).days >= EXPORT_MAX_DAYS:
        raise ValidationError({"date_to": EXPORT_PERIOD_TOO_LONG})
    with transaction.atomic():
        busy = DocumentExport.objects.filter(
            requested_by=acting_user, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
        )
        if busy.exists():
            raise ValidationError(EXPORT_BUSY)
        export = DocumentExport.objects.create(
            requested_by=acting_user, member=member, date_from=date_from, date_to=date_to
        )
        enqueue_on_commit(EXPORT_TASK, export.pk)
    return export


EXPORT_PROGRESS_EVERY = 25


def documents_export_build(*, export_id: int) -> bool:
    """Build the ZIP of an export; returns False when there was nothing to do
    (already built, or another run holds it). Missing PDFs are rendered and
    stored on the way, so the ZIP holds exactly the frozen documents."""
    with transaction.atomic():
        export = (
            DocumentExport.objects.select_for_update(skip_locked=True).filter(pk=export_id).first()
        )
        if export is None or export.status in (ExportStatus.DONE, ExportStatus.FAILED):
            return False
        ids = list(_export_documents(export).values_list("pk", flat=True))
        export.status = ExportStatus.RUNNING
        export.total = len(ids)
        export.done = 0
        export.heartbeat_at = timezone.now()
        export.save(update_fields=["status", "total", "done", "heartbeat_at"])
    try:
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
                for index, invoice_id in enumerate(ids, start=1):
                    document, _created = invoice_document_store(
                        invoice_id=invoice_id, format=DocumentFormat.PDF
                    )
                    archive.writestr(document.filename, document_read(document))
                    if index % EXPORT_PROGRESS_EVERY == 0:
                        DocumentExport.objects.filter(pk=export_id).update(
                            done=index, heartbeat_at=timezone.now()
                        )
            size = spool.seek(0, 2)
            spool.seek(0)
            name = _storage().save(f"exports/{export_id}/{_export_filename(export)}", File(spool))
    except Exception as exc:
        DocumentExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    DocumentExport.objects.filter(pk=export_id).update(
        status=ExportStatus.DONE, done=len(ids), file=name, size=size, finished_at=timezone.now()
    )
    return True


def _export_filename(export: DocumentExport) -> str:
    who = f"member-{export.member.member_number}" if export.member else "all-members"
    return f"invoices-{who}-{export.date_from:%Y%m%d}-{export.date_to:%Y%m%d}.zip"
