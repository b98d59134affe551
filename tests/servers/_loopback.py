"""What every loopback test server shares: a threaded HTTP server on 127.0.0.1, on a free
port, started and stopped around one test."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up first (it timed out, or refused an answer) is not an error of
    the server; anything else still is, and is printed."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LoopbackServer:
    """Subclasses say which request handler serves them; `start()`/`stop()`, or `with`.

    The handler reaches the server object as `self.server.owner`.
    """

    thread_name = "loopback-test-server"
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Self:
        httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        httpd.daemon_threads = True
        httpd.owner = self  # type: ignore[attr-defined]
        # A short poll interval makes stop() quick, which keeps the test run fast.
        thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True,
                                  name=self.thread_name)
        self._httpd, self._thread = httpd, thread
        thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"
