"""The kiosk node's HTTP client for the central server's API (kiosk token, gzip, ETag)."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

TIMEOUT_SECONDS = 10
FEED_TIMEOUT_SECONDS = 300  # a first, full sync of a city's schedule may take the server a while to build


class BackendUnreachable(Exception):
    """The central server did not answer, or answered with a server error: try again later."""


@dataclass(frozen=True)
class Answer:
    """A response: status, JSON body (None for 304/empty), headers and the bytes on the wire."""

    status: int
    body: Any
    wire_bytes: int
    headers: dict[str, str] = field(default_factory=dict)


class Backend:
    """Calls ``/api/v1`` of the central server with this kiosk's token."""

    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.token = token
        self.timeout = timeout

    def get(self, path: str, params: dict[str, str], etag: str = "", timeout: float | None = None) -> Answer:
        """GET with the token; a matching *etag* may give 304."""
        query = urlencode({key: value for key, value in params.items() if value})
        headers = {"Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        return self._send(f"{path}?{query}", headers, timeout=timeout)

    def post(self, path: str, body: dict[str, Any], idempotency_key: str = "") -> Answer:
        """POST a JSON body with the token (and an Idempotency-Key when given)."""
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return self._send(path, headers, json.dumps(body).encode())

    def _send(self, path: str, headers: dict[str, str], data: bytes | None = None,
              timeout: float | None = None) -> Answer:
        # The base is the configured http(s) BACKEND_URL (checked in shared.config), never user input.
        request = urllib.request.Request(f"{self.base_url}{path}", data=data,  # noqa: S310
                                         headers={**headers, "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:  # noqa: S310  # nosec B310
                return _answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return Answer(304, None, 0, dict(error.headers))
            if error.code >= 500:
                raise BackendUnreachable(f"HTTP {error.code}") from error
            return _answer(error.code, error.read(), dict(error.headers))
        except (OSError, TimeoutError) as error:  # URLError, refused, reset, timed out
            raise BackendUnreachable(type(error).__name__) from error


def _answer(status: int, raw: bytes, headers: dict[str, str]) -> Answer:
    wire_bytes = len(raw)
    if headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    try:
        body = json.loads(raw) if raw else None
    except ValueError as error:
        raise BackendUnreachable("answer is not JSON") from error
    return Answer(status, body, wire_bytes, headers)
