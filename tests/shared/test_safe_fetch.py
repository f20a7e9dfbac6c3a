"""SSRF in ICS import by URL (issue 12): every redirect hop and the address actually connected
to are checked; the fetched body is never echoed. Real HTTP servers on loopback addresses stand
in for "public" (127.0.0.2, allowed by the test's policy) and "internal" (127.0.0.1) hosts."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.services.ics_import import SourceUnreadable, read_source
from shared.services.safe_fetch import FetchRefused, IpAddress, SafeFetcher, is_public_address

SECRET = "INTERNAL-SECRET-4711"
PUBLIC = "127.0.0.2"


class _Server:
    def __init__(self, host: str, answer: Callable[[BaseHTTPRequestHandler], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                answer(self)

            def log_message(self, *args: object) -> None:
                return

        self.hits: list[str] = []
        server = self
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", location: str = "") -> None:
    handler.send_response(status)
    if location:
        handler.send_header("Location", location)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def internal() -> Iterator[_Server]:
    server = _Server("127.0.0.1", lambda handler: _send(handler, 200, SECRET.encode()))
    yield server
    server.close()


def _only_public_test_host(address: IpAddress) -> bool:
    return address == ipaddress.ip_address(PUBLIC)


def _fetcher(**kwargs: object) -> SafeFetcher:
    return SafeFetcher(max_bytes=1024, timeout=3, allowed=_only_public_test_host, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("target", ["{internal}/feed.ics", "http://localhost:{port}/feed.ics",
                                    "http://[::1]:{port}/", "http://169.254.169.254/latest/meta-data/",
                                    "http://10.0.0.1/", "file:///etc/passwd"])
def test_a_redirect_into_the_internal_network_is_refused(internal: _Server, target: str) -> None:
    port = internal.url.rsplit(":", 1)[1]
    location = target.format(internal=internal.url, port=port)
    public = _Server(PUBLIC, lambda handler: _send(handler, 302, location=location))
    try:
        with pytest.raises(FetchRefused) as refused:
            _fetcher().get(public.url + "/feed.ics")
    finally:
        public.close()
    assert public.hits == ["/feed.ics"]
    assert internal.hits == []
    assert SECRET not in refused.value.message


def test_redirects_between_public_hosts_are_followed_and_bounded() -> None:
    hops: list[str] = []

    def answer(handler: BaseHTTPRequestHandler) -> None:
        hops.append(handler.path)
        if handler.path == "/final":
            _send(handler, 200, b"BEGIN:VCALENDAR")
        elif handler.path == "/loop":
            _send(handler, 302, location="/loop")
        else:
            _send(handler, 301, location="/final")

    public = _Server(PUBLIC, answer)
    try:
        assert _fetcher().get(public.url + "/start") == b"BEGIN:VCALENDAR"
        with pytest.raises(FetchRefused, match="zu oft weiter"):
            _fetcher().get(public.url + "/loop")
    finally:
        public.close()


def test_the_connection_goes_to_the_address_that_was_checked(internal: _Server) -> None:
    """DNS rebinding: a second lookup would answer 127.0.0.1; there is no second lookup."""
    public = _Server(PUBLIC, lambda handler: _send(handler, 200, b"BEGIN:VCALENDAR"))
    answers = [[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]]
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[len(calls) - 1]

    port = public.url.rsplit(":", 1)[1]
    internal_port = internal.url.rsplit(":", 1)[1]
    try:
        assert port and internal_port
        body = _fetcher(resolver=rebinding).get(f"http://calendar.example:{port}/feed.ics")
    finally:
        public.close()
    assert body == b"BEGIN:VCALENDAR" and calls == ["calendar.example"]
    assert public.hits == ["/feed.ics"] and internal.hits == []


def test_a_name_that_resolves_to_a_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(FetchRefused, match="nicht öffentlich"):
        _fetcher(resolver=lambda host, port: [PUBLIC, "192.168.1.5"]).get("http://mixed.example/x.ics")


def test_errors_never_echo_the_fetched_body() -> None:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        _send(handler, 500 if handler.path == "/error" else 200, (SECRET * 100).encode())

    public = _Server(PUBLIC, answer)
    try:
        with pytest.raises(FetchRefused) as refused:
            _fetcher().get(public.url + "/error")
        assert refused.value.message == "Die Webadresse antwortete mit dem Status 500."
        with pytest.raises(FetchRefused) as too_big:
            _fetcher().get(public.url + "/big")
        assert too_big.value.message.startswith("Die Datei ist größer als")
        assert SECRET not in too_big.value.message
    finally:
        public.close()


def test_the_import_refuses_loopback_by_default(internal: _Server) -> None:
    with pytest.raises(SourceUnreadable) as refused:
        read_source(internal.url + "/feed.ics")
    assert refused.value.message == "Diese Webadresse ist nicht öffentlich erreichbar."
    assert internal.hits == []


def test_public_address_policy() -> None:
    for private in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254", "::1",
                    "fe80::1", "fc00::1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::ffff:127.0.0.1"):
        assert not is_public_address(ipaddress.ip_address(private)), private
    assert is_public_address(ipaddress.ip_address("93.184.215.14"))
