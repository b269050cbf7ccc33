"""Peppol transmission of issued documents (issue 7): queued on issue when
the client's route is Peppol, handed to the access point by a task, followed
until delivered, retried with backoff, swept like the PDF, retried by staff.

Like the email, a transmission is sent while its row is locked and only from
"queued", so a duplicate task submits nothing; the access point also gets an
idempotency key (the invoice id), so a resubmission after a crash is not
delivered twice.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentFormat
from documents.services import document_read, invoice_document_store
from einvoicing.access_point import AccessPointError, access_point
from einvoicing.models import TRANSMISSION_TRANSITIONS, PeppolTransmission, TransmissionStatus
from einvoicing.routing import route_for_invoice
from invoicing.models import Invoice
from invoicing.services import invoice_sent_record
from smartcoop.lib.audit import audited
from smartcoop.lib.tasks import enqueue_now, enqueue_on_commit

logger = logging.getLogger(__name__)

NO_ACCESS_POINT = "No Peppol access point is configured (PEPPOL_ACCESS_POINT_URL)."
TRANSMIT_TASK = "einvoicing.transmit"
STATUS_TASK = "einvoicing.status_poll"
SWEEP_BATCH = 1000
TRANSMISSION_NOT_FAILED = _("Only a transmission that failed can be tried again.")


class Outcome:
    SENT = "sent"
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


def _set_status(transmission: PeppolTransmission, status: str) -> None:
    if status not in TRANSMISSION_TRANSITIONS[transmission.status]:
        raise ValidationError(f"a transmission cannot go from {transmission.status} to {status}")
    transmission.status = status


def transmission_queue(invoice: Invoice) -> PeppolTransmission | None:
    """Inside the issuing transaction (invoicing.extensions.on_issue): when the
    document must go over Peppol, record its transmission (queued) and send
    it after commit."""
    route = route_for_invoice(invoice)
    if not route.is_peppol:
        return None
    transmission, _created = PeppolTransmission.objects.get_or_create(
        invoice=invoice, defaults={"receiver": route.participant}
    )
    enqueue_on_commit(TRANSMIT_TASK, transmission.pk)
    return transmission


def _sender() -> str:
    return f"0208:{settings.COOPERATIVE_ENTERPRISE_NUMBER}"


def _backoff(attempts: int) -> int:
    return int(settings.PEPPOL_RETRY_BASE_SECONDS * 4 ** max(attempts - 1, 0))


def peppol_transmit(*, transmission_id: int) -> tuple[str, int]:
    """Hand one queued transmission to the access point; returns (outcome,
    seconds before a retry)."""
    transmission = PeppolTransmission.objects.filter(pk=transmission_id).first()
    if transmission is None or transmission.status != TransmissionStatus.QUEUED:
        return Outcome.SKIPPED, 0
    point = access_point()
    if point is None:
        PeppolTransmission.objects.filter(pk=transmission_id).update(
            provider_message=NO_ACCESS_POINT, last_attempt_at=timezone.now()
        )
        logger.warning("Transmission %s waits: %s", transmission_id, NO_ACCESS_POINT)
        return Outcome.SKIPPED, 0
    # The documents first, outside the lock (storing the UBL stores the PDF
    # it embeds first).
    ubl, _created = invoice_document_store(
        invoice_id=transmission.invoice_id, format=DocumentFormat.UBL
    )
    content = document_read(ubl)
    with transaction.atomic():
        locked = (
            PeppolTransmission.objects.select_for_update(skip_locked=True)
            .filter(pk=transmission_id)
            .first()
        )
        if locked is None or locked.status != TransmissionStatus.QUEUED:
            return Outcome.SKIPPED, 0
        now = timezone.now()
        locked.attempts += 1
        locked.last_attempt_at = now
        try:
            submission = point.submit(
                document=content,
                sender=_sender(),
                receiver=locked.receiver,
                key=f"smartcoop-invoice-{locked.invoice_id}",
            )
        except AccessPointError as exc:
            locked.provider_message = str(exc)[:2000]
            if exc.retry and locked.attempts < settings.PEPPOL_MAX_ATTEMPTS:
                delay = _backoff(locked.attempts)
                locked.next_attempt_at = now + datetime.timedelta(seconds=delay)
                outcome = Outcome.RETRY
            else:
                _set_status(locked, TransmissionStatus.FAILED)
                locked.failed_at, locked.next_attempt_at = now, None
                outcome, delay = Outcome.FAILED, 0
            audited(locked, acting_user=None, reason=f"attempt {locked.attempts}: {outcome}")
            locked.save()
            logger.warning("Transmission %s: %s", transmission_id, locked.provider_message)
            return outcome, delay
        locked.provider_id = submission.provider_id
        locked.provider_message = submission.message
        locked.next_attempt_at = None
        outcome = _apply_state(locked, submission.status, now)
        audited(locked, acting_user=None, reason=f"submitted: {submission.status}")
        locked.save()
        if locked.status in (TransmissionStatus.SENT, TransmissionStatus.DELIVERED):
            invoice_sent_record(invoice_id=locked.invoice_id, when=now, channel="Peppol")
    return outcome, 0


def _apply_state(transmission: PeppolTransmission, state: str, now: datetime.datetime) -> str:
    if state == "delivered":
        if transmission.status == TransmissionStatus.QUEUED:
            transmission.sent_at = now
        _set_status(transmission, TransmissionStatus.DELIVERED)
        transmission.delivered_at = now
        return Outcome.DELIVERED
    if state == "failed":
        _set_status(transmission, TransmissionStatus.FAILED)
        transmission.failed_at = now
        return Outcome.FAILED
    if transmission.status == TransmissionStatus.QUEUED:
        _set_status(transmission, TransmissionStatus.SENT)
        transmission.sent_at = now
    return Outcome.SENT


def peppol_status_poll(*, transmission_id: int) -> str:
    """Ask the access point what became of a sent transmission."""
    point = access_point()
    if point is None:
        return Outcome.SKIPPED
    with transaction.atomic():
        locked = (
            PeppolTransmission.objects.select_for_update(skip_locked=True)
            .filter(pk=transmission_id, status=TransmissionStatus.SENT)
            .first()
        )
        if locked is None:
            return Outcome.SKIPPED
        try:
            submission = point.status(locked.provider_id)
        except AccessPointError as exc:
            logger.warning("Transmission %s status: %s", transmission_id, exc)
            return Outcome.RETRY
        if submission.status not in ("delivered", "failed"):
            return Outcome.SENT
        locked.provider_message = submission.message or locked.provider_message
        outcome = _apply_state(locked, submission.status, timezone.now())
        audited(locked, acting_user=None, reason=f"access point: {submission.status}")
        locked.save()
    return outcome


def transmission_retry(*, transmission: PeppolTransmission, acting_user: User) -> None:
    """Queue a failed transmission again (staff, from the admin)."""
    with transaction.atomic():
        locked = PeppolTransmission.objects.select_for_update().get(pk=transmission.pk)
        if locked.status != TransmissionStatus.FAILED:
            raise ValidationError(TRANSMISSION_NOT_FAILED)
        _set_status(locked, TransmissionStatus.QUEUED)
        locked.attempts = 0
        locked.next_attempt_at = locked.failed_at = None
        audited(locked, acting_user=acting_user, reason="retried by staff")
        locked.save()
        enqueue_on_commit(TRANSMIT_TASK, locked.pk)


def transmissions_sweep() -> int:
    """Re-enqueue what a lost message would otherwise lose: transmissions still
    queued after the grace period, and sent ones whose delivery is not known
    yet (asked again). Run by Celery beat with the documents sweep."""
    now = timezone.now()
    older_than = now - datetime.timedelta(seconds=settings.DOCUMENTS_SWEEP_AFTER_SECONDS)
    sent_count = 0
    queued = PeppolTransmission.objects.filter(status=TransmissionStatus.QUEUED).filter(
        Q(next_attempt_at__lt=older_than)
        | Q(next_attempt_at__isnull=True, created_at__lt=older_than)
    )
    for transmission_id in queued.values_list("pk", flat=True)[:SWEEP_BATCH]:
        enqueue_now(TRANSMIT_TASK, transmission_id)
        sent_count += 1
    sent = PeppolTransmission.objects.filter(status=TransmissionStatus.SENT, sent_at__lt=older_than)
    for transmission_id in sent.values_list("pk", flat=True)[:SWEEP_BATCH]:
        enqueue_now(STATUS_TASK, transmission_id)
        sent_count += 1
    return sent_count
