"""What the loopback Crossref, Semantic Scholar and DBLP servers share: a request log, the
shared fault verbs of `tests.servers.faults` (`fail(429, retry_after=2)`, `fail(503)`,
`drop_connection()`, `slow`, `html_page`, `gzip_bomb`...), on the lifecycle of
`_loopback.LoopbackServer`.

Every request is recorded with its path, query, headers and body, so a test can count
requests and check that a key went in a header and nowhere else.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.servers._loopback import LoopbackServer
from tests.servers.faults import FaultInjection, send_fault

__all__ = ["RecordedRequest", "ServiceServer", "send"]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    """Percent-decoded path: `/works/10.1145/3524059.3532364`."""
    raw_target: str
    """The request target exactly as sent (path and query), for "nothing secret in the URL"."""
    params: dict[str, str]
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    monotonic: float
    fault: str | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def setup(self) -> None:
        super().setup()
        # Two writes per answer (headers, body): without this, Nagle plus delayed ACKs add
        # ~40 ms to each keep-alive answer and the bench would measure that.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.owner._handle(self, "GET")

    def do_POST(self) -> None:
        self.server.owner._handle(self, "POST")


def send(handler: BaseHTTPRequestHandler, status: int, body: str | bytes, content_type: str,
         headers: Mapping[str, str] | None = None) -> None:
    data = body.encode("utf-8") if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()


class ServiceServer(FaultInjection, LoopbackServer):
    """Base of the three scholarly-metadata servers; subclasses implement `answer`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
        self.clear_faults()

    # -- answering
    def _handle(self, handler: _Handler, method: str) -> None:
        split = urlsplit(handler.path)
        params = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        fault = self.take_fault(method, split.path)
        with self._lock:
            self.requests.append(RecordedRequest(
                method=method, path=unquote(split.path), raw_target=handler.path,
                params=params, headers={k.lower(): v for k, v in handler.headers.items()},
                body=body, monotonic=time.monotonic(), fault=fault.kind if fault else None))
        if fault is not None and send_fault(handler, fault):
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.answer(handler, method, unquote(split.path), params, body)

    def answer(self, handler: BaseHTTPRequestHandler, method: str, path: str,
               params: dict[str, str], body: bytes) -> None:
        raise NotImplementedError
