"""ArxivClient end to end, over real sockets, against the loopback arXiv API."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from bridge.arxiv import ArxivClient, MetadataCache
from bridge.cli import cli
from bridge.config import USER_AGENT, Settings
from bridge.errors import ArxivError
from bridge.model import Reference
from tests.paths import ATOM
from tests.servers.arxiv_server import ArxivServer, synthetic_paper

DELAY = 0.05


def _settings(server: ArxivServer, **changes: object) -> Settings:
    values: dict[str, object] = {"arxiv_url": server.url, "arxiv_delay": DELAY,
                                 "arxiv_timeout": 5.0, "arxiv_retries": 3}
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def _add_synthetic(server: ArxivServer, count: int, versions: int = 1) -> list[str]:
    for index in range(1, count + 1):
        server.add_papers(synthetic_paper(index, versions=versions))
    return [f"2401.{index:05d}" for index in range(1, count + 1)]


def _gaps(server: ArxivServer) -> list[float]:
    times = [r.monotonic for r in server.requests]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


@dataclass
class _Recorder:
    """A Progress that remembers what it was told."""

    events: list[tuple] = field(default_factory=list)

    def start(self, description: str, total: int | None) -> None:
        self.events.append(("start", description, total))

    def advance(self, steps: int = 1) -> None:
        self.events.append(("advance", steps))

    def finish(self) -> None:
        self.events.append(("finish",))


def test_250_ids_go_out_in_3_batches_spaced_by_the_delay(arxiv_server: ArxivServer) -> None:
    ids = _add_synthetic(arxiv_server, 250)
    progress = _Recorder()
    with ArxivClient(_settings(arxiv_server), progress=progress) as client:
        result = client.lookup(ids)
    assert list(result.found) == ids
    assert result.missing == []
    assert client.requests_made == 3
    sent = arxiv_server.requests
    assert [len(r.id_list) for r in sent] == [100, 100, 50]
    assert [r.params["max_results"] for r in sent] == ["100", "100", "50"]
    assert [r.params["start"] for r in sent] == ["0", "0", "0"]
    assert sent[0].id_list[:2] == ["2401.00001", "2401.00002"]
    assert all(gap >= DELAY for gap in _gaps(arxiv_server))
    assert progress.events == [("start", "arXiv lookup", 3), ("advance", 1), ("advance", 1),
                               ("advance", 1), ("finish",)]


def test_every_request_names_refbridge_in_its_user_agent(arxiv_server: ArxivServer) -> None:
    with ArxivClient(_settings(arxiv_server)) as client:
        client.lookup(["1111.2011"])
        client.search("au:del_maestro", max_results=2)
    assert re.fullmatch(r"refbridge/\d+\.\d+\.\d+ \(bibliography bridge; python-httpx\)",
                        USER_AGENT)
    assert [r.headers["user-agent"] for r in arxiv_server.requests] == [USER_AGENT] * 2


def test_reference_fields_from_a_classic_entry(arxiv_server: ArxivServer) -> None:
    with ArxivClient(_settings(arxiv_server)) as client:
        ref = client.lookup(["arXiv:1111.2011v2"]).found["1111.2011v2"]
    assert [a.display() for a in ref.authors] == [
        "James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert ref == Reference(
        arxiv_id="1111.2011",
        arxiv_version=2,
        title="Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large "
              "Connectivity Limit",
        authors=ref.authors,
        abstract=ref.abstract,
        date="2011-11-08",
        arxiv_published="2011-11-08",
        arxiv_updated="2012-04-02",
        primary_category="cond-mat.str-el",
        categories=["cond-mat.str-el", "cond-mat.stat-mech"],
        doi="10.1103/PhysRevB.85.115117",
        journal_ref="Phys. Rev. B 85, 115117 (2012)",
        comment="8 pages, 3 figures. Published version",
        url="https://arxiv.org/abs/1111.2011",
    )
    assert ref.abstract is not None
    assert ref.abstract.startswith("Theoretical description of anisotropic systems, such as "
                                   "layered superconductors and coupled spin chains, is")
    assert "\n" not in ref.abstract and "  " not in ref.abstract


def test_old_style_versioned_and_unversioned_ids(arxiv_server: ArxivServer) -> None:
    arxiv_server.add_papers(synthetic_paper(5, versions=3))
    asked = ["astro-ph/0601001", "quant-ph/0201082v1", "Cond-Mat/0412498", "2401.00005",
             "2401.00005v2", "2401.00005v9", "2104.12255v1"]
    with ArxivClient(_settings(arxiv_server)) as client:
        result = client.lookup(asked)
    assert {key: ref.versioned_id for key, ref in result.found.items()} == {
        "astro-ph/0601001": "astro-ph/0601001v1",
        "quant-ph/0201082v1": "quant-ph/0201082v1",
        "cond-mat/0412498": "cond-mat/0412498v1",
        "2401.00005": "2401.00005v3",
        "2401.00005v2": "2401.00005v2",
        "2104.12255v1": "2104.12255v1",
    }
    assert result.missing == ["2401.00005v9"]
    assert result.found["astro-ph/0601001"].url == "https://arxiv.org/abs/astro-ph/0601001"
    assert client.requests_made == 1


def test_missing_and_invalid_ids_are_reported_in_asked_order(arxiv_server: ArxivServer) -> None:
    with ArxivClient(_settings(arxiv_server)) as client:
        result = client.lookup(["2501.99999", "abc", "1707.08567", "0000.0000", "1111.2011",
                                "1111.2011"])
    assert list(result.found) == ["1707.08567", "1111.2011"]
    assert result.missing == ["2501.99999", "abc", "0000.0000"]
    # Ids that are not arXiv ids never leave the machine.
    assert [r.id_list for r in arxiv_server.requests] == [["2501.99999", "1707.08567",
                                                           "1111.2011"]]


def test_double_decoded_utf8_is_repaired(arxiv_server: ArxivServer) -> None:
    with ArxivClient(_settings(arxiv_server)) as client:
        ref = client.lookup(["1707.08567"]).found["1707.08567"]
    assert "Dirk Wübben" in [a.display() for a in ref.authors]


def test_a_refused_batch_is_bisected_to_the_bad_id(arxiv_server: ArxivServer) -> None:
    ids = _add_synthetic(arxiv_server, 8)
    arxiv_server.refuse_ids("2401.00006")
    with ArxivClient(_settings(arxiv_server)) as client:
        result = client.lookup(ids)
    assert result.missing == ["2401.00006"]
    assert list(result.found) == [i for i in ids if i != "2401.00006"]
    assert [[i[-1] for i in r.id_list] for r in arxiv_server.requests] == [
        list("12345678"), list("1234"), list("5678"), list("56"), ["5"], ["6"], list("78")]
    assert client.requests_made == 7


def test_classic_error_entries_with_http_200_are_bisected_too() -> None:
    with ArxivServer(error_status=200) as server:
        ids = _add_synthetic(server, 4)
        server.refuse_ids("2401.00001")
        with ArxivClient(_settings(server)) as client:
            result = client.lookup(ids)
    assert result.missing == ["2401.00001"]
    assert list(result.found) == ids[1:]
    assert client.requests_made == 5


@pytest.mark.parametrize("inject", [
    lambda s: s.fail(503),
    lambda s: s.fail(502),
    lambda s: s.fail(429),
    lambda s: s.empty_page(),
    lambda s: s.drop_connection(),
    lambda s: (s.fail(503), s.empty_page(), s.drop_connection()),
], ids=["503", "502", "429", "empty-page", "dropped", "three-in-a-row"])
def test_transient_failures_are_retried(arxiv_server: ArxivServer, inject) -> None:
    inject(arxiv_server)
    faults = arxiv_server.pending_faults
    with ArxivClient(_settings(arxiv_server)) as client:
        result = client.lookup(["1111.2011", "astro-ph/0601001"])
    assert list(result.found) == ["1111.2011", "astro-ph/0601001"]
    assert client.requests_made == faults + 1
    assert all(r.id_list == ["1111.2011", "astro-ph/0601001"] for r in arxiv_server.requests)
    assert all(gap >= DELAY for gap in _gaps(arxiv_server))


def test_retry_after_is_honoured(arxiv_server: ArxivServer) -> None:
    arxiv_server.fail(429, retry_after=1)
    with ArxivClient(_settings(arxiv_server)) as client:
        assert list(client.lookup(["1111.2011"]).found) == ["1111.2011"]
    assert client.requests_made == 2
    assert _gaps(arxiv_server)[0] >= 1.0


def test_a_retry_after_beyond_max_wait_fails_at_once(arxiv_server: ArxivServer) -> None:
    arxiv_server.fail(503, retry_after=86400)
    with ArxivClient(_settings(arxiv_server)) as client, pytest.raises(ArxivError) as caught:
        client.lookup(["1111.2011"])
    assert caught.value.status == 503
    assert str(caught.value) == ("arXiv API asks us to wait 86400 s (Retry-After) after HTTP 503 "
                                 f"Service Unavailable; try again later ({arxiv_server.url})")
    assert client.requests_made == 1


def test_exhausted_retries_raise_arxiv_error_with_url_and_status(
        arxiv_server: ArxivServer) -> None:
    arxiv_server.fail(503, times=4)
    with ArxivClient(_settings(arxiv_server, arxiv_retries=3)) as client, \
            pytest.raises(ArxivError) as caught:
        client.lookup(["1111.2011", "hep-th/9901001"])
    error = caught.value
    assert error.status == 503
    assert error.retry == 3
    assert error.url is not None
    # The error line names the endpoint, not the whole query (a batch is 100 ids long).
    assert error.url == arxiv_server.url
    assert str(error) == ("arXiv API failed after 4 attempts: HTTP 503 Service Unavailable "
                          f"({arxiv_server.url})")
    assert client.requests_made == 4


def test_other_statuses_are_not_retried(arxiv_server: ArxivServer) -> None:
    settings = _settings(arxiv_server, arxiv_url=arxiv_server.url.replace("query", "nothing"))
    with ArxivClient(settings) as client, pytest.raises(ArxivError) as caught:
        client.lookup(["1111.2011"])
    assert caught.value.status == 404
    assert client.requests_made == 1


def test_a_slow_answer_times_out_and_is_retried(arxiv_server: ArxivServer) -> None:
    arxiv_server.slow(3.0)
    with ArxivClient(_settings(arxiv_server, arxiv_timeout=0.3)) as client:
        assert list(client.lookup(["1111.2011"]).found) == ["1111.2011"]
    assert client.requests_made == 2


def test_a_timeout_without_retries_left_is_an_arxiv_error(arxiv_server: ArxivServer) -> None:
    arxiv_server.slow(3.0)
    settings = _settings(arxiv_server, arxiv_timeout=0.3, arxiv_retries=0)
    with ArxivClient(settings) as client, pytest.raises(ArxivError) as caught:
        client.lookup(["1111.2011"])
    assert caught.value.status is None
    assert str(caught.value).startswith("arXiv API failed after 1 attempt: no answer within 0.3 s")


def test_search_returns_references_and_is_cached(arxiv_server: ArxivServer) -> None:
    cache = MetadataCache(":memory:")
    with ArxivClient(_settings(arxiv_server), cache=cache) as client:
        first = client.search("au:del_maestro AND ti:lattice", max_results=5)
        again = client.search("au:del_maestro AND ti:lattice", max_results=5)
    assert [r.versioned_id for r in first] == [
        "1111.2011v2", "cond-mat/0412498v1", "cond-mat/0603029v1", "cond-mat/0607501v2"]
    assert again == first
    assert client.requests_made == 1
    [request] = arxiv_server.requests
    assert request.params["search_query"] == "au:del_maestro AND ti:lattice"
    assert (request.params["max_results"], request.params["id_list"]) == ("5", "")
    # The papers of a search answer serve later unversioned lookups too.
    with ArxivClient(_settings(arxiv_server), cache=cache) as second:
        assert list(second.lookup(["1111.2011"]).found) == ["1111.2011"]
    assert second.requests_made == 0


def test_a_refused_search_is_an_arxiv_error(arxiv_server: ArxivServer) -> None:
    with ArxivClient(_settings(arxiv_server)) as client, pytest.raises(ArxivError) as caught:
        client.search("ti:(unclosed", max_results=3)
    assert caught.value.status == 400
    assert client.requests_made == 1


def test_a_second_run_with_the_cache_makes_no_request(arxiv_server: ArxivServer) -> None:
    ids = [*_add_synthetic(arxiv_server, 120), "2401.00007v1", "2501.99999", "abc"]
    cache = MetadataCache(":memory:")
    with ArxivClient(_settings(arxiv_server), cache=cache) as first:
        cold = first.lookup(ids)
    with ArxivClient(_settings(arxiv_server), cache=cache) as second:
        warm = second.lookup(ids)
    assert first.requests_made == 2
    assert second.requests_made == 0
    assert warm == cold
    assert cold.missing == ["2501.99999", "abc"]


def test_offline_sends_nothing_and_answers_from_the_cache(arxiv_server: ArxivServer) -> None:
    cache = MetadataCache(":memory:")
    with ArxivClient(_settings(arxiv_server), cache=cache) as client:
        client.lookup(["1111.2011v2"])
    with ArxivClient(_settings(arxiv_server), cache=cache, offline=True) as offline:
        result = offline.lookup(["1111.2011v2", "1111.2011", "astro-ph/0601001"])
        assert offline.search("au:del_maestro") == []
    assert list(result.found) == ["1111.2011v2"]
    assert result.missing == ["1111.2011", "astro-ph/0601001"]
    assert offline.requests_made == 0
    with ArxivClient(_settings(arxiv_server), offline=True) as no_cache:
        assert no_cache.lookup(["1111.2011"]).missing == ["1111.2011"]
    assert len(arxiv_server.requests) == 1


def test_refresh_ignores_the_cache_but_stores_the_new_answer(arxiv_server: ArxivServer) -> None:
    cache = MetadataCache(":memory:")
    arxiv_server.add_paper({"id": "2401.00001v1", "title": "Old title"})
    with ArxivClient(_settings(arxiv_server), cache=cache) as client:
        assert client.lookup(["2401.00001v1"]).found["2401.00001v1"].title == "Old title"
    arxiv_server.add_paper({"id": "2401.00001v1", "title": "Corrected title"})
    with ArxivClient(_settings(arxiv_server), cache=cache, refresh=True) as refreshing:
        assert refreshing.lookup(["2401.00001v1"]).found["2401.00001v1"].title == (
            "Corrected title")
    with ArxivClient(_settings(arxiv_server), cache=cache) as later:
        assert later.lookup(["2401.00001v1"]).found["2401.00001v1"].title == "Corrected title"
    assert (refreshing.requests_made, later.requests_made) == (1, 0)


def test_without_a_cache_every_run_asks_again(arxiv_server: ArxivServer) -> None:
    for _ in range(2):
        with ArxivClient(_settings(arxiv_server)) as client:
            client.lookup(["1111.2011"])
    assert len(arxiv_server.requests) == 2


def test_the_delay_holds_across_clients_of_one_process(arxiv_server: ArxivServer) -> None:
    for _ in range(3):
        with ArxivClient(_settings(arxiv_server, arxiv_delay=0.2)) as client:
            client.lookup(["1111.2011"])
    assert all(gap >= 0.2 for gap in _gaps(arxiv_server))


# ------------------------------------------------ hostile answers, through the command line

_BARE_FEED = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query</title></feed>\n')
_SKIPPED_ENTRY = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                  '<feed xmlns="http://www.w3.org/2005/Atom" '
                  'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
                  '<opensearch:totalResults>1</opensearch:totalResults>'
                  '<opensearch:startIndex>0</opensearch:startIndex>'
                  '<opensearch:itemsPerPage>1</opensearch:itemsPerPage>'
                  '<entry><id>http://arxiv.org/abs/1111.2011v2</id><title>T</title></entry>'
                  '</feed>\n')


def _error_line(stderr: str) -> str:
    """stderr, less the one empty line the progress bar leaves when it was up (a run of
    over a second) and stderr is not a terminal."""
    return stderr[1:] if stderr.startswith("\n") else stderr


def _import(tmp_path: Path, *ids: str):
    return CliRunner().invoke(cli, ["import", "-", "-o", str(tmp_path / "out.bib")],
                              input="\n".join(ids) + "\n")


@pytest.fixture
def arxiv_env(arxiv_server: ArxivServer, monkeypatch: pytest.MonkeyPatch) -> ArxivServer:
    monkeypatch.setenv("REFBRIDGE_ARXIV_URL", arxiv_server.url)
    monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0.01")
    return arxiv_server


@pytest.mark.parametrize(("fault", "problem"), [
    ("html", "an answer that is not an arXiv Atom feed (an error page?)"),
    ("bare feed", "an answer that is not an arXiv Atom feed (an error page?)"),
])
def test_a_broken_200_answer_is_retried_then_exit_3_and_never_cached(
        arxiv_env: ArxivServer, isolated_env: Path, tmp_path: Path, fault: str,
        problem: str) -> None:
    if fault == "html":
        arxiv_env.html_page(times=6)
    else:
        arxiv_env.reply(200, _BARE_FEED, content_type="application/atom+xml", times=6)
    result = _import(tmp_path, "arXiv:1111.2011")
    assert (result.exit_code, result.stderr) == (3, (
        f"refbridge: error: arXiv API failed after 6 attempts: {problem} ({arxiv_env.url}). "
        "Nothing was lost: try again later, or use --offline.\n"))
    with MetadataCache(isolated_env) as cache:
        assert not cache.is_not_found("1111.2011")
    # The next run asks again, and a healthy server's answer is taken.
    arxiv_env.clear()
    result = _import(tmp_path, "arXiv:1111.2011")
    assert result.exit_code == 0, result.stderr
    assert len(arxiv_env.requests) == 1
    assert "eprint = {1111.2011}" in (tmp_path / "out.bib").read_text()


def test_a_well_formed_feed_without_the_id_proves_it_unknown(
        arxiv_env: ArxivServer, isolated_env: Path, tmp_path: Path) -> None:
    result = _import(tmp_path, "arXiv:2501.99999")
    assert result.exit_code == 1
    with MetadataCache(isolated_env) as cache:
        assert cache.is_not_found("2501.99999")


def test_entries_arxiv_skips_do_not_reach_the_users_terminal(
        arxiv_env: ArxivServer, tmp_path: Path) -> None:
    arxiv_env.reply(200, _SKIPPED_ENTRY, content_type="application/atom+xml")
    result = _import(tmp_path, "arXiv:1111.2011")
    assert result.exit_code == 0
    assert "Skipping" not in result.stderr


def test_a_long_retry_after_is_said_on_stderr(arxiv_env: ArxivServer, tmp_path: Path) -> None:
    arxiv_env.fail(503, retry_after=5)  # the shortest wait that is announced
    result = _import(tmp_path, "arXiv:1111.2011")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == \
        "refbridge: arXiv API asked us to wait 5 s (Retry-After); waiting"


def test_a_trickling_server_meets_the_total_deadline(arxiv_env: ArxivServer, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFBRIDGE_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text("[arxiv]\ntimeout = 1\nretries = 0\n")
    arxiv_env.trickle(0.2, size=5000)
    result = _import(tmp_path, "arXiv:1111.2011")
    assert (result.exit_code, _error_line(result.stderr)) == (3, (
        "refbridge: error: arXiv API failed after 1 attempt: no complete answer within 1 s "
        f"({arxiv_env.url}). Nothing was lost: try again later, or use --offline.\n"))


def test_a_gzip_bomb_is_one_line(arxiv_env: ArxivServer, tmp_path: Path) -> None:
    arxiv_env.gzip_bomb(1024 * 1024 * 1024)
    result = _import(tmp_path, "arXiv:1111.2011")
    assert (result.exit_code, _error_line(result.stderr)) == (3, (
        "refbridge: error: arXiv API sent an answer larger than 32 MB; refusing it "
        f"({arxiv_env.url}). Nothing was lost: try again later, or use --offline.\n"))


def test_a_redirect_loop_is_one_line(arxiv_env: ArxivServer, tmp_path: Path) -> None:
    arxiv_env.redirect_loop(times=50)
    result = _import(tmp_path, "arXiv:1111.2011")
    assert (result.exit_code, result.stderr) == (3, (
        "refbridge: error: arXiv API redirects in a loop (more than 5 redirects) "
        f"({arxiv_env.url}). Nothing was lost: try again later, or use --offline.\n"))


def test_a_name_that_does_not_resolve_is_one_short_line_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFBRIDGE_ARXIV_URL", "https://export.arxiv.invalid/api/query")
    result = _import(tmp_path, "arXiv:1111.2011", "arXiv:2310.13798")
    assert (result.exit_code, result.stderr) == (3, (
        "refbridge: error: cannot reach export.arxiv.invalid (no network?) "
        "(https://export.arxiv.invalid/api/query). Nothing was lost: try again later, "
        "or use --offline.\n"))


def test_transport_and_sleep_drive_the_client_without_sockets() -> None:
    recording = ATOM / "recorded" / "id_1707.08567_s0_m100_6a1afebfc6a3.json"
    feed = json.loads(recording.read_text())["body"]
    answers = iter([httpx.Response(503, headers={"Retry-After": "42"}),
                    httpx.Response(200, text=feed)])
    sleeps: list[float] = []
    notes: list[str] = []
    settings = Settings(arxiv_url="https://export.arxiv.org/api/query", arxiv_delay=0)
    with ArxivClient(settings, transport=httpx.MockTransport(lambda request: next(answers)),
                     sleep=sleeps.append, notify=notes.append) as client:
        assert list(client.lookup(["1707.08567"]).found) == ["1707.08567"]
    assert (client.requests_made, sleeps) == (2, [42.0])
    assert notes == ["arXiv API asked us to wait 42 s (Retry-After); waiting"]
