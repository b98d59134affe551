"""The loopback arXiv API answers like the recordings it was built from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from arxiv import _feed as arxiv_feed

from tests.paths import ATOM
from tests.servers.arxiv_server import (
    ArxivServer,
    synthetic_paper,
)

_RECORDINGS = sorted(ATOM.glob("*.json")) + sorted(ATOM.glob("recorded/id_*.json"))
_ID_LOOKUPS = [p for p in _RECORDINGS if "id_" in p.name]


def _params(url: str) -> dict[str, str]:
    return dict(httpx.URL(url).params.multi_items())


def _entries(body: bytes) -> list[tuple]:
    """Everything a client reads from each entry, via the `arxiv` package's own parser."""
    feed = arxiv_feed.parse(body)
    return [
        (r.entry_id, r.title, r.summary, [(a.name, a.affiliation) for a in r.authors],
         r.published, r.updated, r.primary_category, r.categories, r.doi, r.journal_ref,
         r.comment, [(link.href, link.rel, link.title) for link in r.links])
        for r in feed.results
    ]


# One HTTP client for the module: building one loads the CA bundle, which costs ~0.1 s.
_HTTP = httpx.Client(timeout=5)


def _get(server: ArxivServer, **params: str) -> httpx.Response:
    return _HTTP.get(server.url, params=params)


@pytest.mark.parametrize("recording", _ID_LOOKUPS, ids=lambda p: p.name)
def test_id_lookups_answer_as_recorded(arxiv_server: ArxivServer, recording: Path) -> None:
    recorded = json.loads(recording.read_text(encoding="utf-8"))
    response = _get(arxiv_server, **_params(recorded["url"]))
    assert response.status_code == recorded["status_code"]
    ours, theirs = response.content, recorded["body"].encode("utf-8")
    assert arxiv_feed.parse(ours).header == arxiv_feed.parse(theirs).header
    assert _entries(ours) == _entries(theirs)


def test_malformed_id_gets_the_recorded_error_feed_byte_for_byte(
        arxiv_server: ArxivServer) -> None:
    recorded = json.loads((ATOM / "arxivpy_2026_id_abc_s0_m100_b79c8dcf6bc3.json").read_text())
    response = _get(arxiv_server, **_params(recorded["url"]))
    assert response.status_code == 400
    timestamps = re.compile(r"<updated>[^<]+</updated>")
    assert timestamps.sub("", response.text) == timestamps.sub("", recorded["body"])


def test_classic_recording_is_served_with_its_wrapped_text(arxiv_server: ArxivServer) -> None:
    classic = (ATOM / "arxivpy_2016_idlist_1111.2011v2.xml").read_bytes()
    response = _get(arxiv_server, id_list="1111.2011v2", max_results="10")
    [ours], [theirs] = _entries(response.content), _entries(classic)
    # Links differ by design (2026 https links); every text is the recorded one.
    assert ours[:11] == theirs[:11]
    assert ours[1] == ("Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large "
                       "Connectivity Limit")
    assert ours[2].startswith("  Theoretical description of anisotropic systems, such as layered\n")


def test_unknown_ids_are_silently_dropped(arxiv_server: ArxivServer) -> None:
    response = _get(arxiv_server, id_list="0000.0000,1111.2011,2501.99999v3", max_results="3")
    feed = arxiv_feed.parse(response.content)
    assert response.status_code == 200
    assert feed.header.total_results == 1
    assert [r.get_short_id() for r in feed.results] == ["1111.2011v2"]


def test_author_search_matches_surname_tokens(arxiv_server: ArxivServer) -> None:
    response = _get(arxiv_server, search_query="au:del_maestro", max_results="50")
    ids = [r.get_short_id() for r in arxiv_feed.parse(response.content).results]
    assert ids == [
        "1111.2011v2", "1201.4869v1", "cond-mat/0412498v1", "cond-mat/0603029v1", "1005.5383v1",
        "1303.6954v2", "1312.6177v1", "1412.6529v2", "cond-mat/0607501v2",
        "cond-mat/0702661v2", "0807.2873v1",
    ]


@pytest.fixture
def small_server():
    with ArxivServer(corpus=False) as server:
        server.add_paper({"id": "2301.00001", "title": "Deep learning for proteins",
                          "abstract": "We fold proteins.", "authors": ["Sandipan Kundu"]})
        server.add_paper({"id": "2301.00002", "title": "Shallow learning of graphs",
                          "abstract": "Graphs, deep down.", "authors": ["Adrian Del Maestro"]})
        server.add_paper({"id": "2301.00003", "title": "Protein graphs",
                          "abstract": "Proteins as graphs.", "authors": ["Ada Lovelace"],
                          "categories": ["q-bio.BM"], "primary_category": "q-bio.BM"})
        yield server


