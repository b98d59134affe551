"""The one HTTP policy (`bridge._http`) against a loopback server that misbehaves on cue:
retries and their waits, Retry-After and Backoff, the total deadline, the size cap, redirect
loops, names that do not resolve, and what the user is told."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from bridge._http import HttpClient, HttpError, RetryPolicy, short_url
from bridge.errors import ConfigError, ServiceError
from tests.servers._loopback import LoopbackServer
from tests.servers.faults import FaultInjection, send_fault

EXACT = RetryPolicy(retries=3, base_delay=1.0, jitter=False)


class PlainServer(FaultInjection, LoopbackServer):
    """Answers every GET and POST with 200 and a small JSON body, unless a fault is queued."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.paths.append(self.path)
                fault = owner.take_fault(self.command, self.path)
                if fault is not None and send_fault(self, fault):
                    return
                body = json.dumps({"ok": True, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (fault.extra_headers() if fault else {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

        return Handler


@pytest.fixture
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


class Recorder:
    """Stands in for `time.sleep` and for the user's terminal: records, never waits."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.notes: list[str] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def note(self, message: str) -> None:
        self.notes.append(message)


def _client(policy: RetryPolicy = EXACT, recorder: Recorder | None = None,
            **kwargs: Any) -> HttpClient:
    recorder = recorder or Recorder()
    return HttpClient("Test", policy=policy, sleep=recorder.sleep, notify=recorder.note,
                      **kwargs)


def test_a_plain_answer(server: PlainServer) -> None:
    with _client() as http:
        reply = http.request("GET", f"{server.base_url}/a", params={"q": "x"})
    assert reply.response.json() == {"ok": True, "path": "/a?q=x"}
    assert (reply.attempts, reply.uncertain, http.requests_made, http.writes_made) == \
        (1, False, 1, 0)


def test_server_errors_are_retried_with_doubling_waits(server: PlainServer) -> None:
    server.fail(500, times=2)
    recorder = Recorder()
    with _client(recorder=recorder) as http:
        reply = http.request("POST", f"{server.base_url}/w", json={})
    assert reply.attempts == 3 and reply.uncertain  # a 500 may come after the work was done
    assert recorder.sleeps == [1.0, 2.0]
    assert http.writes_made == 3


def test_jitter_keeps_each_wait_between_half_and_all_of_it(server: PlainServer) -> None:
    server.fail(503, times=3)
    recorder = Recorder()
    with _client(RetryPolicy(retries=3, base_delay=1.0), recorder) as http:
        http.request("GET", server.base_url)
    assert len(recorder.sleeps) == 3
    assert all(f / 2 <= s <= f for s, f in zip(recorder.sleeps, [1.0, 2.0, 4.0], strict=True))


def test_retry_after_is_waited_and_said(server: PlainServer) -> None:
    server.fail(429, retry_after=299)
    recorder = Recorder()
    with _client(recorder=recorder) as http:
        http.request("GET", server.base_url)
    assert recorder.sleeps == [299.0]
    assert recorder.notes == ["Test asked us to wait 299 s (Retry-After); waiting"]


def test_retry_after_as_an_http_date(server: PlainServer) -> None:
    when = httpx.Headers({"Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                time.gmtime(time.time() + 120))})["Date"]
    server.fail(503, retry_after=when)
    recorder = Recorder()
    with _client(recorder=recorder) as http:
        http.request("GET", server.base_url)
    assert len(recorder.sleeps) == 1 and 110 < recorder.sleeps[0] <= 120


def test_short_waits_are_not_announced(server: PlainServer) -> None:
    server.fail(503, retry_after=2)
    recorder = Recorder()
    with _client(recorder=recorder) as http:
        http.request("GET", server.base_url)
    assert recorder.sleeps == [2.0] and recorder.notes == []


def test_a_long_own_backoff_is_announced_with_its_reason(server: PlainServer) -> None:
    server.fail(502)
    recorder = Recorder()
    with _client(RetryPolicy(base_delay=8.0, jitter=False), recorder) as http:
        http.request("GET", server.base_url)
    assert recorder.notes == ["Test: HTTP 502 Bad Gateway; waiting 8 s before retry 1 of 5"]


def test_a_retry_after_beyond_max_wait_fails_at_once(server: PlainServer) -> None:
    server.fail(503, retry_after=86400)
    recorder = Recorder()
    with _client(recorder=recorder) as http, pytest.raises(HttpError) as caught:
        http.request("GET", f"{server.base_url}/x?secret=query")
    assert str(caught.value) == ("Test asks us to wait 86400 s (Retry-After) after HTTP 503 "
                                 "Service Unavailable; try again later")
    assert caught.value.url == f"{server.base_url}/x"  # never the query
    assert http.requests_made == 1 and recorder.sleeps == []


def test_backoff_delays_the_next_request(server: PlainServer) -> None:
    server.backoff(30)
    recorder = Recorder()
    with _client(recorder=recorder) as http:
        http.request("GET", server.base_url)
        assert recorder.sleeps == []
        http.request("GET", server.base_url)
        http.request("GET", server.base_url)
    assert len(recorder.sleeps) == 1 and 29 < recorder.sleeps[0] <= 30
    assert recorder.notes == ["Test asked us to wait 30 s (Backoff); waiting"]


def test_retries_run_out(server: PlainServer) -> None:
    server.fail(503, times=4)
    with _client() as http, pytest.raises(HttpError) as caught:
        http.request("GET", server.base_url)
    error = caught.value
    assert str(error) == "Test failed after 4 attempts: HTTP 503 Service Unavailable"
    assert (error.status, error.attempts, error.retryable) == (503, 4, True)
    assert isinstance(error, ServiceError)  # the CLI's exit 3, even if a caller forgot it


def test_other_statuses_are_the_callers_to_explain(server: PlainServer) -> None:
    server.fail(404)
    with _client() as http, pytest.raises(HttpError) as caught:
        http.request("GET", server.base_url)
    assert caught.value.status == 404 and caught.value.response is not None
    assert caught.value.response.text == "Injected error 404"
    assert http.requests_made == 1


def test_accepted_statuses_return(server: PlainServer) -> None:
    server.fail(412)
    with _client() as http:
        assert http.request("GET", server.base_url, accept=(200, 412)).response.status_code \
            == 412


def test_a_broken_answer_the_check_refuses_is_retried(server: PlainServer) -> None:
    server.html_page()

    def check(response: httpx.Response) -> str | None:
        return None if response.headers["content-type"] == "application/json" else "HTML page"

    with _client() as http:
        reply = http.request("GET", server.base_url, check=check)
    assert reply.attempts == 2 and reply.response.json()["ok"] is True


def test_a_trickling_server_is_cut_off_at_the_total_deadline(server: PlainServer) -> None:
    # One byte every 0.2 s for 1000 bytes would hold a per-read timeout for 200 s.
    server.trickle(0.2, size=1000)
    policy = RetryPolicy(retries=0, deadline=1.0)
    started = time.monotonic()
    with _client(policy) as http, pytest.raises(HttpError) as caught:
        http.request("GET", server.base_url)
    elapsed = time.monotonic() - started
    assert str(caught.value) == "Test failed after 1 attempt: no complete answer within 1 s"
    assert caught.value.uncertain
    assert elapsed < 10  # a bound far below the 200 s the trickle would take, not a speed test


def test_a_gzip_bomb_is_refused_without_inflating_it(server: PlainServer) -> None:
    server.gzip_bomb(1024 * 1024 * 1024)  # 1 GB of zeros, ~1 MB on the wire
    policy = RetryPolicy(retries=0, max_bytes=16 * 1024 * 1024)
    tracemalloc.start()
    try:
        with _client(policy) as http, pytest.raises(HttpError) as caught:
            http.request("GET", server.base_url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(caught.value) == "Test sent an answer larger than 16 MB; refusing it"
    assert not caught.value.retryable and http.requests_made == 1
    assert peak < 100 * 1024 * 1024


def test_gzip_answers_under_the_cap_are_decoded(server: PlainServer) -> None:
    server.gzip_bomb(1000)
    with _client() as http:
        assert http.request("GET", server.base_url).response.content == bytes(1000)


def test_a_redirect_loop_is_one_error(server: PlainServer) -> None:
    server.redirect_loop(times=100)
    with _client() as http, pytest.raises(HttpError) as caught:
        http.request("GET", f"{server.base_url}/loop")
    assert str(caught.value) == "Test redirects in a loop (more than 5 redirects)"
    assert len(server.paths) == 6  # the request and five redirects, no retry


def test_a_name_that_does_not_resolve_fails_at_once_without_retries() -> None:
    recorder = Recorder()
    with _client(recorder=recorder) as http, pytest.raises(HttpError) as caught:
        http.request("GET", "http://export.arxiv.invalid/api/query",
                     params={"id_list": "2310.13798"})
    assert str(caught.value) == "cannot reach export.arxiv.invalid (no network?)"
    assert http.requests_made == 1 and recorder.sleeps == []


def test_a_dropped_connection_is_retried_and_may_have_been_applied(server: PlainServer) -> None:
    server.drop_connection()
    with _client() as http:
        reply = http.request("POST", server.base_url, json={"a": 1})
    assert reply.attempts == 2 and reply.uncertain


def test_a_refused_connection_was_not_applied() -> None:
    with _client(RetryPolicy(retries=1, jitter=False)) as http, \
            pytest.raises(HttpError) as caught:
        http.request("POST", "http://127.0.0.1:9/items", json={})
    assert not caught.value.uncertain
    assert str(caught.value).startswith("Test failed after 2 attempts: connection failed "
                                        "(ConnectError: ")


@pytest.mark.parametrize("url", ["ftp://example.org/x", "not a url", "http://"])
def test_an_unusable_url_is_a_config_error(url: str) -> None:
    with _client() as http, pytest.raises(ConfigError, match="not a usable http"):
        http.request("GET", url)
    assert http.requests_made <= 1


def test_secrets_never_reach_a_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError(f"peer saw key {request.headers['Zotero-API-Key']}",
                              request=request)

    secret = "P9NiFoyLeZu2bZNvvuQPDWsd"
    with _client(RetryPolicy(retries=0), transport=httpx.MockTransport(handler),
                 headers={"Zotero-API-Key": secret}, secrets=(secret,)) as http, \
            pytest.raises(HttpError) as caught:
        http.request("GET", "https://api.example.org/keys/current")
    assert secret not in str(caught.value)
    # Nothing chained either: the httpx error holds the request, and so its headers.
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_pacing_spaces_requests_to_one_host(server: PlainServer) -> None:
    recorder = Recorder()
    policy = RetryPolicy(min_interval=50.0)
    with _client(policy, recorder) as first, _client(policy, recorder) as second:
        first.request("GET", server.base_url)
        second.request("GET", server.base_url)  # another client, same host: same clock
    assert len(recorder.sleeps) == 1 and 45 < recorder.sleeps[0] <= 50


def test_short_url_drops_the_query() -> None:
    assert short_url("http://h:1/p/q?key=abc#x") == "http://h:1/p/q"
