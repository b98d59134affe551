"""One HTTP policy for every service client (arXiv, Zotero, Crossref, Semantic Scholar, DBLP).

A service client owns one `HttpClient` and sends every request through
`HttpClient.request`, which applies `RetryPolicy`:

* **Retried** (at most `retries` times after the first attempt): HTTP 408, 429 and 5xx,
  timeouts, dropped connections, and an accepted answer the caller's `check` calls broken
  (an HTML page where Atom was asked for, say). The wait doubles from `base_delay` up to
  `max_delay`, with jitter (a random 50-100 % of it, so parallel clients do not retry in
  step), and is never shorter than the server's `Retry-After` (seconds or an HTTP date) or
  a pending `Backoff` (Zotero's header: "send nothing for N seconds", on any answer).
* **Not retried** (they cannot get better by waiting): a host name that does not resolve
  ("cannot reach HOST (no network?)"), a redirect loop, an answer larger than `max_bytes`,
  an invalid URL, a `Retry-After` longer than `max_wait`, and any other status the caller
  did not accept (the caller explains it: `HttpError.status` and `.response` are set).
* **A total deadline per attempt:** connect, send and the whole body within `deadline`
  seconds, however the server trickles it (checked after every chunk; a server that goes
  silent is cut off by the read timeout, which is the deadline too).
* **A size cap:** bodies are streamed and decoded here (gzip and deflate, bounded by
  `max_bytes`), so a compressed bomb costs at most `max_bytes` of memory.
* **Pacing:** with `min_interval`, requests to one host are spaced by that many seconds
  over the whole process (every client of that host shares the clock), retries included.
* **Said, not silent:** a wait of `announce_after` seconds or more is reported through
  `notify` ("arXiv asked us to wait 299 s (Retry-After); waiting").

Errors: `HttpError` (a `ServiceError`, so the CLI prints one line and exits 3 even when a
caller forgets to map it) with a short message that names the service and the host and path
(never the query string, never a header). Service clients catch it and raise their own
(`ArxivError`, `ZoteroError`). An unusable URL raises `ConfigError` (exit 2).

    http = HttpClient("Crossref", policy=RetryPolicy(min_interval=0.1),
                      headers={"User-Agent": USER_AGENT}, transport=None, sleep=time.sleep)
    reply = http.request("GET", "https://api.crossref.org/works/10.1/x", accept=(200, 404))
    reply.response.json()
"""

from __future__ import annotations

import random
import socket
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx

from .errors import ConfigError, ServiceError, redact

__all__ = [
    "HttpClient",
    "HttpError",
    "Reply",
    "RetryPolicy",
    "retry_after_seconds",
    "short_url",
]

