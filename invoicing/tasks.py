"""Celery tasks of invoicing: each takes primary keys, calls one service and
is safe to run twice (architecture.md). Rendering and exports run on the
`documents` queue (settings.CELERY_TASK_ROUTES), emails on the default one.

Tasks acknowledge late and are rejected back to the queue when their worker
dies (settings), so a render killed halfway runs again; the store is
idempotent, so it still yields exactly one document.
"""

from typing import Any

from celery import shared_task


@shared_task(name="invoicing.document_render")
def document_render(invoice_id: int, format: str) -> bool:
    """Render and store one document; False when it already existed."""
    from invoicing.services.documents import invoice_document_store

    _document, created = invoice_document_store(invoice_id=invoice_id, format=format)
    return created


@shared_task(bind=True, name="invoicing.delivery_send", max_retries=None)
def delivery_send(self: Any, delivery_id: int) -> str:
    from invoicing.services.documents import Outcome, invoice_delivery_send

    outcome, delay = invoice_delivery_send(delivery_id=delivery_id)
    if outcome == Outcome.RETRY:
        raise self.retry(countdown=delay)
    return outcome


@shared_task(name="invoicing.documents_sweep")
def documents_sweep() -> dict[str, int]:
    from invoicing.services.documents import documents_sweep as sweep

    result = sweep()
    return {
        "documents": result.documents,
        "deliveries": result.deliveries,
        "exports": result.exports,
    }


@shared_task(name="invoicing.documents_export")
def documents_export(export_id: int) -> bool:
    from invoicing.services.documents import documents_export_build

    return documents_export_build(export_id=export_id)


@shared_task(bind=True, name="invoicing.peppol_transmit", max_retries=None)
def peppol_transmit(self: Any, transmission_id: int) -> str:
    from invoicing.services.einvoicing import Outcome, peppol_transmit

    outcome, delay = peppol_transmit(transmission_id=transmission_id)
    if outcome == Outcome.RETRY:
        raise self.retry(countdown=delay)
    return outcome


@shared_task(name="invoicing.peppol_status")
def peppol_status(transmission_id: int) -> str:
    from invoicing.services.einvoicing import peppol_status_poll

    return peppol_status_poll(transmission_id=transmission_id)
