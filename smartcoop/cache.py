"""A Redis cache that degrades to a miss instead of failing the request.

The cache holds allauth's rate-limit counters and other cheap, recomputable
values. When Redis is down or hung, a login must still work
(architecture.md: a Redis outage never fails or hangs a web request), so
connection and timeout errors are logged and treated as "not cached".
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, skip Redis for a while: a hung server would otherwise cost
# a socket timeout on every cache call of every request.
BREAKER_SECONDS = 10.0
_down_until = 0.0


def _tolerant(default: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        def fallback(*args: Any, **kwargs: Any) -> Any:
            return default(*args, **kwargs) if callable(default) else default

        def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            global _down_until
            if time.monotonic() < _down_until:
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except _OUTAGE:
                _down_until = time.monotonic() + BREAKER_SECONDS
                logger.warning("Cache unavailable during %s; carrying on", method.__name__)
                return fallback(*args, **kwargs)

        call.__name__ = method.__name__
        return call

    return wrap


class ResilientRedisCache(RedisCache):
    get = _tolerant(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _tolerant({})(RedisCache.get_many)
    set = _tolerant(None)(RedisCache.set)
    set_many = _tolerant([])(RedisCache.set_many)
    # "Added" during an outage: allauth's rate-limit lock then fails open.
    # Never use this cache for a lock that correctness depends on.
    add = _tolerant(True)(RedisCache.add)
    touch = _tolerant(False)(RedisCache.touch)
    delete = _tolerant(False)(RedisCache.delete)
    delete_many = _tolerant(None)(RedisCache.delete_many)
    has_key = _tolerant(False)(RedisCache.has_key)
    incr = _tolerant(lambda key, delta=1, version=None: delta)(RedisCache.incr)
    clear = _tolerant(False)(RedisCache.clear)


def reset_breaker() -> None:
    """Forget a past outage (tests, or an operator after Redis is back)."""
    global _down_until
    _down_until = 0.0
