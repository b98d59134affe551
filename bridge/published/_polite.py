"""One client per scholarly service (Crossref, Semantic Scholar, DBLP) on the shared HTTP
policy of `bridge._http` (retries of 408/429/5xx and dropped connections with backoff and
jitter, `Retry-After` honoured up to `MAX_WAIT`, a deadline per attempt, a size cap, pacing
per host over the whole process, long waits said through `notify`).

What is particular to these services:

* pacing: `delay` seconds between requests (each service's documented rate, `config.py`);
  Crossref's is re-read from its `x-rate-limit-limit` / `x-rate-limit-interval` headers on
  every answer (limit requests per interval), never below the configured delay;
* backoff starts at `max(delay, BACKOFF)`; a delay of 0 (tests, a local mirror) means no
  waiting of our own at all, only what a server's `Retry-After` asks for;
* 404 is an answer ("no such record"), not a failure; 401/403 is a key problem (usage
  error, exit 2), never retried; anything else that fails for good is `HttpError`, a
  `ServiceError` (exit 3) that names the service and the URL without its query.

Secrets: a key goes in the header it is given in (`x-api-key`), never in the URL, and is
removed from every message (`secrets=`). `transport=` and `sleep=` let a test hand in an
httpx transport or record the waits instead of sleeping.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any

import httpx

from .._http import HttpClient, HttpError, RetryPolicy
from ..errors import ConfigError

__all__ = ["BACKOFF", "MAX_WAIT", "RETRIES", "TIMEOUT", "PoliteClient", "rate_limit_gap"]

TIMEOUT = 30.0
"""Seconds one attempt may take in all."""
RETRIES = 5
BACKOFF = 1.0
"""Seconds of the first backoff wait of our own (when the delay is not longer)."""
MAX_WAIT = 300.0
"""Longest Retry-After sat out; a longer one fails at once: try again later."""

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s?\s*$")


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
    """Requests to one service; `requests_made` counts them (retries included)."""

    def __init__(self, service: str, base_url: str, *, delay: float,
                 headers: Mapping[str, str] | None = None, follow_rate_headers: bool = False,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 notify: Callable[[str], None] | None = None,
                 secrets: tuple[str | None, ...] = (), retries: int = RETRIES):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.delay = delay
        self.follow_rate_headers = follow_rate_headers
        policy = RetryPolicy(retries=retries, base_delay=max(delay, BACKOFF) if delay > 0 else 0.0,
                             max_wait=MAX_WAIT, deadline=TIMEOUT, min_interval=delay)
        self._http = HttpClient(service, policy=policy, headers=headers, transport=transport,
                                sleep=sleep, notify=notify, secrets=secrets)

    @property
    def requests_made(self) -> int:
        return self._http.requests_made

    @property
    def min_interval(self) -> float:
        """The gap kept between two requests now (Crossref's follows its headers)."""
        return self._http.policy.min_interval

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def request(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                json: Any = None) -> httpx.Response | None:
        """The service's answer, or None for 404; raises `HttpError` when it keeps failing."""
        try:
            reply = self._http.request(method, f"{self.base_url}{path}", params=params,
                                       json=json, accept=(200, 404))
        except HttpError as exc:
            if exc.status in (401, 403):
                raise ConfigError(f"{self.service} refused the request (HTTP {exc.status}): "
                                  "check its API key setting, or unset it to use the shared "
                                  "pool") from None
            raise
        self._follow_rate(reply.response)
        return None if reply.response.status_code == 404 else reply.response

    def _follow_rate(self, response: httpx.Response) -> None:
        if not self.follow_rate_headers:
            return
        gap = rate_limit_gap(response.headers.get("x-rate-limit-limit"),
                             response.headers.get("x-rate-limit-interval"))
        if gap is not None:
            self._http.policy = replace(self._http.policy, min_interval=max(self.delay, gap))
