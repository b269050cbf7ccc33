"""Enqueue Celery tasks after the transaction commits, without ever failing
or hanging the request when the broker is down (architecture.md, Rules).

A failed publish opens a short breaker (per process): for the next
BREAKER_SECONDS the other tasks of this and later requests are not sent at
all, so a hung broker costs a request one timeout, not one per task. The
periodic sweeps re-enqueue whatever was not sent.
"""

import logging
import time
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 10.0
_broker_down_until = 0.0


def broker_breaker_reset() -> None:
    """Close the breaker (a test that stops and starts a broker on purpose)."""
    global _broker_down_until
    _broker_down_until = 0.0


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits.

    A broker error is logged, not raised: the caller's data is already
    committed and the periodic sweeps re-enqueue what was not sent.
    """

    def send() -> None:
        global _broker_down_until
        if time.monotonic() < _broker_down_until:
            logger.warning("Broker marked down; %s not sent, a sweep will retry it", task.name)
            return
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            # Broker errors come from kombu, redis or the socket layer; none
            # may break a committed request. (An eager task's own error is no
            # sign of a broker down: it opens no breaker.)
            if not task.app.conf.task_always_eager:
                _broker_down_until = time.monotonic() + BREAKER_SECONDS
            logger.warning("Could not enqueue %s; a sweep will retry it", task.name, exc_info=True)

    transaction.on_commit(send)
