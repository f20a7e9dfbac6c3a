"""Fetch a foreign http(s) URL without letting it reach into our own network (SSRF).

Every hop (the URL and each redirect) is resolved exactly once; every address it resolves to must
be public, and the connection goes to that checked address (never a second DNS answer), with the
host name kept for the ``Host`` header and TLS verification. The body is read up to a limit and
never shown back to the user: errors are German sentences of our own.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


class FetchRefused(Exception):
    """The URL was not fetched or not read; ``message`` is German and names no foreign content."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_public_address(address: IpAddress) -> bool:
    """True for globally routable addresses (no loopback, private, link-local, reserved...)."""
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address *host* resolves to (one DNS lookup)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


@dataclass
class SafeFetcher:
    """GET with a size limit, a timeout, bounded redirects and an address check on every hop."""

    max_bytes: int
    timeout: float = 15.0
    allowed: Callable[[IpAddress], bool] = is_public_address
    resolver: Resolver = resolve
    user_agent: str = "Treffpunkt ICS import"

    def get(self, url: str) -> bytes:
        """The body of *url* after at most :data:`MAX_REDIRECTS` redirects, or :class:`FetchRefused`."""
        for _hop in range(MAX_REDIRECTS + 1):
            status, location, body = self._get_once(url)
            if status in REDIRECTS:
                if not location:
                    raise FetchRefused("Die Webadresse leitet ohne Ziel weiter.")
                url = urljoin(url, location)
                continue
            if status != 200:
                raise FetchRefused(f"Die Webadresse antwortete mit dem Status {status}.")
            return body
        raise FetchRefused("Die Webadresse leitet zu oft weiter.")

    def _checked_address(self, host: str, port: int) -> str:
        try:
            addresses = [ipaddress.ip_address(item.split("%")[0]) for item in self.resolver(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise FetchRefused("Der Rechner der Webadresse ist unbekannt.") from exc
        if not addresses or not all(self.allowed(address) for address in addresses):
            raise FetchRefused("Diese Webadresse ist nicht öffentlich erreichbar.")
        return str(addresses[0])

    def _get_once(self, url: str) -> tuple[int, str, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused("Nur Webadressen mit http:// oder https:// sind erlaubt.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchRefused("Die Webadresse ist ungültig.") from exc
        address = self._checked_address(parts.hostname, port)
        connection = _pinned_connection(parts.scheme, parts.hostname, port, address, self.timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", path, headers={"User-Agent": self.user_agent, "Accept": "text/calendar, */*"})
            peer = connection.sock.getpeername()[0] if connection.sock is not None else ""
            if ipaddress.ip_address(str(peer).split("%")[0]) != ipaddress.ip_address(address):
                raise FetchRefused("Diese Webadresse ist nicht öffentlich erreichbar.")
            response = connection.getresponse()
            if response.status in REDIRECTS:
                return response.status, response.getheader("Location", ""), b""
            if response.status != 200:
                return response.status, "", b""
            declared = response.getheader("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchRefused(_too_large(self.max_bytes))
            body = response.read(self.max_bytes + 1)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchRefused("Die Webadresse konnte nicht gelesen werden.") from exc
        finally:
            connection.close()
        if len(body) > self.max_bytes:
            raise FetchRefused(_too_large(self.max_bytes))
        return response.status, "", body


def _too_large(limit: int) -> str:
    return f"Die Datei ist größer als {limit // (1024 * 1024)} MB."


def _pinned_connection(scheme: str, host: str, port: int, address: str,
                       timeout: float) -> http.client.HTTPConnection:
    """A connection to the checked *address* that still speaks to *host* (Host header, TLS name)."""
    if scheme == "https":
        return _PinnedHTTPS(host, port, address, timeout)
    return _PinnedHTTP(host, port, address, timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]
