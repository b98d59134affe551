"""One fault-injection vocabulary for every loopback test server (arXiv, Zotero, and any
service fake added later).

A server mixes in `FaultInjection`, and calls `take_fault(method, path)` once per request
and `send_fault(handler, fault)` to play it. The verbs, the same on every server:

* `fail(status, retry_after=, backoff=)`: answer `status` instead of serving;
* `backoff(seconds)`: serve normally, with a `Backoff` header;
* `drop_connection()`: close the socket without answering;
* `slow(seconds)`: wait, then serve normally;
* `trickle(seconds_per_byte, size=)`: answer 200 and send the body one byte at a time;
* `gzip_bomb(size)`: answer 200 with a gzip body that inflates to `size` bytes;
* `html_page(status=200)`: an HTML error page where the API's format was expected;
* `redirect_loop()`: answer 302 to the same URL, forever;
* `reply(status, body, content_type=)`: a canned answer (malformed JSON, a bare feed...);
* `empty_page()`: (each server says what "empty" means in its format).

Each takes `times=` (how many requests in a row get it) and `method=`/`path=` (only a request
whose method is that and whose path contains that is hit). `after_write=True` (servers
that store writes) applies the request first, then plays the fault: the client cannot know
its write went through.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

__all__ = ["Fault", "FaultInjection", "send_fault"]

_SERVED_NORMALLY = ("backoff", "slow", "empty")
"""Kinds after which the server still answers the request itself."""


@dataclass(frozen=True)
class Fault:
    """One misbehaviour, consumed by the first request it matches."""

    kind: str
    status: int = 503
    retry_after: str | None = None
    backoff: str | None = None
    seconds: float = 0.0
    size: int = 0
    method: str | None = None
    path: str | None = None
    after_write: bool = False
    body: bytes = b""
    content_type: str = "application/json"

    def matches(self, method: str, path: str) -> bool:
        return ((self.method is None or self.method == method)
                and (self.path is None or self.path in path))

    @property
    def serves(self) -> bool:
        """The server answers the request itself (and this fault only adds to it)."""
        return self.kind in _SERVED_NORMALLY

    def extra_headers(self) -> dict[str, str]:
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = self.retry_after
        if self.backoff is not None:
            headers["Backoff"] = self.backoff
        return headers


class FaultInjection:
    """The fault verbs (module docstring), for a server class to mix in."""

    _fault_lock: threading.Lock
    _fault_queue: deque[Fault]

    def _faults(self) -> deque[Fault]:
        if not hasattr(self, "_fault_queue"):
            self._fault_lock = threading.Lock()
            self._fault_queue = deque()
        return self._fault_queue

    def queue_fault(self, fault: Fault, times: int = 1) -> None:
        queue = self._faults()
        with self._fault_lock:
            queue.extend([fault] * times)

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if the next one queued matches it."""
        queue = self._faults()
        with self._fault_lock:
            if queue and queue[0].matches(method, path):
                return queue.popleft()
            return None

    def clear_faults(self) -> None:
        queue = self._faults()
        with self._fault_lock:
            queue.clear()

    @property
    def pending_faults(self) -> int:
        return len(self._faults())

    # -- the verbs
    def fail(self, status: int = 503, *, retry_after: str | int | float | None = None,
             backoff: str | int | float | None = None, times: int = 1,
             method: str | None = None, path: str | None = None,
             after_write: bool = False) -> None:
        """The next `times` requests get HTTP `status` (with Retry-After/Backoff if given)."""
        self.queue_fault(Fault("status", status=status, retry_after=_text(retry_after),
                               backoff=_text(backoff), method=method, path=path,
                               after_write=after_write), times)

    def backoff(self, seconds: str | int | float, *, times: int = 1, method: str | None = None,
                path: str | None = None) -> None:
        self.queue_fault(Fault("backoff", backoff=_text(seconds), method=method, path=path),
                         times)

    def drop_connection(self, *, times: int = 1, method: str | None = None,
                        path: str | None = None, after_write: bool = False) -> None:
        self.queue_fault(Fault("drop", method=method, path=path, after_write=after_write),
                         times)

    def slow(self, seconds: float, *, times: int = 1, method: str | None = None,
             path: str | None = None) -> None:
        self.queue_fault(Fault("slow", seconds=seconds, method=method, path=path), times)

    def trickle(self, seconds_per_byte: float, *, size: int = 1000, times: int = 1,
                method: str | None = None, path: str | None = None) -> None:
        self.queue_fault(Fault("trickle", status=200, seconds=seconds_per_byte, size=size,
                               method=method, path=path), times)

    def gzip_bomb(self, size: int, *, times: int = 1, method: str | None = None,
                  path: str | None = None) -> None:
        self.queue_fault(Fault("gzip_bomb", status=200, size=size, method=method, path=path),
                         times)

    def html_page(self, status: int = 200, *, times: int = 1, method: str | None = None,
                  path: str | None = None) -> None:
        self.queue_fault(Fault("html", status=status, method=method, path=path), times)

    def redirect_loop(self, *, times: int = 1, method: str | None = None,
                      path: str | None = None) -> None:
        self.queue_fault(Fault("redirect", status=302, method=method, path=path), times)

    def reply(self, status: int, body: str | bytes, *, content_type: str = "application/json",
              times: int = 1, method: str | None = None, path: str | None = None,
              after_write: bool = False) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.queue_fault(Fault("reply", status=status, body=data, content_type=content_type,
                               method=method, path=path, after_write=after_write), times)

    def empty_page(self, *, times: int = 1, method: str | None = None,
                   path: str | None = None) -> None:
        self.queue_fault(Fault("empty", method=method, path=path), times)


