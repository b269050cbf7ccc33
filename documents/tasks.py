"""Celery tasks of documents: each takes primary keys, calls one service and
is safe to run twice (architecture.md). Rendering and exports run on the
`documents` queue (settings.CELERY_TASK_ROUTES), emails on the default one.

Tasks acknowledge late and are rejected back to the queue when their worker
dies (settings), so a render killed halfway runs again; the store is
idempotent, so it still yields exactly one document.
"""

from celery import Task, shared_task

from documents import services


@shared_task(name="documents.render")
def render(invoice_id: int, format: str) -> bool:
    """Render and store one document (and what it requires first); False when
    it already existed."""
    _document, created = services.invoice_document_store(invoice_id=invoice_id, format=format)
    return created


@shared_task(bind=True, name="documents.delivery_send", max_retries=None)
def delivery_send(self: Task, delivery_id: int) -> str:
    outcome, delay = services.invoice_delivery_send(delivery_id=delivery_id)
    if outcome == services.Outcome.RETRY:
        raise self.retry(countdown=delay)
    return outcome


@shared_task(name="documents.sweep")
def sweep() -> dict[str, int]:
    result = services.documents_sweep()
    return {
        "documents": result.documents,
        "deliveries": result.deliveries,
        "exports": result.exports,
    }


@shared_task(name="documents.export_build")
def export_build(export_id: int) -> bool:
    return services.documents_export_build(export_id=export_id)
