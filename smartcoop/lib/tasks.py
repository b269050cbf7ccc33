"""Enqueue Celery tasks after the transaction commits, without ever failing
or hanging the request when the broker is down (architecture.md, Rules)."""

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits.

    A broker error is logged, not raised: the caller's data is already
    committed and the periodic sweeps re-enqueue what was not sent.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            # Broker errors come from kombu, redis or the socket layer; none
            # may break a committed request.
            logger.warning("Could not enqueue %s; a sweep will retry it", task.name, exc_info=True)

    transaction.on_commit(send)
