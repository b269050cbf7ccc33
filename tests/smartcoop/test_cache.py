"""A Redis outage must not fail a login: the cache degrades to misses."""

import socket
import threading
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse

from smartcoop import cache as coop_cache
from tests.factories import TEST_PASSWORD, MemberFactory


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A server on loopback that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def _closed_port() -> str:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(autouse=True)
def _breaker_reset() -> Iterator[None]:
    coop_cache.reset_breaker()
    yield
    coop_cache.reset_breaker()


def _redis_at(location: str, **options: float) -> override_settings:
    """The cache on another Redis for the `with` block only: the suite's own
    cache is back (and the breaker closed by _breaker_reset) before the next
    fixture's teardown clears it."""
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "smartcoop.cache.ResilientRedisCache",
                "LOCATION": location,
                "OPTIONS": options,
            }
        }
    )


@pytest.mark.django_db
@pytest.mark.parametrize("outage", ["stopped", "hung"])
def test_login_works_while_the_cache_redis_is_out(outage, request):
    location = _closed_port() if outage == "stopped" else request.getfixturevalue("hung_redis")
    member = MemberFactory()
    with _redis_at(location, socket_timeout=0.5, socket_connect_timeout=0.5):
        client = Client()
        response = client.post(
            reverse("account_login"), {"login": member.user.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard")
        assert caches["default"].get("anything", "fallback") == "fallback"


def test_the_breaker_skips_redis_after_a_failure():
    with _redis_at(_closed_port()):
        cache = caches["default"]
        assert cache.add("k", 1) is True  # fails open
        assert coop_cache._down_until > 0
        # while open, calls return the fallback without touching the socket
        assert cache.incr("k", 5) == 5
        assert cache.get_many(["a", "b"]) == {}
