"""The Crossref, Semantic Scholar and DBLP clients over real sockets, against the loopback
servers: batching, caching, faults, rate-limit headers, and where the S2 key may go."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bridge._http import HttpError
from bridge.config import Settings
from bridge.errors import ConfigError
from bridge.published._polite import MAX_WAIT, PoliteClient
from bridge.published.cache import MISS, PublishedCache
from bridge.published.services import S2_FIELDS, Services
from tests import published_papers
from tests.servers.crossref_server import CrossrefServer
from tests.servers.dblp_server import DblpServer
from tests.servers.s2_server import S2Server, paper

KEY = "s2-secret-Zq8pLk3VtR9wXy"


@pytest.fixture
def servers() -> Iterator[tuple[CrossrefServer, S2Server, DblpServer]]:
    with CrossrefServer() as crossref, S2Server(api_key=KEY) as s2, DblpServer() as dblp:
        published_papers.load(crossref, s2, dblp)
        yield crossref, s2, dblp


def _settings(servers: tuple[CrossrefServer, S2Server, DblpServer], **changes: object
              ) -> Settings:
    crossref, s2, dblp = servers
    values: dict[str, object] = dict(
        crossref_url=crossref.base_url, s2_url=s2.base_url, dblp_url=dblp.base_url,
        crossref_delay=0.0, s2_delay=0.0, dblp_delay=0.0)
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


class Waits:
    """A `sleep` that records what it was asked to wait instead of waiting."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


def test_s2_batches_of_500_with_null_slots(servers, tmp_path: Path):
    _, s2, _ = servers
    for n in range(1001):
        s2.add_paper(paper(f"2401.{n:05d}", f"Paper {n}", ["A. Author"], year=2024))
    ids = [f"2401.{n:05d}" for n in range(1001)] + ["2401.99999"]
    with PublishedCache(tmp_path / "c.sqlite3") as cache, \
            Services(_settings(servers), cache=cache) as services:
        found = services.s2(ids)
    posts = [r for r in s2.requests if r.method == "POST"]
    assert [len(r.body.split(b'"ARXIV:')) - 1 for r in posts] == [500, 500, 2]
    assert all(r.path == "/graph/v1/paper/batch" and r.params == {"fields": S2_FIELDS}
               for r in posts)
    assert found["2401.99999"] is None          # the null slot
    assert found["2401.00007"] is not None and found["2401.00007"].year == 2024


def test_a_second_run_makes_no_request(servers, tmp_path: Path):
    crossref, s2, dblp = servers
    path = tmp_path / "cache.sqlite3"
    for _ in range(2):
        with PublishedCache(path) as cache, \
                Services(_settings(servers), cache=cache) as services:
            records = services.s2(["1610.01959", "2310.13548", "2302.07459", "0000.00000"])
            assert records["1610.01959"] and records["1610.01959"].doi == (
                "10.1109/TSP.2017.2708023")
            assert services.crossref("10.1109/TSP.2017.2708023") is not None
            assert services.crossref("10.9999/unknown") is None          # 404, cached too
            assert services.dblp("conf/iclr/SharmaTKDABCDH24") is not None
            assert services.dblp("conf/nowhere/X99") is None
    assert (len(crossref.requests), len(s2.requests), len(dblp.requests)) == (2, 1, 2)


def test_offline_asks_nothing(servers, tmp_path: Path):
    crossref, s2, dblp = servers
    with Services(_settings(servers), offline=True) as services:
        assert services.s2(["1610.01959"]) == {"1610.01959": None}
        assert services.crossref("10.1109/TSP.2017.2708023") is None
        assert services.dblp("conf/iclr/SharmaTKDABCDH24") is None
    assert crossref.requests == s2.requests == dblp.requests == []


@pytest.mark.parametrize("service", ["crossref", "s2", "dblp"])
def test_429_with_retry_after_503_and_dropped_connections_are_retried(servers, service: str):
    crossref, s2, dblp = servers
    server = {"crossref": crossref, "s2": s2, "dblp": dblp}[service]
    server.fail(429, retry_after=7)
    server.fail(503)
    server.drop_connection()
    waits = Waits()
    with Services(_settings(servers), sleep=waits) as services:
        if service == "crossref":
            assert services.crossref("10.1109/TSP.2017.2708023") is not None
        elif service == "s2":
            assert services.s2(["1610.01959"])["1610.01959"] is not None
        else:
            assert services.dblp("conf/iclr/SharmaTKDABCDH24") is not None
    assert [r.fault for r in server.requests] == ["status", "status", "drop", None]
    # Retry-After is honoured; with a delay of 0 there is no wait of our own (the backoff
    # itself is bridge._http's, tested there).
    assert waits.asked == [7.0]


def test_a_service_that_keeps_failing_is_a_service_error(servers):
    crossref, _, _ = servers
    crossref.fail(503, times=10)
    with Services(_settings(servers), sleep=Waits()) as services, \
            pytest.raises(HttpError) as caught:
        services.crossref("10.1109/TSP.2017.2708023")
    assert str(caught.value) == "Crossref failed after 6 attempts: HTTP 503 Service Unavailable"
    assert caught.value.url == f"{crossref.base_url}/works/10.1109/TSP.2017.2708023"
    assert len(crossref.requests) == 6                     # 1 + 5 retries


