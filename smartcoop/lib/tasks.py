"""Enqueue Celery tasks by name, after the transaction commits, without ever
failing or hanging the request when the broker is down (architecture.md,
Rules).

Services name the task they want ("documents.render") instead of importing
the tasks module: tasks call services, so a service importing tasks would be
a cycle (architecture.md, Inside an app). Each app's `AppConfig.ready()`
imports its tasks module, so every name resolves in every process.

A failed publish opens a short breaker (per process): for the next
BREAKER_SECONDS the other tasks of this and later requests are not sent at
all, so a hung broker costs a request one timeout, not one per task. The
periodic sweeps re-enqueue whatever was not sent.
"""

import logging
import time

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 10.0
_broker_down_until = 0.0

# JSON-serialisable task arguments: primary keys, codes, dates as text.
TaskArg = int | str | float | bool | None | list[int] | list[str]


def broker_breaker_reset() -> None:
    """Close the breaker (a test that stops and starts a broker on purpose)."""
    global _broker_down_until
    _broker_down_until = 0.0


def enqueue_now(name: str, *args: TaskArg) -> bool:
    """Send the task called `name` now; False (logged) when the broker refused
    it. For the sweeps, which run in workers and re-enqueue in bulk: they try
    every task, whatever the breaker of this process says."""
    return _publish(name, args, breaker=False)


def enqueue_on_commit(name: str, *args: TaskArg) -> None:
    """Send the task called `name` once the current transaction commits (for
    requests: the breaker spares them a second timeout).

    A broker error is logged, not raised: the caller's data is already
    committed and the periodic sweeps re-enqueue what was not sent.
    """
    current_app.tasks[name]  # an unknown name fails here, in the caller, not after commit
    transaction.on_commit(lambda: _publish(name, args, breaker=True))


def _publish(name: str, args: tuple[TaskArg, ...], *, breaker: bool) -> bool:
    global _broker_down_until
    if breaker and time.monotonic() < _broker_down_until:
        logger.warning("Broker marked down; %s not sent, a sweep will retry it", name)
        return False
    task = current_app.tasks[name]
    try:
        task.apply_async(args=args)
    except Exception:
        # Broker errors come from kombu, redis or the socket layer; none
        # may break a committed request. (An eager task's own error is no
        # sign of a broker down: it opens no breaker.)
        if breaker and not task.app.conf.task_always_eager:
            _broker_down_until = time.monotonic() + BREAKER_SECONDS
        logger.warning("Could not enqueue %s; a sweep will retry it", name, exc_info=True)
        return False
    return True
