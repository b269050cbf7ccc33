"""Celery tasks of e-invoicing: each takes primary keys, calls one service and
is safe to run twice (a transmission is submitted only from "queued", while
its row is locked, with an idempotency key)."""

from celery import Task, shared_task

from einvoicing import services


@shared_task(bind=True, name="einvoicing.transmit", max_retries=None)
def transmit(self: Task, transmission_id: int) -> str:
    outcome, delay = services.peppol_transmit(transmission_id=transmission_id)
    if outcome == services.Outcome.RETRY:
        raise self.retry(countdown=delay)
    return outcome


@shared_task(name="einvoicing.status_poll")
def status_poll(transmission_id: int) -> str:
    return services.peppol_status_poll(transmission_id=transmission_id)


@shared_task(name="einvoicing.sweep")
def sweep() -> int:
    return services.transmissions_sweep()
