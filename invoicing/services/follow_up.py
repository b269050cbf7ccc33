"""The follow-up of an issued document: that it reached the client. (Payments
and credits move it too; see payments.py and credit_notes.py.)"""

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from invoicing.models import Invoice
from invoicing.services.common import ALREADY_SENT, NOT_ISSUED_NOT_SENT
from smartcoop.lib.audit import audited


def invoice_mark_sent(*, invoice: Invoice, acting_user: User) -> Invoice:
    """Record that the member sent the invoice to the client themselves."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.is_draft:
            raise ValidationError(NOT_ISSUED_NOT_SENT)
        if locked.sent_at is not None:
            raise ValidationError(ALREADY_SENT)
        locked.sent_at = timezone.now()
        locked.status = locked.follow_up_status()
        audited(locked, acting_user=acting_user, reason="marked as sent")
        locked.save(update_fields=["sent_at", "status", "updated_at"])
    return locked


def invoice_sent_record(*, invoice_id: int, when: datetime.datetime, channel: str) -> bool:
    """The first delivery that reached the client (an email sent, a Peppol
    transmission accepted) marks the invoice as sent; later ones change
    nothing. Runs inside the caller's transaction (the delivery's); returns
    whether it marked it."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.sent_at is not None or invoice.is_draft:
        return False
    invoice.sent_at = when
    invoice.status = invoice.follow_up_status()
    audited(invoice, acting_user=None, reason=f"sent by {channel}")
    invoice.save(update_fields=["sent_at", "status", "updated_at"])
    return True