def test_a_retry_after_too_long_to_wait_gives_up_at_once(servers):
    _, _, dblp = servers
    dblp.fail(429, retry_after=int(MAX_WAIT) + 1)
    waits = Waits()
    with Services(_settings(servers), sleep=waits) as services, \
            pytest.raises(HttpError, match="DBLP asks us to wait 301 s"):
        services.dblp("conf/iclr/SharmaTKDABCDH24")
    assert waits.asked == [] and len(dblp.requests) == 1


def test_crossref_pace_follows_its_rate_limit_headers():
    with CrossrefServer(rate_limit=(5, "1s")) as crossref:
        published_papers.load(crossref)
        waits = Waits()
        with PoliteClient("Crossref", crossref.base_url, delay=0.01, follow_rate_headers=True,
                          sleep=waits) as client:
            assert client.min_interval == 0.01
            client.request("GET", "/works/10.1109/TSP.2017.2708023")
            # 5 requests per second: 0.2 s apart from now on.
            assert client.min_interval == 0.2
            client.request("GET", "/works/10.1109/TSP.2017.2708023")
    (wait,) = waits.asked
    assert 0.1 < wait <= 0.2


def test_user_agent_carries_the_contact_for_crossref_only(servers):
    crossref, s2, dblp = servers
    with Services(_settings(servers, crossref_contact="me@example.org")) as services:
        services.crossref("10.1109/TSP.2017.2708023")
        services.s2(["1610.01959"])
        services.dblp("conf/iclr/SharmaTKDABCDH24")
    assert crossref.requests[0].headers["user-agent"].endswith("; mailto:me@example.org)")
    assert "mailto" not in s2.requests[0].headers["user-agent"]
    assert "mailto" not in dblp.requests[0].headers["user-agent"]


def test_the_s2_key_goes_in_its_header_and_nowhere_else(servers, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture):
    _, s2, _ = servers
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "cache.sqlite3"
    settings = _settings(servers, s2_api_key=KEY)
    with PublishedCache(path) as cache, Services(settings, cache=cache) as services:
        services.s2(["1610.01959", "2310.13548"])
    request = s2.requests[0]
    assert request.headers["x-api-key"] == KEY
    assert KEY not in request.raw_target and KEY not in request.body.decode()
    assert KEY not in caplog.text
    assert KEY not in repr(settings)
    for file in tmp_path.iterdir():
        assert KEY.encode() not in file.read_bytes()
    # A key the service refuses is a usage error, and its message names no key.
    with Services(_settings(servers, s2_api_key="wrong-key-123456"), sleep=Waits()) as services, \
            pytest.raises(ConfigError) as caught:
        services.s2(["1107.4612"])
    assert "wrong-key" not in str(caught.value)
    assert str(caught.value).startswith("Semantic Scholar refused the request (HTTP 403)")


def test_the_s2_server_holds_to_the_documented_batch_limit(servers):
    # The loopback server refuses what the real endpoint refuses, so a client that sent
    # 501 ids would fail here as it would there.
    _, s2, _ = servers
    answer = httpx.post(f"{s2.base_url}/graph/v1/paper/batch", params={"fields": "title"},
                        json={"ids": [f"ARXIV:2401.{n:05d}" for n in range(501)]})
    assert answer.status_code == 400
    assert answer.json() == {"error": "Too many ids: 501; the limit is 500"}
    fields = httpx.post(f"{s2.base_url}/graph/v1/paper/batch", params={"fields": "colour"},
                        json={"ids": ["ARXIV:1610.01959"]})
    assert fields.status_code == 400


def test_the_dblp_server_speaks_its_xml_too(servers):
    # DBLP's record XML: the short venue in <booktitle>, CoRR marked publtype="informal".
    _, _, dblp = servers
    corr = httpx.get(f"{dblp.base_url}/rec/journals/corr/abs-2107-03374.xml")
    assert corr.status_code == 200
    assert '<article key="journals/corr/abs-2107-03374" mdate="2023-08-10" ' \
        'publtype="informal">' in corr.text
    iclr = httpx.get(f"{dblp.base_url}/rec/conf/iclr/SharmaTKDABCDH24.xml")
    assert "<booktitle>ICLR</booktitle>" in iclr.text
    assert "<title>Towards Understanding Sycophancy in Language Models.</title>" in iclr.text
    assert httpx.get(f"{dblp.base_url}/rec/conf/nowhere/X.xml").status_code == 404


def test_cache_expiry_and_a_broken_cache_file(tmp_path: Path):
    now = [1000.0]
    with PublishedCache(tmp_path / "c.sqlite3", clock=lambda: now[0]) as cache:
        cache.put("s2", [("2401.00001", '{"year": 2024}'), ("2401.00002", None)], ttl=60.0)
        cache.put("crossref", [("10.1/x", "{}")], ttl=None)
        assert cache.get("s2", "2401.00001") == '{"year": 2024}'
        assert cache.get("s2", "2401.00002") is None          # "not known", believed a while
        now[0] += 61
        assert cache.get("s2", "2401.00001") is MISS           # S2 answers expire
        assert cache.get("s2", "2401.00002") is None           # not-known lasts 7 days
        now[0] += 7 * 24 * 3600
        assert cache.get("s2", "2401.00002") is MISS
        assert cache.get("crossref", "10.1/x") == "{}"         # Crossref records do not
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match=r"broken\.sqlite3: cannot use as the cache"):
        PublishedCache(broken)
