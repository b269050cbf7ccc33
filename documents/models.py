"""Documents: the rendered files of issued invoices and credit notes, frozen
with their SHA-256; their sending to the client by email; the failures staff
must see; and period exports as one ZIP (decisions.md 12).

These tables were created by invoicing (migrations 0005-0007) and moved here
without being copied or renamed (decisions.md 15): each model keeps its
`db_table`, and a trigger of invoicing's migration 0006 still refuses any
change to a stored document.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from invoicing.models import Invoice
from members.models import Member
from smartcoop.lib.models import AppendOnly
from smartcoop.lib.storage import documents_storage

DOCUMENT_IS_FINAL = _("A stored document never changes and is never deleted.")


class DocumentFormat(models.TextChoices):
    """The formats an issued document is rendered in (one renderer each,
    documents.rendering; the UBL one is e-invoicing's)."""

    PDF = "pdf", "PDF"
    UBL = "ubl", "UBL (Peppol BIS 3.0)"


class InvoiceDocument(AppendOnly):
    """A rendered file of an issued invoice or credit note: stored once, with
    the SHA-256 of its bytes, and never changed or deleted. Downloading
    returns these bytes forever."""

    append_only_message = DOCUMENT_IS_FINAL

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="documents")
    format = models.CharField(_("format"), max_length=8, choices=DocumentFormat.choices)
    file = models.FileField(storage=documents_storage, max_length=255)
    filename = models.CharField(_("file name"), max_length=120)
    mimetype = models.CharField(max_length=80)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    class Meta:
        db_table = "invoicing_invoicedocument"
        verbose_name = _("invoice document")
        verbose_name_plural = _("invoice documents")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "format"], name="document_one_per_format"),
        ]

    def __str__(self) -> str:
        return self.filename


class DocumentFailure(models.Model):
    """The last error of rendering one document, kept for staff until a later
    attempt succeeds (then `resolved_at` is set). A template or rendering
    error fails the task loudly and lands here; nothing partial is stored."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(_("format"), max_length=8, choices=DocumentFormat.choices)
    error = models.TextField(_("error"))
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    first_failed_at = models.DateTimeField(_("first failed at"), auto_now_add=True)
    last_failed_at = models.DateTimeField(_("last failed at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        db_table = "invoicing_documentfailure"
        verbose_name = _("document rendering failure")
        verbose_name_plural = _("document rendering failures")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "format"], name="document_failure_one"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} ({self.format})"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
    SENT = "sent", pgettext_lazy("delivery status", "Sent")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")


class InvoiceDelivery(models.Model):
    """One sending of an issued document to its client by email: to whom, when,
    by whom, how many attempts and the result. A resend is a new row; a failed
    sending can be queued again (`DELIVERY_TRANSITIONS`)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.EmailField(_("to"))
    reply_to = models.EmailField(_("reply to"), blank=True)
    message = models.TextField(_("personal message"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    message_id = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords(table_name="invoicing_historicalinvoicedelivery")

    class Meta:
        db_table = "invoicing_invoicedelivery"
        verbose_name = _("invoice delivery")
        verbose_name_plural = _("invoice deliveries")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["invoice", "-requested_at"], name="delivery_invoice"),
            models.Index(
                fields=["status", "next_attempt_at"],
                name="delivery_queued",
                condition=Q(status="queued"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} → {self.recipient}"


# The allowed moves of a delivery (style.md, item 6).
DELIVERY_TRANSITIONS: dict[str, set[str]] = {
    DeliveryStatus.QUEUED: {DeliveryStatus.SENT, DeliveryStatus.FAILED},
    DeliveryStatus.FAILED: {DeliveryStatus.QUEUED},
    DeliveryStatus.SENT: set(),
}


class ExportStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("export status", "Waiting")
    RUNNING = "running", pgettext_lazy("export status", "Being built")
    DONE = "done", pgettext_lazy("export status", "Ready")
    FAILED = "failed", pgettext_lazy("export status", "Failed")


class DocumentExport(models.Model):
    """All PDFs of a period as one ZIP, built by a task: a member's own
    documents, or (member empty) every member's for staff."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=documents_storage, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "invoicing_documentexport"
        verbose_name = _("PDF export")
        verbose_name_plural = _("PDF exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__lte=models.F("date_to")), name="export_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date_from} – {self.date_to}"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