@pytest.mark.parametrize(("query", "expected"), [
    ("ti:learning", ["2301.00001", "2301.00002"]),
    ('ti:"deep learning"', ["2301.00001"]),
    ('ti:"learning deep"', []),
    ("all:deep", ["2301.00001", "2301.00002"]),
    ("deep", ["2301.00001", "2301.00002"]),
    ("abs:proteins AND ti:graphs", ["2301.00003"]),
    ("ti:learning ANDNOT abs:graphs", ["2301.00001"]),
    ("au:Kundu OR au:lovelace", ["2301.00001", "2301.00003"]),
    ('au:"Kundu"', ["2301.00001"]),
    ("au:del_maestro", ["2301.00002"]),
    ("au:maestro_del", []),
    ("(ti:protein OR ti:proteins) AND NOT_A_WORD", []),
    ("(ti:protein OR ti:proteins) ANDNOT (au:kundu)", ["2301.00003"]),
    ("cat:q-bio.BM", ["2301.00003"]),
    ("TI:PROTEIN", ["2301.00003"]),
])
def test_search_query_grammar(small_server: ArxivServer, query: str, expected: list[str]) -> None:
    response = _get(small_server, search_query=query, max_results="10")
    ids = [r.get_short_id().split("v")[0] for r in arxiv_feed.parse(response.content).results]
    assert ids == expected


def test_paging_with_start_and_max_results(small_server: ArxivServer) -> None:
    response = _get(small_server, search_query="all:graphs OR all:proteins", start="1",
                    max_results="1", sortBy="submittedDate", sortOrder="ascending")
    feed = arxiv_feed.parse(response.content)
    assert (feed.header.total_results, feed.header.start_index, feed.header.items_per_page) == (
        3, 1, 1)
    assert [r.get_short_id() for r in feed.results] == ["2301.00002v1"]


def test_versions(arxiv_server: ArxivServer) -> None:
    arxiv_server.add_papers(synthetic_paper(5, versions=3))
    latest = _get(arxiv_server, id_list="2401.00005", max_results="1")
    second = _get(arxiv_server, id_list="2401.00005v2", max_results="1")
    absent = _get(arxiv_server, id_list="2401.00005v4", max_results="1")
    assert [r.get_short_id() for r in arxiv_feed.parse(latest.content).results] == [
        "2401.00005v3"]
    assert [r.get_short_id() for r in arxiv_feed.parse(second.content).results] == [
        "2401.00005v2"]
    assert arxiv_feed.parse(absent.content).results == []


def test_refused_ids_get_the_error_feed(arxiv_server: ArxivServer) -> None:
    arxiv_server.refuse_ids("1111.2011")
    response = _get(arxiv_server, id_list="astro-ph/0601001,1111.2011", max_results="2")
    assert response.status_code == 400
    assert "<summary>incorrect id format for 1111.2011</summary>" in response.text


def test_faults_are_consumed_one_per_request(arxiv_server: ArxivServer) -> None:
    arxiv_server.fail(503)
    arxiv_server.fail(429, retry_after=7)
    arxiv_server.empty_page()
    arxiv_server.drop_connection()
    arxiv_server.slow(1.0)
    with httpx.Client(timeout=5, headers={"User-Agent": "probe/1"}) as client:
        first = client.get(arxiv_server.url, params={"id_list": "1111.2011"})
        second = client.get(arxiv_server.url, params={"id_list": "1111.2011"})
        third = client.get(arxiv_server.url, params={"id_list": "1111.2011"})
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(arxiv_server.url, params={"id_list": "1111.2011"})
        with pytest.raises(httpx.ReadTimeout):
            client.get(arxiv_server.url, params={"id_list": "1111.2011"}, timeout=0.2)
        normal = client.get(arxiv_server.url, params={"id_list": "1111.2011"})
    assert (first.status_code, second.status_code, second.headers["Retry-After"]) == (
        503, 429, "7")
    empty = arxiv_feed.parse(third.content)
    assert (third.status_code, empty.header.total_results, empty.results) == (200, 1, [])
    assert [r.get_short_id() for r in arxiv_feed.parse(normal.content).results] == [
        "1111.2011v2"]
    assert [r.fault for r in arxiv_server.requests] == [
        "status", "status", "empty", "drop", "slow", None]
    assert {r.headers["user-agent"] for r in arxiv_server.requests} == {"probe/1"}
    assert arxiv_server.requests[0].id_list == ["1111.2011"]
    assert arxiv_server.pending_faults == 0


def test_unknown_path_is_404(arxiv_server: ArxivServer) -> None:
    response = _HTTP.get(arxiv_server.url.replace("/api/query", "/nope"))
    assert response.status_code == 404
