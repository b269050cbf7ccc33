"""Peppol transmission through an access point, behind an interface.

The cooperative does not run a Peppol access point; a provider does. The
`AccessPoint` protocol is what the transmission service needs; the
`HttpAccessPoint` adapter speaks a provider's REST API, configured by
`PEPPOL_ACCESS_POINT_URL` and `PEPPOL_ACCESS_POINT_TOKEN`:

    POST {url}/documents          body: the UBL document (application/xml)
        headers: Authorization: Bearer <token>, Idempotency-Key, X-Peppol-Sender,
                 X-Peppol-Receiver
        -> 200/201/202 {"id": "...", "status": "accepted" | "sent" | "delivered"}
        -> 4xx {"message": "..."}: the provider refuses the document (final)
        -> 5xx, timeout, refused connection: try again later
    GET  {url}/documents/{id}
        -> 200 {"status": "accepted" | "sent" | "delivered" | "failed", "message": "..."}

The Idempotency-Key is the invoice's own id, so a resubmission after a crash
is recognised by the provider and never delivered twice.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

TIMEOUT_SECONDS = 10


class AccessPointError(Exception):
    """A transmission problem. `retry` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class Submission:
    provider_id: str
    status: str  # accepted, sent, delivered, failed
    message: str = ""


class AccessPoint(Protocol):
    def submit(self, *, document: bytes, sender: str, receiver: str, key: str) -> Submission: ...

    def status(self, provider_id: str) -> Submission: ...


class HttpAccessPoint:
    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise ValueError("PEPPOL_ACCESS_POINT_URL must be an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(self, request: urllib.request.Request) -> dict[str, object]:
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as exc:
            detail = _message(exc.read()) or exc.reason
            retry = exc.code >= 500 or exc.code in (408, 429)
            raise AccessPointError(f"HTTP {exc.code}: {detail}", retry=retry) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise AccessPointError(f"access point unreachable: {exc}", retry=True) from exc
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            raise AccessPointError(
                "access point answered something that is not JSON", retry=True
            ) from exc
        if not isinstance(data, dict):
            raise AccessPointError("access point answered an unexpected JSON value", retry=True)
        return data

    def submit(self, *, document: bytes, sender: str, receiver: str, key: str) -> Submission:
        request = urllib.request.Request(  # noqa: S310 - http(s) only (__init__)
            f"{self.base_url}/documents",
            data=document,
            method="POST",
            headers={
                "Content-Type": "application/xml",
                "Idempotency-Key": key,
                "X-Peppol-Sender": sender,
                "X-Peppol-Receiver": receiver,
            },
        )
        data = self._call(request)
        provider_id = str(data.get("id") or "")
        if not provider_id:
            raise AccessPointError("access point gave no document id", retry=True)
        return Submission(provider_id, str(data.get("status") or "accepted"), _text(data))

    def status(self, provider_id: str) -> Submission:
        url = f"{self.base_url}/documents/{urllib.parse.quote(provider_id, safe='')}"
        request = urllib.request.Request(url)  # noqa: S310 - http(s) only (__init__)
        data = self._call(request)
        return Submission(provider_id, str(data.get("status") or ""), _text(data))


def _text(data: dict[str, object]) -> str:
    return str(data.get("message") or "")[:2000]


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode(errors="replace")[:500]
    return _text(data) if isinstance(data, dict) else ""


def access_point() -> AccessPoint | None:
    """The configured access point, or None when none is (embedded mode)."""
    url = getattr(settings, "PEPPOL_ACCESS_POINT_URL", "")
    if not url:
        return None
    return HttpAccessPoint(url, settings.PEPPOL_ACCESS_POINT_TOKEN)
