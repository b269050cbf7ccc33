"""E-invoicing: the Peppol transmission of each issued document whose client
must receive it as a structured e-invoice (decisions.md 13).

The table was created by invoicing (migration 0007) and moved here without
being copied or renamed (decisions.md 15).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from documents.models import InvoiceDocument
from invoicing.models import Invoice


class TransmissionStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("transmission status", "Queued")
    SENT = "sent", pgettext_lazy("transmission status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("transmission status", "Delivered")
    FAILED = "failed", pgettext_lazy("transmission status", "Failed")


class PeppolTransmission(models.Model):
    """The sending of one issued document's UBL over Peppol through the access
    point: queued, sent (accepted by the access point), delivered (the
    client's access point has it) or failed, with the provider's message."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="transmission")
    receiver = models.CharField(_("receiver"), max_length=80)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TransmissionStatus.choices,
        default=TransmissionStatus.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider_id = models.CharField(_("access point id"), max_length=120, blank=True)
    provider_message = models.TextField(_("access point message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    history = HistoricalRecords(table_name="invoicing_historicalpeppoltransmission")

    class Meta:
        db_table = "invoicing_peppoltransmission"
        verbose_name = _("Peppol transmission")
        verbose_name_plural = _("Peppol transmissions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="transmission_status")]

    def __str__(self) -> str:
        return f"{self.invoice} → {self.receiver}"


TRANSMISSION_TRANSITIONS: dict[str, set[str]] = {
    TransmissionStatus.QUEUED: {
        TransmissionStatus.SENT,
        TransmissionStatus.DELIVERED,
        TransmissionStatus.FAILED,
    },
    TransmissionStatus.SENT: {TransmissionStatus.DELIVERED, TransmissionStatus.FAILED},
    TransmissionStatus.FAILED: {TransmissionStatus.QUEUED},
    TransmissionStatus.DELIVERED: set(),
}


class EInvoiceDocument(InvoiceDocument):
    """The stored e-invoices (UBL documents) among the stored documents, for
    the back office's list where staff check them with the official rules."""

    class Meta:
        proxy = True
        verbose_name = _("stored e-invoice")
        verbose_name_plural = _("stored e-invoices")
