"""A real SMTP server on loopback for the tests that send email (aiosmtpd):
the messages go through Django's SMTP backend as in production."""

import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    """An SMTP server on 127.0.0.1 that keeps what it receives, or answers
    `refuse` (e.g. "451 4.3.0 Try again later") while it is set."""

    def __init__(self) -> None:
        self.received: list[Message] = []
        self.envelopes: list[Any] = []
        self.refuse: str | None = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        with self.lock:
            self.envelopes.append(envelope)
            self.received.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(settings) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.INVOICE_EMAIL_RETRY_BASE_SECONDS = 0
    try:
        yield mailbox
    finally:
        controller.stop()