Notify = Callable[[str], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How one service is asked: retries, waits, deadline, size cap, pacing."""

    retries: int = 5
    """Retries after the first attempt (so 1 + retries attempts at most)."""
    base_delay: float = 1.0
    """Seconds before the first retry; doubles with each further one (before jitter)."""
    max_delay: float = 60.0
    """Longest backoff of our own (a server's Retry-After may ask for more)."""
    max_wait: float = 300.0
    """Longest Retry-After or Backoff sat out; a longer one fails at once: come back later."""
    deadline: float = 30.0
    """Seconds one attempt may take in all: connect, send, and the whole answer."""
    max_bytes: int = 32 * 1024 * 1024
    """Largest decoded answer accepted."""
    min_interval: float = 0.0
    """Seconds between the end of one request to a host and the start of the next."""
    max_redirects: int = 5
    jitter: bool = True
    """Wait a random 50-100 % of each backoff; tests turn it off for exact waits."""
    announce_after: float = 5.0
    """Waits at least this long are reported through `notify`."""

    def backoff(self, attempt: int) -> float:
        """Our own wait before retry number `attempt + 1`.

        >>> RetryPolicy(base_delay=1, max_delay=60, jitter=False).backoff(3)
        8.0
        >>> RetryPolicy(base_delay=1, max_delay=60, jitter=False).backoff(30)
        60.0
        """
        wait = float(min(self.max_delay, self.base_delay * 2.0 ** min(attempt, 60)))
        return wait * random.uniform(0.5, 1.0) if self.jitter else wait


class HttpError(ServiceError):
    """A request failed for good. `status` and `response` are set when the server answered;
    `uncertain` says an attempt may have reached the server and been applied."""

    def __init__(self, message: str, *, url: str, method: str = "GET",
                 status: int | None = None, response: httpx.Response | None = None,
                 attempts: int = 1, uncertain: bool = False, retryable: bool = False):
        self.message = message
        self.url = url
        """Scheme, host and path: never the query string."""
        self.method = method
        self.status = status
        self.response = response
        self.attempts = attempts
        self.uncertain = uncertain
        self.retryable = retryable
        """The failure was of a kind worth retrying (the retries ran out)."""
        super().__init__(message)


@dataclass
class Reply:
    """An accepted answer (its body already read), and how it was got."""

    response: httpx.Response
    attempts: int
    uncertain: bool
    """An earlier attempt of this request may have reached the server and been applied."""


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` (or `Backoff`) header: seconds or an HTTP date.

    >>> retry_after_seconds("7")
    7.0
    >>> retry_after_seconds("Sun, 22 Nov 2026 20:00:30 GMT",
    ...                     now=datetime(2026, 11, 22, 20, 0, 0, tzinfo=UTC))
    30.0
    >>> retry_after_seconds("soon") is None, retry_after_seconds("-3"), retry_after_seconds("inf")
    (True, 0.0, None)
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def short_url(url: str | httpx.URL) -> str:
    """The URL without its query: what an error line shows.

    >>> short_url("https://export.arxiv.org/api/query?id_list=2310.13798&start=0")
    'https://export.arxiv.org/api/query'
    """
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError):
        return str(url).split("?", 1)[0]
    return str(parsed.copy_with(query=None, fragment=None))


class _Pacer:
    """The process-wide clock behind `min_interval`: one per host, shared by clients."""

    _registry_lock: ClassVar[threading.Lock] = threading.Lock()
    _pacers: ClassVar[dict[str, _Pacer]] = {}

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_end: float | None = None

    @classmethod
    def for_host(cls, host: str) -> _Pacer:
        with cls._registry_lock:
            return cls._pacers.setdefault(host, cls())


class _TooLarge(Exception):
    pass


class _Overdue(Exception):
    pass


def _is_name_failure(exc: BaseException) -> bool:
    """Whether a connection error comes from name resolution (getaddrinfo)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, socket.gaierror):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


class _Decoder:
    """Content-Encoding decoding with a bound on the output (a bomb never inflates)."""

    def __init__(self, encoding: str, limit: int):
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ValueError(f"unsupported Content-Encoding {encoding!r}")
        # wbits 47: zlib or gzip header, detected; raw deflate is tried when that fails.
        self._inflate = zlib.decompressobj(47) if codings else None
        self._raw_fallback = bool(codings) and codings[0] == "deflate"
        self._started = False
        self.limit = limit
        self.size = 0

    _STEP = 256 * 1024  # inflate this much at a time, so no step allocates more

    def feed(self, data: bytes) -> bytes:
        if self._inflate is None:
            self._count(len(data))
            return data
        if not self._started and self._raw_fallback:
            try:
                zlib.decompressobj(47).decompress(data[:64], 1)
            except zlib.error:
                self._inflate = zlib.decompressobj(-15)  # a raw deflate stream
        self._started = True
        pieces = []
        while data:
            piece = self._inflate.decompress(data, self._STEP)
            self._count(len(piece))
            pieces.append(piece)
            data = self._inflate.unconsumed_tail
        return b"".join(pieces)

    def _count(self, size: int) -> None:
        self.size += size
        if self.size > self.limit:
            raise _TooLarge


class HttpClient:
    """Requests to one service under one `RetryPolicy` (module docstring).

    `service` names it in messages ("arXiv", "Zotero"); `headers` go with every request;
    `transport` is an httpx transport (tests pass `httpx.MockTransport`); every wait goes
    through `sleep`; long waits are reported through `notify`; `secrets` (API keys) are
    removed from every message. Counters: `requests_made` (retries included) and
    `writes_made` (the requests other than GET and HEAD).
    """

    def __init__(self, service: str, *, policy: RetryPolicy = RetryPolicy(),
                 headers: Mapping[str, str] | None = None,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 notify: Notify | None = None,
                 follow_redirects: bool = True,
                 secrets: tuple[str | None, ...] = ()):
        self.service = service
        self.policy = policy
        self._sleep = sleep
        self._notify = notify
        self._secrets = secrets
        all_headers = {"Accept-Encoding": "gzip, deflate", **(headers or {})}
        self._http = httpx.Client(transport=transport, headers=all_headers,
                                  timeout=httpx.Timeout(policy.deadline),
                                  follow_redirects=follow_redirects,
                                  max_redirects=policy.max_redirects)
        self._backoff_until = 0.0
        self.requests_made = 0
        self.writes_made = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the one loop

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, headers: Mapping[str, str] | None = None,
                accept: tuple[int, ...] = (200,),
                check: Callable[[httpx.Response], str | None] | None = None) -> Reply:
        """Send one request under the policy; return the first answer whose status is in
        `accept` and that `check` (if given) finds nothing wrong with (it returns a problem,
        which is retried, or None). Raises HttpError or ConfigError."""
        policy = self.policy
        uncertain = False
        where = short_url(url)
        for attempt in range(policy.retries + 1):
            self._wait_for_backoff(where)
            response, problem, hint, maybe_applied = self._attempt(method, url, params, json,
                                                                   headers, where)
            uncertain = uncertain or maybe_applied
            status = response.status_code if response is not None else None
            if response is not None and status in accept:
                problem = check(response) if check is not None else None
                if problem is None:
                    return Reply(response, attempt + 1, uncertain)
            elif response is not None and not _retryable(response.status_code):
                raise HttpError(self._clean(f"{self.service} answered HTTP {status} "
                                            f"{response.reason_phrase}".rstrip()),
                                url=where, method=method, status=status, response=response,
                                attempts=attempt + 1, uncertain=uncertain)
            assert problem is not None
            if hint is not None and hint > policy.max_wait:
                raise HttpError(f"{self.service} asks us to wait {hint:.0f} s (Retry-After) "
                                f"after {problem}; try again later", url=where, method=method,
                                status=status, response=response, attempts=attempt + 1,
                                uncertain=uncertain, retryable=True)
            if attempt == policy.retries:
                tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                raise HttpError(f"{self.service} failed after {tries}: {problem}",
                                url=where, method=method, status=status, response=response,
                                attempts=attempt + 1, uncertain=uncertain, retryable=True)
            own = policy.backoff(attempt)
            backoff = self._backoff_left()
            wait = max(own, hint or 0.0, backoff)
            if wait >= policy.announce_after:
                if hint is not None and wait == hint:
                    self._say(f"{self.service} asked us to wait {wait:.0f} s (Retry-After); "
                              "waiting")
                elif wait == backoff:
                    self._say(f"{self.service} asked us to wait {wait:.0f} s (Backoff); "
                              "waiting")
                else:
                    self._say(f"{self.service}: {problem}; waiting {wait:.0f} s before "
                              f"retry {attempt + 1} of {policy.retries}")
            self._pause(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _attempt(self, method: str, url: str, params: Mapping[str, Any] | None, body: Any,
                 headers: Mapping[str, str] | None, where: str
                 ) -> tuple[httpx.Response | None, str | None, float | None, bool]:
        """One attempt: (answer or None, problem if retryable, Retry-After, maybe applied)."""
        policy = self.policy
        try:
            request = self._http.build_request(method, url, params=params, json=body,
                                               headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError):
            raise ConfigError(f"{where}: not a usable http(s) URL for {self.service}; "
                              "check the settings") from None
        pacer = _Pacer.for_host(request.url.netloc.decode("ascii", "replace")) \
            if policy.min_interval > 0 else None
        if pacer is not None:
            pacer.lock.acquire()
        try:
            if pacer is not None and pacer.last_end is not None:
                self._pause(pacer.last_end + policy.min_interval - time.monotonic(),
                            reset_backoff=False)
            self.requests_made += 1
            if method not in ("GET", "HEAD"):
                self.writes_made += 1
            return self._exchange(request, where)
        finally:
            if pacer is not None:
                pacer.last_end = time.monotonic()
                pacer.lock.release()

    def _exchange(self, request: httpx.Request, where: str
                  ) -> tuple[httpx.Response | None, str | None, float | None, bool]:
        policy = self.policy
        started = time.monotonic()
        host = request.url.host
        try:
            raw = self._http.send(request, stream=True)
        except httpx.TooManyRedirects:
            raise HttpError(f"{self.service} redirects in a loop (more than "
                            f"{policy.max_redirects} redirects)", url=where,
                            method=request.method) from None
        except httpx.UnsupportedProtocol:
            raise ConfigError(f"{where}: not a usable http(s) URL for {self.service}; "
                              "check the settings") from None
        except httpx.TimeoutException as exc:
            return None, f"no answer within {policy.deadline:g} s", None, \
                not isinstance(exc, httpx.ConnectTimeout)
        except httpx.TransportError as exc:
            if _is_name_failure(exc):
                # Not worth retrying: the name will not resolve in a few seconds either.
                raise HttpError(f"cannot reach {host} (no network?)", url=where,
                                method=request.method) from None
            # Not chained: the httpx error holds the request, whose headers may hold a key.
            return None, self._clean(f"connection failed ({type(exc).__name__}: {exc})"), \
                None, not isinstance(exc, httpx.ConnectError)
        try:
            content = self._read_body(raw, started)
        except _TooLarge:
            raise HttpError(f"{self.service} sent an answer larger than "
                            f"{policy.max_bytes // (1024 * 1024)} MB; refusing it", url=where,
                            method=request.method, status=raw.status_code) from None
        except _Overdue:
            return None, f"no complete answer within {policy.deadline:g} s", None, True
        except httpx.TimeoutException:
            return None, f"no complete answer within {policy.deadline:g} s", None, True
        except httpx.TransportError as exc:
            return None, self._clean(f"connection failed ({type(exc).__name__}: {exc})"), \
                None, True
        except (ValueError, zlib.error) as exc:
            return None, f"undecodable answer ({exc})", None, True
        finally:
            raw.close()
        kept = [(k, v) for k, v in raw.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length",
                                     "transfer-encoding")]
        response = httpx.Response(raw.status_code, headers=kept, content=content,
                                  request=raw.request,
                                  extensions={name: raw.extensions[name] for name in
                                              ("reason_phrase", "http_version")
                                              if name in raw.extensions})
        self._note_backoff(response)
        status = response.status_code
        if not _retryable(status):
            return response, None, None, False
        hint = retry_after_seconds(response.headers.get("Retry-After"))
        # 429 and 503 say the request was not served; other server errors may come after
        # part of the work was done.
        problem = f"HTTP {status} {response.reason_phrase}".rstrip()
        return response, problem, hint, status not in (429, 503)

    def _read_body(self, raw: httpx.Response, started: float) -> bytes:
        if raw.is_stream_consumed:
            # An answer made in memory (httpx.MockTransport): read, and decoded, already.
            if len(raw.content) > self.policy.max_bytes:
                raise _TooLarge
            return raw.content
        decoder = _Decoder(raw.headers.get("Content-Encoding", ""), self.policy.max_bytes)
        chunks = []
        for chunk in raw.iter_raw():
            chunks.append(decoder.feed(chunk))
            if time.monotonic() - started > self.policy.deadline:
                raise _Overdue
        return b"".join(chunks)

    # ------------------------------------------------------------------ waits

    def _note_backoff(self, response: httpx.Response) -> None:
        seconds = retry_after_seconds(response.headers.get("Backoff"))
        if seconds:
            self._backoff_until = max(self._backoff_until, time.monotonic() + seconds)

    def _backoff_left(self) -> float:
        return max(0.0, self._backoff_until - time.monotonic())

    def _wait_for_backoff(self, where: str) -> None:
        left = self._backoff_left()
        if left > self.policy.max_wait:
            raise HttpError(f"{self.service} asks us to wait {left:.0f} s (Backoff); "
                            "try again later", url=where, retryable=True)
        if left >= self.policy.announce_after:
            self._say(f"{self.service} asked us to wait {left:.0f} s (Backoff); waiting")
        self._pause(left)

    def _pause(self, seconds: float, *, reset_backoff: bool = True) -> None:
        if seconds > 0:
            self._sleep(seconds)
        if reset_backoff:
            # Every wait is at least the pending Backoff, so it has been honoured.
            self._backoff_until = 0.0

    def _say(self, message: str) -> None:
        if self._notify is not None:
            self._notify(message)

    def _clean(self, text: str) -> str:
        return redact(text, *self._secrets)


def _retryable(status: int) -> bool:
    return status in (408, 429) or status >= 500
