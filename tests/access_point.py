"""A Peppol access point's REST API on loopback, for the tests that
transmit e-invoices: a real HTTP server answering as a provider would."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class AccessPointDouble:
    """A provider's REST API on 127.0.0.1: scripted answers for submissions
    (a list consumed in order, then `default`), and a status per id."""

    def __init__(self) -> None:
        self.submissions: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, Any]]] = []
        self.default: tuple[int, dict[str, Any]] = (202, {"id": "ap-1", "status": "accepted"})
        self.statuses: dict[str, dict[str, Any]] = {}
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                double.submissions.append(
                    {
                        "path": self.path,
                        "body": self.rfile.read(length),
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                    }
                )
                self._answer(*(double.script.pop(0) if double.script else double.default))

            def do_GET(self) -> None:
                provider_id = self.path.rsplit("/", 1)[-1]
                self._answer(200, double.statuses.get(provider_id, {"status": "accepted"}))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "AccessPointDouble":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def access_point(settings) -> Iterator[AccessPointDouble]:
    with AccessPointDouble() as double:
        settings.PEPPOL_ACCESS_POINT_URL = double.url
        settings.PEPPOL_ACCESS_POINT_TOKEN = "test-token"
        settings.PEPPOL_RETRY_BASE_SECONDS = 0
        settings.PEPPOL_MAX_ATTEMPTS = 3
        yield double
