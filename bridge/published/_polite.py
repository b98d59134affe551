"""One polite HTTP client per scholarly service (Crossref, Semantic Scholar, DBLP).

Politeness, the same for the three (each service's figures are in `config.py`):

* a minimum gap (`delay`) between the start of one request and the start of the next;
  Crossref's gap is re-read from its `x-rate-limit-limit` / `x-rate-limit-interval` headers
  on every answer (limit requests per interval), never shorter than the configured delay;
* a timeout on every request (`TIMEOUT`);
* retries (`RETRIES`) of HTTP 429 and 5xx, timeouts and dropped connections: the wait
  doubles from `max(delay, BACKOFF)` (no wait of our own when delay is 0) and is never
  shorter than the server's `Retry-After` (seconds or an HTTP date); a `Retry-After`
  longer than `MAX_WAIT` is not sat out, the client gives up at once;
* answers larger than `MAX_BYTES` are refused (a metadata record is a few kB);
* 404 is an answer ("no such record"), not a failure.

Secrets: a key goes in the headers it is given in (`x-api-key`), never in the URL; errors
name the service and the URL, and never carry headers. `transport=` and `sleep=` let a
test hand in an `httpx` transport or record the waits instead of sleeping.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpx

from ..arxiv.client import retry_after_seconds
from ..errors import ConfigError, ServiceError

__all__ = ["BACKOFF", "MAX_BYTES", "MAX_WAIT", "RETRIES", "TIMEOUT", "PoliteClient",
           "PublishedServiceError"]

TIMEOUT = 30.0
RETRIES = 5
BACKOFF = 1.0
"""Seconds of the first backoff wait, when the service gave no Retry-After."""
MAX_WAIT = 300.0
MAX_BYTES = 20 * 1024 * 1024

_RETRIED = frozenset({429, 500, 502, 503, 504})
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s?\s*$")


class PublishedServiceError(ServiceError):
    """Crossref, Semantic Scholar or DBLP failed after retries (never carries a key)."""

    def __init__(self, service: str, message: str, *, url: str | None = None,
                 status: int | None = None):
        self.service = service
        self.url = url
        self.status = status
        super().__init__(f"{service}: {message}" + (f" ({url})" if url else ""))


def rate_limit_gap(limit: str | None, interval: str | None) -> float | None:
    """Seconds between requests from Crossref's rate-limit headers (`50`, `1s`), or None.

    >>> rate_limit_gap("50", "1s"), rate_limit_gap("3000", "60s"), rate_limit_gap(None, "1s")
    (0.02, 0.02, None)
    """
    if not limit or not interval:
        return None
    match = _INTERVAL.match(interval)
    try:
        count = int(limit.strip())
    except ValueError:
        return None
    if not match or count <= 0:
        return None
    return float(match.group(1)) / count


class PoliteClient:
    """Requests to one service, paced, retried and size-capped; `requests_made` counts them."""

    def __init__(self, service: str, base_url: str, *, delay: float,
                 headers: Mapping[str, str] | None = None, follow_rate_headers: bool = False,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 retries: int = RETRIES, timeout: float = TIMEOUT):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.delay = delay
        self.retries = retries
        self.follow_rate_headers = follow_rate_headers
        self.requests_made = 0
        self.waits: list[float] = []
        """Every wait for pacing or backoff, in seconds (for tests and the bench)."""
        self._sleep = sleep
        self._clock = clock
        self._gap = delay
        self._last_start: float | None = None
        self._http = httpx.Client(headers=dict(headers or {}), timeout=timeout,
                                  transport=transport, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waits.append(seconds)
            self._sleep(seconds)

    def _back_off(self, seconds: float) -> None:
        # A backoff is at least the pacing gap, so the retry that follows goes out at once.
        self._wait(max(seconds, self._gap) if seconds > 0 else 0.0)
        self._last_start = None

    def _pace(self) -> None:
        if self._last_start is not None:
            self._wait(self._last_start + self._gap - self._clock())
        self._last_start = self._clock()

    def request(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                json: Any = None) -> httpx.Response | None:
        """The service's answer, None for 404; `PublishedServiceError` when it keeps failing."""
        url = f"{self.base_url}{path}"
        for attempt in range(self.retries + 1):
            self._pace()
            self.requests_made += 1
            try:
                response = self._http.request(method, url, params=params, json=json)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise PublishedServiceError(
                        self.service, f"no answer after {attempt + 1} attempts ({exc})",
                        url=url) from exc
                self._back_off(self._backoff(attempt, None))
                continue
            self._follow_rate(response)
            if response.status_code in _RETRIED and attempt < self.retries:
                wait = self._backoff(attempt, response.headers.get("Retry-After"))
                if wait > MAX_WAIT:
                    raise PublishedServiceError(
                        self.service, f"asked to wait {wait:.0f} s (HTTP "
                        f"{response.status_code}); try again later", url=url,
                        status=response.status_code)
                self._back_off(wait)
                continue
            return self._checked(response, url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        # A delay of 0 (tests, a local mirror) means no waiting of our own at all.
        wait = max(self.delay, BACKOFF) * 2 ** attempt if self.delay > 0 else 0.0
        asked = retry_after_seconds(retry_after)
        return max(wait, asked) if asked is not None else wait

    def _follow_rate(self, response: httpx.Response) -> None:
        if not self.follow_rate_headers:
            return
        gap = rate_limit_gap(response.headers.get("x-rate-limit-limit"),
                             response.headers.get("x-rate-limit-interval"))
        if gap is not None:
            self._gap = max(self.delay, gap)

    def _checked(self, response: httpx.Response, url: str) -> httpx.Response | None:
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise ConfigError(f"{self.service} refused the request (HTTP {status}): check "
                              "its API key setting, or unset it to use the shared pool")
        if status >= 400:
            raise PublishedServiceError(self.service, f"HTTP {status}: "
                                        f"{response.text[:200].strip()}", url=url, status=status)
        if len(response.content) > MAX_BYTES:
            raise PublishedServiceError(self.service, f"answer larger than {MAX_BYTES} bytes",
                                        url=url, status=status)
        return response