def _text(value: str | int | float | None) -> str | None:
    return None if value is None else str(value)


_HTML = (b"<!DOCTYPE html>\n<html><head><title>Service temporarily unavailable</title></head>"
         b"<body><h1>Service temporarily unavailable</h1><p>Please try again later.</p>"
         b"</body></html>\n")


def gzip_bomb_body(size: int) -> bytes:
    """A gzip body that inflates to `size` zero bytes (made in 1 MB steps, a few MB at most
    of compressed output for gigabytes)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    parts = []
    left = size
    while left > 0:
        parts.append(compressor.compress(block[:min(left, len(block))]))
        left -= len(block)
    parts.append(compressor.flush())
    return b"".join(parts)


def send_fault(handler: BaseHTTPRequestHandler, fault: Fault,
               headers: dict[str, str] | None = None) -> bool:
    """Play `fault` on `handler`; True when that answered the request (the server must not),
    False for the kinds after which the server serves normally (`slow` has then waited).
    `headers`: what the server puts on every answer (an API version, say)."""
    if fault.kind == "slow":
        time.sleep(fault.seconds)
        return False
    if fault.serves:
        return False
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        _play(handler, fault, headers or {})
    return True


def _play(handler: BaseHTTPRequestHandler, fault: Fault, common: dict[str, str]) -> None:
    if fault.kind == "drop":
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)
        return
    headers = {**common, **fault.extra_headers()}
    if fault.kind == "status":
        _send(handler, fault.status, f"Injected error {fault.status}".encode(),
              "text/plain; charset=utf-8", headers)
    elif fault.kind == "reply":
        _send(handler, fault.status, fault.body, fault.content_type, headers)
    elif fault.kind == "html":
        _send(handler, fault.status, _HTML, "text/html; charset=utf-8", headers)
    elif fault.kind == "redirect":
        _send(handler, 302, b"", "text/plain", {**headers, "Location": handler.path})
    elif fault.kind == "gzip_bomb":
        _send(handler, 200, gzip_bomb_body(fault.size), "application/octet-stream",
              {**headers, "Content-Encoding": "gzip"})
    elif fault.kind == "trickle":
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(fault.size))
        handler.end_headers()
        handler.wfile.flush()
        for _ in range(fault.size):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(fault.seconds)
    else:
        raise ValueError(f"unknown fault kind {fault.kind!r}")


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
          headers: dict[str, str]) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
